//! The audit log (docs/DESIGN.md, "The audit log"): append-only JSON Lines in `audit.jsonl`,
//! hash-chained.
//!
//! Each line is one JSON object whose last member is `"hash"`. The hash is
//! `SHA-256(0x00 || line-without-hash)`, where line-without-hash is the exact bytes of the line with
//! the trailing `,"hash":"…"` member removed; every entry carries the previous entry's hash in `prev`
//! and its position in `seq`. Hashing the bytes as written (rather than a re-serialisation) means a
//! verifier needs no canonical JSON, and any edit to any byte is caught.
//!
//! The members are in a fixed order the verifier relies on:
//!
//! ```text
//! {"seq":N,"ts":"…",<event members>,"gen":G,"sig":"<key id>:<signature>","prev":"…","hash":"…"}
//! ```
//!
//! `sig` is the writer's Ed25519 signature over the line without `sig` and `hash`, and `gen` the
//! highest vault generation seen so far (see [`sign`]); an entry written by a process that holds
//! no key has no `sig`.
//!
//! Appends are O(1): the writer reads only the log's last line, under the vault lock, and makes each
//! batch durable with one `write` and one `fsync` before the command reports success (fail closed).

pub mod action;
pub mod activity;
pub mod anomaly;
pub mod chain;
pub mod group;
pub mod read;
pub mod rollback;
pub mod sign;
pub mod verify;
pub mod witness;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use action::{Action, Attempt};

pub const FILE: &str = "audit.jsonl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Denied,
    Error,
}

/// What happened, before it is given a place in the chain.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Event {
    pub actor: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<serde_json::Value>,
    pub result: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub argv_hmac: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params_hmac: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
    /// The public signing key of an agent this (issuer-signed) entry creates: how `audit verify`
    /// knows which key signs that agent's entries, also after the agent is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_key: Option<String>,
}

impl Event {
    pub fn new(actor: impl Into<String>, action: Action) -> Event {
        Event {
            actor: actor.into(),
            action,
            result: Some(Outcome::Ok),
            ..Event::default()
        }
    }

    pub fn admin(action: Action) -> Event {
        Event::new("admin", action)
    }

    #[must_use]
    pub fn agent(mut self, name: &str) -> Event {
        self.agent = Some(name.to_string());
        self
    }

    #[must_use]
    pub fn secrets<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Event {
        self.secrets = names.into_iter().map(Into::into).collect();
        self
    }

    #[must_use]
    pub fn outcome(mut self, outcome: Outcome, reason: impl Into<String>) -> Event {
        self.result = Some(outcome);
        self.reason = Some(reason.into());
        self
    }

    #[must_use]
    pub fn details(mut self, details: serde_json::Value) -> Event {
        self.details = Some(Details::Value(details));
        self
    }

    /// The event with `details` written out already (see [`Details::Text`]).
    #[must_use]
    pub fn details_text(mut self, details: Box<serde_json::value::RawValue>) -> Event {
        self.details = Some(Details::Text(details));
        self
    }

    /// The details as a JSON value, to read.
    pub fn details_value(&self) -> Option<std::borrow::Cow<'_, serde_json::Value>> {
        match self.details.as_ref()? {
            Details::Value(v) => Some(std::borrow::Cow::Borrowed(v)),
            Details::Text(t) => serde_json::from_str(t.get())
                .ok()
                .map(std::borrow::Cow::Owned),
        }
    }

    /// The details as a JSON value to change (an empty object if there were none).
    pub fn details_mut(&mut self) -> &mut serde_json::Value {
        let value = match self.details.take() {
            Some(Details::Value(v)) => v,
            Some(Details::Text(t)) => {
                serde_json::from_str(t.get()).expect("details written as JSON parse")
            }
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        match self.details.insert(Details::Value(value)) {
            Details::Value(v) => v,
            Details::Text(_) => unreachable!("inserted as a value"),
        }
    }
}

/// An event's `details`: a JSON value, or the same written out as JSON text. The many entries of
/// an applied policy carry the text, written on every core straight from the plan's steps: a
/// hundred thousand JSON values would cost more to build, hold and serialise than the text.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Details {
    Value(serde_json::Value),
    Text(Box<serde_json::value::RawValue>),
}

/// An entry as read back from the log (the fields readers use; the line itself is the record).
#[derive(Clone, Debug, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub ts: String,
    pub actor: String,
    pub action: String,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub credential_id: Option<String>,
    #[serde(default)]
    pub scope: Option<serde_json::Value>,
    #[serde(default)]
    pub result: Option<Outcome>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

impl Entry {
    pub fn parse(line: &[u8]) -> Option<Entry> {
        serde_json::from_slice(line).ok()
    }

    /// What a refusal (`deny`) was refusing: the action it names as attempted.
    pub fn attempted(&self) -> Option<&str> {
        (self.action == Action::Deny.as_str())
            .then(|| self.details.as_ref()?.get("attempted")?.as_str())
            .flatten()
    }
}

/// The serialised form: `seq` and `ts` first, then the event, `gen`, and `prev` last (the writer
/// puts `sig` before `prev` and appends `hash`; see [`sign`]).
#[derive(Serialize)]
struct EntryOut<'a> {
    seq: u64,
    ts: String,
    #[serde(flatten)]
    event: &'a Event,
    /// On the entry whose signature closes a run of carried ones: the run's first `seq` (signed,
    /// so nobody can add to the run an entry its writer did not write; see [`sign`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    carried_from: Option<u64>,
    #[serde(rename = "gen")]
    generation: u64,
    prev: &'a str,
}

/// Where the chain ends: the last entry's `seq`, `hash` and generation mark (`seq` 0, the zero
/// hash and generation 0 when empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
    /// The highest vault generation the log has seen (see [`sign`]).
    pub generation: u64,
}

impl Head {
    pub fn genesis() -> Head {
        Head {
            seq: 0,
            hash: chain::ZERO_HASH.to_string(),
            generation: 0,
        }
    }
}

/// Lines ready to append, with the head they will produce. Built and written under the vault lock.
pub struct Prepared {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Where the log's last complete line ends: a torn fragment after it (a write cut short by a
    /// crash, never reported as done) is cut off before appending.
    end: u64,
    torn: bool,
    /// The entry these lines are chained after.
    pub after: Head,
    pub head: Head,
}

/// HMAC form of a sensitive value, as stored in `argv_hmac` / `params_hmac` (and printed by
/// `audit hash`).
pub fn hmac_field(key: &crate::sensitive::SecretText, value: &[u8]) -> String {
    format!(
        "hmac-sha256:{}",
        crate::crypto::hex(&crate::crypto::hmac_sha256(
            key.expose_secret().as_bytes(),
            value
        ))
    )
}

/// Chains `events` after the log's current last entry, each signed. Call with the vault lock held.
pub fn prepare(dir: &Path, now: DateTime<Utc>, events: &[Event]) -> Result<Prepared> {
    // An admin change a crash interrupted is finished or undone before anything is chained after
    // it: undoing it may cut its entries off the log, which must then end with them.
    rollback::recover_locked(dir)?;
    prepare_with(dir, now, events, false)
}

/// At least this many entries in one admin change before a run of them shares one signature.
const CARRY_FROM: usize = 64;

/// [`prepare`] for an admin change, which may be large (an applied policy writes one entry per
/// change): from [`CARRY_FROM`] entries on, a run of up to [`sign::MAX_RUN`] consecutive entries
/// by the same key is signed once, by its last entry, whose signature covers the others through
/// the chain (see [`sign`]). Only journaled commits use it: their entries are cut off whole if
/// they do not commit, so no run is left without the entry that signs it.
pub fn prepare_change(dir: &Path, now: DateTime<Utc>, events: &[Event]) -> Result<Prepared> {
    // The change recovered any interrupted one when it took the lock: a journal now was put
    // there while it held the lock, and recovering it would delete the change's staged files.
    let journal = dir.join(crate::vault::fsio::JOURNAL);
    if journal.exists() {
        return Err(Error::bad_data(format!(
            "{} appeared while this change held the vault lock; nothing was changed",
            journal.display()
        ))
        .hint("something else writes this vault without its lock: stop it, then run the command again"));
    }
    prepare_with(dir, now, events, events.len() >= CARRY_FROM)
}

fn prepare_with(dir: &Path, now: DateTime<Utc>, events: &[Event], carry: bool) -> Result<Prepared> {
    let path = dir.join(FILE);
    let (mut head, end, torn) = read_head(&path)?;
    let after = head.clone();
    let ts = crate::clock::rfc3339(now);
    let signers: Vec<Option<(crate::crypto::KeyPair, u64)>> =
        events.iter().map(sign::signer_for).collect();
    // Everything of each entry but its `prev` (and so its signature and hash) is known before
    // the chain is: its seq, how it is sealed, its generation mark, and the event itself.
    let mut run = 0;
    let mut run_from = None;
    let mut generation = head.generation;
    let mut entries = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let seq = head.seq + 1 + i as u64;
        let signer = &signers[i];
        // Carried when the next entry is signed by the same key and the run has room for it.
        let carried = carry
            && run + 1 < sign::MAX_RUN
            && signer.as_ref().is_some_and(|(key, _)| {
                signers
                    .get(i + 1)
                    .and_then(Option::as_ref)
                    .is_some_and(|(next, _)| next.public() == key.public())
            });
        run = if carried { run + 1 } else { 0 };
        let sealing = if carried {
            run_from.get_or_insert(seq);
            Sealing::Carried
        } else {
            Sealing::Signed {
                carried_from: run_from.take(),
            }
        };
        let seen = signer
            .as_ref()
            .map_or_else(sign::seen_generation, |(_, g)| *g);
        generation = generation.max(seen);
        entries.push((seq, event, signer.as_ref(), sealing, generation));
    }
    // Those parts serialised on every core for a large change (an applied policy writes one
    // entry per change), then chained in order.
    let unchained = |(seq, event, signer, sealing, generation)| {
        unchained(seq, &ts, event, signer, sealing, generation)
    };
    let bodies = if entries.len() >= crate::admin::BULK {
        crate::parallel::map(entries.clone(), unchained)
    } else {
        entries.iter().copied().map(unchained).collect()
    };
    let mut bytes = Vec::with_capacity(
        bodies
            .iter()
            .map(|b| b.as_ref().map_or(0, |b| b.len() + 200))
            .sum(),
    );
    for ((seq, _, signer, sealing, generation), body) in entries.into_iter().zip(bodies) {
        head = chain_on(&mut bytes, &head, body?, signer, sealing, (seq, generation));
    }
    Ok(Prepared {
        path,
        bytes,
        end,
        torn,
        after,
        head,
    })
}

/// Appends one entry after `head` to `out`, signed with the key this process holds for its writer
/// (see [`sign`]), and returns the new head.
pub fn encode(out: &mut Vec<u8>, head: &Head, ts: &str, event: &Event) -> Result<Head> {
    let signer = sign::signer_for(event);
    let seq = head.seq + 1;
    let seen = signer
        .as_ref()
        .map_or_else(sign::seen_generation, |(_, g)| *g);
    let generation = seen.max(head.generation);
    let sealing = Sealing::Signed { carried_from: None };
    let body = unchained(seq, ts, event, signer.as_ref(), sealing, generation)?;
    Ok(chain_on(
        out,
        head,
        body,
        signer.as_ref(),
        sealing,
        (seq, generation),
    ))
}

/// How an entry with a signer is sealed.
#[derive(Clone, Copy)]
enum Sealing {
    /// Signed; if it closes a run of carried entries, naming the run's first `seq`.
    Signed { carried_from: Option<u64> },
    /// Signed by the entry that closes its run.
    Carried,
}

/// The length of an entry's `,"prev":"<64 hex>"}`.
const PREV_TAIL: usize = ",\"prev\":\"".len() + 64 + 2;

/// An entry serialised up to its `prev` member (left out): everything that does not depend on
/// where in the chain it goes.
fn unchained(
    seq: u64,
    ts: &str,
    event: &Event,
    signer: Option<&(crate::crypto::KeyPair, u64)>,
    sealing: Sealing,
    generation: u64,
) -> Result<String> {
    let mut body = serde_json::to_string(&EntryOut {
        seq,
        ts: ts.to_string(),
        event,
        carried_from: match sealing {
            Sealing::Signed { carried_from } if signer.is_some() => carried_from,
            _ => None,
        },
        generation,
        prev: chain::ZERO_HASH,
    })
    .map_err(|e| Error::other(format!("cannot serialise an audit entry: {e}")).with_source(e))?;
    body.truncate(body.len() - PREV_TAIL);
    Ok(body)
}

/// Appends the entry `body` (from [`unchained`]) to `out`, chained after `head`: its `prev`, its
/// signature (which covers `prev`) in front of it, and its hash. Returns the new head.
fn chain_on(
    out: &mut Vec<u8>,
    head: &Head,
    mut body: String,
    signer: Option<&(crate::crypto::KeyPair, u64)>,
    sealing: Sealing,
    (seq, generation): (u64, u64),
) -> Head {
    // `…,"prev":"<64 hex>"}`: the signature goes in front of `prev`.
    let prev_at = body.len();
    body.push_str(",\"prev\":\"");
    body.push_str(&head.hash);
    body.push_str("\"}");
    let start = out.len();
    out.extend_from_slice(&body.as_bytes()[..prev_at]);
    if let Some((key, _)) = signer {
        out.extend_from_slice(b",\"sig\":\"");
        if matches!(sealing, Sealing::Carried) {
            out.extend_from_slice(sign::carried(key).as_bytes());
        } else {
            out.extend_from_slice(sign::sign(key, body.as_bytes()).as_bytes());
        }
        out.push(b'"');
    }
    out.extend_from_slice(&body.as_bytes()[prev_at..body.len() - 1]);
    out.push(b'}');
    let hash = chain::entry_hash(&out[start..]);
    out.pop();
    out.extend_from_slice(b",\"hash\":\"");
    out.extend_from_slice(hash.as_bytes());
    out.extend_from_slice(b"\"}\n");
    Head {
        seq,
        hash,
        generation,
    }
}

impl Prepared {
    /// Where on the log these lines will begin and end.
    pub fn span(&self) -> (u64, u64) {
        (self.end, self.end + self.bytes.len() as u64)
    }

    /// Where the log will end once these lines are written: their last entry and the offset past it.
    pub fn end_position(&self) -> activity::LogPos {
        activity::LogPos {
            seq: self.head.seq,
            end: self.end + self.bytes.len() as u64,
            hash: self.head.hash.clone(),
        }
    }

    /// Appends the lines with one write and makes them durable. If this fails the caller must not
    /// report success or release anything (docs/DESIGN.md, "Fail closed").
    pub fn write(self) -> Result<Head> {
        let audit_err = |e: std::io::Error| Error::io("cannot write the audit log", &self.path, e);
        let mut file = crate::vault::fsio::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(crate::vault::fsio::FILE_MODE)
            .open(&self.path)
            .map_err(audit_err)?;
        if self.torn {
            file.set_len(self.end).map_err(audit_err)?;
        }
        if let Err(e) = file.write_all(&self.bytes).and_then(|()| file.sync_data()) {
            // Leave no partial entry behind: what was not made durable did not happen.
            let _ = file.set_len(self.end).and_then(|()| file.sync_data());
            return Err(audit_err(e));
        }
        Ok(self.head)
    }
}

/// Appends `events` now (lock held by the caller) and returns the new head.
pub fn append(dir: &Path, now: DateTime<Utc>, events: &[Event]) -> Result<Head> {
    prepare(dir, now, events)?.write()
}

/// The log's current head (`seq` 0 when empty), read from its last line only.
pub fn head(dir: &Path) -> Result<Head> {
    read_head(&dir.join(FILE)).map(|(h, _, _)| h)
}

/// The log's head and the offset just past its line.
pub fn head_and_end(dir: &Path) -> Result<(Head, u64)> {
    read_head(&dir.join(FILE)).map(|(h, end, _)| (h, end))
}

/// Is the entry `seq` with `hash` on the log? The commit point of an admin change's journal.
pub fn committed(dir: &Path, seq: u64, hash: &str) -> Result<bool> {
    Ok(hash_of(dir, seq)?.is_some_and(|h| h == hash))
}

/// The hash of the entry `seq`, if the log holds it. Reads only the end of the log: the entries
/// a recovery asks about are among the last few.
pub fn hash_of(dir: &Path, seq: u64) -> Result<Option<String>> {
    // Whole lines of a window: its first line may be cut unless the window starts the file.
    let lines = |tail: &[u8], whole: bool| -> Vec<(u64, Vec<u8>)> {
        let start = if whole {
            0
        } else {
            tail.iter()
                .position(|b| *b == b'\n')
                .map_or(tail.len(), |i| i + 1)
        };
        tail[start..]
            .split(|b| *b == b'\n')
            .filter_map(|l| read::seq_of(l).map(|s| (s, l.to_vec())))
            .collect()
    };
    let Some(tail) = read_tail(&dir.join(FILE), 16 * 1024, |tail, whole| {
        lines(tail, whole).iter().any(|(s, _)| *s <= seq)
    })?
    else {
        return Ok(None);
    };
    Ok(lines(&tail.bytes, tail.whole)
        .into_iter()
        .find(|(s, _)| *s == seq)
        .and_then(|(_, l)| {
            chain::split_line(std::str::from_utf8(&l).ok()?).map(|(_, h)| h.to_string())
        }))
}

/// The end of the log, read in growing windows (from `first` bytes, four times larger each time)
/// until `enough(window, is_whole_file)` accepts one: appends and recovery stay O(1).
struct Window {
    bytes: Vec<u8>,
    /// The file's length, and whether the window is all of it.
    len: u64,
    whole: bool,
}

fn read_tail(
    path: &Path,
    first: u64,
    mut enough: impl FnMut(&[u8], bool) -> bool,
) -> Result<Option<Window>> {
    let mut file = match crate::vault::fsio::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read the audit log", path, e)),
    };
    let len = file
        .metadata()
        .map_err(|e| Error::io("cannot read the audit log", path, e))?
        .len();
    let mut window = len.min(first);
    loop {
        file.seek(SeekFrom::Start(len - window))
            .map_err(|e| Error::io("cannot read the audit log", path, e))?;
        let mut bytes = Vec::with_capacity(window as usize);
        (&mut file)
            .take(window)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("cannot read the audit log", path, e))?;
        let whole = window == len;
        if whole || enough(&bytes, whole) {
            return Ok(Some(Window { bytes, len, whole }));
        }
        window = (window * 4).min(len);
    }
}

/// Reads the last complete line of the log, returning it with the offset just after it and whether
/// a torn fragment follows. Reads only the log's end (4 KiB, growing for larger entries): appends
/// stay O(1).
fn read_head(path: &Path) -> Result<(Head, u64, bool)> {
    // An entry is a few hundred bytes: 4 KiB nearly always holds the last one. The last complete
    // line lies between the last two newlines (or the start of the file).
    let Some(Window {
        bytes: tail,
        len,
        whole,
    }) = read_tail(path, 4 * 1024, |tail, _| {
        tail.len() >= 1024 * 1024 || tail.iter().filter(|b| **b == b'\n').count() >= 2
    })?
    else {
        return Ok((Head::genesis(), 0, false));
    };
    if len == 0 {
        return Ok((Head::genesis(), 0, false));
    }
    let window = tail.len() as u64;
    let torn = tail.last() != Some(&b'\n');
    let complete = match tail.iter().rposition(|b| *b == b'\n') {
        Some(end) => &tail[..end],
        None if whole => {
            // Nothing but a fragment: the very first write was cut short.
            return Ok((Head::genesis(), 0, true));
        }
        None => {
            return Err(Error::bad_data(format!(
                "the audit log {} has no complete entry at its end",
                path.display()
            ))
            .hint("run `agentcred audit verify` to see what is wrong with it"));
        }
    };
    let start = complete
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let last = &complete[start..];
    #[derive(Deserialize)]
    struct Tail {
        seq: u64,
        hash: String,
        #[serde(default, rename = "gen")]
        generation: u64,
    }
    let unreadable = || {
        Error::bad_data(format!(
            "the last entry of the audit log {} is unreadable",
            path.display()
        ))
        .hint("run `agentcred audit verify` to see what is wrong with it")
    };
    let tail: Tail = serde_json::from_slice(last).map_err(|_| unreadable())?;
    // The next entry names this hash as its `prev`, written as it is: it must be a hash.
    if tail.hash.len() != 64
        || !tail
            .hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(unreadable());
    }
    let end = len - window + complete.len() as u64 + 1;
    Ok((
        Head {
            seq: tail.seq,
            hash: tail.hash,
            generation: tail.generation,
        },
        end,
        torn,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_append_after_an_interrupted_change_chains_on_what_the_change_did_not_leave() {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = chrono::Utc::now();
        let first = append(dir.path(), now, &[Event::admin(Action::VaultInit)]).unwrap();
        let from = std::fs::metadata(dir.path().join(FILE)).unwrap().len();
        // Two whole lines of a change whose last entry never reached the log, then a kill.
        let partial = append(
            dir.path(),
            now,
            &[
                Event::admin(Action::GrantAdd),
                Event::admin(Action::GrantAdd),
            ],
        )
        .unwrap();
        let to = std::fs::metadata(dir.path().join(FILE)).unwrap().len() + 400;
        let journal = serde_json::json!({
            "audit_seq": partial.seq + 1, "audit_hash": "0".repeat(64),
            "audit_from": from, "audit_to": to, "renames": [], "removes": [],
        });
        crate::vault::fsio::write_atomic(
            &dir.path().join(crate::vault::fsio::JOURNAL),
            journal.to_string().as_bytes(),
        )
        .unwrap();
        // Any writer (here a mint's entry) finishes or undoes that change before appending.
        let next = append(dir.path(), now, &[Event::admin(Action::CredMint)]).unwrap();
        assert_eq!(next.seq, first.seq + 1);
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains(&format!("\"prev\":\"{}\"", first.hash)));
        assert!(!dir.path().join(crate::vault::fsio::JOURNAL).exists());
    }

    #[test]
    fn the_head_is_found_behind_entries_larger_than_the_first_read() {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = chrono::Utc::now();
        let big = Event::admin(Action::AuditCheckpoint)
            .details(serde_json::json!({ "pad": "x".repeat(20_000) }));
        append(
            dir.path(),
            now,
            &[Event::admin(Action::VaultInit), big.clone(), big],
        )
        .unwrap();
        let head = head(dir.path()).unwrap();
        assert_eq!(head.seq, 3);
        let next = append(dir.path(), now, &[Event::admin(Action::AuditCheckpoint)]).unwrap();
        assert_eq!(next.seq, 4);
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["prev"].as_str(), Some(head.hash.as_str()));
    }
}
