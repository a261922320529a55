//! `export-policy`, `plan`, `apply`, `policy schema|check`: the vault's policy as a reviewed file.

use std::io::Read as _;
use std::path::Path;

use serde::Deserialize;

use crate::cli::{ApplyArgs, OutArgs, PlanArgs, PolicyCommand};
use crate::cmd::{Ctx, out_file};
use crate::error::{Error, Result, exit};
use crate::output::plural;
use crate::policy::plan::{Op, Plan};
use crate::policy::{self, Current, apply as applying, render, schema};

/// The largest policy file read: a 10,000-agent, 100,000-grant policy is about 15 MB.
const MAX_FILE: u64 = 256 << 20;

/// What `plan --out` writes and `apply PLAN` reads: the policy file itself, its hash, and the
/// vault and generation the plan was made against.
#[derive(Deserialize)]
struct Saved {
    kind: String,
    vault_id: String,
    generation: u64,
    file: String,
    sha256: String,
    policy: String,
}

/// `plan`'s exit status when there are changes, as `terraform plan -detailed-exitcode`.
const CHANGES: u8 = 2;

const SAVED_KIND: &str = "agentcred-plan";

/// The file's text and the name errors give it.
fn read(path: &Path) -> Result<(String, String)> {
    let label = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::not_found(format!("{label} does not exist"))
                .hint("give the path of a policy file, e.g. one `agentcred export-policy` wrote")
        } else {
            Error::io("cannot read", path, e)
        }
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read", path, e))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(
            Error::bad_data(format!("{label} is larger than {MAX_FILE} bytes"))
                .hint("a policy file is text of a few megabytes at most"),
        );
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::bad_data(format!("{label} is not UTF-8 text")).hint("a policy file is TOML")
    })?;
    Ok((text, label))
}

pub fn run(ctx: &Ctx, command: PolicyCommand) -> Result<()> {
    match command {
        PolicyCommand::Schema => {
            ctx.out.data(&schema::text());
            Ok(())
        }
        PolicyCommand::Check { file } => {
            let (text, label) = read(&file)?;
            let p = policy::parse(&text, &label)?;
            let counts = (p.agents.len(), p.secrets.len(), p.grants.len());
            if ctx.out.json {
                ctx.out.json(&serde_json::json!({
                    "file": label, "valid": true, "agents": counts.0, "secrets": counts.1, "grants": counts.2,
                }));
            } else {
                ctx.out.done(&format!(
                    "{label} is a valid policy: {}, {}, {}",
                    plural(counts.0, "agent"),
                    plural(counts.1, "secret"),
                    plural(counts.2, "grant")
                ));
            }
            Ok(())
        }
    }
}

pub fn export(ctx: &Ctx, file: OutArgs) -> Result<()> {
    if let Some(path) = &file.out {
        out_file::check(path, file.force)?;
    }
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let (state, grants) = vault.load_grants(&admin)?;
    let text = render::export(&Current::of(&state, grants.values()).policy());
    match &file.out {
        Some(path) => {
            out_file::write(path, text.as_bytes(), file.force)?;
            if ctx.out.json {
                ctx.out.json(&serde_json::json!({ "written": path }));
            } else {
                ctx.out
                    .done(&format!("wrote the vault's policy to {}", path.display()));
            }
        }
        None => ctx.out.data(&text),
    }
    Ok(())
}

pub fn plan(ctx: &Ctx, args: PlanArgs) -> Result<u8> {
    let (text, label) = read(&args.file)?;
    let policy = policy::parse(&text, &label)?;
    if let Some(path) = &args.out {
        out_file::check(path, args.force)?;
    }
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let (state, grants) = vault.load_grants(&admin)?;
    let plan = policy::plan::plan(policy, &Current::of(&state, grants.values()));
    drop(grants);
    let sha256 = policy::sha256(text.as_bytes());
    let json =
        (ctx.out.json || args.out.is_some()).then(|| render::plan_json(&plan, &label, &sha256));
    if let (Some(path), Some(json)) = (&args.out, &json) {
        let mut saved = serde_json::json!({
            "kind": SAVED_KIND,
            "vault_id": vault.config.vault_id,
            "policy": text,
        });
        for (k, v) in json.as_object().expect("the plan is an object") {
            saved[k] = v.clone();
        }
        let bytes = crate::output::json_text(&saved);
        out_file::write(path, bytes.as_bytes(), args.force)?;
    }
    if let (true, Some(json)) = (ctx.out.json, &json) {
        ctx.out.json(json);
    } else {
        ctx.out.data(&render::plan(&plan, &label));
        if let Some(path) = &args.out {
            ctx.out.note(&format!(
                "saved the plan to {}; apply exactly it with `agentcred apply {}`",
                path.display(),
                path.display()
            ));
        }
    }
    Ok(if plan.is_empty() { exit::OK } else { CHANGES })
}

/// The vault moved on from the generation a plan was made at.
fn changed_since(planned: u64, now: u64) -> Error {
    Error::denied(format!(
        "the vault changed since the plan was made (generation {planned}, now {now}); nothing was applied"
    ))
    .hint("run `agentcred plan` again, review it, and apply the new plan")
}

pub fn apply(ctx: &Ctx, args: ApplyArgs) -> Result<u8> {
    let (text, label) = read(&args.file)?;
    let saved = if text.trim_start().starts_with('{') {
        let s: Saved = serde_json::from_str(&text)
            .ok()
            .filter(|s: &Saved| s.kind == SAVED_KIND)
            .ok_or_else(|| {
                Error::bad_data(format!("{label} is neither a policy file nor a saved plan"))
                    .hint("give a TOML policy file, or a plan written by `agentcred plan --out`")
            })?;
        if policy::sha256(s.policy.as_bytes()) != s.sha256 {
            return Err(Error::bad_data(format!(
                "{label} was edited after `agentcred plan` wrote it"
            ))
            .hint("make the plan again with `agentcred plan FILE --out PLAN`"));
        }
        Some(s)
    } else {
        None
    };
    let (text, label) = match &saved {
        Some(s) => (s.policy.clone(), s.file.clone()),
        None => (text, label),
    };
    let policy = policy::parse(&text, &label)?;
    let sha256 = policy::sha256(text.as_bytes());
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    if let Some(s) = saved
        .as_ref()
        .filter(|s| s.vault_id != vault.config.vault_id)
    {
        return Err(Error::denied(format!(
            "the plan was made for vault {}, not this one ({})",
            s.vault_id, vault.config.vault_id
        ))
        .hint("make the plan against this vault with `agentcred plan FILE --out PLAN`"));
    }
    // Shown on a terminal before it is confirmed, then applied only to the vault it was made
    // against; a file applied with --yes is planned once, under the lock.
    let mut expected = saved.as_ref().map(|s| s.generation);
    if !args.yes {
        let spinner = ctx.spinner("planning");
        let (state, grants) = vault.load_grants(&admin)?;
        let shown = policy::plan::plan(policy.clone(), &Current::of(&state, grants.values()));
        drop((state, grants));
        if let Some(b) = spinner {
            b.finish_and_clear();
        }
        if let Some(g) = expected.filter(|g| *g != shown.generation) {
            return Err(changed_since(g, shown.generation));
        }
        applying::check_missing(&shown)?;
        if shown.steps.is_empty() {
            return no_changes(ctx, &label, shown.generation);
        }
        if !ctx.out.json && !ctx.out.quiet {
            ctx.out.data(&render::plan(&shown, &label));
        }
        ctx.confirm(
            &format!("apply {} to the vault", plural(shown.steps.len(), "change")),
            false,
        )?;
        expected = Some(shown.generation);
    }
    let outcome = vault.update(&admin, ctx.now(), |c| {
        c.load_all_grants()?;
        let current = Current::of(c.state, c.loaded_grants());
        if let Some(g) = expected.filter(|g| *g != current.generation) {
            return Err(changed_since(g, current.generation));
        }
        let plan = policy::plan::plan(policy, &current);
        if plan.steps.is_empty() {
            applying::check_missing(&plan)?;
            c.abandon();
            return Ok((Err(plan.generation), vec![]));
        }
        let (applied, events) = applying::apply(c, &plan, &label, &sha256)?;
        Ok((Ok((applied, plan)), events))
    })?;
    let (applied, done) = match outcome {
        Ok(done) => done,
        Err(generation) => return no_changes(ctx, &label, generation),
    };
    for name in &applied.removed_agents {
        crate::audit::activity::forget(&vault.dir, name);
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "applied": summary(&done),
            "file": label,
            "sha256": sha256,
            "generation": done.generation + 1,
        }));
    } else {
        ctx.out.done(&format!(
            "applied {} from {label}: {} added, {} changed, {} removed",
            plural(done.steps.len(), "change"),
            done.count(Op::Add),
            done.count(Op::Change),
            done.count(Op::Remove)
        ));
    }
    Ok(exit::OK)
}

fn no_changes(ctx: &Ctx, label: &str, generation: u64) -> Result<u8> {
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "applied": { "add": 0, "change": 0, "remove": 0 },
            "generation": generation,
        }));
    } else {
        ctx.out
            .note(&format!("no changes: the vault's policy matches {label}"));
    }
    Ok(exit::OK)
}

fn summary(plan: &Plan) -> serde_json::Value {
    serde_json::json!({
        "add": plan.count(Op::Add),
        "change": plan.count(Op::Change),
        "remove": plan.count(Op::Remove),
    })
}
