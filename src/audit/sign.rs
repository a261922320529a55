//! Who wrote an entry: each entry is signed by the key of its writer, and carries the vault
//! generation its writer saw.
//!
//! A hash chain alone proves only that nobody changed the log *without recomputing the hashes*;
//! anyone who can write the file can recompute them. So every entry is also signed: admin entries
//! by the vault's issuer key, an agent's own entries (mint, exec, delegate, the live checks' deny,
//! anomaly and suspend entries) by that agent's Ed25519 signing key, which every process that
//! opened the agent's envelope holds. An edited entry no longer matches its signature, a forged one
//! has none a verifier accepts, and one re-attributed to another agent is signed by the wrong key.
//!
//! The signature sits in a fixed place, a `"sig"` member just before `"prev"`:
//!
//! ```text
//! {"seq":N,"ts":"…",<event members>,"gen":G,"sig":"<key id>:<base64 signature>","prev":"…","hash":"…"}
//! ```
//!
//! It covers the line without its `sig` and `hash` members (so it covers `prev`, binding the entry
//! to everything before it), and `hash` covers the whole line including `sig`. A process that holds
//! no key (`verify`, which needs only read access to the vault) writes no `sig`; the verifier
//! accepts such entries only for the actions such a process writes ([`keyless_may_write`]), and
//! counts them apart.
//!
//! A large admin change (an applied policy writes one entry per change) carries signatures: in a
//! run of up to [`MAX_RUN`] consecutive entries of one change written with the same key, every
//! entry but the last has `"sig":"<key id>:next"` and the last is signed as above, with a
//! `"carried_from":F` member (the run's first `seq`) just before `gen`. Its signature covers its
//! `prev`, the hash of the entry before it, which covers that entry's `prev` in turn, and names
//! where the run starts: it vouches for exactly the entries from F on, as a signature of each
//! would, since none can be edited, removed, inserted or moved without breaking it, and an entry
//! put in front of the run (or of a single signed entry) by someone without the key is not among
//! them. A verifier checks the writer of each carried entry as for a signed one (the key must be
//! allowed to sign it), and refuses a run that the next entry does not close with a good
//! signature by the same key naming the run's first entry, a `carried_from` with no run before
//! it, or a run longer than [`MAX_RUN`]. One signature per run instead of one per entry is what lets 100,000 entries be
//! written in one change.
//!
//! `gen` is a high-water mark: the largest vault generation any writer so far has seen, i.e. the
//! generation the writer saw, or the previous entry's `gen` if that is larger. So the last entry
//! alone says how new the vault's files must be, and a restore of older `vault.toml`, `vault.age`
//! and `agents/` beside an intact log is refused by reading only the log's tail.
//!
//! The keys a process holds are registered when it opens them (the admin state, an agent
//! envelope), so every entry the process writes is signed without each call site passing keys.

use super::Action;
use std::sync::Mutex;

use crate::crypto::KeyPair;

/// The domain of an entry signature.
pub const DOMAIN: &str = "agentcred-audit-entry-v1";

/// What an agent's key may sign: the agent's own calls and what the live checks record about
/// them (whoever the actor is: an admin running `exec --agent` acts through the agent's
/// envelope). Everything else (grants, secrets, keys, agents, settings) needs the issuer key.
pub fn agent_may_sign(action: &str) -> bool {
    Action::parse(action).is_some_and(|a| {
        a.is_exec()
            || matches!(
                a,
                Action::CredMint
                    | Action::CredRevoke
                    | Action::Delegate
                    | Action::Deny
                    | Action::Anomaly
                    | Action::AgentSuspend
                    | Action::BrokerRequest
                    | Action::BrokerResponse
                    | Action::OpenbaoRevoke
                    | Action::OpenbaoError
            )
    }) || action.starts_with("exec.")
}

/// Actions written by processes that hold no key, accepted unsigned (they are never counted as
/// proof of anything: they only say that a check ran).
pub const KEYLESS_ACTIONS: &[Action] = &[Action::Verify, Action::OpenbaoRevoke];

/// May a process holding no key have written this entry? `verify` (it needs only read access),
/// and a program holding only a credential token (a nested `exec` derives a narrower credential
/// from its parent's token, as `agent:NAME`). Such entries are claims, not proof: `audit verify`
/// counts them apart, and they can only make the live checks stricter.
pub fn keyless_may_write(actor: &str, action: &str) -> bool {
    KEYLESS_ACTIONS.iter().any(|a| action == *a)
        || (actor.starts_with("agent:")
            && (action == Action::CredMint
                || action == Action::Deny
                || action.starts_with("exec.")))
}

struct Held {
    issuer: Option<(KeyPair, u64)>,
    agents: Vec<(String, KeyPair, u64)>,
}

static HELD: Mutex<Held> = Mutex::new(Held {
    issuer: None,
    agents: Vec::new(),
});

fn held() -> std::sync::MutexGuard<'static, Held> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// This process opened the admin state at `generation`: admin entries are signed with `issuer`.
pub fn hold_issuer(issuer: KeyPair, generation: u64) {
    held().issuer = Some((issuer, generation));
}

/// The issuer key this process holds, if any, to put back with [`restore_issuer`] after an admin
/// change made on the way to something else.
pub fn held_issuer() -> Option<(KeyPair, u64)> {
    held().issuer.clone()
}

pub fn restore_issuer(issuer: Option<(KeyPair, u64)>) {
    held().issuer = issuer;
}

/// This process opened `agent`'s envelope, whose signed index is at `generation`.
pub fn hold_agent(agent: &str, key: KeyPair, generation: u64) {
    let mut h = held();
    h.agents.retain(|(a, _, _)| a != agent);
    h.agents.push((agent.to_string(), key, generation));
}

/// The key that signs `event` and the generation its writer saw, if this process holds one:
/// the issuer key for the admin's entries, the agent's key for an agent's own calls (either one
/// when the process holds only that one and it may sign the entry).
pub(super) fn signer_for(event: &super::Event) -> Option<(KeyPair, u64)> {
    let h = held();
    let admin = || h.issuer.as_ref().map(|(k, g)| (k.clone(), *g));
    let agent = || {
        event
            .agent
            .as_deref()
            .filter(|_| agent_may_sign(event.action.as_str()))
            .and_then(|a| h.agents.iter().find(|(name, _, _)| name == a))
            .map(|(_, k, g)| (k.clone(), *g))
    };
    // A delegator revoking a delegation it made records it under the delegate's name.
    let delegator = || {
        (event.action == Action::CredRevoke)
            .then(|| h.agents.first().map(|(_, k, g)| (k.clone(), *g)))
            .flatten()
    };
    if event.actor == "admin" {
        admin().or_else(agent)
    } else {
        agent().or_else(admin).or_else(delegator)
    }
}

/// `agent`'s signing key, if this process opened its envelope.
pub fn agent_key(agent: &str) -> Option<KeyPair> {
    held()
        .agents
        .iter()
        .find(|(name, _, _)| name == agent)
        .map(|(_, k, _)| k.clone())
}

/// The generation this process has seen, for an unsigned entry (0: none).
pub(super) fn seen_generation() -> u64 {
    let h = held();
    h.issuer
        .iter()
        .map(|(_, g)| *g)
        .chain(h.agents.iter().map(|(_, _, g)| *g))
        .max()
        .unwrap_or(0)
}

/// The signature part of a carried entry's `sig`: signed by the next entry (see the module
/// documentation).
pub const CARRIED: &str = "next";

/// The longest run of entries one signature covers: the signing entry and the carried entries
/// before it. Readers that check one entry look at most this far ahead.
pub const MAX_RUN: usize = 256;

/// The `sig` member's value for an entry whose signature the next entry carries.
pub(super) fn carried(key: &KeyPair) -> String {
    format!("{}:{CARRIED}", key.public().key_id())
}

/// The `sig` member's value for the line `body` (the entry without `sig` and `hash`).
pub(super) fn sign(key: &KeyPair, body: &[u8]) -> String {
    format!(
        "{}:{}",
        key.public().key_id(),
        key.sign_digest(DOMAIN, &crate::crypto::sha256(&[body]))
    )
}
