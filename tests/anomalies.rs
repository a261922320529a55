//! Anomaly detection (docs/DESIGN.md, "Live checks and anomaly detection"), end to end:
//! `audit anomalies` over committed synthetic logs, and the live checks at `mint`: the hard
//! `--rate-limit`, `--suspend-on-anomaly`, denial bursts, the `[alerts] command` of `config.toml`,
//! and a malformed `config.toml`.
//!
//! The logs in `fixtures/audit/` come from `examples/synthetic_audit.rs` (see its header for the
//! scenarios and how to regenerate them); the generator is compiled into this test too, so a
//! fixture that no longer matches it fails here. Each fixture replaces the `audit.jsonl` of a fresh
//! vault whose state knows none of the fixture's agents, so only behavioural findings can appear.
//!
//! The live tests run the real binary in a cheap-KDF vault with one secret, `db`. None sleeps for
//! a rate window: limits are per minute and the tests stay inside one, except one 1/s limit
//! where a successful mint after `agent resume` is the point: that second passes on the binary's
//! clock (`TestVault::advance`). The
//! denial-burst tests need five calls in one calendar minute, so they wait for the next minute
//! when fewer than 8 s of this one are left.

mod util;

#[allow(dead_code)]
#[path = "../examples/synthetic_audit.rs"]
mod synthetic_audit;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use serde_json::Value;

use util::{
    PASSPHRASE, TestVault, assert_no_leak, assert_short_error, assert_unbroken_chain,
    random_secret, stderr, stdout, write_private,
};

const SCENARIOS: &[&str] = &["burst", "outlier", "warmup"];

/// Findings about the vault's state rather than the log's behaviour.
const STATE_KINDS: &[&str] = &[
    "stale_secret",
    "stale_key",
    "unused_key",
    "multiple_keys",
    "suspended",
];

fn fixture_path(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/audit")
        .join(format!("{scenario}.jsonl"))
}

fn fixture_text(scenario: &str) -> String {
    let path = fixture_path(scenario);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `audit anomalies --since 2026-01-01T00:00:00Z --json` over a fresh vault whose log is the
/// fixture; the behavioural findings only.
fn replay(scenario: &str, since: &str) -> Vec<Value> {
    let vault = TestVault::new();
    write_private(
        &vault.path("audit.jsonl"),
        fixture_text(scenario).as_bytes(),
    );
    let doc = vault.json(&["audit", "anomalies", "--since", since, "--json"]);
    assert_eq!(doc["schema"], 1, "{doc}");
    assert!(
        doc["since"]
            .as_str()
            .is_some_and(|s| s.starts_with(&since[..19])),
        "{doc}"
    );
    let all = doc["anomalies"].as_array().expect("anomalies is an array");
    for a in all {
        for field in ["kind", "ts", "message"] {
            assert!(a[field].is_string(), "{field} missing in {a}");
        }
    }
    all.iter()
        .filter(|a| !STATE_KINDS.contains(&a["kind"].as_str().unwrap_or_default()))
        .cloned()
        .collect()
}

fn kinds(found: &[Value]) -> Vec<(String, String)> {
    found
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap_or_default().to_string(),
                a["agent"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// (agent, minute after 10:00) → calls, from a fixture's `cred.mint` entries.
fn calls_per_minute(text: &str) -> BTreeMap<(String, u32), u32> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let e: Value = serde_json::from_str(line).expect("fixture line is JSON");
        assert_eq!(e["action"], "cred.mint");
        let ts = e["ts"].as_str().expect("ts");
        assert!(ts.starts_with("2026-01-05T10:"), "{ts}");
        let minute: u32 = ts[14..16].parse().expect("minute");
        *counts
            .entry((e["agent"].as_str().expect("agent").to_string(), minute))
            .or_default() += 1;
    }
    counts
}

// --- audit anomalies over the committed fixtures ---------------------------------------------

#[test]
fn fixtures_are_what_the_generator_writes_and_chain_correctly() {
    for scenario in SCENARIOS {
        let committed = fixture_text(scenario);
        let generated = synthetic_audit::generate(scenario).expect("a known scenario");
        assert!(
            committed.as_bytes() == generated.as_slice(),
            "fixtures/audit/{scenario}.jsonl differs from what examples/synthetic_audit.rs writes now: \
             regenerate it (see the example's header)"
        );
        assert_unbroken_chain(&committed);
        for line in committed.lines() {
            let e: Value = serde_json::from_str(line).expect("JSON");
            assert!(
                e["actor"].as_str().is_some_and(|a| a.starts_with("key:k_")),
                "{e}"
            );
            assert_eq!(e["result"], "ok", "{e}");
            assert_eq!(
                e["scope"],
                serde_json::json!({"actions": ["*"], "resources": ["*"]})
            );
        }
    }
    assert!(synthetic_audit::generate("nonsense").is_none());
}

#[test]
fn burst_fixture_is_one_rate_episode_for_bursty_and_one_first_use() {
    // The fixture is what its description says.
    let counts = calls_per_minute(&fixture_text("burst"));
    for agent in ["steady-a", "steady-b", "bursty"] {
        for minute in 0..60 {
            let n = counts[&(agent.to_string(), minute)];
            if agent == "bursty" && (40..=42).contains(&minute) {
                assert_eq!(n, 30, "{agent} minute {minute}");
            } else {
                assert!((2..=4).contains(&n), "{agent} minute {minute}: {n}");
            }
        }
    }

    let found = replay("burst", "2026-01-01T00:00:00Z");
    assert_eq!(
        kinds(&found),
        [
            ("rate".to_string(), "bursty".to_string()),
            ("first_use".to_string(), "bursty".to_string())
        ],
        "{found:#?}"
    );
    let rate = &found[0];
    // Minutes 40-42 are one episode, reported as soon as minute 40 stands out.
    assert!(
        rate["ts"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-01-05T10:40:")),
        "{rate}"
    );
    assert_eq!(rate["details"]["median"], 3.0, "{rate}");
    assert!(
        rate["details"]["z"].as_f64().is_some_and(|z| z > 3.5),
        "{rate}"
    );
    assert!(
        rate["message"].as_str().unwrap().contains("bursty"),
        "{rate}"
    );
    let first = &found[1];
    assert_eq!(first["details"]["secret"], "payments", "{first}");
    assert!(
        first["ts"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-01-05T10:50:")),
        "{first}"
    );

    // --since keeps what is at or after it, and the detector still learns from what is before.
    let later = replay("burst", "2026-01-05T10:45:00Z");
    assert_eq!(
        kinds(&later),
        [("first_use".to_string(), "bursty".to_string())],
        "{later:#?}"
    );
}

#[test]
fn an_outlier_in_the_baseline_does_not_hide_a_later_burst() {
    let counts = calls_per_minute(&fixture_text("outlier"));
    assert_eq!(counts[&("solo".to_string(), 2)], 60);
    assert_eq!(counts[&("solo".to_string(), 30)], 30);

    let found = replay("outlier", "2026-01-01T00:00:00Z");
    assert_eq!(
        kinds(&found),
        [("rate".to_string(), "solo".to_string())],
        "{found:#?}"
    );
    assert!(
        found[0]["ts"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-01-05T10:30:")),
        "{found:#?}"
    );
    assert_eq!(found[0]["details"]["median"], 3.0, "{found:#?}");
}

#[test]
fn nothing_is_reported_before_the_warm_up_ends() {
    let counts = calls_per_minute(&fixture_text("warmup"));
    assert_eq!(counts.len(), 8, "8 active minutes");
    assert_eq!(counts[&("newbie".to_string(), 5)], 40);
    assert!(fixture_text("warmup").contains("\"secrets\":[\"cache\"]"));

    let found = replay("warmup", "2026-01-01T00:00:00Z");
    assert!(found.is_empty(), "{found:#?}");
}

// --- live checks at mint ---------------------------------------------------------------------

const DB: &str = "db";

/// A vault with secret `db` (a random value) and agent `name`, added with `flags` and granted `db`.
struct Live {
    vault: TestVault,
    agent: &'static str,
    value: String,
}

impl Live {
    fn new(agent: &'static str, flags: &[&str]) -> Live {
        let vault = TestVault::new();
        let value = random_secret();
        vault.set_secret(DB, &value).success();
        vault
            .run(&[&["agent", "add", agent], flags].concat())
            .success();
        vault.run(&["grant", agent, DB]).success();
        Live {
            vault,
            agent,
            value,
        }
    }

    /// `mint --agent AGENT` as the admin.
    fn admin_mint(&self) -> Command {
        let mut cmd = self.vault.cmd();
        cmd.args(["mint", "--agent", self.agent]);
        cmd
    }

    /// A mint that must succeed: the value is on stdout and nowhere else.
    #[track_caller]
    fn minted(&self, cmd: &mut Command) -> Assert {
        let assert = cmd.assert().code(0);
        assert!(stdout(&assert).contains(&self.value), "{}", stdout(&assert));
        self.clean_stderr(&assert);
        assert
    }

    /// A refused mint: exit 3, a short error naming `why`, no data, no secret.
    #[track_caller]
    fn refused(&self, cmd: &mut Command, why: &str) -> String {
        let assert = cmd.assert().code(3);
        assert!(assert.get_output().stdout.is_empty(), "{}", stdout(&assert));
        assert_short_error(&assert);
        self.clean_stderr(&assert);
        let err = stderr(&assert);
        assert!(err.contains(why), "expected `{why}` in:\n{err}");
        err
    }

    #[track_caller]
    fn clean_stderr(&self, assert: &Assert) {
        let out = assert.get_output();
        assert_no_leak(&out.stderr, &self.value);
        assert_no_leak(&out.stderr, PASSPHRASE);
    }

    /// A credential token for the agent, minted by the admin.
    fn token(&self) -> String {
        let assert = self
            .vault
            .run(&["mint", "--agent", self.agent, "--format", "token"]);
        let token = stdout(&assert.code(0)).trim().to_string();
        assert!(!token.is_empty());
        token
    }

    fn entries(&self, action: &str) -> Vec<Value> {
        self.vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == action && e["agent"] == self.agent)
            .collect()
    }

    /// The `anomaly` entries of kind `kind` for the agent.
    fn anomaly_entries(&self, kind: &str) -> Vec<Value> {
        self.entries("anomaly")
            .into_iter()
            .filter(|e| e["details"]["kind"] == kind)
            .collect()
    }

    /// The `anomalies` of `audit anomalies --json` (the last 24 hours).
    fn listed(&self) -> Vec<Value> {
        let doc = self.vault.json(&["audit", "anomalies", "--json"]);
        assert_eq!(doc["schema"], 1);
        doc["anomalies"].as_array().expect("array").clone()
    }

    /// No secret value or passphrase in the log, any vault file, or `extra` files.
    fn check_no_leak(&self, extra: &[&Path]) {
        let mut files = self.vault.files();
        files.extend(extra.iter().map(|p| p.to_path_buf()));
        for file in files {
            let bytes = std::fs::read(&file).expect("read file");
            assert_no_leak(&bytes, &self.value);
            assert_no_leak(&bytes, PASSPHRASE);
        }
        assert_unbroken_chain(&self.vault.audit_text());
    }
}

/// Checks what a hard rate-limit breach of 5/m left on the log and in `audit anomalies`.
fn check_rate_limit_record(live: &Live, actor: &str) {
    let denies = live.entries("deny");
    assert_eq!(denies.len(), 1, "{denies:#?}");
    let deny = &denies[0];
    assert_eq!(deny["actor"], actor, "{deny}");
    assert_eq!(deny["result"], "denied", "{deny}");
    assert_eq!(deny["details"]["attempted"], "cred.mint", "{deny}");
    assert!(
        deny["reason"]
            .as_str()
            .is_some_and(|r| r.contains("rate limit of 5/m")),
        "{deny}"
    );
    assert_eq!(live.entries("cred.mint").len(), 5);

    let anomalies = live.entries("anomaly");
    assert_eq!(anomalies.len(), 1, "{anomalies:#?}");
    let a = &anomalies[0];
    assert_eq!(a["actor"], actor, "{a}");
    assert_eq!(a["details"]["kind"], "rate_limit", "{a}");
    assert_eq!(a["details"]["details"]["limit"], "5/m", "{a}");
    assert!(
        a["details"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("rate limit")),
        "{a}"
    );
    // Recorded with the refusal, in the same append, right after it.
    assert_eq!(a["seq"].as_u64(), deny["seq"].as_u64().map(|s| s + 1));
    assert_eq!(a["ts"], deny["ts"]);

    let listed = live.listed();
    let limits: Vec<&Value> = listed
        .iter()
        .filter(|x| x["kind"] == "rate_limit")
        .collect();
    assert_eq!(limits.len(), 1, "{listed:#?}");
    assert_eq!(limits[0]["agent"], live.agent);
    assert_eq!(limits[0]["ts"], a["ts"]);
    assert_eq!(limits[0]["details"]["limit"], "5/m");
    assert!(
        listed.iter().all(|x| x["kind"] == "rate_limit"),
        "nothing else: {listed:#?}"
    );
}

#[test]
fn a_hard_rate_limit_refuses_the_sixth_mint_and_records_it() {
    let live = Live::new("rl", &["--rate-limit", "5/m"]);
    for _ in 0..5 {
        live.minted(&mut live.admin_mint());
    }
    let err = live.refused(&mut live.admin_mint(), "rate limit");
    assert!(err.contains("rl") && err.contains("5/m"), "{err}");
    check_rate_limit_record(&live, "admin");
    live.check_no_leak(&[]);
}

#[test]
fn a_hard_rate_limit_holds_for_an_agent_key_too() {
    let live = Live::new("rl", &["--rate-limit", "5/m"]);
    let key = live.vault.issue_key("rl", &[]);
    let key_text = std::fs::read_to_string(&key).expect("read the key");
    let id = key_text
        .trim()
        .split(':')
        .nth(2)
        .expect("agentcred-key-v1:AGENT:ID:SECRET")
        .to_string();
    assert!(id.starts_with("k_"), "{id}");
    for _ in 0..5 {
        live.minted(live.vault.with_key_file(&key).arg("mint"));
    }
    live.refused(live.vault.with_key_file(&key).arg("mint"), "rate limit");
    check_rate_limit_record(&live, &format!("key:{id}"));
    live.check_no_leak(&[]);
    for file in live.vault.files() {
        let bytes = std::fs::read(&file).expect("read");
        assert_no_leak(&bytes, key_text.trim());
    }
}

#[test]
fn suspend_on_anomaly_suspends_revokes_and_resume_lifts_it() {
    let live = Live::new("sus", &["--rate-limit", "2/m", "--suspend-on-anomaly"]);
    let before = live.token();
    live.vault.run(&["verify", &before]).code(0);
    live.minted(&mut live.admin_mint());

    // The breach is refused for the rate limit, and suspends the agent.
    live.refused(&mut live.admin_mint(), "rate limit of 2/m");
    let suspends = live.entries("agent.suspend");
    assert_eq!(suspends.len(), 1, "{suspends:#?}");
    assert_eq!(suspends[0]["details"]["by"], "anomaly");

    // Suspended: nothing more, whoever asks.
    let err = live.refused(&mut live.admin_mint(), "suspended");
    assert!(err.contains("agent resume sus"), "{err}");
    let key = live.vault.issue_key("sus", &[]);
    live.refused(live.vault.with_key_file(&key).arg("mint"), "suspended");

    let list = live.vault.json(&["agent", "list", "--json"]);
    let agent = list["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "sus")
        .expect("sus is listed")
        .clone();
    assert_eq!(agent["status"], "suspended", "{list}");
    let show = live.vault.json(&["agent", "show", "sus", "--json"]);
    assert_eq!(show["agent"]["status"], "suspended", "{show}");
    assert!(show["suspended_by_anomaly"].is_object(), "{show}");
    let text = stdout(&live.vault.run(&["agent", "show", "sus"]).code(0));
    assert!(text.contains("suspended"), "{text}");

    // A credential minted before the breach is revoked with the agent's authority.
    let verify = live.vault.run(&["verify", &before]).code(3);
    assert!(stderr(&verify).contains("revoked"), "{}", stderr(&verify));

    let status = live.vault.run(&["status"]).code(0);
    let warned = stderr(&status);
    assert!(
        warned.contains("agent sus was suspended") && warned.contains("agent resume sus"),
        "{warned}"
    );
    let listed = live.listed();
    assert!(
        listed
            .iter()
            .any(|a| a["kind"] == "suspended" && a["agent"] == "sus"),
        "{listed:#?}"
    );

    // Resumed: the next mint is no longer refused for the suspension (the rate window, two
    // mints in the last minute, still holds, so it is refused for that alone).
    live.vault.run(&["agent", "resume", "sus"]).code(0);
    let resumed = live.vault.json(&["agent", "show", "sus", "--json"]);
    assert_eq!(resumed["agent"]["status"], "active", "{resumed}");
    assert!(resumed["suspended_by_anomaly"].is_null(), "{resumed}");
    let err = live.refused(&mut live.admin_mint(), "rate limit of 2/m");
    assert!(!err.contains("suspended"), "{err}");
    // The old credential stays revoked.
    live.vault.run(&["verify", &before]).code(3);
    live.check_no_leak(&[&key]);
}

#[test]
fn a_resumed_agent_mints_again_once_its_window_has_passed() {
    let live = Live::new("fast", &["--rate-limit", "1/s", "--suspend-on-anomaly"]);
    // Two mints within a second breach 1/s; a loaded machine may need a few tries.
    let mut breached = false;
    for _ in 0..10 {
        let assert = live.admin_mint().assert();
        live.clean_stderr(&assert);
        match assert.get_output().status.code() {
            Some(0) => continue,
            Some(3) => {
                assert!(stderr(&assert).contains("rate limit of 1/s"));
                breached = true;
                break;
            }
            other => panic!("mint exited {other:?}: {}", stderr(&assert)),
        }
    }
    assert!(breached, "ten quick mints never breached 1/s");
    live.refused(&mut live.admin_mint(), "suspended");

    live.vault.run(&["agent", "resume", "fast"]).code(0);
    live.vault.advance(Duration::from_millis(1100));
    let after = live
        .vault
        .run(&["mint", "--agent", "fast", "--format", "token"]);
    let token = stdout(&after.code(0)).trim().to_string();
    // It comes from the fresh authority, not the revoked one.
    live.vault.run(&["verify", &token]).code(0);
    live.check_no_leak(&[]);
}

/// Writes the vault's `config.toml` (mode 0600).
fn write_config(vault: &TestVault, text: &str) {
    write_private(&vault.path("config.toml"), text.as_bytes());
}

#[test]
fn the_alert_command_gets_each_anomaly_with_its_seq_and_no_unlock_input() {
    let live = Live::new("rl", &["--rate-limit", "5/m"]);
    let alerts = live.vault.root().join("alerts.jsonl");
    let env_file = live.vault.root().join("alert-env.txt");
    write_config(
        &live.vault,
        &format!(
            "[alerts]\ncommand = \"cat >> '{}'; env > '{}'\"\n",
            alerts.display(),
            env_file.display()
        ),
    );
    // The passphrase in the environment too: it must not reach the alert command.
    let mint = || {
        let mut cmd = live.admin_mint();
        cmd.env("AGENTCRED_PASSPHRASE", PASSPHRASE);
        cmd
    };
    for _ in 0..5 {
        live.minted(&mut mint());
    }
    assert!(!alerts.exists(), "no anomaly, no alert");
    live.refused(&mut mint(), "rate limit");

    let text = std::fs::read_to_string(&alerts).expect("the alert command ran");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let doc: Value = serde_json::from_str(lines[0]).expect("the alert is JSON");
    assert_eq!(doc["schema"], 1, "{doc}");
    assert_eq!(doc["anomaly"]["kind"], "rate_limit", "{doc}");
    assert_eq!(doc["anomaly"]["agent"], "rl", "{doc}");
    assert!(doc["vault_id"].is_string(), "{doc}");
    let entries = live.anomaly_entries("rate_limit");
    assert_eq!(entries.len(), 1);
    assert_eq!(doc["seq"], entries[0]["seq"], "{doc}");
    assert_eq!(doc["anomaly"]["ts"], entries[0]["ts"], "{doc}");
    assert_eq!(
        doc["anomaly"]["message"], entries[0]["details"]["message"],
        "{doc}"
    );

    let env = std::fs::read_to_string(&env_file).expect("the alert command wrote its env");
    assert!(env.contains("PATH="), "{env}");
    for var in ["AGENTCRED_PASSPHRASE=", "AGENTCRED_PASSPHRASE_FILE="] {
        assert!(
            !env.contains(var),
            "{var} reached the alert command:\n{env}"
        );
    }
    assert_no_leak(env.as_bytes(), PASSPHRASE);

    // A breach that also suspends: the alert's seq is still the anomaly's, not the suspension's.
    live.vault
        .run(&[
            "agent",
            "add",
            "sus",
            "--rate-limit",
            "1/m",
            "--suspend-on-anomaly",
        ])
        .success();
    live.vault.run(&["grant", "sus", DB]).success();
    live.minted(live.vault.cmd().args(["mint", "--agent", "sus"]));
    live.refused(
        live.vault.cmd().args(["mint", "--agent", "sus"]),
        "rate limit of 1/m",
    );
    let text = std::fs::read_to_string(&alerts).expect("read alerts");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let doc: Value = serde_json::from_str(lines[1]).expect("the alert is JSON");
    assert_eq!(doc["anomaly"]["agent"], "sus", "{doc}");
    let log = live.vault.audit_lines();
    let entry = log
        .iter()
        .find(|e| e["seq"] == doc["seq"])
        .expect("the alert's seq is on the log");
    assert_eq!(entry["action"], "anomaly", "{entry}");
    assert_eq!(entry["agent"], "sus", "{entry}");
    assert_eq!(entry["details"]["kind"], "rate_limit", "{entry}");
    assert!(
        log.iter()
            .any(|e| e["action"] == "agent.suspend" && e["agent"] == "sus"),
        "suspended"
    );
    live.check_no_leak(&[&alerts, &env_file]);
}

/// Waits, if needed, so that `secs` seconds fit before the minute ends (buckets are calendar
/// minutes).
fn room_in_this_minute(secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let into = now.as_millis() % 60_000;
    let left = 60_000 - into;
    if left < u128::from(secs) * 1000 {
        std::thread::sleep(Duration::from_millis(left as u64 + 50));
    }
}

#[test]
fn five_denials_in_a_minute_are_one_denial_burst() {
    let live = Live::new("pushy", &[]);
    live.vault.set_secret("other", &random_secret()).success();
    let denied = || {
        let mut cmd = live.vault.cmd();
        cmd.args(["mint", "--agent", "pushy", "--secret", "other"]);
        cmd
    };
    room_in_this_minute(8);
    for _ in 0..4 {
        live.refused(&mut denied(), "not granted");
    }
    assert!(live.entries("anomaly").is_empty());
    live.refused(&mut denied(), "not granted");
    let bursts = live.anomaly_entries("denial_burst");
    assert_eq!(bursts.len(), 1, "{:#?}", live.entries("anomaly"));
    assert_eq!(bursts[0]["details"]["details"]["denials"], 5);
    let denies = live.entries("deny");
    assert_eq!(denies.len(), 5);
    assert_eq!(
        bursts[0]["seq"].as_u64(),
        denies[4]["seq"].as_u64().map(|s| s + 1)
    );
    // A sixth in the same minute is the same burst.
    live.refused(&mut denied(), "not granted");
    assert_eq!(live.anomaly_entries("denial_burst").len(), 1);
    // Not suspended: the agent did not ask for that.
    live.minted(&mut live.admin_mint());

    let listed = live.listed();
    assert_eq!(
        listed
            .iter()
            .filter(|a| a["kind"] == "denial_burst" && a["agent"] == "pushy")
            .count(),
        1,
        "{listed:#?}"
    );
    live.check_no_leak(&[]);
}

#[test]
fn a_malformed_config_toml_stops_mint_with_exit_78() {
    let live = Live::new("cfg", &[]);
    write_config(&live.vault, "[anomaly]\nwarm = 3\n");
    let before = live.vault.audit_text();
    let assert = live.admin_mint().assert().code(78);
    assert!(assert.get_output().stdout.is_empty(), "{}", stdout(&assert));
    assert_short_error(&assert);
    live.clean_stderr(&assert);
    let err = stderr(&assert);
    assert!(err.contains("config.toml"), "{err}");
    // Fail closed: nothing minted, nothing recorded as minted.
    assert_eq!(live.vault.audit_text(), before);

    write_config(&live.vault, "[alerts]\ncommand = \"true\"\nbogus = 1\n");
    let assert = live.admin_mint().assert().code(78);
    assert!(
        stderr(&assert).contains("config.toml"),
        "{}",
        stderr(&assert)
    );

    // Repaired, it mints again.
    write_config(&live.vault, "[anomaly]\nwarmup = 3\n");
    live.minted(&mut live.admin_mint());
    live.check_no_leak(&[]);
}

/// Regression: a suspension set off by a denial burst (the `deny` path,
/// `credential::record_denial`) once passed no authority to `watch::record`, so nothing was revoked
/// and a credential minted before it still verified.
#[test]
fn a_suspension_by_denial_burst_revokes_outstanding_credentials() {
    let live = Live::new("sneaky", &["--suspend-on-anomaly"]);
    live.vault.set_secret("other", &random_secret()).success();
    let before = live.token();
    room_in_this_minute(8);
    for _ in 0..5 {
        live.vault
            .run(&["mint", "--agent", "sneaky", "--secret", "other"])
            .code(3);
    }
    live.refused(&mut live.admin_mint(), "suspended");
    let verify = live.vault.run(&["verify", &before]);
    assert_eq!(
        verify.get_output().status.code(),
        Some(3),
        "a suspended agent's credential still verifies: {}",
        stdout(&verify)
    );
}

/// Regression: a suspension by the live checks once revoked only the agent's *current* authority
/// (`watch::record` got `chain.first()` of the call being made). Any admin change that rewrites the
/// agent's envelope (`key issue`, `grant`, …) supersedes the authority without revoking it, so
/// credentials minted before that change survived the suspension, while `agent suspend`
/// (`revoke_outstanding`) revoked them. The suspension now revokes every authority the agent's
/// credentials may descend from.
#[test]
fn a_suspension_by_anomaly_revokes_credentials_of_superseded_authorities() {
    let live = Live::new("older", &["--rate-limit", "2/m", "--suspend-on-anomaly"]);
    let before = live.token();
    // Rewrites the envelope with a fresh authority; `before` descends from the old one.
    live.vault.issue_key("older", &[]);
    live.minted(&mut live.admin_mint());
    live.refused(&mut live.admin_mint(), "rate limit of 2/m");
    live.refused(&mut live.admin_mint(), "suspended");
    let verify = live.vault.run(&["verify", &before]);
    assert_eq!(
        verify.get_output().status.code(),
        Some(3),
        "a suspended agent's credential still verifies: {}",
        stdout(&verify)
    );
}

// --- the live checks' state comes from the signed log ----------------------------------------

#[test]
fn deleting_the_suspension_marker_does_not_lift_a_suspension() {
    let live = Live::new("sus", &["--rate-limit", "2/m", "--suspend-on-anomaly"]);
    let key = live.vault.issue_key("sus", &[]);
    live.minted(live.vault.with_key_file(&key).arg("mint"));
    live.minted(live.vault.with_key_file(&key).arg("mint"));
    live.refused(
        live.vault.with_key_file(&key).arg("mint"),
        "rate limit of 2/m",
    );
    assert_eq!(live.entries("agent.suspend").len(), 1);

    // The key holder removes the marker, then the whole directory: still suspended.
    std::fs::remove_file(live.vault.path("suspended/sus.json")).expect("remove the marker");
    live.refused(live.vault.with_key_file(&key).arg("mint"), "suspended");
    std::fs::remove_dir_all(live.vault.path("suspended")).expect("remove suspended/");
    live.refused(live.vault.with_key_file(&key).arg("mint"), "suspended");
    // Nor does replacing what the checks remember.
    live.vault
        .write_private(&live.vault.path("activity/sus.json"), b"{}");
    live.refused(live.vault.with_key_file(&key).arg("mint"), "suspended");
    live.refused(&mut live.admin_mint(), "suspended");
    // The refused call put the marker back: listings show the suspension again.
    let show = live.vault.json(&["agent", "show", "sus", "--json"]);
    assert_eq!(show["agent"]["status"], "suspended", "{show}");
    // Only the admin's resume lifts it.
    live.vault.run(&["agent", "resume", "sus"]).code(0);
    let err = live.refused(&mut live.admin_mint(), "rate limit of 2/m");
    assert!(!err.contains("suspended"), "{err}");
    live.check_no_leak(&[&key]);
}

#[test]
fn emptying_the_activity_file_does_not_reset_the_rate_limit() {
    let live = Live::new("rl", &["--rate-limit", "5/m"]);
    let key = live.vault.issue_key("rl", &[]);
    for _ in 0..5 {
        live.minted(live.vault.with_key_file(&key).arg("mint"));
    }
    let file = live.vault.path("activity/rl.json");
    assert!(file.exists());
    live.vault.write_private(&file, b"{}");
    live.refused(live.vault.with_key_file(&key).arg("mint"), "rate limit");
    // An older copy, or no file at all, counts the same.
    std::fs::remove_file(&file).expect("remove");
    live.refused(live.vault.with_key_file(&key).arg("mint"), "rate limit");
    std::fs::remove_dir_all(live.vault.path("activity")).expect("remove activity/");
    live.refused(&mut live.admin_mint(), "rate limit");
    live.check_no_leak(&[&key]);
}

#[test]
fn a_resume_appended_to_the_log_by_hand_lifts_nothing() {
    let live = Live::new("sus", &["--rate-limit", "2/m", "--suspend-on-anomaly"]);
    let key = live.vault.issue_key("sus", &[]);
    live.minted(live.vault.with_key_file(&key).arg("mint"));
    live.minted(live.vault.with_key_file(&key).arg("mint"));
    live.refused(
        live.vault.with_key_file(&key).arg("mint"),
        "rate limit of 2/m",
    );

    // A forged `agent.resume` "by admin", chained after the last entry with a recomputed hash,
    // with the caches removed so that everything is rebuilt from the log.
    let text = live.vault.audit_text();
    let last: Value = serde_json::from_str(text.lines().last().expect("a line")).expect("JSON");
    let seq = last["seq"].as_u64().expect("seq") + 1;
    let body = format!(
        "{{\"seq\":{seq},\"ts\":{},\"actor\":\"admin\",\"action\":\"agent.resume\",\"agent\":\"sus\",\"result\":\"ok\",\"gen\":{},\"prev\":{},\"hash\":\"{}\"}}",
        last["ts"],
        last["gen"],
        last["prev"].to_string().replace(
            last["prev"].as_str().expect("prev"),
            last["hash"].as_str().expect("hash")
        ),
        "0".repeat(64)
    );
    let cut = body.rfind(",\"hash\":\"").expect("hash member");
    let forged = format!(
        "{},\"hash\":\"{}\"}}",
        &body[..cut],
        util::audit_entry_hash(&body)
    );
    live.vault.write_private(
        &live.vault.path("audit.jsonl"),
        format!("{text}{forged}\n").as_bytes(),
    );
    assert_unbroken_chain(&live.vault.audit_text());
    std::fs::remove_dir_all(live.vault.path("suspended")).expect("remove suspended/");
    std::fs::remove_dir_all(live.vault.path("activity")).expect("remove activity/");
    live.refused(
        live.vault.with_key_file(&key).arg("mint"),
        "was suspended at",
    );
    // And `audit verify` names the forgery.
    let out = live.vault.run(&["audit", "verify"]).code(65);
    assert!(
        stderr(&out).contains(&format!(
            "at seq {seq}: seq {seq} (agent.resume by admin) is not signed"
        )),
        "{}",
        stderr(&out)
    );
}
