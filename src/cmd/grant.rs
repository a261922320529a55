use crate::audit::{Action, Event};
use crate::cli::{GrantArgs, GrantCommand};
use crate::cmd::Ctx;
use crate::destination::Binding;
use crate::error::{Error, Result};
use crate::grant::{self, Effect, Grant, Pattern};
use crate::output::Column;

pub fn run(ctx: &Ctx, args: GrantArgs) -> Result<()> {
    match args.command {
        Some(GrantCommand::List { agent }) => list(ctx, agent.as_deref()),
        Some(GrantCommand::Revoke { grant_id }) => revoke(ctx, &grant_id),
        None => add(ctx, args),
    }
}

fn add(ctx: &Ctx, args: GrantArgs) -> Result<()> {
    let agent = args.agent.clone().expect("clap requires AGENT");
    let secret = args.secret.clone().expect("clap requires SECRET");
    crate::agent::validate_name(&agent)?;
    crate::secret::validate_name(&secret)?;
    let actions = if args.actions.is_empty() {
        vec!["read".to_string()]
    } else {
        grant::split_list(&args.actions)
    };
    let resources = if args.resources.is_empty() {
        vec!["*".to_string()]
    } else {
        grant::split_list(&args.resources)
    };
    for a in &actions {
        grant::validate_action(a)?;
    }
    for r in &resources {
        Pattern::parse(r)?;
    }
    if let Some(env) = &args.env {
        crate::secret::validate_env(env)?;
    }
    if let Some(d) = args.max_ttl.filter(|d| d.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--max-ttl must be positive, not {}",
            crate::duration::format(d)
        )));
    }
    if args.deny && (args.max_ttl.is_some() || args.env.is_some()) {
        return Err(Error::usage(
            "--max-ttl and --env make no sense on a --deny grant",
        ));
    }
    let binding = narrowing(&args)?;
    if args.deny && !binding.is_unbound() {
        return Err(Error::usage(
            "--hosts, --methods and --paths make no sense on a --deny grant",
        )
        .hint("a deny takes the secret away; to narrow where it may be sent, narrow the allow grant"));
    }
    let effect = if args.deny {
        Effect::Deny
    } else {
        Effect::Allow
    };
    let mut vault = ctx.open_vault()?;
    ctx.known_agents(&vault, [agent.as_str()])?;
    ctx.known_secrets(&vault, [secret.as_str()])?;
    let admin = ctx.admin_key(&vault)?;
    let g = vault.update(&admin, ctx.now(), |c| {
        c.state.agent(&agent)?;
        let s = c.state.secret(&secret)?;
        crate::destination::check_narrowing(&secret, &s.destination.binding(), &binding)?;
        if effect == Effect::Allow {
            let differs = c.grants_of(&agent)?.into_iter().find(|g| {
                g.agent == agent && g.secret == secret && g.effect == Effect::Allow && g.binding != binding
            });
            if let Some(other) = differs {
                return Err(Error::usage(format!(
                    "agent {agent} already holds {secret} under grant {} with another destination narrowing ({})",
                    other.id,
                    other.binding.summary()
                ))
                .hint(format!("give the same --hosts/--methods/--paths, or revoke it first: agentcred grant revoke {}", other.id)));
            }
        }
        let s = c.state.secret(&secret)?;
        if effect == Effect::Allow {
            let env = args.env.clone().unwrap_or_else(|| s.env.clone());
            let clash = c.grants_of(&agent)?.into_iter().find(|g| {
                g.agent == agent && g.secret != secret && g.effect == Effect::Allow && {
                    let other = g.env.clone().or_else(|| c.state.secrets.get(&g.secret).map(|s| s.env.clone()));
                    other.as_deref() == Some(env.as_str())
                }
            });
            if let Some(other) = clash {
                return Err(Error::usage(format!(
                    "agent {agent} already gets secret {} as {env}; two secrets cannot share a variable",
                    other.secret
                ))
                .hint("choose another variable with --env VAR"));
            }
        }
        let g = Grant {
            id: format!("g_{}", crate::crypto::hex(&crate::crypto::random_bytes::<5>())),
            agent: agent.clone(),
            secret: secret.clone(),
            effect,
            actions: actions.clone(),
            resources: resources.clone(),
            max_ttl_secs: args.max_ttl.map(|d| d.num_seconds()),
            env: args.env.clone(),
            created_at: c.now,
            binding: binding.clone(),
        };
        c.add_grant(g.clone())?;
        // A new deny narrows what outstanding credentials may do: end them.
        if effect == Effect::Deny { c.revoke_outstanding(&agent) } else { c.touch(&agent) }
        let event = Event::admin(Action::GrantAdd).agent(&agent).secrets([secret.as_str()]).details(grant_json(&g));
        Ok((g, vec![event]))
    })?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "grant": grant_json(&g) }));
    } else {
        let verb = if args.deny { "denied" } else { "granted" };
        ctx.out.done(&format!(
            "{verb} {} on {} of {secret} to {agent} (grant {})",
            actions.join(","),
            resources.join(","),
            g.id
        ));
    }
    Ok(())
}

/// `--hosts`, `--methods`, `--paths` as a binding (`None` where a flag is not given).
fn narrowing(args: &GrantArgs) -> Result<Binding> {
    use crate::destination::{HostPattern, Method, PathPattern, parse_list};
    let given = |v: &Vec<String>| !v.is_empty();
    Ok(Binding {
        hosts: given(&args.hosts)
            .then(|| parse_list("--hosts", &args.hosts, HostPattern::parse))
            .transpose()?,
        methods: given(&args.methods)
            .then(|| parse_list("--methods", &args.methods, Method::parse))
            .transpose()?,
        paths: given(&args.paths)
            .then(|| parse_list("--paths", &args.paths, PathPattern::parse))
            .transpose()?,
    })
}

fn grant_json(g: &Grant) -> serde_json::Value {
    serde_json::json!({
        "hosts": g.binding.hosts,
        "methods": g.binding.methods,
        "paths": g.binding.paths,
        "id": g.id,
        "agent": g.agent,
        "secret": g.secret,
        "effect": g.effect,
        "actions": g.actions,
        "resources": g.resources,
        "max_ttl": g.max_ttl_secs.map(|s| crate::duration::format(chrono::Duration::seconds(s))),
        "env": g.env,
        "created_at": crate::clock::rfc3339(g.created_at),
    })
}

fn list(ctx: &Ctx, agent: Option<&str>) -> Result<()> {
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let (state, all) = vault.load_grants(&admin)?;
    if let Some(a) = agent {
        state.agent(a)?;
    }
    let grants: Vec<&Grant> = all
        .values()
        .filter(|g| agent.is_none_or(|a| g.agent == a))
        .collect();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "grants": grants.iter().map(|g| grant_json(g)).collect::<Vec<_>>() }));
        return Ok(());
    }
    // The binding column only where a grant narrows one: the others keep the table they had.
    let narrowed = grants.iter().any(|g| !g.binding.is_unbound());
    let rows = grants
        .iter()
        .map(|g| {
            let mut row = vec![
                g.id.clone(),
                g.agent.clone(),
                g.secret.clone(),
                match g.effect {
                    Effect::Allow => "allow".into(),
                    Effect::Deny => "DENY".into(),
                },
                g.actions.join(","),
                g.resources.join(","),
                g.max_ttl_secs.map_or_else(
                    || "-".into(),
                    |s| crate::duration::format(chrono::Duration::seconds(s)),
                ),
                g.env.clone().unwrap_or_else(|| "-".into()),
            ];
            if narrowed {
                row.push(g.binding.summary());
            }
            row
        })
        .collect();
    let mut columns = vec![
        Column::id("ID"),
        Column::id("AGENT"),
        Column::id("SECRET"),
        Column::id("EFFECT"),
        Column::text("ACTIONS"),
        Column::text("RESOURCES"),
        Column::id("MAX TTL"),
        Column::id("ENV"),
    ];
    if narrowed {
        columns.push(Column::text("BINDING"));
    }
    ctx.out.records(&columns, rows);
    Ok(())
}

fn revoke(ctx: &Ctx, id: &str) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let g = vault.update(&admin, ctx.now(), |c| {
        let g = c.remove_grant(id)?.ok_or_else(|| {
            Error::not_found(format!("no grant with id '{id}'")).hint("see `agentcred grant list`")
        })?;
        // Fewer rights: every credential minted under the old ones ends now.
        if g.effect == Effect::Allow {
            c.revoke_outstanding(&g.agent)
        } else {
            c.touch(&g.agent)
        }
        let event = Event::admin(Action::GrantRevoke)
            .agent(&g.agent)
            .secrets([g.secret.as_str()])
            .details(serde_json::json!({ "grant": g.id }));
        Ok((g, vec![event]))
    })?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "revoked": grant_json(&g) }));
    } else {
        ctx.out.done(&format!(
            "revoked grant {} ({} on {}); the agent's outstanding credentials were revoked",
            g.id, g.secret, g.agent
        ));
    }
    Ok(())
}
