//! `vault.toml`: everything about a vault that is not secret (SPEC §3). It is what a holder of no key
//! at all can read: the format, the vault id, the Argon2id parameters and salt, the recipients, and
//! the issuer public keys that verify the state, envelopes and tokens.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::crypto::{KdfParams, PublicKey};
use crate::error::{Error, Result};

pub const FORMAT: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultToml {
    pub format: u32,
    pub vault_id: String,
    pub created_at: String,
    /// The generation of the newest state written. A `vault.age` with a lower generation is a
    /// rolled-back copy and is refused. (The state may be one ahead after a crash between the two
    /// renames; the next write catches this file up.)
    pub generation: u64,
    /// How the admin identity is obtained: `passphrase` (Argon2id, see `kdf`) or `identity` (an age
    /// identity file kept by the user).
    pub unlock: UnlockKind,
    /// The admin identity's recipient: `vault.age` is always encrypted to it.
    pub admin_recipient: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<Kdf>,
    /// Extra recipients (team members, CI identities) `vault.age` is also encrypted to.
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    #[serde(default)]
    pub issuer_keys: Vec<IssuerPublic>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnlockKind {
    Passphrase,
    Identity,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// 16 random bytes, base64.
    pub salt: String,
}

impl Kdf {
    pub fn params(&self) -> KdfParams {
        KdfParams {
            memory_kib: self.memory_kib,
            iterations: self.iterations,
            parallelism: self.parallelism,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub recipient: String,
    pub added_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerPublic {
    pub id: String,
    pub public_key: String,
    pub created_at: String,
    /// End of the overlap window after a rotation: tokens signed by this key verify until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<String>,
}

impl VaultToml {
    pub fn read(path: &Path) -> Result<VaultToml> {
        let text =
            super::fsio::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
        let parsed: VaultToml = toml::from_str(&text).map_err(|e| {
            Error::bad_data(format!("{} is not a valid vault file: {}", path.display(), e.message()))
                .hint("restore it from a backup; it holds no secrets, but agentcred needs it to open the vault")
        })?;
        if parsed.format != FORMAT {
            return Err(Error::config(format!(
                "{} has format {}, this agentcred reads format {FORMAT}",
                path.display(),
                parsed.format
            ))
            .hint("use the agentcred release that created this vault"));
        }
        Ok(parsed)
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("vault.toml serialises");
        format!("# agentcred vault settings. No secrets here; do not edit by hand.\n{body}")
    }

    pub fn issuer_key(&self, id: &str) -> Option<PublicKey> {
        self.issuer_keys
            .iter()
            .find(|k| k.id == id)
            .and_then(|k| PublicKey::parse(&k.public_key))
    }

    pub fn all_recipients(&self) -> Result<Vec<age::x25519::Recipient>> {
        std::iter::once(self.admin_recipient.as_str())
            .chain(self.recipients.iter().map(|r| r.recipient.as_str()))
            .map(crate::crypto::parse_recipient)
            .collect()
    }
}
