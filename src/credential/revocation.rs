//! The revocation list `revoked.jsonl`: public, append-only, every revocation signed by an issuer
//! key or by the agent whose credential it revokes (after a pruning, the first line is an unsigned
//! header that only says when to prune next; see `prune`). Key holders and `verify` read it; nothing secret
//! is in it.
//!
//! A line only ever denies. A forged line (bad signature) is ignored; a deleted line cannot be
//! detected from this file alone, which is why every revocation is also on the hash-chained audit
//! log (`cred.revoke`), where `audit verify` catches deletions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::token::TokenInfo;
use crate::vault::VaultToml;

pub const FILE: &str = "revoked.jsonl";
const DOMAIN: &str = "agentcred-revocation-v1";
/// The list is rewritten without lines that no longer matter once it grows past this.
const PRUNE_AT_BYTES: u64 = 256 * 1024;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Revocation {
    pub id: String,
    pub agent: String,
    /// `admin` (signed by an issuer key) or `agent:NAME` (signed by that agent's key).
    pub by: String,
    pub at: String,
    /// After this the revoked thing has expired anyway and the line may be pruned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Takes effect only from this time (the end of a rotation's overlap window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub key_id: String,
    pub sig: String,
}

impl Revocation {
    /// What the signature covers: every field but `key_id` and the signature itself.
    fn message(&self) -> Vec<u8> {
        let (id, agent, by, at) = (&self.id, &self.agent, &self.by, &self.at);
        let until = self.until.as_deref().unwrap_or("-");
        let mut m = format!("{id}\n{agent}\n{by}\n{at}\n{until}\n");
        if let Some(f) = &self.from {
            m.push_str(&format!("from {f}\n"));
        }
        m.into_bytes()
    }

    /// Signed by an issuer key, effective only from `from`.
    pub fn by_admin_from(
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        from: DateTime<Utc>,
        issuer: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        let mut r = Self::unsigned(id, agent, "admin", issuer.public().key_id(), until, now);
        r.from = Some(crate::clock::rfc3339(from));
        r.signed_by(issuer)
    }

    pub fn by_admin(
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        issuer: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        Self::signed(
            id,
            agent,
            "admin",
            issuer.public().key_id(),
            until,
            issuer,
            now,
        )
    }

    /// Signed by the one-off key the minting process put in the credential's block (`revoke_key`):
    /// how `exec` ends the credential it minted, whoever it was minted by.
    pub fn by_holder(
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        key: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        Self::signed(
            id,
            agent,
            "holder",
            key.public().to_string(),
            until,
            key,
            now,
        )
    }

    pub fn by_agent(
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        key: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        Self::signed(
            id,
            agent,
            &format!("agent:{agent}"),
            "agent".into(),
            until,
            key,
            now,
        )
    }

    fn signed(
        id: &str,
        agent: &str,
        by: &str,
        key_id: String,
        until: Option<DateTime<Utc>>,
        key: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        Self::unsigned(id, agent, by, key_id, until, now).signed_by(key)
    }

    fn unsigned(
        id: &str,
        agent: &str,
        by: &str,
        key_id: String,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Revocation {
        Revocation {
            id: id.to_string(),
            agent: agent.to_string(),
            by: by.to_string(),
            at: crate::clock::rfc3339(now),
            until: until.map(crate::clock::rfc3339),
            from: None,
            key_id,
            sig: String::new(),
        }
    }

    /// Signs [`Revocation::message`].
    fn signed_by(mut self, key: &KeyPair) -> Revocation {
        self.sig = key.sign(DOMAIN, &self.message());
        self
    }

    /// Is the signature good, by a key entitled to revoke part of `token`?
    fn is_authentic(&self, config: &VaultToml, token: &TokenInfo) -> bool {
        let message = self.message();
        if self.by == "admin" {
            return config
                .issuer_key(&self.key_id)
                .is_some_and(|k| k.verify(DOMAIN, &message, &self.sig));
        }
        if self.by == "holder" {
            return token
                .revoke_keys
                .iter()
                .any(|k| k.to_string() == self.key_id && k.verify(DOMAIN, &message, &self.sig));
        }
        // The agent the token was issued to, or any agent it was delegated to on the way.
        self.by == format!("agent:{}", self.agent)
            && token
                .chain_keys
                .iter()
                .any(|(name, k)| *name == self.agent && k.verify(DOMAIN, &message, &self.sig))
    }
}

pub struct RevocationList {
    by_id: HashMap<String, Vec<Revocation>>,
}

impl RevocationList {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FILE)
    }

    /// Reads the list as it stands at `now`; a missing file is an empty list. Unparseable lines
    /// are skipped (they can only ever have denied something), and so are lines that take effect
    /// later.
    pub fn load(dir: &Path, now: DateTime<Utc>) -> Result<RevocationList> {
        let now_text = crate::clock::rfc3339(now);
        let path = Self::path(dir);
        let text = match crate::vault::fsio::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io("cannot read the revocation list", &path, e)),
        };
        let mut by_id: HashMap<String, Vec<Revocation>> = HashMap::new();
        for line in text.lines() {
            if let Ok(r) = serde_json::from_str::<Revocation>(line)
                && r.from.as_deref().is_none_or(|f| f <= now_text.as_str())
            {
                by_id.entry(r.id.clone()).or_default().push(r);
            }
        }
        Ok(RevocationList { by_id })
    }

    /// Is `id` (a block of `token`) revoked by an authentic line?
    pub fn is_revoked(&self, id: &str, config: &VaultToml, token: &TokenInfo) -> bool {
        self.by_id
            .get(id)
            .is_some_and(|lines| lines.iter().any(|r| r.is_authentic(config, token)))
    }

    /// Any line for `id`, authentic or not: for the admin's own bookkeeping.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }
}

/// Appends revocations durably, pruning lines whose revoked credential has expired anyway when
/// the file is due (kept lines are copied verbatim, so their signatures stay valid). Call with the
/// vault lock held.
pub fn append(dir: &Path, entries: &[Revocation], now: DateTime<Utc>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut bytes = Vec::new();
    for e in entries {
        bytes.extend_from_slice(
            serde_json::to_string(e)
                .expect("revocations serialise")
                .as_bytes(),
        );
        bytes.push(b'\n');
    }
    super::prune::append(
        &RevocationList::path(dir),
        &bytes,
        true,
        PRUNE_AT_BYTES,
        "cannot write the revocation list",
        |line| {
            serde_json::from_str::<Revocation>(line).is_ok_and(|r| {
                r.until
                    .as_deref()
                    .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
                    .is_none_or(|u| u > now)
            })
        },
    )
}
