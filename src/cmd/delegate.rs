//! `agentcred delegate` (docs/DESIGN.md, "Delegation: narrowing"): hand another agent a narrower
//! part of an agent's rights.
//!
//! The confused-deputy defence: the delegated token names from, to and task, carries only a
//! subset of the delegator's scope and a shorter or equal life, and is signed with the
//! delegator's own key, so the receiver can prove exactly what it was given and by whom, and can
//! never use more (its own `exec --on-behalf-of` intersects it with its own grants).

use crate::audit::Event;
use crate::cli::{DelegateArgs, DelegateFormat};
use crate::cmd::Ctx;
use crate::cmd::mint::open_agent;
use crate::credential::revocation::RevocationList;
use crate::credential::{self, ledger};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::grant::{self, Pattern};
use crate::sensitive::SecretText;

pub fn run(ctx: &Ctx, args: DelegateArgs) -> Result<()> {
    validate(&args)?;
    // Inside a supervised run, delegating from the run's own credential: the supervisor holds the
    // agent's signing key and the vault, and signs and records the delegation.
    if args.token.is_none()
        && let Some((socket, parent_id)) = crate::cmd::nested::served_by()
    {
        let d = crate::cmd::nested::ask_delegate(&args, &socket, &parent_id)?;
        print(ctx, &args, &d);
        return Ok(());
    }
    let vault = ctx.open_vault()?;
    let now = ctx.now();
    let (env, key, actor) = open_agent(ctx, &vault, args.agent.as_deref())?;
    let limits = crate::watch::Limits::of(&env, key.as_ref());
    let refuse = |e: Error| {
        credential::record_denial(&vault, &actor, &env.agent, limits, "delegate", &[], e, now)
    };

    // The parent: a token the delegator holds, or a fresh credential of its own.
    let explicit = args.token.clone().or_else(|| {
        std::env::var("AGENTCRED_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
    });
    let parent: SecretText = match explicit {
        Some(t) => crate::cmd::read_token(Some(&t), "AGENTCRED_TOKEN")?,
        None => {
            // Checked before a credential is minted for a delegation that cannot be made.
            if args.to == env.agent {
                return Err(Error::usage(format!(
                    "agent {} cannot delegate to itself",
                    env.agent
                )));
            }
            target_key(&vault, &args.to)?;
            let request = credential::Request {
                ttl: args.ttl,
                actions: (!args.actions.is_empty()).then(|| args.actions.clone()),
                resources: (!args.resources.is_empty()).then(|| {
                    args.resources
                        .iter()
                        .map(|r| Pattern::Exact(r.clone()))
                        .collect()
                }),
                ..credential::Request::default()
            };
            let plan = credential::plan(&env, key.as_ref(), &request, now).map_err(refuse)?;
            let source = credential::Source {
                from: &env.authority,
                parent: None,
                actor: &actor,
                extra: Some(serde_json::json!({ "for_delegation_to": args.to })),
                revoke_key: None,
                limits,
                acting: None,
            };
            credential::issue(&vault, plan, source, &|_| vec![], now)?.token
        }
    };
    let d = delegate(
        &vault,
        &Delegator::of(&env, key.as_ref(), &actor),
        &parent,
        &args,
        now,
    )?;
    print(ctx, &args, &d);
    Ok(())
}

/// The arguments' own checks, before anything is opened or asked.
pub(super) fn validate(args: &DelegateArgs) -> Result<()> {
    crate::agent::validate_name(&args.to)?;
    for a in &args.actions {
        grant::validate_action(a)?;
        if a == "*" {
            return Err(
                Error::usage("--action * delegates nothing narrower: leave it out")
                    .hint("name the actions to delegate, or none for all the parent allows"),
            );
        }
    }
    for r in &args.resources {
        if r.is_empty() || r.contains('*') {
            return Err(Error::usage(format!(
                "--resource {r:?}: delegations name exact resources"
            ))
            .hint("list each resource to delegate, or none for all the parent allows"));
        }
    }
    if let Some(t) = args.ttl.filter(|t| t.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--ttl must be positive, not {}",
            crate::duration::format(t)
        )));
    }
    Ok(())
}

/// The agent delegating: its name, the audit actor, its signing key and what the live checks
/// enforce for it. Kept by an exec's supervisor to delegate from the run's credential.
#[derive(Clone)]
pub(super) struct Delegator {
    pub(super) agent: String,
    actor: String,
    signing_key: SecretText,
    rate_limit: Option<crate::agent::RateLimit>,
    suspend_on_anomaly: bool,
    authorities: Vec<String>,
    key: Option<crate::key::KeyRecord>,
}

impl Delegator {
    pub(super) fn of(
        env: &crate::envelope::Envelope,
        key: Option<&crate::key::KeyRecord>,
        actor: &str,
    ) -> Delegator {
        Delegator {
            agent: env.agent.clone(),
            actor: actor.to_string(),
            signing_key: env.signing_key.clone(),
            rate_limit: env.policy.rate_limit,
            suspend_on_anomaly: env.policy.suspend_on_anomaly,
            authorities: env.authorities.clone(),
            key: key.cloned(),
        }
    }

    fn limits(&self) -> crate::watch::Limits<'_> {
        crate::watch::Limits {
            rate_limit: self.rate_limit,
            suspend_on_anomaly: self.suspend_on_anomaly,
            signing_key: Some(&self.signing_key),
            key: self.key.as_ref(),
            authorities: &self.authorities,
        }
    }
}

/// A delegation made: what `delegate` prints.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Delegated {
    id: String,
    from: String,
    to: String,
    task: Option<String>,
    scope: serde_json::Value,
    chain: Vec<String>,
    parent: Option<String>,
    token: String,
    actions: Vec<String>,
    resources: Vec<String>,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Delegates from `parent`, a token `who` holds, to `args.to`: never wider, never longer.
pub(super) fn delegate(
    vault: &crate::vault::Vault,
    who: &Delegator,
    parent: &SecretText,
    args: &DelegateArgs,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Delegated> {
    let (from, actor, limits) = (who.agent.clone(), who.actor.as_str(), who.limits());
    if args.to == from {
        return Err(Error::usage(format!(
            "agent {from} cannot delegate to itself"
        )));
    }
    let to_key = target_key(vault, &args.to)?;
    let keys = crate::token::issuer_lookup(&vault.config, now);
    let revoked = RevocationList::load(&vault.dir, &vault.config, now)?;
    let refuse =
        |e: Error| credential::record_denial(vault, actor, &from, limits, "delegate", &[], e, now);
    let holder = crate::token::Request {
        holder: Some(from.clone()),
        ..crate::token::Request::default()
    };
    let parent_info = crate::token::verify(
        parent.expose_secret(),
        &keys,
        &|id, info| revoked.is_revoked(id, &vault.config, info),
        now,
        &holder,
    )
    .map_err(|e| {
        if e.exit_code() == crate::error::exit::DENIED {
            refuse(e)
        } else {
            e
        }
    })?;
    let parent_expires = parent_info
        .expires_at
        .ok_or_else(|| Error::bad_data("the parent token has no expiry"))?;

    // Only narrower: never longer, never wider.
    // Token expiries are whole seconds.
    let whole = |t: chrono::DateTime<chrono::Utc>| {
        chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    };
    let expires_at = match args.ttl {
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
    let actions: Vec<String> = if args.actions.is_empty() {
        vec!["*".into()]
    } else {
        args.actions.clone()
    };
    let resources: Vec<String> = if args.resources.is_empty() {
        vec!["*".into()]
    } else {
        args.resources.clone()
    };
    for a in &actions {
        for r in &resources {
            let ask = crate::token::Request {
                action: Some(a.clone()),
                resource: Some(r.clone()),
                holder: Some(from.clone()),
                proof: None,
            };
            if let Err(e) = crate::token::verify(
                parent.expose_secret(),
                &keys,
                &|id, info| revoked.is_revoked(id, &vault.config, info),
                now,
                &ask,
            ) {
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
        to: args.to.clone(),
        to_key,
        task: args.task.clone(),
        actions: (!args.actions.is_empty()).then(|| args.actions.clone()),
        resources: (!args.resources.is_empty()).then(|| args.resources.clone()),
        expires_at,
    };
    let (token, chain) = crate::token::delegate(parent.expose_secret(), &keys, &signer, &hop)?;
    let id = chain.last().cloned().expect("a token has blocks");
    let parent_id = parent_info.ids.last().cloned();
    let scope = serde_json::json!({
        "actions": actions,
        "resources": resources,
        "expires_at": crate::clock::rfc3339(expires_at),
    });
    let mut agents: Vec<String> = vec![parent_info.agent.clone()];
    agents.extend(parent_info.hops.iter().map(|h| h.to.clone()));
    agents.push(args.to.clone());
    let mut event = Event::new(actor, "delegate")
        .agent(&from)
        .secrets(parent_info.injected.iter().map(|(s, _)| s.clone()))
        .details(serde_json::json!({
            "from": from,
            "to": args.to,
            "task": args.task,
            "parent": parent_id,
            "chain": agents,
        }));
    event.credential_id = Some(id.clone());
    event.scope = Some(scope.clone());
    let entry = ledger::Entry {
        id: id.clone(),
        agent: args.to.clone(),
        actor: actor.to_string(),
        secrets: parent_info
            .injected
            .iter()
            .map(|(s, _)| ledger::SecretRef {
                name: s.clone(),
                version: 0,
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
        actor,
        limits,
        authority_id: chain.first().map(String::as_str),
    };
    crate::watch::record(
        vault,
        &call,
        vec![event],
        || ledger::append_or_warn(&vault.dir, &entry, now),
        now,
    )?;
    Ok(Delegated {
        id,
        from,
        to: args.to.clone(),
        task: args.task.clone(),
        scope,
        chain: agents,
        parent: parent_id,
        token,
        actions,
        resources,
        expires_at,
    })
}

pub(super) fn print(ctx: &Ctx, args: &DelegateArgs, d: &Delegated) {
    match args.format {
        DelegateFormat::Token => ctx.out.data(&d.token),
        DelegateFormat::Json => ctx.out.json(&serde_json::json!({
            "delegation": {
                "id": d.id,
                "from": d.from,
                "to": d.to,
                "task": d.task,
                "scope": d.scope,
                "chain": d.chain,
                "parent": d.parent,
                "token": d.token,
            }
        })),
    }
    if args.format == DelegateFormat::Token {
        ctx.out.note(&format!(
            "delegation {}: {} → {} ({}), expires {}; use it with `agentcred exec --agent {} --on-behalf-of -`",
            d.id,
            d.from,
            d.to,
            describe_scope(&d.actions, &d.resources),
            crate::clock::rfc3339(d.expires_at),
            d.to
        ));
    }
}

/// The public key of the agent receiving a delegation.
fn target_key(vault: &crate::vault::Vault, to: &str) -> Result<crate::crypto::PublicKey> {
    let roster = crate::roster::read(&vault.dir, &vault.config)?;
    let target = roster
        .iter()
        .find(|e| e.name == to)
        .ok_or_else(|| crate::vault::state::unknown_agent(to))?;
    crate::crypto::PublicKey::parse(&target.public_key)
        .ok_or_else(|| Error::bad_data(format!("agent {to} has a malformed public key")))
}

fn describe_scope(actions: &[String], resources: &[String]) -> String {
    let a = if actions == ["*"] {
        "every action".to_string()
    } else {
        actions.join(",")
    };
    let r = if resources == ["*"] {
        "every resource".to_string()
    } else {
        resources.join(",")
    };
    format!("{a} on {r}")
}
