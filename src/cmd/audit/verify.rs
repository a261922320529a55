//! `audit verify` and `audit checkpoint`.

use std::collections::HashMap;

use super::progress_bar;
use crate::audit::verify::{Anchor, Report};
use crate::cli::AuditVerifyArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::vault::state::Checkpoint;

pub(super) fn verify(ctx: &Ctx, args: AuditVerifyArgs) -> Result<()> {
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let state = vault.load_state(&admin)?;
    let keys: HashMap<String, crate::crypto::PublicKey> = state
        .issuer_keys
        .iter()
        .filter_map(|k| crate::crypto::PublicKey::parse(&k.public_key).map(|p| (k.id.clone(), p)))
        .collect();
    let lookup = |id: &str| -> Option<crate::crypto::PublicKey> {
        keys.get(id)
            .cloned()
            .or_else(|| keys.values().find(|p| p.key_id() == id).cloned())
            .or_else(|| vault.config.issuer_key(id))
    };
    let mut anchors = Vec::new();
    for c in &state.checkpoints {
        let Some(key) = lookup(&c.key_id) else {
            continue;
        };
        if c.vault_id != state.vault_id || !c.verify(&key) {
            return Err(Error::bad_data(format!(
                "the checkpoint of {} in the vault state has a bad signature",
                c.ts
            ))
            .hint("the vault state is damaged; restore it from a backup"));
        }
        anchors.push(Anchor::of(c, "vault state", c.verify_checked(&key)));
    }
    for path in &args.checkpoints {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("cannot read the checkpoint", path, e))?;
        let c: Checkpoint = serde_json::from_str(&text).map_err(|e| {
            Error::bad_data(format!(
                "{} is not an agentcred checkpoint: {e}",
                path.display()
            ))
            .hint("make one with `agentcred audit checkpoint > FILE`")
        })?;
        if c.vault_id != state.vault_id {
            return Err(Error::bad_data(format!(
                "the checkpoint {} belongs to another vault ({})",
                path.display(),
                c.vault_id
            )));
        }
        let Some(key) = lookup(&c.key_id).filter(|k| c.verify(k)) else {
            return Err(Error::bad_data(format!(
                "the checkpoint {} is not signed by this vault's issuer key",
                path.display()
            ))
            .hint("it was altered, or made by another vault"));
        };
        let checked = c.verify_checked(&key);
        anchors.push(Anchor::of(&c, path.display().to_string(), checked));
    }
    if let Some(flag) = &args.witness {
        let settings = crate::settings::Settings::load(&vault.dir)?;
        // A witness named on the command line does not depend on config.toml, which any process
        // that can write the vault directory can edit.
        let command = if flag.is_empty() {
            settings.audit.witness.clone().ok_or_else(|| {
                Error::config("--witness was given without a command, and config.toml names none")
                    .hint("pass --witness COMMAND, or set `[audit] witness = \"COMMAND\"` in config.toml")
            })?
        } else {
            flag.clone()
        };
        if let Some(c) = crate::audit::witness::get(&command, settings.audit.timeout_secs)? {
            let key = lookup(&c.key_id).filter(|k| c.vault_id == state.vault_id && c.verify(k));
            let Some(key) = key else {
                return Err(Error::bad_data(
                    "the checkpoint the audit witness holds is not signed by this vault's issuer key",
                )
                .hint("it belongs to another vault, or the vault's files were replaced"));
            };
            let checked = c.verify_checked(&key);
            anchors.push(Anchor::of(
                &c,
                format!("held by the witness: size {}, head {}", c.size, c.head),
                checked,
            ));
        }
    }
    let expect = crate::audit::verify::Expect {
        keys: crate::audit::verify::Keys::of_state(&state),
        generation: Some(state.generation),
        all_signatures: args.full,
    };
    let bar = progress_bar(ctx, &vault.dir);
    let report = crate::audit::verify::verify(&vault.dir, &anchors, expect, &mut |done, total| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut report = report;
    if report.problem.is_none()
        && let Some(r) = &report.revocations
    {
        // Any writer of the log can record a shorter list's head after this one; the list must
        // still hold the longest the log ever recorded.
        let recorded = crate::credential::revocation::Head {
            count: r.count,
            head: r.head.clone(),
        };
        let held = crate::credential::revocation::still_holds(&vault.dir, &vault.config, &recorded)
            .unwrap_or(false);
        if !held {
            report.problem = Some(crate::audit::verify::Problem {
                seq: r.seq,
                line: r.seq,
                message: format!(
                    "seq {} records {} revocations, but {} no longer holds them: revocations were deleted (and a shorter list recorded after it)",
                    r.seq,
                    r.count,
                    crate::credential::revocation::FILE
                ),
            });
        }
    }
    print_report(ctx, &report, anchors.len());
    match report.problem {
        None => Ok(()),
        Some(p) => Err(Error::bad_data(format!(
            "the audit log fails verification at seq {}: {}",
            p.seq, p.message
        ))
        .hint("keep a copy of audit.jsonl as it is now, and compare it with a backup")),
    }
}

fn print_report(ctx: &Ctx, r: &Report, anchors: usize) {
    let anchored = r.anchored.as_ref().map_or(0, |a| a.size);
    let ok = r.problem.is_none();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "ok": ok,
            "entries": r.entries,
            "head": r.head,
            "authenticated": r.anchored.as_ref().map(|a| serde_json::json!({
                "from": 1, "to": a.size, "checkpoint_ts": a.ts, "checkpoint_source": a.source,
            })),
            "unanchored": (ok && r.entries > anchored).then(|| serde_json::json!({
                "from": anchored + 1, "to": r.entries,
            })),
            "checkpoints": anchors,
            "checkpoints_matched": r.checkpoints_matched,
            "torn_tail": r.torn_tail,
            "unsigned": r.unsigned,
            "signatures": {
                "checked": r.signatures_checked().map(|(from, to)| serde_json::json!({
                    "from": from, "to": to,
                })),
                "vouched": r.signatures_vouched.as_ref().map(|a| serde_json::json!({
                    "from": 1, "to": a.size, "checkpoint_ts": a.ts, "checkpoint_source": a.source,
                })),
            },
            "problem": r.problem.as_ref().map(|p| serde_json::json!({
                "seq": p.seq, "line": p.line, "message": p.message,
            })),
        }));
        return;
    }
    let mut lines = Vec::new();
    if ok {
        lines.push(format!(
            "audit log: {} entries (seq 1 to {}), the hash chain is intact",
            r.entries, r.entries
        ));
    } else {
        lines.push(format!(
            "audit log: the chain holds from seq 1 to {} only",
            r.entries
        ));
    }
    match &r.anchored {
        Some(a) => lines.push(format!(
            "authenticated: seq 1 to {} by the checkpoint signed at {} ({}; {} of {anchors} checkpoints matched)",
            a.size, a.ts, a.source, r.checkpoints_matched
        )),
        None => lines.push("authenticated: nothing (no checkpoint matched)".into()),
    }
    if ok && r.entries > anchored {
        lines.push(format!(
            "unanchored: seq {} to {} ({} entries after the last checkpoint; the next admin change or `audit checkpoint` anchors them)",
            anchored + 1,
            r.entries,
            r.entries - anchored
        ));
    }
    let checked = match r.signatures_checked() {
        Some((from, to)) => format!("checked for seq {from} to {to}"),
        None => "none checked".into(),
    };
    match &r.signatures_vouched {
        Some(a) if a.size > 0 => lines.push(format!(
            "signatures: {checked}; seq 1 to {} were checked before the checkpoint signed at {} ({}) and are not checked again (`--full` re-checks them)",
            a.size, a.ts, a.source
        )),
        _ => lines.push(format!("signatures: {checked}")),
    }
    if r.unsigned > 0 {
        lines.push(format!(
            "unsigned: {} entries written without a key (`verify`, a credential holder's nested exec): records of what was asked, not proof",
            r.unsigned
        ));
    }
    if r.torn_tail {
        lines.push(
            "note: the last line is an entry cut short by an interrupted write; the next append removes it"
                .into(),
        );
    }
    let mut text = lines.join("\n");
    text.push('\n');
    ctx.out.data(&text);
}

pub(super) fn checkpoint(ctx: &Ctx) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let now = ctx.now();
    vault.update(&admin, now, |_| {
        Ok((
            (),
            vec![crate::audit::Event::admin(
                crate::audit::Action::AuditCheckpoint,
            )],
        ))
    })?;
    let state = vault.load_state(&admin)?;
    let c = state
        .checkpoints
        .last()
        .ok_or_else(|| Error::other("no checkpoint was written"))?;
    if ctx.out.json {
        ctx.out.json(c);
    } else {
        let mut text = serde_json::to_string(c).expect("checkpoints serialise");
        text.push('\n');
        ctx.out.data(&text);
        ctx.out.note(&format!(
            "checkpoint of {} entries: keep it outside the vault and check it later with `agentcred audit verify --checkpoint FILE`",
            c.size
        ));
    }
    Ok(())
}
