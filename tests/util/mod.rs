//! A throwaway vault for end-to-end tests of the `agentcred` binary.
//!
//! Every test gets its own temporary directory holding a passphrase file (0600) and a vault
//! subdirectory, and runs the real binary with an environment scrubbed of anything that could leak
//! in from the developer's shell (`AGENTCRED_*`, colour). The KDF is made cheap so a whole test
//! file runs in seconds; nothing else differs from what a user runs.

// Each test binary that includes this module uses a different subset of it.
#![allow(dead_code)]

pub mod upstream;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::assert::Assert;

pub const PASSPHRASE: &str = "correct horse battery staple";

/// Every `AGENTCRED_*` variable that changes where or how a run unlocks or waits: removed first.
const UNLOCK_ENV: &[&str] = &[
    "AGENTCRED_HOME",
    "AGENTCRED_PASSPHRASE",
    "AGENTCRED_PASSPHRASE_FILE",
    "AGENTCRED_IDENTITY",
    "AGENTCRED_KEY",
    "AGENTCRED_KEY_FILE",
    "AGENTCRED_LOCK_TIMEOUT",
    "AGENTCRED_SESSION",
    "AGENTCRED_VAULT_ID",
    "AGENTCRED_ISSUER_KEY",
    "AGENTCRED_TEST_CLOCK_SKEW_MS",
];

/// The Argon2id flags that make `init` cheap (tests only: far below the RFC 9106 default).
pub const CHEAP_KDF: &[&str] = &[
    "--kdf-memory-kib",
    "1024",
    "--kdf-iterations",
    "1",
    "--kdf-parallelism",
    "1",
];

/// Writes a file outside the vault, mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The binary under test: this build's, or the one `AGENTCRED_TEST_BIN` names (CI points it at the
/// static release binary `cargo release-static` builds, to run the same tests against what is shipped).
pub fn bin() -> &'static Path {
    static BIN: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("AGENTCRED_TEST_BIN") {
        Some(path) if !path.is_empty() => path.into(),
        _ => assert_cmd::cargo::cargo_bin!("agentcred").to_path_buf(),
    })
}

pub struct TestVault {
    root: tempfile::TempDir,
    /// How far the binary's clock runs ahead of the wall clock, in milliseconds (see
    /// [`TestVault::advance_to`]).
    skew_ms: std::sync::atomic::AtomicI64,
}

/// Whether the binary under test is a debug build, whose clock the tests may move forward
/// (`AGENTCRED_TEST_CLOCK_SKEW_MS`): this build's is; one named by `AGENTCRED_TEST_BIN` (the
/// release binary) is not assumed to be.
pub fn clock_can_skew() -> bool {
    cfg!(debug_assertions) && std::env::var_os("AGENTCRED_TEST_BIN").is_none_or(|p| p.is_empty())
}

impl TestVault {
    /// A temporary directory with a passphrase file and no vault yet.
    pub fn empty() -> TestVault {
        let root = tempfile::tempdir().expect("create a temporary directory");
        let vault = TestVault {
            root,
            skew_ms: std::sync::atomic::AtomicI64::new(0),
        };
        write_private(&vault.passphrase_file(), PASSPHRASE.as_bytes());
        vault
    }

    /// A fresh vault, created by `agentcred init` with a cheap KDF.
    pub fn new() -> TestVault {
        let vault = TestVault::empty();
        vault.run(&[&["init"], CHEAP_KDF].concat()).success();
        vault
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The vault directory (`AGENTCRED_HOME`).
    pub fn dir(&self) -> PathBuf {
        self.root().join("vault")
    }

    /// A file inside the vault directory, e.g. `vault.path("vault.age")`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    pub fn passphrase_file(&self) -> PathBuf {
        self.root().join("passphrase")
    }

    /// Writes a file outside the vault, mode 0600.
    pub fn write_private(&self, path: &Path, bytes: &[u8]) {
        std::fs::write(path, bytes).expect("write file");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    }

    /// The time now as the binary sees it: the wall clock, moved on by [`TestVault::advance_to`].
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let skew = self.skew_ms.load(std::sync::atomic::Ordering::SeqCst);
        chrono::Utc::now() + chrono::Duration::milliseconds(skew)
    }

    /// Lets time pass until `t` for every command run from here on: the binary's clock is moved
    /// forward (never back), or, for a binary that cannot move it, the test sleeps until then.
    pub fn advance_to(&self, t: chrono::DateTime<chrono::Utc>) {
        let left = t - self.now();
        if left <= chrono::Duration::zero() {
            return;
        }
        if clock_can_skew() {
            self.skew_ms.fetch_add(
                left.num_milliseconds() + 1,
                std::sync::atomic::Ordering::SeqCst,
            );
        } else {
            std::thread::sleep(left.to_std().expect("positive"));
        }
    }

    /// [`TestVault::advance_to`] `d` from now.
    pub fn advance(&self, d: std::time::Duration) {
        self.advance_to(self.now() + chrono::Duration::from_std(d).expect("a short time"));
    }

    /// `agentcred` with this vault and passphrase and nothing from the caller's environment.
    /// It runs in a process group of its own, so it is never in the foreground of a terminal the
    /// test run inherited from a developer's shell: with no unlock input it fails (77) as in CI,
    /// instead of prompting on that terminal and waiting.
    pub fn command(&self) -> std::process::Command {
        use std::os::unix::process::CommandExt;
        let mut cmd = std::process::Command::new(bin());
        cmd.process_group(0);
        for var in UNLOCK_ENV {
            cmd.env_remove(var);
        }
        let skew = self.skew_ms.load(std::sync::atomic::Ordering::SeqCst);
        if skew > 0 {
            cmd.env("AGENTCRED_TEST_CLOCK_SKEW_MS", skew.to_string());
        }
        cmd.env("AGENTCRED_HOME", self.dir())
            .env("AGENTCRED_PASSPHRASE_FILE", self.passphrase_file())
            .env("NO_COLOR", "1")
            .current_dir(self.root());
        cmd
    }

    /// The same, as an `assert_cmd` command (for `write_stdin` and `assert`).
    pub fn cmd(&self) -> Command {
        Command::from_std(self.command())
    }

    /// Runs `agentcred ARGS` with empty stdin.
    pub fn run(&self, args: &[&str]) -> Assert {
        self.cmd().args(args).assert()
    }

    /// Runs `agentcred ARGS` with `stdin` on standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Assert {
        self.cmd().args(args).write_stdin(stdin).assert()
    }

    /// Runs `agentcred ARGS`, expects success, and returns stdout parsed as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args).success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap_or_else(|e| {
            panic!(
                "agentcred {args:?} printed invalid JSON ({e}):\n{}",
                String::from_utf8_lossy(&out)
            )
        })
    }

    /// Stores a secret the way a user would: its value on stdin.
    pub fn set_secret(&self, name: &str, value: &str) -> Assert {
        self.run_stdin(&["secret", "set", name, "--stdin"], &format!("{value}\n"))
    }

    /// Writes the admin identity printed by `identity export` to a file for stock `age -d -i`.
    pub fn export_identity(&self) -> PathBuf {
        let out = self
            .run(&["identity", "export"])
            .success()
            .get_output()
            .stdout
            .clone();
        let path = self.root().join("admin-identity.txt");
        write_private(&path, &out);
        path
    }

    /// Every file under the vault directory (recursively), sorted.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read vault directory") {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.dir(), &mut files);
        files.sort();
        files
    }

    /// The bytes of every vault file except `lock` (which readers may create): equal snapshots
    /// mean a command changed nothing.
    pub fn snapshot_files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        self.files()
            .into_iter()
            .filter(|p| p.file_name().is_none_or(|n| n != "lock"))
            .map(|p| {
                let bytes = std::fs::read(&p).expect("read vault file");
                (p, bytes)
            })
            .collect()
    }

    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.path("audit.jsonl")).expect("read audit.jsonl")
    }

    /// `audit.jsonl`, one parsed object per line.
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        self.audit_text()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    /// `agentcred` with this vault and no unlock input at all: the caller adds one (an agent key).
    pub fn command_without_unlock(&self) -> std::process::Command {
        let mut cmd = self.command();
        cmd.env_remove("AGENTCRED_PASSPHRASE_FILE");
        cmd
    }

    /// `agentcred` as the holder of the agent key in `key_file` (`AGENTCRED_KEY_FILE`), and nothing
    /// else: no passphrase, no identity.
    pub fn with_key_file(&self, key_file: &Path) -> Command {
        let mut cmd = self.command_without_unlock();
        cmd.env("AGENTCRED_KEY_FILE", key_file);
        Command::from_std(cmd)
    }

    /// `agentcred` as the holder of the agent key `key` itself (`AGENTCRED_KEY`), and nothing else.
    pub fn with_key_text(&self, key: &str) -> Command {
        let mut cmd = self.command_without_unlock();
        cmd.env("AGENTCRED_KEY", key);
        Command::from_std(cmd)
    }

    /// `key issue AGENT --out FILE [EXTRA]...` into a new file outside the vault; returns the file.
    pub fn issue_key(&self, agent: &str, extra: &[&str]) -> PathBuf {
        let mut suffix = [0u8; 4];
        getrandom::fill(&mut suffix).expect("random bytes");
        let path = self.root().join(format!("{agent}-{}.key", hex(&suffix)));
        let out = path.to_str().expect("a UTF-8 temporary path");
        self.run(&[&["key", "issue", agent, "--out", out], extra].concat())
            .code(0);
        path
    }

    pub fn chmod(&self, name: &str, mode: u32) {
        std::fs::set_permissions(self.path(name), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }
}

/// Fails if `secret` occurs anywhere in `haystack` (as bytes: binary files are scanned too).
#[track_caller]
pub fn assert_no_leak(haystack: &[u8], secret: &str) {
    assert!(
        !secret.is_empty(),
        "assert_no_leak needs a non-empty secret"
    );
    let found = haystack
        .windows(secret.len())
        .any(|w| w == secret.as_bytes());
    assert!(
        !found,
        "secret value leaked into:\n{}",
        String::from_utf8_lossy(haystack)
    );
}

/// Fails unless the command's stdout and stderr are both free of `secret`.
#[track_caller]
pub fn assert_output_no_leak(assert: &Assert, secret: &str) {
    let out = assert.get_output();
    assert_no_leak(&out.stdout, secret);
    assert_no_leak(&out.stderr, secret);
}

/// A distinctive, random secret value, e.g. `sk-test-3f9a…`.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random bytes");
    format!("sk-test-{}", hex(&bytes))
}

/// Fails unless the command's stdout and stderr are free of every one of `secrets`.
#[track_caller]
pub fn assert_output_no_leaks(assert: &Assert, secrets: &[String]) {
    for secret in secrets {
        assert_output_no_leak(assert, secret);
    }
}

pub fn stdout(assert: &Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

pub fn stderr(assert: &Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// What every error looks like (docs/DESIGN.md, "Output conventions"): one `error:` line, at most
/// one more (the hint), no panic.
#[track_caller]
pub fn assert_short_error(assert: &Assert) {
    let text = stderr(assert);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "expected a one- or two-line error, got {} lines:\n{text}",
        lines.len()
    );
    assert!(
        lines[0].starts_with("error: "),
        "expected stderr to start with `error: `, got:\n{text}"
    );
    assert!(!text.contains("panicked"), "agentcred panicked:\n{text}");
}

/// hex(SHA-256(0x00 || line-without-hash)), the audit entry hash (docs/DESIGN.md,
/// "The hash chain").
pub fn audit_entry_hash(line: &str) -> String {
    use sha2::{Digest, Sha256};
    let cut = line
        .rfind(",\"hash\":\"")
        .unwrap_or_else(|| panic!("audit line has no hash member: {line}"));
    let body = format!("{}}}", &line[..cut]);
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(body.as_bytes());
    hex(&h.finalize())
}

/// The first break in the audit chain, if any: `seq` must count up from 1, the first `prev` must be
/// the zero hash, every `prev` the previous line's `hash`, and every `hash` the hash of its own line.
pub fn chain_break(audit: &str) -> Option<String> {
    let mut prev = "0".repeat(64);
    for (i, line) in audit.lines().enumerate() {
        let n = i + 1;
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
            return Some(format!("line {n} is not JSON: {line}"));
        };
        if entry["seq"] != n as u64 {
            return Some(format!("line {n} has seq {}", entry["seq"]));
        }
        if entry["prev"] != prev.as_str() {
            return Some(format!("line {n}: prev is not the previous hash"));
        }
        let Some(hash) = entry["hash"].as_str() else {
            return Some(format!("line {n} has no hash"));
        };
        if hash != audit_entry_hash(line) {
            return Some(format!("line {n}: hash does not match its content"));
        }
        prev = hash.to_string();
    }
    if !audit.ends_with('\n') {
        return Some("the log ends in a torn line".to_string());
    }
    None
}

#[track_caller]
pub fn assert_unbroken_chain(audit: &str) {
    if let Some(why) = chain_break(audit) {
        panic!("audit chain broken: {why}\n{audit}");
    }
}

/// `agentcred ARGS` (a help or version request), expected to succeed, its stdout.
pub fn bin_help(args: &[&str]) -> String {
    let out = std::process::Command::new(bin())
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .expect("run agentcred");
    assert!(out.status.success(), "agentcred {args:?} failed: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// What a command did on a terminal: everything the terminal showed, and its exit status.
pub struct OnTerminal {
    pub shown: String,
    pub code: i32,
}

impl TestVault {
    /// Runs `sh -c SCRIPT` on a pseudo-terminal of its own (`tests/util/terminal.py`), where
    /// `agentcred` is this build's binary with this vault and no unlock input at all, and plays
    /// `steps`: wait for the text on the left to show, then type the text on the right (see the
    /// script for `@wait`).
    pub fn on_terminal(&self, script: &str, steps: &[(&str, &str)]) -> OnTerminal {
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/util/terminal.py"));
        let script = format!(
            "bin='{}'; agentcred() {{ \"$bin\" \"$@\"; }}; {script}",
            bin().display()
        );
        cmd.arg(script);
        for (expect, reply) in steps {
            cmd.args([expect, reply]);
        }
        let inner = self.command();
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.env_remove("AGENTCRED_PASSPHRASE_FILE")
            .current_dir(self.root());
        let out = cmd.output().expect("python3 runs");
        assert!(
            out.status.success(),
            "terminal.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (shown, last) = text
            .trim_end()
            .rsplit_once('\n')
            .unwrap_or(("", text.trim_end()));
        let code = last
            .strip_prefix("[exit ")
            .and_then(|c| c.strip_suffix(']'))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no exit status in:\n{text}"));
        OnTerminal {
            shown: shown.to_string(),
            code,
        }
    }
}

/// The unprivileged user and group the attack tests run programs as (`setpriv`), when root.
pub const NOBODY: (u32, u32) = (65534, 65534);

/// The binary under test, copied where any user can run it: the build directory may sit below
/// one only its owner can enter (a checkout under /root), and the unprivileged runs need it.
pub fn shared_bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        // Copies left by earlier test processes that are gone go first.
        let tmp = std::env::temp_dir();
        for entry in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("agentcred-shared-bin-")
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = tmp.join(format!("agentcred-shared-bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the shared binary");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
        let shared = dir.join("agentcred");
        std::fs::copy(bin(), &shared).expect("copy the binary under test");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755))
            .expect("chmod 755");
        shared
    })
}

/// Runs `test` as the user running the tests and, when that is root, as an unprivileged uid.
pub fn as_each_user(test: impl Fn(Option<(u32, u32)>)) {
    test(None);
    if rustix::process::geteuid().is_root() {
        test(Some(NOBODY));
    }
}

/// A vault with agent `coder` granted secret `api` (variable `API_KEY`, the value returned),
/// bound to `api.bound.test` and delivered through the broker with the prefix `sk-`;
/// `grant_args` are added to the grant.
pub fn brokered_vault(grant_args: &[&str]) -> (TestVault, String) {
    let vault = TestVault::new();
    let value = random_secret();
    vault.run(&["agent", "add", "coder"]).success();
    vault
        .run_stdin(
            &[
                "secret",
                "set",
                "api",
                "--env",
                "API_KEY",
                "--stdin",
                "--hosts",
                "api.bound.test",
                "--delivery",
                "broker",
                "--placeholder-prefix",
                "sk-",
            ],
            &format!("{value}\n"),
        )
        .success();
    let mut grant = vec!["grant", "coder", "api"];
    grant.extend_from_slice(grant_args);
    vault.run(&grant).success();
    (vault, value)
}
pub mod openbao;
