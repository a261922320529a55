//! `agentcred delegate` (docs/DESIGN.md, "Delegation: narrowing"): hand another agent a narrower
//! part of an agent's rights. The checks and records are `credential::delegate`'s; inside a
//! supervised run, the supervisor's.

use crate::cli::{DelegateArgs, DelegateFormat};
use crate::cmd::Ctx;
use crate::credential::delegate::{self, Ask, Delegated, Delegator};
use crate::error::Result;
use crate::exec::upstream;
use crate::sensitive::SecretText;

pub fn run(ctx: &Ctx, args: DelegateArgs) -> Result<()> {
    let ask = Ask {
        to: args.to.clone(),
        actions: args.actions.clone(),
        resources: args.resources.clone(),
        ttl: args.ttl,
        task: args.task.clone(),
    };
    ask.validate()?;
    // Inside a supervised run, delegating from the run's own credential: the supervisor holds the
    // agent's signing key and the vault, and signs and records the delegation.
    if args.token.is_none()
        && let Some((socket, parent_id)) = upstream::served_by()
    {
        let d = upstream::ask_delegate(&ask, args.agent.as_deref(), &socket, &parent_id)?;
        print(ctx, &args, &d);
        return Ok(());
    }
    let vault = ctx.open_vault()?;
    ctx.known_agents(&vault, [ask.to.as_str()])?;
    let session = ctx.session(&vault);
    let opened = ctx.open_agent(&session, args.agent.as_deref())?;
    // The parent: a token the delegator holds, or a fresh credential of its own.
    let explicit = args.token.clone().or_else(|| {
        std::env::var("AGENTCRED_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
    });
    let parent: SecretText = match explicit {
        Some(t) => crate::cmd::read_token(Some(&t), "AGENTCRED_TOKEN")?,
        None => delegate::fresh_parent(&session, &opened, &ask)?,
    };
    let d = delegate::delegate(&session, &Delegator::of(&opened), &parent, &ask)?;
    print(ctx, &args, &d);
    Ok(())
}

fn print(ctx: &Ctx, args: &DelegateArgs, d: &Delegated) {
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

/// The scope as it holds: `*` is what a delegation that names no actions (or resources) records,
/// and it means the parent's, never more (a delegation only narrows).
fn describe_scope(actions: &[String], resources: &[String]) -> String {
    let a = if actions == ["*"] {
        "the actions the parent allows".to_string()
    } else {
        actions.join(",")
    };
    let r = if resources == ["*"] {
        "the resources the parent allows".to_string()
    } else {
        resources.join(",")
    };
    format!("{a} on {r}")
}
