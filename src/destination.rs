//! Destination binding: where a secret's value may ever be sent, and how it reaches a program.
//!
//! A secret may name the hosts its value is for (`secret set|edit --hosts`); a grant may narrow
//! that further to some hosts, methods and paths (`grant --hosts --methods --paths`), never widen
//! it. What applies to one agent's use of one secret is the intersection of the two, a
//! [`Binding`], which the broker checks on every request before it puts the value in.
//!
//! The patterns are deliberately small, so that what a binding allows is obvious from reading it:
//!
//! - a host is an exact name (`api.openai.com`), an IP address (`127.0.0.1`, `[::1]`), or
//!   `*.domain`, which covers every name below the domain at any depth (`a.domain`,
//!   `a.b.domain`) but not the domain itself; an optional `:port` limits it to one port, and
//!   without one any port is allowed;
//! - a method is an HTTP method token, compared upper-cased;
//! - a path is exact (`/v1/models`), or made of segments where a `*` segment stands for exactly
//!   one non-empty segment (`/repos/*/issues`), and a final `/*` for the whole subtree below
//!   (`/v1/*` covers `/v1/` and `/v1/a/b`, not `/v1`). A `*` never matches part of a segment,
//!   and a `*` segment never matches across a `/`: only the final one does.
//!
//! A path with a `.` or `..` segment (also percent-encoded, or followed by `;parameters`) is
//! refused outright: the upstream would resolve it to a path the pattern never named. Paths are
//! matched as sent, not decoded: an encoded `/` (`%2F`) stays inside its segment, as the APIs that
//! use it (project ids such as `group%2Fproject`) mean it.
//!
//! `delivery` says how the value reaches the program: in its environment (`env`, the default),
//! or never at all (`broker`): the program gets a placeholder, worthless anywhere else, and only
//! the broker, on a request the binding allows, swaps it for the value.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One host pattern: a name, an address or a `*.domain` wildcard, with an optional port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostPattern {
    host: Host,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Host {
    /// A lower-case name without a trailing dot.
    Name(String),
    /// `*.domain`: the domain, lower-case, without the `*.`.
    Below(String),
    Ip(IpAddr),
}

fn bad_host(text: &str, why: &str) -> Error {
    let shown: String = text.chars().take(80).collect();
    Error::usage(format!("invalid host '{}': {why}", shown.escape_default())).hint(
        "a host is a name (api.example.com), an address (127.0.0.1, [::1]) or *.domain, \
         optionally with :port",
    )
}

/// Whether `host` (a name or address as a client gives it) is this machine: `localhost`, a name
/// under `.localhost`, or a loopback address.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.ends_with(".localhost")
        || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn is_loopback_host(host: &Host) -> bool {
    match host {
        Host::Ip(ip) => ip.is_loopback(),
        Host::Name(name) => is_loopback(name),
        Host::Below(domain) => domain == "localhost" || is_loopback(domain),
    }
}

impl HostPattern {
    pub fn parse(text: &str) -> Result<HostPattern> {
        let t = text.trim();
        if t.is_empty() {
            return Err(bad_host(text, "it is empty"));
        }
        if t.contains("://") {
            return Err(bad_host(text, "a host is not a URL: drop the scheme"));
        }
        if let Some(c) = t
            .chars()
            .find(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace())
        {
            return Err(bad_host(
                text,
                &format!(
                    "'{}' has no place in a host (no paths, users or spaces)",
                    c.escape_default()
                ),
            ));
        }
        if !t.is_ascii() {
            return Err(bad_host(
                text,
                "write an international name in its xn-- form",
            ));
        }
        let t = t.to_ascii_lowercase();
        // An IPv6 address is bracketed, so that a port can follow it.
        let (host, port) = if let Some(rest) = t.strip_prefix('[') {
            let (addr, after) = rest
                .split_once(']')
                .ok_or_else(|| bad_host(text, "an IPv6 address needs its closing ']'"))?;
            let ip: Ipv6Addr = addr
                .parse()
                .map_err(|_| bad_host(text, "not an IPv6 address"))?;
            let port = match after {
                "" => None,
                p => Some(parse_port(
                    text,
                    p.strip_prefix(':')
                        .ok_or_else(|| bad_host(text, "only :port may follow an IPv6 address"))?,
                )?),
            };
            (Host::Ip(IpAddr::V6(ip)), port)
        } else {
            if t.matches(':').count() > 1 {
                return Err(bad_host(
                    text,
                    "write an IPv6 address in brackets, e.g. [::1]:8443",
                ));
            }
            let (name, port) = match t.split_once(':') {
                Some((name, port)) => (name, Some(parse_port(text, port)?)),
                None => (t.as_str(), None),
            };
            (parse_name(text, name)?, port)
        };
        // A loopback name without a port would let the program itself, listening on any free
        // port of this machine, receive the value.
        if port.is_none() && is_loopback_host(&host) {
            return Err(bad_host(
                text,
                "a loopback host must name its port (e.g. localhost:8080): any process of \
                 this machine could listen on another",
            ));
        }
        Ok(HostPattern { host, port })
    }

    /// Does this pattern allow a connection to `host` on `port`? `host` is what a client asked
    /// for: a name (any case, perhaps with a trailing dot) or an address (IPv6 with or without
    /// brackets).
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let Some(host) = normalise_host(host) else {
            return false;
        };
        match (&self.host, host) {
            (Host::Ip(a), Concrete::Ip(b)) => *a == b,
            (Host::Name(a), Concrete::Name(b)) => *a == b,
            (Host::Below(d), Concrete::Name(b)) => is_below(&b, d),
            _ => false,
        }
    }

    /// Does this pattern allow everything `other` allows?
    pub fn covers(&self, other: &HostPattern) -> bool {
        self.intersect(other).as_ref() == Some(other)
    }

    /// What both patterns allow, if anything (always one pattern or nothing).
    pub fn intersect(&self, other: &HostPattern) -> Option<HostPattern> {
        let port = match (self.port, other.port) {
            (Some(a), Some(b)) if a != b => return None,
            (a, b) => a.or(b),
        };
        let host = match (&self.host, &other.host) {
            (Host::Ip(a), Host::Ip(b)) => (a == b).then_some(Host::Ip(*a))?,
            (Host::Name(a), Host::Name(b)) => (a == b).then(|| Host::Name(a.clone()))?,
            (Host::Below(d), Host::Name(n)) | (Host::Name(n), Host::Below(d)) => {
                is_below(n, d).then(|| Host::Name(n.clone()))?
            }
            (Host::Below(a), Host::Below(b)) => {
                if a == b || is_below(a, b) {
                    Host::Below(a.clone())
                } else if is_below(b, a) {
                    Host::Below(b.clone())
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        Some(HostPattern { host, port })
    }

    /// The port this pattern is limited to, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Is this a `*.domain` wildcard?
    pub fn is_wildcard(&self) -> bool {
        matches!(self.host, Host::Below(_))
    }

    /// The name or address without the port: `api.example.com`, `*.example.com`, `127.0.0.1`,
    /// `::1` (what a certificate's name constraint would name).
    pub fn host_text(&self) -> String {
        match &self.host {
            Host::Name(n) => n.clone(),
            Host::Below(d) => format!("*.{d}"),
            Host::Ip(ip) => ip.to_string(),
        }
    }
}

fn parse_port(text: &str, port: &str) -> Result<u16> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err(bad_host(text, "the port must be a number from 1 to 65535")),
    }
}

fn parse_name(text: &str, name: &str) -> Result<Host> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let (wild, domain) = match name.strip_prefix("*.") {
        Some(d) => (true, d),
        None => (false, name),
    };
    if domain == "*" || name == "*" || (wild && domain.is_empty()) {
        return Err(bad_host(
            text,
            "a bare * would allow every host; name the domain (*.example.com)",
        ));
    }
    if domain.contains('*') {
        return Err(bad_host(
            text,
            "* may only stand for the first labels: *.example.com",
        ));
    }
    if !wild && let Ok(ip) = domain.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    if domain.is_empty() || domain.len() > 253 {
        return Err(bad_host(text, "a name is 1-253 characters"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(bad_host(
                text,
                "it has an empty label (two dots, or a leading dot)",
            ));
        }
        if label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad_host(
                text,
                &format!("'{label}' is not a DNS label (a-z, 0-9, '-', '_', at most 63)"),
            ));
        }
    }
    // A name whose last label is a number is an address to most resolvers (`1.2.3`, `10.1`).
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad_host(
            text,
            if wild {
                "a wildcard covers names, not addresses"
            } else {
                "it looks like an address but is not one"
            },
        ));
    }
    if wild && labels.len() < 2 {
        return Err(bad_host(
            text,
            "a wildcard over a whole top-level domain is too wide; name the domain (*.example.com)",
        ));
    }
    Ok(if wild {
        Host::Below(domain.to_string())
    } else {
        Host::Name(domain.to_string())
    })
}

/// A host a client asked for, normalised for matching.
enum Concrete {
    Name(String),
    Ip(IpAddr),
}

fn normalise_host(host: &str) -> Option<Concrete> {
    let h = host.trim();
    let unbracketed = h
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(h);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Some(Concrete::Ip(ip));
    }
    let name = h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase();
    if name.split('.').any(str::is_empty) {
        return None;
    }
    Some(Concrete::Name(name))
}

/// Is `name` strictly below `domain` (`a.example.com` below `example.com`)?
fn is_below(name: &str, domain: &str) -> bool {
    name.len() > domain.len() + 1
        && name.ends_with(domain)
        && name.as_bytes()[name.len() - domain.len() - 1] == b'.'
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.host, self.port) {
            (Host::Ip(IpAddr::V6(ip)), Some(p)) => write!(f, "[{ip}]:{p}"),
            (Host::Ip(IpAddr::V6(ip)), None) => write!(f, "[{ip}]"),
            (_, Some(p)) => write!(f, "{}:{p}", self.host_text()),
            (_, None) => f.write_str(&self.host_text()),
        }
    }
}

/// An HTTP method, upper-cased.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Method(String);

impl Method {
    pub fn parse(text: &str) -> Result<Method> {
        let t = text;
        // The token characters of HTTP, without those no method uses.
        let ok = !t.is_empty()
            && t.len() <= 32
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.!".contains(&b));
        if !ok {
            return Err(Error::usage(format!(
                "invalid method '{}'",
                t.chars().take(40).collect::<String>().escape_default()
            ))
            .hint("methods are HTTP methods such as GET, POST, PUT, PATCH, DELETE"));
        }
        Ok(Method(t.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path pattern (see the module's comment for what `*` means).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PathPattern {
    segments: Vec<Segment>,
    /// Ends in `/*`: one or more further segments of any content (the subtree).
    subtree: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Segment {
    Literal(String),
    /// Exactly one non-empty segment.
    Any,
}

fn bad_path(text: &str, why: &str) -> Error {
    let shown: String = text.chars().take(80).collect();
    Error::usage(format!("invalid path '{}': {why}", shown.escape_default())).hint(
        "a path starts with /: exact (/v1/models), * for one segment (/repos/*/issues), \
         or ending in /* for everything below (/v1/*)",
    )
}

impl PathPattern {
    pub fn parse(text: &str) -> Result<PathPattern> {
        let t = text.trim();
        if t == "*" || t == "/*" {
            return Ok(PathPattern {
                segments: vec![],
                subtree: true,
            });
        }
        let Some(body) = t.strip_prefix('/') else {
            return Err(bad_path(text, "it must start with /"));
        };
        if t.len() > 1024 {
            return Err(bad_path(text, "it is longer than 1024 characters"));
        }
        if let Some(c) = t
            .chars()
            .find(|c| matches!(c, '?' | '#' | '\\') || c.is_whitespace() || c.is_control())
        {
            return Err(bad_path(
                text,
                &format!(
                    "'{}' has no place in a path pattern (no query)",
                    c.escape_default()
                ),
            ));
        }
        let mut parts: Vec<&str> = body.split('/').collect();
        let subtree = parts.len() > 1 && parts.last() == Some(&"*");
        if subtree {
            parts.pop();
        }
        let mut segments = Vec::with_capacity(parts.len());
        for p in parts {
            if is_dot_segment(p) {
                return Err(bad_path(text, "'.' and '..' segments are not allowed"));
            }
            if p == "*" {
                segments.push(Segment::Any);
            } else if p.contains('*') {
                return Err(bad_path(
                    text,
                    "* stands for a whole segment (/a/*/b) or, last, the subtree (/a/*)",
                ));
            } else {
                segments.push(Segment::Literal(p.to_string()));
            }
        }
        Ok(PathPattern { segments, subtree })
    }

    /// Does the pattern allow `path` (the request target's path; a query is ignored)?
    /// A path with a dot segment never matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(parts) = request_segments(path) else {
            return false;
        };
        let n = self.segments.len();
        if self.subtree {
            if parts.len() <= n {
                return false;
            }
        } else if parts.len() != n {
            return false;
        }
        self.segments.iter().zip(&parts).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Any => !p.is_empty(),
        })
    }

    /// What both patterns allow, if anything (always one pattern or nothing).
    pub fn intersect(&self, other: &PathPattern) -> Option<PathPattern> {
        let (a, b) = (self, other);
        let (la, lb) = (a.segments.len(), b.segments.len());
        // A fixed length must be reachable by the other: a subtree needs at least one more.
        let len = match (a.subtree, b.subtree) {
            (false, false) if la != lb => return None,
            (false, false) => la,
            (true, false) if lb <= la => return None,
            (true, false) => lb,
            (false, true) if la <= lb => return None,
            (false, true) => la,
            (true, true) => la.max(lb),
        };
        let mut segments = Vec::with_capacity(len);
        for i in 0..len {
            let s = match (a.segments.get(i), b.segments.get(i)) {
                (Some(x), Some(y)) => meet(x, y)?,
                // Beyond one side's segments that side is in its subtree: anything goes there,
                // except that a subtree segment may be empty and `*` may not.
                (Some(x), None) | (None, Some(x)) => x.clone(),
                (None, None) => unreachable!("len is at most the longer side"),
            };
            segments.push(s);
        }
        Some(PathPattern {
            segments,
            subtree: a.subtree && b.subtree,
        })
    }
}

fn meet(x: &Segment, y: &Segment) -> Option<Segment> {
    match (x, y) {
        (Segment::Literal(a), Segment::Literal(b)) => (a == b).then(|| x.clone()),
        (Segment::Literal(a), Segment::Any) | (Segment::Any, Segment::Literal(a)) => {
            (!a.is_empty()).then(|| Segment::Literal(a.clone()))
        }
        (Segment::Any, Segment::Any) => Some(Segment::Any),
    }
}

/// `.` or `..`, also percent-encoded in any case or followed by `;parameters` (which some
/// servers drop before resolving): segments an upstream resolves away.
fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase().replace("%2e", ".");
    let bare = lower.split(';').next().unwrap_or("");
    bare == "." || bare == ".."
}

/// The segments of a request's path, without its query; `None` for a path that must never
/// match (not starting with `/`, or with a dot segment or a backslash).
fn request_segments(path: &str) -> Option<Vec<&str>> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let body = path.strip_prefix('/')?;
    if path.contains('\\') {
        return None;
    }
    let parts: Vec<&str> = body.split('/').collect();
    if parts.iter().any(|p| is_dot_segment(p)) {
        return None;
    }
    Some(parts)
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() && self.subtree {
            return f.write_str("/*");
        }
        for s in &self.segments {
            match s {
                Segment::Literal(l) => write!(f, "/{l}")?,
                Segment::Any => f.write_str("/*")?,
            }
        }
        if self.subtree {
            f.write_str("/*")?;
        }
        Ok(())
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$t>::parse(&text).map_err(|e| serde::de::Error::custom(e.to_string()))
            }
        }
    };
}
string_serde!(HostPattern);
string_serde!(Method);
string_serde!(PathPattern);

/// Which part of a request fell outside its binding: what a refusal names (in the broker's
/// 403 body and the audit entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The destination is not among the bound hosts.
    Host { host: String, port: u16 },
    /// The method is not among those the grant allows.
    Method(String),
    /// The path is not among those the grant allows (or has a dot segment).
    Path(String),
}

impl Refusal {
    /// `host`, `method` or `path`.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Host { .. } => "host",
            Refusal::Method(_) => "method",
            Refusal::Path(_) => "path",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Host { host, port } => {
                write!(f, "host {host}:{port} is outside the secret's binding")
            }
            Refusal::Method(m) => write!(f, "method {m} is outside the grant's binding"),
            Refusal::Path(p) => write!(f, "path {p} is outside the grant's binding"),
        }
    }
}

impl std::error::Error for Refusal {}

/// Where a value may be sent: the hosts, and the methods and paths on them. `None` in a
/// dimension is no constraint there; an empty list allows nothing (what an intersection of two
/// disjoint lists leaves).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<HostPattern>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<Method>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<PathPattern>>,
}

impl Binding {
    /// No constraint at all (a secret that declared no hosts).
    pub fn unbound() -> Binding {
        Binding::default()
    }

    pub fn is_unbound(&self) -> bool {
        self.hosts.is_none() && self.methods.is_none() && self.paths.is_none()
    }

    /// May a request for `method` `path` on `host`:`port` carry the value? The first dimension
    /// outside the binding is named, hosts first.
    pub fn allows(
        &self,
        host: &str,
        port: u16,
        method: &str,
        path: &str,
    ) -> std::result::Result<(), Refusal> {
        if let Some(hosts) = &self.hosts
            && !hosts.iter().any(|h| h.matches(host, port))
        {
            return Err(Refusal::Host {
                host: host.to_ascii_lowercase(),
                port,
            });
        }
        if let Some(methods) = &self.methods
            && !methods.iter().any(|m| m.0.eq_ignore_ascii_case(method))
        {
            return Err(Refusal::Method(method.to_string()));
        }
        let bare = path.split(['?', '#']).next().unwrap_or("");
        let path_ok = match &self.paths {
            Some(paths) => paths.iter().any(|p| p.matches(path)),
            // Unconstrained paths still refuse a dot segment: nothing names one.
            None => path == "*" || request_segments(path).is_some(),
        };
        if !path_ok {
            return Err(Refusal::Path(bare.to_string()));
        }
        Ok(())
    }

    /// May the broker connect to `host`:`port` for this value at all (a CONNECT, before any
    /// request on it is seen)?
    pub fn allows_host(&self, host: &str, port: u16) -> bool {
        self.hosts
            .as_ref()
            .is_none_or(|hosts| hosts.iter().any(|h| h.matches(host, port)))
    }

    /// The intersection: what both allow.
    pub fn intersect(&self, other: &Binding) -> Binding {
        fn both<T: Clone + Ord>(
            a: &Option<Vec<T>>,
            b: &Option<Vec<T>>,
            meet: impl Fn(&T, &T) -> Option<T>,
        ) -> Option<Vec<T>> {
            match (a, b) {
                (None, x) | (x, None) => x.clone(),
                (Some(a), Some(b)) => {
                    let mut out: Vec<T> = a
                        .iter()
                        .flat_map(|x| b.iter().filter_map(|y| meet(x, y)).collect::<Vec<_>>())
                        .collect();
                    out.sort();
                    out.dedup();
                    Some(out)
                }
            }
        }
        Binding {
            hosts: both(&self.hosts, &other.hosts, HostPattern::intersect),
            methods: both(&self.methods, &other.methods, |a, b| {
                (a == b).then(|| a.clone())
            }),
            paths: both(&self.paths, &other.paths, PathPattern::intersect),
        }
    }

    /// A short text for tables: `api.x.com GET,POST /v1/*`, `-` when unbound.
    pub fn summary(&self) -> String {
        let list = |v: &Option<Vec<String>>| v.as_ref().map(|v| v.join(","));
        let parts: Vec<String> = [
            list(
                &self
                    .hosts
                    .as_ref()
                    .map(|v| v.iter().map(ToString::to_string).collect()),
            ),
            list(
                &self
                    .methods
                    .as_ref()
                    .map(|v| v.iter().map(ToString::to_string).collect()),
            ),
            list(
                &self
                    .paths
                    .as_ref()
                    .map(|v| v.iter().map(ToString::to_string).collect()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            "-".into()
        } else {
            parts.join(" ")
        }
    }
}

/// The binding a grant makes of a secret's: the secret's narrowed by the grant's.
pub fn narrow(secret: &Binding, grant: &Binding) -> Binding {
    secret.intersect(grant)
}

/// Checks, when a grant is made, that it only narrows: each of its hosts must lie within one
/// of the secret's. Refused (usage, exit 2) naming both.
pub fn check_narrowing(secret_name: &str, secret: &Binding, grant: &Binding) -> Result<()> {
    let (Some(theirs), Some(ours)) = (&secret.hosts, &grant.hosts) else {
        return Ok(());
    };
    for h in ours {
        if !theirs.iter().any(|s| s.covers(h)) {
            let bound: Vec<String> = theirs.iter().map(ToString::to_string).collect();
            return Err(Error::usage(format!(
                "--hosts {h} is outside secret {secret_name}'s binding ({})",
                bound.join(",")
            ))
            .hint(format!(
                "a grant can only narrow; widen the secret first with `agentcred secret edit {secret_name} --hosts …`"
            )));
        }
    }
    Ok(())
}

/// Parses a comma list flag (`a.com,*.b.com`, repeatable) with `parse`; `flag` names it in the
/// error when the list is empty.
pub fn parse_list<T>(
    flag: &str,
    values: &[String],
    parse: impl Fn(&str) -> Result<T>,
) -> Result<Vec<T>>
where
    T: Ord,
{
    let mut out = Vec::new();
    for v in values.iter().flat_map(|v| v.split(',')) {
        let v = v.trim();
        if !v.is_empty() {
            out.push(parse(v)?);
        }
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(Error::usage(format!("{flag} needs at least one value")));
    }
    Ok(out)
}

/// How a secret's value reaches the program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// In its environment, under the secret's variable.
    #[default]
    Env,
    /// Never: the program gets a placeholder, and the broker puts the value into the requests
    /// its binding allows.
    Broker,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Env => "env",
            Delivery::Broker => "broker",
        }
    }

    pub fn is_env(&self) -> bool {
        *self == Delivery::Env
    }
}

/// The longest placeholder prefix: enough for any client-side format check (`sk-`, `ghp_`,
/// `xoxb-`), too short to hide anything in.
pub const MAX_PREFIX: usize = 16;

/// Checks a placeholder prefix: at most [`MAX_PREFIX`] of `[A-Za-z0-9_-]`. It is shown and
/// stored in the clear: it must not be part of a value.
pub fn validate_prefix(prefix: &str) -> Result<()> {
    let ok = prefix.len() <= MAX_PREFIX
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "invalid placeholder prefix '{}'",
            prefix.chars().take(40).collect::<String>().escape_default()
        ))
        .hint(format!(
            "at most {MAX_PREFIX} characters of A-Z a-z 0-9 _ -, such as sk- or ghp_; it is not secret"
        )))
    }
}

/// What marks a placeholder, after the declared prefix.
pub const PLACEHOLDER_MARK: &str = "agentcred-ph-";

/// A fresh placeholder: the prefix, [`PLACEHOLDER_MARK`], and 128 random bits as 32 lower-case
/// hex digits. Random, so unique per credential and secret, and derived from nothing: it tells
/// whoever holds it nothing about the value and works nowhere but at the broker that made it.
pub fn placeholder(prefix: Option<&str>) -> crate::sensitive::SecretText {
    let random = crate::crypto::hex(&crate::crypto::random_bytes::<16>());
    crate::sensitive::SecretText::new(format!(
        "{}{PLACEHOLDER_MARK}{random}",
        prefix.unwrap_or("")
    ))
}

/// What a secret declares about where its value goes, kept with its metadata in the admin
/// state and in the envelopes of the agents granted it. A vault written before these existed
/// has none of the fields: no binding, delivered in the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<HostPattern>>,
    #[serde(default, skip_serializing_if = "Delivery::is_env")]
    pub delivery: Delivery,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder_prefix: Option<String>,
}

impl Declared {
    /// The secret's own binding: its hosts, any method, any path.
    pub fn binding(&self) -> Binding {
        Binding {
            hosts: self.hosts.clone(),
            ..Binding::default()
        }
    }

    /// Checks the combination: a brokered value must be bound somewhere.
    pub fn check(&self, secret: &str) -> Result<()> {
        if self.delivery == Delivery::Broker && self.hosts.as_ref().is_none_or(Vec::is_empty) {
            return Err(Error::usage(format!(
                "secret {secret} cannot be delivered by the broker without --hosts"
            ))
            .hint("name where its value may be sent, e.g. --hosts api.openai.com"));
        }
        if let Some(p) = &self.placeholder_prefix {
            validate_prefix(p)?;
        }
        Ok(())
    }

    /// For the audit entry of a change: names and patterns, never a value.
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "hosts": self.hosts,
            "delivery": self.delivery,
            "placeholder_prefix": self.placeholder_prefix,
        })
    }
}

/// Everything about where one secret may go, for one agent: how it is delivered, the effective
/// binding (the secret's, narrowed by the agent's grants), and the placeholder prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Destination {
    pub delivery: Delivery,
    pub binding: Binding,
    pub placeholder_prefix: Option<String>,
}

impl Destination {
    pub fn is_brokered(&self) -> bool {
        self.delivery == Delivery::Broker
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> HostPattern {
        HostPattern::parse(s).unwrap()
    }

    fn p(s: &str) -> PathPattern {
        PathPattern::parse(s).unwrap()
    }

    #[test]
    fn host_patterns_parse_lower_case_and_refuse_what_is_not_a_host() {
        assert_eq!(h("API.Example.COM").to_string(), "api.example.com");
        assert_eq!(h("api.example.com.").to_string(), "api.example.com");
        assert_eq!(h("*.Example.com:8443").to_string(), "*.example.com:8443");
        assert_eq!(h("127.0.0.1:80").to_string(), "127.0.0.1:80");
        assert_eq!(h("[::1]:8443").to_string(), "[::1]:8443");
        assert_eq!(h("localhost:8080").to_string(), "localhost:8080");
        // A loopback host names its port: the program itself could listen on any other.
        for bare in ["localhost", "127.0.0.1", "[::1]", "LocalHost."] {
            assert!(HostPattern::parse(bare).is_err(), "{bare}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("https://api.example.com", "scheme"),
            ("api.example.com/v1", "paths"),
            ("*", "bare"),
            ("*.*.com", "first labels"),
            ("a.*.com", "first labels"),
            ("api*.example.com", "first labels"),
            ("*.com", "too wide"),
            ("a..b", "empty label"),
            (".a.b", "empty label"),
            ("*.1.2.3", "addresses"),
            ("*.10.0.0.1", "addresses"),
            ("1.2.3", "address"),
            ("a.b:0", "port"),
            ("a.b:99999", "port"),
            ("a.b:", "port"),
            ("::1", "brackets"),
            ("[::1", "closing"),
            ("user@a.b", "no place"),
            ("bücher.de", "xn--"),
            ("-a.b", "DNS label"),
        ] {
            let err = HostPattern::parse(bad).expect_err(bad).to_string();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(err.contains("invalid host"), "{bad}: {err}");
            assert_eq!(HostPattern::parse(bad).unwrap_err().exit_code(), 2);
        }
    }

    #[test]
    fn a_wildcard_covers_names_below_its_domain_not_the_domain() {
        let w = h("*.example.com");
        assert!(w.matches("a.example.com", 443));
        assert!(w.matches("a.b.example.com", 80));
        assert!(w.matches("A.Example.COM.", 443));
        assert!(!w.matches("example.com", 443));
        assert!(!w.matches("aexample.com", 443));
        assert!(!w.matches("example.com.evil.net", 443));
        let exact = h("api.example.com:443");
        assert!(exact.matches("api.example.com", 443));
        assert!(!exact.matches("api.example.com", 8443));
        assert!(!exact.matches("x.api.example.com", 443));
        assert!(h("[::1]:1").matches("::1", 1));
        assert!(h("[::1]:1").matches("[::1]", 1));
        assert!(!h("[::1]:1").matches("[::1]", 2));
        assert!(h("127.0.0.1:9").matches("127.0.0.1", 9));
        assert!(!h("127.0.0.1:9").matches("localhost", 9));
    }

    #[test]
    fn host_containment() {
        assert!(h("*.example.com").covers(&h("a.example.com")));
        assert!(h("*.example.com").covers(&h("*.a.example.com:443")));
        assert!(!h("*.example.com").covers(&h("example.com")));
        assert!(!h("*.a.example.com").covers(&h("*.example.com")));
        assert!(h("api.example.com").covers(&h("api.example.com:443")));
        assert!(!h("api.example.com:443").covers(&h("api.example.com")));
        assert!(!h("api.example.com:443").covers(&h("api.example.com:80")));
        assert_eq!(
            h("*.example.com:443").intersect(&h("a.example.com")),
            Some(h("a.example.com:443"))
        );
        assert_eq!(h("a.com").intersect(&h("b.com")), None);
    }

    #[test]
    fn methods_are_upper_case_tokens() {
        assert_eq!(Method::parse("get").unwrap().as_str(), "GET");
        for bad in ["", "GE T", "GET\r\n", "G/ET"] {
            assert!(Method::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn path_patterns() {
        let sub = p("/v1/*");
        assert!(sub.matches("/v1/models"));
        assert!(sub.matches("/v1/a/b/c"));
        assert!(sub.matches("/v1/"));
        assert!(sub.matches("/v1/models?limit=3"));
        assert!(!sub.matches("/v1"));
        assert!(!sub.matches("/v2/models"));
        assert!(!sub.matches("/v1/../admin"));
        assert!(!sub.matches("/v1/%2e%2e/admin"));
        assert!(!sub.matches("/v1/./x"));
        assert!(!sub.matches("/v1/..;/admin"));
        assert!(sub.matches("/v1/projects/group%2Fproject"));
        let seg = p("/repos/*/issues");
        assert!(seg.matches("/repos/x/issues"));
        assert!(!seg.matches("/repos//issues"));
        assert!(!seg.matches("/repos/x/y/issues"));
        assert!(p("/v1/models").matches("/v1/models"));
        assert!(!p("/v1/models").matches("/v1/models/x"));
        assert!(p("*").matches("/anything/at/all"));
        assert_eq!(p("/v1/*").to_string(), "/v1/*");
        assert_eq!(p("/repos/*/x").to_string(), "/repos/*/x");
        for bad in [
            "v1/*", "/v1/x*", "/v1/*x/y", "/a/../b", "/a?b=c", "/a b", "",
        ] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_binding_names_what_was_outside() {
        let b = Binding {
            hosts: Some(vec![h("api.example.com")]),
            methods: Some(vec![Method::parse("GET").unwrap()]),
            paths: Some(vec![p("/v1/*")]),
        };
        assert_eq!(
            b.allows("api.example.com", 443, "get", "/v1/models"),
            Ok(())
        );
        assert_eq!(
            b.allows("evil.example.net", 443, "GET", "/v1/models")
                .unwrap_err()
                .kind(),
            "host"
        );
        assert_eq!(
            b.allows("api.example.com", 443, "POST", "/v1/models")
                .unwrap_err()
                .kind(),
            "method"
        );
        let e = b
            .allows("api.example.com", 443, "GET", "/admin?x=1")
            .unwrap_err();
        assert_eq!(e, Refusal::Path("/admin".into()));
        assert!(e.to_string().contains("path /admin"));
        assert!(Binding::unbound().allows("x.y", 1, "GET", "/").is_ok());
        assert!(
            Binding::unbound()
                .allows("x.y", 1, "GET", "/a/../b")
                .is_err()
        );
    }

    #[test]
    fn narrowing_is_the_intersection_and_a_wider_grant_is_refused() {
        let secret = Binding {
            hosts: Some(vec![h("*.example.com")]),
            ..Binding::default()
        };
        let grant = Binding {
            hosts: Some(vec![h("api.example.com:443")]),
            methods: Some(vec![Method::parse("GET").unwrap()]),
            paths: None,
        };
        assert!(check_narrowing("k", &secret, &grant).is_ok());
        let eff = narrow(&secret, &grant);
        assert_eq!(eff.hosts, Some(vec![h("api.example.com:443")]));
        assert_eq!(eff.methods, grant.methods);
        let wide = Binding {
            hosts: Some(vec![h("evil.net")]),
            ..Binding::default()
        };
        let err = check_narrowing("k", &secret, &wide).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("evil.net"), "{err}");
        assert!(err.to_string().contains("*.example.com"), "{err}");
        assert!(err.to_string().contains("secret k"), "{err}");
        // Disjoint lists leave nothing allowed, not everything.
        let other = Binding {
            methods: Some(vec![Method::parse("POST").unwrap()]),
            ..Binding::default()
        };
        let none = narrow(&grant, &other);
        assert_eq!(none.methods, Some(vec![]));
        assert!(none.allows("api.example.com", 443, "GET", "/").is_err());
        assert!(none.allows("api.example.com", 443, "POST", "/").is_err());
    }

    #[test]
    fn bindings_round_trip_through_json_and_old_data_has_none() {
        let b = Binding {
            hosts: Some(vec![h("*.example.com:443"), h("[::1]:8443")]),
            methods: Some(vec![Method::parse("post").unwrap()]),
            paths: Some(vec![p("/v1/*")]),
        };
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Binding>(&text).unwrap(), b);
        assert_eq!(
            serde_json::from_str::<Binding>("{}").unwrap(),
            Binding::unbound()
        );
        assert!(serde_json::from_str::<Binding>(r#"{"hosts":["*"]}"#).is_err());
    }

    #[test]
    fn placeholders_keep_the_prefix_and_are_fresh() {
        let a = placeholder(Some("sk-"));
        let b = placeholder(Some("sk-"));
        assert!(a.expose_secret().starts_with("sk-agentcred-ph-"));
        assert_eq!(a.len(), "sk-agentcred-ph-".len() + 32);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(
            placeholder(None)
                .expose_secret()
                .starts_with(PLACEHOLDER_MARK)
        );
        assert!(validate_prefix("sk-").is_ok());
        assert!(validate_prefix("ghp_").is_ok());
        assert!(validate_prefix("").is_ok());
        assert!(validate_prefix("a b").is_err());
        assert!(validate_prefix("seventeen-chars-x").is_err());
    }

    fn arb_host() -> impl Strategy<Value = HostPattern> {
        let name = prop_oneof!["(a|b)\\.(x|y)\\.com", "(x|y)\\.com", "z\\.(x|y)\\.com"];
        (
            any::<bool>(),
            name,
            prop::option::of(prop_oneof![Just(443u16), Just(80u16)]),
        )
            .prop_map(|(wild, name, port)| {
                let text = if wild { format!("*.{name}") } else { name };
                let text = match port {
                    Some(p) => format!("{text}:{p}"),
                    None => text,
                };
                HostPattern::parse(&text).unwrap()
            })
    }

    fn arb_path() -> impl Strategy<Value = PathPattern> {
        (
            prop::collection::vec(prop_oneof!["a", "b", "\\*"], 0..3),
            any::<bool>(),
        )
            .prop_map(|(segs, subtree)| {
                let mut text: String = segs.iter().map(|s| format!("/{s}")).collect();
                if subtree || text.is_empty() {
                    text.push_str("/*");
                }
                PathPattern::parse(&text).unwrap()
            })
    }

    fn arb_binding() -> impl Strategy<Value = Binding> {
        (
            prop::option::of(prop::collection::vec(arb_host(), 0..3)),
            prop::option::of(prop::collection::vec(
                prop_oneof![Just("GET"), Just("POST")].prop_map(|m| Method::parse(m).unwrap()),
                0..2,
            )),
            prop::option::of(prop::collection::vec(arb_path(), 0..3)),
        )
            .prop_map(|(hosts, methods, paths)| Binding {
                hosts,
                methods,
                paths,
            })
    }

    proptest! {
        /// A narrowed binding never allows what either side refuses, and allows what both do.
        #[test]
        fn narrowing_never_widens(
            a in arb_binding(),
            b in arb_binding(),
            host in "(a|b|z)\\.(x|y)\\.com|(x|y)\\.com|(a|b)\\.z\\.(x|y)\\.com",
            port in prop_oneof![Just(443u16), Just(80u16)],
            method in "GET|POST|PUT",
            path in "(/(a|b|c|)){1,4}",
        ) {
            let n = narrow(&a, &b);
            let both = a.allows(&host, port, &method, &path).is_ok()
                && b.allows(&host, port, &method, &path).is_ok();
            prop_assert_eq!(n.allows(&host, port, &method, &path).is_ok(), both);
        }

        /// `covers` agrees with `matches`: a covering pattern matches all the covered one does.
        #[test]
        fn host_cover_is_sound(
            a in arb_host(),
            b in arb_host(),
            host in "(a|b|z)\\.(x|y)\\.com|(x|y)\\.com",
            port in prop_oneof![Just(443u16), Just(80u16)],
        ) {
            if a.covers(&b) && b.matches(&host, port) {
                prop_assert!(a.matches(&host, port));
            }
        }
    }
}
