//! `agentcred rotate --due [--apply]` (docs/DESIGN.md, "rotate --due"): what is due for rotation,
//! and rotating what agentcred can rotate by itself.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::audit::anomaly::Anomaly;
use crate::audit::{Action, Event};
use crate::cli::RotateArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};

pub fn run(ctx: &Ctx, args: RotateArgs) -> Result<()> {
    if args.overlap < chrono::Duration::zero() {
        return Err(Error::usage("--overlap cannot be negative"));
    }
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let now = ctx.now();
    let mut state = vault.load_state(&admin)?;
    let swept = vault.sweep_if_due(&admin, &state, now)?;
    if swept {
        state = vault.load_state(&admin)?;
    }
    let settings = crate::settings::Settings::load(&vault.dir)?;
    let last_used = key_last_use(&vault.dir)?;
    let found = crate::audit::anomaly::vault_checks(&state, &last_used, &settings.anomaly, now);
    let secret_of = |a: &Anomaly| {
        a.details
            .get("secret")
            .and_then(|s| s.as_str())
            .map(str::to_string)
    };
    // Secrets agentcred generated can be rotated without anyone supplying a value.
    let generated: Vec<String> = found
        .iter()
        .filter(|a| a.kind == "stale_secret")
        .filter_map(secret_of)
        .filter(|n| {
            state
                .secrets
                .get(n)
                .is_some_and(|s| s.generated_length.is_some() && s.pending().is_none())
        })
        .collect();
    let mut rotated: HashMap<String, u32> = HashMap::new();
    if args.apply && !generated.is_empty() {
        let overlap = args.overlap;
        let dir = vault.dir.clone();
        rotated = vault.update(&admin, now, |c| {
            let mut rotated = HashMap::new();
            let mut events = Vec::new();
            for name in &generated {
                let Some(s) = c.state.secrets.get_mut(name) else {
                    continue;
                };
                let length = s.generated_length.unwrap_or(32);
                let p = s.rotate(crate::secret::generate(usize::from(length)), overlap, c.now);
                let v = p.version;
                let retire_at = s.previous().and_then(|p| p.retire_at);
                c.touch_grantees(name)?;
                crate::rotation::revoke_for(c, &dir, name, &p)?;
                rotated.insert(name.clone(), v);
                events.push(Event::admin(Action::SecretRotate).secrets([name.as_str()]).details(
                    serde_json::json!({
                        "step": "rotate", "version": v, "source": "generate", "by": "rotate --due",
                        "overlap": crate::duration::format(overlap),
                        "previous_retire_at": retire_at.map(crate::clock::rfc3339),
                    }),
                ));
            }
            Ok((rotated, events))
        })?;
    }
    let rows: Vec<(&Anomaly, String)> = found
        .iter()
        .map(|a| {
            let agent = a.agent.clone().unwrap_or_default();
            let key = a
                .details
                .get("key")
                .and_then(|k| k.as_str())
                .unwrap_or_default()
                .to_string();
            let next = match a.kind.as_str() {
                "stale_secret" => {
                    let name = secret_of(a).unwrap_or_default();
                    match rotated.get(&name) {
                        Some(v) => format!("rotated to version {v}"),
                        None if generated.contains(&name) => {
                            "agentcred rotate --due --apply".to_string()
                        }
                        None => format!("agentcred secret rotate {name} --stdin"),
                    }
                }
                "stale_key" => format!("agentcred key rotate {agent} --out FILE"),
                "unused_key" => format!("agentcred key revoke {key}"),
                _ => format!("agentcred key list {agent}, then key revoke the unused ones"),
            };
            (a, next)
        })
        .collect();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "windows_closed": swept,
            "due": rows.iter().map(|(a, next)| serde_json::json!({
                "kind": a.kind, "agent": a.agent, "message": a.message,
                "details": a.details, "next": next,
            })).collect::<Vec<_>>(),
            "rotated": rotated,
        }));
        return Ok(());
    }
    if swept {
        ctx.out
            .note("closed the rotation windows that had ended (old versions destroyed)");
    }
    if rows.is_empty() {
        ctx.out.done("nothing is due for rotation");
        return Ok(());
    }
    ctx.out.table(
        &["KIND", "AGENT", "WHAT", "NEXT"],
        rows.iter()
            .map(|(a, next)| {
                vec![
                    a.kind.clone(),
                    a.agent.clone().unwrap_or_default(),
                    a.message.clone(),
                    next.clone(),
                ]
            })
            .collect(),
    );
    if !args.apply && !generated.is_empty() {
        ctx.out.note(&format!(
            "{} generated by agentcred can be rotated now with --apply",
            crate::output::plural(generated.len(), "secret")
        ));
    }
    Ok(())
}

/// When each agent key was last used, from the log (entries with actor `key:ID`).
pub fn key_last_use(dir: &std::path::Path) -> Result<HashMap<String, DateTime<Utc>>> {
    let mut last = HashMap::new();
    let Some(mut log) = crate::audit::read::LogReader::open(dir)? else {
        return Ok(last);
    };
    while let Some(line) = log.next_line()? {
        if !line.complete
            || !std::str::from_utf8(line.bytes).is_ok_and(|l| l.contains("\"actor\":\"key:"))
        {
            continue;
        }
        if let Some(e) = crate::audit::Entry::parse(line.bytes)
            && let Some(key) = e.actor.strip_prefix("key:")
            && let Ok(ts) = DateTime::parse_from_rfc3339(&e.ts)
        {
            last.insert(key.to_string(), ts.to_utc());
        }
    }
    Ok(last)
}
