//! `vault.toml`: everything about a vault that is not secret. It is what a holder of no key at all
//! can read: the format, the vault id, the Argon2id parameters and salt, the recipients, and the
//! issuer public keys that verify the state, envelopes and tokens.
//!
//! Nothing signs this file as a whole, so nothing in it is trusted as written:
//!
//! - The issuer keys form a self-certifying chain. The vault id is a hash of the first issuer
//!   public key, and every later key carries a signature by its predecessor (over the vault id,
//!   the new key and when it was made, and the end of the overlap it set for the keys before it).
//!   [`VaultToml::read`] refuses a file whose chain does not hold, so every lookup of an issuer
//!   key by id sees only keys the vault's own first key vouches for, transitively. A whole new
//!   self-consistent chain has a different vault id: a verifier that pins the id refuses it, and
//!   every admin command compares the file with the signed state.
//! - The recipients are a copy, for people and for commands that cannot unlock the state: the
//!   authoritative list is inside the signed state, encryption uses only that one, and an admin
//!   command refuses a `vault.toml` whose copy disagrees with it.
//! - The Argon2id parameters are bounded before any key derivation runs, so an edited cost cannot
//!   hang or exhaust the machine of whoever unlocks next.

use std::path::Path;

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::crypto::{KdfParams, KeyPair, PublicKey};
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

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IssuerPublic {
    pub id: String,
    pub public_key: String,
    pub created_at: String,
    /// End of the overlap window after a rotation: tokens signed by this key verify until then.
    /// Not trusted as written: it must equal the earliest `predecessors_retire_at` of the keys
    /// after it, which their chain signatures cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<String>,
    /// Every key but the first: the end of the overlap this key's rotation gave the keys before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessors_retire_at: Option<String>,
    /// Every key but the first: its predecessor's signature over [`IssuerPublic::chain_message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// Domain of the signature a key puts on its successor.
pub const CHAIN_DOMAIN: &str = "agentcred-issuer-chain-v1";
/// Prefix of the hash that makes a vault id from the vault's first issuer public key.
pub const VAULT_ID_DOMAIN: &str = "agentcred-vault-id-v1";

/// The vault id that commits to `first`, the vault's first issuer key: the first 16 bytes of
/// SHA-256(`agentcred-vault-id-v1` || the key's 32 bytes), in hex.
pub fn vault_id_for(first: &PublicKey) -> String {
    crate::crypto::hex(
        &crate::crypto::sha256(&[VAULT_ID_DOMAIN.as_bytes(), first.0.as_bytes()])[..16],
    )
}

impl IssuerPublic {
    /// What a key's predecessor signs: the vault, the new key, when it was made, and the end of
    /// the overlap it gave the keys before it.
    pub fn chain_message(&self, vault_id: &str) -> Vec<u8> {
        format!(
            "{vault_id}\n{}\n{}\n{}\n{}\n",
            self.id,
            self.public_key,
            self.created_at,
            self.predecessors_retire_at.as_deref().unwrap_or("")
        )
        .into_bytes()
    }

    /// Signs this (new) key into the chain with its predecessor's key pair.
    pub fn sign_with(&mut self, vault_id: &str, predecessor: &KeyPair) {
        self.signature = Some(predecessor.sign(CHAIN_DOMAIN, &self.chain_message(vault_id)));
    }
}

impl Kdf {
    /// Refuses parameters outside the bounds, naming the field.
    fn check(&self, path: &Path) -> Result<()> {
        let refuse = |field: &str, value: u32, range: String| {
            Error::bad_data(format!(
                "{} has kdf.{field} = {value}, outside the accepted {range}",
                path.display()
            ))
            .hint("it was edited outside agentcred; restore vault.toml from a backup")
        };
        if self.algorithm != "argon2id" {
            return Err(Error::bad_data(format!(
                "{} names kdf.algorithm '{}', agentcred uses argon2id",
                path.display(),
                self.algorithm.escape_default()
            ))
            .hint("it was edited outside agentcred; restore vault.toml from a backup"));
        }
        if let Some((field, value, range)) = self.params().out_of_bounds() {
            return Err(refuse(field, value, range));
        }
        if crate::crypto::unb64(&self.salt).is_none_or(|s| s.len() != 16) {
            return Err(Error::bad_data(format!(
                "{} has a malformed kdf.salt (16 bytes of base64 expected)",
                path.display()
            ))
            .hint("it was edited outside agentcred; restore vault.toml from a backup"));
        }
        Ok(())
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl VaultToml {
    /// Checks the issuer key chain from the vault id (see the module documentation).
    fn check_chain(&self, path: &Path) -> Result<()> {
        let broken = |why: String| {
            Error::bad_data(format!(
                "{} failed its integrity check: {why}",
                path.display()
            ))
            .hint("its issuer keys were edited outside agentcred; restore vault.toml from a backup")
        };
        let Some(first) = self.issuer_keys.first() else {
            return Err(broken("it lists no issuer key".into()));
        };
        let mut previous: Option<PublicKey> = None;
        for k in &self.issuer_keys {
            let key = PublicKey::parse(&k.public_key)
                .ok_or_else(|| broken(format!("issuer key {} is malformed", k.id)))?;
            if key.key_id() != k.id {
                return Err(broken(format!(
                    "issuer key {} does not match its public key",
                    k.id
                )));
            }
            if parse_time(&k.created_at).is_none() {
                return Err(broken(format!(
                    "issuer key {} has a malformed created_at",
                    k.id
                )));
            }
            match (&previous, &k.signature, &k.predecessors_retire_at) {
                (None, None, None) => {
                    if vault_id_for(&key) != self.vault_id {
                        return Err(broken(format!(
                            "the first issuer key {} is not the key vault id {} was made from",
                            first.id, self.vault_id
                        )));
                    }
                }
                (Some(prev), Some(sig), Some(end))
                    if parse_time(end).is_some()
                        && prev.verify(CHAIN_DOMAIN, &k.chain_message(&self.vault_id), sig) => {}
                _ => {
                    return Err(broken(format!(
                        "issuer key {} is not signed by the key before it",
                        k.id
                    )));
                }
            }
            previous = Some(key);
        }
        // Every link holds: now the overlap each key got is the earliest end any later rotation
        // gave it, as those rotations signed.
        for (i, k) in self.issuer_keys.iter().enumerate() {
            let expected = self.issuer_keys[i + 1..]
                .iter()
                .filter_map(|later| later.predecessors_retire_at.as_deref().and_then(parse_time))
                .min();
            if k.retire_at.as_deref().map(parse_time) != expected.map(Some) {
                return Err(broken(format!(
                    "the retire_at of issuer key {} is not the one its successors signed",
                    k.id
                )));
            }
        }
        Ok(())
    }

    pub fn read(path: &Path) -> Result<VaultToml> {
        let text = super::fsio::read_to_string_bounded(path, super::fsio::MAX_SETTINGS)
            .map_err(|e| Error::io("cannot read", path, e))?;
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
        if let Some(kdf) = &parsed.kdf {
            kdf.check(path)?;
        }
        parsed.check_chain(path)?;
        Ok(parsed)
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("vault.toml serialises");
        format!("# agentcred vault settings. No secrets here; do not edit by hand.\n{body}")
    }

    /// The issuer key with this id. Only keys on the chain from the vault id are here: a file
    /// whose chain does not hold is refused when it is read.
    pub fn issuer_key(&self, id: &str) -> Option<PublicKey> {
        self.issuer_keys
            .iter()
            .find(|k| k.id == id)
            .and_then(|k| PublicKey::parse(&k.public_key))
    }

    /// Refuses this file unless everything it copies from the signed state equals the state's:
    /// the vault id, the recipients and the issuer key chain. Every admin command runs this before
    /// it writes anything, so an edited copy never decides who can decrypt the vault.
    pub fn check_against(&self, signed: &Trusted, path: &Path) -> Result<()> {
        let mut differs = Vec::new();
        if self.vault_id != signed.vault_id {
            differs.push(format!(
                "vault_id is {}, the state's is {}",
                self.vault_id, signed.vault_id
            ));
        }
        if self.admin_recipient != signed.admin_recipient {
            differs.push(format!(
                "admin_recipient is {}, the state's is {}",
                self.admin_recipient, signed.admin_recipient
            ));
        }
        if self.recipients != signed.recipients {
            let listed = |list: &[Recipient], r: &str| list.iter().any(|x| x.recipient == r);
            let extra: Vec<&str> = self
                .recipients
                .iter()
                .map(|r| r.recipient.as_str())
                .filter(|r| !listed(&signed.recipients, r))
                .collect();
            let missing: Vec<&str> = signed
                .recipients
                .iter()
                .map(|r| r.recipient.as_str())
                .filter(|r| !listed(&self.recipients, r))
                .collect();
            differs.push(format!(
                "recipients differ (not in the state: {}; missing: {})",
                if extra.is_empty() {
                    "-".into()
                } else {
                    extra.join(", ")
                },
                if missing.is_empty() {
                    "-".into()
                } else {
                    missing.join(", ")
                },
            ));
        }
        if self.issuer_keys != signed.issuer_keys {
            differs.push("issuer_keys differ".into());
        }
        if differs.is_empty() {
            return Ok(());
        }
        Err(Error::bad_data(format!(
            "{} disagrees with the signed vault state: {}",
            path.display(),
            differs.join("; ")
        ))
        .hint("it was edited outside agentcred; restore vault.toml from a backup (change recipients with `agentcred recipients`)"))
    }

    /// Makes this file's copies of the signed state's trusted fields equal to it.
    pub fn copy_from(&mut self, signed: Trusted) {
        self.vault_id = signed.vault_id;
        self.admin_recipient = signed.admin_recipient;
        self.recipients = signed.recipients;
        self.issuer_keys = signed.issuer_keys;
    }
}

/// What `vault.toml` copies from the signed state, in `vault.toml`'s form.
#[derive(Debug, PartialEq, Eq)]
pub struct Trusted {
    pub vault_id: String,
    pub admin_recipient: String,
    pub recipients: Vec<Recipient>,
    pub issuer_keys: Vec<IssuerPublic>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KDF_MAX_ITERATIONS, KDF_MAX_MEMORY_KIB, KDF_MAX_PARALLELISM};

    const T0: &str = "2026-01-01T00:00:00.000Z";

    /// A vault.toml with `n` issuer keys, each rotation giving the keys before it an hour.
    fn chain(n: usize) -> VaultToml {
        let keys: Vec<KeyPair> = (0..n).map(|_| KeyPair::generate()).collect();
        let vault_id = vault_id_for(&keys[0].public());
        let mut issuer_keys: Vec<IssuerPublic> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let mut entry = IssuerPublic {
                id: k.public().key_id(),
                public_key: k.public().to_string(),
                created_at: format!("2026-01-0{}T00:00:00.000Z", i + 1),
                retire_at: None,
                predecessors_retire_at: None,
                signature: None,
            };
            if i > 0 {
                let end = format!("2026-01-0{}T01:00:00.000Z", i + 1);
                for earlier in &mut issuer_keys {
                    if earlier.retire_at.is_none() {
                        earlier.retire_at = Some(end.clone());
                    }
                }
                entry.predecessors_retire_at = Some(end);
                entry.sign_with(&vault_id, &keys[i - 1]);
            }
            issuer_keys.push(entry);
        }
        VaultToml {
            format: FORMAT,
            vault_id,
            created_at: T0.into(),
            generation: 1,
            unlock: UnlockKind::Identity,
            admin_recipient: String::new(),
            kdf: None,
            recipients: vec![],
            issuer_keys,
        }
    }

    fn check(c: &VaultToml) -> Result<()> {
        c.check_chain(Path::new("vault.toml"))
    }

    #[test]
    fn a_chain_signed_key_to_key_from_the_vault_id_holds() {
        for n in 1..=4 {
            check(&chain(n)).unwrap();
        }
    }

    #[test]
    fn a_broken_link_anywhere_is_refused() {
        let good = chain(3);
        let mut appended = good.clone();
        let stranger = KeyPair::generate();
        let mut entry = IssuerPublic {
            id: stranger.public().key_id(),
            public_key: stranger.public().to_string(),
            created_at: T0.into(),
            retire_at: None,
            predecessors_retire_at: Some(T0.into()),
            signature: None,
        };
        // Signed by itself, not by the last key of the chain.
        entry.sign_with(&good.vault_id, &stranger);
        appended.issuer_keys.push(entry);
        assert!(check(&appended).is_err());

        let mut swapped = good.clone();
        swapped.issuer_keys.swap(1, 2);
        assert!(check(&swapped).is_err());

        let mut dropped_middle = good.clone();
        dropped_middle.issuer_keys.remove(1);
        assert!(check(&dropped_middle).is_err());

        let mut other_id = good.clone();
        other_id.vault_id = "00".repeat(16);
        assert!(check(&other_id).is_err());

        let mut later_overlap = good.clone();
        later_overlap.issuer_keys[0].retire_at = Some("2099-01-01T00:00:00.000Z".into());
        assert!(check(&later_overlap).is_err());

        let mut never_retires = good.clone();
        never_retires.issuer_keys[1].retire_at = None;
        assert!(check(&never_retires).is_err());

        let mut moved_created = good;
        moved_created.issuer_keys[2].created_at = T0.into();
        assert!(check(&moved_created).is_err());
    }

    #[test]
    fn kdf_bounds_name_the_field() {
        let kdf = |memory_kib, iterations, parallelism| Kdf {
            algorithm: "argon2id".into(),
            memory_kib,
            iterations,
            parallelism,
            salt: crate::crypto::b64(&[0u8; 16]),
        };
        let path = Path::new("vault.toml");
        kdf(64 * 1024, 3, 4).check(path).unwrap();
        kdf(KDF_MAX_MEMORY_KIB, KDF_MAX_ITERATIONS, KDF_MAX_PARALLELISM)
            .check(path)
            .unwrap();
        for (k, field) in [
            (kdf(1024, u32::MAX, 1), "kdf.iterations"),
            (kdf(1024, 0, 1), "kdf.iterations"),
            (kdf(KDF_MAX_MEMORY_KIB + 1, 1, 1), "kdf.memory_kib"),
            (kdf(31, 1, 4), "kdf.memory_kib"),
            (kdf(1024, 1, 0), "kdf.parallelism"),
            (kdf(1024 * 1024, 1, 65), "kdf.parallelism"),
        ] {
            let e = k.check(path).unwrap_err().to_string();
            assert!(e.contains(field) && e.contains("vault.toml"), "{e}");
        }
    }
}
