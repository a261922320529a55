//! What the live anomaly checks remember between calls: one small file per agent in `activity/`,
//! and a marker per agent in `suspended/` when an anomaly suspended it.
//!
//! An activity file is an index of the audit log, not a record: it is written before the call's
//! audit entry (so a failed append can only make it count one call too many, the safe side of a
//! rate limit), not fsynced, and rebuilt from the log when missing or unreadable. Reading one is
//! O(1) however long the log is.
//!
//! A suspension marker is a control, so it is written durably. It is one half of a suspension by
//! the live checks; the other half is a signed revocation of the agent's authority, which makes
//! every credential it holds fail `verify`. `agent resume` lifts both.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::anomaly::{AgentActivity, Observation, Thresholds};
use super::read::{LogReader, has_field};
use crate::error::{Error, Result};
use crate::vault::fsio;

pub const DIR: &str = "activity";
pub const SUSPENDED_DIR: &str = "suspended";

/// The most agentcred reads of an activity or suspension file. Real ones hold kilobytes; an
/// agent's set of resources seen has no fixed limit, hence the room.
const MAX_FILE: u64 = 64 << 20;

/// Padding, in bytes, above which a shorter activity document truncates its file instead.
const PAD_LIMIT: usize = 1024;

fn path(dir: &Path, agent: &str) -> PathBuf {
    dir.join(DIR).join(format!("{agent}.json"))
}

/// The agent's activity, rebuilt from the log if it has none on file.
pub fn load(dir: &Path, agent: &str, t: &Thresholds) -> Result<AgentActivity> {
    match fsio::read_bounded(&path(dir, agent), MAX_FILE) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(a) => Ok(a),
            Err(_) => rebuild(dir, agent, t),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => rebuild(dir, agent, t),
        Err(e) => Err(Error::io(
            "cannot read the activity of",
            &path(dir, agent),
            e,
        )),
    }
}

/// Replays the agent's entries on the log (O(log size); only when its file is missing).
pub fn rebuild(dir: &Path, agent: &str, t: &Thresholds) -> Result<AgentActivity> {
    let mut activity = AgentActivity::default();
    let Some(mut log) = LogReader::open(dir)? else {
        return Ok(activity);
    };
    while let Some(line) = log.next_line()? {
        if !line.complete || !has_field(line.bytes, "agent", agent) {
            continue;
        }
        if let Some(entry) = super::Entry::parse(line.bytes)
            && let Some((a, o)) = Observation::of(&entry)
            && a == agent
        {
            activity.observe(agent, &o, t);
        }
    }
    Ok(activity)
}

/// Stores the agent's activity: overwritten in place, not fsynced (it can be rebuilt, and a torn
/// write only makes it unreadable, which rebuilds it). No rename and no truncation to zero, so
/// the write forces no flush of its own into the audit append's fsync that follows.
pub fn save(dir: &Path, agent: &str, activity: &AgentActivity) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let target = path(dir, agent);
    let parent = dir.join(DIR);
    if !parent.is_dir() {
        fsio::private_subdir(&parent)?;
    }
    let mut bytes = serde_json::to_vec(activity).expect("activity serialises");
    let mut write = || -> std::io::Result<()> {
        let f = fsio::OpenOptions::new()
            .write(true)
            .create(true)
            .mode(fsio::FILE_MODE)
            .open(&target)?;
        // JSON allows trailing whitespace: a slightly shorter document pads over the longer one;
        // a much shorter one (the file was written in a longer layout) cuts the file down after.
        let old = f.metadata()?.len() as usize;
        let cut = old > bytes.len() + PAD_LIMIT;
        if bytes.len() < old && !cut {
            bytes.resize(old, b' ');
        }
        f.write_all_at(&bytes, 0)?;
        if cut {
            f.set_len(bytes.len() as u64)?;
        }
        Ok(())
    };
    write().map_err(|e| Error::io("cannot write the activity of an agent to", &target, e))
}

/// Forgets an agent's activity (it was removed).
pub fn forget(dir: &Path, agent: &str) {
    let _ = fsio::remove_file(&path(dir, agent));
    let _ = fsio::remove_file(&suspension_path(dir, agent));
}

/// Why and when the live checks suspended an agent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Suspension {
    pub agent: String,
    pub at: String,
    pub reason: String,
    /// The authority revoked with it.
    #[serde(default)]
    pub authority: Option<String>,
}

fn suspension_path(dir: &Path, agent: &str) -> PathBuf {
    dir.join(SUSPENDED_DIR).join(format!("{agent}.json"))
}

/// Marks the agent suspended, durably.
pub fn suspend(
    dir: &Path,
    agent: &str,
    reason: &str,
    authority: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let s = Suspension {
        agent: agent.to_string(),
        at: crate::clock::rfc3339(now),
        reason: reason.to_string(),
        authority: authority.map(str::to_string),
    };
    let parent = dir.join(SUSPENDED_DIR);
    fsio::private_subdir(&parent)?;
    fsio::write_atomic(
        &suspension_path(dir, agent),
        &serde_json::to_vec(&s).expect("suspensions serialise"),
    )
}

/// The agent's suspension by the live checks, if any. A marker that exists but cannot be read
/// (a loose mode, a link, not a file, not JSON) still suspends: tampering with it must not lift
/// the suspension.
pub fn suspension(dir: &Path, agent: &str) -> Option<Suspension> {
    let unreadable = |why: String| Suspension {
        agent: agent.to_string(),
        at: String::new(),
        reason: format!("an anomaly (the marker is unreadable: {why})"),
        authority: None,
    };
    match fsio::read_bounded(&suspension_path(dir, agent), MAX_FILE) {
        Ok(bytes) => {
            Some(serde_json::from_slice(&bytes).unwrap_or_else(|_| unreadable("not JSON".into())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(unreadable(e.to_string())),
    }
}

/// Lifts a suspension; true if there was one.
pub fn lift(dir: &Path, agent: &str) -> Result<bool> {
    let p = suspension_path(dir, agent);
    match fsio::remove_file(&p) {
        Ok(()) => {
            fsio::sync_dir(&dir.join(SUSPENDED_DIR))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot lift the suspension in", &p, e)),
    }
}

/// Every agent currently suspended by the live checks.
pub fn suspended(dir: &Path) -> Vec<Suspension> {
    let Ok(entries) = std::fs::read_dir(dir.join(SUSPENDED_DIR)) else {
        return vec![];
    };
    let mut out: Vec<Suspension> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let agent = name.strip_suffix(".json")?;
            if agent.starts_with('.') {
                return None;
            }
            suspension(dir, agent)
        })
        .collect();
    out.sort_by(|a, b| a.agent.cmp(&b.agent));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shorter_activity_pads_a_little_and_truncates_a_lot() {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let file = path(dir.path(), "a");
        let a = AgentActivity::default();
        save(dir.path(), "a", &a).unwrap();
        let exact = std::fs::read(&file).unwrap().len();

        // A little longer before (one more field's worth): padded over, still readable.
        std::fs::write(&file, vec![b'x'; exact + 100]).unwrap();
        save(dir.path(), "a", &a).unwrap();
        let padded = std::fs::read(&file).unwrap();
        assert_eq!(padded.len(), exact + 100);
        assert!(serde_json::from_slice::<AgentActivity>(&padded).is_ok());

        // Far longer before (an older, longer layout): cut down to the document.
        std::fs::write(&file, vec![b'x'; exact + 10 * PAD_LIMIT]).unwrap();
        save(dir.path(), "a", &a).unwrap();
        let cut = std::fs::read(&file).unwrap();
        assert_eq!(cut.len(), exact);
        assert!(serde_json::from_slice::<AgentActivity>(&cut).is_ok());
    }
}
