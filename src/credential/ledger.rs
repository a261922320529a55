//! The credential ledger `credentials.jsonl`: one line per credential minted (metadata only: no
//! value, no token), for `creds list` and `creds revoke`. Appended under the vault lock after the
//! audit entry.
//!
//! The ledger is an index, not a record: the durable record of every credential is its
//! `cred.mint` audit entry, fsynced before anything is released. So a ledger line is written but
//! not fsynced on the mint hot path; a crash can lose the last lines (their credentials still
//! expire, and `creds revoke --agent` still reaches them).

use crate::audit::Action;
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

/// The credentials the audit log records (`cred.mint` and `delegate` entries, the latter for the
/// agent delegated to): the record the ledger indexes,
/// for when the ledger lost or altered a line. `chain` holds the credential and its parent only.
pub fn from_log(dir: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let Some(mut reader) = crate::audit::read::LogReader::open(dir)? else {
        return Ok(out);
    };
    while let Some(line) = reader.next_line()? {
        if !crate::audit::read::has_field(line.bytes, "action", Action::CredMint.as_str())
            && !crate::audit::read::has_field(line.bytes, "action", Action::Delegate.as_str())
        {
            continue;
        }
        if let Some(e) = crate::audit::Entry::parse(line.bytes).and_then(|e| from_entry(&e)) {
            out.push(e);
        }
    }
    Ok(out)
}

fn from_entry(e: &crate::audit::Entry) -> Option<Entry> {
    let delegated = match Action::parse(&e.action) {
        Some(Action::CredMint) => false,
        Some(Action::Delegate) => true,
        _ => return None,
    };
    if e.result.is_some_and(|r| r != crate::audit::Outcome::Ok) {
        return None;
    }
    let id = e.credential_id.clone()?;
    let scope = e.scope.as_ref()?;
    let time = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| vec!["*".into()])
    };
    let details = e.details.as_ref();
    let parent = details
        .and_then(|d| d.get("parent"))
        .and_then(|p| p.as_str())
        .map(str::to_string);
    let versions = details.and_then(|d| d.get("versions"));
    let agent = if delegated {
        details?.get("to")?.as_str()?.to_string()
    } else {
        e.agent.clone()?
    };
    Some(Entry {
        agent,
        actor: e.actor.clone(),
        secrets: e
            .secrets
            .iter()
            .map(|name| SecretRef {
                name: name.clone(),
                version: versions
                    .and_then(|v| v.get(name))
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as u32,
            })
            .collect(),
        actions: strings(scope.get("actions")),
        resources: strings(scope.get("resources")),
        issued_at: time(&e.ts)?,
        expires_at: time(scope.get("expires_at")?.as_str()?)?,
        chain: parent.iter().cloned().chain([id.clone()]).collect(),
        parent,
        id,
    })
}

/// The ledger checked against the audit log: every credential the log records is listed with
/// what the log says (a line the ledger lost or altered is taken from the log), and lines the log
/// does not record are dropped. The second part says what disagreed, for a warning.
pub fn read_checked(dir: &Path, now: DateTime<Utc>) -> Result<(Vec<Entry>, Vec<String>)> {
    let mut problems = Vec::new();
    let ledger = match read(dir) {
        Ok(l) => l,
        Err(e) => {
            problems.push(format!("{e}"));
            Vec::new()
        }
    };
    let logged = match from_log(dir) {
        Ok(l) => l,
        Err(e) => {
            problems.push(format!(
                "the ledger is not checked against the audit log: {e}"
            ));
            return Ok((ledger, problems));
        }
    };
    let mut by_id: std::collections::HashMap<&str, &Entry> =
        ledger.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut out = Vec::with_capacity(logged.len());
    let (mut missing, mut altered) = (0, 0);
    for log in &logged {
        match by_id.remove(log.id.as_str()) {
            Some(l)
                if l.agent == log.agent
                    && l.expires_at.timestamp() == log.expires_at.timestamp()
                    && l.parent == log.parent =>
            {
                out.push(l.clone())
            }
            Some(_) => {
                altered += 1;
                out.push(log.clone());
            }
            None => {
                if log.expires_at > now {
                    missing += 1;
                }
                out.push(log.clone());
            }
        }
    }
    let unknown = by_id.len();
    if missing > 0 {
        problems.push(format!(
            "{missing} live credential(s) on the audit log are missing from {FILE}; listed from the log"
        ));
    }
    if altered > 0 {
        problems.push(format!(
            "{altered} line(s) of {FILE} disagree with the audit log; the log's record is shown"
        ));
    }
    if unknown > 0 {
        problems.push(format!(
            "{unknown} line(s) of {FILE} are not on the audit log and are left out"
        ));
    }
    Ok((out, problems))
}

/// The secret versions credential `id` carries, by name: from its ledger line, or from its audit
/// entry when the ledger lost the line. A credential derived or delegated from it carries the
/// same versions, since it injects the values its parent holds. Empty when neither records it.
pub fn versions_of(dir: &Path, id: &str) -> std::collections::BTreeMap<String, u32> {
    let found = read(dir)
        .ok()
        .and_then(|l| l.into_iter().rev().find(|e| e.id == id))
        .or_else(|| {
            from_log(dir)
                .ok()
                .and_then(|l| l.into_iter().rev().find(|e| e.id == id))
        });
    found
        .map(|e| e.secrets.into_iter().map(|s| (s.name, s.version)).collect())
        .unwrap_or_default()
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
