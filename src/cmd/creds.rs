use crate::audit::{Action, Event};
use crate::cli::CredsCommand;
use crate::cmd::{Ctx, Principal};
use crate::credential::ledger;
use crate::credential::revocation::{Revocation, RevocationList};
use crate::error::{Error, Result};
use crate::output::Column;

pub fn run(ctx: &Ctx, command: CredsCommand) -> Result<()> {
    match command {
        CredsCommand::List { agent, active } => list(ctx, agent.as_deref(), active),
        CredsCommand::Revoke {
            cred_id: Some(id), ..
        } => revoke_one(ctx, &id),
        CredsCommand::Revoke {
            agent: Some(agent), ..
        } => revoke_agent(ctx, &agent),
        CredsCommand::Revoke { .. } => unreachable!("clap requires a credential id or --agent"),
    }
}

/// Credential metadata is public (no values, no tokens): listing needs no unlock.
fn list(ctx: &Ctx, agent: Option<&str>, active: bool) -> Result<()> {
    let vault = ctx.open_vault()?;
    let now = ctx.now();
    let revoked = RevocationList::load(&vault.dir, &vault.config, now).or_else(|e| {
        // A listing still lists: with the reason the states may be incomplete.
        eprintln!("agentcred: warning: {e}");
        RevocationList::load_unchecked(&vault.dir, now)
    })?;
    // The ledger is an index; the audit log is the record it is checked against.
    let (entries, problems) = ledger::read_checked(&vault.dir, now)?;
    for p in &problems {
        eprintln!("agentcred: warning: {p}");
    }
    let rows: Vec<(ledger::Entry, &'static str)> = entries
        .into_iter()
        .filter(|e| agent.is_none_or(|a| e.agent == a))
        .map(|e| {
            let state = if e.chain.iter().any(|id| revoked.contains(id)) {
                "revoked"
            } else if e.expires_at <= now {
                "expired"
            } else {
                "active"
            };
            (e, state)
        })
        .filter(|(_, s)| !active || *s == "active")
        .collect();
    if ctx.out.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(e, s)| {
                let mut v = serde_json::to_value(e).expect("ledger entries serialise");
                v["state"] = (*s).into();
                v
            })
            .collect();
        ctx.out.json(&serde_json::json!({ "credentials": list }));
        return Ok(());
    }
    let table = rows
        .iter()
        .map(|(e, s)| {
            vec![
                e.id.clone(),
                e.agent.clone(),
                s.to_string(),
                e.secrets
                    .iter()
                    .map(|x| format!("{}@v{}", x.name, x.version))
                    .collect::<Vec<_>>()
                    .join(","),
                format!("{} on {}", e.actions.join(","), e.resources.join(",")),
                crate::clock::rfc3339(e.expires_at),
                e.actor.clone(),
            ]
        })
        .collect();
    ctx.out.records(
        &[
            Column::id("ID"),
            Column::id("AGENT"),
            Column::id("STATE"),
            Column::id("SECRETS"),
            Column::text("SCOPE"),
            Column::time("EXPIRES"),
            Column::id("MINTED BY"),
        ],
        table,
    );
    Ok(())
}

fn revoke_one(ctx: &Ctx, id: &str) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let now = ctx.now();
    // The audit log's record first (the ledger may have lost or altered the line), then the
    // ledger (a log whose older entries were archived away).
    let entry = ledger::from_log(&vault.dir)?
        .into_iter()
        .rfind(|e| e.id == id)
        .or_else(|| {
            ledger::read(&vault.dir)
                .ok()?
                .into_iter()
                .find(|e| e.id == id)
        })
        .ok_or_else(|| {
            Error::not_found(format!("no credential with id '{id}'"))
                .hint("see `agentcred creds list`")
        })?;
    let event = |actor: &str| {
        let mut e = Event::new(actor, Action::CredRevoke).agent(&entry.agent);
        e.credential_id = Some(id.to_string());
        e
    };
    match ctx.principal(&vault)? {
        Principal::Admin(admin) => {
            vault.update(&admin, now, |c| {
                c.revoke_credential(id, &entry.agent, Some(entry.expires_at));
                Ok(((), vec![event("admin")]))
            })?;
        }
        Principal::Agent(key) => {
            // Its own credentials, and delegations it made (their parent is its own).
            let delegator = entry.parent.as_ref().and_then(|p| {
                ledger::from_log(&vault.dir)
                    .ok()?
                    .into_iter()
                    .find(|e| e.id == *p)
                    .map(|e| e.agent)
            });
            if key.agent != entry.agent && delegator.as_deref() != Some(key.agent.as_str()) {
                return Err(Error::denied(format!(
                    "credential {id} belongs to agent {}, not {}",
                    entry.agent, key.agent
                )));
            }
            let envelope = crate::envelope::Envelope::open_with_key(&vault, &key)?;
            let signing = crate::crypto::KeyPair::from_secret(&envelope.signing_key)?;
            let line = Revocation::new(
                crate::credential::revocation::By::Agent,
                id,
                &key.agent,
                Some(entry.expires_at),
                &signing,
                now,
            );
            let entry = event(&format!("key:{}", key.id));
            crate::session::append(&vault.dir, &vault.config, now, vec![entry], &[line])?;
        }
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "revoked": id }));
    } else {
        ctx.out.done(&format!(
            "revoked credential {id} of {} and everything derived from it",
            entry.agent
        ));
    }
    Ok(())
}

fn revoke_agent(ctx: &Ctx, agent: &str) -> Result<()> {
    crate::agent::validate_name(agent)?;
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    vault.update(&admin, ctx.now(), |c| {
        c.state.agent(agent)?;
        c.revoke_outstanding(agent);
        let event = Event::admin(Action::CredRevoke)
            .agent(agent)
            .details(serde_json::json!({ "all": true }));
        Ok(((), vec![event]))
    })?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "revoked_all_of": agent }));
    } else {
        ctx.out
            .done(&format!("revoked every credential of agent {agent}"));
    }
    Ok(())
}
