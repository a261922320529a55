//! The agent roster `agents/roster`: every agent's public description (name, status, limits,
//! public key; no key material), one JSON line each, signed by the issuer with the vault's
//! generation and rewritten with every change.
//!
//! `agent list` reads it instead of decrypting and parsing the whole admin state: with 10,000
//! agents that is the difference between reading a few hundred kilobytes of lines and a few
//! megabytes of state.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agent::{Agent, Policy, Status};
use crate::crypto::KeyPair;
use crate::envelope::signed_lines;
use crate::error::{Error, Result};
use crate::vault::{State, VaultToml};

const DOMAIN: &str = "agentcred-roster-v1";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub policy: Policy,
    pub public_key: String,
}

impl From<&Agent> for Entry {
    fn from(a: &Agent) -> Self {
        Entry {
            name: a.name.clone(),
            status: a.status,
            description: a.description.clone(),
            created_at: a.created_at,
            policy: a.policy,
            public_key: a.public_key.clone(),
        }
    }
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(crate::envelope::DIR).join("roster")
}

/// [`Entry`], borrowed: rendering 10,000 lines copies no strings.
#[derive(Serialize)]
struct EntryRef<'a> {
    name: &'a str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(with = "crate::clock::ts")]
    created_at: DateTime<Utc>,
    #[serde(flatten)]
    policy: Policy,
    public_key: &'a str,
}

pub fn render(state: &State, issuer: &KeyPair) -> String {
    let mut body = Vec::with_capacity(state.agents.len() * 160);
    for a in state.agents.values() {
        let entry = EntryRef {
            name: &a.name,
            status: a.status,
            description: a.description.as_deref(),
            created_at: a.created_at,
            policy: a.policy,
            public_key: &a.public_key,
        };
        serde_json::to_writer(&mut body, &entry).expect("roster entries serialise");
        body.push(b'\n');
    }
    let body = String::from_utf8(body).expect("JSON is UTF-8");
    signed_lines::render(DOMAIN, &state.vault_id, state.generation, issuer, &body)
}

/// Reads and authenticates the roster. It must be at least as new as `vault.toml` says the state
/// is (a rolled-back roster is refused like a rolled-back state).
pub fn read(dir: &Path, config: &VaultToml) -> Result<Vec<Entry>> {
    let file = path(dir);
    let (_, body) = signed_lines::read(&file, DOMAIN, config)?;
    body.lines()
        .map(|l| {
            serde_json::from_str(l)
                .map_err(|_| Error::bad_data(format!("{} has an unreadable line", file.display())))
        })
        .collect()
}

/// The signed public list of secret names, `agents/secrets`: one name a line, signed by the issuer
/// with the vault's generation and rewritten with every change, like the roster. A secret's name
/// is no more secret than an agent's (the audit log records both in clear); its value and
/// versions stay in the encrypted state. It lets a command refuse an unknown secret before any
/// unlock, and the shell completions offer the names.
pub mod secrets {
    use std::path::{Path, PathBuf};

    use crate::crypto::KeyPair;
    use crate::envelope::signed_lines;
    use crate::error::Result;
    use crate::vault::{State, VaultToml};

    const DOMAIN: &str = "agentcred-secrets-v1";

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(crate::envelope::DIR).join("secrets")
    }

    pub fn render(state: &State, issuer: &KeyPair) -> String {
        let mut body = String::with_capacity(state.secrets.len() * 24);
        for name in state.secrets.keys() {
            body.push_str(name);
            body.push('\n');
        }
        signed_lines::render(DOMAIN, &state.vault_id, state.generation, issuer, &body)
    }

    /// The secret names, authenticated; `None` for a vault whose last change came before the
    /// list was kept (it is written with the next change).
    pub fn read(dir: &Path, config: &VaultToml) -> Result<Option<Vec<String>>> {
        let file = path(dir);
        if !file.exists() {
            return Ok(None);
        }
        let (_, body) = signed_lines::read(&file, DOMAIN, config)?;
        Ok(Some(body.lines().map(str::to_string).collect()))
    }
}
