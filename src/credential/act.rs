//! Acting on a token delegated to an agent (`exec --on-behalf-of`; docs/DESIGN.md, "The
//! confused-deputy defence"): the agent running it (B) gets the intersection of what the token
//! delegates and what B is granted, for no longer than the token lives. The new block is signed
//! with B's key, and the audit log names both the acting agent and those it acts for.

use super::{Issued, Request, Source, Stamp};
use crate::audit::{Attempt, Event};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;
use crate::session::{Opened, Session};

/// A credential issued on behalf of others.
pub struct Acted {
    pub issued: Issued,
    /// The agents acted for, the first delegator first.
    pub on_behalf_of: Vec<String>,
    /// The delegations the token carries, in order.
    pub delegations: Vec<String>,
}

/// Issues, for `opened`'s agent, what `token` delegates to it and it is granted, as `req` narrows.
pub fn act(
    session: &Session<'_>,
    opened: &Opened,
    token: &SecretText,
    req: &Request,
    revoke_key: &KeyPair,
    following: &dyn Fn(&Stamp<'_>) -> Vec<Event>,
) -> Result<Acted> {
    let envelope = &opened.envelope;
    let refuse = |e: Error| session.refuse(opened.caller(), Attempt::Exec, &req.secrets, e);
    let holder = crate::token::Request {
        holder: Some(envelope.agent.clone()),
        ..crate::token::Request::default()
    };
    let info = session.verify_token(token, &holder).map_err(refuse)?;
    if info.hops.is_empty() {
        return Err(refuse(
            Error::denied(format!(
                "the token is agent {}'s own credential, not a delegation to {}",
                info.agent, envelope.agent
            ))
            .hint("ask for one with `agentcred delegate --to AGENT`"),
        ));
    }
    // Secrets: those the delegated credential covers, that this agent is granted too.
    let delegated: Vec<String> = info.injected.iter().map(|(s, _)| s.clone()).collect();
    let mut secrets: Vec<String> = delegated
        .iter()
        .filter(|s| envelope.secrets.contains_key(*s))
        .filter(|s| req.secrets.is_empty() || req.secrets.contains(s))
        .cloned()
        .collect();
    secrets.sort();
    secrets.dedup();
    if secrets.is_empty() {
        return Err(refuse(
            Error::denied(format!(
                "nothing delegated to {} is also granted to it (delegated: {})",
                envelope.agent,
                if delegated.is_empty() {
                    "no secrets".to_string()
                } else {
                    delegated.join(", ")
                }
            ))
            .hint("acting on behalf of another agent never adds to what this agent is granted"),
        ));
    }
    let actions = intersect(req.actions.clone(), info.delegated_actions.clone());
    let resources = intersect(
        req.resources
            .as_ref()
            .map(|r| r.iter().map(ToString::to_string).collect()),
        info.delegated_resources.clone(),
    );
    if actions.as_ref().is_some_and(Vec::is_empty) || resources.as_ref().is_some_and(Vec::is_empty)
    {
        return Err(refuse(Error::denied(
            "the requested scope lies outside what the token delegates",
        )));
    }
    let request = Request {
        secrets,
        ttl: req.ttl,
        actions,
        resources: resources
            .map(|r| {
                r.iter()
                    .map(|x| crate::grant::Pattern::parse(x))
                    .collect::<Result<_>>()
            })
            .transpose()?,
        previous: false,
        parent_expires_at: info.expires_at,
    };
    let plan = super::plan(envelope, opened.key.as_ref(), &request, session.now).map_err(refuse)?;
    let signer = KeyPair::from_secret(&envelope.signing_key)?;
    let rights = envelope.rights();
    let mut on_behalf_of: Vec<String> = vec![info.agent.clone()];
    on_behalf_of.extend(info.hops.iter().map(|h| h.to.clone()));
    on_behalf_of.pop();
    let delegations: Vec<String> = info.hops.iter().map(|h| h.id.clone()).collect();
    let extra = serde_json::json!({
        "on_behalf_of": on_behalf_of,
        "delegations": delegations,
        "tasks": info.hops.iter().filter_map(|h| h.task.clone()).collect::<Vec<_>>(),
    });
    let parent = info.hops.last().map(|h| h.id.clone());
    let source = Source {
        from: token,
        parent: parent.as_deref(),
        actor: &opened.actor,
        extra: Some(extra),
        revoke_key: Some(revoke_key.public()),
        limits: opened.limits(),
        acting: Some((&signer, &rights)),
    };
    let issued = super::issue(session, plan, source, &on_behalf_of, following)?;
    Ok(Acted {
        issued,
        on_behalf_of,
        delegations,
    })
}

/// What both the request and the token allow in one dimension (`None`: no limit there).
fn intersect(asked: Option<Vec<String>>, delegated: Option<Vec<String>>) -> Option<Vec<String>> {
    match (asked, delegated) {
        (Some(a), Some(d)) => Some(a.into_iter().filter(|x| d.contains(x)).collect()),
        (a, None) => a,
        (None, d) => d,
    }
}
