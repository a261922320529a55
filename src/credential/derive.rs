//! A credential derived from a parent credential's token, by a nested `exec` in-process or by a
//! supervisor for the program it runs. It never widens: only secrets the parent injected (their
//! values from the caller, by variable name), no longer than the parent lives, the actions and
//! resources narrowed by a block appended to the parent's token. It needs no unlock input.

use super::{Injected, Issued, LimitedBy, Plan, Request, Source, Stamp};
use crate::audit::{Attempt, Event};
use crate::destination::Destination;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;
use crate::session::{Caller, Session};
use crate::watch::Limits;

/// What a derivation starts from.
pub struct Parent<'a> {
    pub token: &'a SecretText,
    pub id: &'a str,
    /// The value of each variable the parent injected, by name, and where it may go.
    pub value_of: &'a dyn Fn(&str) -> Option<(SecretText, Destination)>,
}

/// A derived credential and the actor it is recorded under (`agent:NAME`).
pub struct Derived {
    pub issued: Issued,
    pub actor: String,
}

/// Derives from `parent` as `req` asks, acting as `as_agent` if named (it must be the parent's).
pub fn derive(
    session: &Session<'_>,
    parent: &Parent<'_>,
    as_agent: Option<&str>,
    req: Request,
    revoke_key: &crate::crypto::KeyPair,
    following: &dyn Fn(&Stamp<'_>) -> Vec<Event>,
) -> Result<Derived> {
    let now = session.now;
    let info = session.verify_token(parent.token, &crate::token::Request::default())?;
    let actor = format!("agent:{}", info.agent);
    let caller = Caller {
        actor: &actor,
        agent: &info.agent,
        limits: Limits::default(),
    };
    let refuse = |e: Error| session.refuse(caller, Attempt::Exec, &req.secrets, e);
    if let Some(a) = as_agent.filter(|a| *a != info.agent) {
        return Err(refuse(Error::denied(format!(
            "this exec runs inside agent {}'s credential; it cannot act as {a}",
            info.agent
        ))));
    }
    let parent_expires = info
        .expires_at
        .ok_or_else(|| Error::bad_data("the parent token has no expiry"))?;
    let remaining = parent_expires - now;
    let ttl = req.ttl.unwrap_or(remaining);
    if ttl > remaining {
        return Err(refuse(
            Error::denied(format!(
                "--ttl {} is longer than the parent credential's remaining {}",
                crate::duration::format(ttl),
                crate::duration::format(remaining)
            ))
            .hint("a nested exec can only narrow"),
        ));
    }
    let wanted: Vec<&(String, String)> = if req.secrets.is_empty() {
        info.injected.iter().collect()
    } else {
        let mut v = Vec::new();
        for s in &req.secrets {
            // A secret injected as several variables (a lease's fields) is handed on whole.
            let before = v.len();
            v.extend(
                info.injected
                    .iter()
                    .filter(|(name, var)| name == s || var == s),
            );
            if v.len() == before {
                return Err(refuse(
                    Error::denied(format!("secret {s} is not in the parent credential"))
                        .hint("a nested exec can only narrow"),
                ));
            }
        }
        v
    };
    let versions = super::ledger::versions_of(&session.vault.dir, parent.id);
    let mut secrets = Vec::new();
    for (name, var) in wanted {
        let (value, destination) = (parent.value_of)(var).ok_or_else(|| {
            refuse(Error::denied(format!(
                "the parent credential's {var} is not in this environment"
            )))
        })?;
        // Handing it on would put the value in the nested program's environment.
        if destination.is_brokered() {
            return Err(refuse(
                Error::denied(format!(
                    "secret {name} is delivered only through the broker: a nested exec cannot be given it"
                ))
                .hint("name the other secrets with --secret; the program already holds its placeholder"),
            ));
        }
        secrets.push(Injected {
            name: name.clone(),
            env: var.clone(),
            version: versions.get(name).copied().unwrap_or(0),
            value,
            destination,
            source: None,
            field: None,
        });
    }
    secrets.sort_by(|a, b| (&a.name, &a.env).cmp(&(&b.name, &b.env)));
    secrets.dedup_by(|a, b| a.name == b.name && a.env == b.env);
    let plan = Plan {
        agent: info.agent.clone(),
        secrets,
        actions: req.actions,
        resources: req.resources,
        issued_at: now,
        expires_at: now + ttl,
        requested_ttl: ttl,
        limited_by: if req.ttl.is_some() {
            LimitedBy::Request
        } else {
            LimitedBy::ParentCredential
        },
    };
    let source = Source {
        from: parent.token,
        parent: Some(parent.id),
        actor: &actor,
        extra: Some(serde_json::json!({ "nested": true })),
        revoke_key: Some(revoke_key.public()),
        limits: Limits::default(),
        acting: None,
    };
    let issued = super::issue(session, plan, source, &[], following)?;
    Ok(Derived { issued, actor })
}
