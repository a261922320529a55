//! The rotation acceptance list (docs/DESIGN.md, "Rotation"): a running program keeps the value it
//! started with while new ones get the new value; the old version is served during the overlap
//! window and refused after it, then destroyed everywhere (raw bytes and decrypted with stock
//! `age`); staged rotations are not served until finished, one at a time; agent keys and issuer
//! keys rotate with an overlap too; `secret set --cas`; rotations killed at any point leave exactly
//! one `CURRENT`; `rotate --due`; and every step on the audit log, with no value in it or in any
//! command's stderr.
//!
//! Every test runs the built binary in its own cheap-KDF vault with agent `alpha` granted secret
//! `db`. Overlap windows are 2-5 s; a test that waits for one to end moves the binary's clock past
//! it (`TestVault::advance_to`) rather than sleeping, except where a program runs through the
//! window in real time. A [`Fixture`] remembers every secret a test creates and checks every
//! command's output for them: stdout may carry a value only where printing it is the command's job
//! (`mint`, a program run by `exec`), stderr never.

mod util;

use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use chrono::{DateTime, Utc};
use serde_json::Value;

use util::{
    PASSPHRASE, TestVault, assert_no_leak, assert_short_error, assert_unbroken_chain,
    random_secret, stderr, stdout,
};

const ALPHA: &str = "alpha";
const BRAVO: &str = "bravo";
const DB: &str = "db";
/// The variable `db` is injected as.
const DB_VAR: &str = "DB";

/// The longest any single agentcred run may take before the test calls it hung.
const HANG: Duration = Duration::from_secs(30);

/// An agent key issued into a file.
struct Key {
    id: String,
    file: PathBuf,
}

/// A credential minted with `--format json`.
struct Minted {
    json: Value,
    /// The value of `db` it carries ("" if none).
    value: String,
    /// The version of `db` it covers (0 if none).
    version: u64,
    token: String,
}

struct Fixture {
    vault: TestVault,
    /// `db`'s first value (version 1).
    old: String,
    /// Everything that must not appear where it is not the output's purpose.
    secrets: RefCell<Vec<String>>,
}

impl Fixture {
    /// Agent `alpha`, secret `db` (version 1, a random value), and a grant of `db` to `alpha`.
    fn new() -> Fixture {
        let old = random_secret();
        let fx = Fixture {
            vault: TestVault::new(),
            old: old.clone(),
            secrets: RefCell::new(vec![
                old.clone(),
                PASSPHRASE.to_string(),
                "AGE-SECRET-KEY-1".to_string(),
            ]),
        };
        fx.admin(&["agent", "add", ALPHA], 0);
        fx.admin_stdin(&["secret", "set", DB, "--stdin"], &old, 0);
        fx.admin(&["grant", ALPHA, DB], 0);
        fx
    }

    fn forbid(&self, secret: &str) {
        let mut secrets = self.secrets.borrow_mut();
        secrets.push(secret.to_string());
        // A token's tail holds the key that extends it: a partial leak is a leak too.
        if secret.len() > 96 {
            secrets.push(secret[secret.len() - 48..].to_string());
        }
    }

    /// A new random value, remembered as a secret.
    fn value(&self) -> String {
        let v = random_secret();
        self.forbid(&v);
        v
    }

    /// No secret on stderr; none on stdout except those in `carried`; no panic.
    #[track_caller]
    fn check(&self, assert: &Assert, carried: &[&str]) {
        let out = assert.get_output();
        for secret in self.secrets.borrow().iter() {
            assert_no_leak(&out.stderr, secret);
            if !carried.contains(&secret.as_str()) {
                assert_no_leak(&out.stdout, secret);
            }
        }
        assert!(
            !stderr(assert).contains("panicked"),
            "agentcred panicked:\n{}",
            stderr(assert)
        );
    }

    /// Runs `cmd`, expects exit `code`, and checks that no secret reached either stream.
    #[track_caller]
    fn expect(&self, cmd: &mut Command, code: i32) -> Assert {
        let assert = cmd.timeout(HANG).assert().code(code);
        self.check(&assert, &[]);
        assert
    }

    /// A refusal: exit `code`, nothing on stdout, a short error naming `mentions`, no secret.
    #[track_caller]
    fn refused(&self, cmd: &mut Command, code: i32, mentions: &str) -> Assert {
        let assert = self.expect(cmd, code);
        assert!(
            assert.get_output().stdout.is_empty(),
            "a refusal printed data on stdout:\n{}",
            stdout(&assert)
        );
        assert_short_error(&assert);
        assert!(
            stderr(&assert).contains(mentions),
            "the error should say {mentions:?}:\n{}",
            stderr(&assert)
        );
        assert
    }

    /// `agentcred ARGS` as the admin (passphrase).
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.vault.cmd();
        cmd.args(args).write_stdin("");
        cmd
    }

    #[track_caller]
    fn admin(&self, args: &[&str], code: i32) -> Assert {
        self.expect(&mut self.cmd(args), code)
    }

    /// `agentcred ARGS` as the admin with `value` and a newline on stdin.
    #[track_caller]
    fn admin_stdin(&self, args: &[&str], value: &str, code: i32) -> Assert {
        self.expect(
            self.vault
                .cmd()
                .args(args)
                .write_stdin(format!("{value}\n")),
            code,
        )
    }

    /// `agentcred ARGS --json` as the admin, expecting success; stdout parsed.
    #[track_caller]
    fn admin_json(&self, args: &[&str]) -> Value {
        let assert = self.admin(&[args, &["--json"]].concat(), 0);
        serde_json::from_slice(&assert.get_output().stdout).expect("--json prints JSON")
    }

    /// `agentcred ARGS` as the holder of `key` (`AGENTCRED_KEY_FILE`, nothing else).
    fn holder(&self, key: &Key, args: &[&str]) -> Command {
        let mut cmd = self.vault.with_key_file(&key.file);
        cmd.args(args).write_stdin("");
        cmd
    }

    /// `agentcred ARGS` as admin, or as the holder of `key` when there is one.
    fn as_agent(&self, key: Option<&Key>, args: &[&str]) -> Command {
        match key {
            Some(k) => self.holder(k, args),
            None => self.cmd(args),
        }
    }

    /// `agentcred ARGS` with no unlock input at all (a verifier).
    fn verifier(&self, args: &[&str]) -> Command {
        let mut cmd = Command::from_std(self.vault.command_without_unlock());
        cmd.args(args).write_stdin("");
        cmd
    }

    /// `key issue AGENT --out FILE`; the key's secret part is remembered.
    fn key(&self, agent: &str) -> Key {
        let file = self.vault.issue_key(agent, &[]);
        self.key_at(file)
    }

    /// The key written to `file` by `key issue|rotate --out`.
    fn key_at(&self, file: PathBuf) -> Key {
        let text = std::fs::read_to_string(&file).expect("read the key file");
        let parts: Vec<&str> = text.trim().split(':').collect();
        assert_eq!(
            parts.len(),
            4,
            "agentcred-key-v1:AGENT:ID:SECRET, got {text}"
        );
        self.forbid(parts[3]);
        Key {
            id: parts[2].to_string(),
            file,
        }
    }

    /// A mint (`--format json` is added) that must succeed: stdout may carry the value of `db` it
    /// injects and its own token, nothing else secret; stderr nothing secret at all.
    #[track_caller]
    fn mint(&self, mut cmd: Command) -> Minted {
        let assert = cmd
            .args(["--format", "json"])
            .timeout(HANG)
            .assert()
            .code(0);
        let json: Value = serde_json::from_slice(&assert.get_output().stdout)
            .unwrap_or_else(|e| panic!("mint printed invalid JSON ({e}):\n{}", stdout(&assert)));
        let carried: Vec<String> = json["env"]
            .as_object()
            .expect("env is an object")
            .values()
            .map(|v| v.as_str().expect("values are strings").to_string())
            .collect();
        let value = json["env"][DB_VAR].as_str().unwrap_or_default().to_string();
        let token = json["credential"]["token"]
            .as_str()
            .expect("credential.token is a string")
            .to_string();
        let version = json["credential"]["secrets"]
            .as_array()
            .expect("credential.secrets is a list")
            .iter()
            .find(|s| s["name"] == DB)
            .and_then(|s| s["version"].as_u64())
            .unwrap_or_default();
        let carried: Vec<&str> = carried.iter().map(String::as_str).collect();
        self.check(&assert, &carried);
        assert_no_leak(&assert.get_output().stderr, &token);
        self.forbid(&token);
        Minted {
            json,
            value,
            version,
            token,
        }
    }

    /// `mint --agent alpha` (as admin, or with `key`).
    #[track_caller]
    fn mint_db(&self, key: Option<&Key>, extra: &[&str]) -> Minted {
        self.mint(self.as_agent(key, &[&["mint", "--agent", ALPHA], extra].concat()))
    }

    /// `mint --agent alpha --format token` as admin: the token alone on stdout.
    #[track_caller]
    fn mint_token(&self) -> String {
        let assert = self
            .cmd(&["mint", "--agent", ALPHA, "--format", "token"])
            .timeout(HANG)
            .assert()
            .code(0);
        self.check(&assert, &[]);
        let token = stdout(&assert).trim().to_string();
        assert!(token.len() > 96, "a token on stdout, got {token:?}");
        assert_no_leak(&assert.get_output().stderr, &token);
        self.forbid(&token);
        token
    }

    /// `secret show db --json`'s `secret` object (this sweeps ended windows).
    #[track_caller]
    fn show(&self) -> Value {
        self.admin_json(&["secret", "show", DB])["secret"].clone()
    }

    /// The vault's admin identity in a file, for stock `age -d -i`.
    fn identity(&self) -> PathBuf {
        let assert = self.cmd(&["identity", "export"]).assert().code(0);
        // Its stdout is the identity itself; nothing else secret may be anywhere.
        let out = assert.get_output();
        for secret in self.secrets.borrow().iter() {
            assert_no_leak(&out.stderr, secret);
            if !secret.starts_with("AGE-SECRET-KEY-1") {
                assert_no_leak(&out.stdout, secret);
            }
        }
        let path = self.vault.root().join("admin-identity.txt");
        util::write_private(&path, &out.stdout);
        path
    }

    fn audit(&self) -> Vec<Value> {
        self.vault.audit_lines()
    }
}

/// `(version, stage)` of every version in a `secret show --json` object, in order.
fn stages(secret: &Value) -> Vec<(u64, String)> {
    secret["versions"]
        .as_array()
        .expect("versions is a list")
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().expect("version is a number"),
                v["stage"].as_str().expect("stage is a string").to_string(),
            )
        })
        .collect()
}

fn stage_list(pairs: &[(u64, &str)]) -> Vec<(u64, String)> {
    pairs.iter().map(|(v, s)| (*v, s.to_string())).collect()
}

/// The version object numbered `n` in a `secret show --json` object.
fn version(secret: &Value, n: u64) -> &Value {
    secret["versions"]
        .as_array()
        .expect("versions is a list")
        .iter()
        .find(|v| v["version"] == n)
        .unwrap_or_else(|| panic!("no version {n} in {secret}"))
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("expected an RFC 3339 time, got {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("{v} is not RFC 3339: {e}"))
}

/// Lets time pass until `margin` after `t`, for every command `fx` runs from here on.
fn sleep_past(fx: &Fixture, t: DateTime<Utc>, margin: Duration) {
    fx.vault
        .advance_to(t + chrono::Duration::from_std(margin).expect("a small margin"));
}

/// `age -d -i IDENTITY FILE` with the stock age CLI: what any admin can always recover.
#[track_caller]
fn age_decrypt(identity: &Path, file: &Path) -> Vec<u8> {
    let out = StdCommand::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .expect("run the stock `age` CLI");
    assert!(
        out.status.success(),
        "age -d {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The first line of a decrypted `vault.age` or envelope: its JSON payload.
fn payload(plain: &[u8]) -> Value {
    let line = plain.split(|b| *b == b'\n').next().unwrap_or_default();
    serde_json::from_slice(line).expect("the decrypted file starts with a JSON line")
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The audit entries with `action`.
fn entries<'a>(audit: &'a [Value], action: &str) -> Vec<&'a Value> {
    audit.iter().filter(|e| e["action"] == action).collect()
}

/// Waits until `path` holds at least one complete line; fails early if `child` exits first.
fn wait_for_line(path: &Path, child: &mut std::process::Child, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if std::fs::read(path).is_ok_and(|b| b.ends_with(b"\n")) {
            return;
        }
        if let Some(status) = child.try_wait().expect("poll the exec run") {
            panic!(
                "exec ended ({status}) before {} was written",
                path.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} was not written within {limit:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `child` to end (killing it and failing after `limit`).
fn wait_limit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("poll a child") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a child was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A deterministic pseudo-random sequence (Knuth's MMIX LCG): the same kills on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

// --- Acceptance 1: running programs keep their value, new ones get the new one -----------------

/// `exec` starts a program holding OLD; `secret rotate --overlap 5s` to NEW; a new `exec` gets NEW
/// while the running program still sees OLD to its end; `mint --version previous` serves OLD during
/// the window and is refused after it. As the admin, or as the holder of an agent key.
fn running_program_keeps_the_old_value(with_key: bool) {
    let fx = Fixture::new();
    let key = with_key.then(|| fx.key(ALPHA));
    let root = fx.vault.root().to_path_buf();

    // The long-running program: writes $DB, sleeps 3 s, writes $DB again.
    let mut bg = match &key {
        Some(k) => {
            let mut c = fx.vault.command_without_unlock();
            c.env("AGENTCRED_KEY_FILE", &k.file);
            c
        }
        None => fx.vault.command(),
    };
    let (bg_out, bg_err) = (root.join("exec.out"), root.join("exec.err"));
    bg.args([
        "exec",
        "--agent",
        ALPHA,
        "--",
        "sh",
        "-c",
        r#"echo "$DB" > before.txt; sleep 3; echo "$DB" > before-late.txt"#,
    ])
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&bg_out).expect("create exec.out"))
    .stderr(std::fs::File::create(&bg_err).expect("create exec.err"));
    let mut child = bg.spawn().expect("start exec");
    wait_for_line(&root.join("before.txt"), &mut child, HANG);

    let new = fx.value();
    let rotated = fx.admin_stdin(
        &["secret", "rotate", DB, "--stdin", "--overlap", "5s"],
        &new,
        0,
    );
    assert!(rotated.get_output().stdout.is_empty());
    assert!(
        stderr(&rotated).contains(
            "version 2 of db is CURRENT (1 agent updated); the previous version is served until "
        ),
        "{}",
        stderr(&rotated)
    );
    let shown = fx.show();
    assert_eq!(
        stages(&shown),
        stage_list(&[(1, "PREVIOUS"), (2, "CURRENT")])
    );
    let window_end = time(&version(&shown, 1)["retire_at"]);
    assert!(
        stderr(&rotated).contains(version(&shown, 1)["retire_at"].as_str().unwrap()),
        "the rotation names the end of the window"
    );

    // A program started now gets NEW.
    let fresh = fx
        .as_agent(
            key.as_ref(),
            &["exec", "--agent", ALPHA, "--", "sh", "-c", r#"echo "$DB""#],
        )
        .timeout(HANG)
        .assert()
        .code(0);
    fx.check(&fresh, &[new.as_str()]);
    assert_eq!(stdout(&fresh), format!("{new}\n"));

    // During the window both are served: CURRENT by default, PREVIOUS on request.
    let previous = fx.mint_db(key.as_ref(), &["--version", "previous"]);
    assert_eq!(previous.value, fx.old);
    assert_eq!(previous.version, 1);
    assert_eq!(
        previous.json["credential"]["limited_by"], "previous version retires",
        "a credential on PREVIOUS never outlives the window"
    );
    assert!(time(&previous.json["credential"]["expires_at"]) <= window_end);
    let current = fx.mint_db(key.as_ref(), &[]);
    assert_eq!((current.value.as_str(), current.version), (new.as_str(), 2));

    // The running program saw OLD before and after the rotation, and ended normally.
    let status = wait_limit(&mut child, HANG);
    assert_eq!(status.code(), Some(0), "the running program's exit status");
    let read = |name: &str| std::fs::read_to_string(root.join(name)).expect("read the file");
    assert_eq!(read("before.txt"), format!("{}\n", fx.old));
    assert_eq!(read("before-late.txt"), format!("{}\n", fx.old));
    let (out, err) = (
        std::fs::read(&bg_out).unwrap(),
        std::fs::read(&bg_err).unwrap(),
    );
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    for secret in fx.secrets.borrow().iter() {
        assert_no_leak(&err, secret);
    }

    // After the window: PREVIOUS is refused, CURRENT still served.
    sleep_past(&fx, window_end, Duration::from_millis(200));
    fx.refused(
        &mut fx.as_agent(
            key.as_ref(),
            &["mint", "--agent", ALPHA, "--version", "previous"],
        ),
        3,
        "secret db has no previous version in an overlap window",
    );
    let current = fx.mint_db(key.as_ref(), &[]);
    assert_eq!((current.value.as_str(), current.version), (new.as_str(), 2));
}

#[test]
fn rotate_serves_new_value_to_new_programs_while_a_running_one_keeps_the_old() {
    running_program_keeps_the_old_value(false);
}

#[test]
fn rotate_serves_new_value_to_new_programs_while_a_running_one_keeps_the_old_with_agent_key() {
    running_program_keeps_the_old_value(true);
}

// --- Acceptance 2: after the window the old value is gone from every file ----------------------

#[test]
fn retired_value_is_destroyed_in_every_file_raw_and_decrypted() {
    let fx = Fixture::new();
    // A second agent with a secret of its own: its envelope must never hold db's values.
    let bravo_value = fx.value();
    fx.admin(&["agent", "add", BRAVO], 0);
    fx.admin_stdin(&["secret", "set", "bravo_db", "--stdin"], &bravo_value, 0);
    fx.admin(&["grant", BRAVO, "bravo_db"], 0);
    let _key = fx.key(ALPHA);
    // Bravo holds a key too, so it has an envelope (an agent with no key has none).
    let _bravo_key = fx.key(BRAVO);
    // A credential on version 1 that would outlive the window.
    let on_v1 = fx.mint_db(None, &[]);
    assert_eq!(on_v1.version, 1);

    let new = fx.value();
    fx.admin_stdin(
        &["secret", "rotate", DB, "--stdin", "--overlap", "2s"],
        &new,
        0,
    );
    let during = fx.show();
    let retire_at = version(&during, 1)["retire_at"].clone();
    assert_eq!(fx.mint_db(None, &["--version", "previous"]).value, fx.old);

    sleep_past(&fx, time(&retire_at), Duration::from_millis(200));
    // One command that touches the vault closes the window.
    let shown = fx.show();
    assert_eq!(
        stages(&shown),
        stage_list(&[(1, "RETIRED"), (2, "CURRENT")])
    );
    assert_eq!(shown["version"], 2);
    assert_eq!(
        version(&shown, 1)["retire_at"],
        retire_at,
        "RETIRED keeps the time it retired"
    );
    assert!(version(&shown, 2).get("retire_at").is_none());

    // Raw bytes: neither value in any file (both only ever stored encrypted).
    let files = fx.vault.files();
    assert!(files.iter().any(|f| f.ends_with("agents/alpha.age")));
    for file in &files {
        let bytes = std::fs::read(file).expect("read a vault file");
        assert_no_leak(&bytes, &fx.old);
        assert_no_leak(&bytes, &new);
    }

    // Decrypted with stock age and the exported identity: OLD nowhere, NEW where it is served.
    let identity = fx.identity();
    let state = age_decrypt(&identity, &fx.vault.path("vault.age"));
    assert_no_leak(&state, &fx.old);
    assert!(contains(&state, &new), "the state holds the CURRENT value");
    let versions = payload(&state)["secrets"][DB]["versions"].clone();
    assert_eq!(versions[0]["stage"], "RETIRED");
    assert!(
        versions[0].get("value").is_none(),
        "a retired version has no value: {versions}"
    );
    let mut envelopes = 0;
    for file in files.iter().filter(|f| {
        f.parent().is_some_and(|p| p.ends_with("agents"))
            && f.extension().is_some_and(|e| e == "age")
    }) {
        envelopes += 1;
        let plain = age_decrypt(&identity, file);
        assert_no_leak(&plain, &fx.old);
        let is_alpha = file.ends_with("agents/alpha.age");
        assert_eq!(
            contains(&plain, &new),
            is_alpha,
            "{}: NEW is in alpha's envelope only",
            file.display()
        );
    }
    assert_eq!(envelopes, 2, "alpha.age and bravo.age");

    // The credential on version 1 was revoked when the window closed, and the log says so.
    fx.refused(&mut fx.verifier(&["verify", &on_v1.token]), 3, "revoked");
    let audit = fx.audit();
    let retire = entries(&audit, "secret.retire");
    assert_eq!(retire.len(), 1, "one secret.retire entry");
    assert_eq!(retire[0]["secrets"], serde_json::json!([DB]));
    assert_eq!(retire[0]["details"]["version"], 1);
    assert_eq!(retire[0]["details"]["credentials_revoked"], 1);
    let text = fx.vault.audit_text();
    assert_no_leak(text.as_bytes(), &fx.old);
    assert_no_leak(text.as_bytes(), &new);
}

// --- Acceptance 3: --stage, --finish, --cancel -------------------------------------------------

#[test]
fn staged_version_is_not_served_until_finished_and_one_rotation_runs_at_a_time() {
    let fx = Fixture::new();
    let staged = fx.value();
    let stage = fx.admin_stdin(&["secret", "rotate", DB, "--stage", "--stdin"], &staged, 0);
    assert!(
        stderr(&stage).contains(
            "staged version 2 of db (PENDING, not served); promote it with `agentcred secret rotate db --finish`"
        ),
        "{}",
        stderr(&stage)
    );

    // Not served: mint still gives CURRENT, there is no PREVIOUS, the envelope lacks the value.
    let minted = fx.mint_db(None, &[]);
    assert_eq!(
        (minted.value.as_str(), minted.version),
        (fx.old.as_str(), 1)
    );
    fx.refused(
        &mut fx.cmd(&["mint", "--agent", ALPHA, "--version", "previous"]),
        3,
        "no previous version",
    );
    let shown = fx.show();
    assert_eq!(
        stages(&shown),
        stage_list(&[(1, "CURRENT"), (2, "PENDING")])
    );
    assert_eq!(shown["version"], 1, "the served version is still 1");
    let human = fx.admin(&["secret", "show", DB], 0);
    assert!(
        stdout(&human)
            .lines()
            .any(|l| l.split_whitespace().take(2).eq(["2", "PENDING"])),
        "secret show lists the PENDING version:\n{}",
        stdout(&human)
    );
    let identity = fx.identity();
    let envelope = age_decrypt(&identity, &fx.vault.path("agents/alpha.age"));
    assert_no_leak(&envelope, &staged);
    assert!(contains(&envelope, &fx.old));

    // One rotation in flight: a second stage and a plain rotate are refused with 73, changing nothing.
    let before = fx.vault.snapshot_files();
    let second = fx.value();
    fx.refused(
        fx.vault
            .cmd()
            .args(["secret", "rotate", DB, "--stage", "--stdin"])
            .write_stdin(format!("{second}\n")),
        73,
        "secret db already has a staged version (2)",
    );
    assert!(
        before == fx.vault.snapshot_files(),
        "a refused --stage changed the vault"
    );
    fx.refused(
        fx.vault
            .cmd()
            .args(["secret", "rotate", DB, "--stdin"])
            .write_stdin(format!("{second}\n")),
        73,
        "secret db has a staged version (2): finish or cancel that rotation first",
    );
    fx.refused(
        &mut fx.cmd(&["secret", "rotate", DB, "--generate"]),
        73,
        "finish or cancel that rotation first",
    );
    assert!(
        before == fx.vault.snapshot_files(),
        "a refused rotate changed the vault"
    );

    // --finish --overlap 0s: the staged value is served, the old version retired at once.
    let finish = fx.admin(&["secret", "rotate", DB, "--finish", "--overlap", "0s"], 0);
    assert!(
        stderr(&finish).contains(
            "version 2 of db is CURRENT (1 agent updated); the previous version was destroyed"
        ),
        "{}",
        stderr(&finish)
    );
    let minted = fx.mint_db(None, &[]);
    assert_eq!(
        (minted.value.as_str(), minted.version),
        (staged.as_str(), 2)
    );
    assert_eq!(
        stages(&fx.show()),
        stage_list(&[(1, "RETIRED"), (2, "CURRENT")])
    );
    fx.refused(
        &mut fx.cmd(&["mint", "--agent", ALPHA, "--version", "previous"]),
        3,
        "no previous version",
    );

    // --cancel drops a fresh stage: RETIRED, its value gone, CURRENT untouched.
    let dropped = fx.value();
    fx.admin_stdin(&["secret", "rotate", DB, "--stage", "--stdin"], &dropped, 0);
    let cancel = fx.admin(&["secret", "rotate", DB, "--cancel"], 0);
    assert!(
        stderr(&cancel).contains("dropped staged version 3 of db"),
        "{}",
        stderr(&cancel)
    );
    let shown = fx.show();
    assert_eq!(
        stages(&shown),
        stage_list(&[(1, "RETIRED"), (2, "CURRENT"), (3, "RETIRED")])
    );
    assert_eq!(fx.mint_db(None, &[]).value, staged);
    let state = age_decrypt(&identity, &fx.vault.path("vault.age"));
    assert_no_leak(&state, &dropped);
    assert_no_leak(&state, &fx.old);
    assert!(contains(&state, &staged));

    // Nothing staged: --finish and --cancel exit 66 and change nothing.
    let before = fx.vault.snapshot_files();
    fx.refused(
        &mut fx.cmd(&["secret", "rotate", DB, "--finish"]),
        66,
        "secret db has no staged version",
    );
    fx.refused(
        &mut fx.cmd(&["secret", "rotate", DB, "--cancel"]),
        66,
        "secret db has no staged version",
    );
    assert!(
        before == fx.vault.snapshot_files(),
        "a refused --finish changed the vault"
    );

    // --finish takes no new value (usage, 2).
    let usage = fx.expect(
        &mut fx.cmd(&["secret", "rotate", DB, "--finish", "--generate"]),
        2,
    );
    assert!(
        stderr(&usage).contains("cannot be used with"),
        "{}",
        stderr(&usage)
    );
    fx.refused(
        &mut fx.cmd(&["secret", "rotate", "nope", "--generate"]),
        66,
        "no secret named 'nope'",
    );
}

// --- Acceptance 4: agent keys ------------------------------------------------------------------

#[test]
fn key_rotation_keeps_both_keys_working_during_the_overlap_then_refuses_the_old() {
    let fx = Fixture::new();
    let old = fx.key(ALPHA);
    let out = fx.vault.root().join("new.key");
    let out_s = out.to_str().expect("a UTF-8 path");
    let rotated = fx.admin(
        &["key", "rotate", ALPHA, "--overlap", "3s", "--out", out_s],
        0,
    );
    let new = fx.key_at(out.clone());
    assert_ne!(new.id, old.id);
    assert!(
        rotated.get_output().stdout.is_empty(),
        "the key went to the file only"
    );
    let text = stderr(&rotated);
    assert!(
        text.contains(&format!(
            "issued key {} for alpha, written to {out_s} (0600)",
            new.id
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} keeps working until ", old.id)),
        "{text}"
    );
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the new key file is 0600");

    let keys = fx.admin_json(&["key", "list", ALPHA])["keys"].clone();
    let find = |keys: &Value, id: &str| -> Value {
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap_or_else(|| panic!("key {id} in {keys}"))
            .clone()
    };
    assert_eq!(find(&keys, &old.id)["state"], "retiring");
    assert_eq!(find(&keys, &new.id)["state"], "active");
    let retire_at = find(&keys, &old.id)["retire_at"].clone();
    assert!(text.contains(retire_at.as_str().unwrap()), "{text}");

    // During the window both keys mint; the old key's credential ends with the window.
    let by_old = fx.mint_db(Some(&old), &[]);
    assert_eq!(by_old.value, fx.old);
    assert_eq!(by_old.json["credential"]["limited_by"], "key expiry");
    assert!(time(&by_old.json["credential"]["expires_at"]) <= time(&retire_at));
    assert_eq!(fx.mint_db(Some(&new), &[]).value, fx.old);

    // After it, before any admin command: the old key is refused as retired (3).
    sleep_past(&fx, time(&retire_at), Duration::from_millis(200));
    fx.refused(
        &mut fx.holder(&old, &["mint"]),
        3,
        &format!("key {} of agent alpha is retired", old.id),
    );
    assert_eq!(fx.mint_db(Some(&new), &[]).value, fx.old);
    let keys = fx.admin_json(&["key", "list", ALPHA])["keys"].clone();
    assert_eq!(find(&keys, &old.id)["state"], "retired");

    // A command that touches the vault closes the window: the old key is marked retired for
    // good and its agent's envelope no longer opens with it (77, as for a revoked key).
    fx.admin(&["status"], 0);
    let keys = fx.admin_json(&["key", "list", ALPHA])["keys"].clone();
    let old_rec = find(&keys, &old.id);
    assert_eq!(old_rec["state"], "retired");
    assert_eq!(
        old_rec["revoked_at"], retire_at,
        "retired at the window's end"
    );
    assert_eq!(find(&keys, &new.id)["state"], "active");
    fx.refused(
        &mut fx.holder(&old, &["mint"]),
        77,
        &format!("key {} cannot open agent alpha's envelope", old.id),
    );
    assert_eq!(fx.mint_db(Some(&new), &[]).value, fx.old);

    // An agent without an active key has nothing to rotate (66), and no key file is left.
    fx.admin(&["agent", "add", BRAVO], 0);
    let none = fx.vault.root().join("none.key");
    fx.refused(
        &mut fx.cmd(&["key", "rotate", BRAVO, "--out", none.to_str().unwrap()]),
        66,
        "agent bravo has no active key to rotate",
    );
    assert!(
        !none.exists(),
        "no key file is left behind by a refused rotation"
    );
}

// --- Acceptance 5: issuer keys -----------------------------------------------------------------

#[test]
fn issuer_rotation_verifies_old_tokens_during_the_overlap_only() {
    let fx = Fixture::new();
    let before = fx.mint_token();
    let config = |fx: &Fixture| -> toml::Value {
        toml::from_str(&std::fs::read_to_string(fx.vault.path("vault.toml")).unwrap())
            .expect("vault.toml is TOML")
    };
    let old_id = config(&fx)["issuer_keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let rotated = fx.admin(&["identity", "rotate-issuer", "--overlap", "3s"], 0);
    let toml = config(&fx);
    let keys = toml["issuer_keys"].as_array().expect("issuer_keys");
    assert_eq!(keys.len(), 2, "vault.toml lists both issuer keys:\n{toml}");
    assert_eq!(keys[0]["id"].as_str(), Some(old_id.as_str()));
    let retire_at = keys[0]
        .get("retire_at")
        .and_then(|r| r.as_str())
        .expect("the old issuer key has retire_at")
        .to_string();
    assert!(
        keys[1].get("retire_at").is_none(),
        "the new key does not retire"
    );
    let new_id = keys[1]["id"].as_str().unwrap().to_string();
    assert!(
        stderr(&rotated).contains(&format!(
            "issuer key {new_id} signs from now on; tokens of {old_id} verify until {retire_at}"
        )),
        "{}",
        stderr(&rotated)
    );

    // During the window: the old token verifies, and so does one signed by the new key.
    let ok = fx.expect(&mut fx.verifier(&["verify", &before]), 0);
    assert!(stderr(&ok).contains("valid: agent alpha credential cr_"));
    let after = fx.mint_token();
    fx.expect(&mut fx.verifier(&["verify", &after]), 0);

    // After it: the old token is refused (unknown issuer key, 65), before and after a sweep.
    sleep_past(
        &fx,
        time(&Value::String(retire_at.clone())),
        Duration::from_millis(200),
    );
    fx.refused(
        &mut fx.verifier(&["verify", &before]),
        65,
        "unknown issuer key",
    );
    fx.expect(&mut fx.verifier(&["verify", &after]), 0);
    fx.admin(&["status"], 0);
    fx.refused(
        &mut fx.verifier(&["verify", &before]),
        65,
        "unknown issuer key",
    );
    fx.expect(&mut fx.verifier(&["verify", &after]), 0);

    // The old key's public half stays listed; its secret half is gone from the state.
    let toml = config(&fx);
    assert_eq!(toml["issuer_keys"].as_array().unwrap().len(), 2);
    let identity = fx.identity();
    let state = payload(&age_decrypt(&identity, &fx.vault.path("vault.age")));
    let issuer = state["issuer_keys"].as_array().expect("issuer_keys");
    let secret_of = |id: &str| -> String {
        issuer.iter().find(|k| k["id"] == id).unwrap()["secret"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        secret_of(&old_id),
        "",
        "the retired issuer's secret half is dropped"
    );
    assert!(!secret_of(&new_id).is_empty());
}

// --- Acceptance 6: --cas -----------------------------------------------------------------------

#[test]
fn cas_refuses_a_set_against_a_stale_version() {
    let fx = Fixture::new();
    let second = fx.value();
    fx.admin_stdin(&["secret", "set", DB, "--stdin"], &second, 0);
    assert_eq!(fx.show()["version"], 2);

    let before = fx.vault.snapshot_files();
    let lost = fx.value();
    fx.refused(
        fx.vault
            .cmd()
            .args(["secret", "set", DB, "--stdin", "--cas", "1"])
            .write_stdin(format!("{lost}\n")),
        3,
        "secret 'db' is at version 2, not 1: someone else changed it",
    );
    fx.refused(
        fx.vault
            .cmd()
            .args(["secret", "set", DB, "--stdin", "--cas", "0"])
            .write_stdin(format!("{lost}\n")),
        3,
        "someone else changed it",
    );
    // A refused check-and-set changes nothing but the audit log, where it is a `deny`.
    let mut after = fx.vault.snapshot_files();
    let mut before = before;
    let log = fx.vault.path("audit.jsonl");
    before.remove(&log);
    after.remove(&log);
    assert!(before == after, "a refused --cas changed the vault");
    let denials = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "deny" && e["details"]["attempted"] == "secret.set")
        .count();
    assert_eq!(denials, 2, "each refused --cas is on the audit log");

    let third = fx.value();
    let set = fx.admin_stdin(&["secret", "set", DB, "--stdin", "--cas", "2"], &third, 0);
    assert!(stderr(&set).contains("stored version 3 of secret db"));
    assert_eq!(fx.mint_db(None, &[]).value, third);

    let fresh = fx.value();
    let set = fx.admin_stdin(
        &["secret", "set", "fresh", "--stdin", "--cas", "0"],
        &fresh,
        0,
    );
    assert!(stderr(&set).contains("stored secret fresh (version 1)"));
    fx.refused(
        fx.vault
            .cmd()
            .args(["secret", "set", "other", "--stdin", "--cas", "1"])
            .write_stdin(format!("{lost}\n")),
        3,
        "secret 'other' is at version 0, not 1",
    );
}

// --- Acceptance 7: crash safety ----------------------------------------------------------------

/// The vault after a killed run: it opens, `db` has exactly one CURRENT and at most one PREVIOUS
/// and PENDING each; with `full`, the log verifies and alpha can mint.
#[track_caller]
fn assert_consistent(fx: &Fixture, full: bool, what: &str) {
    fx.admin(&["status"], 0);
    let shown = fx.show();
    let count = |stage: &str| stages(&shown).iter().filter(|(_, s)| s == stage).count();
    assert_eq!(count("CURRENT"), 1, "{what}: {shown}");
    assert!(count("PREVIOUS") <= 1, "{what}: {shown}");
    assert!(count("PENDING") <= 1, "{what}: {shown}");
    if full {
        fx.admin(&["audit", "verify"], 0);
        assert_unbroken_chain(&fx.vault.audit_text());
        let minted = fx.mint_db(None, &[]);
        assert!(minted.version >= 1, "{what}");
    }
}

#[test]
fn killed_rotations_leave_one_current_and_a_usable_vault() {
    let fx = Fixture::new();
    let _key = fx.key(ALPHA);
    // Kills land anywhere from process start to a little past a whole uninterrupted run, so some
    // hit the commit itself: at least 0-40 ms, more where a run takes longer.
    let t = Instant::now();
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "1s"],
        0,
    );
    let span = (t.elapsed().as_millis() as u64 * 5 / 4).clamp(40, 400);
    let mut rng = Lcg(0x00c0_ffee_d00d_5eed);
    let (mut killed, mut finished) = (0, 0);
    for i in 0..100u32 {
        let mut cmd = fx.vault.command();
        let step = if i % 10 == 9 {
            let out = fx.vault.root().join(format!("key{i}"));
            cmd.args(["key", "rotate", ALPHA, "--overlap", "1s", "--out"])
                .arg(out);
            "key rotate"
        } else {
            match i % 3 {
                0 => {
                    cmd.args(["secret", "rotate", DB, "--generate", "--overlap", "1s"]);
                    "rotate"
                }
                1 => {
                    cmd.args(["secret", "rotate", DB, "--stage", "--generate"]);
                    "stage"
                }
                _ => {
                    cmd.args(["secret", "rotate", DB, "--finish", "--overlap", "1s"]);
                    "finish"
                }
            }
        };
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start agentcred");
        std::thread::sleep(Duration::from_millis(rng.below(span + 1)));
        let _ = child.kill();
        let out = child.wait_with_output().expect("wait for agentcred");
        let err = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            None => {
                assert_eq!(out.status.signal(), Some(9), "run {i} ({step})");
                killed += 1;
            }
            // It finished first: done (0), nothing staged (66), or a stage in flight (73).
            Some(code) => {
                assert!(
                    [0, 66, 73].contains(&code),
                    "run {i} ({step}) exited {code}: {err}"
                );
                finished += 1;
            }
        }
        assert!(!err.contains("panicked"), "run {i} ({step}): {err}");
        assert_no_leak(&out.stderr, PASSPHRASE);
        assert_consistent(&fx, i % 10 == 9, &format!("after run {i} ({step})"));
    }
    eprintln!("killed {killed} runs, {finished} finished first (kills within 0-{span} ms)");
    assert!(killed >= 25, "only {killed} of 100 runs were killed");
}

// --- rotate --due ------------------------------------------------------------------------------

#[test]
fn rotate_due_lists_stale_secrets_and_applies_what_agentcred_generated() {
    let fx = Fixture::new();
    fx.admin(
        &["secret", "set", "gen", "--generate", "--max-age", "1s"],
        0,
    );
    let manual = fx.value();
    fx.admin_stdin(
        &["secret", "set", "manual", "--stdin", "--max-age", "1s"],
        &manual,
        0,
    );
    fx.admin(&["grant", ALPHA, "gen"], 0);
    let _key = fx.key(ALPHA);
    let gen_value = |fx: &Fixture| -> (String, u64) {
        let minted = fx.mint(fx.cmd(&["mint", "--agent", ALPHA, "--secret", "gen"]));
        let value = minted.json["env"]["GEN"].as_str().unwrap().to_string();
        fx.forbid(&value);
        (
            value,
            minted.json["credential"]["secrets"][0]["version"]
                .as_u64()
                .unwrap(),
        )
    };
    let (gen1, v) = gen_value(&fx);
    assert_eq!(v, 1);
    fx.vault.advance(Duration::from_millis(1500));

    // Listing changes nothing.
    let before = fx.vault.snapshot_files();
    let due = fx.admin_json(&["rotate", "--due"]);
    assert!(
        before == fx.vault.snapshot_files(),
        "rotate --due changed the vault"
    );
    let item = |doc: &Value, name: &str| -> Value {
        doc["due"]
            .as_array()
            .expect("due is a list")
            .iter()
            .find(|d| d["details"]["secret"] == name)
            .unwrap_or_else(|| panic!("{name} is listed as due: {doc}"))
            .clone()
    };
    let generated = item(&due, "gen");
    assert_eq!(generated["kind"], "stale_secret");
    assert!(
        generated["next"].as_str().unwrap().contains("--apply"),
        "{generated}"
    );
    let man = item(&due, "manual");
    assert_eq!(man["kind"], "stale_secret");
    assert_eq!(man["next"], "agentcred secret rotate manual --stdin");
    let listed: Vec<&Value> = due["due"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 2, "only the two stale secrets are due: {due}");
    assert_eq!(due["rotated"], serde_json::json!({}));
    let human = fx.admin(&["rotate", "--due"], 0);
    assert!(
        stdout(&human).contains("stale_secret"),
        "{}",
        stdout(&human)
    );
    assert!(
        stderr(&human).contains("1 secret generated by agentcred can be rotated now with --apply"),
        "{}",
        stderr(&human)
    );

    // --apply rotates the generated one only.
    let applied = fx.admin_json(&["rotate", "--due", "--apply"]);
    assert_eq!(applied["rotated"], serde_json::json!({ "gen": 2 }));
    assert_eq!(item(&applied, "gen")["next"], "rotated to version 2");
    assert_eq!(
        item(&applied, "manual")["next"],
        "agentcred secret rotate manual --stdin"
    );
    let shown = fx.admin_json(&["secret", "show", "gen"])["secret"].clone();
    assert_eq!(shown["version"], 2);
    assert_eq!(
        stages(&shown),
        stage_list(&[(1, "PREVIOUS"), (2, "CURRENT")])
    );
    let shown = fx.admin_json(&["secret", "show", "manual"])["secret"].clone();
    assert_eq!(stages(&shown), stage_list(&[(1, "CURRENT")]));
    let (gen2, v) = gen_value(&fx);
    assert_eq!(v, 2);
    assert_ne!(gen1, gen2, "a new value was generated");
    let audit = fx.audit();
    let rotate = entries(&audit, "secret.rotate");
    assert_eq!(rotate.len(), 1, "{rotate:?}");
    assert_eq!(rotate[0]["secrets"], serde_json::json!(["gen"]));
    assert_eq!(rotate[0]["details"]["by"], "rotate --due");
    assert_eq!(rotate[0]["details"]["source"], "generate");
    let text = fx.vault.audit_text();
    for secret in fx.secrets.borrow().iter() {
        assert_no_leak(text.as_bytes(), secret);
    }
}

// --- Acceptance 9: the audit log ---------------------------------------------------------------

#[test]
fn every_rotation_step_is_audited_and_no_value_is_logged() {
    let fx = Fixture::new();
    let key = fx.key(ALPHA);
    let new = fx.value();
    fx.admin_stdin(
        &["secret", "rotate", DB, "--stdin", "--overlap", "2s"],
        &new,
        0,
    );
    let staged = fx.value();
    fx.admin_stdin(&["secret", "rotate", DB, "--stage", "--stdin"], &staged, 0);
    fx.admin(&["secret", "rotate", DB, "--finish", "--overlap", "2s"], 0);
    let dropped = fx.value();
    fx.admin_stdin(&["secret", "rotate", DB, "--stage", "--stdin"], &dropped, 0);
    fx.admin(&["secret", "rotate", DB, "--cancel"], 0);
    let out = fx.vault.root().join("rotated.key");
    fx.admin(
        &[
            "key",
            "rotate",
            ALPHA,
            "--overlap",
            "2s",
            "--out",
            out.to_str().unwrap(),
        ],
        0,
    );
    let new_key = fx.key_at(out);
    fx.admin(&["identity", "rotate-issuer", "--overlap", "2s"], 0);
    // Every window (secret, key, issuer) ends within 2 s of now.
    let end = Utc::now() + chrono::Duration::seconds(2);
    assert_eq!(fx.mint_db(Some(&new_key), &[]).value, staged);
    assert_eq!(
        fx.mint_db(Some(&key), &["--version", "previous"]).value,
        new
    );
    assert_eq!(
        stages(&fx.show()),
        stage_list(&[
            (1, "RETIRED"),
            (2, "PREVIOUS"),
            (3, "CURRENT"),
            (4, "RETIRED")
        ])
    );

    sleep_past(&fx, end, Duration::from_millis(300));
    fx.admin(&["status"], 0);
    fx.admin(&["audit", "verify"], 0);

    let audit = fx.audit();
    let steps: Vec<&str> = entries(&audit, "secret.rotate")
        .iter()
        .map(|e| e["details"]["step"].as_str().expect("a step"))
        .collect();
    assert_eq!(steps, ["rotate", "stage", "finish", "stage", "cancel"]);
    for e in entries(&audit, "secret.rotate") {
        assert_eq!(e["secrets"], serde_json::json!([DB]));
        assert_eq!(e["actor"], "admin");
        assert_eq!(e["result"], "ok");
    }
    let rotate = &entries(&audit, "secret.rotate")[0];
    assert_eq!(rotate["details"]["overlap"], "2s");
    assert_eq!(rotate["details"]["source"], "stdin");
    assert_eq!(rotate["details"]["version"], 2);
    // Version 1 left when --finish replaced PREVIOUS (destroyed then); version 2 at its window's end.
    let retired: Vec<u64> = entries(&audit, "secret.retire")
        .iter()
        .map(|e| e["details"]["version"].as_u64().unwrap())
        .collect();
    assert_eq!(
        retired,
        [2],
        "secret.retire for the version whose window ended"
    );
    let key_rotate = entries(&audit, "key.rotate");
    assert_eq!(key_rotate.len(), 1);
    assert_eq!(key_rotate[0]["agent"], ALPHA);
    assert_eq!(key_rotate[0]["details"]["key_id"], new_key.id);
    assert_eq!(
        key_rotate[0]["details"]["retiring"],
        serde_json::json!([key.id])
    );
    let key_retire = entries(&audit, "key.retire");
    assert_eq!(key_retire.len(), 1);
    assert_eq!(key_retire[0]["details"]["key_id"], key.id);
    assert_eq!(entries(&audit, "identity.rotate-issuer").len(), 1);
    assert_eq!(entries(&audit, "issuer.retire").len(), 1);

    let text = fx.vault.audit_text();
    assert_unbroken_chain(&text);
    for secret in fx.secrets.borrow().iter() {
        assert_no_leak(text.as_bytes(), secret);
    }
}

// --- regressions: rotation edge cases (DESIGN.md, "Secret rotation", "Agent key rotation") ---

/// `--overlap 0s` destroys the old version at once, so credentials minted on it stop at once: a
/// credential minted before a rotation works until its own expiry or the end of the window,
/// whichever comes first (they once stayed valid until their own expiry).
#[test]
fn zero_overlap_rotation_revokes_credentials_on_the_old_version() {
    let fx = Fixture::new();
    let token = fx.mint_token();
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "0s"],
        0,
    );
    fx.admin(&["status"], 0);
    fx.refused(&mut fx.verifier(&["verify", &token]), 3, "revoked");
}

/// A second rotation retires the PREVIOUS of the first one early; credentials on it must stop
/// then, or three versions are valid at once.
#[test]
fn second_rotation_revokes_credentials_on_the_version_it_retires() {
    let fx = Fixture::new();
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "1h"],
        0,
    );
    let on_v1 = fx.mint_db(None, &["--version", "previous"]);
    assert_eq!(on_v1.version, 1);
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "1h"],
        0,
    );
    assert_eq!(
        stages(&fx.show()),
        stage_list(&[(1, "RETIRED"), (2, "PREVIOUS"), (3, "CURRENT")])
    );
    fx.refused(&mut fx.verifier(&["verify", &on_v1.token]), 3, "revoked");
}

/// After the window, credentials minted before the rotation are refused at once, not only once
/// some admin command happens to run the sweep (as they once were).
#[test]
fn credentials_on_the_old_version_stop_verifying_when_the_window_ends() {
    let fx = Fixture::new();
    let token = fx.mint_token();
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "2s"],
        0,
    );
    let end = time(&version(&fx.show(), 1)["retire_at"]);
    sleep_past(&fx, end, Duration::from_millis(200));
    fx.refused(&mut fx.verifier(&["verify", &token]), 3, "revoked");
}

/// An agent whose only key expires inside the overlap still has an active key to rotate.
#[test]
fn key_rotate_accepts_an_old_key_that_expires_within_the_overlap() {
    let fx = Fixture::new();
    fx.vault.issue_key(ALPHA, &["--expires", "1h"]);
    let out = fx.vault.root().join("new.key");
    fx.admin(
        &[
            "key",
            "rotate",
            ALPHA,
            "--overlap",
            "2h",
            "--out",
            out.to_str().unwrap(),
        ],
        0,
    );
    assert!(out.exists());
}

/// A killed write must not leave staged files behind: they hold (encrypted) values that are later
/// retired, so "destroyed" would not hold for them.
#[test]
fn killed_writes_leave_no_staged_files_behind() {
    let fx = Fixture::new();
    let t = Instant::now();
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "0s"],
        0,
    );
    let span = (t.elapsed().as_millis() as u64 * 5 / 4).clamp(40, 400);
    let mut rng = Lcg(7);
    for _ in 0..30 {
        let mut child = fx
            .vault
            .command()
            .args(["secret", "rotate", DB, "--generate", "--overlap", "0s"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start agentcred");
        std::thread::sleep(Duration::from_millis(rng.below(span + 1)));
        let _ = child.kill();
        let _ = child.wait();
    }
    fx.admin(
        &["secret", "rotate", DB, "--generate", "--overlap", "0s"],
        0,
    );
    let left: Vec<PathBuf> = fx
        .vault
        .files()
        .into_iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
        })
        .collect();
    assert!(left.is_empty(), "staged files left behind: {left:?}");
}

/// A rotation killed after some envelopes were renamed into place but before `vault.age` was must
/// not leave agents served a version the state does not have (and will later reuse the number of
/// for another value). Many grantees widen that gap so random kills find it.
#[test]
fn killed_rotation_never_serves_a_version_the_state_does_not_have() {
    let fx = Fixture::new();
    let others: Vec<String> = (0..16).map(|i| format!("x{i:02}")).collect();
    let mut add = vec!["agent", "add"];
    add.extend(others.iter().map(String::as_str));
    fx.admin(&add, 0);
    for a in &others {
        fx.admin(&["grant", a, DB], 0);
    }
    // Kills aimed at the end of a run, where the files are renamed into place.
    let mut runs: Vec<u64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            fx.admin(
                &["secret", "rotate", DB, "--generate", "--overlap", "0s"],
                0,
            );
            t.elapsed().as_millis() as u64
        })
        .collect();
    runs.sort_unstable();
    let run = runs[1];
    let mut rng = Lcg(11);
    for i in 0..80 {
        let mut child = fx
            .vault
            .command()
            .args(["secret", "rotate", DB, "--generate", "--overlap", "0s"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start agentcred");
        std::thread::sleep(Duration::from_millis(run * 6 / 10 + rng.below(run / 2 + 1)));
        let _ = child.kill();
        let _ = child.wait();
        let current = fx.show()["version"].as_u64().unwrap();
        let served = fx.mint_db(None, &[]).version;
        assert_eq!(
            served, current,
            "after kill {i}: alpha is served version {served}, the state's CURRENT is {current}"
        );
    }
}

/// `--secret-version previous` without `--secret`, for an agent holding two secrets of which
/// only one is in a rotation's overlap window: that one's previous version and the other's
/// current one. Named with `--secret`, a secret without a previous version is refused; with no
/// secret in a window, the refusal names them all.
#[test]
fn previous_without_secret_serves_previous_where_there_is_one_and_current_elsewhere() {
    let fx = Fixture::new();
    let api = fx.value();
    fx.admin_stdin(&["secret", "set", "api", "--stdin"], &api, 0);
    fx.admin(&["grant", ALPHA, "api"], 0);
    fx.refused(
        &mut fx.cmd(&["mint", "--agent", ALPHA, "--secret-version", "previous"]),
        3,
        "none of agent alpha's secrets (api, db) has a previous version in an overlap window",
    );

    let new = fx.value();
    fx.admin_stdin(
        &["secret", "rotate", DB, "--stdin", "--overlap", "1h"],
        &new,
        0,
    );
    let minted = fx.mint_db(None, &["--secret-version", "previous"]);
    assert_eq!(
        (minted.value.as_str(), minted.version),
        (fx.old.as_str(), 1)
    );
    assert_eq!(minted.json["env"]["API"], api.as_str(), "{}", minted.json);
    fx.refused(
        &mut fx.cmd(&[
            "mint",
            "--agent",
            ALPHA,
            "--secret",
            "api",
            "--secret-version",
            "previous",
        ]),
        3,
        "secret api has no previous version in an overlap window",
    );
    let current = fx.mint_db(None, &[]);
    assert_eq!((current.value.as_str(), current.version), (new.as_str(), 2));
}
