//! The destinations the broker terminates TLS for: exact names (`api.example.com`) or one level
//! of wildcard (`*.example.com`, any name below `example.com`, not `example.com` itself), each
//! with an optional port. Names compare case-insensitively and without a trailing dot.

use crate::{Error, Result};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPattern {
    name: Name,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Name {
    Exact(String),
    /// `*.suffix`: the suffix, without the leading `*.`.
    Below(String),
    Ip(IpAddr),
}

impl HostPattern {
    /// Parses `host`, `host:port`, `*.domain`, `*.domain:port`, an IPv4 address or `[v6]:port`.
    pub fn parse(text: &str) -> Result<HostPattern> {
        let bad = || {
            Error::usage(format!("bad host pattern {text:?}")).hint(
                "write a name (api.example.com), a wildcard (*.example.com), or either with :PORT",
            )
        };
        let (host, port) = split_host_port(text).ok_or_else(bad)?;
        let port = match port {
            Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?),
            None => None,
        };
        let host = normalise(host);
        let name = if let Ok(ip) = host.parse::<IpAddr>() {
            Name::Ip(ip)
        } else if let Some(suffix) = host.strip_prefix("*.") {
            if !is_dns_name(suffix) || !suffix.contains('.') {
                return Err(bad());
            }
            Name::Below(suffix.to_string())
        } else if is_dns_name(&host) {
            Name::Exact(host)
        } else {
            return Err(bad());
        };
        Ok(HostPattern { name, port })
    }

    /// Whether `host` (as a client names it: any case, maybe a trailing dot) on `port` is covered.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = normalise(host);
        match &self.name {
            Name::Exact(name) => *name == host,
            Name::Below(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            Name::Ip(ip) => host.parse::<IpAddr>().is_ok_and(|h| h == *ip),
        }
    }

    /// The name-constraint subtree that covers this pattern: the name itself, or for `*.domain`
    /// the `domain` subtree. See `ca.rs` for why the parent is permitted rather than a
    /// leading-dot form.
    pub(crate) fn subtree(&self) -> Subtree {
        match &self.name {
            Name::Exact(n) | Name::Below(n) => Subtree::Dns(n.clone()),
            Name::Ip(ip) => Subtree::Ip(*ip),
        }
    }
}

pub(crate) enum Subtree {
    Dns(String),
    Ip(IpAddr),
}

impl std::fmt::Display for HostPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Name::Exact(n) => f.write_str(n)?,
            Name::Below(n) => write!(f, "*.{n}")?,
            Name::Ip(IpAddr::V4(ip)) => write!(f, "{ip}")?,
            Name::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
        }
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

/// Splits `host[:port]`, `[v6][:port]` (a bare IPv6 address has no port).
pub(crate) fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    if text.matches(':').count() > 1 {
        return Some((text, None));
    }
    match text.split_once(':') {
        Some((h, p)) => Some((h, Some(p))),
        None => Some((text, None)),
    }
}

pub(crate) fn normalise(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Letters, digits, `-` and `_` in dot-separated labels of at most 63 characters.
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_wildcards_and_ports() {
        let p = HostPattern::parse("API.Example.com.").unwrap();
        assert!(p.matches("api.example.com", 443));
        assert!(p.matches("API.EXAMPLE.COM.", 8443));
        assert!(!p.matches("x.api.example.com", 443));

        let w = HostPattern::parse("*.example.com:443").unwrap();
        assert!(w.matches("a.example.com", 443));
        assert!(w.matches("a.b.example.com", 443));
        assert!(!w.matches("example.com", 443));
        assert!(!w.matches("badexample.com", 443));
        assert!(!w.matches("a.example.com", 80));
        assert_eq!(w.to_string(), "*.example.com:443");

        let ip = HostPattern::parse("[::1]:8443").unwrap();
        assert!(ip.matches("::1", 8443));
        assert!(
            HostPattern::parse("127.0.0.1")
                .unwrap()
                .matches("127.0.0.1", 1)
        );
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "", "*.com", "a..b", "*", "a b", "x:0", "x:99999", "**.a.b", "a.*.b",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
