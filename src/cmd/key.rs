use crate::audit::{Action, Event};
use crate::cli::KeyCommand;
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::key::{AgentKey, KeyRecord};
use crate::output::Column;

pub fn run(ctx: &Ctx, command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Issue {
            agent,
            expires,
            file,
        } => issue(ctx, &agent, expires, file.out.as_deref(), file.force, None),
        KeyCommand::Rotate {
            agent,
            overlap,
            expires,
            file,
        } => {
            if overlap < chrono::Duration::zero() {
                return Err(Error::usage("--overlap cannot be negative"));
            }
            issue(
                ctx,
                &agent,
                expires,
                file.out.as_deref(),
                file.force,
                Some(overlap),
            )
        }
        KeyCommand::List { agent } => list(ctx, agent.as_deref()),
        KeyCommand::Revoke { key_id } => revoke(ctx, &key_id),
    }
}

/// Issues a key; with `rotate`, the agent's current keys retire at the end of that overlap.
fn issue(
    ctx: &Ctx,
    agent: &str,
    expires: chrono::Duration,
    out: Option<&std::path::Path>,
    force: bool,
    rotate: Option<chrono::Duration>,
) -> Result<()> {
    crate::agent::validate_name(agent)?;
    if expires.num_seconds() <= 0 {
        return Err(Error::usage("--expires must be positive"));
    }
    if let Some(path) = out {
        super::out_file::check(path, force)?;
    }
    let mut vault = ctx.open_vault()?;
    ctx.known_agents(&vault, [agent])?;
    let admin = ctx.admin_key(&vault)?;
    let now = ctx.now();
    let (key, record) = AgentKey::generate(agent, now, now + expires);
    // The file first: if it cannot be created, no key exists anywhere.
    if let Some(path) = out {
        let mut text = key.to_text().expose_secret().to_string();
        text.push('\n');
        super::out_file::write(path, text.as_bytes(), force)?;
    }
    let result = vault.update(&admin, now, |c| {
        let a = c.state.agent_mut(agent)?;
        let mut retiring = Vec::new();
        if let Some(overlap) = rotate {
            let end = now + overlap;
            for k in a.keys.iter_mut().filter(|k| k.usable_at(now)) {
                // A key ending within the window keeps its own, earlier end.
                if k.end() > end {
                    k.retire_at = Some(end);
                }
                retiring.push(k.id.clone());
            }
            if retiring.is_empty() {
                return Err(
                    Error::not_found(format!("agent {agent} has no active key to rotate"))
                        .hint(format!("issue one with `agentcred key issue {agent}`")),
                );
            }
        }
        a.keys.push(record.clone());
        c.touch(agent);
        // The retiring keys could read every authority so far; their holders may keep copies.
        if let Some(overlap) = rotate {
            c.retire_authorities(agent, now + overlap)?;
        }
        let mut details = serde_json::json!({
            "key_id": record.id,
            "fingerprint": record.fingerprint,
            "expires_at": crate::clock::rfc3339(record.expires_at),
        });
        if let Some(overlap) = rotate {
            details["retiring"] = retiring.clone().into();
            details["retire_at"] = crate::clock::rfc3339(now + overlap).into();
        }
        let action = if rotate.is_some() {
            Action::KeyRotate
        } else {
            Action::KeyIssue
        };
        Ok((
            retiring,
            vec![Event::admin(action).agent(agent).details(details)],
        ))
    });
    let retiring = match result {
        Ok(r) => r,
        Err(e) => {
            if let Some(path) = out {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    let retire_note = rotate.map(|overlap| {
        format!(
            "{} {} working until {}, then refused",
            retiring.join(", "),
            if retiring.len() == 1 { "keeps" } else { "keep" },
            crate::clock::rfc3339(now + overlap)
        )
    });
    if ctx.out.json {
        let mut doc = key_json(&record, agent, now);
        if let Some(overlap) = rotate {
            doc["retiring"] = retiring.clone().into();
            doc["retire_at"] = crate::clock::rfc3339(now + overlap).into();
        }
        if let Some(path) = out {
            doc["file"] = path.display().to_string().into();
        } else {
            doc["key"] = key.to_text().expose_secret().into();
        }
        ctx.out.json(&serde_json::json!({ "key": doc }));
    } else if let Some(path) = out {
        ctx.out.done(&format!(
            "issued key {} for {agent}, written to {} (0600), expires {}",
            record.id,
            path.display(),
            crate::clock::rfc3339(record.expires_at)
        ));
    } else {
        ctx.out.data(key.to_text().expose_secret());
        ctx.out.done(&format!(
            "issued key {} for {agent}, expires {}",
            record.id,
            crate::clock::rfc3339(record.expires_at)
        ));
        ctx.out.note("this is the only time the key is shown: store it in your CI secret store or a 0600 file (AGENTCRED_KEY_FILE)");
    }
    if let Some(note) = retire_note {
        ctx.out.note(&note);
    }
    Ok(())
}

fn key_json(k: &KeyRecord, agent: &str, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    serde_json::json!({
        "id": k.id,
        "agent": agent,
        "fingerprint": k.fingerprint,
        "recipient": k.recipient,
        "created_at": crate::clock::rfc3339(k.created_at),
        "expires_at": crate::clock::rfc3339(k.expires_at),
        "retire_at": k.retire_at.map(crate::clock::rfc3339),
        "revoked_at": k.revoked_at.map(crate::clock::rfc3339),
        "state": k.state_at(now),
    })
}

fn list(ctx: &Ctx, agent: Option<&str>) -> Result<()> {
    let (_vault, state) = ctx.admin_state(agent)?;
    let now = ctx.now();
    let keys: Vec<(&str, &KeyRecord)> = state
        .agents
        .values()
        .filter(|a| agent.is_none_or(|x| a.name == x))
        .flat_map(|a| a.keys.iter().map(move |k| (a.name.as_str(), k)))
        .collect();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "keys": keys.iter().map(|(a, k)| key_json(k, a, now)).collect::<Vec<_>>() }));
        return Ok(());
    }
    let rows = keys
        .iter()
        .map(|(a, k)| {
            vec![
                k.id.clone(),
                a.to_string(),
                k.state_at(now).to_string(),
                k.fingerprint.clone(),
                crate::clock::rfc3339(k.created_at),
                crate::clock::rfc3339(k.end()),
            ]
        })
        .collect();
    ctx.out.records(
        &[
            Column::id("ID"),
            Column::id("AGENT"),
            Column::id("STATE"),
            Column::id("FINGERPRINT"),
            Column::time("CREATED"),
            Column::time("ENDS"),
        ],
        rows,
    );
    Ok(())
}

fn revoke(ctx: &Ctx, id: &str) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let now = ctx.now();
    // Credentials this key minted that are still live are revoked with it.
    let minted: Vec<crate::credential::ledger::Entry> =
        crate::credential::ledger::read(&vault.dir)?
            .into_iter()
            .filter(|e| e.actor == format!("key:{id}") && e.expires_at > now)
            .collect();
    let agent = vault.update(&admin, now, |c| {
        let agent = c
            .state
            .agents
            .values()
            .find(|a| a.keys.iter().any(|k| k.id == id))
            .map(|a| a.name.clone())
            .ok_or_else(|| {
                Error::not_found(format!("no key with id '{id}'")).hint("see `agentcred key list`")
            })?;
        let k = c
            .state
            .agent_mut(&agent)?
            .keys
            .iter_mut()
            .find(|k| k.id == id)
            .expect("found above");
        if k.revoked_at.is_some() {
            return Err(Error::usage(format!("key {id} is already revoked")));
        }
        k.revoked_at = Some(c.now);
        // Its holder could read the agent's authority and build credentials from it offline:
        // every authority so far is revoked, and the agent gets a fresh one.
        c.revoke_outstanding(&agent);
        for e in &minted {
            c.revoke_credential(&e.id, &e.agent, Some(e.expires_at));
        }
        let event = Event::admin(Action::KeyRevoke)
            .agent(&agent)
            .details(serde_json::json!({ "key_id": id, "credentials_revoked": minted.len() }));
        Ok((agent, vec![event]))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "revoked": id, "agent": agent, "credentials_revoked": minted.len() }));
    } else {
        ctx.out.done(&format!(
            "revoked key {id} of {agent}; {} live credential(s) it minted were revoked",
            minted.len()
        ));
    }
    Ok(())
}
