//! A credential this process holds for a broker with no program of its own (`agentcred broker`,
//! `agentcred mcp`): minted and recorded as a run is (`exec.start` with `broker: KIND`, the
//! `running/` record that lets the next command end it if this process dies), and ended as a run
//! ends (`exec.end`, the credential revoked with the run's one-off key).

use crate::audit::Outcome;
use crate::credential::{Issued, Plan, Stamp, mint};
use crate::crypto::KeyPair;
use crate::error::Result;
use crate::session::{Opened, Session};

use super::record::{self, Shape};
use super::{OnExpiry, running};

/// The credential, its one-off revocation key and its `running/` record.
pub struct Held {
    pub issued: Issued,
    actor: String,
    revoke_key: KeyPair,
    guard: Option<running::Guard>,
}

impl Held {
    /// Issues `plan` and writes the run's record. `kind` names the broker in `exec.start`.
    pub fn start(session: &Session<'_>, opened: &Opened, plan: Plan, kind: &str) -> Result<Held> {
        let revoke_key = KeyPair::generate();
        let shape = Shape {
            argc: 0,
            replace: false,
            mask: false,
            clean_env: false,
            on_expiry: OnExpiry::Ignore,
        };
        let following = |stamp: &Stamp<'_>| {
            let mut e = record::start_event(stamp, None, &shape, Some("off"));
            if let Some(d) = e.details_mut().as_object_mut() {
                // No program of agentcred's: nothing for a sandbox to hold.
                d.remove("warning");
                d.insert("broker".into(), kind.into());
            }
            vec![e]
        };
        let extras = mint::Extras {
            revoke_key: Some(revoke_key.public()),
            following: &following,
            ..mint::Extras::default()
        };
        let issued = mint::issue(session, opened, plan, extras)?;
        let mut held = Held {
            issued,
            actor: opened.actor.clone(),
            revoke_key,
            guard: None,
        };
        let vault = session.vault;
        match running::start(
            &vault.dir,
            &held.issued.id,
            &held.issued.plan.agent,
            &held.actor,
            held.issued.plan.expires_at,
            &held.revoke_key,
        ) {
            Ok(guard) => held.guard = Some(guard),
            Err(e) => {
                if let Some(w) = held.not_started(vault, session.clock().now(), &e, None) {
                    (session.say())(&w);
                }
                return Err(e);
            }
        }
        Ok(held)
    }

    /// Who the credential's records name as acting.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Records that the broker never served (and revokes the credential). Returns the warning
    /// to show if that could not be recorded.
    #[must_use]
    pub fn not_started(
        self,
        vault: &crate::vault::Vault,
        now: chrono::DateTime<chrono::Utc>,
        e: &crate::error::Error,
        broker: Option<serde_json::Value>,
    ) -> Option<String> {
        let details =
            serde_json::json!({ "started": false, "reason": e.to_string(), "broker": broker });
        self.end(vault, now, Outcome::Error, details)
    }

    /// Records the end and revokes the credential. Returns the warning to show if that could not
    /// be recorded, as at the end of a run (the credential expires on its own regardless).
    #[must_use]
    pub fn end(
        self,
        vault: &crate::vault::Vault,
        now: chrono::DateTime<chrono::Utc>,
        outcome: Outcome,
        details: serde_json::Value,
    ) -> Option<String> {
        let ended = record::end(
            (&vault.dir, &vault.config),
            &self.issued,
            (&self.actor, &self.revoke_key),
            (outcome, details),
            now,
        );
        let released = record::release((&vault.dir, &vault.config), &self.issued, now);
        if let Some(guard) = self.guard {
            guard.remove();
        }
        let ended = ended
            .err()
            .map(|err| record::end_failed(&self.issued.id, &err));
        match (ended, released) {
            (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
            (a, b) => a.or(b),
        }
    }
}

/// A flag SIGTERM, SIGINT and SIGHUP set instead of ending the process: a broker without a
/// program stops in order on them (its credential recorded ended and revoked).
pub fn stop_on_signals() -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .map_err(|e| crate::error::Error::other(format!("cannot handle signals: {e}")))?;
    }
    Ok(stop)
}
