//! `agentcred audit …` (docs/DESIGN.md, "The audit log"): list, verify, checkpoint, tail,
//! anomalies, hash.
//!
//! Every reader streams the log; none loads it whole. Listing needs no unlock (the log is public
//! and holds no secret); verify, checkpoint, anomalies and hash need the admin, because the
//! checkpoints, the vault's keys and the HMAC key live in the encrypted state.
use std::collections::VecDeque;
use std::io::{BufWriter, Write};

use crate::audit::read::LogReader;
use crate::audit::{Entry, Outcome};
use crate::cli::{AuditArgs, AuditCommand, AuditListArgs};
use crate::cmd::Ctx;
use crate::error::Result;
use crate::output::Column;

mod filter;
mod live;
mod verify;

use filter::Filter;

use live::{anomalies, hash, tail};
use verify::{checkpoint, verify};

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
pub(super) struct Lines {
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
            eprintln!("error: cannot write to stdout: {e}");
            std::process::exit(i32::from(crate::error::exit::ERROR));
        }
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
    ctx.out.records(&COLUMNS, rows);
    if matched > kept.len() {
        ctx.out.note(&format!(
            "(the last {} of {matched} matching entries; --limit N shows more, --json all)",
            kept.len()
        ));
    }
    Ok(())
}

/// The columns of an audit table, `audit` and `audit tail` alike.
pub(super) const COLUMNS: [Column; 7] = [
    Column::id("SEQ"),
    Column::time("TIME"),
    Column::id("ACTOR"),
    Column::id("ACTION"),
    Column::id("AGENT"),
    Column::id("RESULT"),
    Column::text("DETAIL"),
];

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
    if e.action == crate::audit::Action::Anomaly
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

pub(super) fn row(e: &Entry) -> Vec<String> {
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

/// A progress bar for a long read of the log, on a terminal only.
pub(super) fn progress_bar(ctx: &Ctx, dir: &std::path::Path) -> Option<indicatif::ProgressBar> {
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
