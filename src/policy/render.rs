//! The texts a person reads: the exported policy file, and the plan as a diff.

use std::fmt::Write as _;

use super::Policy;
use super::fields::{self, Field};
use super::plan::{Lines, Op, Plan};

const HEADER: &str = "\
# agentcred policy: the vault's agents, their limits, its secrets' metadata and its grants.
# Written by `agentcred export-policy`. Review a change with `agentcred plan FILE` and make it
# with `agentcred apply FILE`: the vault then holds exactly what this file lists (secrets'
# values excepted, which never appear here). Check a file without a vault with
# `agentcred policy check FILE`; `agentcred policy schema` prints its JSON Schema.
";

const AGENTS: &str = "\
# Agents: the principals credentials are issued to. max_ttl caps every credential the agent
# holds; rate_limit caps its mints and execs (N/s, N/m or N/h); suspend_on_anomaly suspends it
# when the anomaly detector fires. Removing an agent revokes everything issued to it.
";

const SECRETS: &str = "\
# Secrets: metadata only, never values. env is the variable the value is injected as; max_age
# flags the secret for rotation. A secret listed here must be stored in the vault
# (`agentcred secret set NAME`) before the policy can be applied.
";

const GRANTS: &str = "\
# Grants: which agent gets which secret, for which actions on which resources. Default deny:
# nothing is allowed that no grant allows, and a deny grant beats every allow. max_ttl caps the
# credentials the grant allows; env overrides the secret's variable for this agent. Removing or
# narrowing a grant revokes the agent's outstanding credentials.
";

fn records<R>(out: &mut String, section: &str, comment: &str, table: &[Field<R>], records: &[R]) {
    out.push('\n');
    out.push_str(comment);
    for r in records {
        let _ = writeln!(out, "[[{section}]]");
        for (name, value) in fields::set(table, r, true) {
            let _ = writeln!(out, "{name} = {}", value.toml());
        }
        out.push('\n');
    }
    if records.is_empty() {
        let _ = writeln!(out, "# (none)");
    }
}

/// The policy as a file: the same policy always gives the same bytes.
pub fn export(policy: &Policy) -> String {
    let mut out = String::with_capacity(64 + policy.grants.len() * 128);
    out.push_str(HEADER);
    out.push_str("\nversion = 1\n");
    records(&mut out, "agents", AGENTS, fields::AGENT, &policy.agents);
    records(
        &mut out,
        "secrets",
        SECRETS,
        fields::SECRET,
        &policy.secrets,
    );
    records(&mut out, "grants", GRANTS, fields::GRANT, &policy.grants);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out.replace("\n\n\n", "\n\n")
}

/// The plan as a reviewer reads it in a pull request: `+` add, `-` remove, `~` change with
/// `old → new`, each field on a line of its own under the record it belongs to.
pub fn plan(plan: &Plan, file: &str) -> String {
    let mut out = String::with_capacity(64 + plan.steps.len() * 96);
    for step in &plan.steps {
        let sign = step.op().sign();
        let _ = writeln!(out, "{sign} {} {}", step.kind(), step.label());
        match step.lines() {
            Lines::Set(set) => {
                for (name, value) in set {
                    let _ = writeln!(out, "{sign}     {name} = {}", value.toml());
                }
            }
            Lines::Diff(diffs) => {
                for d in diffs {
                    let _ = writeln!(
                        out,
                        "{sign}     {}: {} → {}",
                        d.name,
                        d.old.toml(),
                        d.new.toml()
                    );
                }
            }
        }
    }
    if !plan.missing.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("Secrets the file names that the vault does not hold (a plan cannot create values); store each first:\n");
        for name in &plan.missing {
            let _ = writeln!(out, "  agentcred secret set {name}");
        }
    }
    if !plan.unmanaged.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("Secrets in the vault that the file does not name, left as they are:\n");
        for name in &plan.unmanaged {
            let _ = writeln!(
                out,
                "  {name}    (remove with `agentcred secret remove {name}`)"
            );
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    if plan.steps.is_empty() {
        let _ = writeln!(out, "No changes: the vault's policy matches {file}.");
    } else {
        let _ = writeln!(
            out,
            "Plan: {} to add, {} to change, {} to remove.",
            plan.count(Op::Add),
            plan.count(Op::Change),
            plan.count(Op::Remove)
        );
    }
    out
}

/// The plan as `plan --json` prints it (without `"schema"`, which the output adds).
pub fn plan_json(plan: &Plan, file: &str, sha256: &str) -> serde_json::Value {
    serde_json::json!({
        "file": file,
        "sha256": sha256,
        "generation": plan.generation,
        "changes": plan.steps.iter().map(super::plan::Step::json).collect::<Vec<_>>(),
        "summary": {
            "add": plan.count(Op::Add),
            "change": plan.count(Op::Change),
            "remove": plan.count(Op::Remove),
        },
        "missing_secrets": plan.missing,
        "unmanaged_secrets": plan.unmanaged,
    })
}
