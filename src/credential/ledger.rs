//! The credential ledger `credentials.jsonl`: one line per credential minted (metadata only: no
//! value, no token), for `creds list` and `creds revoke`. Appended under the vault lock after the
//! audit entry.
//!
//! The ledger is an index, not a record: the durable record of every credential is its
//! `cred.mint` audit entry, fsynced before anything is released. So a ledger line is written but
//! not fsynced on the mint hot path; a crash can lose the last lines (their credentials still
//! expire, and `creds revoke --agent` still reaches them).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const FILE: &str = "credentials.jsonl";
const PRUNE_AT_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub agent: String,
    pub actor: String,
    pub secrets: Vec<SecretRef>,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    #[serde(with = "crate::clock::ts")]
    pub issued_at: DateTime<Utc>,
    #[serde(with = "crate::clock::ts")]
    pub expires_at: DateTime<Utc>,
    /// The credential this one was derived from (nested exec, delegation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Every token id this credential's token contains (authority, parents, itself).
    #[serde(default)]
    pub chain: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretRef {
    pub name: String,
    pub version: u32,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Appends one entry (not fsynced: see the module comment), pruning entries a day past their
/// expiry when the file is due. Call with the vault lock held.
pub fn append(dir: &Path, entry: &Entry, now: DateTime<Utc>) -> Result<()> {
    let mut line = serde_json::to_vec(entry).expect("ledger entries serialise");
    line.push(b'\n');
    super::prune::append(
        &path(dir),
        &line,
        false,
        PRUNE_AT_BYTES,
        "cannot write the credential ledger",
        |l| {
            serde_json::from_str::<Entry>(l)
                .is_ok_and(|e| e.expires_at + chrono::Duration::days(1) > now)
        },
    )
}

/// [`append`] on the mint path, where the ledger is an index and the audit entry the record: a
/// failure is a warning on stderr, not a refusal.
pub fn append_or_warn(dir: &Path, entry: &Entry, now: DateTime<Utc>) -> Result<()> {
    if let Err(e) = append(dir, entry, now) {
        eprintln!("agentcred: warning: {e}");
    }
    Ok(())
}

pub fn read(dir: &Path) -> Result<Vec<Entry>> {
    let path = path(dir);
    let text = match crate::vault::fsio::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io("cannot read the credential ledger", &path, e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    fn entry(i: usize, issued: DateTime<Utc>, ttl: chrono::Duration) -> Entry {
        Entry {
            id: format!("cr_{i:024}"),
            agent: "ci".into(),
            actor: "key:k_0123456789ab".into(),
            secrets: vec![SecretRef {
                name: "db".into(),
                version: 1,
            }],
            actions: vec!["*".into()],
            resources: vec!["*".into()],
            issued_at: issued,
            expires_at: issued + ttl,
            parent: None,
            chain: vec![format!("au_{i:024}"), format!("cr_{i:024}")],
        }
    }

    /// A busy agent's live credentials can keep the ledger over its limit: it is then not read
    /// and rewritten on every mint, only when it has doubled; expired lines go at each pruning.
    #[test]
    fn a_ledger_of_live_credentials_is_not_rewritten_on_every_append() {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = Utc::now();
        let old = now - chrono::Duration::days(3);
        for i in 0..200 {
            append(
                dir.path(),
                &entry(i, old, chrono::Duration::minutes(15)),
                old,
            )
            .unwrap();
        }
        let mut i = 200;
        let inode = || std::fs::metadata(path(dir.path())).unwrap().ino();
        let len = || std::fs::metadata(path(dir.path())).unwrap().len();
        let first = inode();
        while inode() == first {
            append(dir.path(), &entry(i, now, chrono::Duration::hours(1)), now).unwrap();
            i += 1;
        }
        let entries = read(dir.path()).unwrap();
        assert_eq!(
            entries.len(),
            i - 200,
            "only the expired entries were pruned"
        );
        assert!(entries.iter().all(|e| e.issued_at == now));
        let (pruned, size) = (inode(), len());
        for _ in 0..100 {
            append(dir.path(), &entry(i, now, chrono::Duration::hours(1)), now).unwrap();
            i += 1;
        }
        assert_eq!(inode(), pruned, "not rewritten again before it doubles");
        loop {
            let before = len();
            append(dir.path(), &entry(i, now, chrono::Duration::hours(1)), now).unwrap();
            i += 1;
            if inode() != pruned {
                assert!(
                    before < 2 * size && before + 1024 >= 2 * size,
                    "{before} {size}"
                );
                break;
            }
        }
        assert_eq!(read(dir.path()).unwrap().len(), i - 200);
    }
}
