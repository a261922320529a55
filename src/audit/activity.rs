//! What the live anomaly checks remember between calls: one small file per agent in `activity/`,
//! and a marker per agent in `suspended/` when an anomaly suspended it.
//!
//! The audit log is the record; both are caches of it. An activity file summarises the agent's
//! entries up to a position in the log (`seq`, the offset just past it, and its hash), is
//! authenticated with a MAC keyed by the agent's own signing key, and is read by checking that the
//! log still holds that entry there and replaying the agent's entries after it: O(entries since
//! the file was written), which is O(1) for an agent calling on its own. A file that is missing,
//! replaced (`{}`), edited, or anchored where the log says otherwise is rebuilt from the whole log,
//! so deleting or replacing it changes nothing; an older copy put back is simply caught up. The
//! replay follows the chain from its anchor: an admin entry that resets or lifts anything counts
//! only while every line so far has followed the one before, so a genuine entry copied to the end
//! of the log does nothing.
//!
//! Whether the live checks suspended the agent is part of that summary: the `agent.suspend` entry
//! (signed by the agent's key) suspends it and the admin's `agent.resume` lifts it. The marker in
//! `suspended/` is what listings show; deleting it does not lift a suspension. The other half of a
//! suspension is a signed revocation of the agent's authority, which makes every credential it
//! holds fail `verify`.
//!
//! The file is written after the call's entries are prepared (it names the head they produce) and
//! before they are appended, not fsynced: if the append fails, the anchor names an entry the log
//! does not hold, and the next call rebuilds it.
//!
//! An agent's first file comes with its first envelope (see [`reset_many`]): before that it can
//! make no call. Its activity counts from that change's issuer-signed `agent.envelope` entry, on
//! the log as in the file.

use super::Action;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::anomaly::{AgentActivity, Observation, Thresholds};
use super::read::{LogReader, has_field};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::vault::fsio;

pub const DIR: &str = "activity";
pub const SUSPENDED_DIR: &str = "suspended";

/// The most agentcred reads of an activity or suspension file. Real ones hold kilobytes; an
/// agent's set of resources seen has no fixed limit, hence the room.
const MAX_FILE: u64 = 64 << 20;

/// Padding, in bytes, above which a shorter activity document truncates its file instead.
const PAD_LIMIT: usize = 1024;

const MAC_DOMAIN: &[u8] = b"agentcred-activity-v1";

fn path(dir: &Path, agent: &str) -> PathBuf {
    dir.join(DIR).join(format!("{agent}.json"))
}

/// Where in the log a summary stops: the entry `seq`, the offset just past its line, its hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogPos {
    pub seq: u64,
    pub end: u64,
    pub hash: String,
}

/// An agent's state as the live checks see it.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub activity: AgentActivity,
    /// Suspended by the live checks (or an `agent.suspend`), and not resumed since.
    pub suspension: Option<Suspension>,
}

/// The stored form. Every member is required: anything else is rebuilt.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cached {
    log: LogPos,
    suspension: Option<Suspension>,
    activity: AgentActivity,
    mac: String,
}

fn mac_key(agent: &str) -> Option<[u8; 32]> {
    let key = super::sign::agent_key(agent)?;
    Some(mac_key_of(&key))
}

fn mac_key_of(key: &KeyPair) -> [u8; 32] {
    mac_key_of_seed(&key.seed())
}

fn mac_key_of_seed(seed: &[u8; 32]) -> [u8; 32] {
    crate::crypto::hmac_sha256(&seed[..], MAC_DOMAIN)
}

fn mac(key: &[u8; 32], agent: &str, log: &LogPos, body: &[u8]) -> String {
    let head = format!("{agent}\n{}\n{}\n{}\n", log.seq, log.end, log.hash);
    crate::crypto::hex(&crate::crypto::hmac_sha256(
        key,
        &[head.as_bytes(), body].concat(),
    ))
}

/// The agent's activity and suspension: from its file, checked and caught up with the log, or
/// rebuilt from the log.
///
/// `issuer` finds the vault's issuer keys: an entry only the admin may write (`agent.resume`,
/// `agent.add`, `agent.remove`, `agent.envelope`) counts only if one of them signed it, so a
/// line appended to the log by hand lifts or resets nothing.
pub fn load(dir: &Path, agent: &str, t: &Thresholds, issuer: &IssuerLookup<'_>) -> Result<Known> {
    if let Some((mut known, from)) = cached(dir, agent)? {
        replay(dir, agent, t, &from, &mut known, issuer)?;
        return Ok(known);
    }
    rebuild(dir, agent, t, issuer)
}

/// Finds an issuer public key by its key id.
pub type IssuerLookup<'a> = dyn Fn(&str) -> Option<crate::crypto::PublicKey> + 'a;

/// The stored summary and where to replay from, if it is authentic and the log agrees with it.
fn cached(dir: &Path, agent: &str) -> Result<Option<(Known, LogPos)>> {
    let bytes = match fsio::read_bounded(&path(dir, agent), MAX_FILE) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::io(
                "cannot read the activity of",
                &path(dir, agent),
                e,
            ));
        }
    };
    let Some(key) = mac_key(agent) else {
        return Ok(None);
    };
    let Ok(c) = serde_json::from_slice::<Cached>(&bytes) else {
        return Ok(None);
    };
    let body = body_of(&c.suspension, &c.activity);
    if c.mac != mac(&key, agent, &c.log, &body) || !holds(dir, &c.log)? {
        return Ok(None);
    }
    let from = c.log.clone();
    Ok(Some((
        Known {
            activity: c.activity,
            suspension: c.suspension,
        },
        from,
    )))
}

fn body_of(suspension: &Option<Suspension>, activity: &AgentActivity) -> Vec<u8> {
    serde_json::to_vec(&(suspension, activity)).expect("activity serialises")
}

/// Does the log hold the entry `pos.seq` with hash `pos.hash`, ending at `pos.end`?
fn holds(dir: &Path, pos: &LogPos) -> Result<bool> {
    use std::os::unix::fs::FileExt;
    if pos.seq == 0 {
        return Ok(pos.end == 0);
    }
    let path = dir.join(super::FILE);
    let file = match fsio::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("cannot read the audit log", &path, e)),
    };
    let len = file
        .metadata()
        .map_err(|e| Error::io("cannot read the audit log", &path, e))?
        .len();
    if pos.end > len || pos.end == 0 {
        return Ok(false);
    }
    let mut window = pos.end.min(4096);
    loop {
        let mut buf = vec![0u8; window as usize];
        file.read_exact_at(&mut buf, pos.end - window)
            .map_err(|e| Error::io("cannot read the audit log", &path, e))?;
        if buf.last() != Some(&b'\n') {
            return Ok(false);
        }
        let body = &buf[..buf.len() - 1];
        match body.iter().rposition(|b| *b == b'\n') {
            Some(i) => return Ok(line_is(&body[i + 1..], pos)),
            None if window == pos.end => return Ok(line_is(body, pos)),
            None if window >= 1 << 20 => return Ok(false),
            None => window = (window * 4).min(pos.end),
        }
    }
}

fn line_is(line: &[u8], pos: &LogPos) -> bool {
    super::read::seq_of(line) == Some(pos.seq)
        && std::str::from_utf8(line)
            .ok()
            .and_then(super::chain::split_line)
            .is_some_and(|(_, h)| h == pos.hash)
}

/// Replays the agent's entries on the log (O(log size); when its file is missing or refused).
pub fn rebuild(
    dir: &Path,
    agent: &str,
    t: &Thresholds,
    issuer: &IssuerLookup<'_>,
) -> Result<Known> {
    let mut known = Known::default();
    let start = LogPos {
        seq: 0,
        end: 0,
        hash: super::chain::ZERO_HASH.to_string(),
    };
    replay(dir, agent, t, &start, &mut known, issuer)?;
    Ok(known)
}

/// Takes in the agent's entries after the entry `from` to the end of the log.
fn replay(
    dir: &Path,
    agent: &str,
    t: &Thresholds,
    from: &LogPos,
    known: &mut Known,
    issuer: &IssuerLookup<'_>,
) -> Result<()> {
    let Some(mut log) = LogReader::open_at(dir, from.end)? else {
        return Ok(());
    };
    // Entries of a version that did not sign them are taken as they are, but only before the
    // first signed one: after it, an unsigned admin entry was forged.
    let mut marked = from.end > 0;
    // Where the chain from `from` has got to: an entry that does not follow it (a genuine one
    // copied to the end of the log, say) lifts or resets nothing; the checks only get stricter.
    let mut chain = Some((from.seq, from.hash.as_bytes().to_vec()));
    while let Some(line) = log.next_line()? {
        if !line.complete {
            // The end of an append still being written (a reader without the lock): no more.
            break;
        }
        if !marked && super::verify::is_marked(line.bytes) {
            marked = true;
        }
        chain = chain.and_then(|(seq, hash)| super::verify::follows(line.bytes, seq, &hash));
        if !has_field(line.bytes, "agent", agent) {
            continue;
        }
        let Some(entry) = super::Entry::parse(line.bytes) else {
            continue;
        };
        if entry.agent.as_deref() != Some(agent) {
            continue;
        }
        let action = Action::parse(&entry.action);
        let admin_only = matches!(
            action,
            Some(
                Action::AgentAdd
                    | Action::AgentRemove
                    | Action::AgentResume
                    | Action::AgentEnvelope
            )
        );
        if admin_only && chain.is_none() {
            continue;
        }
        // `agent.envelope` came after entries were signed: it is never taken unsigned.
        if admin_only && (marked || action == Some(Action::AgentEnvelope)) {
            let start = line.end - line.bytes.len() as u64 - 1;
            if !super::verify::issuer_signed_at(dir, start, line.bytes, issuer)? {
                continue;
            }
        }
        match action {
            // A new agent of that name starts with no history.
            Some(Action::AgentAdd | Action::AgentRemove) => *known = Known::default(),
            Some(Action::AgentSuspend) => {
                known.suspension = Some(Suspension {
                    agent: agent.to_string(),
                    at: entry.ts.clone(),
                    reason: entry
                        .reason
                        .clone()
                        .filter(|r| !r.is_empty())
                        .unwrap_or_else(|| "suspended".into()),
                    authority: None,
                });
            }
            Some(Action::AgentResume) => known.suspension = None,
            // Its first envelope: its calls count from here. Anything recorded in its name
            // before (by a process still running for an earlier agent of that name, say) does
            // not, as the summary anchored with the envelope does not count it.
            Some(Action::AgentEnvelope) => known.activity = AgentActivity::default(),
            _ => {
                if let Some((a, o)) = Observation::of(&entry)
                    && a == agent
                {
                    known.activity.observe(agent, &o, t);
                }
            }
        }
    }
    Ok(())
}

/// Empty summaries for agents given their first envelope, anchored at `pos`: where the change
/// that writes it will end the log, so that their first calls replay nothing before it. Written
/// on every core; call with the vault lock held, after the change's entries are prepared and
/// before they are appended.
pub fn reset_many<'a>(
    dir: &Path,
    agents: impl IntoIterator<Item = (&'a str, &'a crate::sensitive::SecretText)>,
    pos: &LogPos,
) -> Vec<Error> {
    if let Err(e) = fsio::private_subdir(&dir.join(DIR)) {
        return vec![e];
    }
    // Thousands of small files for an applied policy: written on every core.
    let agents: Vec<_> = agents.into_iter().collect();
    crate::parallel::map(agents, |(agent, signing_key)| {
        let seed = KeyPair::seed_of(signing_key).ok()?;
        write(
            dir,
            agent,
            &Known::default(),
            pos,
            Some(&mac_key_of_seed(&seed)),
        )
        .err()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Stores the agent's summary as of `pos` (MAC'd with the agent's key, if this process holds it).
pub fn save(dir: &Path, agent: &str, known: &Known, pos: &LogPos) -> Result<()> {
    write(dir, agent, known, pos, mac_key(agent).as_ref())
}

/// Stores the agent's activity: overwritten in place, not fsynced (it can be rebuilt, and a torn
/// write only makes it unreadable, which rebuilds it). No rename and no truncation to zero, so
/// the write forces no flush of its own into the audit append's fsync that follows.
fn write(
    dir: &Path,
    agent: &str,
    known: &Known,
    pos: &LogPos,
    key: Option<&[u8; 32]>,
) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let target = path(dir, agent);
    let parent = dir.join(DIR);
    if !parent.is_dir() {
        fsio::private_subdir(&parent)?;
    }
    let body = body_of(&known.suspension, &known.activity);
    let cached = Cached {
        log: pos.clone(),
        suspension: known.suspension.clone(),
        activity: known.activity.clone(),
        // Without the agent's key the summary cannot be vouched for: the next call rebuilds it.
        mac: key.map_or_else(String::new, |k| mac(k, agent, pos, &body)),
    };
    let mut bytes = serde_json::to_vec(&cached).expect("activity serialises");
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
        let a = Known::default();
        let pos = LogPos::default();
        write(dir.path(), "a", &a, &pos, None).unwrap();
        let exact = std::fs::read(&file).unwrap().len();

        // A little longer before (one more field's worth): padded over, still readable.
        std::fs::write(&file, vec![b'x'; exact + 100]).unwrap();
        write(dir.path(), "a", &a, &pos, None).unwrap();
        let padded = std::fs::read(&file).unwrap();
        assert_eq!(padded.len(), exact + 100);
        assert!(serde_json::from_slice::<Cached>(&padded).is_ok());

        // Far longer before (an older, longer layout): cut down to the document.
        std::fs::write(&file, vec![b'x'; exact + 10 * PAD_LIMIT]).unwrap();
        write(dir.path(), "a", &a, &pos, None).unwrap();
        let cut = std::fs::read(&file).unwrap();
        assert_eq!(cut.len(), exact);
        assert!(serde_json::from_slice::<Cached>(&cut).is_ok());
    }
}
