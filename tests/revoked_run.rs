//! Revocation reaches a running program (docs/DESIGN.md, "Revocation during a run"): whatever
//! revokes the credential a program runs under (`creds revoke`, `key revoke`, `grant revoke`,
//! `agent suspend`, the end of a rotation's overlap window) is expiry brought forward. Within a
//! second the supervisor says so on stderr, records `exec.expire` with `"reason": "revoked"`, and
//! applies `--on-expiry`.
//!
//! Each test starts a real program under `agentcred exec` (a shell loop writing a heartbeat file,
//! whose TERM trap writes a marker), revokes from another process, and times the end from the
//! moment the revoking command returned. The programs exit on SIGTERM at once, so no test waits
//! through the 10 s grace.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use util::{TestVault, assert_no_leak, assert_unbroken_chain, random_secret};

const ALPHA: &str = "alpha";
const SECRET: &str = "alpha_db";
/// How long after the revoking command returns the program must have been told: the supervisor's
/// promise (1 s), plus what a busy test machine adds to starting and signalling processes.
const PROMPT: Duration = Duration::from_millis(1500);
const HANG: Duration = Duration::from_secs(20);

/// The program: writes a heartbeat every 50 ms until the file `stop` appears; on SIGTERM writes
/// `term` and dies of the signal.
const PROGRAM: &str = r#"beat=$1; term=$2; stop=$3
trap 'echo term > "$term"; trap - TERM; kill -TERM $$' TERM
while [ ! -e "$stop" ]; do date +%s%N > "$beat"; sleep 0.05; done"#;

struct Fixture {
    vault: TestVault,
    value: String,
}

/// An `exec` the test watches: its stderr goes to a file so the test can read it while it runs.
struct Run {
    child: std::process::Child,
    stderr: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let fx = Fixture {
            vault: TestVault::new(),
            value: random_secret(),
        };
        fx.vault.run(&["agent", "add", ALPHA]).code(0);
        fx.vault.set_secret(SECRET, &fx.value).code(0);
        fx.vault.run(&["grant", ALPHA, SECRET]).code(0);
        fx
    }

    fn file(&self, name: &str) -> PathBuf {
        self.vault.root().join(name)
    }

    /// Starts `exec --agent alpha EXTRA -- sh -c PROGRAM` with `cmd`, and waits for its first
    /// heartbeat.
    fn start(&self, mut cmd: Command, extra: &[&str]) -> Run {
        let stderr = self.file("exec.err");
        let (beat, term, stop) = (self.file("beat"), self.file("term"), self.file("stop"));
        cmd.args(["exec", "--agent", ALPHA])
            .args(extra)
            .args(["--", "sh", "-c", PROGRAM, "sh"])
            .args([&beat, &term, &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("create exec.err"));
        let child = cmd.spawn().expect("start agentcred exec");
        let run = Run { child, stderr };
        wait_until(HANG, || beat.exists(), "the program's first heartbeat");
        run
    }

    fn admin(&self, args: &[&str]) {
        self.vault.run(args).code(0);
    }

    /// The one entry of `action` for credential `id`.
    fn entry(&self, action: &str, id: &str) -> Value {
        let found: Vec<Value> = self
            .vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == action && e["credential_id"] == id)
            .collect();
        assert_eq!(found.len(), 1, "one {action} for {id}: {found:#?}");
        found.into_iter().next().expect("one entry")
    }

    /// The credential of the only run so far.
    fn run_id(&self) -> String {
        let starts: Vec<Value> = self
            .vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == "exec.start")
            .collect();
        assert_eq!(starts.len(), 1, "{starts:#?}");
        starts[0]["credential_id"]
            .as_str()
            .expect("a credential id")
            .to_string()
    }

    fn grant_id(&self) -> String {
        let grants = self
            .vault
            .json(&["grant", "list", "--agent", ALPHA, "--json"]);
        grants["grants"][0]["id"]
            .as_str()
            .expect("a grant id")
            .to_string()
    }
}

impl Run {
    /// Waits for agentcred to end: its exit code, stderr, and how long after `since` it ended.
    fn finish(mut self, since: Instant) -> (Option<i32>, String, Duration) {
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait for agentcred") {
                break s;
            }
            if since.elapsed() > HANG {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("agentcred still running:\n{}", self.stderr_text());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        (status.code(), self.stderr_text(), since.elapsed())
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.stderr).unwrap_or_default()).into_owned()
    }
}

fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "no {what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The program was sent SIGTERM promptly, agentcred returned its status (143), said why, and the
/// log has `exec.expire` with the reason and `exec.end` with `ended_by: "revocation"`.
#[track_caller]
fn assert_ended_by_revocation(
    fx: &Fixture,
    run: Run,
    since: Instant,
    allowed: Duration,
    says: &str,
) -> Value {
    let (code, stderr, took) = run.finish(since);
    assert_eq!(code, Some(143), "stderr:\n{stderr}");
    assert!(took < allowed, "ended {took:?} after the revocation");
    assert_eq!(
        std::fs::read_to_string(fx.file("term")).expect("the program's TERM trap ran"),
        "term\n"
    );
    assert!(
        stderr.contains("the credential was revoked: ") && stderr.contains("sending SIGTERM"),
        "{stderr}"
    );
    assert!(
        stderr.contains(says),
        "the warning names {says:?}:\n{stderr}"
    );
    assert_no_leak(stderr.as_bytes(), &fx.value);

    let id = fx.run_id();
    let expire = fx.entry("exec.expire", &id);
    assert_eq!(expire["details"]["reason"], "revoked");
    assert_eq!(expire["details"]["on_expiry"], "term");
    let end = fx.entry("exec.end", &id);
    assert_eq!(end["details"]["ended_by"], "revocation");
    assert_eq!(end["details"]["signal"], 15);
    assert_eq!(end["details"]["expired"], false);
    assert!(expire["seq"].as_u64() < end["seq"].as_u64());
    let audit = fx.vault.audit_text();
    assert_unbroken_chain(&audit);
    assert_no_leak(audit.as_bytes(), &fx.value);
    expire
}

#[test]
fn creds_revoke_ends_the_running_program() {
    let fx = Fixture::new();
    let run = fx.start(fx.vault.command(), &[]);
    let id = fx.run_id();
    fx.admin(&["creds", "revoke", &id]);
    let since = Instant::now();
    let expire = assert_ended_by_revocation(
        &fx,
        run,
        since,
        PROMPT,
        &format!("the credential {id} was revoked by the admin"),
    );
    assert_eq!(expire["details"]["revoked"], id.as_str());
    assert_eq!(expire["details"]["revoked_by"], "admin");
}

#[test]
fn key_revoke_ends_a_program_run_with_that_key() {
    let fx = Fixture::new();
    let key = fx.vault.issue_key(ALPHA, &[]);
    let key_id = std::fs::read_to_string(&key)
        .expect("read the key")
        .trim()
        .split(':')
        .nth(2)
        .expect("a key id")
        .to_string();
    let mut cmd = fx.vault.command_without_unlock();
    cmd.env("AGENTCRED_KEY_FILE", &key);
    let run = fx.start(cmd, &[]);
    fx.admin(&["key", "revoke", &key_id]);
    let since = Instant::now();
    assert_ended_by_revocation(&fx, run, since, PROMPT, "was revoked by the admin");
}

#[test]
fn grant_revoke_ends_the_running_program() {
    let fx = Fixture::new();
    let grant = fx.grant_id();
    let run = fx.start(fx.vault.command(), &[]);
    fx.admin(&["grant", "revoke", &grant]);
    let since = Instant::now();
    assert_ended_by_revocation(&fx, run, since, PROMPT, "the agent's authority au_");
}

#[test]
fn agent_suspend_ends_the_running_program() {
    let fx = Fixture::new();
    let run = fx.start(fx.vault.command(), &[]);
    fx.admin(&["agent", "suspend", ALPHA]);
    let since = Instant::now();
    assert_ended_by_revocation(&fx, run, since, PROMPT, "the agent's authority au_");
}

/// The credential on the old version is revoked from the end of the overlap window: the program
/// runs on through the window and is ended within a second of its end.
#[test]
fn the_end_of_a_rotation_window_ends_a_program_on_the_old_version() {
    let fx = Fixture::new();
    let run = fx.start(fx.vault.command(), &[]);
    let overlap = Duration::from_secs(1);
    fx.vault
        .run_stdin(
            &["secret", "rotate", SECRET, "--stdin", "--overlap", "1s"],
            &format!("{}\n", random_secret()),
        )
        .code(0);
    let since = Instant::now();
    let expire = assert_ended_by_revocation(
        &fx,
        run,
        since,
        overlap + PROMPT,
        "(the end of a rotation's overlap window)",
    );
    // Not before the window's end: the entry is stamped at or after the line's `from` (both
    // RFC 3339 in UTC with milliseconds, so they compare as text).
    let from = expire["details"]["revoked_from"]
        .as_str()
        .unwrap_or_else(|| panic!("the line's from: {expire:#}"));
    let at = expire["ts"].as_str().expect("a timestamp");
    assert!(at >= from, "ended at {at}, inside the window ending {from}");
}

/// `--on-expiry kill`: SIGKILL at once, no trap runs; agentcred exits 137.
#[test]
fn on_expiry_kill_kills_a_revoked_program() {
    let fx = Fixture::new();
    let run = fx.start(fx.vault.command(), &["--on-expiry", "kill"]);
    let id = fx.run_id();
    fx.admin(&["creds", "revoke", &id]);
    let since = Instant::now();
    let (code, stderr, took) = run.finish(since);
    assert_eq!(code, Some(137), "{stderr}");
    assert!(took < PROMPT, "ended {took:?} after the revocation");
    assert!(!fx.file("term").exists(), "SIGKILL runs no trap");
    assert!(stderr.contains("killing the program"), "{stderr}");
    assert_eq!(fx.entry("exec.expire", &id)["details"]["on_expiry"], "kill");
    let end = fx.entry("exec.end", &id);
    assert_eq!(end["details"]["ended_by"], "revocation");
    assert_eq!(end["details"]["signal"], 9);
}

/// `--on-expiry ignore`: the program runs on (its credential no longer verifies), the warning and
/// the entry are there, and agentcred returns the program's own status when it ends.
#[test]
fn on_expiry_ignore_lets_a_revoked_program_run_on() {
    let fx = Fixture::new();
    let run = fx.start(fx.vault.command(), &["--on-expiry", "ignore"]);
    let id = fx.run_id();
    fx.admin(&["creds", "revoke", &id]);
    wait_until(
        PROMPT,
        || run.stderr_text().contains("the credential was revoked"),
        "warning",
    );
    let stderr = run.stderr_text();
    assert!(stderr.contains("the program runs on"), "{stderr}");
    let expire = fx.entry("exec.expire", &id);
    assert_eq!(expire["details"]["reason"], "revoked");
    assert_eq!(expire["details"]["on_expiry"], "ignore");

    // Still beating after the warning.
    let beat = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let before = beat(&fx.file("beat"));
    wait_until(
        Duration::from_secs(2),
        || beat(&fx.file("beat")) != before,
        "heartbeat after the revocation",
    );
    std::fs::write(fx.file("stop"), "").expect("write stop");
    let (code, stderr, _) = run.finish(Instant::now());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!fx.file("term").exists());
    let end = fx.entry("exec.end", &id);
    assert_eq!(end["details"]["ended_by"], "exit");
    assert_eq!(end["details"]["revoked"], id.as_str());
}

// --- The same, with agentcred on a terminal --------------------------------------------------

/// Runs its arguments on a pseudo-terminal of their own, passing what the terminal shows to
/// stdout as it comes, and exits with their exit status.
const ON_A_TERMINAL: &str = r#"
import os, pty, signal, sys
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    os.execvp(argv[0], argv)
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;

impl Fixture {
    /// [`Fixture::start`], with `agentcred exec` on a pseudo-terminal (its stdin, stdout and
    /// stderr, and its controlling terminal): what the terminal shows is the run's "stderr", and
    /// the run ends when agentcred has ended and its terminal is closed.
    fn start_on_terminal(&self, base: Command, extra: &[&str]) -> Run {
        let shown = self.file("exec.tty");
        let (beat, term, stop) = (self.file("beat"), self.file("term"), self.file("stop"));
        let mut cmd = Command::new("python3");
        cmd.arg("-c")
            .arg(ON_A_TERMINAL)
            .arg(base.get_program())
            .args(["exec", "--agent", ALPHA])
            .args(extra)
            .args(["--", "sh", "-c", PROGRAM, "sh"])
            .args([&beat, &term, &stop])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&shown).expect("create exec.tty"))
            .stderr(Stdio::inherit());
        for (k, v) in base.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = base.get_current_dir() {
            cmd.current_dir(dir);
        }
        let child = cmd.spawn().expect("start python3");
        let run = Run {
            child,
            stderr: shown,
        };
        wait_until(HANG, || beat.exists(), "the program's first heartbeat");
        run
    }
}

/// [`assert_ended_by_revocation`] for a run on a terminal: the warning is on the terminal, and
/// how long the end took is said.
#[track_caller]
fn assert_ended_on_the_terminal(
    fx: &Fixture,
    run: Run,
    since: Instant,
    allowed: Duration,
    says: &str,
) -> Value {
    let shown = run.stderr.clone();
    let expire = assert_ended_by_revocation(fx, run, since, allowed, says);
    let text =
        String::from_utf8_lossy(&std::fs::read(&shown).expect("the terminal's text")).into_owned();
    eprintln!(
        "ended {:?} after the revocation, on a terminal",
        since.elapsed()
    );
    assert!(
        text.contains("agentcred: the credential was revoked: "),
        "on the terminal:\n{text}"
    );
    expire
}

#[test]
fn creds_revoke_ends_a_program_run_on_a_terminal() {
    let fx = Fixture::new();
    let run = fx.start_on_terminal(fx.vault.command(), &[]);
    let id = fx.run_id();
    fx.admin(&["creds", "revoke", &id]);
    let since = Instant::now();
    let expire = assert_ended_on_the_terminal(
        &fx,
        run,
        since,
        PROMPT,
        &format!("the credential {id} was revoked by the admin"),
    );
    assert_eq!(expire["details"]["revoked"], id.as_str());
}

/// Under `--mask` on a terminal the program has a pseudo-terminal of its own: the revocation
/// reaches it there too, the warning shows on ours, and our terminal's modes come back.
#[test]
fn creds_revoke_ends_a_masked_program_on_its_own_pseudo_terminal() {
    let fx = Fixture::new();
    let run = fx.start_on_terminal(fx.vault.command(), &["--mask"]);
    let id = fx.run_id();
    fx.admin(&["creds", "revoke", &id]);
    let since = Instant::now();
    assert_ended_on_the_terminal(
        &fx,
        run,
        since,
        PROMPT,
        &format!("the credential {id} was revoked by the admin"),
    );
}

#[test]
fn key_revoke_ends_a_program_run_on_a_terminal() {
    let fx = Fixture::new();
    let key = fx.vault.issue_key(ALPHA, &[]);
    let key_id = std::fs::read_to_string(&key)
        .expect("read the key")
        .trim()
        .split(':')
        .nth(2)
        .expect("a key id")
        .to_string();
    let mut cmd = fx.vault.command_without_unlock();
    cmd.env("AGENTCRED_KEY_FILE", &key);
    let run = fx.start_on_terminal(cmd, &[]);
    fx.admin(&["key", "revoke", &key_id]);
    let since = Instant::now();
    assert_ended_on_the_terminal(&fx, run, since, PROMPT, "was revoked by the admin");
}

#[test]
fn grant_revoke_ends_a_program_run_on_a_terminal() {
    let fx = Fixture::new();
    let grant = fx.grant_id();
    let run = fx.start_on_terminal(fx.vault.command(), &[]);
    fx.admin(&["grant", "revoke", &grant]);
    let since = Instant::now();
    assert_ended_on_the_terminal(&fx, run, since, PROMPT, "the agent's authority au_");
}

#[test]
fn agent_suspend_ends_a_program_run_on_a_terminal() {
    let fx = Fixture::new();
    let run = fx.start_on_terminal(fx.vault.command(), &["--mask"]);
    fx.admin(&["agent", "suspend", ALPHA]);
    let since = Instant::now();
    assert_ended_on_the_terminal(&fx, run, since, PROMPT, "the agent's authority au_");
}

#[test]
fn the_end_of_a_rotation_window_ends_a_program_run_on_a_terminal() {
    let fx = Fixture::new();
    let run = fx.start_on_terminal(fx.vault.command(), &[]);
    let overlap = Duration::from_secs(1);
    fx.vault
        .run_stdin(
            &["secret", "rotate", SECRET, "--stdin", "--overlap", "1s"],
            &format!("{}\n", random_secret()),
        )
        .code(0);
    let since = Instant::now();
    let expire = assert_ended_on_the_terminal(
        &fx,
        run,
        since,
        overlap + PROMPT,
        "(the end of a rotation's overlap window)",
    );
    let from = expire["details"]["revoked_from"]
        .as_str()
        .unwrap_or_else(|| panic!("the line's from: {expire:#}"));
    let at = expire["ts"].as_str().expect("a timestamp");
    assert!(at >= from, "ended at {at}, inside the window ending {from}");
}
