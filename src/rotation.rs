//! Rotation with overlap windows (docs/DESIGN.md, "Rotation"): what ends when a window closes.
//!
//! Rotating never breaks a running agent: the old secret version, agent key or issuer key keeps
//! working until the end of the window the admin chose, and stops then. Stopping is enforced at
//! the instant the window ends by the checks that serve it (`mint` refuses a `PREVIOUS` version
//! or a key past its `retire_at`; `verify` refuses tokens of an issuer key past it). What is left
//! to do afterwards is destruction, done by [`sweep`] inside the next admin change (every
//! `Vault::update` runs it first, and `status`, `secret list|show` and `rotate --due` start one
//! when something is due):
//!
//! - a `PREVIOUS` version is retired and its value destroyed, the envelopes that carried it are
//!   re-encrypted without it, and credentials still live on it are revoked;
//! - a retired agent key is marked so, and its agent's envelope is re-encrypted without it;
//! - a retired issuer key's secret half is dropped (its public half stays, for old checkpoints);
//! - and, though not a rotation, the envelopes still encrypted to agent keys that have expired
//!   since are rewritten without them ([`expire_keys`]).
//!
//! Each rotation is one `Vault::update`, one durable commit: a crash at any point leaves the old
//! state or the new one, so exactly one `CURRENT` and at most one `PREVIOUS` always.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::admin::Change;
use crate::audit::Event;
use crate::error::Result;
use crate::vault::State;

/// Is anything due for [`sweep`] or [`expire_keys`] at `now`?
pub fn due(state: &State, now: DateTime<Utc>) -> bool {
    state.key_expiry.next.is_some_and(|next| next <= now)
        || state.secrets.values().any(|s| {
            s.versions.iter().any(|v| {
                v.stage == crate::secret::Stage::Previous && v.retire_at.is_some_and(|r| r <= now)
            })
        })
        || state.agents.values().any(|a| {
            a.keys
                .iter()
                .any(|k| k.revoked_at.is_none() && k.retire_at.is_some_and(|r| r <= now))
        })
        || state
            .issuer_keys
            .iter()
            .any(|k| k.retire_at.is_some_and(|r| r <= now) && !k.secret.expose_secret().is_empty())
}

/// Credentials still live on versions of `secret` that stop being served: revoked now for the
/// versions `retired`, and from the end of its window for the version left `PREVIOUS` (so a
/// credential minted before a rotation works until min(its expiry, the window's end)).
pub fn revoke_for(
    c: &mut Change<'_>,
    dir: &Path,
    secret: &str,
    p: &crate::secret::Promotion,
) -> Result<usize> {
    if p.retired.is_empty() && p.previous.is_none() {
        return Ok(0);
    }
    let now = c.now;
    let mut n = 0;
    for e in crate::credential::ledger::read(dir)? {
        if e.expires_at <= now {
            continue;
        }
        for r in e.secrets.iter().filter(|r| r.name == secret) {
            if p.retired.contains(&r.version) {
                c.revoke_credential(&e.id, &e.agent, Some(e.expires_at));
                n += 1;
            } else if let Some((v, end)) = p.previous
                && v == r.version
                && e.expires_at > end
            {
                c.revoke_credential_from(&e.id, &e.agent, Some(e.expires_at), end);
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Ends what is due (see the module documentation) and returns the audit entries saying so.
pub fn sweep(c: &mut Change<'_>, dir: &Path) -> Result<Vec<Event>> {
    let now = c.now;
    let mut events = Vec::new();
    let mut retired: Vec<(String, u32)> = Vec::new();
    for s in c.state.secrets.values_mut() {
        if let Some(v) = s.retire_due(now) {
            retired.push((s.name.clone(), v));
        }
    }
    if !retired.is_empty() {
        // Credentials still live on a retired version stop now too.
        let live: Vec<_> = crate::credential::ledger::read(dir)?
            .into_iter()
            .filter(|e| e.expires_at > now)
            .filter(|e| {
                e.secrets
                    .iter()
                    .any(|r| retired.iter().any(|(n, v)| *n == r.name && *v == r.version))
            })
            .collect();
        for e in &live {
            c.revoke_credential(&e.id, &e.agent, Some(e.expires_at));
        }
        for (name, version) in &retired {
            c.touch_grantees(name)?;
            events.push(
                Event::admin(crate::audit::Action::SecretRetire)
                    .secrets([name.as_str()])
                    .details(serde_json::json!({
                        "version": version,
                        "credentials_revoked": live.iter().filter(|e| e.secrets.iter().any(|r| r.name == *name && r.version == *version)).count(),
                    })),
            );
        }
    }
    let mut keys: Vec<(String, String)> = Vec::new();
    for a in c.state.agents.values_mut() {
        for k in &mut a.keys {
            if k.revoked_at.is_none()
                && let Some(r) = k.retire_at.filter(|r| *r <= now)
            {
                k.revoked_at = Some(r);
                keys.push((a.name.clone(), k.id.clone()));
            }
        }
    }
    for (agent, key) in keys {
        c.touch(&agent);
        events.push(
            Event::admin(crate::audit::Action::KeyRetire)
                .agent(&agent)
                .details(serde_json::json!({ "key_id": key })),
        );
    }
    for k in &mut c.state.issuer_keys {
        if k.retire_at.is_some_and(|r| r <= now) && !k.secret.expose_secret().is_empty() {
            k.secret = crate::sensitive::SecretText::new(String::new());
            events.push(
                Event::admin(crate::audit::Action::IssuerRetire)
                    .details(serde_json::json!({ "key_id": k.id })),
            );
        }
    }
    Ok(events)
}

/// Rewrites the envelopes that are still encrypted to agent keys which expired since they were
/// written, so that an expired key no longer opens its envelope even with stock age. Cheap unless
/// a key expired: `State::key_expiry` says when the next one does, and only then are the agents
/// looked at.
pub fn expire_keys(c: &mut Change<'_>) {
    let now = c.now;
    if c.state.key_expiry.next.is_none_or(|next| next > now) {
        return;
    }
    let since = c.state.key_expiry.swept;
    let mut next: Option<DateTime<Utc>> = None;
    let mut expired = Vec::new();
    for a in c.state.agents.values() {
        for k in a.keys.iter().filter(|k| k.revoked_at.is_none()) {
            if k.expires_at > now {
                next = Some(next.map_or(k.expires_at, |n| n.min(k.expires_at)));
            } else if since.is_none_or(|s| k.expires_at > s) {
                expired.push(a.name.clone());
            }
        }
    }
    for agent in &expired {
        c.touch(agent);
    }
    c.state.key_expiry.next = next;
    c.state.key_expiry.swept = Some(now);
}
