//! Minting from an agent's own authority (`mint`, `exec`, and the parent of a fresh delegation):
//! decide with [`plan`](super::plan), record a refusal, issue from the authority in the envelope.

use super::{Issued, Plan, Request, Source, Stamp};
use crate::audit::{Attempt, Event};
use crate::error::Result;
use crate::session::{Opened, Session};

/// What a caller adds to a mint: more `cred.mint` details, a one-off key that may revoke the
/// credential, and the entries that follow `cred.mint` in the same append.
pub struct Extras<'a> {
    pub details: Option<serde_json::Value>,
    pub revoke_key: Option<crate::crypto::PublicKey>,
    pub following: &'a dyn Fn(&Stamp<'_>) -> Vec<Event>,
}

impl Default for Extras<'_> {
    fn default() -> Self {
        Extras {
            details: None,
            revoke_key: None,
            following: &|_| Vec::new(),
        }
    }
}

/// Decides a mint for `opened`; a refusal is recorded (as `attempted`) and returned.
pub fn decide(
    session: &Session<'_>,
    opened: &Opened,
    request: &Request,
    attempted: Attempt,
) -> Result<Plan> {
    super::plan(&opened.envelope, opened.key.as_ref(), request, session.now)
        .map_err(|e| session.refuse(opened.caller(), attempted, &request.secrets, e))
}

/// Issues a decided plan from the agent's authority.
pub fn issue(
    session: &Session<'_>,
    opened: &Opened,
    plan: Plan,
    extras: Extras<'_>,
) -> Result<Issued> {
    let source = Source {
        from: &opened.envelope.authority,
        parent: None,
        actor: &opened.actor,
        extra: extras.details,
        revoke_key: extras.revoke_key,
        limits: opened.limits(),
        acting: None,
    };
    super::issue(session, plan, source, &[], extras.following)
}

/// [`decide`], then [`issue`].
pub fn mint(
    session: &Session<'_>,
    opened: &Opened,
    request: &Request,
    attempted: Attempt,
    extras: Extras<'_>,
) -> Result<Issued> {
    let plan = decide(session, opened, request, attempted)?;
    issue(session, opened, plan, extras)
}
