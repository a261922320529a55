//! The credential ledger `credentials.jsonl`: one line per credential minted (metadata only: no
//! value, no token), for `creds list` and `creds revoke`. Appended under the vault lock after the
//! audit entry.
//!
//! The ledger is an index, not a record: the durable record of every credential is its
//! `cred.mint` audit entry, fsynced before anything is released. So a ledger line is written but
//! not fsynced on the mint hot path; a crash can lose the last lines (their credentials still
//! expire, and `creds revoke --agent` still reaches them).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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
    pub issued_at: DateTime<Utc>,
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

/// Appends one entry durably. Call with the vault lock held.
pub fn append(dir: &Path, entry: &Entry, now: DateTime<Utc>) -> Result<()> {
    let path = path(dir);
    let mut line = serde_json::to_vec(entry).expect("ledger entries serialise");
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(crate::vault::fsio::FILE_MODE)
        .open(&path)
        .map_err(|e| Error::io("cannot write the credential ledger", &path, e))?;
    file.write_all(&line)
        .map_err(|e| Error::io("cannot write the credential ledger", &path, e))?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) > PRUNE_AT_BYTES {
        let keep: String = read(dir)?
            .into_iter()
            .filter(|e| e.expires_at + chrono::Duration::days(1) > now)
            .map(|e| {
                format!(
                    "{}\n",
                    serde_json::to_string(&e).expect("ledger entries serialise")
                )
            })
            .collect();
        crate::vault::fsio::write_atomic(&path, keep.as_bytes())?;
    }
    Ok(())
}

pub fn read(dir: &Path) -> Result<Vec<Entry>> {
    let path = path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io("cannot read the credential ledger", &path, e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}
