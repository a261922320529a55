//! Destination binding and delivery: a secret names where its value may be sent and whether a
//! program may hold it at all; grants only narrow that; a brokered value is never printed nor put
//! in a program's environment.

mod util;

use util::{TestVault, assert_no_leak, assert_output_no_leak, random_secret, stderr, stdout};

/// A vault with agent `coder` and secret `openai` (the value returned) bound to
/// `api.openai.com` and `*.openai.azure.com`, delivered through the broker.
fn brokered() -> (TestVault, String) {
    let vault = TestVault::new();
    let value = random_secret();
    vault.run(&["agent", "add", "coder"]).success();
    vault
        .run_stdin(
            &[
                "secret",
                "set",
                "openai",
                "--stdin",
                "--hosts",
                "API.openai.com,*.openai.azure.com",
                "--delivery",
                "broker",
                "--placeholder-prefix",
                "sk-",
            ],
            &format!("{value}\n"),
        )
        .success();
    (vault, value)
}

#[test]
fn secret_list_and_show_carry_hosts_delivery_and_prefix() {
    let (vault, value) = brokered();
    vault.set_secret("db", "plain-db-value").success();
    let list = vault.json(&["secret", "list", "--json"]);
    let secrets = list["secrets"].as_array().expect("secrets");
    let openai = secrets
        .iter()
        .find(|s| s["name"] == "openai")
        .expect("openai");
    assert_eq!(
        openai["hosts"],
        serde_json::json!(["api.openai.com", "*.openai.azure.com"])
    );
    assert_eq!(openai["delivery"], "broker");
    assert_eq!(openai["placeholder_prefix"], "sk-");
    let db = secrets.iter().find(|s| s["name"] == "db").expect("db");
    assert_eq!(db["hosts"], serde_json::Value::Null);
    assert_eq!(db["delivery"], "env");
    assert_eq!(db["placeholder_prefix"], serde_json::Value::Null);
    let shown = vault.run(&["secret", "show", "openai"]).success();
    let text = stdout(&shown);
    assert!(text.contains("broker"), "{text}");
    assert!(text.contains("api.openai.com"), "{text}");
    let table = vault.run(&["secret", "list"]).success();
    assert!(stdout(&table).contains("DELIVERY"), "{}", stdout(&table));
    let set = vault
        .audit_lines()
        .into_iter()
        .find(|e| e["action"] == "secret.set" && e["secrets"][0] == "openai")
        .expect("secret.set");
    assert_eq!(set["details"]["destination"]["delivery"], "broker");
    assert_eq!(set["details"]["destination"]["placeholder_prefix"], "sk-");
    assert_no_leak(vault.audit_text().as_bytes(), &value);
}

#[test]
fn broker_delivery_needs_hosts_and_patterns_are_checked() {
    let vault = TestVault::new();
    let refused = vault
        .run_stdin(
            &["secret", "set", "k", "--stdin", "--delivery", "broker"],
            "v\n",
        )
        .code(2);
    assert!(stderr(&refused).contains("--hosts"), "{}", stderr(&refused));
    for (bad, says) in [
        ("https://api.example.com", "scheme"),
        ("*", "bare *"),
        ("api.example.com/v1", "no paths"),
        ("*.10.0.0.1", "addresses"),
        ("a..example.com", "empty label"),
    ] {
        let out = vault
            .run_stdin(&["secret", "set", "k", "--stdin", "--hosts", bad], "v\n")
            .code(2);
        let err = stderr(&out);
        assert!(
            err.contains(says) && err.contains("invalid host"),
            "{bad}: {err}"
        );
        util::assert_short_error(&out);
    }
    let out = vault
        .run_stdin(
            &[
                "secret",
                "set",
                "k",
                "--stdin",
                "--placeholder-prefix",
                "not a prefix",
            ],
            "v\n",
        )
        .code(2);
    assert!(
        stderr(&out).contains("placeholder prefix"),
        "{}",
        stderr(&out)
    );
    // Nothing was stored by any of them.
    assert_eq!(
        vault.json(&["secret", "list", "--json"])["secrets"],
        serde_json::json!([])
    );
}

#[test]
fn secret_edit_changes_the_binding_on_the_log_without_a_value() {
    let vault = TestVault::new();
    let value = random_secret();
    vault.set_secret("gh", &value).success();
    vault
        .run(&["secret", "edit", "gh", "--delivery", "broker"])
        .code(2);
    vault
        .run(&[
            "secret",
            "edit",
            "gh",
            "--hosts",
            "api.github.com,*.githubusercontent.com:443",
            "--delivery",
            "broker",
            "--placeholder-prefix",
            "ghp_",
        ])
        .success();
    let shown = vault.json(&["secret", "show", "gh", "--json"]);
    assert_eq!(shown["secret"]["delivery"], "broker");
    assert_eq!(shown["secret"]["version"], 1, "the value is untouched");
    let edits: Vec<serde_json::Value> = vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "secret.edit")
        .collect();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["details"]["delivery"], "broker");
    assert_eq!(
        edits[0]["details"]["hosts"],
        serde_json::json!(["api.github.com", "*.githubusercontent.com:443"])
    );
    assert_eq!(edits[0]["details"]["placeholder_prefix"], "ghp_");
    assert_no_leak(vault.audit_text().as_bytes(), &value);
    let nothing = vault.run(&["secret", "edit", "gh"]).code(2);
    assert!(stderr(&nothing).contains("nothing to change"));
    vault
        .run(&["secret", "edit", "nope", "--env", "X"])
        .code(66);
}

#[test]
fn mint_refuses_to_print_a_brokered_value() {
    let (vault, value) = brokered();
    vault.run(&["grant", "coder", "openai"]).success();
    for format in ["env", "dotenv", "json"] {
        let out = vault
            .run(&["mint", "--agent", "coder", "--format", format])
            .code(3);
        let err = stderr(&out);
        assert!(
            err.contains("openai") && err.contains("exec"),
            "{format}: {err}"
        );
        assert_output_no_leak(&out, &value);
    }
    let denials: Vec<serde_json::Value> = vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "deny" && e["details"]["attempted"] == "cred.mint")
        .collect();
    assert_eq!(denials.len(), 3, "each refusal is on the log");
    assert_eq!(denials[0]["secrets"], serde_json::json!(["openai"]));
    assert!(
        vault
            .audit_lines()
            .iter()
            .all(|e| e["action"] != "cred.mint"),
        "nothing was minted"
    );
    // The token alone carries no value: that may still be minted.
    let token = vault
        .run(&["mint", "--agent", "coder", "--format", "token"])
        .success();
    assert_output_no_leak(&token, &value);
    assert_no_leak(vault.audit_text().as_bytes(), &value);
    for file in vault.files() {
        assert_no_leak(&std::fs::read(&file).expect("read"), &value);
    }
}

#[test]
fn a_grant_may_narrow_the_binding_but_not_widen_it() {
    let (vault, _) = brokered();
    let wide = vault
        .run(&["grant", "coder", "openai", "--hosts", "evil.example.net"])
        .code(2);
    let err = stderr(&wide);
    assert!(
        err.contains("evil.example.net")
            && err.contains("openai")
            && err.contains("api.openai.com"),
        "names both: {err}"
    );
    util::assert_short_error(&wide);
    vault
        .run(&["grant", "coder", "openai", "--hosts", "openai.azure.com"])
        .code(2);
    assert_eq!(
        vault.json(&["grant", "list", "--json"])["grants"],
        serde_json::json!([])
    );
    vault
        .run(&[
            "grant",
            "coder",
            "openai",
            "--hosts",
            "api.openai.com:443",
            "--methods",
            "get,post",
            "--paths",
            "/v1/*",
        ])
        .success();
    let grants = vault.json(&["grant", "list", "--json"]);
    let g = &grants["grants"][0];
    assert_eq!(g["hosts"], serde_json::json!(["api.openai.com:443"]));
    assert_eq!(g["methods"], serde_json::json!(["GET", "POST"]));
    assert_eq!(g["paths"], serde_json::json!(["/v1/*"]));
    let table = stdout(&vault.run(&["grant", "list"]).success());
    assert!(
        table.contains("api.openai.com:443 GET,POST /v1/*"),
        "{table}"
    );
    let added = vault
        .audit_lines()
        .into_iter()
        .find(|e| e["action"] == "grant.add")
        .expect("grant.add");
    assert_eq!(added["details"]["paths"], serde_json::json!(["/v1/*"]));
    // A second grant of the same secret must narrow the same way.
    let differs = vault
        .run(&["grant", "coder", "openai", "--actions", "write"])
        .code(2);
    assert!(
        stderr(&differs).contains("narrowing"),
        "{}",
        stderr(&differs)
    );
    // A deny takes the secret away; it does not narrow.
    vault
        .run(&[
            "grant",
            "coder",
            "openai",
            "--deny",
            "--hosts",
            "api.openai.com",
        ])
        .code(2);
    // Moving the secret away from a host a grant narrows to says so: that host is refused now.
    let moved = vault
        .run(&["secret", "edit", "openai", "--hosts", "*.openai.azure.com"])
        .success();
    let said = stderr(&moved);
    assert!(
        said.contains(g["id"].as_str().unwrap()) && said.contains("outside"),
        "{said}"
    );
}

#[test]
fn exec_of_a_brokered_secret_under_replace_is_refused_without_starting_the_program() {
    let (vault, value) = brokered();
    vault.run(&["grant", "coder", "openai"]).success();
    let marker = vault.root().join("started");
    let script = format!("touch '{}'; env", marker.display());
    // --replace would leave nothing to run the broker: refused before anything starts.
    let out = vault
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--replace",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .code(125);
    let err = stderr(&out);
    assert!(err.contains("--replace") && err.contains("openai"), "{err}");
    util::assert_short_error(&out);
    assert!(!marker.exists(), "the program must never start");
    assert_output_no_leak(&out, &value);
    assert_output_no_leak(&out, "agentcred-ph-");
    // The run is on the log as one that never started, and its credential is revoked.
    let ended = vault
        .audit_lines()
        .into_iter()
        .find(|e| e["action"] == "exec.end")
        .expect("exec.end");
    assert_eq!(ended["details"]["started"], false);
    assert_no_leak(vault.audit_text().as_bytes(), &value);
    // --broker with --replace, even without a brokered secret.
    vault.set_secret("db", "plain-db-value").success();
    vault.run(&["grant", "coder", "db"]).success();
    let asked = vault
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--secret",
            "db",
            "--broker",
            "--replace",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .code(125);
    assert!(stderr(&asked).contains("--broker"), "{}", stderr(&asked));
    assert!(!marker.exists(), "the program must never start");
    // Without --replace the program runs, holding a placeholder (tests/broker.rs follows its
    // requests).
    let ran = vault
        .run(&["exec", "--agent", "coder", "--", "sh", "-c", &script])
        .success();
    assert!(
        stdout(&ran).contains("=sk-agentcred-ph-"),
        "{}",
        stdout(&ran)
    );
    assert_output_no_leak(&ran, &value);
}

#[test]
fn a_bound_env_secret_still_reaches_the_program() {
    let vault = TestVault::new();
    let value = random_secret();
    vault.run(&["agent", "add", "coder"]).success();
    vault
        .run_stdin(
            &[
                "secret",
                "set",
                "gh",
                "--stdin",
                "--hosts",
                "api.github.com",
            ],
            &format!("{value}\n"),
        )
        .success();
    vault
        .run(&["grant", "coder", "gh", "--methods", "GET"])
        .success();
    let out = vault
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--",
            "sh",
            "-c",
            "printf %s \"$GH\"",
        ])
        .success();
    assert_eq!(stdout(&out), value);
    let env = vault
        .run(&["mint", "--agent", "coder", "--format", "env"])
        .success();
    assert!(stdout(&env).contains(&value));
}

#[test]
fn upstream_ca_must_exist_and_hold_certificates() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).success();
    vault.set_secret("db", "plain-db-value").success();
    vault.run(&["grant", "coder", "db"]).success();
    let missing = vault.root().join("no-such-ca.pem");
    let out = vault
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--upstream-ca",
            missing.to_str().unwrap(),
            "--",
            "true",
        ])
        .code(66);
    assert!(stderr(&out).contains("no-such-ca.pem"), "{}", stderr(&out));
    let garbage = vault.root().join("ca.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = vault
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--upstream-ca",
            garbage.to_str().unwrap(),
            "--",
            "true",
        ])
        .code(78);
    assert!(stderr(&out).contains("ca.pem"), "{}", stderr(&out));
    util::assert_short_error(&out);
    // Nothing was minted for either.
    assert!(
        vault
            .audit_lines()
            .iter()
            .all(|e| e["action"] != "cred.mint")
    );
    vault
        .run(&[
            "exec", "--agent", "coder", "--egress", "sideways", "--", "true",
        ])
        .code(2);
}

/// A vault that never used a binding writes none of the new fields: its state is what an older
/// agentcred wrote, and everything works on it as before.
#[test]
fn a_state_without_binding_fields_reads_as_unbound_env_delivery() {
    let vault = TestVault::new();
    let value = random_secret();
    vault.run(&["agent", "add", "coder"]).success();
    vault.set_secret("db", &value).success();
    vault.run(&["grant", "coder", "db"]).success();
    let identity = vault.export_identity();
    let out = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&identity)
        .arg(vault.path("vault.age"))
        .output()
        .expect("run age (Debian package `age`)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = String::from_utf8_lossy(&out.stdout);
    for field in [
        "\"hosts\"",
        "\"delivery\"",
        "\"placeholder_prefix\"",
        "\"methods\"",
        "\"paths\"",
    ] {
        assert!(
            !state.contains(field),
            "{field} in a state that never used it"
        );
    }
    let list = vault.json(&["secret", "list", "--json"]);
    assert_eq!(list["secrets"][0]["delivery"], "env");
    assert_eq!(list["secrets"][0]["hosts"], serde_json::Value::Null);
    let out = vault
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--",
            "sh",
            "-c",
            "printf %s \"$DB\"",
        ])
        .success();
    assert_eq!(stdout(&out), value);
    assert_eq!(
        vault.json(&["grant", "list", "--json"])["grants"][0]["hosts"],
        serde_json::Value::Null
    );
}

/// The agent's envelope carries the binding: a key holder, who never sees the admin state,
/// is refused the value just the same.
#[test]
fn a_key_holder_gets_a_placeholder_never_the_brokered_value() {
    let (vault, value) = brokered();
    vault.run(&["grant", "coder", "openai"]).success();
    let key = vault.issue_key("coder", &[]);
    let out = vault
        .with_key_file(&key)
        .args(["mint", "--format", "dotenv"])
        .assert()
        .code(3);
    assert!(stderr(&out).contains("openai"), "{}", stderr(&out));
    assert_output_no_leak(&out, &value);
    // Under exec the key holder's program gets the placeholder, and the broker the value.
    let out = vault
        .with_key_file(&key)
        .args(["exec", "--", "sh", "-c", "printf %s \"$OPENAI\""])
        .assert()
        .success();
    assert!(
        stdout(&out).starts_with("sk-agentcred-ph-"),
        "{}",
        stdout(&out)
    );
    assert_output_no_leak(&out, &value);
    assert_no_leak(vault.audit_text().as_bytes(), &value);
}

/// Moving where a value may go ends what the agents granted it hold: nothing runs on under
/// the old rule.
#[test]
fn changing_the_binding_revokes_outstanding_credentials() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).success();
    vault.set_secret("gh", &random_secret()).success();
    vault.run(&["grant", "coder", "gh"]).success();
    vault
        .run(&["mint", "--agent", "coder", "--format", "token"])
        .success();
    let active = |v: &TestVault| {
        v.json(&["--json", "creds", "list", "--active"])["credentials"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(active(&vault), 1);
    // A change of variable alone leaves them be.
    vault
        .run(&["secret", "edit", "gh", "--env", "GITHUB_TOKEN"])
        .success();
    assert_eq!(active(&vault), 1);
    let out = vault
        .run(&["secret", "edit", "gh", "--hosts", "api.github.com"])
        .success();
    assert!(stderr(&out).contains("revoked"), "{}", stderr(&out));
    assert_eq!(active(&vault), 0);
}
