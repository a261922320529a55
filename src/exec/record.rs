//! What the audit log records of a run: `exec.start` beside its credential's `cred.mint`,
//! `exec.expire` when the credential expires under the program, and `exec.end` with the
//! credential's revocation when the program is over.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::OnExpiry;
use super::revoked::Revoked;
use crate::audit::{Action, Event, Outcome};
use crate::credential::revocation::Revocation;
use crate::credential::{Issued, Stamp};
use crate::crypto::KeyPair;
use crate::error::Result;
use crate::sensitive::SecretText;
use crate::vault::VaultToml;

/// What the audit log records of a run besides its argv: how it was asked to run.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    pub argc: usize,
    pub replace: bool,
    pub mask: bool,
    pub clean_env: bool,
    pub on_expiry: OnExpiry,
}

/// What exec.start records of a sandbox on a kernel without Landlock scoping (before 6.12).
pub const UNSCOPED: &str =
    "on, without Landlock scoping: abstract sockets and signals outside are reachable";

/// The program's argv as the audit log stores it: HMACs, never the words.
pub fn argv_hmac(key: &SecretText, argv: &[std::ffi::OsString]) -> Vec<String> {
    argv.iter()
        .map(|a| crate::audit::hmac_field(key, a.as_encoded_bytes()))
        .collect()
}

/// `exec.start`. `sandbox`: `on`, `off` or `unavailable: …`; none for a credential derived inside
/// a run, whose program stays inside whatever its parent's supervisor set up.
pub fn start_event(
    stamp: &Stamp<'_>,
    argv_hmac: Option<Vec<String>>,
    shape: &Shape,
    sandbox: Option<&str>,
) -> Event {
    let mut e = Event::new(stamp.actor, Action::ExecStart)
        .agent(stamp.agent)
        .details(serde_json::json!({
            "argc": shape.argc,
            "replace": shape.replace,
            "mask": shape.mask,
            "clean_env": shape.clean_env,
            "on_expiry": shape.on_expiry,
        }));
    if let Some(d) = e.details_mut().as_object_mut() {
        if let Some(sandbox) = sandbox {
            d.insert("sandbox".into(), sandbox.into());
            if sandbox != "on" {
                d.insert(
                    "warning".into(),
                    "the program ran without the sandbox: it could reach the vault directory and the key file"
                        .into(),
                );
            }
        }
        if !stamp.on_behalf_of.is_empty() {
            d.insert("on_behalf_of".into(), stamp.on_behalf_of.into());
        }
    }
    e.credential_id = Some(stamp.id.to_string());
    e.argv_hmac = argv_hmac;
    e
}

/// `exec.expire`: the credential expired while its program ran, or was revoked under it (then
/// with `"reason": "revoked"`, the block revoked and who revoked it). Best effort, as the
/// program's fate does not wait on it.
pub fn expiry(
    (dir, config): (&Path, &VaultToml),
    (actor, agent, id): (&str, &str, &str),
    (policy, revoked): (OnExpiry, Option<&Revoked>),
    now: DateTime<Utc>,
) {
    let details = match revoked {
        None => serde_json::json!({ "on_expiry": policy }),
        Some(r) => serde_json::json!({
            "on_expiry": policy,
            "reason": "revoked",
            "revoked": r.id,
            "revoked_by": r.by,
            "revoked_from": r.from,
        }),
    };
    let mut e = Event::new(actor, Action::ExecExpire)
        .agent(agent)
        .details(details);
    e.credential_id = Some(id.to_string());
    let _ = crate::session::append(dir, config, now, vec![e], &[]);
}

/// `exec.end` and the revocation of the credential, signed with the run's one-off key.
pub fn end(
    (dir, config): (&Path, &VaultToml),
    issued: &Issued,
    (actor, revoke_key): (&str, &KeyPair),
    (outcome, details): (Outcome, serde_json::Value),
    now: DateTime<Utc>,
) -> Result<()> {
    let mut e = Event::new(actor, Action::ExecEnd)
        .agent(&issued.plan.agent)
        .details(details);
    e.credential_id = Some(issued.id.clone());
    e.result = Some(outcome);
    let line = Revocation::new(
        crate::credential::revocation::By::Holder,
        &issued.id,
        &issued.plan.agent,
        Some(issued.plan.expires_at),
        revoke_key,
        now,
    );
    crate::session::append(dir, config, now, vec![e], &[line])
}

/// Revokes what the run's credential holds in OpenBao, now that it ended. Returns the warning
/// to show if OpenBao could not be reached (the next command tries again).
pub fn release(
    (dir, config): (&Path, &VaultToml),
    issued: &Issued,
    now: DateTime<Utc>,
) -> Option<String> {
    let record = issued.openbao.as_ref()?;
    crate::openbao::handles::release(dir, config, record, "exec-end", now)
        .err()
        .map(|e| {
            format!(
                "warning: credential {} ended, but what it holds in OpenBao is not revoked yet: {e}\n  the next agentcred command tries again; `agentcred status` lists it",
                issued.id
            )
        })
}

/// The warning when a run's end could not be recorded: the child has already run, and its status
/// must still be returned.
pub fn end_failed(id: &str, err: &crate::error::Error) -> String {
    format!("warning: could not record the end of the program or revoke its credential {id}: {err}")
}
