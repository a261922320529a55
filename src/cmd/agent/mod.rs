//! `agent add|list|show|suspend|resume|remove`.

use crate::agent::{self, Agent, RateLimit, Status};
use crate::audit::{Action, Event};
use crate::cli::{AgentAddArgs, AgentCommand};
use crate::cmd::Ctx;
use crate::crypto::KeyPair;
use crate::error::{Error, Result};

mod show;

use show::{list, show};

pub fn run(ctx: &Ctx, command: AgentCommand) -> Result<()> {
    match command {
        AgentCommand::Add(args) => add(ctx, args),
        AgentCommand::List => list(ctx),
        AgentCommand::Show { name } => show(ctx, &name),
        AgentCommand::Suspend { name } => set_status(ctx, &name, Status::Suspended),
        AgentCommand::Resume { name } => set_status(ctx, &name, Status::Active),
        AgentCommand::Remove { name, yes } => remove(ctx, &name, yes),
    }
}

fn add(ctx: &Ctx, args: AgentAddArgs) -> Result<()> {
    for name in &args.names {
        agent::validate_name(name)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = args.names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(
            Error::usage(format!("agent '{dup}' is named twice")).hint("name each agent once")
        );
    }
    if let Some(d) = args.max_ttl.filter(|d| d.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--max-ttl must be positive, not {}",
            crate::duration::format(d)
        )));
    }
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let names = args.names.clone();
    vault.update(&admin, ctx.now(), |c| {
        if let Some(existing) = names
            .iter()
            .find(|n| c.state.agents.contains_key(n.as_str()))
        {
            return Err(
                Error::exists(format!("an agent named '{existing}' already exists")).hint(
                    "choose another name, or see it with `agentcred agent show`; nothing was added",
                ),
            );
        }
        let mut events = Vec::with_capacity(names.len());
        for name in &names {
            let key = KeyPair::generate();
            c.state.agents.insert(
                name.clone(),
                Agent {
                    name: name.clone(),
                    description: args.description.clone(),
                    status: Status::Active,
                    created_at: c.now,
                    policy: agent::Policy {
                        max_ttl_secs: args.max_ttl.map(|d| d.num_seconds()),
                        rate_limit: args.rate_limit,
                        suspend_on_anomaly: args.suspend_on_anomaly,
                    },
                    signing_key: key.secret(),
                    public_key: key.public().to_string(),
                    keys: vec![],
                    authority: None,
                    superseded_authorities: vec![],
                    envelope_generation: 0,
                },
            );
            c.touch(name);
            let mut details = serde_json::Map::new();
            if let Some(d) = args.max_ttl {
                details.insert("max_ttl".into(), crate::duration::format(d).into());
            }
            if let Some(RateLimit { count, per_secs }) = args.rate_limit {
                details.insert(
                    "rate_limit".into(),
                    format!("{}", RateLimit { count, per_secs }).into(),
                );
            }
            let mut event = Event::admin(Action::AgentAdd).agent(name);
            event.agent_key = Some(key.public().to_string());
            if !details.is_empty() {
                event = event.details(details.into());
            }
            events.push(event);
        }
        Ok(((), events))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "added": names }));
    } else {
        ctx.out.done(&format!(
            "added {} {}",
            crate::output::plural(names.len(), "agent"),
            names.join(", ")
        ));
        if names.len() == 1 {
            ctx.out.note(&format!(
                "next: grant it a secret, then run `agentcred exec --agent {} -- CMD`",
                names[0]
            ));
        }
    }
    Ok(())
}

/// Proves the unlock input opens the current, authentic state, then lists from the signed roster
/// instead of parsing the whole state.
fn set_status(ctx: &Ctx, name: &str, status: Status) -> Result<()> {
    agent::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
    ctx.known_agents(&vault, [name])?;
    let admin = ctx.admin_key(&vault)?;
    let action = match status {
        Status::Suspended => Action::AgentSuspend,
        Status::Active => Action::AgentResume,
    };
    let marked =
        status == Status::Active && crate::audit::activity::suspension(&vault.dir, name).is_some();
    let changed = vault.update(&admin, ctx.now(), |c| {
        let agent = c.state.agent_mut(name)?;
        let changed = agent.status != status || marked;
        agent.status = status;
        if status == Status::Suspended {
            // Suspension ends every outstanding credential, not just future mints.
            c.revoke_outstanding(name);
        } else {
            c.touch(name);
        }
        let mut event = Event::admin(action).agent(name);
        if !changed {
            event = event.details(serde_json::json!({ "unchanged": true }));
        }
        if marked {
            event = event.details(serde_json::json!({ "lifted": "anomaly suspension" }));
        }
        Ok((changed, vec![event]))
    })?;
    if marked {
        // The state now holds a fresh authority for it; the revoked one stays revoked.
        crate::audit::activity::lift(&vault.dir, name)?;
    }
    let verb = status.as_str();
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "agent": name, "status": verb, "changed": changed }));
    } else if changed {
        ctx.out.done(&format!("agent {name} is now {verb}"));
    } else {
        ctx.out.note(&format!("agent {name} was already {verb}"));
    }
    Ok(())
}

fn remove(ctx: &Ctx, name: &str, yes: bool) -> Result<()> {
    agent::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
    ctx.known_agents(&vault, [name])?;
    let admin = ctx.admin_key(&vault)?;
    vault.load_state(&admin)?.agent(name)?;
    ctx.confirm(
        &format!("remove agent {name} and everything granted to it"),
        yes,
    )?;
    vault.update(&admin, ctx.now(), |c| {
        c.remove_agent(name)?;
        Ok(((), vec![Event::admin(Action::AgentRemove).agent(name)]))
    })?;
    crate::audit::activity::forget(&vault.dir, name);
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "removed": name }));
    } else {
        ctx.out.done(&format!("removed agent {name}"));
    }
    Ok(())
}
