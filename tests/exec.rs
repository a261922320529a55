//! The `exec` acceptance list (docs/DESIGN.md, "exec" and "Exit codes"): what the program's
//! environment holds and never holds, exit statuses in the env(1) convention, signal forwarding,
//! expiry, revocation on exit, `--mask`, argv passed without a shell, narrowing-only nested execs,
//! and the `exec.start`/`exec.end` pair on the audit log.
//!
//! Every test runs the built binary in its own cheap-KDF vault holding agents `alpha` and `bravo`,
//! each granted one secret of its own, and `idle`, granted nothing. The programs are real (`env`,
//! `sh -c`, `sleep`), signals are real (`kill`), and so is time where expiry is the behaviour under
//! test (2-3 s each; the tests run in parallel). Child output may of course carry the child's own
//! secret; agentcred's own stderr and the audit log never may, nor may anything carry a secret the
//! agent was not granted or an unlock input.

mod util;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use chrono::{DateTime, Utc};
use serde_json::Value;

use util::{PASSPHRASE, TestVault, assert_no_leak, assert_unbroken_chain, random_secret};

const ALPHA: &str = "alpha";
const BRAVO: &str = "bravo";
/// Registered but granted nothing.
const IDLE: &str = "idle";
const ALPHA_SECRET: &str = "alpha_db";
const BRAVO_SECRET: &str = "bravo_db";
/// The variables `alpha_db` and `bravo_db` are injected as (the secret name, upper-cased).
const ALPHA_VAR: &str = "ALPHA_DB";
const BRAVO_VAR: &str = "BRAVO_DB";

/// Every variable agentcred reads to unlock: none may reach a program it runs (docs/DESIGN.md,
/// "The program's environment").
const UNLOCK_VARS: &[&str] = &[
    "AGENTCRED_PASSPHRASE",
    "AGENTCRED_PASSPHRASE_FILE",
    "AGENTCRED_IDENTITY",
    "AGENTCRED_KEY",
    "AGENTCRED_KEY_FILE",
];

/// The `AGENTCRED_*` variables a program is given (plus `AGENTCRED_HOME`, kept for nesting).
const INJECTED_VARS: &[&str] = &[
    "AGENTCRED_AGENT",
    "AGENTCRED_CREDENTIAL_ID",
    "AGENTCRED_EXPIRES_AT",
    "AGENTCRED_TOKEN",
    "AGENTCRED_SECRETS",
    "AGENTCRED_RUN_SOCKET",
];

/// The longest a test waits for an agentcred run before declaring it hung.
const HANG: Duration = Duration::from_secs(25);

struct Fixture {
    vault: TestVault,
    alpha_value: String,
    bravo_value: String,
}

impl Fixture {
    fn new() -> Fixture {
        let vault = TestVault::new();
        let fx = Fixture {
            vault,
            alpha_value: random_secret(),
            bravo_value: random_secret(),
        };
        fx.admin(&["agent", "add", ALPHA, BRAVO, IDLE]);
        fx.vault.set_secret(ALPHA_SECRET, &fx.alpha_value).code(0);
        fx.vault.set_secret(BRAVO_SECRET, &fx.bravo_value).code(0);
        fx.admin(&["grant", ALPHA, ALPHA_SECRET]);
        fx.admin(&["grant", BRAVO, BRAVO_SECRET]);
        fx
    }

    /// An admin command that must succeed.
    fn admin(&self, args: &[&str]) -> Assert {
        self.vault.run(args).code(0)
    }

    /// `agentcred exec ARGS` as the admin (passphrase file), with empty stdin.
    fn exec(&self, args: &[&str]) -> Command {
        let mut cmd = self.vault.cmd();
        cmd.arg("exec").args(args).write_stdin("");
        cmd
    }

    /// The same as a plain `std::process::Command`, for runs the test supervises itself.
    fn exec_std(&self, args: &[&str]) -> StdCommand {
        let mut cmd = self.vault.command();
        cmd.arg("exec").args(args).stdin(Stdio::null());
        cmd
    }

    fn path(&self, name: &str) -> PathBuf {
        self.vault.root().join(name)
    }

    /// A path as an argument (the temporary directory's paths are UTF-8).
    fn arg(&self, name: &str) -> String {
        self.path(name).to_str().expect("UTF-8 path").to_string()
    }

    /// Every audit entry of `action`, in log order.
    fn entries(&self, action: &str) -> Vec<Value> {
        self.vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == action)
            .collect()
    }

    /// The one `exec.start` / `exec.end` entry of credential `id`.
    fn entry(&self, action: &str, id: &str) -> Value {
        let found: Vec<Value> = self
            .entries(action)
            .into_iter()
            .filter(|e| e["credential_id"] == id)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {action} entry for {id}, got {found:#?}"
        );
        found.into_iter().next().expect("one entry")
    }

    /// The credential id of the only `exec.start` so far.
    fn only_exec_id(&self) -> String {
        let starts = self.entries("exec.start");
        assert_eq!(starts.len(), 1, "expected one exec.start: {starts:#?}");
        starts[0]["credential_id"]
            .as_str()
            .expect("exec.start has a credential_id")
            .to_string()
    }

    /// The audit log is an unbroken chain and holds no secret value or unlock input.
    #[track_caller]
    fn check_audit(&self, extra: &[&str]) {
        let audit = self.vault.audit_text();
        assert_unbroken_chain(&audit);
        for secret in [
            self.alpha_value.as_str(),
            self.bravo_value.as_str(),
            PASSPHRASE,
        ]
        .iter()
        .chain(extra)
        {
            assert_no_leak(audit.as_bytes(), secret);
        }
    }

    /// agentcred's own stderr holds no secret value and no unlock input.
    #[track_caller]
    fn check_stderr(&self, stderr: &[u8], extra: &[&str]) {
        for secret in [
            self.alpha_value.as_str(),
            self.bravo_value.as_str(),
            PASSPHRASE,
        ]
        .iter()
        .chain(extra)
        {
            assert_no_leak(stderr, secret);
        }
    }
}

/// The `NAME=VALUE` lines `env` printed.
fn parse_env(out: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What agentcred says when it refuses before starting anything: one `error:` line
/// (the program never started, so it cannot be mistaken for its output), at most one hint, no panic.
#[track_caller]
fn assert_agentcred_error(stderr: &[u8], mentions: &str) {
    let text = text(stderr);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "expected a one- or two-line error, got:\n{text}"
    );
    assert!(
        lines[0].starts_with("error: "),
        "expected `error: `, got:\n{text}"
    );
    assert!(
        lines[0].contains(mentions),
        "the error should name {mentions:?}:\n{text}"
    );
    assert!(!text.contains("panicked"), "agentcred panicked:\n{text}");
}

/// An agentcred run the test watches itself (to signal it or time it). Output goes to files, so a
/// grandchild that outlives a failed run cannot hold a pipe open and hang the test.
struct Background {
    child: std::process::Child,
    started: Instant,
    stdout: PathBuf,
    stderr: PathBuf,
}

struct Finished {
    code: Option<i32>,
    elapsed: Duration,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Background {
    fn spawn(mut cmd: StdCommand, dir: &Path) -> Background {
        let (stdout, stderr) = (dir.join("agentcred.out"), dir.join("agentcred.err"));
        cmd.stdout(std::fs::File::create(&stdout).expect("create stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("create stderr file"));
        let started = Instant::now();
        let child = cmd.spawn().expect("start agentcred");
        Background {
            child,
            started,
            stdout,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for agentcred to end; kills it and fails if it takes longer than `limit`.
    fn finish(mut self, limit: Duration) -> Finished {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for agentcred") {
                break status;
            }
            if self.started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "agentcred still running after {limit:?}; stderr:\n{}",
                    text(&std::fs::read(&self.stderr).unwrap_or_default())
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Finished {
            code: status.code(),
            elapsed: self.started.elapsed(),
            stdout: std::fs::read(&self.stdout).expect("read stdout file"),
            stderr: std::fs::read(&self.stderr).expect("read stderr file"),
        }
    }
}

/// Waits until `path` exists (a program signalling that it is ready).
fn wait_for_file(path: &Path, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} did not appear within {limit:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// --- the program's environment (DESIGN.md, "The program's environment") ----------------------

/// `exec --agent alpha -- env` run with `cmd`: alpha's secret and the five `AGENTCRED_*` variables
/// are there, bravo's secret, every unlock variable and every value in `absent` are not.
#[track_caller]
fn assert_env_is_alpha_only(fx: &Fixture, mut cmd: Command, absent: &[&str]) {
    let before = Utc::now();
    let assert = cmd
        .args(["exec", "--agent", ALPHA, "--", "env"])
        .write_stdin("")
        .assert()
        .code(0);
    let out = &assert.get_output().stdout;
    let env = parse_env(out);

    assert_eq!(env.get(ALPHA_VAR), Some(&fx.alpha_value), "alpha's secret");
    assert_eq!(env.get("AGENTCRED_AGENT").map(String::as_str), Some(ALPHA));
    assert_eq!(
        env.get("AGENTCRED_SECRETS").map(String::as_str),
        Some(ALPHA_VAR)
    );
    let id = &env["AGENTCRED_CREDENTIAL_ID"];
    assert!(id.starts_with("cr_"), "credential id {id}");
    let expires: DateTime<Utc> = env["AGENTCRED_EXPIRES_AT"]
        .parse()
        .expect("AGENTCRED_EXPIRES_AT is RFC 3339");
    let ttl = expires - before;
    assert!(
        ttl > chrono::Duration::minutes(14) && ttl <= chrono::Duration::minutes(16),
        "the default TTL is 15m, got {ttl}"
    );
    assert!(
        env["AGENTCRED_TOKEN"].len() > 32,
        "AGENTCRED_TOKEN looks empty: {:?}",
        env["AGENTCRED_TOKEN"]
    );
    for name in INJECTED_VARS {
        assert!(env.contains_key(*name), "{name} missing");
    }

    // Nothing alpha was not granted, and nothing agentcred unlocked with.
    assert!(!env.contains_key(BRAVO_VAR), "bravo's variable leaked");
    assert_no_leak(out, &fx.bravo_value);
    for name in UNLOCK_VARS {
        assert!(
            !env.contains_key(*name),
            "{name} reached the program:\n{}",
            text(out)
        );
    }
    let stray: Vec<&String> = env
        .keys()
        .filter(|k| {
            k.starts_with("AGENTCRED_")
                && !INJECTED_VARS.contains(&k.as_str())
                && *k != "AGENTCRED_HOME"
        })
        .collect();
    assert!(
        stray.is_empty(),
        "unexpected AGENTCRED_* variables: {stray:?}"
    );
    for value in absent {
        assert_no_leak(out, value);
    }
    fx.check_stderr(&assert.get_output().stderr, absent);
    fx.check_audit(&[env["AGENTCRED_TOKEN"].as_str()]);
}

#[test]
fn the_program_gets_its_grants_and_no_unlock_input_from_a_passphrase_unlock() {
    let fx = Fixture::new();
    // Both passphrase inputs set; the file wins, the variable must vanish all the same.
    let mut cmd = fx.vault.cmd();
    cmd.env("AGENTCRED_PASSPHRASE", PASSPHRASE);
    assert_env_is_alpha_only(&fx, cmd, &[PASSPHRASE]);
}

#[test]
fn the_program_gets_its_grants_and_no_unlock_input_from_an_agent_key_unlock() {
    let fx = Fixture::new();
    let key_file = fx.vault.issue_key(ALPHA, &[]);
    let key = std::fs::read_to_string(&key_file).expect("read key file");
    let key = key.trim();
    let dummy = "dummy-passphrase-never-used-7f3a";
    let mut cmd = fx.vault.with_key_file(&key_file);
    cmd.env("AGENTCRED_KEY", key)
        .env("AGENTCRED_PASSPHRASE", dummy);
    assert_env_is_alpha_only(&fx, cmd, &[key, dummy]);
}

#[test]
fn the_program_gets_no_unlock_input_when_all_five_are_set() {
    let fx = Fixture::new();
    let identity = fx.vault.export_identity();
    let identity_text = std::fs::read_to_string(&identity).expect("read identity");
    let age_key = identity_text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("an age secret key in the export");
    let key_file = fx.vault.issue_key(ALPHA, &[]);
    let key = std::fs::read_to_string(&key_file).expect("read key file");
    let key = key.trim();
    // The identity wins; every other input is set too, and none may reach the program.
    let mut cmd = fx.vault.cmd();
    cmd.env("AGENTCRED_IDENTITY", &identity)
        .env("AGENTCRED_KEY_FILE", &key_file)
        .env("AGENTCRED_KEY", key)
        .env("AGENTCRED_PASSPHRASE", PASSPHRASE);
    assert_env_is_alpha_only(&fx, cmd, &[PASSPHRASE, key, age_key]);
}

#[test]
fn clean_env_drops_other_variables_but_keeps_path_and_the_grants() {
    let fx = Fixture::new();
    let run = |extra: &[&str]| {
        let args = [&["--agent", ALPHA], extra, &["--", "env"]].concat();
        let out = fx
            .exec(&args)
            .env("FOO_MARKER", "1")
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        parse_env(&out)
    };

    // Without --clean-env the parent's variable is passed on (so the next check means something).
    let full = run(&[]);
    assert_eq!(full.get("FOO_MARKER").map(String::as_str), Some("1"));

    let clean = run(&["--clean-env"]);
    assert!(!clean.contains_key("FOO_MARKER"), "{clean:#?}");
    assert!(!clean.contains_key("NO_COLOR"), "{clean:#?}");
    assert_eq!(clean.get("PATH"), full.get("PATH"));
    assert!(clean.contains_key("PATH"), "PATH must be kept");
    assert_eq!(clean.get(ALPHA_VAR), Some(&fx.alpha_value));
    for name in INJECTED_VARS {
        assert!(
            clean.contains_key(*name),
            "{name} missing under --clean-env"
        );
    }
    for name in UNLOCK_VARS {
        assert!(!clean.contains_key(*name), "{name} reached the program");
    }
}

// --- exit status (DESIGN.md, "Exec exit status") ---------------------------------------------

#[test]
fn the_programs_exit_code_is_agentcreds() {
    let fx = Fixture::new();
    let assert = fx
        .exec(&["--agent", ALPHA, "--", "sh", "-c", "exit 7"])
        .assert()
        .code(7);
    // The program's failure is its own: agentcred adds nothing to stderr.
    assert!(
        assert.get_output().stderr.is_empty(),
        "{}",
        text(&assert.get_output().stderr)
    );
    let id = fx.only_exec_id();
    let end = fx.entry("exec.end", &id);
    assert_eq!(end["details"]["exit_code"], 7);
    assert_eq!(end["details"]["ended_by"], "exit");
    assert_eq!(end["result"], "error");
}

#[test]
fn a_program_killed_by_sigkill_gives_137() {
    let fx = Fixture::new();
    fx.exec(&["--agent", ALPHA, "--", "sh", "-c", "kill -9 $$"])
        .assert()
        .code(137);
    let end = fx.entry("exec.end", &fx.only_exec_id());
    assert_eq!(end["details"]["signal"], 9);
    assert_eq!(end["details"]["ended_by"], "signal");
}

#[test]
fn a_missing_program_gives_127() {
    let fx = Fixture::new();
    let assert = fx
        .exec(&["--agent", ALPHA, "--", "agentcred-test-no-such-program"])
        .assert()
        .code(127);
    assert_agentcred_error(
        &assert.get_output().stderr,
        "agentcred-test-no-such-program",
    );
    fx.check_stderr(&assert.get_output().stderr, &[]);
}

#[test]
fn a_missing_program_mints_nothing() {
    let fx = Fixture::new();
    let audit = fx.vault.audit_text();
    let ledger = fx.vault.files();
    fx.exec(&["--agent", ALPHA, "--", "agentcred-test-no-such-program"])
        .assert()
        .code(127);
    assert_eq!(fx.vault.audit_text(), audit, "the audit log changed");
    assert_eq!(fx.vault.files(), ledger, "a file was added to the vault");
    let listed = fx.vault.json(&["creds", "list", "--json"]);
    assert!(
        !listed.to_string().contains(ALPHA),
        "a credential was issued: {listed}"
    );
}

#[test]
fn a_file_that_is_not_executable_gives_126() {
    let fx = Fixture::new();
    let script = fx.path("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\ntouch \"$0.ran\"\n").expect("write script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).expect("chmod 644");
    let assert = fx
        .exec(&["--agent", ALPHA, "--", &fx.arg("not-executable.sh")])
        .assert()
        .code(126);
    assert_agentcred_error(&assert.get_output().stderr, "not-executable.sh");
    assert!(!fx.path("not-executable.sh.ran").exists());
}

/// `exec --agent AGENT -- touch MARKER` is refused with 125 before anything starts.
#[track_caller]
fn assert_refused_before_start(fx: &Fixture, agent: &str, mentions: &str) {
    let marker = format!("marker-{agent}");
    let starts = |fx: &Fixture| {
        fx.entries("exec.start")
            .iter()
            .filter(|e| e["agent"] == agent)
            .count()
    };
    let before = starts(fx);
    let assert = fx
        .exec(&["--agent", agent, "--", "touch", &fx.arg(&marker)])
        .assert()
        .code(125);
    assert_agentcred_error(&assert.get_output().stderr, mentions);
    fx.check_stderr(&assert.get_output().stderr, &[]);
    assert!(
        !fx.path(&marker).exists(),
        "the program ran although agentcred refused"
    );
    assert_eq!(
        starts(fx),
        before,
        "an exec.start was recorded for a refused run"
    );
}

#[test]
fn an_agent_with_no_grants_gives_125_and_nothing_starts() {
    let fx = Fixture::new();
    assert_refused_before_start(&fx, IDLE, IDLE);
}

#[test]
fn a_suspended_agent_gives_125_and_nothing_starts() {
    let fx = Fixture::new();
    // Granted, so suspension is the only reason to refuse.
    fx.admin(&["agent", "add", "frozen"]);
    fx.admin(&["grant", "frozen", ALPHA_SECRET]);
    fx.exec(&["--agent", "frozen", "--", "true"])
        .assert()
        .code(0);
    fx.admin(&["agent", "suspend", "frozen"]);
    assert_refused_before_start(&fx, "frozen", "suspended");
}

// --- signals (DESIGN.md, "Supervision and signals") ------------------------------------------

#[test]
fn sigterm_sent_to_agentcred_reaches_the_program() {
    let fx = Fixture::new();
    let (trapped, ready) = (fx.path("trapped"), fx.path("ready"));
    let script = r#"out=$1; ready=$2
trap 'echo trapped > "$out"; kill "$pid" 2>/dev/null; exit 42' TERM
sleep 30 & pid=$!
: > "$ready"
wait"#;
    let cmd = fx.exec_std(&[
        "--agent",
        ALPHA,
        "--",
        "sh",
        "-c",
        script,
        "sh",
        &fx.arg("trapped"),
        &fx.arg("ready"),
    ]);
    let run = Background::spawn(cmd, fx.vault.root());
    wait_for_file(&ready, Duration::from_secs(10));
    let killed = StdCommand::new("kill")
        .args(["-TERM", &run.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -TERM failed");

    let done = run.finish(Duration::from_secs(10));
    assert_eq!(
        done.code,
        Some(42),
        "agentcred should exit with the program's status; stderr:\n{}",
        text(&done.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&trapped).expect("the program's trap ran"),
        "trapped\n"
    );
    let end = fx.entry("exec.end", &fx.only_exec_id());
    assert_eq!(end["details"]["exit_code"], 42);
    assert_eq!(end["details"]["ended_by"], "exit");
}

// --- expiry (DESIGN.md, "Expiry") ------------------------------------------------------------

#[test]
fn at_expiry_the_program_is_sent_sigterm_and_the_log_says_so() {
    let fx = Fixture::new();
    let cmd = fx.exec_std(&["--agent", ALPHA, "--ttl", "3s", "--", "sleep", "60"]);
    let done = Background::spawn(cmd, fx.vault.root()).finish(HANG);
    assert_eq!(
        done.code,
        Some(143),
        "sleep dies of SIGTERM; stderr:\n{}",
        text(&done.stderr)
    );
    assert!(
        done.elapsed >= Duration::from_millis(2500) && done.elapsed < Duration::from_secs(14),
        "ended after {:?}: expected the 3s TTL (+ at most the 10s grace)",
        done.elapsed
    );
    assert!(done.stdout.is_empty(), "{}", text(&done.stdout));
    let stderr = text(&done.stderr);
    assert!(stderr.contains("expired"), "no expiry notice:\n{stderr}");
    fx.check_stderr(&done.stderr, &[]);

    let id = fx.only_exec_id();
    let expire = fx.entry("exec.expire", &id);
    assert_eq!(expire["details"]["on_expiry"], "term");
    let end = fx.entry("exec.end", &id);
    assert_eq!(end["details"]["ended_by"], "expiry");
    assert_eq!(end["details"]["signal"], 15);
    assert_eq!(end["details"]["expired"], true);
    assert!(
        expire["seq"].as_u64() < end["seq"].as_u64(),
        "exec.expire must precede exec.end"
    );
    fx.check_audit(&[]);
}

#[test]
fn on_expiry_ignore_lets_the_program_finish_and_records_the_expiry() {
    let fx = Fixture::new();
    let cmd = fx.exec_std(&[
        "--agent",
        ALPHA,
        "--ttl",
        "2s",
        "--on-expiry",
        "ignore",
        "--",
        "sleep",
        "3",
    ]);
    let done = Background::spawn(cmd, fx.vault.root()).finish(HANG);
    assert_eq!(done.code, Some(0), "stderr:\n{}", text(&done.stderr));
    assert!(done.stdout.is_empty(), "{}", text(&done.stdout));
    assert!(
        done.elapsed >= Duration::from_secs(3),
        "ended after {:?}, before the program did",
        done.elapsed
    );

    let id = fx.only_exec_id();
    let expire = fx.entry("exec.expire", &id);
    assert_eq!(expire["details"]["on_expiry"], "ignore");
    let end = fx.entry("exec.end", &id);
    assert_eq!(end["details"]["ended_by"], "exit");
    assert_eq!(end["details"]["exit_code"], 0);
    assert_eq!(end["details"]["expired"], true);
}

// --- revocation on exit (DESIGN.md, "The end of a run") --------------------------------------

#[test]
fn the_token_works_while_the_program_runs_and_is_denied_after() {
    let fx = Fixture::new();
    // Inside: verify the injected token (no argument: $AGENTCRED_TOKEN) and keep it for later.
    let script = r#""$ACBIN" verify 2>/dev/null; echo "$?" > "$1"
printf %s "$AGENTCRED_TOKEN" > "$2""#;
    // Outside the sandbox: the verify inside reads the vault directory.
    fx.exec(&[
        "--no-sandbox",
        "--agent",
        ALPHA,
        "--",
        "sh",
        "-c",
        script,
        "sh",
        &fx.arg("inside"),
        &fx.arg("token"),
    ])
    .env("ACBIN", util::bin())
    .assert()
    .code(0);
    assert_eq!(
        std::fs::read_to_string(fx.path("inside")).expect("inside status"),
        "0\n",
        "the token should verify while the program runs"
    );
    let token = std::fs::read_to_string(fx.path("token")).expect("the token");
    assert!(token.len() > 32, "no token was injected");

    let after = fx
        .vault
        .cmd()
        .args(["verify", "-"])
        .write_stdin(token.clone())
        .assert()
        .code(3);
    let stderr = &after.get_output().stderr;
    assert!(
        text(stderr).contains("revoked"),
        "should say the token was revoked:\n{}",
        text(stderr)
    );
    assert_no_leak(stderr, &token);
    assert_no_leak(&after.get_output().stdout, &token);
    fx.check_audit(&[&token]);
}

// --- --mask (DESIGN.md, "Masking output") ----------------------------------------------------

#[test]
fn mask_hides_the_value_its_base64_and_a_split_value_and_passes_the_rest() {
    let fx = Fixture::new();
    let value = &fx.alpha_value;
    let script = r#"printf 'before\n'
printf '%s\n' "$ALPHA_DB"
printf %s "$ALPHA_DB" | base64
printf %s "$ALPHA_DB" | head -c 20; sleep 0.2; printf %s "$ALPHA_DB" | tail -c +21; printf '\n'
printf 'x=%s;y\n' "$ALPHA_DB"
printf 'sk-test- is only a prefix\n'
printf 'unicode: \303\251t\303\251 \342\234\223\n'
printf 'on stderr: %s\n' "$ALPHA_DB" >&2
printf 'after'"#;
    let assert = fx
        .exec(&["--agent", ALPHA, "--mask", "--", "sh", "-c", script])
        .assert()
        .code(0);
    let out = &assert.get_output().stdout;
    let err = &assert.get_output().stderr;

    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    for form in [value.as_str(), b64.as_str(), &value[..20], &value[20..]] {
        assert_no_leak(out, form);
        assert_no_leak(err, form);
    }
    assert_eq!(
        text(out),
        "before\n********\n********\n********\nx=********;y\nsk-test- is only a prefix\n\
         unicode: été ✓\nafter"
    );
    assert_eq!(text(err), "on stderr: ********\n");
    fx.check_audit(&[]);
}

/// HTTP Basic credentials encode `user:VALUE`, which puts the value 5 bytes into the base64 input,
/// not on a 3-byte group boundary; and a program may print the value as hex, in either case.
#[test]
fn mask_hides_the_value_in_http_basic_base64_and_in_hex_of_either_case() {
    let fx = Fixture::new();
    let value = &fx.alpha_value;
    let script = r#"printf 'Authorization: Basic %s\n' "$(printf 'user:%s' "$ALPHA_DB" | base64 | tr -d '\n')"
printf 'Authorization: Basic %s\n' "$(printf 'u:%s' "$ALPHA_DB" | base64 | tr -d '\n')"
hex=$(printf %s "$ALPHA_DB" | od -An -tx1 | tr -d ' \n')
printf 'lower %s\n' "$hex"
printf 'upper %s\n' "$(printf %s "$hex" | tr a-f A-F)"
printf 'done\n'"#;
    let assert = fx
        .exec(&["--agent", ALPHA, "--mask", "--", "sh", "-c", script])
        .assert()
        .code(0);
    let out = &assert.get_output().stdout;

    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let hex = util::hex(value.as_bytes());
    let mut forms = vec![
        value.clone(),
        b64.encode(format!("user:{value}")),
        b64.encode(format!("u:{value}")),
        hex.clone(),
        hex.to_ascii_uppercase(),
    ];
    // The characters of each encoding that carry only the value's bits (the prefix is 5 or 2
    // bytes: the value starts 2 bytes into a 3-byte group both times).
    for prefix in ["user:", "u:"] {
        let encoded = b64.encode(format!("{prefix}{value}"));
        let (start, end) = (
            (8 * prefix.len()).div_ceil(6),
            8 * (prefix.len() + value.len()) / 6,
        );
        forms.push(encoded[start..end].to_string());
    }
    for form in &forms {
        assert_no_leak(out, form);
    }
    let text = text(out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].starts_with("Authorization: Basic ") && lines[0].contains("********"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("Authorization: Basic ") && lines[1].contains("********"),
        "{text}"
    );
    assert_eq!(lines[2], "lower ********");
    assert_eq!(lines[3], "upper ********");
    assert_eq!(lines[4], "done");
    fx.check_audit(&[]);
}

// --- argv without a shell (DESIGN.md, "The program's environment") ---------------------------

#[test]
fn arguments_reach_the_program_unchanged() {
    let fx = Fixture::new();
    // The working directory holds files, so a `*` expanded by a shell would show.
    let args = [
        "a b", "it's", "$HOME", "*", "x\ny", "", "--agent", "--", "-v", "ünï",
    ];
    let mut argv = vec![
        "--agent",
        ALPHA,
        "--",
        "sh",
        "-c",
        r#"for a in "$@"; do printf "<%s>\n" "$a"; done"#,
        "sh",
    ];
    argv.extend(args);
    let assert = fx.exec(&argv).assert().code(0);
    assert_eq!(
        text(&assert.get_output().stdout),
        "<a b>\n<it's>\n<$HOME>\n<*>\n<x\ny>\n<>\n<--agent>\n<-->\n<-v>\n<ünï>\n"
    );
    let start = fx.entry("exec.start", &fx.only_exec_id());
    assert_eq!(start["details"]["argc"], 4 + args.len());
}

// --- nesting only narrows (DESIGN.md, "Nested exec and the run socket") ----------------------

#[test]
fn a_nested_exec_can_narrow_but_not_widen_and_needs_no_unlock_input() {
    let fx = Fixture::new();
    let script = r#"echo "unlock=${AGENTCRED_PASSPHRASE_FILE-none}${AGENTCRED_PASSPHRASE-}"
"$ACBIN" exec --ttl 2h -- touch "$1" 2>"$3"; echo "longer=$?"
"$ACBIN" exec --secret bravo_db -- touch "$2" 2>>"$3"; echo "wider=$?"
"$ACBIN" exec --ttl 1m -- sh -c 'echo "nested=$AGENTCRED_CREDENTIAL_ID $AGENTCRED_SECRETS"; echo "value=$ALPHA_DB"'; echo "narrow=$?"
echo "parent=$AGENTCRED_CREDENTIAL_ID""#;
    let assert = fx
        .exec(&[
            "--agent",
            ALPHA,
            "--",
            "sh",
            "-c",
            script,
            "sh",
            &fx.arg("longer-ran"),
            &fx.arg("wider-ran"),
            &fx.arg("refusals"),
        ])
        .env("ACBIN", util::bin())
        .assert()
        .code(0);
    let out = text(&assert.get_output().stdout);
    let lines: BTreeMap<&str, &str> = out.lines().filter_map(|l| l.split_once('=')).collect();

    assert_eq!(
        lines["unlock"], "none",
        "the outer run leaked its unlock input"
    );
    assert_eq!(
        lines["longer"], "125",
        "a longer nested TTL must be refused:\n{out}"
    );
    assert_eq!(
        lines["wider"], "125",
        "a secret not in the parent must be refused:\n{out}"
    );
    assert!(!fx.path("longer-ran").exists() && !fx.path("wider-ran").exists());
    let refusals = std::fs::read_to_string(fx.path("refusals")).expect("refusal messages");
    assert_eq!(
        refusals
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count(),
        2,
        "{refusals}"
    );
    assert_no_leak(refusals.as_bytes(), &fx.bravo_value);

    assert_eq!(
        lines["narrow"], "0",
        "a narrower nested exec must work:\n{out}"
    );
    let parent = lines["parent"];
    let (nested, secrets) = lines["nested"].split_once(' ').expect("id and secrets");
    assert!(parent.starts_with("cr_"), "{out}");
    assert!(nested.starts_with("dl_"), "nested id {nested}");
    assert_ne!(nested, parent);
    assert_eq!(secrets, ALPHA_VAR);
    assert_eq!(lines["value"], fx.alpha_value);
    assert_no_leak(out.as_bytes(), &fx.bravo_value);

    // The nested run has its own start and end, and both runs ended.
    fx.entry("exec.start", nested);
    fx.entry("exec.end", nested);
    fx.entry("exec.end", parent);
    fx.check_audit(&[]);
}

// --- the audit pair (DESIGN.md, "Order of a run", "The end of a run") ------------------------

#[test]
fn exec_start_precedes_exec_end_and_logs_argv_only_as_hmacs() {
    let fx = Fixture::new();
    let assert = fx
        .exec(&["--agent", ALPHA, "--", "printf", "%s", "hello"])
        .assert()
        .code(0);
    assert_eq!(text(&assert.get_output().stdout), "hello");

    let id = fx.only_exec_id();
    let start = fx.entry("exec.start", &id);
    let end = fx.entry("exec.end", &id);
    assert!(
        start["seq"].as_u64() < end["seq"].as_u64(),
        "exec.start must precede exec.end"
    );
    assert_eq!(start["agent"], ALPHA);
    assert_eq!(start["details"]["argc"], 3);
    let hmacs = start["argv_hmac"].as_array().expect("argv_hmac array");
    assert_eq!(hmacs.len(), 3);
    assert!(
        hmacs
            .iter()
            .all(|h| h.as_str().is_some_and(|h| h.len() >= 64))
    );
    assert_eq!(end["result"], "ok");
    assert_eq!(end["details"]["exit_code"], 0);
    assert!(
        !fx.vault.audit_text().contains("hello"),
        "an argument appeared in the audit log in clear"
    );
    fx.check_audit(&[]);
}

/// agentcred dumps no core (its soft core-size limit is 0, and it is not dumpable), but the
/// program it runs keeps the hard limit it would have had, so it can turn core dumps back on.
#[test]
fn the_program_keeps_the_hard_core_limit_and_agentcred_dumps_no_core() {
    let fx = Fixture::new();
    let direct = StdCommand::new("sh")
        .args(["-c", "ulimit -H -c"])
        .output()
        .expect("run sh");
    let script = "ulimit -H -c; grep 'core file size' /proc/$PPID/limits";
    let assert = fx
        .exec(&["--agent", ALPHA, "--", "sh", "-c", script])
        .assert()
        .code(0);
    let out = text(&assert.get_output().stdout);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap_or_default(),
        text(&direct.stdout).trim(),
        "the program's hard core limit changed: {out}"
    );
    let parent = lines.next().unwrap_or_default();
    let soft = parent.split_whitespace().nth(4).unwrap_or_default();
    assert_eq!(soft, "0", "agentcred's own soft core limit: {parent}");
}
