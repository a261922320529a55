use crate::cmd::Ctx;
use crate::error::Result;

/// The vault at a glance, and what needs attention.
pub fn run(ctx: &Ctx) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let now = ctx.now();
    let mut state = vault.load_state(&admin)?;
    if vault.sweep_if_due(&admin, &state, now)? {
        state = vault.load_state(&admin)?;
    }
    let mut warnings = Vec::new();
    let settings = crate::settings::Settings::load(&vault.dir)?;
    // Findings from the state alone; `audit anomalies` adds those that need the whole log.
    for a in
        crate::audit::anomaly::vault_checks(&state, &Default::default(), &settings.anomaly, now)
    {
        if a.kind != "unused_key" {
            warnings.push(a.message);
        }
    }
    let marked = crate::audit::activity::suspended(&vault.dir);
    for m in &marked {
        warnings.push(format!(
            "agent {} was suspended at {} after an anomaly ({}): see `agentcred audit anomalies`, then `agentcred agent resume {}`",
            m.agent, m.at, m.reason, m.agent
        ));
    }
    let suspended = state
        .agents
        .values()
        .filter(|a| {
            a.status == crate::agent::Status::Suspended || marked.iter().any(|m| m.agent == a.name)
        })
        .count();
    let audit_head = state.checkpoints.last().map(|c| (c.size, c.head.clone()));
    let audit_len = crate::audit::head(&vault.dir).map(|h| h.seq).ok();
    if let (Some(len), Some((anchored, _))) = (audit_len, &audit_head)
        && len > *anchored
    {
        let n = len - anchored;
        let tail = if n == 1 {
            format!("1 audit entry after the last checkpoint (seq {anchored}) is")
        } else {
            format!("{n} audit entries after the last checkpoint (seq {anchored}) are")
        };
        warnings.push(format!(
            "{tail} not anchored yet: `agentcred audit checkpoint` (or any admin change) signs a checkpoint over them"
        ));
    }
    if vault
        .config
        .kdf
        .as_ref()
        .is_some_and(|k| k.params().is_weaker_than_default())
    {
        warnings
            .push("the vault's Argon2id parameters are below the default: only for tests".into());
    }
    // Credentials that ended with something still to revoke in OpenBao (the sweep that ran as
    // the vault opened could not reach it).
    let openbao = crate::openbao::handles::pending(&vault.dir, &vault.config, now);
    for p in &openbao {
        warnings.push(format!(
            "credential {} of agent {} ended, but its OpenBao values ({}) are not revoked yet{}: the next command tries again",
            p.credential,
            p.agent,
            p.secrets.join(", "),
            p.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
        ));
    }
    let session = crate::unlocked::status(&vault.dir, &vault.config.vault_id);
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "session": session,
            "vault": vault.dir,
            "vault_id": vault.config.vault_id,
            "generation": state.generation,
            "unlock": vault.config.unlock,
            "recipients": 1 + vault.config.recipients.len(),
            "agents": state.agents.len(),
            "agents_suspended": suspended,
            "secrets": state.secrets.len(),
            "audit_entries": audit_len,
            "audit_checkpoint": audit_head.map(|(size, head)| serde_json::json!({"size": size, "head": head})),
            "openbao_pending": openbao,
            "warnings": warnings,
        }));
        return Ok(());
    }
    ctx.out.fields(&[
        ("vault", vault.dir.display().to_string()),
        ("vault id", vault.config.vault_id.clone()),
        ("generation", state.generation.to_string()),
        (
            "unlock",
            format!("{:?}", vault.config.unlock).to_lowercase(),
        ),
        (
            "recipients",
            (1 + vault.config.recipients.len()).to_string(),
        ),
        (
            "agents",
            format!("{} ({suspended} suspended)", state.agents.len()),
        ),
        ("secrets", state.secrets.len().to_string()),
        (
            "audit entries",
            audit_len.map_or_else(|| "unreadable".into(), |n| n.to_string()),
        ),
        (
            "unlock session",
            session.map_or_else(
                || "none".to_string(),
                |s| {
                    format!(
                        "unlocked until {} (pid {}); `agentcred lock` ends it",
                        crate::clock::rfc3339(s.expires_at),
                        s.pid
                    )
                },
            ),
        ),
    ]);
    for w in &warnings {
        ctx.out.warn(w);
    }
    Ok(())
}
