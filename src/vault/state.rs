//! The admin state: the plaintext of `vault.age` (docs/DESIGN.md, "The vault's files"). Only an
//! admin can read it.

use crate::clock::ts;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agent::Agent;
use crate::crypto::{KeyPair, PublicKey};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::sensitive::SecretText;
use crate::vault::config::{IssuerPublic, Recipient, Trusted};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub vault_id: String,
    /// Incremented by every write; mirrored in `vault.toml` to detect a rolled-back `vault.age`.
    pub generation: u64,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    /// Token- and document-signing keys, newest last, each after the first signed by the one
    /// before it. Retired keys stay (without their secret) until their overlap window ends.
    pub issuer_keys: Vec<IssuerKey>,
    /// The admin identity's recipient and the extra recipients: `vault.age` and every envelope
    /// are encrypted to these, never to the unauthenticated copy in `vault.toml`.
    pub admin_recipient: String,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// The per-vault HMAC key for sensitive audit fields (docs/DESIGN.md, "Audit entries").
    pub audit_key: SecretText,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub agents: BTreeMap<String, Agent>,
    #[serde(default)]
    pub secrets: BTreeMap<String, Secret>,
    /// The grants are in their own files (see `vault::grants`); the state pins them.
    #[serde(default)]
    pub grant_files: crate::vault::grants::GrantFiles,
    /// Signed audit checkpoints, one per admin change, newest last (the last [`MAX_CHECKPOINTS`]).
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
    #[serde(default)]
    pub key_expiry: KeyExpiry,
}

/// When an agent key in some envelope expires next, so that an admin change rewrites the envelopes
/// of expired keys without looking at every agent each time.
///
/// Invariant: every envelope was written after each of its keys' expiry that is at or before
/// `swept`, and `next` is no later than the expiry of any key in an envelope that expires after
/// `swept`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KeyExpiry {
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub next: Option<DateTime<Utc>>,
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub swept: Option<DateTime<Utc>>,
}

impl KeyExpiry {
    /// An envelope was just written with a key that expires at `at`.
    pub fn note(&mut self, at: DateTime<Utc>) {
        self.next = Some(self.next.map_or(at, |n| n.min(at)));
    }
}

pub const MAX_CHECKPOINTS: usize = 256;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuerKey {
    pub id: String,
    pub secret: SecretText,
    pub public_key: String,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<DateTime<Utc>>,
    /// Every key but the first: the end of the overlap its rotation gave the keys before it.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub predecessors_retire_at: Option<DateTime<Utc>>,
    /// Every key but the first: its predecessor's signature putting it on the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl IssuerKey {
    /// The public entry `vault.toml` lists for this key.
    pub fn public(&self) -> IssuerPublic {
        PublicIssuerKey {
            id: self.id.clone(),
            public_key: self.public_key.clone(),
            created_at: self.created_at,
            retire_at: self.retire_at,
            predecessors_retire_at: self.predecessors_retire_at,
            signature: self.signature.clone(),
        }
        .into_toml()
    }
}

/// An issuer key without its secret half: what [`trusted_fields`] reads.
#[derive(Deserialize)]
struct PublicIssuerKey {
    id: String,
    public_key: String,
    #[serde(with = "crate::clock::ts")]
    created_at: DateTime<Utc>,
    #[serde(default, with = "crate::clock::ts::option")]
    retire_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::clock::ts::option")]
    predecessors_retire_at: Option<DateTime<Utc>>,
    #[serde(default)]
    signature: Option<String>,
}

impl PublicIssuerKey {
    fn into_toml(self) -> IssuerPublic {
        IssuerPublic {
            id: self.id,
            public_key: self.public_key,
            created_at: crate::clock::rfc3339(self.created_at),
            retire_at: self.retire_at.map(crate::clock::rfc3339),
            predecessors_retire_at: self.predecessors_retire_at.map(crate::clock::rfc3339),
            signature: self.signature,
        }
    }
}

/// The state's trusted fields only, read from its JSON body without building the rest: for
/// commands that authenticate the state but do not need it (a large vault's state is megabytes).
pub fn trusted_fields(body: &[u8]) -> Result<Trusted> {
    #[derive(Deserialize)]
    struct Fields {
        vault_id: String,
        issuer_keys: Vec<PublicIssuerKey>,
        admin_recipient: String,
        #[serde(default)]
        recipients: Vec<Recipient>,
    }
    let f: Fields = serde_json::from_slice(body)
        .map_err(|e| Error::bad_data(format!("the vault state is unreadable ({e})")))?;
    Ok(Trusted {
        vault_id: f.vault_id,
        admin_recipient: f.admin_recipient,
        recipients: f.recipients,
        issuer_keys: f
            .issuer_keys
            .into_iter()
            .map(PublicIssuerKey::into_toml)
            .collect(),
    })
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

/// A signed statement "the audit log had `size` entries ending in `head`" (docs/DESIGN.md,
/// "Checkpoints").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub vault_id: String,
    pub size: u64,
    pub head: String,
    pub ts: String,
    pub key_id: String,
    pub signature: String,
    /// The signer's statement that it checked the writer signature of every entry up to `size`
    /// (from the previous checkpoint making it) before signing: a second signature over the same
    /// message under a domain of its own, so the claim cannot be added to a checkpoint that does
    /// not make it, and readers that do not know the claim still verify the checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<String>,
    /// Where the line of entry `size` ends in the log: where the next check reads on from. Not
    /// signed, only a hint: a reader confirms it against the line it finds there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Checkpoint {
    pub const DOMAIN: &'static str = "agentcred-checkpoint-v1";
    /// The domain of a checkpoint whose signer checked the entries' signatures.
    pub const DOMAIN_CHECKED: &'static str = "agentcred-checkpoint-checked-v1";

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
            checked: None,
            offset: None,
        }
    }

    /// A checkpoint of a log whose entries' signatures the caller has checked up to `size`;
    /// `offset` is where that entry's line ends.
    pub fn sign_checked(
        vault_id: &str,
        (size, offset): (u64, u64),
        head: &str,
        ts: &str,
        key: &KeyPair,
    ) -> Checkpoint {
        let mut c = Self::sign(vault_id, size, head, ts, key);
        c.checked = Some(key.sign(
            Self::DOMAIN_CHECKED,
            &Self::message(vault_id, size, head, ts),
        ));
        c.offset = Some(offset);
        c
    }

    /// Does `key` also state that it checked the entries' signatures up to `size`?
    pub fn verify_checked(&self, key: &PublicKey) -> bool {
        self.checked.as_deref().is_some_and(|sig| {
            key.verify(
                Self::DOMAIN_CHECKED,
                &Self::message(&self.vault_id, self.size, &self.head, &self.ts),
                sig,
            )
        })
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
    /// What `vault.toml` must copy from this state.
    pub fn trusted(&self) -> Trusted {
        Trusted {
            vault_id: self.vault_id.clone(),
            admin_recipient: self.admin_recipient.clone(),
            recipients: self.recipients.clone(),
            issuer_keys: self.issuer_keys.iter().map(IssuerKey::public).collect(),
        }
    }

    /// Everyone `vault.age` and the admin side of every envelope are encrypted to: the admin
    /// identity and the extra recipients, from this signed state.
    pub fn all_recipients(&self) -> Result<Vec<age::x25519::Recipient>> {
        std::iter::once(self.admin_recipient.as_str())
            .chain(self.recipients.iter().map(|r| r.recipient.as_str()))
            .map(crate::crypto::parse_recipient)
            .collect()
    }

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
