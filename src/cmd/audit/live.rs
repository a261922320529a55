//! `audit tail`, `audit anomalies` and `audit hash`.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use super::{COLUMNS, Lines, progress_bar, row};
use crate::audit::Entry;
use crate::audit::anomaly::{AgentActivity, Anomaly, Observation};
use crate::audit::read::LogReader;
use crate::cli::{AuditAnomaliesArgs, AuditHashArgs, AuditTailArgs};
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::output::Column;

pub(super) fn tail(ctx: &Ctx, args: AuditTailArgs) -> Result<()> {
    let dir = ctx.open_vault()?.dir;
    let path = dir.join(crate::audit::FILE);
    let json = ctx.out.json;
    let mut out = Lines::new();
    // As `audit` shows them: JSON Lines under --json, else the same table's rows.
    let rows = |lines: &mut dyn Iterator<Item = &[u8]>| -> Vec<Vec<String>> {
        lines.filter_map(Entry::parse).map(|e| row(&e)).collect()
    };
    // The last N complete lines.
    let mut offset = 0u64;
    if let Some(mut log) = LogReader::open(&dir)? {
        let mut last: VecDeque<Vec<u8>> = VecDeque::new();
        while let Some(line) = log.next_line()? {
            if !line.complete {
                break;
            }
            if last.len() == args.lines {
                last.pop_front();
            }
            if args.lines > 0 {
                last.push_back(line.bytes.to_vec());
            }
            offset = log.offset;
        }
        if json {
            for l in &last {
                out.line(l);
            }
        } else if !last.is_empty() {
            ctx.out
                .records(&COLUMNS, rows(&mut last.iter().map(Vec::as_slice)));
        }
    }
    out.flush();
    if !args.follow {
        return Ok(());
    }
    loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let len = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(_) => continue,
        };
        if len < offset {
            ctx.out
                .warn("the audit log became shorter: it was truncated or replaced; reading it from the start");
            offset = 0;
        }
        if len == offset {
            continue;
        }
        let mut file = match crate::vault::fsio::open(&path) {
            Ok(f) => f,
            Err(_) => continue,
        };
        use std::io::{Read, Seek, SeekFrom};
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::io("cannot read the audit log", &path, e))?;
        let mut chunk = Vec::new();
        (&mut file)
            .take(len - offset)
            .read_to_end(&mut chunk)
            .map_err(|e| Error::io("cannot read the audit log", &path, e))?;
        // Only whole lines: a fragment left by an interrupted write is cut off by the next
        // append, so it is read again from its start rather than kept.
        let Some(end) = chunk.iter().rposition(|b| *b == b'\n') else {
            continue;
        };
        offset += end as u64 + 1;
        if json {
            for line in chunk[..end].split(|b| *b == b'\n') {
                out.line(line);
            }
            out.flush();
        } else {
            ctx.out
                .more_records(&COLUMNS, rows(&mut chunk[..end].split(|b| *b == b'\n')));
        }
    }
}

/// Replays the log through the detector and adds the vault's own findings.
pub(super) fn anomalies(ctx: &Ctx, args: AuditAnomaliesArgs) -> Result<()> {
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let state = vault.load_state(&admin)?;
    let settings = crate::settings::Settings::load(&vault.dir)?;
    let t = &settings.anomaly;
    let now = ctx.now();
    let since = crate::clock::rfc3339(args.since.resolve(now));
    let mut found: Vec<Anomaly> = Vec::new();
    let mut agents: HashMap<String, AgentActivity> = HashMap::new();
    let mut last_used: HashMap<String, DateTime<Utc>> = HashMap::new();
    if let Some(mut log) = LogReader::open(&vault.dir)? {
        let bar = progress_bar(ctx, &vault.dir);
        while let Some(line) = log.next_line()? {
            if let Some(b) = &bar
                && line.no % 65_536 == 0
            {
                b.set_position(line.end);
            }
            if !line.complete {
                continue;
            }
            let Some(e) = Entry::parse(line.bytes) else {
                continue;
            };
            if let Some(key) = e.actor.strip_prefix("key:")
                && let Ok(ts) = DateTime::parse_from_rfc3339(&e.ts)
            {
                last_used.insert(key.to_string(), ts.to_utc());
            }
            // Hard rate-limit breaches depend on the limit in force at the time: as recorded.
            if e.action == crate::audit::Action::Anomaly {
                if let Some(d) = &e.details
                    && d.get("kind").and_then(|k| k.as_str()) == Some("rate_limit")
                    && e.ts >= since
                {
                    found.push(Anomaly {
                        kind: "rate_limit".into(),
                        agent: e.agent.clone(),
                        ts: e.ts.clone(),
                        message: d
                            .get("message")
                            .and_then(|m| m.as_str())
                            .unwrap_or("rate limit reached")
                            .to_string(),
                        details: d.get("details").cloned().unwrap_or_default(),
                    });
                }
                continue;
            }
            let Some((agent, o)) = Observation::of(&e) else {
                continue;
            };
            let activity = agents.entry(agent.to_string()).or_default();
            for a in activity.observe(agent, &o, t) {
                if a.ts >= since {
                    found.push(a);
                }
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    }
    found.extend(crate::audit::anomaly::vault_checks(
        &state, &last_used, t, now,
    ));
    for s in crate::audit::activity::suspended(&vault.dir) {
        found.push(Anomaly {
            kind: "suspended".into(),
            agent: Some(s.agent.clone()),
            ts: s.at.clone(),
            message: format!(
                "agent {} is suspended after an anomaly ({}); resume it with `agentcred agent resume {}`",
                s.agent, s.reason, s.agent
            ),
            details: serde_json::Value::Null,
        });
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "since": since,
            "anomalies": found,
        }));
        return Ok(());
    }
    let rows = found
        .iter()
        .map(|a| {
            vec![
                a.ts.clone(),
                a.kind.clone(),
                a.agent.clone().unwrap_or_default(),
                a.message.clone(),
            ]
        })
        .collect();
    ctx.out.records(
        &[
            Column::time("TIME"),
            Column::id("KIND"),
            Column::id("AGENT"),
            Column::text("WHAT"),
        ],
        rows,
    );
    Ok(())
}

pub(super) fn hash(ctx: &Ctx, args: AuditHashArgs) -> Result<()> {
    let value = match args.value {
        Some(v) => crate::sensitive::SecretText::new(v),
        None => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::other(format!("cannot read stdin: {e}")).with_source(e))?;
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            crate::sensitive::SecretText::new(text)
        }
    };
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let state = vault.load_state(&admin)?;
    let h = crate::audit::hmac_field(&state.audit_key, value.expose_secret().as_bytes());
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "hmac": h }));
    } else {
        ctx.out.data(&h);
    }
    Ok(())
}
