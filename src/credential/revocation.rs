//! The revocation list `revoked.jsonl`: public, append-only, every revocation signed by an issuer
//! key or by the agent whose credential it revokes (after a pruning, the first line is an unsigned
//! header that only says when to prune next; see `prune`). Key holders and `verify` read it;
//! nothing secret is in it.
//!
//! A line only ever denies. A forged line (bad signature) is ignored. Deleting lines is caught by
//! a hash chain: each line carries its index `n` and `prev`, the chain hash of the line before
//! it, and every audit entry that appends revocations records the list's `revocations: {count,
//! head}` after the append (as do `cred.mint` entries, with the list as the minter read it). A
//! reader checks the file's chain and that it contains the latest recorded head at the recorded
//! count: a shortened, emptied or deleted list is refused (65).
//!
//! The log's latest record alone is not enough: anyone who can append to the log can record a
//! shorter list's head there (unsigned, as a keyless `verify` writes, or signed with an agent's own
//! key). So the issuer also signs the head into the agent index with every admin change, and a
//! reader holds the list to that head too: whatever the admin revoked stays revoked, whoever wrote
//! the log's last record. Every writer checks, before chaining on to the list, that the lines
//! those two heads end at are still there and unchanged, so no one extends a list that was cut
//! back: a shortened list can never be made to look whole. A writer reads from the end only, so
//! it may chain on to a list that lost a line further back; that list stays refused by every
//! reader, which walks the whole chain, and the lost line must be put back by hand (the issuer,
//! which walks everything before it prunes, never builds on it). The chain fields are outside the
//! per-line signatures (which say who revoked what); the order and completeness are what the head
//! on the log pins.
//!
//! Pruning (only by the admin, whose commits hold the issuer key) drops lines whose credential
//! has expired anyway: the rewritten file starts with a *base* record signed by the issuer, the
//! count and head of the chain so far, and the lines kept follow it, chained on from there. A
//! base no issuer signed is refused, so no one else can cut a prefix off.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::token::TokenInfo;
use crate::vault::VaultToml;

pub const FILE: &str = "revoked.jsonl";
const DOMAIN: &str = "agentcred-revocation-v1";
/// The list is rewritten without lines that no longer matter once it grows past this.
const PRUNE_AT_BYTES: u64 = 256 * 1024;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Revocation {
    pub id: String,
    pub agent: String,
    /// `admin` (signed by an issuer key) or `agent:NAME` (signed by that agent's key).
    pub by: String,
    pub at: String,
    /// After this the revoked thing has expired anyway and the line may be pruned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Takes effect only from this time (the end of a rotation's overlap window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub key_id: String,
    pub sig: String,
    /// The line's index in the chain (absent on lines written before the chain existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// The chain hash of the line before (empty for the first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

/// Where the chain stands: how many lines it has had, and the chain hash of the last.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub count: u64,
    pub head: String,
}

/// The first line of a pruned list (after the size header): the chain's head before the lines
/// that follow, signed by an issuer key.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct BaseLine {
    base: Base,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Base {
    count: u64,
    head: String,
    at: String,
    key_id: String,
    sig: String,
}

const BASE_DOMAIN: &str = "agentcred-revocation-base-v1";
const LINE_DOMAIN: &[u8] = b"agentcred-revocation-line-v1\0";

impl Base {
    fn message(&self) -> Vec<u8> {
        format!("{}\n{}\n{}\n", self.count, self.head, self.at).into_bytes()
    }
}

/// The chain hash of a line as written (without its newline).
fn line_hash(line: &str) -> String {
    crate::crypto::hex(&crate::crypto::sha256(&[LINE_DOMAIN, line.as_bytes()]))
}

fn broken(why: String) -> Error {
    Error::bad_data(format!("{FILE} failed its integrity check: {why}")).hint(
        "revocations were deleted or edited outside agentcred; restore revoked.jsonl from a backup",
    )
}

/// What the chain walk reads of a line: whether it is a base or a revocation, and its place in
/// the chain. Of the other members only their presence is read: a line that has them all is a
/// link of the chain, and one whose members are of the wrong kind still is, but revokes nothing
/// (`parse`, which reads revocations in full where they are needed, skips it).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Link<'a> {
    base: Option<Base>,
    id: Option<IgnoredAny>,
    agent: Option<IgnoredAny>,
    by: Option<IgnoredAny>,
    at: Option<IgnoredAny>,
    key_id: Option<IgnoredAny>,
    sig: Option<IgnoredAny>,
    n: Option<u64>,
    #[serde(borrow)]
    prev: Option<Cow<'a, str>>,
}

enum Kind<'a> {
    Base(Base),
    /// A revocation and its place in the chain (none on lines from before the chain).
    Line(Option<(u64, Cow<'a, str>)>),
}

fn classify(line: &str) -> Option<Kind<'_>> {
    let l = serde_json::from_str::<Link<'_>>(line).ok()?;
    if let Some(b) = l.base {
        return Some(Kind::Base(b));
    }
    // Every member a revocation must have (`until` and `from` may be absent).
    let whole = l.id.is_some()
        && l.agent.is_some()
        && l.by.is_some()
        && l.at.is_some()
        && l.key_id.is_some()
        && l.sig.is_some();
    whole.then(|| Kind::Line(l.n.map(|n| (n, l.prev.unwrap_or(Cow::Borrowed(""))))))
}

/// Walks the chain of `text`: checks that the lines are consecutive and that a base is signed by
/// an issuer key; returns every head the chain passes through (index → hash, for the base and
/// each line) and the final head.
fn walk(text: &str, config: Option<&VaultToml>) -> Result<(Vec<Head>, Head)> {
    let mut at = Head::default();
    let mut seen = vec![at.clone()];
    let mut chained = false;
    for line in text.lines() {
        let Some(kind) = classify(line) else {
            continue;
        };
        let b = match kind {
            Kind::Base(b) => b,
            Kind::Line(None) => {
                // Written before the chain existed: only before the first chained line.
                if chained {
                    return Err(broken(format!("an unchained line after line {}", at.count)));
                }
                continue;
            }
            Kind::Line(Some((n, prev))) => {
                chained = true;
                if n != at.count || prev != at.head {
                    return Err(broken(format!(
                        "line {n} does not follow line {} (a line was removed, moved or edited)",
                        at.count.wrapping_sub(1)
                    )));
                }
                at = Head {
                    count: n + 1,
                    head: line_hash(line),
                };
                seen.push(at.clone());
                continue;
            }
        };
        if chained {
            return Err(broken(
                "a base record in the middle of the list".to_string(),
            ));
        }
        if let Some(config) = config {
            let authentic = config
                .issuer_key(&b.key_id)
                .is_some_and(|k| k.verify(BASE_DOMAIN, &b.message(), &b.sig));
            if !authentic {
                return Err(broken(
                    "its base record is not signed by an issuer key".to_string(),
                ));
            }
        }
        at = Head {
            count: b.count,
            head: b.head,
        };
        seen = vec![at.clone()];
        chained = true;
    }
    Ok((seen, at))
}

/// The latest `revocations` head recorded on the audit log, read from its end backwards.
fn recorded_head(dir: &Path) -> Result<Option<Head>> {
    use std::io::{Read, Seek, SeekFrom};
    let path = dir.join(crate::audit::FILE);
    let mut file = match crate::vault::fsio::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read the audit log", &path, e)),
    };
    let mut end = file
        .metadata()
        .map_err(|e| Error::io("cannot read the audit log", &path, e))?
        .len();
    const CHUNK: u64 = 64 * 1024;
    // Bytes of a line cut by the chunk boundary, carried to the next (earlier) chunk.
    let mut carry: Vec<u8> = Vec::new();
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let mut buf = vec![0u8; (end - start) as usize];
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| Error::io("cannot read the audit log", &path, e))?;
        buf.extend_from_slice(&carry);
        let mut lines: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
        // The first piece may be cut short, unless this chunk starts the file.
        let first = if start > 0 {
            Some(lines.remove(0))
        } else {
            None
        };
        for line in lines.iter().rev() {
            if !contains(line, b"\"revocations\"") {
                continue;
            }
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(h) = v
                .get("details")
                .and_then(|d| d.get("revocations"))
                .and_then(|r| serde_json::from_value::<Head>(r.clone()).ok())
            {
                return Ok(Some(h));
            }
        }
        carry = first.map(<[u8]>::to_vec).unwrap_or_default();
        end = start;
    }
    Ok(None)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Does the chain (the heads it passed through, `seen`, from its base on) contain `recorded`?
/// A record older than the base is covered by the issuer's signature on the base.
fn holds(seen: &[Head], recorded: &Head) -> bool {
    let base = seen.first().map_or(0, |b| b.count);
    if recorded.count < base {
        return true;
    }
    seen.get((recorded.count - base) as usize)
        .is_some_and(|h| h.head == recorded.head)
}

/// Who signs a revocation, which decides what it can revoke.
#[derive(Clone, Copy, Debug)]
pub enum By {
    /// An issuer key: anything.
    Admin,
    /// The one-off key the minting process put in the credential's block (`revoke_key`): how
    /// `exec` ends the credential it minted, whoever it was minted by.
    Holder,
    /// The agent's own signing key: its own credentials.
    Agent,
}

impl Revocation {
    /// What the signature covers: every field but `key_id` and the signature itself.
    fn message(&self) -> Vec<u8> {
        let (id, agent, by, at) = (&self.id, &self.agent, &self.by, &self.at);
        let until = self.until.as_deref().unwrap_or("-");
        let mut m = format!("{id}\n{agent}\n{by}\n{at}\n{until}\n");
        if let Some(f) = &self.from {
            m.push_str(&format!("from {f}\n"));
        }
        m.into_bytes()
    }

    /// Signed by an issuer key, effective only from `from`.
    pub fn by_admin_from(
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        from: DateTime<Utc>,
        issuer: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        let mut r = Self::unsigned(id, agent, "admin", issuer.public().key_id(), until, now);
        r.from = Some(crate::clock::rfc3339(from));
        r.signed_by(issuer)
    }

    /// A revocation of credential `id` of `agent`, signed with `key` as `by` says.
    pub fn new(
        by: By,
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        key: &KeyPair,
        now: DateTime<Utc>,
    ) -> Revocation {
        let (who, key_id) = match by {
            By::Admin => ("admin".to_string(), key.public().key_id()),
            By::Holder => ("holder".to_string(), key.public().to_string()),
            By::Agent => (format!("agent:{agent}"), "agent".to_string()),
        };
        Self::unsigned(id, agent, &who, key_id, until, now).signed_by(key)
    }

    fn unsigned(
        id: &str,
        agent: &str,
        by: &str,
        key_id: String,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Revocation {
        Revocation {
            id: id.to_string(),
            agent: agent.to_string(),
            by: by.to_string(),
            at: crate::clock::rfc3339(now),
            until: until.map(crate::clock::rfc3339),
            from: None,
            key_id,
            sig: String::new(),
            n: None,
            prev: None,
        }
    }

    /// Signs [`Revocation::message`].
    fn signed_by(mut self, key: &KeyPair) -> Revocation {
        self.sig = key.sign(DOMAIN, &self.message());
        self
    }

    /// Is the signature good, by a key entitled to revoke part of `token`?
    fn is_authentic(&self, config: &VaultToml, token: &TokenInfo) -> bool {
        self.is_authentic_for(config, &token.revoke_keys, &token.chain_keys)
    }

    /// [`Revocation::is_authentic`], given the keys a token would name: the one-off keys that may
    /// revoke it, and the agents (with their public keys) it was issued or delegated to.
    fn is_authentic_for(
        &self,
        config: &VaultToml,
        revoke_keys: &[crate::crypto::PublicKey],
        chain_keys: &[(String, crate::crypto::PublicKey)],
    ) -> bool {
        let message = self.message();
        if self.by == "admin" {
            return config
                .issuer_key(&self.key_id)
                .is_some_and(|k| k.verify(DOMAIN, &message, &self.sig));
        }
        if self.by == "holder" {
            return revoke_keys
                .iter()
                .any(|k| k.to_string() == self.key_id && k.verify(DOMAIN, &message, &self.sig));
        }
        // The agent the token was issued to, or any agent it was delegated to on the way.
        self.by == format!("agent:{}", self.agent)
            && chain_keys
                .iter()
                .any(|(name, k)| *name == self.agent && k.verify(DOMAIN, &message, &self.sig))
    }
}

pub struct RevocationList {
    by_id: HashMap<String, Vec<Revocation>>,
    /// Lines that take effect only later (a rotation's overlap window not yet over).
    later: HashMap<String, Vec<Revocation>>,
    /// Where the chain stood when it was read and checked.
    pub head: Head,
}

impl RevocationList {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FILE)
    }

    /// Reads the list as it stands at `now`; a missing file is an empty list. Unparseable lines
    /// are skipped (they can only ever have denied something), and so are lines that take effect
    /// later. The list must hold the head the audit log last recorded (see the module comment):
    /// one that lost lines is refused (65).
    pub fn load(dir: &Path, config: &VaultToml, now: DateTime<Utc>) -> Result<RevocationList> {
        let text = read(dir)?;
        if let Err(first) = check(dir, &text, config) {
            // A writer may be between its two appends (the list, then the log): wait for it
            // and look again before refusing.
            let settled = crate::vault::lock::VaultLock::acquire(dir)
                .ok()
                .map(|_lock| read(dir).and_then(|t| check(dir, &t, config).map(|()| t)));
            match settled {
                Some(Ok(t)) => return Ok(Self::parse(&t, now)),
                Some(Err(e)) => return Err(e),
                None => return Err(first),
            }
        }
        Ok(Self::parse(&text, now))
    }

    /// The list as it stands, without the checks against the audit log: for listings that say
    /// so, when the checked load failed.
    pub fn load_unchecked(dir: &Path, now: DateTime<Utc>) -> Result<RevocationList> {
        Ok(Self::parse(&read(dir)?, now))
    }

    fn parse(text: &str, now: DateTime<Utc>) -> RevocationList {
        let now_text = crate::clock::rfc3339(now);
        let mut by_id: HashMap<String, Vec<Revocation>> = HashMap::new();
        let mut later: HashMap<String, Vec<Revocation>> = HashMap::new();
        for line in text.lines() {
            if let Ok(r) = serde_json::from_str::<Revocation>(line) {
                let now_or_later = if r.from.as_deref().is_none_or(|f| f <= now_text.as_str()) {
                    &mut by_id
                } else {
                    &mut later
                };
                now_or_later.entry(r.id.clone()).or_default().push(r);
            }
        }
        RevocationList {
            by_id,
            later,
            head: tail_head(text),
        }
    }

    /// Is `id` (a block of `token`) revoked by an authentic line?
    pub fn is_revoked(&self, id: &str, config: &VaultToml, token: &TokenInfo) -> bool {
        self.by_id
            .get(id)
            .is_some_and(|lines| lines.iter().any(|r| r.is_authentic(config, token)))
    }

    /// The authentic line that revokes `id` (a block of `token`), if one does: who revoked it.
    pub fn revoked_by(
        &self,
        id: &str,
        config: &VaultToml,
        token: &TokenInfo,
    ) -> Option<&Revocation> {
        self.by_id
            .get(id)?
            .iter()
            .find(|r| r.is_authentic(config, token))
    }

    /// When the first authentic line that takes effect later (the end of a rotation's overlap
    /// window) will revoke one of `ids`: for a supervisor, which ends its program then.
    pub fn next_revocation<'i>(
        &self,
        ids: impl IntoIterator<Item = &'i String>,
        config: &VaultToml,
        token: &TokenInfo,
    ) -> Option<DateTime<Utc>> {
        ids.into_iter()
            .filter_map(|id| self.later.get(id))
            .flatten()
            .filter(|r| r.is_authentic(config, token))
            .filter_map(|r| DateTime::parse_from_rfc3339(r.from.as_deref()?).ok())
            .map(|f| f.with_timezone(&Utc))
            .min()
    }

    /// Is one of `ids` revoked by an authentic line, given the keys its token names (for a
    /// caller that holds a record of the credential rather than its token)?
    pub fn revokes_any(
        &self,
        ids: &[String],
        config: &VaultToml,
        revoke_keys: &[crate::crypto::PublicKey],
        chain_keys: &[(String, crate::crypto::PublicKey)],
    ) -> bool {
        ids.iter().any(|id| {
            self.by_id.get(id).is_some_and(|lines| {
                lines
                    .iter()
                    .any(|r| r.is_authentic_for(config, revoke_keys, chain_keys))
            })
        })
    }

    /// Any line for `id`, authentic or not: for the admin's own bookkeeping.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }
}

fn read(dir: &Path) -> Result<String> {
    let path = RevocationList::path(dir);
    match crate::vault::fsio::read_to_string(&path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io("cannot read the revocation list", &path, e)),
    }
}

/// The list's chain is whole, and holds the head the audit log last recorded and the head the
/// issuer signed into the agent index.
fn check(dir: &Path, text: &str, config: &VaultToml) -> Result<()> {
    let (seen, end) = walk(text, Some(config))?;
    let refuse = |recorded: &Head, whose: &str| {
        broken(if end.count < recorded.count {
            format!(
                "it has {} revocations, {whose} records {} (lines were deleted, or the file was emptied or removed)",
                end.count, recorded.count
            )
        } else {
            format!(
                "revocation {} is not the one {whose} records",
                recorded.count.saturating_sub(1)
            )
        })
    };
    if let Some(signed) = signed_head(dir, config)?
        && !holds(&seen, &signed)
    {
        return Err(refuse(&signed, "the issuer-signed agent index"));
    }
    if let Some(recorded) = recorded_head(dir)?
        && !holds(&seen, &recorded)
    {
        return Err(refuse(&recorded, "the audit log"));
    }
    Ok(())
}

/// A writer's check, which reads the list from its end only as far as it must: the lines the
/// issuer's signed head and the log's latest record end at are still there, at their place and
/// unchanged, so the list was not cut back below either, and chaining on cannot make a shortened
/// list look whole. A line removed or edited further back breaks the chain at that place for good,
/// whatever is appended after it, and every reader's full walk ([`check`]) refuses it there.
fn check_tail(dir: &Path, text: &str, config: &VaultToml) -> Result<()> {
    for (recorded, whose) in [
        (signed_head(dir, config)?, "the issuer-signed agent index"),
        (recorded_head(dir)?, "the audit log"),
    ] {
        let Some(recorded) = recorded else { continue };
        let authentic = |b: &Base| {
            config
                .issuer_key(&b.key_id)
                .is_some_and(|k| k.verify(BASE_DOMAIN, &b.message(), &b.sig))
        };
        if !ends_at(text, &recorded, &authentic) {
            return Err(broken(format!(
                "it does not hold revocation {} as {whose} records it (lines were deleted or edited, or the file was emptied or removed)",
                recorded.count.saturating_sub(1)
            )));
        }
    }
    Ok(())
}

/// Does `text` hold the line `recorded` names (its index and chain hash), or an `authentic` base
/// at or past it? Searched from the end, each line's index read without a full parse until the
/// line itself is reached.
fn ends_at(text: &str, recorded: &Head, authentic: &dyn Fn(&Base) -> bool) -> bool {
    if recorded.count == 0 {
        return true;
    }
    for line in text.lines().rev() {
        if quick_index(line).is_some_and(|n| n >= recorded.count) {
            continue;
        }
        match classify(line) {
            Some(Kind::Line(Some((n, _)))) if n >= recorded.count => continue,
            Some(Kind::Line(Some((n, _)))) => {
                return n == recorded.count - 1 && line_hash(line) == recorded.head;
            }
            Some(Kind::Base(b)) => {
                return authentic(&b)
                    && (recorded.count < b.count
                        || (recorded.count == b.count && recorded.head == b.head));
            }
            Some(Kind::Line(None)) | None => continue,
        }
    }
    false
}

/// The `"n":INDEX` of a line as agentcred writes it, found without parsing the line (which
/// [`classify`] then does for the one line that matters). In JSON a `"` inside a string is
/// always escaped, so `"n":` can only be a key.
fn quick_index(line: &str) -> Option<u64> {
    let at = line.rfind("\"n\":")? + 4;
    let digits = line[at..].bytes().take_while(u8::is_ascii_digit).count();
    line[at..at + digits].parse().ok()
}

/// The head the issuer signed into the agent index at the last admin change (none before the
/// first change has written an index, or in one written before the index carried it). A missing
/// index is refused once the log has entries: deleting it must not lift the issuer's head.
fn signed_head(dir: &Path, config: &VaultToml) -> Result<Option<Head>> {
    let path = crate::envelope::Index::path(dir);
    if std::fs::symlink_metadata(&path).is_err() && crate::audit::head(dir)?.seq == 0 {
        return Ok(None);
    }
    Ok(crate::envelope::Index::read_any_generation(dir, config)?.revocations())
}

/// Does the list as it stands hold `recorded` (a head some audit entry recorded)? For `audit
/// verify`, which walks the whole log and knows the longest list it ever recorded.
pub fn still_holds(dir: &Path, config: &VaultToml, recorded: &Head) -> Result<bool> {
    let (seen, _) = walk(&read(dir)?, Some(config))?;
    Ok(holds(&seen, recorded))
}

/// Checks the list as it stands (chain, the log's record and the issuer's): for a writer, with
/// the lock held, before it chains on to the list; returns where the list's chain ends.
pub fn checked_head(dir: &Path, config: &VaultToml) -> Result<Head> {
    let text = read(dir)?;
    check(dir, &text, config)?;
    Ok(tail_head(&text))
}

/// Where the chain of the list in `dir` stands now, read from its last lines (the chain is not
/// walked: call it with the lock held, after or before checking the list).
pub fn head(dir: &Path) -> Result<Head> {
    Ok(tail_head(&read(dir)?))
}

fn tail_head(text: &str) -> Head {
    for line in text.lines().rev() {
        match classify(line) {
            Some(Kind::Base(b)) => {
                return Head {
                    count: b.count,
                    head: b.head,
                };
            }
            Some(Kind::Line(Some((n, _)))) => {
                return Head {
                    count: n + 1,
                    head: line_hash(line),
                };
            }
            _ => {}
        }
    }
    Head::default()
}

/// Revocations chained on to the list, ready to be written: the bytes and the head they lead to.
pub struct Prepared {
    path: PathBuf,
    bytes: Vec<u8>,
    /// The whole file, pruned, instead of an append.
    rewrite: bool,
    pub head: Head,
}

impl Prepared {
    /// The `details` field an audit entry records the new head in.
    pub fn record(&self) -> serde_json::Value {
        serde_json::to_value(&self.head).expect("heads serialise")
    }

    /// Adds the new head to `event`'s details (`revocations`).
    pub fn record_in(&self, event: &mut crate::audit::Event) {
        if let Some(map) = event.details_mut().as_object_mut() {
            map.insert("revocations".into(), self.record());
        }
    }

    /// Writes the revocations durably. Call with the vault lock held, before the audit entry that
    /// records the head (a list ahead of the log is fine; behind it, refused).
    pub fn write(self) -> Result<()> {
        if self.rewrite {
            return crate::vault::fsio::write_atomic(&self.path, &self.bytes);
        }
        super::prune::append(
            &self.path,
            &self.bytes,
            true,
            u64::MAX,
            "cannot write the revocation list",
            |_| true,
        )
    }
}

/// Chains `entries` on to the list. With the issuer key (`pruner`), when the list is due, the
/// whole file is rewritten without lines whose revoked credential has expired anyway, under a
/// signed base. `None` when there is nothing to append. Call with the vault lock held.
pub fn prepare(
    dir: &Path,
    config: &VaultToml,
    entries: &[Revocation],
    pruner: Option<&KeyPair>,
    now: DateTime<Utc>,
) -> Result<Option<Prepared>> {
    if entries.is_empty() {
        return Ok(None);
    }
    let text = read(dir)?;
    // Never chain on to a list that lost lines: they would be gone for good. The issuer, which
    // may prune and then vouches for the whole chain with its signed base, walks all of it.
    if pruner.is_some() {
        check(dir, &text, config)?;
    } else {
        check_tail(dir, &text, config)?;
    }
    Ok(Some(chain_on(dir, &text, entries, pruner, now)))
}

/// Chains `entries` on to `text`, the list as read (and checked) from `dir`.
fn chain_on(
    dir: &Path,
    text: &str,
    entries: &[Revocation],
    pruner: Option<&KeyPair>,
    now: DateTime<Utc>,
) -> Prepared {
    let path = RevocationList::path(dir);
    let due = pruner.is_some() && super::prune::is_due(&path, text.len() as u64, PRUNE_AT_BYTES);
    let (mut at, mut out, rewrite) = match pruner.filter(|_| due) {
        Some(issuer) => {
            let start = tail_head(text);
            let mut base = Base {
                count: start.count,
                head: start.head.clone(),
                at: crate::clock::rfc3339(now),
                key_id: issuer.public().key_id(),
                sig: String::new(),
            };
            base.sig = issuer.sign(BASE_DOMAIN, &base.message());
            let mut out = serde_json::to_string(&BaseLine { base })
                .expect("bases serialise")
                .into_bytes();
            out.push(b'\n');
            let mut at = start;
            // Lines still live, chained on after the base, their signed content unchanged.
            for line in text.lines() {
                let Ok(r) = serde_json::from_str::<Revocation>(line) else {
                    continue;
                };
                let live = r
                    .until
                    .as_deref()
                    .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
                    .is_none_or(|u| u > now);
                if live {
                    at = chain_line(&mut out, r, at);
                }
            }
            (at, out, true)
        }
        None => (tail_head(text), Vec::new(), false),
    };
    for e in entries {
        at = chain_line(&mut out, e.clone(), at);
    }
    let bytes = if rewrite {
        super::prune::with_header(std::str::from_utf8(&out).expect("JSON is UTF-8")).into_bytes()
    } else {
        out
    };
    Prepared {
        path,
        bytes,
        rewrite,
        head: at,
    }
}

/// Writes `r` as the line after `at` into `out`; returns the new head.
fn chain_line(out: &mut Vec<u8>, mut r: Revocation, at: Head) -> Head {
    r.n = Some(at.count);
    r.prev = Some(at.head);
    let line = serde_json::to_string(&r).expect("revocations serialise");
    let head = Head {
        count: at.count + 1,
        head: line_hash(&line),
    };
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pruned list starts with a base at the old head, keeps the live lines chained on from it,
    /// and still holds every head recorded before the pruning.
    #[test]
    fn a_pruned_list_continues_the_chain_from_its_base() {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = Utc::now();
        let issuer = KeyPair::generate();
        let holder = KeyPair::generate();
        let expired = now - chrono::Duration::hours(1);
        let live = now + chrono::Duration::hours(1);
        let lines: Vec<Revocation> = (0..1200)
            .map(|i| {
                let until = if i % 100 == 7 { live } else { expired };
                Revocation::new(
                    By::Holder,
                    &format!("cr_{i:024}"),
                    "a",
                    Some(until),
                    &holder,
                    now,
                )
            })
            .collect();
        let text = read(dir.path()).unwrap();
        let first = chain_on(dir.path(), &text, &lines, None, now);
        let before = first.head.clone();
        first.write().unwrap();
        assert_eq!(before.count, 1200);
        let text = read(dir.path()).unwrap();
        assert!(text.len() as u64 > PRUNE_AT_BYTES, "{}", text.len());
        assert_eq!(walk(&text, None).unwrap().1, before);

        let extra = Revocation::new(By::Admin, "cr_extra", "a", Some(live), &issuer, now);
        let pruned = chain_on(dir.path(), &text, &[extra], Some(&issuer), now);
        assert!(pruned.rewrite, "the list was due");
        let after = pruned.head.clone();
        pruned.write().unwrap();
        let text = read(dir.path()).unwrap();
        let (seen, end) = walk(&text, None).unwrap();
        assert_eq!(end, after);
        assert_eq!(
            end.count,
            1200 + 12 + 1,
            "12 live lines re-chained, then the new one"
        );
        assert!(holds(&seen, &before), "the head recorded before pruning");
        assert!(holds(&seen, &after));
        let list = RevocationList::parse(&text, now);
        assert!(list.contains("cr_000000000000000000000007"));
        assert!(!list.contains("cr_000000000000000000000008"));
        assert!(list.contains("cr_extra"));

        // Dropping a line after the base breaks the chain.
        let cut: String = text
            .lines()
            .filter(|l| !l.contains("cr_000000000000000000000107"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(walk(&cut, None).is_err());
    }

    /// A writer finds the recorded lines from the end of the list: a list cut back below them, or
    /// with one of them edited, does not hold them; lines appended after them do no harm.
    #[test]
    fn a_writer_finds_the_recorded_line_from_the_end() {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = Utc::now();
        let holder = KeyPair::generate();
        let line =
            |i: usize| Revocation::new(By::Holder, &format!("cr_{i:024}"), "a", None, &holder, now);
        let first: Vec<Revocation> = (0..50).map(line).collect();
        let prepared = chain_on(dir.path(), "", &first, None, now);
        let recorded = prepared.head.clone();
        prepared.write().unwrap();
        let text = read(dir.path()).unwrap();
        let anything = |_: &Base| true;
        assert!(ends_at(&text, &recorded, &anything));
        assert!(ends_at(&text, &Head::default(), &anything));
        let more = chain_on(dir.path(), &text, &[line(50), line(51)], None, now);
        more.write().unwrap();
        let longer = read(dir.path()).unwrap();
        assert!(ends_at(&longer, &recorded, &anything), "appended after");
        assert_eq!(quick_index(longer.lines().last().unwrap()), Some(51));

        let cut: String = text.lines().take(49).map(|l| format!("{l}\n")).collect();
        assert!(!ends_at(&cut, &recorded, &anything), "cut back");
        assert!(!ends_at("", &recorded, &anything), "emptied");
        let edited = text.replacen(
            "cr_000000000000000000000049",
            "cr_000000000000000000000048",
            1,
        );
        assert!(!ends_at(&edited, &recorded, &anything), "edited");
        let wrong = Head {
            count: recorded.count,
            head: "00".repeat(32),
        };
        assert!(!ends_at(&text, &wrong, &anything), "another head");
    }
}
