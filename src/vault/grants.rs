//! The grants, kept beside the state in `grants/XX.age` (docs/DESIGN.md, "The vault's files"):
//! 256 files, each holding the grants of the agents whose name hashes to it.
//!
//! A vault of 10,000 agents holds a hundred thousand grants, several times the size of the rest of
//! the state. Kept inside `vault.age`, every admin change decrypted, parsed, serialised, encrypted
//! and synced all of them, whatever it changed. Apart, a change reads only the files of the agents
//! it looks at and rewrites only those it changed.
//!
//! A file is trusted only through the state: the signed state records the SHA-256 of each file
//! (its age ciphertext) and, per secret, which files hold a grant of it. A file edited, swapped
//! with another, or put back from an older copy does not match, and is refused like a tampered
//! state. The files are encrypted to the same recipients as `vault.age` and rewritten with every
//! change of recipients. They are written in the same journaled commit as the state that names
//! them, so a crash leaves both old or both new.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{AdminKey, Vault, VaultToml, fsio};
use crate::error::{Error, Result};
use crate::grant::Grant;

pub const DIR: &str = "grants";

/// What the state records of the grant files: the only thing that makes them trusted.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GrantFiles {
    /// The SHA-256 (hex) of each file that holds a grant, by shard name (`00`-`ff`).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Per secret, the shards that hold a grant of it: a bitmap of the 256 shards, in hex (bit
    /// `n % 8` of byte `n / 8` for shard `n`).
    #[serde(default)]
    pub by_secret: BTreeMap<String, String>,
}

impl GrantFiles {
    /// The shards that hold a grant of `secret`.
    pub fn shards_of(&self, secret: &str) -> Vec<String> {
        let Some(bits) = self
            .by_secret
            .get(secret)
            .and_then(|h| crate::crypto::unhex(h))
        else {
            return Vec::new();
        };
        (0..=255u8)
            .filter(|n| {
                bits.get(usize::from(*n / 8))
                    .is_some_and(|b| b & (1 << (n % 8)) != 0)
            })
            .map(|n| format!("{n:02x}"))
            .collect()
    }
}

/// Sets or clears shard `shard`'s bit in a [`GrantFiles::by_secret`] bitmap.
fn set_bit(bitmap: &mut [u8; 32], shard: &str, on: bool) {
    let Ok(n) = u8::from_str_radix(shard, 16) else {
        return;
    };
    let (byte, bit) = (usize::from(n / 8), 1 << (n % 8));
    if on {
        bitmap[byte] |= bit;
    } else {
        bitmap[byte] &= !bit;
    }
}

/// The shard an agent's grants live in: the first byte of the SHA-256 of its name, in hex.
pub fn shard_of(agent: &str) -> String {
    crate::crypto::hex(&crate::crypto::sha256(&[agent.as_bytes()])[..1])
}

pub fn path(dir: &Path, shard: &str) -> PathBuf {
    dir.join(DIR).join(format!("{shard}.age"))
}

/// The grants read so far in one change or one read, by shard, and which of them changed.
///
/// A shard is read whole the first time anything in it is asked for; what is never asked for is
/// never read.
#[derive(Default)]
pub struct Grants {
    shards: BTreeMap<String, BTreeMap<String, Grant>>,
    dirty: BTreeSet<String>,
}

impl Grants {
    /// How many grants have been read.
    pub fn loaded_count(&self) -> usize {
        self.shards.values().map(BTreeMap::len).sum()
    }

    /// The grants of shard `shard`, read from its file the first time (checked against `files`).
    fn shard(
        &mut self,
        vault: &Vault,
        admin: &AdminKey,
        files: &GrantFiles,
        shard: &str,
    ) -> Result<&mut BTreeMap<String, Grant>> {
        if !self.shards.contains_key(shard) {
            let grants = read_shard(&vault.dir, &vault.config, admin, files, shard)?;
            self.shards.insert(shard.to_string(), grants);
        }
        Ok(self.shards.get_mut(shard).expect("inserted above"))
    }

    /// Every grant of `agent`, by id.
    pub fn of_agent(
        &mut self,
        vault: &Vault,
        admin: &AdminKey,
        files: &GrantFiles,
        agent: &str,
    ) -> Result<Vec<Grant>> {
        Ok(self
            .shard(vault, admin, files, &shard_of(agent))?
            .values()
            .filter(|g| g.agent == agent)
            .cloned()
            .collect())
    }

    /// Reads the shard holding `agent`'s grants, if not read yet.
    pub fn read_agent(
        &mut self,
        vault: &Vault,
        admin: &AdminKey,
        files: &GrantFiles,
        agent: &str,
    ) -> Result<()> {
        self.shard(vault, admin, files, &shard_of(agent)).map(drop)
    }

    /// Every grant of `agent` among the shards read so far: [`Grants::of_agent`] for a caller that
    /// has read the agent's shard already.
    pub fn of_loaded_agent(&self, agent: &str) -> Vec<Grant> {
        debug_assert!(
            self.shards.contains_key(&shard_of(agent)),
            "{agent}'s shard was read"
        );
        self.shards
            .get(&shard_of(agent))
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter(|g| g.agent == agent)
            .cloned()
            .collect()
    }

    /// Every grant of `secret`, reading only the shards the state says hold one.
    pub fn of_secret(
        &mut self,
        vault: &Vault,
        admin: &AdminKey,
        files: &GrantFiles,
        secret: &str,
    ) -> Result<Vec<Grant>> {
        let mut out = Vec::new();
        for shard in files.shards_of(secret) {
            out.extend(
                self.shard(vault, admin, files, &shard)?
                    .values()
                    .filter(|g| g.secret == secret)
                    .cloned(),
            );
        }
        Ok(out)
    }

    pub fn insert(
        &mut self,
        vault: &Vault,
        admin: &AdminKey,
        files: &GrantFiles,
        grant: Grant,
    ) -> Result<()> {
        let shard = shard_of(&grant.agent);
        self.shard(vault, admin, files, &shard)?
            .insert(grant.id.clone(), grant);
        self.dirty.insert(shard);
        Ok(())
    }

    /// Removes the grants `remove` picks from the shards `shards` (all of them if `None`).
    pub fn remove_where(
        &mut self,
        vault: &Vault,
        admin: &AdminKey,
        files: &GrantFiles,
        shards: Option<Vec<String>>,
        remove: impl Fn(&Grant) -> bool,
    ) -> Result<Vec<Grant>> {
        let shards = shards.unwrap_or_else(|| files.files.keys().cloned().collect());
        let mut removed = Vec::new();
        for shard in shards {
            let grants = self.shard(vault, admin, files, &shard)?;
            let ids: Vec<String> = grants
                .values()
                .filter(|g| remove(g))
                .map(|g| g.id.clone())
                .collect();
            if ids.is_empty() {
                continue;
            }
            for id in ids {
                removed.extend(grants.remove(&id));
            }
            self.dirty.insert(shard);
        }
        Ok(removed)
    }

    /// Reads every shard (for a change that rewrites them all, or a list of every grant), half of
    /// them on a second core.
    pub fn load_all(&mut self, vault: &Vault, admin: &AdminKey, files: &GrantFiles) -> Result<()> {
        let missing: Vec<&String> = files
            .files
            .keys()
            .filter(|s| !self.shards.contains_key(*s))
            .collect();
        let (first, second) = missing.split_at(missing.len() / 2);
        let read = |shards: &[&String]| -> Result<Vec<(String, BTreeMap<String, Grant>)>> {
            shards
                .iter()
                .map(|s| {
                    let grants = read_shard(&vault.dir, &vault.config, admin, files, s)?;
                    Ok(((*s).clone(), grants))
                })
                .collect()
        };
        let (a, b) = std::thread::scope(|scope| {
            let other = scope.spawn(|| read(second));
            let mine = read(first);
            (
                mine,
                other.join().expect("reading grant files does not panic"),
            )
        });
        self.shards.extend(a?);
        self.shards.extend(b?);
        Ok(())
    }

    /// Every shard read so far is rewritten at the next commit (the recipients changed).
    pub fn mark_all_dirty(&mut self) {
        self.dirty.extend(self.shards.keys().cloned());
    }

    /// Every grant read so far, by id.
    pub fn loaded(&self) -> impl Iterator<Item = &Grant> {
        self.shards.values().flat_map(BTreeMap::values)
    }

    /// Every grant read so far, by id, taken out.
    pub fn into_loaded(self) -> BTreeMap<String, Grant> {
        self.shards.into_values().flatten().collect()
    }

    /// Encrypts every changed shard into `batch` and records its hash (and the secrets it holds)
    /// in `files`; an emptied shard's file is removed.
    pub fn stage(
        &self,
        dir: &Path,
        recipients: &[age::x25519::Recipient],
        files: &mut GrantFiles,
        batch: &mut fsio::Batch,
    ) -> Result<()> {
        if self.dirty.is_empty() {
            return Ok(());
        }
        fsio::private_subdir(&dir.join(DIR))?;
        let mut bitmaps: BTreeMap<String, [u8; 32]> = files
            .by_secret
            .iter()
            .filter_map(|(s, h)| {
                let bits = crate::crypto::unhex(h)?.try_into().ok()?;
                Some((s.clone(), bits))
            })
            .collect();
        // The shards are encrypted and staged on every core; the bookkeeping follows in order.
        let stager = batch.stager();
        let written: Vec<&String> = self
            .dirty
            .iter()
            .filter(|s| !self.shards[*s].is_empty())
            .collect();
        let mut sealed = crate::parallel::map(written, |shard| {
            let body: Vec<&Grant> = self.shards[shard].values().collect();
            let bytes = crate::crypto::age_encrypt_to(recipients, Vec::new(), |w| {
                serde_json::to_writer(w, &body)
                    .map_err(|e| Error::other(format!("cannot serialise the grants: {e}")))
            })?;
            let hash = crate::crypto::hex(&crate::crypto::sha256(&[&bytes]));
            Ok::<_, Error>((hash, stager.stage(&path(dir, shard), &bytes)?))
        })
        .into_iter();
        for shard in &self.dirty {
            let grants = &self.shards[shard];
            for bits in bitmaps.values_mut() {
                set_bit(bits, shard, false);
            }
            if grants.is_empty() {
                files.files.remove(shard);
                batch.remove(&path(dir, shard));
            } else {
                let (hash, staged) = sealed.next().expect("one sealed file per written shard")?;
                files.files.insert(shard.clone(), hash);
                batch.add(staged);
                for g in grants.values() {
                    set_bit(
                        bitmaps.entry(g.secret.clone()).or_insert([0; 32]),
                        shard,
                        true,
                    );
                }
            }
        }
        files.by_secret = bitmaps
            .into_iter()
            .filter(|(_, bits)| bits.iter().any(|b| *b != 0))
            .map(|(s, bits)| (s, crate::crypto::hex(&bits)))
            .collect();
        Ok(())
    }
}

/// Reads one shard and checks it against the hash the signed state records. A shard the state
/// does not name holds no grant.
fn read_shard(
    dir: &Path,
    config: &VaultToml,
    admin: &AdminKey,
    files: &GrantFiles,
    shard: &str,
) -> Result<BTreeMap<String, Grant>> {
    let Some(expected) = files.files.get(shard) else {
        return Ok(BTreeMap::new());
    };
    let file = path(dir, shard);
    let tampered = || {
        Error::bad_data(format!(
            "{} does not match the signed vault state: it was edited, replaced or rolled back",
            file.display()
        ))
        .hint("restore the vault directory from a backup")
    };
    let bytes = fsio::read(&file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            tampered()
        } else {
            Error::io("cannot read", &file, e)
        }
    })?;
    if crate::crypto::hex(&crate::crypto::sha256(&[&bytes])) != *expected {
        return Err(tampered());
    }
    let plain = admin.decrypt(&bytes, &file, config)?;
    let grants: Vec<Grant> = serde_json::from_slice(&plain).map_err(|_| tampered())?;
    Ok(grants.into_iter().map(|g| (g.id.clone(), g)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_always_hashes_to_the_same_one_of_256_shards() {
        assert_eq!(shard_of("etl"), "63");
        assert_eq!(shard_of("loader"), "d4");
        assert_eq!(shard_of("etl"), shard_of("etl"));
        assert_eq!(shard_of("agent-00000").len(), 2);
    }

    #[test]
    fn the_secret_bitmap_names_exactly_the_shards_set() {
        let mut bits = [0u8; 32];
        for shard in ["00", "07", "08", "63", "ff"] {
            set_bit(&mut bits, shard, true);
        }
        set_bit(&mut bits, "07", false);
        let mut files = GrantFiles::default();
        files
            .by_secret
            .insert("db".into(), crate::crypto::hex(&bits));
        assert_eq!(files.shards_of("db"), ["00", "08", "63", "ff"]);
        assert!(files.shards_of("other").is_empty());
        files.by_secret.insert("bad".into(), "zz".into());
        assert!(files.shards_of("bad").is_empty());
        assert_eq!(crate::crypto::unhex("0aFF"), Some(vec![0x0a, 0xff]));
        assert_eq!(crate::crypto::unhex("0a0"), None);
    }
}
