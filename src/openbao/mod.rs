//! OpenBao as a provider of values: a secret whose value agentcred does not keep but asks OpenBao
//! for at every mint (docs/DESIGN.md, "OpenBao").
//!
//! Three kinds of source ([`Source`]):
//!
//! - `token`: every credential gets a new OpenBao token, created with the credential's TTL and
//!   its agent and id in the token's metadata, revoked (by accessor) when the credential ends;
//! - `lease`: every credential reads a fresh lease from a dynamic secrets engine (a database
//!   role, say), revoked when the credential ends and renewed while a supervised program runs;
//! - `kv`: a field of a KV version 2 secret, read at mint (cached in the process for at most the
//!   secret's cache time); `secret rotate` writes the next version with check-and-set.
//!
//! agentcred stays the agent-facing layer: agents, grants, TTL clamps, exec, the broker and the
//! audit log are the same for these secrets; only where the value comes from differs.
//! [`provision`] fills a decided plan's values (and records what must be revoked in
//! [`handles`]); [`handles::release`] and [`handles::sweep`] revoke them.

pub mod client;
pub mod handles;
pub mod provision;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use client::Client;
pub use provision::provision;

/// `[openbao]` in `config.toml`: where OpenBao is and how agentcred signs in to it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `https://bao.example:8200` (or `http://` for a dev server on loopback).
    pub address: Option<String>,
    /// A PEM file of the CA that signed OpenBao's certificate, besides the system's roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// The OpenBao namespace every call is made in.
    pub namespace: Option<String>,
    /// A file holding agentcred's OpenBao token.
    pub token_file: Option<std::path::PathBuf>,
    /// AppRole sign-in: the role id, and a file holding the secret id.
    pub role_id: Option<String>,
    pub secret_id_file: Option<std::path::PathBuf>,
    /// Where AppRole is mounted (default `approle`).
    pub approle_mount: Option<String>,
    /// A token role to create agents' tokens through (`auth/token/create/ROLE`), for example one
    /// that makes them orphans so they do not end with agentcred's own token.
    pub token_role: Option<String>,
    /// Seconds to wait for an answer (default 10).
    pub timeout_secs: Option<u64>,
}

impl Settings {
    /// The files agentcred signs in to OpenBao with (`~/` expanded): hidden from programs.
    pub fn sign_in_files(&self) -> Vec<std::path::PathBuf> {
        [&self.token_file, &self.secret_id_file]
            .into_iter()
            .flatten()
            .map(|p| client::expand(p))
            .collect()
    }

    /// The configured address, or an error saying how to configure one.
    pub fn address(&self) -> Result<&str> {
        self.address.as_deref().filter(|a| !a.is_empty()).ok_or_else(|| {
            Error::config("no OpenBao is configured: config.toml beside the vault has no [openbao] address")
                .hint("add [openbao] with address = \"https://…\" and token_file or role_id + secret_id_file to config.toml")
        })
    }
}

/// Where a secret's value comes from, when it is not kept in the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Source {
    /// A new OpenBao token per credential.
    Token {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        policies: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_uses: Option<u32>,
    },
    /// A fresh lease per credential from `path` (e.g. `database/creds/readonly`), its fields put
    /// in the variables `map` names.
    Lease { path: String, map: Vec<Field> },
    /// `field` of the KV version 2 secret `path` under `mount`.
    Kv {
        mount: String,
        path: String,
        field: String,
        /// How long a value read stays good for in a process (0: read every time).
        #[serde(default)]
        cache_secs: u64,
    },
}

/// A lease's field and the variable it is injected as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub field: String,
    pub env: String,
}

impl Source {
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Token { .. } => "token",
            Source::Lease { .. } => "lease",
            Source::Kv { .. } => "kv",
        }
    }

    /// One line for `secret show` and `secret add`: what the value is, never a value.
    pub fn describe(&self) -> String {
        format!("OpenBao {}", self.policy_text())
    }

    /// The source as a policy file writes it: `token policies=a,b [num_uses=N]`,
    /// `lease PATH FIELD=VAR,…` or `kv MOUNT/PATH#FIELD [cache=30s]`.
    pub fn policy_text(&self) -> String {
        match self {
            Source::Token { policies, num_uses } => {
                let mut s = format!("token policies={}", policies.join(","));
                if let Some(n) = num_uses {
                    s.push_str(&format!(" num_uses={n}"));
                }
                s
            }
            Source::Lease { path, map } => format!(
                "lease {path} {}",
                map.iter()
                    .map(|f| format!("{}={}", f.field, f.env))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Source::Kv {
                mount,
                path,
                field,
                cache_secs,
            } => {
                let mut s = format!("kv {mount}/{path}#{field}");
                if *cache_secs > 0 {
                    s.push_str(&format!(
                        " cache={}",
                        crate::duration::format(chrono::Duration::seconds(*cache_secs as i64))
                    ));
                }
                s
            }
        }
    }

    /// Parses [`Source::policy_text`].
    pub fn parse_policy_text(text: &str) -> Result<Source> {
        let bad = |why: &str| {
            Error::usage(format!("openbao = {text:?}: {why}")).hint(
                "expected \"token policies=P[,P…] [num_uses=N]\", \"lease PATH FIELD=VAR[,…]\" or \"kv MOUNT/PATH#FIELD [cache=30s]\"",
            )
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["token", rest @ ..] => {
                let mut policies = Vec::new();
                let mut num_uses = None;
                for w in rest {
                    match w.split_once('=') {
                        Some(("policies", p)) => {
                            policies = p.split(',').map(str::to_string).collect();
                        }
                        Some(("num_uses", n)) => {
                            num_uses =
                                Some(n.parse().map_err(|_| bad("num_uses is not a number"))?);
                        }
                        _ => return Err(bad(&format!("{w:?} is not policies=… or num_uses=…"))),
                    }
                }
                if policies.iter().all(String::is_empty) {
                    return Err(bad("a token needs at least one policy"));
                }
                for p in &policies {
                    check_path(p)?;
                }
                Ok(Source::Token { policies, num_uses })
            }
            ["lease", path, map] => {
                check_path(path)?;
                let map = map
                    .split(',')
                    .map(parse_field)
                    .collect::<Result<Vec<_>>>()?;
                Ok(Source::Lease {
                    path: (*path).to_string(),
                    map,
                })
            }
            ["kv", location, rest @ ..] => {
                let (mount, path, field) = parse_kv(location)?;
                let mut cache_secs = 0;
                for w in rest {
                    match w.strip_prefix("cache=") {
                        Some(d) => {
                            cache_secs = crate::duration::parse(d)
                                .map_err(|_| bad("cache is not a duration"))?
                                .num_seconds()
                                .max(0) as u64;
                        }
                        None => return Err(bad(&format!("{w:?} is not cache=…"))),
                    }
                }
                Ok(Source::Kv {
                    mount,
                    path,
                    field,
                    cache_secs,
                })
            }
            _ => Err(bad("not a source agentcred knows")),
        }
    }

    /// Does a credential holding this source leave something in OpenBao to revoke?
    pub fn revocable(&self) -> bool {
        !matches!(self, Source::Kv { .. })
    }
}

/// Parses `MOUNT/PATH#FIELD` (`--openbao-kv`).
pub fn parse_kv(text: &str) -> Result<(String, String, String)> {
    let bad = || {
        Error::usage(format!("--openbao-kv {text:?} is not MOUNT/PATH#FIELD"))
            .hint("for example --openbao-kv secret/team/openai#api_key")
    };
    let (location, field) = text.split_once('#').ok_or_else(bad)?;
    let (mount, path) = location.trim_matches('/').split_once('/').ok_or_else(bad)?;
    if mount.is_empty() || path.is_empty() || field.is_empty() {
        return Err(bad());
    }
    check_path(mount)?;
    check_path(path)?;
    Ok((mount.to_string(), path.to_string(), field.to_string()))
}

/// An OpenBao path: segments of letters, digits and `-_.+@=`, no `..`, no query.
pub fn check_path(path: &str) -> Result<()> {
    let ok = !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.+@=".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!("{path:?} is not an OpenBao path"))
            .hint("segments of letters, digits and - _ . + @ =, separated by /"))
    }
}

/// Parses `FIELD=VAR` (`--map`).
pub fn parse_field(text: &str) -> Result<Field> {
    let (field, env) = text.split_once('=').ok_or_else(|| {
        Error::usage(format!("--map {text:?} is not FIELD=VAR"))
            .hint("for example --map username=DB_USER --map password=DB_PASS")
    })?;
    if field.is_empty()
        || !field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::usage(format!(
            "--map: {field:?} is not a field name"
        )));
    }
    crate::secret::validate_env(env)?;
    Ok(Field {
        field: field.to_string(),
        env: env.to_string(),
    })
}

/// The error for a call OpenBao failed or refused: exit 1, naming the address.
pub fn unavailable(address: &str, what: &str, why: impl std::fmt::Display) -> Error {
    Error::upstream(format!("OpenBao at {address}: {what}: {why}")).hint(
        "nothing was injected; check that OpenBao is up and unsealed and that agentcred's token may do this",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_locations_parse_and_bad_ones_are_refused() {
        assert_eq!(
            parse_kv("secret/team/app#api_key").unwrap(),
            ("secret".into(), "team/app".into(), "api_key".into())
        );
        for bad in [
            "secret#x",
            "secret/a",
            "/a#",
            "secret/../x#f",
            "secret/a?b#f",
        ] {
            assert!(parse_kv(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn map_fields_need_a_variable_that_may_be_injected() {
        let f = parse_field("username=DB_USER").unwrap();
        assert_eq!((f.field.as_str(), f.env.as_str()), ("username", "DB_USER"));
        assert!(parse_field("username").is_err());
        assert!(parse_field("username=LD_PRELOAD").is_err());
    }

    #[test]
    fn a_source_round_trips_through_its_policy_text() {
        for text in [
            "token policies=a,b num_uses=3",
            "token policies=reader",
            "lease database/creds/ro username=DB_USER,password=DB_PASS",
            "kv secret/team/app#api_key cache=30s",
            "kv secret/app#k",
        ] {
            let s = Source::parse_policy_text(text).unwrap();
            assert_eq!(s.policy_text(), text);
        }
        for bad in [
            "token",
            "vault x",
            "lease p",
            "kv secret#x",
            "token policies=a ttl=1",
        ] {
            assert!(Source::parse_policy_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_source_round_trips_through_json() {
        let s = Source::Lease {
            path: "database/creds/ro".into(),
            map: vec![Field {
                field: "username".into(),
                env: "DB_USER".into(),
            }],
        };
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Source>(&text).unwrap(), s);
        assert!(text.contains("\"kind\":\"lease\""));
    }
}
