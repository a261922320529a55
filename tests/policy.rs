//! Policy as code: `export-policy`, `plan`, `apply` and `policy schema|check`, end to end.

mod util;

use std::fmt::Write as _;
use std::path::PathBuf;

use util::{TestVault, stderr, stdout};

/// A policy file of `agents` agents, each granted `per_agent` of `secrets` secrets, with
/// `variant` changing the limits and scopes, so that two variants differ in every kind of change.
fn generated(agents: usize, per_agent: usize, secrets: usize, variant: usize) -> String {
    let mut out = String::from("version = 1\n");
    // Variant 1 drops every tenth agent and adds some others.
    let names: Vec<String> = (0..agents)
        .filter(|a| variant == 0 || a % 10 != 3)
        .map(|a| format!("agent-{a:05}"))
        .chain(
            (0..agents / 10)
                .filter(|_| variant == 1)
                .map(|a| format!("extra-{a:05}")),
        )
        .collect();
    for (i, name) in names.iter().enumerate() {
        let _ = write!(out, "\n[[agents]]\nname = \"{name}\"\n");
        if (i + variant).is_multiple_of(3) {
            let _ = writeln!(out, "max_ttl = \"{}h\"", 1 + variant);
        }
        if i % 4 == 1 {
            let _ = writeln!(out, "rate_limit = \"{}/m\"", 30 + variant);
        }
        if i % 5 == 2 {
            let _ = writeln!(
                out,
                "description = \"agent number {i}\"\nsuspend_on_anomaly = true"
            );
        }
    }
    for s in 0..secrets {
        let _ = write!(
            out,
            "\n[[secrets]]\nname = \"secret-{s:03}\"\nenv = \"SECRET_{s:03}_V{variant}\"\n"
        );
    }
    for (i, name) in names.iter().enumerate() {
        for g in 0..per_agent {
            let secret = (i + g) % secrets;
            let _ = write!(
                out,
                "\n[[grants]]\nagent = \"{name}\"\nsecret = \"secret-{secret:03}\"\nactions = [\"read\"{}]\nresources = [\"r{g}*\"]\n",
                if (i + variant).is_multiple_of(2) {
                    ", \"write\""
                } else {
                    ""
                }
            );
            if g == 0 && (i + variant) % 3 == 1 {
                out.push_str("max_ttl = \"15m\"\n");
            }
        }
    }
    out
}

/// A vault holding the secrets `secret-000` … that [`generated`] names.
fn vault_with_secrets(secrets: usize) -> TestVault {
    let vault = TestVault::new();
    for s in 0..secrets {
        vault
            .set_secret(&format!("secret-{s:03}"), "value")
            .success();
    }
    vault
}

fn write(vault: &TestVault, name: &str, text: &str) -> PathBuf {
    let path = vault.root().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn arg(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

/// The lines of a policy file that carry data: no comments, no blank lines.
fn data_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect()
}

/// `plan FILE`: its exit status and stdout.
fn plan(vault: &TestVault, file: &std::path::Path) -> (i32, String) {
    let out = vault.run(&["plan", arg(file)]);
    let code = out.get_output().status.code().unwrap();
    (code, stdout(&out))
}

#[track_caller]
fn assert_no_changes(vault: &TestVault, file: &std::path::Path) {
    let (code, text) = plan(vault, file);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("No changes: the vault's policy matches"),
        "{text}"
    );
}

/// The vault's agents, grants and secrets as their list commands show them, checked against the
/// file's records.
#[track_caller]
fn assert_vault_holds(vault: &TestVault, text: &str) {
    let file: toml::Value = toml::from_str(text).unwrap();
    let empty = vec![];
    let records = |k: &str| {
        file.get(k)
            .and_then(|v| v.as_array())
            .unwrap_or(&empty)
            .clone()
    };
    let agents = vault.json(&["agent", "list", "--json"]);
    let agents = agents["agents"].as_array().unwrap();
    let wanted = records("agents");
    assert_eq!(agents.len(), wanted.len());
    for w in &wanted {
        let name = w["name"].as_str().unwrap();
        let a = agents
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("no agent {name}"));
        let max_ttl = w.get("max_ttl").and_then(|v| v.as_str());
        assert_eq!(a["max_ttl"].as_str(), max_ttl, "{name}");
        assert_eq!(
            a["rate_limit"].as_str(),
            w.get("rate_limit").and_then(|v| v.as_str()),
            "{name}"
        );
        let soa = w
            .get("suspend_on_anomaly")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        assert_eq!(a["suspend_on_anomaly"], soa, "{name}");
    }
    let secrets = vault.json(&["secret", "list", "--json"]);
    for w in records("secrets") {
        let s = secrets["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == w["name"].as_str().unwrap())
            .unwrap();
        let default = w["name"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .replace(['-', '.'], "_");
        assert_eq!(
            s["env"].as_str(),
            Some(w.get("env").and_then(|v| v.as_str()).unwrap_or(&default))
        );
    }
    let grants = vault.json(&["grant", "list", "--json"]);
    let mut have: Vec<String> = grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let mut actions: Vec<&str> = g["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            actions.sort_unstable();
            format!(
                "{} {} {} {:?} {} {}",
                g["agent"], g["secret"], g["effect"], actions, g["resources"], g["max_ttl"]
            )
        })
        .collect();
    let mut want: Vec<String> = records("grants")
        .iter()
        .map(|g| {
            let effect = if g.get("deny").and_then(|v| v.as_bool()) == Some(true) {
                "deny"
            } else {
                "allow"
            };
            let mut actions: Vec<&str> = g["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            actions.sort_unstable();
            let max_ttl = g
                .get("max_ttl")
                .map_or(serde_json::Value::Null, |v| v.as_str().unwrap().into());
            let resources: serde_json::Value = g["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect::<Vec<_>>()
                .into();
            format!(
                "{:?} {:?} {:?} {:?} {} {}",
                g["agent"].as_str().unwrap(),
                g["secret"].as_str().unwrap(),
                effect,
                actions,
                resources,
                max_ttl
            )
        })
        .collect();
    have.sort();
    want.sort();
    assert_eq!(have, want);
}

#[test]
fn export_then_plan_reports_no_changes_on_the_demo_vault() {
    // The vault the demo builds, step by step (the demo removes its own at the end).
    let vault = TestVault::new();
    vault
        .run(&["agent", "add", "coder", "reviewer", "--max-ttl", "1h"])
        .success();
    vault
        .run_stdin(
            &[
                "secret",
                "set",
                "openai-key",
                "--stdin",
                "--env",
                "OPENAI_API_KEY",
            ],
            "sk-demo-1\n",
        )
        .success();
    vault
        .run(&[
            "grant",
            "coder",
            "openai-key",
            "--actions",
            "read",
            "--max-ttl",
            "5m",
        ])
        .success();
    let key = vault.issue_key("coder", &["--expires", "1d"]);
    vault
        .with_key_file(&key)
        .args(["exec", "--ttl", "2h", "--", "true"])
        .assert()
        .success();
    vault
        .run_stdin(
            &[
                "secret",
                "rotate",
                "openai-key",
                "--stdin",
                "--overlap",
                "10m",
            ],
            "sk-demo-2\n",
        )
        .success();
    vault.run(&["audit", "verify"]).success();
    let before = vault.snapshot_files();
    let file = vault.root().join("policy.toml");
    vault.run(&["export-policy", "--out", arg(&file)]).success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[[agents]]\nname = \"coder\"\nmax_ttl = \"1h\"\n"),
        "{text}"
    );
    assert!(text.contains("env = \"OPENAI_API_KEY\""), "{text}");
    assert!(!text.contains("sk-demo"), "{text}");
    assert_no_changes(&vault, &file);
    vault.run(&["apply", arg(&file), "--yes"]).success();
    assert_eq!(
        vault.snapshot_files(),
        before,
        "plan, export and a no-change apply write nothing"
    );
    // Exported twice, the same bytes; --out refuses to overwrite without --force.
    vault.run(&["export-policy", "--out", arg(&file)]).code(73);
    assert_eq!(stdout(&vault.run(&["export-policy"]).success()), text);
}

#[test]
fn export_then_plan_reports_no_changes_on_a_10000_agent_vault() {
    let vault = vault_with_secrets(3);
    let file = write(&vault, "p.toml", &generated(10_000, 1, 3, 0));
    vault.run(&["apply", arg(&file), "--yes", "-q"]).success();
    let exported = vault.root().join("exported.toml");
    vault
        .run(&["export-policy", "--out", arg(&exported)])
        .success();
    assert_no_changes(&vault, &exported);
    assert_no_changes(&vault, &file);
}

#[test]
fn a_policy_applied_to_an_empty_vault_exports_as_itself() {
    let vault = vault_with_secrets(4);
    let text = generated(12, 2, 4, 0);
    let file = write(&vault, "p.toml", &text);
    vault.run(&["apply", arg(&file), "--yes"]).success();
    let exported = stdout(&vault.run(&["export-policy"]).success());
    // The input was written in normal form but for the order of keys: compare record by record.
    let normal = |t: &str| -> Vec<String> {
        let mut records: Vec<String> = t
            .split("\n\n")
            .map(|r| {
                let mut lines = data_lines(r);
                lines.sort_unstable();
                lines.join("\n")
            })
            .filter(|r| !r.is_empty())
            .collect();
        records.sort();
        records
    };
    assert_eq!(normal(&exported), normal(&text));
    let exported_file = write(&vault, "exported.toml", &exported);
    assert_no_changes(&vault, &exported_file);
    assert_vault_holds(&vault, &text);
}

#[test]
fn a_sequence_of_edited_files_leaves_the_vault_as_each_file_says() {
    let vault = vault_with_secrets(4);
    let steps = [
        generated(20, 2, 4, 0),
        generated(20, 2, 4, 1),
        generated(20, 3, 4, 0),
        generated(5, 1, 2, 1),
        "version = 1\n[[agents]]\nname = \"solo\"\nmax_ttl = \"30m\"\n[[secrets]]\nname = \"secret-000\"\n[[grants]]\nagent = \"solo\"\nsecret = \"secret-000\"\ndeny = true\nactions = [\"write\"]\nresources = [\"prod*\"]\n".to_string(),
        "version = 1\n".to_string(),
    ];
    for (i, text) in steps.iter().enumerate() {
        let file = write(&vault, &format!("step{i}.toml"), text);
        let (code, shown) = plan(&vault, &file);
        assert_eq!(code, 2, "step {i}:\n{shown}");
        vault.run(&["apply", arg(&file), "--yes"]).success();
        assert_no_changes(&vault, &file);
        assert_vault_holds(&vault, text);
    }
    // Unnamed secrets are left as they are, and said so.
    let (_, shown) = plan(&vault, &write(&vault, "empty.toml", "version = 1\n"));
    assert!(
        shown.contains(
            "Secrets in the vault that the file does not name, left as they are:\n  secret-000"
        ),
        "{shown}"
    );
    vault.run(&["audit", "verify"]).success();
}

#[test]
fn a_file_with_one_invalid_grant_changes_nothing_and_names_it() {
    let vault = vault_with_secrets(2);
    let good = generated(10, 2, 2, 0);
    vault
        .run(&["apply", arg(&write(&vault, "good.toml", &good)), "--yes"])
        .success();
    let before = vault.snapshot_files();
    let bad = generated(10, 2, 2, 1).replacen("resources = [\"r1*\"]", "resources = [\"r1*x\"]", 1);
    let line = bad.lines().position(|l| l.contains("r1*x")).unwrap();
    let file = write(&vault, "bad.toml", &bad);
    for cmd in [
        &["apply", arg(&file), "--yes"][..],
        &["plan", arg(&file)],
        &["policy", "check", arg(&file)],
    ] {
        let out = vault.run(cmd).code(65);
        util::assert_short_error(&out);
        let err = stderr(&out);
        // The grant's table starts a few lines above its bad field.
        let at = err
            .split(':')
            .nth(2)
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap();
        assert!(at <= line + 1 && at + 6 > line, "{err}");
        assert!(
            err.contains("bad.toml:")
                && err.contains("invalid resource 'r1*x'")
                && err.contains("grant of secret-"),
            "{err}"
        );
    }
    assert_eq!(vault.snapshot_files(), before);
    // Unknown fields and bad syntax: the position and what was expected.
    let out = vault
        .run(&[
            "policy",
            "check",
            arg(&write(
                &vault,
                "typo.toml",
                "version = 1\n[[agents]]\nname = \"a\"\nmax_tll = \"1h\"\n",
            )),
        ])
        .code(65);
    assert!(stderr(&out).contains("typo.toml:4:1: unknown field `max_tll`, expected one of `name`, `description`, `max_ttl`"), "{}", stderr(&out));
    let out = vault
        .run(&[
            "policy",
            "check",
            arg(&write(&vault, "syntax.toml", "version = 1\n[[agents]\n")),
        ])
        .code(65);
    assert!(stderr(&out).contains("syntax.toml:2:"), "{}", stderr(&out));
    vault
        .run(&["policy", "check", arg(&write(&vault, "ok.toml", &good))])
        .success();
    vault.run(&["policy", "check", "missing.toml"]).code(66);
}

/// Kills `apply` at random points: afterwards the vault holds the policy before or the one after,
/// never a mix, and the audit log verifies.
#[test]
fn apply_killed_at_any_point_leaves_the_vault_before_or_after() {
    let vault = vault_with_secrets(5);
    let files = [
        write(&vault, "a.toml", &generated(60, 2, 5, 0)),
        write(&vault, "b.toml", &generated(60, 2, 5, 1)),
    ];
    vault.run(&["apply", arg(&files[0]), "--yes"]).success();
    let started = std::time::Instant::now();
    vault.run(&["apply", arg(&files[1]), "--yes"]).success();
    let full = started.elapsed();
    let mut at = 1;
    let (mut before, mut after) = (0, 0);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..100 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = full.mul_f64((seed % 1000) as f64 / 800.0);
        let target = 1 - at;
        let mut child = vault.command();
        child.args(["apply", arg(&files[target]), "--yes", "-q"]);
        child
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = child.spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let now_at = if plan(&vault, &files[target]).0 == 0 {
            after += 1;
            target
        } else {
            let (code, shown) = plan(&vault, &files[at]);
            assert_eq!(
                code,
                0,
                "after a kill at {delay:?} the vault is neither before nor after:\n{shown}\n{}",
                stderr(&vault.run(&["plan", arg(&files[at])]))
            );
            before += 1;
            at
        };
        let out = vault.run(&["audit", "verify"]);
        assert_eq!(out.get_output().status.code(), Some(0), "{}", stderr(&out));
        at = now_at;
    }
    assert!(
        before > 0 && after > 0,
        "{before} kills before the commit, {after} after"
    );
}

#[test]
fn a_plan_is_stable_shows_old_and_new_and_has_a_schema_number() {
    let vault = vault_with_secrets(2);
    vault
        .run(&[
            "apply",
            arg(&write(&vault, "a.toml", &generated(6, 1, 2, 0))),
            "--yes",
        ])
        .success();
    let file = write(&vault, "b.toml", &generated(6, 2, 2, 1));
    let (code, first) = plan(&vault, &file);
    assert_eq!(code, 2);
    let (_, second) = plan(&vault, &file);
    assert_eq!(first, second);
    assert!(
        first.contains("~ agent agent-00000\n~     max_ttl: \"1h\" → (none)\n"),
        "{first}"
    );
    assert!(
        first.contains("~ secret secret-000\n~     env: \"SECRET_000_V0\" → \"SECRET_000_V1\"\n"),
        "{first}"
    );
    assert!(first.contains("- agent agent-00003\n"), "{first}");
    assert!(first.contains("~ grant agent-00004 secret-000\n~     resources: [\"r0*\"] → [\"r1*\"]\n~     max_ttl: \"15m\" → (none)\n"), "{first}");
    assert!(
        first.contains("- grant agent-00003 secret-001\n-     actions = [\"read\"]\n"),
        "{first}"
    );
    assert!(
        first.ends_with("Plan: 5 to add, 11 to change, 2 to remove.\n"),
        "{first}"
    );
    let json = vault.run(&["plan", arg(&file), "--json"]).code(2);
    let json: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(
        json["summary"],
        serde_json::json!({ "add": 5, "change": 11, "remove": 2 })
    );
    let change = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "agent-00000")
        .unwrap();
    assert_eq!(
        change["fields"]["max_ttl"],
        serde_json::json!({ "old": "1h", "new": null })
    );
    assert_eq!(json["sha256"].as_str().unwrap().len(), 64);
    let again = vault.run(&["plan", arg(&file), "--json"]).code(2);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&again.get_output().stdout).unwrap(),
        json
    );
}

#[test]
fn apply_records_one_entry_per_change_and_the_files_hash() {
    let vault = vault_with_secrets(2);
    let text = generated(4, 2, 2, 0);
    let file = write(&vault, "p.toml", &text);
    let seq = vault.audit_lines().len();
    let applied = vault.json(&["apply", arg(&file), "--yes", "--json"]);
    let sha = util::hex(&<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
    assert_eq!(applied["sha256"], sha.as_str());
    let entries = vault.audit_lines()[seq..].to_vec();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // 2 secrets edited (their variables), 4 agents, 8 grants, then the apply.
    assert_eq!(actions.iter().filter(|a| **a == "secret.edit").count(), 2);
    assert_eq!(actions.iter().filter(|a| **a == "agent.add").count(), 4);
    assert_eq!(actions.iter().filter(|a| **a == "grant.add").count(), 8);
    assert_eq!(actions.len(), 15);
    let last = entries.last().unwrap();
    assert_eq!(last["action"], "policy.apply");
    assert_eq!(last["details"]["sha256"], sha.as_str());
    assert_eq!(last["details"]["add"], 12);
    vault.run(&["audit", "verify"]).success();
}

#[test]
fn a_saved_plan_applies_only_to_the_vault_it_was_made_against() {
    let vault = vault_with_secrets(1);
    let file = write(&vault, "p.toml", &generated(3, 1, 1, 0));
    let saved = vault.root().join("p.plan");
    vault
        .run(&["plan", arg(&file), "--out", arg(&saved)])
        .code(2);
    assert!(stdout(&vault.run(&["apply", arg(&saved), "--yes"]).success()).is_empty());
    assert_no_changes(&vault, &file);
    // The vault changes after the plan is saved: the plan is refused and nothing is applied.
    let next = write(&vault, "q.toml", &generated(3, 1, 1, 1));
    vault
        .run(&["plan", arg(&next), "--out", arg(&saved), "--force"])
        .code(2);
    vault.run(&["agent", "add", "late"]).success();
    let before = vault.snapshot_files();
    let out = vault.run(&["apply", arg(&saved), "--yes"]).code(3);
    assert!(
        stderr(&out).contains("the vault changed since the plan was made"),
        "{}",
        stderr(&out)
    );
    assert_eq!(vault.snapshot_files(), before);
    // A plan edited after it was made is refused too.
    let text = std::fs::read_to_string(&saved)
        .unwrap()
        .replace("agent-00000", "agent-09999");
    let edited = write(&vault, "edited.plan", &text);
    vault.run(&["apply", arg(&edited), "--yes"]).code(65);
}

#[test]
fn secrets_the_vault_lacks_are_listed_for_secret_set_and_block_apply() {
    let vault = vault_with_secrets(1);
    let file = write(&vault, "p.toml", &generated(2, 2, 3, 0));
    let (code, shown) = plan(&vault, &file);
    assert_eq!(code, 2);
    assert!(
        shown.contains("  agentcred secret set secret-001\n  agentcred secret set secret-002\n"),
        "{shown}"
    );
    let before = vault.snapshot_files();
    let out = vault.run(&["apply", arg(&file), "--yes"]).code(66);
    assert!(
        stderr(&out).contains("agentcred secret set secret-001"),
        "{}",
        stderr(&out)
    );
    assert_eq!(vault.snapshot_files(), before);
}

#[test]
fn removing_a_grant_or_an_agent_revokes_what_was_issued_under_it() {
    let vault = vault_with_secrets(1);
    let text = "version = 1\n[[agents]]\nname = \"a\"\n[[agents]]\nname = \"b\"\n[[secrets]]\nname = \"secret-000\"\n[[grants]]\nagent = \"a\"\nsecret = \"secret-000\"\n[[grants]]\nagent = \"b\"\nsecret = \"secret-000\"\n";
    vault
        .run(&["apply", arg(&write(&vault, "p.toml", text)), "--yes"])
        .success();
    let token = |agent: &str| -> String {
        stdout(
            &vault
                .run(&["mint", "--agent", agent, "--format", "token"])
                .success(),
        )
        .trim()
        .to_string()
    };
    let (ta, tb) = (token("a"), token("b"));
    vault
        .run(&["verify", &ta, "--action", "read", "--resource", "x"])
        .success();
    vault
        .run(&["verify", &tb, "--action", "read", "--resource", "x"])
        .success();
    // a loses its grant; b is removed altogether.
    let next = "version = 1\n[[agents]]\nname = \"a\"\n[[secrets]]\nname = \"secret-000\"\n";
    vault
        .run(&["apply", arg(&write(&vault, "q.toml", next)), "--yes"])
        .success();
    vault
        .run(&["verify", &ta, "--action", "read", "--resource", "x"])
        .code(3);
    vault
        .run(&["verify", &tb, "--action", "read", "--resource", "x"])
        .code(3);
    assert!(vault.audit_text().contains("\"action\":\"grant.revoke\""));
    assert!(vault.audit_text().contains("\"action\":\"agent.remove\""));
}

#[test]
fn apply_asks_on_the_terminal_and_only_a_typed_y_agrees() {
    let vault = vault_with_secrets(1);
    let file = write(&vault, "p.toml", &generated(2, 1, 1, 0));
    let script = format!(
        "export AGENTCRED_PASSPHRASE_FILE='{}'; agentcred apply '{}'",
        vault.passphrase_file().display(),
        file.display()
    );
    let run = vault.on_terminal(&script, &[("[y/N] ", "n\n")]);
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(
        run.shown.contains("+ agent agent-00000") && run.shown.contains("cancelled"),
        "{}",
        run.shown
    );
    assert_eq!(plan(&vault, &file).0, 2);
    let run = vault.on_terminal(
        &script,
        &[("Really apply 5 changes to the vault? [y/N] ", "y\n")],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert_no_changes(&vault, &file);
    // Without a terminal, --yes is needed.
    let file = write(&vault, "q.toml", &generated(2, 1, 1, 1));
    let out = vault.run(&["apply", arg(&file)]).code(2);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = stdout(
        &util::TestVault::empty()
            .run(&["policy", "schema"])
            .success(),
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/policy.schema.json");
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `BLESS=1 cargo test --test policy`",
        path.display()
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(
        schema["$defs"]["grant"]["required"],
        serde_json::json!(["agent", "secret"])
    );
}

/// Where a value may go is policy too: a secret's hosts, delivery and placeholder prefix, and a
/// grant's hosts, methods and paths, applied, shown as old → new, exported as they were, and a
/// grant that would widen a secret's binding refused with the file unapplied.
#[test]
fn destination_bindings_round_trip_and_only_narrow() {
    let vault = vault_with_secrets(1);
    let text = "version = 1\n\n[[agents]]\nname = \"coder\"\n\n[[secrets]]\nname = \"secret-000\"\nhosts = [\"*.example.com\", \"api.example.org:443\"]\ndelivery = \"broker\"\nplaceholder_prefix = \"sk-\"\n\n[[grants]]\nagent = \"coder\"\nsecret = \"secret-000\"\nhosts = [\"api.example.com\"]\nmethods = [\"GET\", \"POST\"]\npaths = [\"/v1/*\"]\n";
    let file = write(&vault, "p.toml", text);
    vault.run(&["apply", arg(&file), "--yes"]).success();
    let secret = vault.json(&["secret", "show", "secret-000", "--json"]);
    assert_eq!(secret["secret"]["delivery"], "broker", "{secret}");
    let grants = vault.json(&["grant", "list", "--json"]);
    assert_eq!(
        grants["grants"][0]["methods"],
        serde_json::json!(["GET", "POST"])
    );
    let exported = stdout(&vault.run(&["export-policy"]).success());
    for line in [
        "hosts = [\"*.example.com\", \"api.example.org:443\"]",
        "delivery = \"broker\"",
        "placeholder_prefix = \"sk-\"",
        "hosts = [\"api.example.com\"]",
        "methods = [\"GET\", \"POST\"]",
        "paths = [\"/v1/*\"]",
    ] {
        assert!(exported.contains(line), "{line} not in:\n{exported}");
    }
    let exported_file = write(&vault, "exported.toml", &exported);
    assert_no_changes(&vault, &exported_file);
    // A change is old → new.
    let edited = write(
        &vault,
        "edited.toml",
        &text.replace("[\"GET\", \"POST\"]", "[\"GET\"]"),
    );
    let (code, shown) = plan(&vault, &edited);
    assert_eq!(code, 2);
    assert!(shown.contains("methods") && shown.contains("→"), "{shown}");
    // Widening is refused, nothing applied.
    let before = vault.snapshot_files();
    let wider = write(
        &vault,
        "wider.toml",
        &text.replace("hosts = [\"api.example.com\"]", "hosts = [\"evil.test\"]"),
    );
    let out = vault.run(&["apply", arg(&wider), "--yes"]).code(65);
    assert!(
        util::stderr(&out).contains("evil.test"),
        "{}",
        util::stderr(&out)
    );
    assert_eq!(vault.snapshot_files(), before);
}

#[test]
fn a_large_apply_signs_runs_once_and_an_agent_added_again_starts_afresh() {
    let vault = vault_with_secrets(1);
    // alpha may mint twice an hour; 70 other agents make every change large enough (64 entries
    // or more) for runs of entries to share one signature.
    let policy = |alpha: bool, filler_ttl: &str| -> String {
        let mut out = String::from("version = 1\n");
        if alpha {
            out.push_str("\n[[agents]]\nname = \"alpha\"\nrate_limit = \"2/h\"\n");
        }
        for a in 0..70 {
            let _ = write!(
                out,
                "\n[[agents]]\nname = \"filler-{a:02}\"\nmax_ttl = \"{filler_ttl}\"\n"
            );
        }
        out.push_str("\n[[secrets]]\nname = \"secret-000\"\n");
        for name in (0..70)
            .map(|a| format!("filler-{a:02}"))
            .chain(alpha.then(|| "alpha".to_string()))
        {
            let _ = write!(
                out,
                "\n[[grants]]\nagent = \"{name}\"\nsecret = \"secret-000\"\n"
            );
        }
        out
    };
    let apply = |name: &str, text: String| {
        vault
            .run(&["apply", arg(&write(&vault, name, &text)), "--yes", "-q"])
            .success();
    };
    let mint = || vault.run(&["mint", "--agent", "alpha", "--format", "token"]);
    apply("1.toml", policy(true, "1h"));
    // Agents without keys get no activity files; an agent's starts with its first envelope,
    // where that change ends the log, so that its first call replays none of the apply.
    let activity = vault.dir().join("activity");
    assert!(
        !activity.exists() || std::fs::read_dir(&activity).unwrap().next().is_none(),
        "the apply wrote activity files"
    );
    vault
        .run(&[
            "key",
            "issue",
            "alpha",
            "--out",
            arg(&vault.root().join("alpha.key")),
        ])
        .success();
    let anchor: serde_json::Value =
        serde_json::from_slice(&std::fs::read(activity.join("alpha.json")).unwrap()).unwrap();
    let last = vault.audit_lines().last().unwrap().clone();
    assert_eq!(anchor["log"]["seq"], last["seq"], "{anchor}");
    assert_eq!(last["action"], "key.issue", "{last}");
    mint().success();
    mint().success();
    assert!(stderr(&mint().code(3)).contains("rate limit"));
    // alpha removed, then added again by another large change.
    apply("2.toml", policy(false, "2h"));
    apply("3.toml", policy(true, "1h"));
    let added = vault
        .audit_lines()
        .into_iter()
        .rfind(|e| e["action"] == "agent.add" && e["agent"] == "alpha")
        .unwrap();
    assert!(added["sig"].as_str().unwrap().ends_with(":next"), "{added}");
    // The alpha added again has no activity file until its first envelope (the admin's mint).
    assert!(!activity.join("alpha.json").exists());
    mint().success();
    // Its activity rebuilt from the whole log: the carried `agent.remove` and `agent.add` count
    // as the issuer's, so only this alpha's one mint counts against its limit.
    std::fs::remove_file(activity.join("alpha.json")).unwrap();
    mint().success();
    assert!(stderr(&mint().code(3)).contains("rate limit"));
    let verified = stdout(&vault.run(&["audit", "verify"]).success());
    assert!(verified.contains("intact"), "{verified}");
    let lines = vault.audit_text();
    let carried = lines
        .lines()
        .filter(|l| l.contains(":next\",\"prev\""))
        .count();
    let signed = lines.lines().count() - carried;
    // Three changes of 70 to 143 entries: one signature each, besides the secret, the key, the
    // envelope and the mints.
    assert!(
        carried > 250 && signed < 20,
        "{carried} carried, {signed} signed"
    );
}

/// A vault whose policy gives `alpha` a rate limit of 2/h, which two mints have reached: a third
/// is refused (3, "rate limit").
fn alpha_at_its_rate_limit() -> TestVault {
    let vault = vault_with_secrets(1);
    let text = "version = 1\n[[agents]]\nname = \"alpha\"\nrate_limit = \"2/h\"\n[[secrets]]\nname = \"secret-000\"\n[[grants]]\nagent = \"alpha\"\nsecret = \"secret-000\"\n";
    vault
        .run(&["apply", arg(&write(&vault, "p.toml", text)), "--yes", "-q"])
        .success();
    let mint = || vault.run(&["mint", "--agent", "alpha", "--format", "token"]);
    mint().success();
    mint().success();
    assert!(stderr(&mint().code(3)).contains("rate limit"));
    vault
}

#[test]
fn a_copy_of_a_genuine_agent_add_put_at_the_end_of_the_log_resets_nothing() {
    let vault = alpha_at_its_rate_limit();
    let mint = || vault.run(&["mint", "--agent", "alpha", "--format", "token"]);
    // Someone who can write the log appends a verbatim copy of alpha's issuer-signed
    // `agent.add`: its signature is genuine, but it does not follow the chain.
    append_a_copy_of(&vault, "agent.add", "alpha");
    assert!(stderr(&mint().code(3)).contains("rate limit"));
    // Nor from the whole log, rebuilt.
    std::fs::remove_file(vault.dir().join("activity").join("alpha.json")).unwrap();
    assert!(stderr(&mint().code(3)).contains("rate limit"));
}

#[test]
fn a_forged_carried_entry_is_not_covered_by_the_next_genuine_signature() {
    let vault = alpha_at_its_rate_limit();
    let mint = || vault.run(&["mint", "--agent", "alpha", "--format", "token"]);
    // Someone who can write the log, holding no key, appends an `agent.add` for alpha (which
    // would start its history afresh) that says the next entry signs it, chained on correctly.
    let log = vault.dir().join("audit.jsonl");
    let lines = vault.audit_lines();
    let last = lines.last().unwrap();
    let issuer_id = lines
        .iter()
        .rev()
        .find(|e| e["action"] == "policy.apply")
        .unwrap()["sig"]
        .as_str()
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_string();
    let body = format!(
        r#"{{"seq":{},"ts":"2026-01-01T00:00:00.000Z","actor":"admin","action":"agent.add","agent":"alpha","result":"ok","gen":{},"sig":"{issuer_id}:next","prev":"{}"}}"#,
        last["seq"].as_u64().unwrap() + 1,
        last["gen"],
        last["hash"].as_str().unwrap()
    );
    let hash = util::hex(&<sha2::Sha256 as sha2::Digest>::digest(
        [&[0u8][..], body.as_bytes()].concat(),
    ));
    let forged = format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1]);
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut file, forged.as_bytes()).unwrap();
    // A genuine issuer-signed entry is chained on after it by the admin's next command.
    vault.run(&["identity", "export"]).success();
    // Its signature does not cover the forged entry: the history stands, and the log fails.
    assert!(stderr(&mint().code(3)).contains("rate limit"));
    let verified = vault.run(&["audit", "verify"]);
    assert_ne!(verified.get_output().status.code(), Some(0));
    let said = format!("{}{}", stdout(&verified), stderr(&verified));
    assert!(said.contains("which does not sign them"), "{said}");
}

/// Appends to the log a verbatim copy of the first entry `action` for `agent`.
fn append_a_copy_of(vault: &TestVault, action: &str, agent: &str) {
    let log = vault.dir().join("audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.contains(&format!("\"action\":\"{action}\""))
                && l.contains(&format!("\"agent\":\"{agent}\""))
        })
        .unwrap_or_else(|| panic!("no {action} entry for {agent}"))
        .to_string();
    std::fs::write(&log, format!("{text}{line}\n")).unwrap();
}

/// Appends a line to the log, chained on correctly but signed by nobody.
fn append_unsigned(vault: &TestVault, members: &str) {
    let last = vault.audit_lines().last().unwrap().clone();
    let body = format!(
        r#"{{"seq":{},"ts":{},{members},"gen":{},"prev":"{}"}}"#,
        last["seq"].as_u64().unwrap() + 1,
        last["ts"],
        last["gen"],
        last["hash"].as_str().unwrap()
    );
    let hash = util::hex(&<sha2::Sha256 as sha2::Digest>::digest(
        [&[0u8][..], body.as_bytes()].concat(),
    ));
    let line = format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(vault.dir().join("audit.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut file, line.as_bytes()).unwrap();
}

/// A vault whose policy gives `beta` a rate limit of 2/h, with a mint recorded in beta's name
/// before it had an envelope (as a process still running for an earlier beta could record one; a
/// claim a credential holder may write unsigned), then beta's first key: its key file.
fn beta_with_a_mint_before_its_first_key() -> (TestVault, PathBuf) {
    let vault = vault_with_secrets(1);
    let text = "version = 1\n[[agents]]\nname = \"beta\"\nrate_limit = \"2/h\"\n[[secrets]]\nname = \"secret-000\"\n[[grants]]\nagent = \"beta\"\nsecret = \"secret-000\"\n";
    vault
        .run(&["apply", arg(&write(&vault, "p.toml", text)), "--yes", "-q"])
        .success();
    append_unsigned(
        &vault,
        r#""actor":"agent:beta","action":"cred.mint","agent":"beta","secrets":["secret-000"],"result":"ok""#,
    );
    let key = vault.root().join("beta.key");
    vault
        .run(&["key", "issue", "beta", "--out", arg(&key), "-q"])
        .success();
    (vault, key)
}

fn mint_with(vault: &TestVault, key: &std::path::Path) -> assert_cmd::assert::Assert {
    vault
        .with_key_file(key)
        .args(["mint", "--format", "token"])
        .assert()
}

#[test]
fn an_agents_activity_counts_from_its_first_envelope_in_its_summary() {
    let (vault, key) = beta_with_a_mint_before_its_first_key();
    // Its first envelope: `agent.envelope` on the log, then `key.issue`, and its summary,
    // anchored after them.
    let lines = vault.audit_lines();
    let actions: Vec<&str> = lines[lines.len() - 2..]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["agent.envelope", "key.issue"]);
    let summary = vault.dir().join("activity").join("beta.json");
    let anchor: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(
        anchor["log"]["seq"],
        lines.last().unwrap()["seq"],
        "{anchor}"
    );
    // Read from the summary: the mint before does not count, so two are allowed, not one.
    mint_with(&vault, &key).success();
    mint_with(&vault, &key).success();
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
    // And the log agrees.
    std::fs::remove_file(&summary).unwrap();
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
}

#[test]
fn an_agents_activity_counts_from_its_first_envelope_on_the_log() {
    let (vault, key) = beta_with_a_mint_before_its_first_key();
    mint_with(&vault, &key).success();
    // Rebuilt from the log: one mint of beta's own, not the one before its `agent.envelope`.
    std::fs::remove_file(vault.dir().join("activity").join("beta.json")).unwrap();
    mint_with(&vault, &key).success();
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
}

#[test]
fn an_agent_envelope_appended_by_hand_or_copied_resets_nothing() {
    let (vault, key) = beta_with_a_mint_before_its_first_key();
    mint_with(&vault, &key).success();
    mint_with(&vault, &key).success();
    let summary = vault.dir().join("activity").join("beta.json");
    // Forged: chained on correctly, signed by nobody.
    append_unsigned(
        &vault,
        r#""actor":"admin","action":"agent.envelope","agent":"beta","result":"ok""#,
    );
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
    std::fs::remove_file(&summary).unwrap();
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
    // Copied: the genuine, issuer-signed entry again at the end, where it does not follow the
    // entry before it.
    append_a_copy_of(&vault, "agent.envelope", "beta");
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
    std::fs::remove_file(&summary).unwrap();
    assert!(stderr(&mint_with(&vault, &key).code(3)).contains("rate limit"));
}
