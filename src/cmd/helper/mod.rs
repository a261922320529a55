//! The credential helpers: git, the AWS SDKs, docker and kubectl ask a program for a credential
//! each time they need one, in a protocol of their own. Each answer here is one credential minted
//! for the agent through the same path as `mint` (clamped, checked live, on the audit log before
//! the value is printed), so the tools work unchanged and every use is scoped, short-lived and
//! recorded.
//!
//! stdout carries only the protocol's answer; anything for a person goes to stderr (docker reads
//! its errors from stdout, so its helper prints them there).

mod aws;
mod docker;
mod git;
mod kube;

use std::io::Read;

pub use aws::run as aws;
pub use docker::run as docker;
pub use git::run as git;
pub use kube::run as kube;

use crate::audit::Attempt;
use crate::cli::HelperAgentArgs;
use crate::cmd::{Ctx, Principal};
use crate::credential::{Issued, Plan, Request, mint};
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::session::{Opened, Session};
use crate::vault::Vault;

/// The name docker looks for on PATH (`docker-credential-` and the name in its config): the
/// binary run under it is `agentcred docker-credential`.
pub const DOCKER_HELPER_NAME: &str = "docker-credential-agentcred";

/// The user name answered where a protocol needs one and nothing names it: GitHub takes it with a
/// token, and GitLab, Gitea, Azure DevOps and most registries take any name with a token.
pub const DEFAULT_USERNAME: &str = "x-access-token";

/// The most a helper reads from stdin: a request is a few lines.
const MAX_REQUEST: u64 = 64 * 1024;

/// The granted secret that serves a request to `host` (`name` or `name:port`; without a port,
/// `default_port`, the protocol's), and `path` when the client sends one (git's
/// `credential.useHttpPath`), or `None`.
///
/// A secret bound to hosts (`secret set --hosts`) serves exactly the requests its binding allows
/// (the secret's hosts, narrowed by the agent's grants, with their paths when the client sends a
/// path); one whose binding also names paths is preferred, as the more specific. A secret
/// delivered through the broker is never chosen: its value is never handed out. Only where no
/// bound secret serves the host does the name decide, among the secrets bound nowhere: a secret
/// named after the host (lowercase, port dropped: `github.com` serves `github.com:443`) serves
/// it, and with a path, a secret named `HOST_OWNER` (the path's first segment: `github.com_acme`
/// for `acme/app.git`) is preferred, for one organisation's token on a shared forge. `_` cannot
/// occur in a host name, so such a name never also names a host.
pub fn secret_for(
    envelope: &Envelope,
    host: &str,
    default_port: u16,
    path: Option<&str>,
) -> Option<String> {
    let name = host_name(host)?;
    let port = port_of(host).unwrap_or(default_port);
    let mut bound: Vec<(&String, bool)> = envelope
        .secrets
        .keys()
        .filter_map(|secret| {
            let d = crate::credential::destination_of(envelope, secret);
            let hosts = d.binding.hosts.as_ref()?;
            if d.is_brokered() || !hosts.iter().any(|h| h.matches(&name, port)) {
                return None;
            }
            match (&d.binding.paths, path) {
                (Some(paths), Some(p)) => {
                    let p = format!("/{}", p.trim_start_matches('/'));
                    paths
                        .iter()
                        .any(|pp| pp.matches(&p))
                        .then_some((secret, true))
                }
                _ => Some((secret, false)),
            }
        })
        .collect();
    bound.sort_by_key(|(_, with_path)| !with_path);
    if let Some((secret, _)) = bound.first() {
        return Some((*secret).clone());
    }
    let unbound = envelope.secrets.keys().filter(|secret| {
        let d = crate::credential::destination_of(envelope, secret);
        d.binding.hosts.is_none() && !d.is_brokered()
    });
    pick(unbound, host, path)
}

/// The port of `host` (`name:port`, `[v6]:port`), if it names one.
fn port_of(host: &str) -> Option<u16> {
    let host = host.trim();
    let tail = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.1.strip_prefix(':')?,
        None => host.rsplit_once(':')?.1,
    };
    tail.parse().ok()
}

/// [`secret_for`]'s naming rule among `names`.
fn pick<'a>(
    names: impl Iterator<Item = &'a String> + Clone,
    host: &str,
    path: Option<&str>,
) -> Option<String> {
    let host = host_name(host)?;
    let owner = path
        .and_then(|p| p.trim_start_matches('/').split('/').next())
        .filter(|o| !o.is_empty());
    let mut candidates = Vec::with_capacity(2);
    if let Some(owner) = owner {
        candidates.push(format!("{host}_{owner}"));
    }
    candidates.push(host);
    candidates.into_iter().find_map(|c| {
        names
            .clone()
            .find(|name| name.eq_ignore_ascii_case(&c))
            .cloned()
    })
}

/// Every host the agent's granted secrets serve, with the secret: what `docker-credential list`
/// reports. The exact host names secrets are bound to (not wildcards), then, under the naming
/// rule of [`secret_for`], the unbound secrets named like a host name.
pub fn served_hosts(envelope: &Envelope) -> Vec<(String, String)> {
    let mut served = Vec::new();
    for secret in envelope.secrets.keys() {
        let d = crate::credential::destination_of(envelope, secret);
        if d.is_brokered() {
            continue;
        }
        match &d.binding.hosts {
            Some(hosts) => served.extend(
                hosts
                    .iter()
                    .filter(|h| !h.is_wildcard())
                    .map(|h| (h.host_text(), secret.clone())),
            ),
            None => {
                let lower = secret.to_ascii_lowercase();
                if (lower.contains('.') || lower == "localhost")
                    && !lower.contains('_')
                    && host_name(&lower).as_deref() == Some(lower.as_str())
                {
                    served.push((lower, secret.clone()));
                }
            }
        }
    }
    served
}

/// `host` lowercased, its port dropped (`[::1]:8080` → `::1`); `None` if empty.
pub fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    let bare = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    (!bare.is_empty()).then(|| bare.to_ascii_lowercase())
}

/// Whether `host` (port dropped) is this machine: the only place a credential may go over plain
/// http.
pub fn is_loopback(host: &str) -> bool {
    host_name(host).is_some_and(|h| {
        h == "localhost"
            || h == "::1"
            || h.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// Reads stdin, bounded: the request a helper is sent.
pub fn read_request() -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    std::io::stdin()
        .take(MAX_REQUEST + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::other(format!("cannot read the request on stdin: {e}")))?;
    if buf.len() as u64 > MAX_REQUEST {
        return Err(Error::bad_data(format!(
            "the request on stdin is over {} KiB",
            MAX_REQUEST / 1024
        )));
    }
    Ok(buf)
}

/// An agent's envelope opened for a helper call, and the call it is made in.
pub struct Call<'v> {
    pub session: Session<'v>,
    pub opened: Opened,
}

impl<'v> Call<'v> {
    /// Unlocks and opens the envelope of the helper's agent: `--agent` or `AGENTCRED_AGENT`, the
    /// agent key's own, or for the admin `[helpers] agent` in config.toml.
    pub fn open(ctx: &Ctx, vault: &'v Vault, who: &HelperAgentArgs) -> Result<Call<'v>> {
        let session = ctx.session(vault);
        let principal = ctx.principal(vault)?;
        let configured = match (&who.agent, &principal) {
            (None, Principal::Admin(_)) => crate::settings::Settings::load(&vault.dir)?
                .helpers
                .agent
                .filter(|a| !a.is_empty()),
            _ => None,
        };
        let agent = who.agent.as_deref().or(configured.as_deref());
        let opened = ctx.open_agent_as(&session, principal, agent)?;
        Ok(Call { session, opened })
    }

    /// Decides a credential of `secret` alone (a refusal is recorded), without issuing it.
    pub fn decide(&self, secret: &str, who: &HelperAgentArgs) -> Result<Plan> {
        let request = Request::from_flags(&[secret.to_string()], who.ttl, &[], &[], false)?;
        let plan = mint::decide(&self.session, &self.opened, &request, Attempt::Mint)?;
        // A helper hands the value to its tool: never one that only the broker may use.
        crate::credential::refuse_brokered(&plan).map_err(|e| {
            self.session.refuse(
                self.opened.caller(),
                Attempt::Mint,
                &[secret.to_string()],
                e,
            )
        })?;
        Ok(plan)
    }

    /// Issues a decided credential; its `cred.mint` entry names the helper and the host asked
    /// about.
    pub fn issue(&self, plan: Plan, helper: &str, host: Option<&str>) -> Result<Issued> {
        let mut details = serde_json::json!({ "helper": helper });
        if let Some(h) = host {
            details["host"] = h.into();
        }
        mint::issue(
            &self.session,
            &self.opened,
            plan,
            mint::Extras {
                details: Some(details),
                ..mint::Extras::default()
            },
        )
    }

    /// [`Call::decide`], then [`Call::issue`].
    pub fn mint(
        &self,
        secret: &str,
        who: &HelperAgentArgs,
        helper: &str,
        host: Option<&str>,
    ) -> Result<Issued> {
        let plan = self.decide(secret, who)?;
        self.issue(plan, helper, host)
    }
}

/// The one secret value of a helper's credential.
pub fn value(issued: &Issued) -> &str {
    issued
        .plan
        .secrets
        .first()
        .map_or("", |s| s.value.expose_secret())
}

/// `value` as one line of JSON (what every JSON protocol here reads).
pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("a helper's answer serialises")
}

/// A value the protocol cannot carry (a line break in git's key=value lines, say) is refused
/// naming the secret, never showing the value.
pub fn malformed(secret: &str, what: &str) -> Error {
    Error::bad_data(format!("secret {secret} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_their_port_and_case() {
        assert_eq!(host_name("GitHub.com:443").as_deref(), Some("github.com"));
        assert_eq!(host_name("[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(
            host_name("registry.local").as_deref(),
            Some("registry.local")
        );
        assert_eq!(host_name(""), None);
        assert!(is_loopback("127.0.0.1:9418"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]:80"));
        assert!(!is_loopback("127.0.0.1.example.com"));
        assert!(!is_loopback("example.com"));
    }

    #[test]
    fn a_secret_serves_the_host_it_is_named_after() {
        let names: Vec<String> = ["GitHub.com", "github.com_acme", "db", "localhost"]
            .map(String::from)
            .into();
        let pick = |host, path| pick(names.iter(), host, path);
        assert_eq!(pick("github.com", None).as_deref(), Some("GitHub.com"));
        assert_eq!(
            pick("github.com:443", Some("other/app.git")).as_deref(),
            Some("GitHub.com")
        );
        assert_eq!(
            pick("github.com", Some("acme/app.git")).as_deref(),
            Some("github.com_acme")
        );
        assert_eq!(pick("localhost:5000", None).as_deref(), Some("localhost"));
        assert_eq!(pick("gitlab.com", None), None);
        assert_eq!(pick("db.example.com", None), None);
        assert_eq!(pick("", None), None);
    }
}
