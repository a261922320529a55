//! The admin state: the plaintext of `vault.age` (SPEC §3). Only an admin can read it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agent::Agent;
use crate::crypto::{KeyPair, PublicKey};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::sensitive::SecretText;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub vault_id: String,
    /// Incremented by every write; mirrored in `vault.toml` to detect a rolled-back `vault.age`.
    pub generation: u64,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    /// Token- and document-signing keys, newest last. Retired keys stay (without their secret) until
    /// their overlap window ends.
    pub issuer_keys: Vec<IssuerKey>,
    /// The per-vault HMAC key for sensitive audit fields (SPEC §6).
    pub audit_key: SecretText,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub agents: BTreeMap<String, Agent>,
    #[serde(default)]
    pub secrets: BTreeMap<String, Secret>,
    #[serde(default)]
    pub grants: BTreeMap<String, crate::grant::Grant>,
    /// Signed audit checkpoints, one per admin change, newest last (the last [`MAX_CHECKPOINTS`]).
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
}

pub const MAX_CHECKPOINTS: usize = 256;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuerKey {
    pub id: String,
    pub secret: SecretText,
    pub public_key: String,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(
        default,
        with = "crate::clock::ts::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retire_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// The vault-wide ceiling on any credential's TTL.
    pub max_ttl_secs: i64,
    /// Default TTL when `mint` or `exec` is given none.
    pub default_ttl_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_ttl_secs: 12 * 3600,
            default_ttl_secs: 15 * 60,
        }
    }
}

/// A signed statement "the audit log had `size` entries ending in `head`" (SPEC §6).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub vault_id: String,
    pub size: u64,
    pub head: String,
    pub ts: String,
    pub key_id: String,
    pub signature: String,
}

impl Checkpoint {
    pub const DOMAIN: &'static str = "agentcred-checkpoint-v1";

    pub fn message(vault_id: &str, size: u64, head: &str, ts: &str) -> Vec<u8> {
        format!("{vault_id}\n{size}\n{head}\n{ts}\n").into_bytes()
    }

    pub fn sign(vault_id: &str, size: u64, head: &str, ts: &str, key: &KeyPair) -> Checkpoint {
        Checkpoint {
            vault_id: vault_id.to_string(),
            size,
            head: head.to_string(),
            ts: ts.to_string(),
            key_id: key.public().key_id(),
            signature: key.sign(Self::DOMAIN, &Self::message(vault_id, size, head, ts)),
        }
    }

    pub fn verify(&self, key: &PublicKey) -> bool {
        key.verify(
            Self::DOMAIN,
            &Self::message(&self.vault_id, self.size, &self.head, &self.ts),
            &self.signature,
        )
    }
}

impl State {
    /// The key that signs new documents: the newest issuer key.
    pub fn signing_issuer(&self) -> Result<KeyPair> {
        let key = self
            .issuer_keys
            .last()
            .ok_or_else(|| Error::bad_data("the vault state has no issuer key"))?;
        KeyPair::from_secret(&key.secret)
    }

    pub fn agent(&self, name: &str) -> Result<&Agent> {
        self.agents.get(name).ok_or_else(|| unknown_agent(name))
    }

    pub fn agent_mut(&mut self, name: &str) -> Result<&mut Agent> {
        self.agents.get_mut(name).ok_or_else(|| unknown_agent(name))
    }

    pub fn secret(&self, name: &str) -> Result<&Secret> {
        self.secrets.get(name).ok_or_else(|| unknown_secret(name))
    }
}

pub fn unknown_agent(name: &str) -> Error {
    Error::not_found(format!("no agent named '{name}'"))
        .hint("see `agentcred agent list`, or add it with `agentcred agent add`")
}

pub fn unknown_secret(name: &str) -> Error {
    Error::not_found(format!("no secret named '{name}'"))
        .hint("see `agentcred secret list`, or store it with `agentcred secret set`")
}
