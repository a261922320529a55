//! Delegation (docs/DESIGN.md, "Delegation: narrowing"): hand another agent a narrower part of an
//! agent's rights.
//!
//! The confused-deputy defence: the delegated token names from, to and task, carries only a
//! subset of the delegator's scope and a shorter or equal life, and is signed with the
//! delegator's own key, so the receiver can prove exactly what it was given and by whom, and can
//! never use more (its own `exec --on-behalf-of` intersects it with its own grants).

use chrono::{DateTime, Duration, Utc};

use super::{Request, ledger, mint};
use crate::audit::{Action, Attempt, Event};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::grant::{self, Pattern};
use crate::sensitive::SecretText;
use crate::session::{Caller, Opened, Session};

/// What a delegation asks for.
#[derive(Clone, Debug, Default)]
pub struct Ask {
    pub to: String,
    /// Empty: every action the parent allows.
    pub actions: Vec<String>,
    /// Exact resources; empty: every resource the parent allows.
    pub resources: Vec<String>,
    pub ttl: Option<Duration>,
    pub task: Option<String>,
}

impl Ask {
    /// The request's own checks, before anything is opened or asked.
    pub fn validate(&self) -> Result<()> {
        crate::agent::validate_name(&self.to)?;
        for a in &self.actions {
            grant::validate_action(a)?;
            if a == "*" {
                return Err(
                    Error::usage("--action * delegates nothing narrower: leave it out")
                        .hint("name the actions to delegate, or none for all the parent allows"),
                );
            }
        }
        for r in &self.resources {
            if r.is_empty() || r.contains('*') {
                return Err(Error::usage(format!(
                    "--resource {r:?}: delegations name exact resources"
                ))
                .hint("list each resource to delegate, or none for all the parent allows"));
            }
        }
        if let Some(t) = self.ttl.filter(|t| t.num_seconds() <= 0) {
            return Err(Error::usage(format!(
                "--ttl must be positive, not {}",
                crate::duration::format(t)
            )));
        }
        Ok(())
    }
}

/// The agent delegating: its name, the audit actor, its signing key and what the live checks
/// enforce for it. Kept by an exec's supervisor to delegate from the run's credential.
#[derive(Clone)]
pub struct Delegator {
    pub agent: String,
    actor: String,
    signing_key: SecretText,
    audit_key: SecretText,
    rate_limit: Option<crate::agent::RateLimit>,
    suspend_on_anomaly: bool,
    authorities: Vec<String>,
    key: Option<crate::key::KeyRecord>,
}

impl Delegator {
    pub fn of(opened: &Opened) -> Delegator {
        let envelope = &opened.envelope;
        Delegator {
            agent: envelope.agent.clone(),
            actor: opened.actor.clone(),
            signing_key: envelope.signing_key.clone(),
            audit_key: envelope.audit_key.clone(),
            rate_limit: envelope.policy.rate_limit,
            suspend_on_anomaly: envelope.policy.suspend_on_anomaly,
            authorities: envelope.authorities.clone(),
            key: opened.key.clone(),
        }
    }

    /// The agent's hard `--rate-limit`.
    pub fn rate_limit(&self) -> Option<crate::agent::RateLimit> {
        self.rate_limit
    }

    /// The agent's audit key (sensitive fields are recorded as its HMACs).
    pub fn audit_key(&self) -> &SecretText {
        &self.audit_key
    }

    fn caller(&self) -> Caller<'_> {
        Caller {
            actor: &self.actor,
            agent: &self.agent,
            limits: crate::watch::Limits {
                rate_limit: self.rate_limit,
                suspend_on_anomaly: self.suspend_on_anomaly,
                signing_key: Some(&self.signing_key),
                key: self.key.as_ref(),
                authorities: &self.authorities,
            },
        }
    }
}

/// A delegation made: what `delegate` prints.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Delegated {
    pub id: String,
    pub from: String,
    pub to: String,
    pub task: Option<String>,
    pub scope: serde_json::Value,
    pub chain: Vec<String>,
    pub parent: Option<String>,
    pub token: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// A fresh credential of `opened`'s agent to delegate from, when it names no token of its own.
pub fn fresh_parent(session: &Session<'_>, opened: &Opened, ask: &Ask) -> Result<SecretText> {
    // Checked before a credential is minted for a delegation that cannot be made.
    if ask.to == opened.agent() {
        return Err(Error::usage(format!(
            "agent {} cannot delegate to itself",
            opened.agent()
        )));
    }
    target_key(session, &ask.to)?;
    let request = Request {
        ttl: ask.ttl,
        actions: (!ask.actions.is_empty()).then(|| ask.actions.clone()),
        resources: (!ask.resources.is_empty()).then(|| {
            ask.resources
                .iter()
                .map(|r| Pattern::Exact(r.clone()))
                .collect()
        }),
        ..Request::default()
    };
    let extras = mint::Extras {
        details: Some(serde_json::json!({ "for_delegation_to": ask.to })),
        ..mint::Extras::default()
    };
    Ok(mint::mint(session, opened, &request, Attempt::Delegate, extras)?.token)
}

/// Delegates from `parent`, a token `who` holds, to `ask.to`: never wider, never longer.
pub fn delegate(
    session: &Session<'_>,
    who: &Delegator,
    parent: &SecretText,
    ask: &Ask,
) -> Result<Delegated> {
    let now = session.now;
    let (from, caller) = (who.agent.clone(), who.caller());
    if ask.to == from {
        return Err(Error::usage(format!(
            "agent {from} cannot delegate to itself"
        )));
    }
    let to_key = target_key(session, &ask.to)?;
    let tokens = session.tokens()?;
    let refuse = |e: Error| session.refuse(caller, Attempt::Delegate, &[], e);
    let holder = crate::token::Request {
        holder: Some(from.clone()),
        ..crate::token::Request::default()
    };
    let parent_info = tokens
        .verify(parent.expose_secret(), &holder)
        .map_err(refuse)?;
    let parent_expires = parent_info
        .expires_at
        .ok_or_else(|| Error::bad_data("the parent token has no expiry"))?;

    // Only narrower: never longer, never wider. Token expiries are whole seconds.
    let whole = |t: DateTime<Utc>| DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    let expires_at = match ask.ttl {
        Some(ttl) if whole(now + ttl) > parent_expires => {
            return Err(refuse(
                Error::denied(format!(
                    "--ttl {} would outlive the parent token, which expires at {}",
                    crate::duration::format(ttl),
                    crate::clock::rfc3339(parent_expires)
                ))
                .hint("a delegation can only shorten"),
            ));
        }
        Some(ttl) => whole(now + ttl),
        None => parent_expires,
    };
    let or_all = |v: &[String]| {
        if v.is_empty() {
            vec!["*".to_string()]
        } else {
            v.to_vec()
        }
    };
    let (actions, resources) = (or_all(&ask.actions), or_all(&ask.resources));
    for a in &actions {
        for r in &resources {
            let wanted = crate::token::Request {
                action: Some(a.clone()),
                resource: Some(r.clone()),
                holder: Some(from.clone()),
                proof: None,
            };
            if let Err(e) = tokens.verify(parent.expose_secret(), &wanted) {
                let what = match (a.as_str(), r.as_str()) {
                    ("*", r) => format!("access to {r}"),
                    (a, "*") => a.to_string(),
                    (a, r) => format!("{a} on {r}"),
                };
                return Err(refuse(
                    Error::denied(format!(
                        "agent {from} cannot delegate {what}: its token does not allow it ({e})"
                    ))
                    .hint("a delegation can only narrow what the delegator holds"),
                ));
            }
        }
    }

    let signer = KeyPair::from_secret(&who.signing_key)?;
    let hop = crate::token::Delegation {
        from: from.clone(),
        to: ask.to.clone(),
        to_key,
        task: ask.task.clone(),
        actions: (!ask.actions.is_empty()).then(|| ask.actions.clone()),
        resources: (!ask.resources.is_empty()).then(|| ask.resources.clone()),
        expires_at,
    };
    let (token, chain) =
        crate::token::delegate(parent.expose_secret(), tokens.keys(), &signer, &hop)?;
    let id = chain.last().cloned().expect("a token has blocks");
    let parent_id = parent_info.ids.last().cloned();
    let scope = serde_json::json!({
        "actions": actions,
        "resources": resources,
        "expires_at": crate::clock::rfc3339(expires_at),
    });
    let mut agents: Vec<String> = vec![parent_info.agent.clone()];
    agents.extend(parent_info.hops.iter().map(|h| h.to.clone()));
    agents.push(ask.to.clone());
    let secrets: Vec<String> = parent_info
        .injected
        .iter()
        .map(|(s, _)| s.clone())
        .collect();
    // The values a delegation passes on are the parent's, so it carries the parent's versions.
    let versions = parent_id
        .as_deref()
        .map(|p| super::ledger::versions_of(&session.vault.dir, p))
        .unwrap_or_default();
    let version_of = |name: &str| versions.get(name).copied().unwrap_or(0);
    let mut event = Event::new(caller.actor, Action::Delegate)
        .agent(&from)
        .secrets(secrets.iter().cloned())
        .details(serde_json::json!({
            "from": from,
            "to": ask.to,
            "task": ask.task,
            "parent": parent_id,
            "chain": agents,
            "versions": secrets.iter().map(|s| (s.clone(), version_of(s))).collect::<std::collections::BTreeMap<_, _>>(),
        }));
    event.credential_id = Some(id.clone());
    event.scope = Some(scope.clone());
    let entry = ledger::Entry {
        id: id.clone(),
        agent: ask.to.clone(),
        actor: caller.actor.to_string(),
        secrets: secrets
            .into_iter()
            .map(|name| ledger::SecretRef {
                version: version_of(&name),
                name,
            })
            .collect(),
        actions: actions.clone(),
        resources: resources.clone(),
        issued_at: now,
        expires_at,
        parent: parent_id.clone(),
        chain: chain.clone(),
    };
    // On the log before the token leaves this process (fail closed).
    let call = crate::watch::Call {
        agent: &from,
        actor: caller.actor,
        limits: caller.limits,
        authority_id: chain.first().map(String::as_str),
    };
    super::issue::record(session, &call, vec![event], &entry, now)?;
    Ok(Delegated {
        id,
        from,
        to: ask.to.clone(),
        task: ask.task.clone(),
        scope,
        chain: agents,
        parent: parent_id,
        token,
        actions,
        resources,
        expires_at,
    })
}

/// The public key of the agent receiving a delegation.
fn target_key(session: &Session<'_>, to: &str) -> Result<crate::crypto::PublicKey> {
    let vault = session.vault;
    let roster = crate::roster::read(&vault.dir, &vault.config)?;
    let target = roster
        .iter()
        .find(|e| e.name == to)
        .ok_or_else(|| crate::vault::state::unknown_agent(to))?;
    crate::crypto::PublicKey::parse(&target.public_key)
        .ok_or_else(|| Error::bad_data(format!("agent {to} has a malformed public key")))
}
