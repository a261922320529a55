//! `agentcred audit …` (docs/DESIGN.md, "The audit log"): list, verify, checkpoint, tail,
//! anomalies, hash.
//!
//! Every reader streams the log; none loads it whole. Listing needs no unlock (the log is public
//! and holds no secret); verify, checkpoint, anomalies and hash need the admin, because the
//! checkpoints, the vault's keys and the HMAC key live in the encrypted state.

use std::collections::{HashMap, VecDeque};
use std::io::{BufWriter, Write};

use chrono::{DateTime, Utc};

use crate::audit::anomaly::{AgentActivity, Anomaly, Observation};
use crate::audit::read::{LogReader, has_field, ts_of};
use crate::audit::verify::{Anchor, Report};
use crate::audit::{Entry, Outcome};
use crate::cli::{
    AuditAnomaliesArgs, AuditArgs, AuditCommand, AuditHashArgs, AuditListArgs, AuditResult,
    AuditTailArgs, AuditVerifyArgs,
};
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::vault::state::Checkpoint;

/// Rows a table shows when no --limit is given.
const TABLE_DEFAULT_LIMIT: usize = 100;

pub fn run(ctx: &Ctx, args: AuditArgs) -> Result<()> {
    match args.command {
        None => list(ctx, args.list),
        Some(AuditCommand::List(a)) => list(ctx, a),
        Some(AuditCommand::Verify(a)) => verify(ctx, a),
        Some(AuditCommand::Checkpoint) => checkpoint(ctx),
        Some(AuditCommand::Tail(a)) => tail(ctx, a),
        Some(AuditCommand::Anomalies(a)) => anomalies(ctx, a),
        Some(AuditCommand::Hash(a)) => hash(ctx, a),
    }
}

/// Writes raw lines to stdout; a closed pipe ends the program quietly.
struct Lines {
    out: BufWriter<std::io::StdoutLock<'static>>,
}

impl Lines {
    fn new() -> Lines {
        Lines {
            out: BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
        }
    }

    fn line(&mut self, bytes: &[u8]) {
        let r = self
            .out
            .write_all(bytes)
            .and_then(|()| self.out.write_all(b"\n"));
        Self::check(r);
    }

    fn flush(&mut self) {
        let r = self.out.flush();
        Self::check(r);
    }

    fn check(r: std::io::Result<()>) {
        if let Err(e) = r {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("agentcred: error: cannot write to stdout: {e}");
            std::process::exit(i32::from(crate::error::exit::ERROR));
        }
    }
}

/// The list filters, compiled.
struct Filter {
    agent: Option<String>,
    action: Option<(String, bool)>,
    result: Option<Outcome>,
    since: Option<String>,
    until: Option<String>,
}

impl Filter {
    fn new(a: &AuditListArgs, now: DateTime<Utc>) -> Result<Filter> {
        if let Some(agent) = &a.agent {
            crate::agent::validate_name(agent)?;
        }
        let action = a.action.as_ref().map(|x| match x.strip_suffix('*') {
            Some(prefix) => (prefix.to_string(), true),
            None => (x.clone(), false),
        });
        Ok(Filter {
            agent: a.agent.clone(),
            action,
            result: a.result.map(|r| match r {
                AuditResult::Ok => Outcome::Ok,
                AuditResult::Denied => Outcome::Denied,
                AuditResult::Error => Outcome::Error,
            }),
            since: a.since.map(|t| crate::clock::rfc3339(t.resolve(now))),
            until: a.until.map(|t| crate::clock::rfc3339(t.resolve(now))),
        })
    }

    /// Cheap tests on the raw line first; the entry is parsed only if they pass.
    fn matches(&self, line: &[u8]) -> Option<Option<Entry>> {
        if self.since.is_some() || self.until.is_some() {
            let ts = ts_of(line)?;
            if self.since.as_deref().is_some_and(|s| ts < s)
                || self.until.as_deref().is_some_and(|u| ts >= u)
            {
                return None;
            }
        }
        if let Some(agent) = &self.agent
            && !has_field(line, "agent", agent)
        {
            return None;
        }
        if let Some((action, _)) = &self.action {
            let needle = format!("\"action\":\"{action}");
            if !std::str::from_utf8(line).is_ok_and(|l| l.contains(&needle)) {
                return None;
            }
        }
        if self.agent.is_none() && self.action.is_none() && self.result.is_none() {
            return Some(None);
        }
        let e = Entry::parse(line)?;
        if self
            .agent
            .as_ref()
            .is_some_and(|a| e.agent.as_ref() != Some(a))
        {
            return None;
        }
        if let Some((action, prefix)) = &self.action {
            let ok = if *prefix {
                e.action.starts_with(action.as_str())
            } else {
                e.action == *action
            };
            if !ok {
                return None;
            }
        }
        if self.result.is_some_and(|r| e.result != Some(r)) {
            return None;
        }
        Some(Some(e))
    }
}

fn list(ctx: &Ctx, args: AuditListArgs) -> Result<()> {
    let dir = ctx.open_vault()?.dir;
    let filter = Filter::new(&args, ctx.now())?;
    let Some(mut log) = LogReader::open(&dir)? else {
        ctx.out.note("(the audit log is empty)");
        return Ok(());
    };
    let table = !ctx.out.json;
    let limit = args
        .limit
        .or_else(|| (table && ctx.out.stdout_is_terminal()).then_some(TABLE_DEFAULT_LIMIT));
    if !table && limit.is_none() {
        // Stream: nothing is held.
        let mut out = Lines::new();
        while let Some(line) = log.next_line()? {
            if line.complete && filter.matches(line.bytes).is_some() {
                out.line(line.bytes);
            }
        }
        out.flush();
        return Ok(());
    }
    let mut kept: VecDeque<Vec<u8>> = VecDeque::new();
    let mut matched = 0usize;
    while let Some(line) = log.next_line()? {
        if !line.complete || filter.matches(line.bytes).is_none() {
            continue;
        }
        matched += 1;
        if limit.is_some_and(|l| kept.len() == l) {
            kept.pop_front();
        }
        if limit != Some(0) {
            kept.push_back(line.bytes.to_vec());
        }
    }
    if !table {
        let mut out = Lines::new();
        for l in &kept {
            out.line(l);
        }
        out.flush();
        return Ok(());
    }
    let rows: Vec<Vec<String>> = kept
        .iter()
        .filter_map(|l| Entry::parse(l))
        .map(|e| row(&e))
        .collect();
    ctx.out.table(
        &[
            "SEQ", "TIME", "ACTOR", "ACTION", "AGENT", "RESULT", "DETAIL",
        ],
        rows,
    );
    if matched > kept.len() {
        ctx.out.note(&format!(
            "(the last {} of {matched} matching entries; --limit N shows more, --json all)",
            kept.len()
        ));
    }
    Ok(())
}

fn outcome_str(r: Option<Outcome>) -> &'static str {
    match r {
        Some(Outcome::Ok) | None => "ok",
        Some(Outcome::Denied) => "denied",
        Some(Outcome::Error) => "error",
    }
}

/// What a person wants to see of an entry beyond the fixed columns.
fn detail(e: &Entry) -> String {
    let mut parts = Vec::new();
    if !e.secrets.is_empty() {
        parts.push(e.secrets.join(","));
    }
    if let Some(c) = &e.credential_id {
        parts.push(c.clone());
    }
    if e.action == "anomaly"
        && let Some(m) = e
            .details
            .as_ref()
            .and_then(|d| d.get("message"))
            .and_then(|m| m.as_str())
    {
        parts.push(m.to_string());
    } else if let Some(r) = &e.reason {
        parts.push(r.clone());
    }
    parts.join("  ")
}

fn row(e: &Entry) -> Vec<String> {
    vec![
        e.seq.to_string(),
        e.ts.clone(),
        e.actor.clone(),
        e.action.clone(),
        e.agent.clone().unwrap_or_default(),
        outcome_str(e.result).to_string(),
        detail(e),
    ]
}

/// One entry on one line, for `tail`.
fn line_text(e: &Entry) -> String {
    let mut s = format!(
        "{:>6}  {}  {:<8} {:<14}",
        e.seq,
        e.ts,
        outcome_str(e.result),
        e.action
    );
    if let Some(a) = &e.agent {
        s.push_str(&format!(" {a}"));
    }
    s.push_str(&format!("  by {}", e.actor));
    let d = detail(e);
    if !d.is_empty() {
        s.push_str(&format!("  {d}"));
    }
    s
}

fn verify(ctx: &Ctx, args: AuditVerifyArgs) -> Result<()> {
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

fn progress_bar(ctx: &Ctx, dir: &std::path::Path) -> Option<indicatif::ProgressBar> {
    let len = std::fs::metadata(dir.join(crate::audit::FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    if !ctx.out.stderr_is_terminal() || ctx.out.quiet || ctx.out.json || len < 32 << 20 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len).with_message("verifying the audit log");
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} ({eta})")
            .expect("the template is valid"),
    );
    Some(bar)
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

fn checkpoint(ctx: &Ctx) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let now = ctx.now();
    vault.update(&admin, now, |_| {
        Ok(((), vec![crate::audit::Event::admin("audit.checkpoint")]))
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

fn tail(ctx: &Ctx, args: AuditTailArgs) -> Result<()> {
    let dir = ctx.open_vault()?.dir;
    let path = dir.join(crate::audit::FILE);
    let json = ctx.out.json;
    let mut out = Lines::new();
    let print = |out: &mut Lines, line: &[u8]| {
        if json {
            out.line(line);
        } else if let Some(e) = Entry::parse(line) {
            out.line(line_text(&e).as_bytes());
        }
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
        for l in &last {
            print(&mut out, l);
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
        for line in chunk[..end].split(|b| *b == b'\n') {
            print(&mut out, line);
        }
        out.flush();
    }
}

/// Replays the log through the detector and adds the vault's own findings.
fn anomalies(ctx: &Ctx, args: AuditAnomaliesArgs) -> Result<()> {
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
            if e.action == "anomaly" {
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
    ctx.out.table(&["TIME", "KIND", "AGENT", "WHAT"], rows);
    Ok(())
}

fn hash(ctx: &Ctx, args: AuditHashArgs) -> Result<()> {
    let value = match args.value {
        Some(v) => crate::sensitive::SecretText::new(v),
        None => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::other(format!("cannot read stdin: {e}")))?;
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
