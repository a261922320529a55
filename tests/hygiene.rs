//! File hygiene: every file and directory agentcred keeps in the vault must be private and real.
//! A loose mode (another user could read or change it) is refused with the `chmod` that fixes it
//! (78); a symbolic link put in place of a file or a directory is refused (65), and nothing is
//! written through it to where it points. And a value is read with a bound, so an endless input
//! cannot grow agentcred's memory.
//!
//! Each test builds a real vault (an agent with a granted secret, a key, a minted and a revoked
//! credential, so that every file exists), changes it the way another local process would, and
//! runs the next command a user or an agent runs.

mod util;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::assert::Assert;

use util::{TestVault, assert_short_error, random_secret, stderr};

const AGENT: &str = "alpha";
const SECRET: &str = "db";

struct Fixture {
    vault: TestVault,
    key: PathBuf,
}

impl Fixture {
    /// A vault in which every file named by the tests below exists.
    fn new() -> Fixture {
        let vault = TestVault::new();
        vault.run(&["agent", "add", AGENT]).code(0);
        vault.set_secret(SECRET, &random_secret()).code(0);
        vault.run(&["grant", AGENT, SECRET]).code(0);
        let key = vault.issue_key(AGENT, &[]);
        let fx = Fixture { vault, key };
        let minted = fx
            .vault
            .with_key_file(&fx.key)
            .args(["mint", "--json"])
            .assert()
            .code(0);
        let out: serde_json::Value =
            serde_json::from_slice(&minted.get_output().stdout).expect("mint prints JSON");
        let id = out["credential"]["id"].as_str().expect("a credential id");
        fx.vault.run(&["creds", "revoke", id]).code(0);
        fx.mint().code(0);
        for name in [
            "revoked.jsonl",
            "credentials.jsonl",
            "agents/index",
            "agents/roster",
            "agents/secrets",
            "activity/alpha.json",
            "agents",
            "activity",
            ".staging",
        ] {
            assert!(
                fx.vault.path(name).exists(),
                "the fixture should have made {name}"
            );
        }
        fx
    }

    /// The agent mints with its key: reads the roster, index, envelope, revocations and its
    /// activity; appends to the ledger, its activity and the log.
    fn mint(&self) -> Assert {
        self.vault.with_key_file(&self.key).arg("mint").assert()
    }

    /// The admin lists credentials: reads the ledger and the revocations.
    fn list(&self) -> Assert {
        self.vault.run(&["creds", "list"])
    }

    /// The admin revokes every credential of the agent: appends to the revocation list.
    fn revoke_all(&self) -> Assert {
        self.vault.run(&["creds", "revoke", "--agent", AGENT])
    }

    /// The admin changes a secret: a journaled commit staged in `.staging`.
    fn set_secret(&self) -> Assert {
        self.vault.set_secret(SECRET, &random_secret())
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Every file under `dir`, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                out.insert(path, bytes);
            }
        }
    }
    out
}

/// The refusal of a loose mode: exit 78, naming the path and the `chmod` that fixes it.
#[track_caller]
fn assert_loose_refused(assert: &Assert, path: &Path, fix: &str) {
    let text = stderr(assert);
    assert_eq!(assert.get_output().status.code(), Some(78), "{text}");
    assert_short_error(assert);
    let shown = path.display().to_string();
    assert!(
        text.contains(&shown),
        "the error should name {shown}:\n{text}"
    );
    assert!(
        text.contains(&format!("chmod {fix} {shown}")),
        "the error should say `chmod {fix} {shown}`:\n{text}"
    );
}

/// The refusal of a link: exit 65, naming it.
#[track_caller]
fn assert_link_refused(assert: &Assert, path: &Path) {
    let text = stderr(assert);
    assert_eq!(assert.get_output().status.code(), Some(65), "{text}");
    assert_short_error(assert);
    let shown = path.display().to_string();
    assert!(
        text.contains(&shown),
        "the error should name {shown}:\n{text}"
    );
    assert!(text.contains("symbolic link"), "{text}");
}

// --- loose modes -----------------------------------------------------------------------------

#[test]
fn a_loose_mode_on_any_vault_file_is_refused_with_the_chmod_to_run() {
    for name in [
        "revoked.jsonl",
        "credentials.jsonl",
        "agents/index",
        "agents/roster",
        "agents/secrets",
        "activity/alpha.json",
    ] {
        let fx = Fixture::new();
        let path = fx.vault.path(name);
        for mode in [0o644, 0o666, 0o777] {
            chmod(&path, mode);
            let before = tree(&fx.vault.dir());
            assert_loose_refused(&fx.mint(), &path, "600");
            if name != "activity/alpha.json" {
                // The admin's commands never read an agent's activity.
                assert_loose_refused(&fx.list(), &path, "600");
            }
            let mut after = tree(&fx.vault.dir());
            after.remove(&fx.vault.path("lock"));
            let mut before = before;
            before.remove(&fx.vault.path("lock"));
            assert!(
                before == after,
                "a refused command changed the vault ({name} {mode:o})"
            );
            chmod(&path, 0o600);
        }
        fx.mint().code(0);
    }
}

#[test]
fn a_loose_mode_on_any_vault_directory_is_refused_with_the_chmod_to_run() {
    for name in ["agents", "activity", ".staging"] {
        let fx = Fixture::new();
        let path = fx.vault.path(name);
        for mode in [0o755, 0o777] {
            chmod(&path, mode);
            assert_loose_refused(&fx.mint(), &path, "700");
            assert_loose_refused(&fx.set_secret(), &path, "700");
            chmod(&path, 0o700);
        }
        fx.mint().code(0);
    }
}

// --- symbolic links out of the vault ---------------------------------------------------------

/// Moves `name` out of the vault into `outside/` and leaves a link to it in its place; returns
/// where it went.
fn replace_with_link(fx: &Fixture, name: &str) -> PathBuf {
    let outside = fx.vault.root().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir outside");
    let target = outside.join(name);
    std::fs::rename(fx.vault.path(name), &target).expect("move out of the vault");
    std::os::unix::fs::symlink(&target, fx.vault.path(name)).expect("symlink");
    target
}

#[test]
fn a_linked_revocation_list_is_refused_and_nothing_is_written_through_it() {
    let fx = Fixture::new();
    let target = replace_with_link(&fx, "revoked.jsonl");
    let outside = tree(target.parent().unwrap());
    let link = fx.vault.path("revoked.jsonl");
    assert_link_refused(&fx.revoke_all(), &link);
    assert_link_refused(&fx.mint(), &link);
    assert_link_refused(&fx.list(), &link);
    assert_eq!(
        tree(target.parent().unwrap()),
        outside,
        "written through the link"
    );
}

#[test]
fn a_linked_credential_ledger_is_refused_and_nothing_is_written_through_it() {
    let fx = Fixture::new();
    let target = replace_with_link(&fx, "credentials.jsonl");
    let outside = tree(target.parent().unwrap());
    let link = fx.vault.path("credentials.jsonl");
    assert_link_refused(&fx.mint(), &link);
    assert_link_refused(&fx.list(), &link);
    assert_eq!(
        tree(target.parent().unwrap()),
        outside,
        "written through the link"
    );
}

#[test]
fn a_linked_activity_directory_is_refused_and_nothing_is_written_through_it() {
    let fx = Fixture::new();
    let target = replace_with_link(&fx, "activity");
    let outside = tree(&target);
    let link = fx.vault.path("activity");
    assert_link_refused(&fx.mint(), &link);
    assert_link_refused(&fx.list(), &link);
    assert_eq!(tree(&target), outside, "written through the link");
}

#[test]
fn a_dangling_link_in_place_of_the_revocation_list_creates_nothing_outside() {
    let fx = Fixture::new();
    let outside = fx.vault.root().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let target = outside.join("planted.jsonl");
    std::fs::remove_file(fx.vault.path("revoked.jsonl")).unwrap();
    std::os::unix::fs::symlink(&target, fx.vault.path("revoked.jsonl")).unwrap();
    assert_link_refused(&fx.revoke_all(), &fx.vault.path("revoked.jsonl"));
    assert!(!target.exists(), "a file was created through the link");
}

#[test]
fn a_linked_vault_directory_is_refused() {
    let fx = Fixture::new();
    let elsewhere = fx.vault.root().join("elsewhere");
    std::fs::rename(fx.vault.dir(), &elsewhere).expect("move the vault");
    std::os::unix::fs::symlink(&elsewhere, fx.vault.dir()).expect("symlink");
    let before = tree(&elsewhere);
    assert_link_refused(&fx.mint(), &fx.vault.dir());
    assert_link_refused(&fx.revoke_all(), &fx.vault.dir());
    assert_eq!(tree(&elsewhere), before, "written through the link");
}

// --- bounded values --------------------------------------------------------------------------

#[test]
fn an_endless_value_file_stops_at_the_bound_and_stores_nothing() {
    let fx = Fixture::new();
    let started = Instant::now();
    let mut child = fx
        .vault
        .command()
        .args(["secret", "set", "endless", "--file", "/dev/zero"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run agentcred");
    while child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "secret set --file /dev/zero did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{text}");
    assert!(
        text.contains("/dev/zero") && text.contains("too large"),
        "{text}"
    );
    assert!(text.contains("--max-size"), "{text}");
    let list = fx.vault.json(&["secret", "list", "--json"]).to_string();
    assert!(!list.contains("endless"), "{list}");
}

#[test]
fn a_value_on_stdin_above_the_bound_is_refused_and_max_size_raises_it() {
    let fx = Fixture::new();
    let big = "x".repeat(1024 * 1024 + 1);
    let refused = fx
        .vault
        .run_stdin(&["secret", "set", "big", "--stdin"], &big)
        .code(65);
    assert_short_error(&refused);
    assert!(stderr(&refused).contains("--max-size"));
    let refused = fx
        .vault
        .run_stdin(&["secret", "rotate", SECRET, "--stdin"], &big)
        .code(65);
    assert_short_error(&refused);
    let list = fx.vault.json(&["secret", "list", "--json"]).to_string();
    assert!(!list.contains("\"big\""), "{list}");
    fx.vault
        .run_stdin(
            &["secret", "set", "big", "--stdin", "--max-size", "2MiB"],
            &big,
        )
        .code(0);
    fx.vault
        .run_stdin(
            &["secret", "set", "small", "--stdin", "--max-size", "8"],
            "123456789",
        )
        .code(65);
    fx.vault
        .run_stdin(
            &["secret", "set", "small", "--stdin", "--max-size", "8"],
            "12345678",
        )
        .code(0);
}

/// Runs `agentcred ARGS` with the environment `cmd` sets up and fails unless it stops within a
/// few seconds; returns its exit code and stderr.
fn run_promptly(mut cmd: std::process::Command) -> (Option<i32>, String) {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run agentcred");
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("agentcred did not stop on an endless input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_endless_key_file_or_token_on_stdin_is_refused_at_a_bound() {
    let fx = Fixture::new();
    let mut cmd = fx.vault.command_without_unlock();
    cmd.env("AGENTCRED_KEY_FILE", "/dev/zero")
        .arg("mint")
        .stdin(Stdio::null());
    let (code, text) = run_promptly(cmd);
    // A key file that cannot be used is an unlock failure.
    assert_eq!(code, Some(77), "{text}");
    assert!(
        text.contains("/dev/zero") && text.contains("too large"),
        "{text}"
    );

    let mut cmd = fx.vault.command();
    cmd.args(["verify", "-"])
        .stdin(std::fs::File::open("/dev/zero").expect("open /dev/zero"));
    let (code, text) = run_promptly(cmd);
    assert_eq!(code, Some(65), "{text}");
    assert!(text.contains("too large"), "{text}");
}

// --- hard links and the commit journal -------------------------------------------------------

/// A private directory outside the vault holding `victim` (0600), as `~/.ssh` holds its keys.
fn private_outside(fx: &Fixture, bytes: &[u8]) -> PathBuf {
    let outside = fx.vault.root().join("private-outside");
    std::fs::create_dir_all(&outside).expect("mkdir outside");
    chmod(&outside, 0o700);
    let victim = outside.join("victim");
    util::write_private(&victim, bytes);
    victim
}

/// The refusal of a hard link: exit 65, naming the file.
#[track_caller]
fn assert_hard_link_refused(assert: &Assert, path: &Path) {
    let text = stderr(assert);
    assert_eq!(assert.get_output().status.code(), Some(65), "{text}");
    assert_short_error(assert);
    let shown = path.display().to_string();
    assert!(
        text.contains(&shown),
        "the error should name {shown}:\n{text}"
    );
    assert!(text.contains("hard link"), "{text}");
}

#[test]
fn a_hard_link_to_a_file_outside_the_vault_is_refused_and_nothing_is_written_to_it() {
    // A file agentcred changes in place (appended, or overwritten from its start) and that is
    // also linked from outside the vault would be written there: it is refused instead.
    for name in [
        "activity/alpha.json",
        "revoked.jsonl",
        "credentials.jsonl",
        "audit.jsonl",
    ] {
        let fx = Fixture::new();
        let path = fx.vault.path(name);
        // An outside file with the vault file's own bytes, so that every read of it succeeds.
        let victim = private_outside(&fx, &std::fs::read(&path).unwrap());
        let before = std::fs::read(&victim).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::hard_link(&victim, &path).expect("hard link");
        let assert = if name == "revoked.jsonl" {
            fx.revoke_all()
        } else {
            fx.mint()
        };
        assert_eq!(
            std::fs::read(&victim).unwrap().len(),
            before.len(),
            "written through the hard link {name}"
        );
        assert_eq!(std::fs::read(&victim).unwrap(), before, "{name}");
        if name == "credentials.jsonl" {
            // The ledger is an index the log can rebuild: a mint that cannot record the
            // credential there still succeeds, and says why.
            let text = stderr(&assert);
            assert_eq!(assert.get_output().status.code(), Some(0), "{text}");
            assert!(
                text.contains("hard link") && text.contains(&path.display().to_string()),
                "{text}"
            );
        } else {
            assert_hard_link_refused(&assert, &path);
        }
    }
}

#[test]
fn an_activity_file_hard_linked_to_a_private_file_elsewhere_does_not_overwrite_it() {
    let fx = Fixture::new();
    let precious = b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ7 user@host\n".repeat(40);
    let victim = private_outside(&fx, &precious);
    let path = fx.vault.path("activity/alpha.json");
    std::fs::remove_file(&path).unwrap();
    std::fs::hard_link(&victim, &path).expect("hard link");
    let assert = fx.mint();
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&victim).unwrap()),
        String::from_utf8_lossy(&precious),
        "overwritten through the hard link"
    );
    assert_hard_link_refused(&assert, &path);
}

/// The last entry of the vault's audit log: a journal naming it counts as committed.
fn audit_head(fx: &Fixture) -> (u64, String) {
    let log = std::fs::read_to_string(fx.vault.path("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    (
        last["seq"].as_u64().unwrap(),
        last["hash"].as_str().unwrap().to_string(),
    )
}

#[test]
fn a_commit_journal_naming_files_outside_the_vault_is_refused_and_touches_nothing() {
    for kind in ["remove", "rename-out", "rename-in"] {
        let fx = Fixture::new();
        let victim = private_outside(&fx, b"precious\n");
        let outside = tree(victim.parent().unwrap());
        let (seq, hash) = audit_head(&fx);
        let inside = fx.vault.path("revoked.jsonl");
        let journal = match kind {
            "remove" => serde_json::json!({
                "audit_seq": seq, "audit_hash": hash, "renames": [], "removes": [victim],
            }),
            "rename-out" => serde_json::json!({
                "audit_seq": seq, "audit_hash": hash,
                "renames": [[inside, victim.parent().unwrap().join("stolen")]], "removes": [],
            }),
            _ => serde_json::json!({
                "audit_seq": seq, "audit_hash": hash,
                "renames": [[victim, inside]], "removes": [],
            }),
        };
        // Also spelled from inside the vault, with `..`.
        let journal_path = fx.vault.path("commit.journal");
        util::write_private(&journal_path, journal.to_string().as_bytes());
        let vault_before = std::fs::read(&inside).unwrap();
        let assert = fx.list();
        let text = stderr(&assert);
        assert_eq!(tree(victim.parent().unwrap()), outside, "{kind}");
        assert_eq!(
            assert.get_output().status.code(),
            Some(65),
            "{kind}: {text}"
        );
        assert_short_error(&assert);
        assert!(text.contains("commit.journal"), "{text}");
        assert_eq!(tree(victim.parent().unwrap()), outside, "{kind}");
        assert_eq!(std::fs::read(&inside).unwrap(), vault_before, "{kind}");

        let dotted = fx.vault.dir().join("agents/../../private-outside/victim");
        let journal = serde_json::json!({
            "audit_seq": seq, "audit_hash": hash, "renames": [], "removes": [dotted],
        });
        util::write_private(&journal_path, journal.to_string().as_bytes());
        assert_eq!(fx.list().get_output().status.code(), Some(65), "{kind}");
        assert_eq!(tree(victim.parent().unwrap()), outside, "{kind} with ..");
    }
}

#[test]
fn a_fifo_in_place_of_the_vault_state_does_not_hang_an_admin_command() {
    // With `admin_recipient` edited in vault.toml, unlocking checks whether the passphrase opens
    // vault.age: a FIFO there must be refused, not waited on for a writer that never comes.
    let fx = Fixture::new();
    let toml_path = fx.vault.path("vault.toml");
    let toml = std::fs::read_to_string(&toml_path).unwrap();
    let edited: String = toml
        .lines()
        .map(|l| {
            if l.starts_with("admin_recipient") {
                "admin_recipient = \"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\""
                    .to_string()
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    assert_ne!(edited, toml, "vault.toml names its admin recipient");
    util::write_private(&toml_path, edited.as_bytes());
    let state = fx.vault.path("vault.age");
    std::fs::remove_file(&state).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&state)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    chmod(&state, 0o600);
    let mut cmd = fx.vault.command();
    cmd.args(["secret", "list"]).stdin(Stdio::null());
    let (code, text) = run_promptly(cmd);
    assert_eq!(code, Some(65), "{text}");
    assert!(text.contains("vault.age is not a regular file"), "{text}");
}

#[test]
fn a_suspension_marker_made_unreadable_still_suspends() {
    // The live checks suspend an agent by a marker file; one that cannot be read (a loose mode,
    // a link, a FIFO, a directory) must not read as "not suspended".
    for tamper in ["chmod", "symlink", "fifo", "directory"] {
        let vault = TestVault::new();
        vault.set_secret(SECRET, &random_secret()).code(0);
        vault
            .run(&[
                "agent",
                "add",
                "sus",
                "--rate-limit",
                "1/s",
                "--suspend-on-anomaly",
            ])
            .code(0);
        vault.run(&["grant", "sus", SECRET]).code(0);
        vault.run(&["mint", "--agent", "sus"]).code(0);
        vault.run(&["mint", "--agent", "sus"]).code(3);
        let marker = vault.path("suspended/sus.json");
        assert!(
            marker.exists(),
            "the breach should have suspended the agent"
        );
        // Past the rate limit's window, only the suspension refuses.
        std::thread::sleep(Duration::from_millis(1100));
        let refused = vault.run(&["mint", "--agent", "sus"]).code(3);
        assert!(
            stderr(&refused).contains("was suspended"),
            "{}",
            stderr(&refused)
        );
        match tamper {
            "chmod" => chmod(&marker, 0o644),
            "symlink" => {
                let outside = vault.root().join("marker.json");
                std::fs::rename(&marker, &outside).unwrap();
                std::os::unix::fs::symlink(&outside, &marker).unwrap();
            }
            "fifo" => {
                std::fs::remove_file(&marker).unwrap();
                assert!(
                    std::process::Command::new("mkfifo")
                        .arg(&marker)
                        .status()
                        .unwrap()
                        .success()
                );
                chmod(&marker, 0o600);
            }
            _ => {
                std::fs::remove_file(&marker).unwrap();
                std::fs::create_dir(&marker).unwrap();
                chmod(&marker, 0o700);
            }
        }
        let assert = vault.run(&["mint", "--agent", "sus"]);
        let text = stderr(&assert);
        assert_eq!(
            assert.get_output().status.code(),
            Some(3),
            "{tamper}: minted for a suspended agent: {text}"
        );
        assert!(text.contains("was suspended"), "{tamper}: {text}");
        assert!(
            assert.get_output().stdout.is_empty(),
            "{tamper}: {}",
            util::stdout(&assert)
        );
    }
}

#[test]
fn an_oversized_small_vault_file_is_refused_without_being_read() {
    // A sparse file costs no disk: put in place of a file agentcred reads whole, it must be
    // refused by its size, not loaded into memory.
    for name in ["activity/alpha.json", "vault.toml", "config.toml"] {
        let fx = Fixture::new();
        let path = fx.vault.path(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        file.set_len(256 << 20).unwrap();
        chmod(&path, 0o600);
        let mut cmd = fx.vault.command_without_unlock();
        cmd.arg("mint").env("AGENTCRED_KEY_FILE", &fx.key);
        let (code, text) = run_promptly(cmd);
        assert_eq!(code, Some(65), "{name}: {text}");
        assert!(
            text.contains(&path.display().to_string()) && text.contains("larger than"),
            "{name}: {text}"
        );
    }
}

#[test]
fn an_endless_line_in_the_audit_log_is_refused_at_a_bound() {
    let fx = Fixture::new();
    let path = fx.vault.path("audit.jsonl");
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let len = file.metadata().unwrap().len();
    file.set_len(len + (256 << 20)).unwrap();
    let mut cmd = fx.vault.command();
    cmd.args(["audit", "verify"]);
    let (code, text) = run_promptly(cmd);
    assert_eq!(code, Some(65), "{text}");
    // Refused by whichever reader meets it first: the walk (a line longer than the bound) or the
    // generation check at unlock, which reads only the log's tail (no complete entry at its end).
    assert!(
        text.contains("longer than") || text.contains("no complete entry at its end"),
        "{text}"
    );
}
