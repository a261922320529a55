//! `audit verify`: recompute the chain from the first entry, check every checkpoint against it,
//! and say exactly what holds (docs/DESIGN.md, "audit verify").
//!
//! The walk needs no JSON parser: every entry starts with `{"seq":N,` and ends with
//! `,"prev":"…","hash":"…"}` (the writer's fixed order), and the hash covers every other byte. A
//! line that does not have that shape is itself a finding.

use super::Action;
use std::collections::HashMap;
use std::path::Path;

use super::chain::ZERO_HASH;
use super::read::{LogReader, seq_of};
use crate::crypto::PublicKey;
use crate::error::Result;
use crate::vault::state::{Checkpoint, State};

/// A signed statement of the log's size and head, already checked to be signed by this vault.
#[derive(Clone, Debug)]
pub struct Anchor {
    pub size: u64,
    pub head: String,
    pub ts: String,
    /// Where it came from: `state` or the file it was read from.
    pub source: String,
    /// Its signer checked the writer signature of every entry it covers (a checkpoint signed
    /// under the checked domain): those signatures need not be checked again.
    pub checked: bool,
    /// Where entry `size`'s line ends in the log, if the checkpoint recorded it (a hint, confirmed
    /// against the line found there).
    pub offset: Option<u64>,
}

impl Anchor {
    /// A checkpoint already known to be authentic (its signature checked, or kept in the state);
    /// `checked`: its signer's statement that it checked the signatures is authentic too.
    pub fn of(c: &Checkpoint, source: impl Into<String>, checked: bool) -> Anchor {
        Anchor {
            size: c.size,
            head: c.head.clone(),
            ts: c.ts.clone(),
            source: source.into(),
            checked,
            offset: c.offset,
        }
    }
}

/// The first thing found wrong, named by the `seq` a reader should look at.
#[derive(Clone, Debug)]
pub struct Problem {
    pub seq: u64,
    pub line: u64,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Entries read that chain correctly (up to the problem, if any).
    pub entries: u64,
    pub head: String,
    /// The last checkpoint matched: everything up to its size is authenticated.
    pub anchored: Option<Anchor>,
    pub checkpoints_matched: usize,
    /// A last line cut short by an interrupted write (removed by the next append).
    pub torn_tail: bool,
    /// The log ended inside a run of carried entries (see [`super::sign`]).
    pub open_run: bool,
    /// Entries written without a key (`verify`, a credential holder's nested exec).
    pub unsigned: u64,
    /// The longest revocation list any entry recorded (the last entry to record it): the list
    /// must still hold it, whatever shorter list a later entry records.
    pub revocations: Option<RecordedRevocations>,
    /// The checkpoint that vouches for the writer signatures up to its size (they were not
    /// checked again); the signatures of the entries after it were.
    pub signatures_vouched: Option<Anchor>,
    pub problem: Option<Problem>,
}

impl Report {
    /// The entries whose writer signatures this walk checked: `(first, last)` seq.
    pub fn signatures_checked(&self) -> Option<(u64, u64)> {
        let from = self.signatures_vouched.as_ref().map_or(0, |a| a.size) + 1;
        (self.entries >= from).then_some((from, self.entries))
    }
}

/// An entry's record of the revocation list's head (`details.revocations`).
#[derive(Clone, Debug)]
pub struct RecordedRevocations {
    pub seq: u64,
    pub count: u64,
    pub head: String,
}

/// The `revocations` record of `line`, read without a JSON parser (the writer's member order).
fn revocations_record(line: &[u8]) -> Option<(u64, String)> {
    const AT: &[u8] = b"\"revocations\":{\"count\":";
    let start = line.windows(AT.len()).position(|w| w == AT)? + AT.len();
    let rest = &line[start..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let count = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"head\":\"")?;
    let end = rest.iter().position(|b| *b == b'"')?;
    let head = std::str::from_utf8(&rest[..end]).ok()?;
    (head.len() <= 64 && head.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (count, head.to_string()))
}

/// The parts of a stored line the walk needs.
struct Shape<'a> {
    seq: u64,
    prev: &'a [u8],
    hash: &'a [u8],
    /// Does the stored hash match the line's contents?
    intact: bool,
    /// The generation mark (`None` on a line written before entries carried one).
    generation: Option<u64>,
    /// On an entry whose signature closes a run of carried ones: the run's first `seq`.
    carried_from: Option<u64>,
    /// Where the `,"gen":` member starts (where the event's members end), when marked.
    gen_at: usize,
    /// `(key id, signature)` of a signed line.
    sig: Option<(&'a str, &'a str)>,
    /// Where the `sig` member starts and where `prev` starts: the signed bytes are the line
    /// without `[sig_at..prev_at]` and without `hash`.
    sig_at: usize,
    prev_at: usize,
    cut: usize,
}

impl Shape<'_> {
    /// Is the entry's signature carried by the next entry?
    fn carried(&self) -> bool {
        self.sig.is_some_and(|(_, s)| s == super::sign::CARRIED)
    }

    /// The digest the writer signed: the line without its `sig` and `hash` members.
    fn signed_digest(&self, line: &[u8]) -> [u8; 32] {
        crate::crypto::sha256(&[&line[..self.sig_at], &line[self.prev_at..self.cut], b"}"])
    }
}

/// `<16 hex key id>:<base64 (unpadded) of a 64-byte signature>`.
const SIG_VALUE: usize = 16 + 1 + 86;

/// `<16 hex key id>:next`: a carried signature (see [`super::sign`]).
const CARRIED_VALUE: usize = 16 + 1 + super::sign::CARRIED.len();

/// The chain members every entry ends with, `…,"prev":"<64>","hash":"<64>"}`: the stored
/// `prev` and `hash`, where `prev`'s member starts, and where `hash`'s does (`cut`).
struct Links<'a> {
    prev: &'a [u8],
    hash: &'a [u8],
    prev_at: usize,
    cut: usize,
}

fn links(line: &[u8]) -> Option<Links<'_>> {
    const HASH: &[u8] = b",\"hash\":\"";
    const PREV: &[u8] = b",\"prev\":\"";
    let n = line.len();
    if n < 2 + 64 + HASH.len() + 1 + 64 + PREV.len() || !line.ends_with(b"\"}") {
        return None;
    }
    let cut = n - 2 - 64 - HASH.len();
    let prev_start = cut - 1 - 64;
    if &line[cut..cut + HASH.len()] != HASH
        || line[cut - 1] != b'"'
        || &line[prev_start - PREV.len()..prev_start] != PREV
    {
        return None;
    }
    Some(Links {
        prev: &line[prev_start..cut - 1],
        hash: &line[cut + HASH.len()..n - 2],
        prev_at: prev_start - PREV.len(),
        cut,
    })
}

fn shape(line: &[u8]) -> Option<Shape<'_>> {
    const SIG: &[u8] = b",\"sig\":\"";
    const GEN: &[u8] = b",\"gen\":";
    let seq = seq_of(line)?;
    let Links {
        prev,
        hash,
        prev_at,
        cut,
    } = links(line)?;
    // …,"sig":"<key id>:<signature>" (or "<key id>:next", carried) just before prev, when signed.
    let sig_member = |value_len: usize| {
        let at = prev_at.checked_sub(1 + value_len + SIG.len())?;
        if line[prev_at - 1] != b'"' || &line[at..at + SIG.len()] != SIG {
            return None;
        }
        let value = std::str::from_utf8(&line[at + SIG.len()..prev_at - 1]).ok()?;
        value.split_once(':').map(|pair| (pair, at))
    };
    let (sig, sig_at) = match sig_member(SIG_VALUE)
        .or_else(|| sig_member(CARRIED_VALUE).filter(|((_, s), _)| *s == super::sign::CARRIED))
    {
        Some((pair, at)) => (Some(pair), at),
        None => (None, prev_at),
    };
    // …,"gen":<digits> before that.
    let digits = line[..sig_at]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let marked = digits > 0 && digits < 20 && line[..sig_at - digits].ends_with(GEN);
    let gen_at = if marked {
        sig_at - digits - GEN.len()
    } else {
        sig_at
    };
    let mark_value = marked
        .then(|| {
            std::str::from_utf8(&line[sig_at - digits..sig_at])
                .ok()?
                .parse()
                .ok()
        })
        .flatten();
    // …,"carried_from":<digits> before that, on an entry that closes a run.
    let carried_from = marked
        .then(|| {
            const FROM: &[u8] = b",\"carried_from\":";
            let members = &line[..gen_at];
            let digits = members
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let at = members.len() - digits;
            (digits > 0 && digits < 20 && members[..at].ends_with(FROM))
                .then(|| std::str::from_utf8(&members[at..]).ok()?.parse().ok())
                .flatten()
        })
        .flatten();
    let digest = crate::crypto::sha256(&[&[0u8], &line[..cut], b"}"]);
    let mut hex = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        hex[2 * i] = DIGITS[(b >> 4) as usize];
        hex[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    Some(Shape {
        seq,
        prev,
        hash,
        intact: hex[..] == *hash,
        generation: mark_value,
        carried_from,
        gen_at,
        sig,
        sig_at,
        prev_at,
        cut,
    })
}

/// The keys entries may be signed with: the vault's issuer keys (any entry), and each agent's
/// signing key (that agent's own entries only). Agents' keys also come from the log itself, from
/// the issuer-signed `agent.add` that created them, so entries of removed agents still verify.
#[derive(Clone, Default)]
pub struct Keys {
    pub issuer: HashMap<String, PublicKey>,
    pub agents: HashMap<String, (String, PublicKey)>,
    /// The state's agents and their keys, as the state spells them: an admin change checks
    /// only the few entries since the last checkpoint, mostly its own, so the keys are indexed
    /// by id only once an entry names an agent key, and each parsed (a point decompression)
    /// only once an entry names it. Over 10,000 agents, doing either for all of them up front
    /// costs more than the rest of the check.
    of_state: Vec<(String, String)>,
    unparsed: HashMap<String, (String, [u8; 32])>,
}

impl Keys {
    pub fn add_issuer(&mut self, key: PublicKey) {
        self.issuer.insert(key.key_id(), key);
    }

    pub fn add_agent(&mut self, agent: &str, key: PublicKey) {
        self.agents.insert(key.key_id(), (agent.to_string(), key));
    }

    /// The keys the state knows: its issuer keys and its agents' signing keys.
    pub fn of_state(state: &State) -> Keys {
        let mut keys = Keys::default();
        for k in &state.issuer_keys {
            if let Some(p) = PublicKey::parse(&k.public_key) {
                keys.add_issuer(p);
            }
        }
        keys.of_state = state
            .agents
            .values()
            .map(|a| (a.name.clone(), a.public_key.clone()))
            .collect();
        keys
    }

    /// The agent and its key that key id `id` names, if it is one of the agents' keys.
    fn agent(&mut self, id: &str) -> Option<&(String, PublicKey)> {
        for (agent, key) in self.of_state.drain(..) {
            let Some(bytes) = crate::crypto::unb64(&key).and_then(|b| <[u8; 32]>::try_from(b).ok())
            else {
                continue;
            };
            // `PublicKey::key_id`, without parsing the key.
            let id = crate::crypto::hex(&crate::crypto::sha256(&[&bytes])[..8]);
            self.unparsed.insert(id, (agent, bytes));
        }
        if !self.agents.contains_key(id)
            && let Some((agent, bytes)) = self.unparsed.remove(id)
            && let Some(key) = PublicKey::parse(&crate::crypto::b64(&bytes))
        {
            self.agents.insert(id.to_string(), (agent, key));
        }
        self.agents.get(id)
    }
}

/// What the walk checks beyond the chain.
#[derive(Clone, Default)]
pub struct Expect {
    pub keys: Keys,
    /// The generation of the vault's files: no entry may record a newer one.
    pub generation: Option<u64>,
    /// Check every entry's signature, also those a checked checkpoint vouches for.
    pub all_signatures: bool,
}

/// The members a signature check needs, parsed (strictly: a duplicated member is refused).
#[derive(serde::Deserialize)]
struct Who {
    actor: String,
    action: String,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    agent_key: Option<String>,
}

/// A signature waiting to be checked (they are checked in batches, on both cores).
struct Pending {
    seq: u64,
    line: u64,
    key: PublicKey,
    digest: [u8; 32],
    sig: String,
}

/// Checks the pending signatures; the first bad one (lowest seq) is the problem.
fn check_signatures(pending: &mut Vec<Pending>) -> Option<Problem> {
    // In batches (several times cheaper per signature); one by one only in a batch that fails,
    // to name the entry.
    let check = |all: &[Pending]| {
        all.chunks(1024).find_map(|batch| {
            let items: Vec<_> = batch
                .iter()
                .map(|p| (p.key, p.digest, p.sig.as_str()))
                .collect();
            if PublicKey::verify_digests(super::sign::DOMAIN, &items) {
                return None;
            }
            batch
                .iter()
                .find(|p| !p.key.verify_digest(super::sign::DOMAIN, &p.digest, &p.sig))
                .map(|p| (p.seq, p.line))
        })
    };
    let (a, b) = pending.split_at(pending.len() / 2);
    let bad = if pending.len() >= 64 {
        std::thread::scope(|s| {
            let first = s.spawn(|| check(a));
            let second = check(b);
            first
                .join()
                .expect("a signature check does not panic")
                .or(second)
        })
    } else {
        check(pending)
    };
    pending.clear();
    bad.map(|(seq, line)| Problem {
        seq,
        line,
        message: format!(
            "seq {seq} is not signed by its writer: its signature does not match its contents (it was edited, forged or re-attributed)"
        ),
    })
}

/// How many signatures are collected before a batch is checked.
const BATCH: usize = 8192;

/// Walks the whole log. `anchors` may be in any order; `progress` is called with bytes read.
///
/// Besides the chain, every entry must be signed by a key allowed to write it (see
/// [`super::sign`]), its generation mark must not go down, and no entry may record a newer vault
/// generation than `expect.generation` (the vault's files were rolled back).
///
/// The chain is checked from the first entry to the last, and every checkpoint against it. The
/// writer signatures of the entries up to the last checked checkpoint are not checked again
/// (unless `expect.all_signatures`): its signer checked them before signing it, and the chain
/// matching it proves that none of them changed since. Entries after it are checked one by one.
pub fn verify(
    dir: &Path,
    anchors: &[Anchor],
    expect: Expect,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let report = walk(dir, anchors, expect.clone(), None, progress)?;
    if !report.open_run {
        return Ok(report);
    }
    // A large change's append may be under way (one write, read here in part): wait for the
    // writer's lock, finishing or undoing a change a crash interrupted, and read again. If the
    // lock stays busy, that is the answer (exit 75, try again): the run may be an append in
    // progress, not a forgery.
    super::rollback::settle(dir)?;
    walk(dir, anchors, expect, None, progress)
}

/// Checks the entries no checked checkpoint vouches for yet, as whoever signs the next
/// checkpoint must first: their chain from the last checked checkpoint on, and their writer
/// signatures. Reads only from where that checkpoint's entry ends when the offset it recorded
/// still holds that entry; otherwise (an older checkpoint, a log rewritten) walks the whole log,
/// hashing every entry and checking the signatures after the checkpoint.
///
/// A problem found from the middle is confirmed by a walk from the start, which names it the
/// same way `audit verify` does, and also knows the keys of agents removed before the
/// checkpoint whose running programs wrote entries after it.
pub fn since_checked(dir: &Path, anchors: &[Anchor], expect: Expect) -> Result<Report> {
    let last = anchors.iter().filter(|a| a.checked).max_by_key(|a| a.size);
    if let Some(a) = last
        && let Some(offset) = a.offset
        && let Some(line) = line_ending_at(dir, offset)?
        && let Some(s) = shape(&line)
        && s.intact
        && s.seq == a.size
        && s.hash == a.head.as_bytes()
    {
        let resume = Resume {
            anchor: a.clone(),
            offset,
            mark: s.generation,
        };
        let later: Vec<Anchor> = anchors
            .iter()
            .filter(|x| x.size >= a.size)
            .cloned()
            .collect();
        let report = walk(dir, &later, expect.clone(), Some(resume), &mut |_, _| {})?;
        if report.problem.is_none() {
            return Ok(report);
        }
    }
    walk(dir, anchors, expect, None, &mut |_, _| {})
}

/// Where a walk starts when not at the first entry: just past entry `anchor.size` (an authentic
/// checkpoint), whose line ends at `offset` and carries the generation mark `mark`.
struct Resume {
    anchor: Anchor,
    offset: u64,
    mark: Option<u64>,
}

/// The line that ends (with its newline) at `offset`, if the log has one there.
fn line_ending_at(dir: &Path, offset: u64) -> Result<Option<Vec<u8>>> {
    use std::io::{Read, Seek, SeekFrom};
    let path = dir.join(super::FILE);
    let io = |e| crate::error::Error::io("cannot read the audit log", &path, e);
    let mut file = match crate::vault::fsio::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let len = file.metadata().map_err(io)?.len();
    if offset == 0 || offset > len {
        return Ok(None);
    }
    let mut window = offset.min(4096);
    loop {
        file.seek(SeekFrom::Start(offset - window)).map_err(io)?;
        let mut bytes = Vec::with_capacity(window as usize);
        (&mut file)
            .take(window)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 != window || bytes.last() != Some(&b'\n') {
            return Ok(None);
        }
        bytes.pop();
        if let Some(i) = bytes.iter().rposition(|b| *b == b'\n') {
            return Ok(Some(bytes.split_off(i + 1)));
        }
        if window == offset {
            return Ok(Some(bytes));
        }
        if window > super::read::MAX_LINE {
            return Ok(None);
        }
        window = (window * 4).min(offset);
    }
}

fn walk(
    dir: &Path,
    anchors: &[Anchor],
    mut expect: Expect,
    resume: Option<Resume>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let mut anchors: Vec<&Anchor> = anchors.iter().collect();
    anchors.sort_by_key(|a| a.size);
    // Entries from before entries were signed are accepted only where a checkpoint covers them.
    let legacy_limit = anchors.last().map_or(0, |a| a.size);
    let mut next_anchor = 0;
    let mut report = Report {
        head: ZERO_HASH.to_string(),
        ..Report::default()
    };
    // The signatures a checked checkpoint vouches for (the walk fails if the chain does not
    // reach it or does not match it).
    if !expect.all_signatures {
        report.signatures_vouched = anchors
            .iter()
            .rev()
            .find(|a| a.checked)
            .map(|a| (*a).clone());
    }
    let vouched_to = report.signatures_vouched.as_ref().map_or(0, |a| a.size);
    let opened = match &resume {
        Some(r) => LogReader::open_at(dir, r.offset)?,
        None => LogReader::open(dir)?,
    };
    let Some(mut log) = opened else {
        if let Some(a) = anchors.iter().find(|a| a.size > 0) {
            report.problem = Some(Problem {
                seq: 1,
                line: 1,
                message: format!(
                    "the audit log is missing, but a checkpoint signed at {} covers {} entries",
                    a.ts, a.size
                ),
            });
        }
        return Ok(report);
    };
    let total = log.len;
    let mut expected: u64 = 1;
    let mut head: Vec<u8> = ZERO_HASH.as_bytes().to_vec();
    // A line the walk could not place, kept for a look at the one after it.
    let mut pending: Option<(Vec<u8>, u64)> = None;
    let mut signatures: Vec<Pending> = Vec::with_capacity(BATCH);
    // The generation mark so far, whether marked entries have begun, and the first entry that
    // recorded a generation newer than the vault's files.
    let mut mark: u64 = 0;
    let mut marked = false;
    let mut newer: Option<(u64, u64, u64)> = None;
    if let Some(r) = &resume {
        expected = r.anchor.size + 1;
        head = r.anchor.head.as_bytes().to_vec();
        log.line_no = r.anchor.size;
        report.entries = r.anchor.size;
        report.anchored = Some(r.anchor.clone());
        if let Some(g) = r.mark {
            mark = g;
            marked = true;
        }
        next_anchor = anchors
            .iter()
            .take_while(|a| a.size <= r.anchor.size)
            .count();
    }
    // The first entry whose writer is wrong: the walk goes on, as the lines after it may show
    // that it was inserted or moved, which says more.
    let mut deferred: Option<Problem> = None;
    let mut run: Option<Run> = None;
    // A problem found by the walk: a bad signature or writer on an earlier entry is reported
    // first, what the chain shows at the same seq before either.
    macro_rules! fail {
        ($problem:expr) => {{
            let mut problem = $problem;
            for q in [deferred.take(), check_signatures(&mut signatures)]
                .into_iter()
                .flatten()
            {
                if q.seq < problem.seq {
                    problem = q;
                }
            }
            report.problem = Some(problem);
            return Ok(finish(report, &head));
        }};
    }
    loop {
        if log.line_no % 65_536 == 0 {
            progress(log.offset, total);
        }
        let Some(line) = log.next_line()? else { break };
        let line_no = line.no;
        if !line.complete {
            report.torn_tail = true;
            break;
        }
        if let Some((held, held_no)) = pending.take() {
            fail!(diagnose_with_next(
                &held, held_no, line.bytes, expected, &head,
            ));
        }
        let Some(s) = shape(line.bytes) else {
            fail!(Problem {
                seq: expected,
                line: line_no,
                message: format!(
                    "line {line_no} (where seq {expected} belongs) is not an audit entry: it was damaged or written by something else"
                ),
            });
        };
        if !s.intact {
            let claim = if s.seq == expected {
                String::new()
            } else {
                format!(" (the line now claims seq {})", s.seq)
            };
            fail!(Problem {
                seq: expected,
                line: line_no,
                message: format!(
                    "seq {expected} was altered{claim}: its hash does not match its contents"
                ),
            });
        }
        if s.seq == expected && s.prev == head.as_slice() {
            let writer = if expected <= vouched_to {
                vouched_writer(&s, line.bytes, &mut expect.keys, &mut report.unsigned);
                Ok(())
            } else {
                check_writer(
                    &s,
                    line.bytes,
                    &mut expect.keys,
                    &mut signatures,
                    line_no,
                    (!marked).then_some(legacy_limit),
                    &mut report.unsigned,
                )
            };
            if let Err(message) = writer
                && deferred.is_none()
            {
                deferred = Some(Problem {
                    seq: expected,
                    line: line_no,
                    message,
                });
            }
            if expected > vouched_to
                && let Some(p) = Run::step(&mut run, &s, line_no)
                && deferred.is_none()
            {
                deferred = Some(p);
            }
            if let Some(g) = s.generation {
                if g < mark {
                    fail!(Problem {
                        seq: expected,
                        line: line_no,
                        message: format!(
                            "seq {expected} lowers the vault generation the log has seen from {mark} to {g}: it was forged after older vault files were put back"
                        ),
                    });
                }
                mark = g;
                marked = true;
                if newer.is_none() && expect.generation.is_some_and(|files| g > files) {
                    newer = Some((expected, line_no, g));
                }
            }
            if signatures.len() >= BATCH
                && let Some(p) = check_signatures(&mut signatures)
            {
                report.problem = Some(deferred.filter(|d| d.seq <= p.seq).unwrap_or(p));
                return Ok(finish(report, &head));
            }
            if let Some((count, recorded)) = revocations_record(line.bytes)
                && report.revocations.as_ref().is_none_or(|r| count >= r.count)
            {
                report.revocations = Some(RecordedRevocations {
                    seq: expected,
                    count,
                    head: recorded,
                });
            }
            head.clear();
            head.extend_from_slice(s.hash);
            report.entries = expected;
            while let Some(a) = anchors.get(next_anchor).filter(|a| a.size <= expected) {
                if a.size == expected && a.head.as_bytes() != head.as_slice() {
                    // The strongest finding: a signed checkpoint says the whole range since the
                    // previous one was rewritten (whatever entry in it is the first bad one).
                    let after = report.anchored.as_ref().map_or(0, |x| x.size);
                    report.problem = Some(Problem {
                        seq: expected,
                        line: line_no,
                        message: format!(
                            "the log up to seq {expected} does not match the checkpoint signed at {} ({}): entries after seq {after} were rewritten",
                            a.ts, a.source
                        ),
                    });
                    return Ok(finish(report, &head));
                }
                if a.size == expected {
                    report.checkpoints_matched += 1;
                    report.anchored = Some((*a).clone());
                }
                next_anchor += 1;
            }
            expected += 1;
            continue;
        }
        if s.seq > expected {
            // Deleted, or swapped with the next one: the next line tells.
            pending = Some((line.bytes.to_vec(), line_no));
            continue;
        }
        fail!(misplaced(&s, line_no, expected, &head));
    }
    if let Some((held, held_no)) = pending {
        let s = shape(&held).expect("held lines have the entry shape");
        fail!(missing(s.seq, held_no, expected));
    }
    if let Some(r) = run.take()
        && deferred.as_ref().is_none_or(|d| d.seq > r.first)
    {
        report.open_run = true;
        deferred = Some(r.unclosed(expected - 1));
    }
    if let Some(p) = check_signatures(&mut signatures) {
        report.problem = Some(deferred.filter(|d| d.seq <= p.seq).unwrap_or(p));
        return Ok(finish(report, &head));
    }
    if let Some(p) = deferred {
        report.problem = Some(p);
        return Ok(finish(report, &head));
    }
    progress(total, total);
    let entries = expected - 1;
    if let Some(a) = anchors.iter().rev().find(|a| a.size > entries) {
        let how = if report.torn_tail {
            "its last line is cut short"
        } else {
            "the log was truncated"
        };
        report.problem = Some(Problem {
            seq: entries + 1,
            line: entries + 1,
            message: format!(
                "the log ends at seq {entries}, but the checkpoint signed at {} ({}) covers {} entries: seq {} to {} were cut off ({how})",
                a.ts,
                a.source,
                a.size,
                entries + 1,
                a.size
            ),
        });
    } else if let (Some((seq, line, g)), Some(files)) = (newer, expect.generation) {
        report.problem = Some(Problem {
            seq,
            line,
            message: format!(
                "seq {seq} records vault generation {g}, but the vault's files are at generation {files}: they were rolled back to an older copy"
            ),
        });
    }
    Ok(finish(report, &head))
}

/// An entry a checked checkpoint vouches for: its writer was checked by the checkpoint's signer.
/// Only what the entries after it need is taken from it: the agent key an issuer-signed entry
/// introduces, and whether it was written without a key.
fn vouched_writer(s: &Shape<'_>, line: &[u8], keys: &mut Keys, unsigned: &mut u64) {
    /// The event's last member, just before `gen`.
    const AGENT_KEY: &[u8] = b",\"agent_key\":\"";
    match s.sig {
        None => {
            if s.generation.is_some() {
                *unsigned += 1;
            }
        }
        Some((id, _)) if keys.issuer.contains_key(id) => {
            let members = &line[..s.gen_at];
            if !line_has(&members[members.len().saturating_sub(128)..], AGENT_KEY) {
                return;
            }
            if let Ok(Who {
                agent: Some(agent),
                agent_key: Some(k),
                ..
            }) = serde_json::from_slice(line)
                && let Some(k) = PublicKey::parse(&k)
            {
                keys.add_agent(&agent, k);
            }
        }
        Some(_) => {}
    }
}

/// Is the entry written by someone allowed to write it? Queues its signature for checking.
fn check_writer(
    s: &Shape<'_>,
    line: &[u8],
    keys: &mut Keys,
    signatures: &mut Vec<Pending>,
    line_no: u64,
    // Up to where unsigned entries of an older version are vouched for by a checkpoint (`None`
    // once signed entries have begun).
    legacy_limit: Option<u64>,
    unsigned: &mut u64,
) -> std::result::Result<(), String> {
    let seq = s.seq;
    let who = || -> std::result::Result<Who, String> {
        serde_json::from_slice(line)
            .map_err(|_| format!("seq {seq} is not a well-formed audit entry"))
    };
    let Some((id, sig)) = s.sig else {
        if let (None, Some(limit)) = (s.generation, legacy_limit) {
            // Written before entries were signed: only a checkpoint vouches for it.
            return if seq <= limit {
                Ok(())
            } else {
                Err(format!(
                    "seq {seq} is unsigned and no checkpoint covers it: it was forged, or written by an older version after the last checkpoint"
                ))
            };
        }
        let w = who()?;
        return if super::sign::keyless_may_write(&w.actor, &w.action) {
            *unsigned += 1;
            Ok(())
        } else {
            Err(format!(
                "seq {seq} ({} by {}) is not signed: only `verify` and a credential holder's nested exec write entries without a key; it was forged",
                w.action, w.actor,
            ))
        };
    };
    if s.generation.is_none() {
        return Err(format!(
            "seq {seq} is signed but carries no generation: it was damaged"
        ));
    }
    let key = if let Some(key) = keys.issuer.get(id) {
        let key = *key;
        if line_has(line, b"\"agent_key\":") {
            let w = who()?;
            if let (Some(agent), Some(k)) = (w.agent, w.agent_key.as_deref()) {
                let k = PublicKey::parse(k)
                    .ok_or_else(|| format!("seq {seq} names a malformed agent key"))?;
                keys.add_agent(&agent, k);
            }
        }
        key
    } else if let Some((agent, key)) = keys.agent(id) {
        let w = who()?;
        // `cred.revoke` is also written by the agent that delegated the credential.
        if w.agent.as_deref() != Some(agent.as_str()) && w.action != Action::CredRevoke {
            return Err(format!(
                "seq {seq} is signed with agent {agent}'s key but is attributed to {} (by {}): it was re-attributed",
                w.agent.as_deref().unwrap_or("no agent"),
                w.actor
            ));
        }
        if !super::sign::agent_may_sign(&w.action) {
            return Err(format!(
                "seq {seq} ({} by {}) is signed with agent {agent}'s key, which may not sign it: only the issuer key may; it was forged",
                w.action, w.actor
            ));
        }
        *key
    } else {
        return Err(format!(
            "seq {seq} is signed with a key this vault does not know ({id}): it was forged"
        ));
    };
    // A carried signature is checked with the entry that closes its run (see [`Run`]).
    if !s.carried() {
        signatures.push(Pending {
            seq,
            line: line_no,
            key,
            digest: s.signed_digest(line),
            sig: sig.to_string(),
        });
    }
    Ok(())
}

/// Entries whose signature a later entry carries, not yet closed by it (see [`super::sign`]).
struct Run {
    key: String,
    first: u64,
    line: u64,
    len: usize,
}

impl Run {
    /// Follows the carried runs across the entry `s`: a problem when an open run is not continued
    /// or closed by an entry signed with its key, or grows longer than a writer makes one.
    fn step(open: &mut Option<Run>, s: &Shape<'_>, line_no: u64) -> Option<Problem> {
        let key = s.sig.map(|(id, _)| id);
        let Some(run) = open.as_mut() else {
            if let Some(from) = s.carried_from {
                return Some(Problem {
                    seq: s.seq,
                    line: line_no,
                    message: format!(
                        "seq {} says its signature covers the entries from seq {from}, but none before it leaves its signature to it: it was forged or the entries were removed",
                        s.seq
                    ),
                });
            }
            if let (true, Some(key)) = (s.carried(), key) {
                *open = Some(Run {
                    key: key.to_string(),
                    first: s.seq,
                    line: line_no,
                    len: 1,
                });
            }
            return None;
        };
        if key != Some(run.key.as_str()) {
            let run = open.take()?;
            return Some(Problem {
                seq: run.first,
                line: run.line,
                message: format!(
                    "seq {} to {} leave their signature to the next entry, but seq {} is not signed with their key ({}): entries were forged, removed or moved",
                    run.first,
                    s.seq - 1,
                    s.seq,
                    run.key
                ),
            });
        }
        run.len += 1;
        if run.len > super::sign::MAX_RUN {
            let run = open.take()?;
            return Some(Problem {
                seq: run.first,
                line: run.line,
                message: format!(
                    "seq {} starts a run of more than {} entries that leave their signature to a later one: no writer makes one; they were forged",
                    run.first,
                    super::sign::MAX_RUN
                ),
            });
        }
        if !s.carried() {
            let run = open.take()?;
            // The closing signature names where the run starts: entries put in front of a run
            // (or of a single signed entry) by someone without the key are not covered by it.
            if s.carried_from != Some(run.first) {
                return Some(Problem {
                    seq: run.first,
                    line: run.line,
                    message: format!(
                        "seq {} to {} leave their signature to seq {}, which does not sign them (it covers {}): they were forged",
                        run.first,
                        s.seq - 1,
                        s.seq,
                        s.carried_from.map_or_else(
                            || "no earlier entry".to_string(),
                            |f| format!("the entries from seq {f}")
                        )
                    ),
                });
            }
        }
        None
    }

    /// The log ended inside a run.
    fn unclosed(self, last: u64) -> Problem {
        Problem {
            seq: self.first,
            line: self.line,
            message: format!(
                "seq {} to {last} leave their signature to a later entry, but the log ends before one signs them: they were forged, or the entry that signs them was cut off",
                self.first
            ),
        }
    }
}

/// For readers that follow the log from a known entry: if `line` is an entry that follows the
/// entry `seq` whose hash is `hash` (its `seq` is the next, its `prev` that hash), its own `seq`
/// and stored hash. Nothing is hashed: an entry copied from elsewhere in the log keeps its signed
/// `seq`, which is never the next one, and a reader acting on an entry checks that entry itself.
pub fn follows(line: &[u8], seq: u64, hash: &[u8]) -> Option<(u64, Vec<u8>)> {
    let l = links(line).filter(|l| l.prev == hash)?;
    let own = seq_of(line)?;
    (own == seq + 1).then(|| (own, l.hash.to_vec()))
}

/// Is `line` an intact entry signed by a key `issuer` knows? For readers that act on an admin
/// entry without verifying the whole log (the live checks lifting a suspension). A carried
/// signature does not count here: see [`issuer_signed_at`].
pub fn issuer_signed(line: &[u8], issuer: &dyn Fn(&str) -> Option<PublicKey>) -> bool {
    let Some(s) = shape(line) else {
        return false;
    };
    let Some((id, sig)) = s.sig else {
        return false;
    };
    s.intact
        && !s.carried()
        && issuer(id)
            .is_some_and(|k| k.verify_digest(super::sign::DOMAIN, &s.signed_digest(line), sig))
}

/// [`issuer_signed`] for `line`, read from the log at offset `start`: a carried signature counts
/// when the entries after it, up to the one that signs its run, each link to the one before and
/// are written with the same issuer key, and that one's signature is good. Reads at most
/// [`super::sign::MAX_RUN`] lines ahead.
pub fn issuer_signed_at(
    dir: &Path,
    start: u64,
    line: &[u8],
    issuer: &dyn Fn(&str) -> Option<PublicKey>,
) -> Result<bool> {
    let Some(s) = shape(line) else {
        return Ok(false);
    };
    let (true, Some((id, _))) = (s.carried(), s.sig) else {
        return Ok(issuer_signed(line, issuer));
    };
    if !s.intact || issuer(id).is_none() {
        return Ok(false);
    }
    let Some(mut log) = LogReader::open_at(dir, start)? else {
        return Ok(false);
    };
    if log.next_line()?.is_none_or(|l| l.bytes != line) {
        return Ok(false);
    }
    let mut hash = s.hash.to_vec();
    // Each entry up to the signing one follows the one before in `seq` as in the chain, so the
    // signed `seq` of the signing entry fixes this one's, which its run must reach back to.
    let mut seq = s.seq;
    for _ in 1..super::sign::MAX_RUN {
        let Some(next) = log.next_line()? else {
            return Ok(false);
        };
        let Some(n) = shape(next.bytes).filter(|n| next.complete && n.intact) else {
            return Ok(false);
        };
        seq += 1;
        if n.seq != seq || n.prev != hash.as_slice() || n.sig.map(|(k, _)| k) != Some(id) {
            return Ok(false);
        }
        if !n.carried() {
            // It signs the run it names, which must reach back to the entry in question.
            return Ok(n.carried_from.is_some_and(|from| from <= s.seq)
                && issuer_signed(next.bytes, issuer));
        }
        hash = n.hash.to_vec();
    }
    Ok(false)
}

/// Was `line` written by a version that marks entries (it carries a generation)?
pub fn is_marked(line: &[u8]) -> bool {
    shape(line).is_some_and(|s| s.generation.is_some())
}

fn line_has(line: &[u8], needle: &[u8]) -> bool {
    line.windows(needle.len()).any(|w| w == needle)
}

fn finish(mut report: Report, head: &[u8]) -> Report {
    report.head = String::from_utf8_lossy(head).into_owned();
    report
}

/// A line whose seq is at or below the one expected, or that does not link.
fn misplaced(s: &Shape<'_>, line_no: u64, expected: u64, head: &[u8]) -> Problem {
    let (seq, message) = if s.seq == expected {
        (
            expected,
            format!(
                "seq {expected} does not follow seq {}: its prev is not that entry's hash (an entry was replaced or inserted here)",
                expected - 1
            ),
        )
    } else if s.seq + 1 == expected && s.hash == head {
        (
            s.seq,
            format!(
                "seq {} appears twice (lines {} and {line_no}): an entry was duplicated",
                s.seq,
                line_no - 1
            ),
        )
    } else if s.seq + 1 == expected {
        (
            s.seq,
            format!(
                "two different entries claim seq {} (lines {} and {line_no}): one was inserted",
                s.seq,
                line_no - 1
            ),
        )
    } else {
        (
            expected,
            format!(
                "seq {} appears again at line {line_no}, where seq {expected} belongs: an entry was copied or moved",
                s.seq
            ),
        )
    };
    Problem {
        seq,
        line: line_no,
        message,
    }
}

fn missing(found: u64, line_no: u64, expected: u64) -> Problem {
    let what = if found == expected + 1 {
        format!("seq {expected} is missing")
    } else {
        format!("seq {expected} to {} are missing", found - 1)
    };
    Problem {
        seq: expected,
        line: line_no,
        message: format!("{what} (line {line_no} holds seq {found}): entries were deleted"),
    }
}

/// A line claiming a later seq than expected, judged with the line after it.
fn diagnose_with_next(
    held: &[u8],
    held_no: u64,
    next: &[u8],
    expected: u64,
    head: &[u8],
) -> Problem {
    let s = shape(held).expect("held lines have the entry shape");
    match shape(next) {
        Some(n) if n.intact && n.seq == expected && n.prev == head => {
            if s.prev == n.hash {
                Problem {
                    seq: expected,
                    line: held_no,
                    message: format!(
                        "seq {expected} and seq {} are swapped (lines {held_no} and {}): entries were reordered",
                        s.seq,
                        held_no + 1
                    ),
                }
            } else {
                Problem {
                    seq: expected,
                    line: held_no,
                    message: format!(
                        "line {held_no} holds an entry claiming seq {} before seq {expected}: it was inserted",
                        s.seq
                    ),
                }
            }
        }
        _ => missing(s.seq, held_no, expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One issuer key for every test (the key a process holds is process-wide).
    fn issuer() -> crate::crypto::KeyPair {
        let seed = crate::sensitive::SecretText::new(crate::crypto::b64(&[7u8; 32]));
        crate::crypto::KeyPair::from_secret(&seed).unwrap()
    }

    fn expect() -> Expect {
        let mut e = Expect::default();
        e.keys.add_issuer(issuer().public());
        e
    }

    fn log(n: usize) -> (tempfile::TempDir, Vec<String>) {
        super::super::sign::hold_issuer(issuer(), 1);
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = chrono::Utc::now();
        let events: Vec<_> = (0..n)
            .map(|i| {
                super::super::Event::admin(super::super::Action::AuditCheckpoint)
                    .details(serde_json::json!({ "i": i }))
            })
            .collect();
        super::super::append(dir.path(), now, &events).unwrap();
        let text = std::fs::read_to_string(dir.path().join(super::super::FILE)).unwrap();
        (dir, text.lines().map(str::to_string).collect())
    }

    fn write(dir: &tempfile::TempDir, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        let path = dir.path().join(super::super::FILE);
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    fn check(dir: &tempfile::TempDir) -> Report {
        verify(dir.path(), &[], expect(), &mut |_, _| {}).unwrap()
    }

    /// `n` admin entries written as one large change: runs whose signature a later entry carries.
    fn change_log(n: usize) -> (tempfile::TempDir, Vec<String>) {
        super::super::sign::hold_issuer(issuer(), 1);
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let events: Vec<_> = (0..n)
            .map(|i| {
                super::super::Event::admin(super::super::Action::GrantAdd)
                    .agent("alpha")
                    .details(serde_json::json!({ "i": i }))
            })
            .collect();
        super::super::prepare_change(dir.path(), chrono::Utc::now(), &events)
            .unwrap()
            .write()
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join(super::super::FILE)).unwrap();
        (dir, text.lines().map(str::to_string).collect())
    }

    fn carried(line: &str) -> bool {
        shape(line.as_bytes()).unwrap().carried()
    }

    #[test]
    fn a_large_change_signs_each_run_once_and_verifies() {
        let (dir, lines) = change_log(600);
        let signed: Vec<usize> = (0..lines.len()).filter(|i| !carried(&lines[*i])).collect();
        // Runs of 256 entries (255 carried, then the one that signs them), and the rest.
        assert_eq!(signed, vec![255, 511, 599]);
        assert!(lines[0].contains(&format!("\"sig\":\"{}:next\"", issuer().public().key_id())));
        let r = check(&dir);
        assert!(r.problem.is_none(), "{:?}", r.problem);
        assert_eq!((r.entries, r.unsigned), (600, 0));
        // A small change signs every entry.
        let (_, small) = change_log(10);
        assert!(small.iter().all(|l| !carried(l)));
    }

    #[test]
    fn a_carried_run_without_the_entry_that_signs_it_is_refused() {
        let (dir, lines) = change_log(100);
        // Cut after seq 50: the rest of the run, and its signature, are gone.
        write(&dir, &lines[..50]);
        let p = check(&dir).problem.expect("refused");
        assert_eq!(p.seq, 1, "{}", p.message);
        assert!(
            p.message.contains("the log ends before one signs them"),
            "{}",
            p.message
        );
        // Closed by an entry the issuer did not sign (one written without a key, as `verify`
        // does): refused, though the chain links.
        let mut forged = lines[..50].to_vec();
        let body = format!(
            r#"{{"seq":51,"ts":"2026-01-01T00:00:00.000Z","actor":"agent:alpha","action":"verify","gen":1,"prev":"{}"}}"#,
            hash_of(&forged[49])
        );
        forged.push(with_hash(&body));
        write(&dir, &forged);
        let p = check(&dir).problem.expect("refused");
        assert_eq!(p.seq, 1, "{}", p.message);
        assert!(
            p.message.contains("seq 51 is not signed with their key"),
            "{}",
            p.message
        );
    }

    #[test]
    fn carried_entries_appended_by_hand_are_refused() {
        // Someone who can write the file appends a run that claims the issuer's key and chains
        // on correctly, but cannot sign its end.
        let (dir, mut lines) = log(3);
        let id = issuer().public().key_id();
        for seq in 4..=6u64 {
            let body = format!(
                r#"{{"seq":{seq},"ts":"2026-01-01T00:00:00.000Z","actor":"admin","action":"agent.resume","agent":"mallory","gen":1,"sig":"{id}:next","prev":"{}"}}"#,
                hash_of(lines.last().unwrap())
            );
            lines.push(with_hash(&body));
        }
        write(&dir, &lines);
        assert!(carried(&lines[3]));
        let p = check(&dir).problem.expect("refused");
        assert_eq!(p.seq, 4, "{}", p.message);
        // A reader acting on one entry does not take it as the issuer's either.
        let issuer_key = |k: &str| (k == id).then(|| issuer().public());
        let start: u64 = lines[..3].iter().map(|l| l.len() as u64 + 1).sum();
        assert!(!issuer_signed_at(dir.path(), start, lines[3].as_bytes(), &issuer_key).unwrap());
        assert!(!issuer_signed(lines[3].as_bytes(), &issuer_key));
    }

    #[test]
    fn a_carried_entry_put_in_front_of_a_genuine_signature_is_refused() {
        // Someone without the key appends an entry that says the next one signs it; the issuer's
        // next append chains on after it and signs, but names no run: nothing covers the forgery.
        let (dir, mut lines) = log(3);
        let id = issuer().public().key_id();
        let body = format!(
            r#"{{"seq":4,"ts":"2026-01-01T00:00:00.000Z","actor":"admin","action":"agent.resume","agent":"mallory","gen":1,"sig":"{id}:next","prev":"{}"}}"#,
            hash_of(lines.last().unwrap())
        );
        lines.push(with_hash(&body));
        write(&dir, &lines);
        super::super::append(
            dir.path(),
            chrono::Utc::now(),
            &[super::super::Event::admin(
                super::super::Action::AuditCheckpoint,
            )],
        )
        .unwrap();
        let p = check(&dir).problem.expect("refused");
        assert_eq!(p.seq, 4, "{}", p.message);
        assert!(
            p.message.contains("which does not sign them"),
            "{}",
            p.message
        );
        let issuer_key = |k: &str| (k == id).then(|| issuer().public());
        let start: u64 = lines[..3].iter().map(|l| l.len() as u64 + 1).sum();
        assert!(!issuer_signed_at(dir.path(), start, lines[3].as_bytes(), &issuer_key).unwrap());
        // Nor can a genuine run be lengthened at its front: the run's closing entry names its
        // first seq, and the walk and the reader hold it to that.
        let (_dir, lines) = change_log(100);
        let closer = lines.iter().find(|l| !carried(l)).unwrap();
        assert!(closer.contains("\"carried_from\":1,"), "{closer}");
    }

    #[test]
    fn a_reader_holds_a_carried_entry_to_its_place_in_the_chain() {
        // A forged carried `agent.resume` claiming seq 10, then a carried line claiming seq 3:
        // the next writer reads seq 3 at the end and chains a genuine run on from seq 4, whose
        // signing entry names seq 4, not above 10, though 4 <= 10.
        let (dir, mut lines) = log(3);
        let id = issuer().public().key_id();
        for seq in [10u64, 3] {
            let body = format!(
                r#"{{"seq":{seq},"ts":"2026-01-01T00:00:00.000Z","actor":"admin","action":"agent.resume","agent":"mallory","gen":1,"sig":"{id}:next","prev":"{}"}}"#,
                hash_of(lines.last().unwrap())
            );
            lines.push(with_hash(&body));
        }
        write(&dir, &lines);
        let events: Vec<_> = (0..70)
            .map(|_| super::super::Event::admin(super::super::Action::GrantAdd).agent("alpha"))
            .collect();
        super::super::prepare_change(dir.path(), chrono::Utc::now(), &events)
            .unwrap()
            .write()
            .unwrap();
        let issuer_key = |k: &str| (k == id).then(|| issuer().public());
        let start: u64 = lines[..3].iter().map(|l| l.len() as u64 + 1).sum();
        assert!(!issuer_signed_at(dir.path(), start, lines[3].as_bytes(), &issuer_key).unwrap());
        assert!(check(&dir).problem.is_some());
    }

    #[test]
    fn a_reader_takes_a_carried_entry_as_the_issuer_s_when_its_run_is_signed() {
        let (dir, lines) = change_log(100);
        let id = issuer().public().key_id();
        let issuer_key = |k: &str| (k == id).then(|| issuer().public());
        let start: u64 = lines[..40].iter().map(|l| l.len() as u64 + 1).sum();
        assert!(carried(&lines[40]));
        assert!(issuer_signed_at(dir.path(), start, lines[40].as_bytes(), &issuer_key).unwrap());
        // With an entry of the run after it edited (and re-hashed), the link breaks.
        let mut edited = lines.clone();
        let line = &edited[60];
        let body = format!(
            "{}}}",
            &line[..line.len() - (",\"hash\":\"".len() + 64 + 2)]
        );
        edited[60] = with_hash(&body.replace("\"i\":60", "\"i\":61"));
        write(&dir, &edited);
        assert!(!issuer_signed_at(dir.path(), start, lines[40].as_bytes(), &issuer_key).unwrap());
    }

    #[test]
    fn an_intact_log_verifies() {
        let (dir, _) = log(20);
        let r = check(&dir);
        assert!(r.problem.is_none(), "{:?}", r.problem);
        assert_eq!(r.entries, 20);
    }

    #[test]
    fn every_single_byte_flip_is_caught() {
        let (dir, lines) = log(3);
        let text = format!("{}\n", lines.join("\n"));
        for i in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            if bytes[i] == b'\n' {
                continue;
            }
            bytes[i] ^= 0x01;
            std::fs::write(dir.path().join(super::super::FILE), &bytes).unwrap();
            let r = check(&dir);
            assert!(r.problem.is_some(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn edits_are_named_by_seq() {
        let (dir, lines) = log(10);
        let mut l = lines.clone();
        l.remove(4);
        write(&dir, &l);
        assert_eq!(check(&dir).problem.unwrap().seq, 5);
        let mut l = lines.clone();
        l.swap(4, 5);
        write(&dir, &l);
        let p = check(&dir).problem.unwrap();
        assert_eq!(p.seq, 5, "{}", p.message);
        assert!(p.message.contains("swapped"));
        let mut l = lines.clone();
        l.insert(5, lines[4].clone());
        write(&dir, &l);
        let p = check(&dir).problem.unwrap();
        assert_eq!(p.seq, 5, "{}", p.message);
        assert!(p.message.contains("twice"));
        let mut l = lines.clone();
        l.truncate(9);
        write(&dir, &l);
        let anchor = Anchor {
            size: 10,
            head: lines[9][lines[9].len() - 66..lines[9].len() - 2].to_string(),
            ts: "t".into(),
            source: "test".into(),
            checked: false,
            offset: None,
        };
        let r = verify(dir.path(), &[anchor], expect(), &mut |_, _| {}).unwrap();
        assert_eq!(r.problem.unwrap().seq, 10);
    }

    /// A line as a writer holding `key` would sign it.
    fn signed_line(
        seq: u64,
        prev: &str,
        actor: &str,
        action: &str,
        agent: &str,
        key: &crate::crypto::KeyPair,
    ) -> String {
        let body = format!(
            r#"{{"seq":{seq},"ts":"2026-01-01T00:00:00.000Z","actor":"{actor}","action":"{action}","agent":"{agent}","gen":1,"prev":"{prev}"}}"#
        );
        let sig = super::super::sign::sign(key, body.as_bytes());
        let at = body.rfind(",\"prev\":").unwrap();
        let line = format!("{},\"sig\":\"{sig}\"{}", &body[..at], &body[at..]);
        let hash = super::super::chain::entry_hash(line.as_bytes());
        format!("{},\"hash\":\"{hash}\"}}", &line[..line.len() - 1])
    }

    fn hash_of(line: &str) -> String {
        line[line.len() - 66..line.len() - 2].to_string()
    }

    #[test]
    fn an_agent_key_signs_only_its_own_agents_calls() {
        let key = |b: u8| {
            crate::crypto::KeyPair::from_secret(&crate::sensitive::SecretText::new(
                crate::crypto::b64(&[b; 32]),
            ))
            .unwrap()
        };
        let (alpha, bravo) = (key(1), key(2));
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let expect = || {
            let mut e = expect();
            e.keys.add_agent("alpha", alpha.public());
            e.keys.add_agent("bravo", bravo.public());
            e
        };
        let first = signed_line(1, ZERO_HASH, "key:k_a", "cred.mint", "alpha", &alpha);
        write(&dir, std::slice::from_ref(&first));
        let r = verify(dir.path(), &[], expect(), &mut |_, _| {}).unwrap();
        assert!(r.problem.is_none(), "{:?}", r.problem);

        // Alpha's key holder signs, with its own key, an entry that blames bravo.
        let blame = signed_line(2, &hash_of(&first), "key:k_b", "cred.mint", "bravo", &alpha);
        write(&dir, &[first.clone(), blame]);
        let p = verify(dir.path(), &[], expect(), &mut |_, _| {})
            .unwrap()
            .problem
            .unwrap();
        assert_eq!(p.seq, 2);
        assert!(p.message.contains("re-attributed"), "{}", p.message);

        // Or a grant "by admin" for itself: an agent key may not sign that.
        let grant = signed_line(2, &hash_of(&first), "admin", "grant.add", "alpha", &alpha);
        write(&dir, &[first.clone(), grant]);
        let p = verify(dir.path(), &[], expect(), &mut |_, _| {})
            .unwrap()
            .problem
            .unwrap();
        assert_eq!(p.seq, 2);
        assert!(p.message.contains("may not sign it"), "{}", p.message);

        // Or one with a key the vault does not know.
        let stranger = signed_line(
            2,
            &hash_of(&first),
            "key:k_c",
            "cred.mint",
            "alpha",
            &key(3),
        );
        write(&dir, &[first, stranger]);
        let p = verify(dir.path(), &[], expect(), &mut |_, _| {})
            .unwrap()
            .problem
            .unwrap();
        assert_eq!(p.seq, 2);
        assert!(p.message.contains("does not know"), "{}", p.message);
    }

    /// A checked checkpoint of the first `size` lines of `lines` (as written by `write`).
    fn checked_anchor(lines: &[String], size: usize, offset: Option<u64>) -> Anchor {
        Anchor {
            size: size as u64,
            head: hash_of(&lines[size - 1]),
            ts: "t".into(),
            source: "test".into(),
            checked: true,
            offset,
        }
    }

    /// Where line `size` ends in the file `write` makes of `lines`.
    fn end_of(lines: &[String], size: usize) -> u64 {
        lines[..size].iter().map(|l| l.len() as u64 + 1).sum()
    }

    /// `lines` with the entry at index `i` replaced by an unsigned `grant.add` "by admin" and the
    /// chain recomputed after it: a forgery whose hashes are all consistent.
    fn forge_at(lines: &[String], i: usize) -> Vec<String> {
        let mut out = lines.to_vec();
        for j in i..out.len() {
            let prev = if j == 0 {
                ZERO_HASH.to_string()
            } else {
                hash_of(&out[j - 1])
            };
            let body = if j == i {
                forged_body(j as u64 + 1, &prev)
            } else {
                let (without, _) = super::super::chain::split_line(&out[j]).unwrap();
                let at = without.rfind(",\"prev\":\"").unwrap();
                format!("{},\"prev\":\"{prev}\"}}", &without[..at])
            };
            out[j] = with_hash(&body);
        }
        out
    }

    fn forged_body(seq: u64, prev: &str) -> String {
        format!(
            r#"{{"seq":{seq},"ts":"2026-01-01T00:00:00.000Z","actor":"admin","action":"grant.add","agent":"mallory","gen":1,"prev":"{prev}"}}"#
        )
    }

    fn with_hash(body: &str) -> String {
        let hash = super::super::chain::entry_hash(body.as_bytes());
        format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1])
    }

    /// `before` signed entries, an unsigned `grant.add` "by admin" appended by hand as seq
    /// `before + 1`, then `after` signed entries chained on by the writer.
    fn forged_log(before: usize, after: usize) -> (tempfile::TempDir, Vec<String>) {
        let (dir, mut lines) = log(before);
        lines.push(with_hash(&forged_body(
            before as u64 + 1,
            &hash_of(lines.last().unwrap()),
        )));
        write(&dir, &lines);
        let events: Vec<_> = (0..after)
            .map(|i| {
                super::super::Event::admin(super::super::Action::AuditCheckpoint)
                    .details(serde_json::json!({ "j": i }))
            })
            .collect();
        super::super::append(dir.path(), chrono::Utc::now(), &events).unwrap();
        let text = std::fs::read_to_string(dir.path().join(super::super::FILE)).unwrap();
        (dir, text.lines().map(str::to_string).collect())
    }

    #[test]
    fn signatures_a_checked_checkpoint_vouches_for_are_checked_only_with_all_signatures() {
        // A forged entry at seq 4 that a checkpoint of 8 entries was somehow signed over (its
        // signer did not check): the chain matches the checkpoint.
        let (dir, lines) = forged_log(3, 8);
        assert_eq!(lines.len(), 12);
        let anchor = checked_anchor(&lines, 8, None);
        let r = verify(
            dir.path(),
            std::slice::from_ref(&anchor),
            expect(),
            &mut |_, _| {},
        )
        .unwrap();
        assert!(r.problem.is_none(), "{:?}", r.problem);
        assert_eq!(r.signatures_vouched.as_ref().map(|a| a.size), Some(8));
        assert_eq!(r.signatures_checked(), Some((9, 12)));
        // Checking every signature again finds it, by its seq.
        let all = Expect {
            all_signatures: true,
            ..expect()
        };
        let r = verify(dir.path(), &[anchor], all, &mut |_, _| {}).unwrap();
        let p = r.problem.unwrap();
        assert_eq!(p.seq, 4, "{}", p.message);
        assert!(p.message.contains("is not signed"), "{}", p.message);
        assert_eq!(r.signatures_vouched.map(|a| a.size), None);
        // A checkpoint not signed as checked vouches for the chain only.
        let plain = Anchor {
            checked: false,
            ..checked_anchor(&lines, 8, None)
        };
        let r = verify(dir.path(), &[plain], expect(), &mut |_, _| {}).unwrap();
        assert_eq!(r.problem.unwrap().seq, 4);
    }

    #[test]
    fn a_check_since_the_last_checked_checkpoint_reads_on_from_its_offset() {
        // A forged entry before the checkpoint is not read again from the offset…
        let (dir, lines) = forged_log(3, 8);
        let anchor = checked_anchor(&lines, 8, Some(end_of(&lines, 8)));
        let r = since_checked(dir.path(), std::slice::from_ref(&anchor), expect()).unwrap();
        assert!(r.problem.is_none(), "{:?}", r.problem);
        assert_eq!(r.entries, 12);
        assert_eq!(r.signatures_checked(), Some((9, 12)));
        // Only what follows the offset is read: damage before it is for `audit verify` to find.
        let mut damaged = lines.clone();
        damaged[1] = damaged[1].replacen("\"audit.checkpoint\"", "\"audit.checkpoinT\"", 1);
        write(&dir, &damaged);
        let r = since_checked(dir.path(), std::slice::from_ref(&anchor), expect()).unwrap();
        assert!(r.problem.is_none(), "{:?}", r.problem);
        let r = verify(dir.path(), &[anchor], expect(), &mut |_, _| {}).unwrap();
        assert_eq!(r.problem.unwrap().seq, 2);
        // …and one after it is found and named.
        let (dir, lines) = forged_log(9, 2);
        let anchor = checked_anchor(&lines, 8, Some(end_of(&lines, 8)));
        let p = since_checked(dir.path(), &[anchor], expect())
            .unwrap()
            .problem
            .unwrap();
        assert_eq!((p.seq, p.line), (10, 10), "{}", p.message);
        // An offset that does not point at the checkpoint's entry: the log is walked from its
        // start, with the same findings.
        for offset in [None, Some(1), Some(end_of(&lines, 7)), Some(1 << 40)] {
            let anchor = checked_anchor(&lines, 8, offset);
            let p = since_checked(dir.path(), &[anchor], expect())
                .unwrap()
                .problem
                .unwrap();
            assert_eq!((p.seq, p.line), (10, 10), "{offset:?}: {}", p.message);
        }
        let (dir, lines) = log(12);
        let anchor = checked_anchor(&lines, 8, Some(end_of(&lines, 7)));
        let r = since_checked(dir.path(), &[anchor], expect()).unwrap();
        assert!(r.problem.is_none(), "{:?}", r.problem);
        assert_eq!(r.entries, 12);
        // A log rewritten below the checkpoint: found by the walk from the start.
        write(&dir, &forge_at(&lines, 3));
        let anchor = checked_anchor(&lines, 8, Some(end_of(&lines, 8)));
        let p = since_checked(dir.path(), &[anchor], expect())
            .unwrap()
            .problem
            .unwrap();
        assert_eq!(p.seq, 8, "{}", p.message);
        assert!(
            p.message.contains("does not match the checkpoint"),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_checkpoint_states_that_it_checked_the_signatures_only_with_its_own_signature() {
        let key = issuer();
        let checked = Checkpoint::sign_checked("v", (8, 800), "h", "t", &key);
        assert!(checked.verify(&key.public()) && checked.verify_checked(&key.public()));
        // Read by a version that does not know the claim: still a valid checkpoint.
        let plain = Checkpoint::sign("v", 8, "h", "t", &key);
        assert!(plain.verify(&key.public()) && !plain.verify_checked(&key.public()));
        // The claim lifted onto another checkpoint, or a plain signature passed off as one.
        let other = Checkpoint {
            checked: checked.checked.clone(),
            ..Checkpoint::sign("v", 9, "h", "t", &key)
        };
        assert!(!other.verify_checked(&key.public()));
        let passed_off = Checkpoint {
            checked: Some(plain.signature.clone()),
            ..plain
        };
        assert!(!passed_off.verify_checked(&key.public()));
    }
}
