use serde::Serialize;

use crate::agent::{self, Agent, RateLimit, Status};
use crate::audit::{Action, Event};
use crate::cli::{AgentAddArgs, AgentCommand};
use crate::cmd::Ctx;
use crate::crypto::KeyPair;
use crate::error::{Error, Result};

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

/// The public view of an agent: everything but its signing key.
#[derive(Serialize)]
struct AgentView<'a> {
    name: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    created_at: String,
    max_ttl: Option<String>,
    rate_limit: Option<String>,
    suspend_on_anomaly: bool,
    public_key: &'a str,
}

impl<'a> From<&'a crate::roster::Entry> for AgentView<'a> {
    fn from(a: &'a crate::roster::Entry) -> Self {
        AgentView {
            name: &a.name,
            status: a.status.as_str(),
            description: a.description.as_deref(),
            created_at: crate::clock::rfc3339(a.created_at),
            max_ttl: a
                .max_ttl_secs
                .map(|s| crate::duration::format(chrono::Duration::seconds(s))),
            rate_limit: a.rate_limit.map(|r| r.to_string()),
            suspend_on_anomaly: a.suspend_on_anomaly,
            public_key: &a.public_key,
        }
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
    let dir = vault.dir.clone();
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
                    max_ttl_secs: args.max_ttl.map(|d| d.num_seconds()),
                    rate_limit: args.rate_limit,
                    suspend_on_anomaly: args.suspend_on_anomaly,
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
        // A new agent starts with no history (its name may have been used before). Under the
        // vault lock, before the agent exists, so that no mint for it can be counted and then
        // wiped, or half-written and then cut short.
        for name in &names {
            let key = &c.state.agent(name)?.signing_key;
            if let Err(e) = crate::audit::activity::reset(&dir, name, key) {
                ctx.out.warn(&e.to_string());
            }
        }
        Ok(((), events))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "added": names }));
    } else {
        ctx.out.done(&format!(
            "added {} {}",
            plural(names.len(), "agent"),
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
fn list(ctx: &Ctx) -> Result<()> {
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    vault.check_state(&admin)?;
    let roster = crate::roster::read(&vault.dir, &vault.config)?;
    let marked: std::collections::HashSet<String> = crate::audit::activity::suspended(&vault.dir)
        .into_iter()
        .map(|s| s.agent)
        .collect();
    let views: Vec<AgentView<'_>> = roster
        .iter()
        .map(|e| {
            let mut v = AgentView::from(e);
            if marked.contains(e.name.as_str()) {
                v.status = Status::Suspended.as_str();
            }
            v
        })
        .collect();
    if ctx.out.json {
        #[derive(Serialize)]
        struct List<'a> {
            agents: Vec<AgentView<'a>>,
        }
        ctx.out.json(&List { agents: views });
        return Ok(());
    }
    let rows = views
        .into_iter()
        .map(|v| {
            vec![
                v.name.to_string(),
                v.status.to_string(),
                v.max_ttl.unwrap_or_else(|| "-".into()),
                v.rate_limit.unwrap_or_else(|| "-".into()),
                v.created_at,
                v.description.unwrap_or_default().to_string(),
            ]
        })
        .collect();
    ctx.out.table(
        &[
            "NAME",
            "STATUS",
            "MAX TTL",
            "RATE LIMIT",
            "CREATED",
            "DESCRIPTION",
        ],
        rows,
    );
    Ok(())
}

fn show(ctx: &Ctx, name: &str) -> Result<()> {
    agent::validate_name(name)?;
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let state = vault.load_state(&admin)?;
    let entry = crate::roster::Entry::from(state.agent(name)?);
    let mut v = AgentView::from(&entry);
    let marker = crate::audit::activity::suspension(&vault.dir, name);
    if marker.is_some() {
        v.status = Status::Suspended.as_str();
    }
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "agent": v, "suspended_by_anomaly": marker }));
    } else {
        let status = match &marker {
            Some(m) => format!("suspended at {} after an anomaly: {}", m.at, m.reason),
            None => v.status.to_string(),
        };
        ctx.out.fields(&[
            ("name", v.name.to_string()),
            ("status", status),
            ("description", v.description.unwrap_or("-").to_string()),
            ("created", v.created_at.clone()),
            ("max ttl", v.max_ttl.clone().unwrap_or_else(|| "-".into())),
            (
                "rate limit",
                v.rate_limit.clone().unwrap_or_else(|| "-".into()),
            ),
            (
                "suspend on anomaly",
                if v.suspend_on_anomaly { "yes" } else { "no" }.to_string(),
            ),
            ("public key", v.public_key.to_string()),
        ]);
    }
    Ok(())
}

fn set_status(ctx: &Ctx, name: &str, status: Status) -> Result<()> {
    agent::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
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

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
