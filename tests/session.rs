//! The unlock session: `agentcred unlock` once, then admin commands with no passphrase input at
//! all, until `lock`, `--for` or `--idle` ends it; its socket answers only its own user, and a
//! program under `exec` cannot reach it.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use util::TestVault;

/// A vault with a private runtime directory of its own, where the session socket goes.
struct Fixture {
    vault: TestVault,
    runtime: PathBuf,
    /// `AGENTCRED_SESSION` as the last `unlock` printed it.
    session: std::cell::RefCell<Option<String>>,
    /// Where the runtime directory is: in /tmp, so that another user can be let in to try.
    _runtime_parent: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let vault = TestVault::new();
        let parent = tempfile::Builder::new()
            .prefix("agentcred-session-test-")
            .tempdir_in("/tmp")
            .unwrap();
        let runtime = parent.path().join("runtime");
        std::fs::create_dir(&runtime).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        Fixture {
            vault,
            runtime,
            session: Default::default(),
            _runtime_parent: parent,
        }
    }

    /// `agentcred ARGS` with no unlock input at all (stdin empty, not a terminal), in the shell
    /// the last `unlock` was evaluated in (`AGENTCRED_SESSION`).
    fn bare(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = self.vault.command_without_unlock();
        if let Some(v) = self.session.borrow().as_ref() {
            cmd.env("AGENTCRED_SESSION", v);
        }
        cmd.env("XDG_RUNTIME_DIR", &self.runtime)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run agentcred")
    }

    /// `agentcred unlock ARGS` with the passphrase file, as `eval "$(agentcred unlock)"`: the
    /// variable it prints is kept for the commands after it.
    fn unlock(&self, args: &[&str]) -> std::process::Output {
        let out = self
            .vault
            .command()
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .arg("unlock")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run agentcred unlock");
        if let Some(v) = session_variable(&out) {
            *self.session.borrow_mut() = Some(v);
        }
        out
    }

    /// Where the session socket is: the session variable names it.
    fn socket(&self) -> PathBuf {
        let v = self.session.borrow().clone().expect("unlocked");
        PathBuf::from(v.split_once(':').unwrap().1)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.bare(&["lock"]);
    }
}

/// The value of `AGENTCRED_SESSION` in `unlock`'s output: `AGENTCRED_SESSION='V'; export …`.
fn session_variable(out: &std::process::Output) -> Option<String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rest = stdout.strip_prefix("AGENTCRED_SESSION='")?;
    Some(rest[..rest.find('\'')?].to_string())
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn ten_admin_commands_in_a_row_need_no_passphrase_until_lock() {
    let fx = Fixture::new();
    // Without a session, no input is no unlock.
    assert_eq!(code(&fx.bare(&["agent", "list"])), 77);

    let out = fx.unlock(&["--for", "2m"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("unlocked until"), "{}", text(&out));

    let commands: [&[&str]; 10] = [
        &["agent", "add", "alpha"],
        &["agent", "add", "beta"],
        &["secret", "set", "db", "--generate"],
        &["grant", "alpha", "db"],
        &["agent", "list"],
        &["grant", "list"],
        &["secret", "list"],
        &["key", "issue", "alpha"],
        &["status"],
        &["audit", "verify"],
    ];
    for args in commands {
        let out = fx.bare(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", text(&out));
    }
    let listed = fx.bare(&["agent", "list", "--json"]);
    let agents: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        agents["agents"].as_array().map(Vec::len),
        Some(2),
        "{agents}"
    );
    let unlocked = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "session.unlock")
        .count();
    assert_eq!(unlocked, 1);

    let out = fx.bare(&["lock"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("has ended"), "{}", text(&out));
    let out = fx.bare(&["agent", "list"]);
    assert_eq!(code(&out), 77, "{}", text(&out));
    assert!(!fx.socket().exists(), "the socket is left behind");
    // Nothing to end: still fine.
    let out = fx.bare(&["lock"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out).contains("no unlock session"), "{}", text(&out));
}

#[test]
fn the_session_ends_after_its_time_and_after_idle_time() {
    let fx = Fixture::new();
    assert_eq!(code(&fx.unlock(&["--for", "2s"])), 0);
    assert_eq!(code(&fx.bare(&["agent", "list"])), 0);
    std::thread::sleep(Duration::from_millis(2600));
    assert_eq!(code(&fx.bare(&["agent", "list"])), 77);

    assert_eq!(code(&fx.unlock(&["--for", "1m", "--idle", "1s"])), 0);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            code(&fx.bare(&["agent", "list"])),
            0,
            "used within its idle time"
        );
    }
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(code(&fx.bare(&["agent", "list"])), 77);
}

#[test]
fn unlock_itself_needs_a_real_unlock_input_and_explicit_inputs_win() {
    let fx = Fixture::new();
    assert_eq!(code(&fx.unlock(&["--for", "2m"])), 0);
    // A session does not start (or extend) another.
    let out = fx.bare(&["unlock"]);
    assert_eq!(code(&out), 77, "{}", text(&out));
    // An explicit input is used, and a wrong one is not rescued by the session.
    let wrong = fx.vault.root().join("wrong-pass");
    fx.vault.write_private(&wrong, b"not the passphrase\n");
    let out = fx
        .vault
        .command_without_unlock()
        .env("XDG_RUNTIME_DIR", &fx.runtime)
        .env("AGENTCRED_PASSPHRASE_FILE", &wrong)
        .args(["agent", "list"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), 77, "{}", text(&out));
}

/// The socket is 0600 in a 0700 directory; and with its modes loosened, a process of another
/// user that connects still gets nothing (the peer's uid is checked).
#[test]
fn the_socket_is_private_and_answers_only_its_own_user() {
    let fx = Fixture::new();
    let out = fx.unlock(&["--for", "2m"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let socket = fx.socket();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(socket.parent().unwrap()), 0o700);

    // The daemon's command line and environment hold no key.
    let listed = fx.bare(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let pid = status["session"]["pid"]
        .as_u64()
        .expect("status shows the session");
    for what in ["cmdline", "environ"] {
        let bytes = std::fs::read(format!("/proc/{pid}/{what}")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("AGE-SECRET-KEY"),
            "the session's {what} holds the identity"
        );
    }
    assert!(!text(&out).contains("AGE-SECRET-KEY"));

    if !rustix::process::geteuid().is_root() {
        eprintln!("not root: the other-user half needs setpriv");
        return;
    }
    let loosened = [fx.vault.root(), socket.parent().unwrap()];
    for dir in loosened {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    // The client knows the token (the worst case): only the uid stands in its way.
    const ASK: &str = r#"
import hashlib, hmac, json, os, socket, sys
path, vault_id, token = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
nonce = os.urandom(16).hex()
mac = hmac.new(token, f"agentcred-session-request-v1\n{vault_id}\n{nonce}\n".encode(), hashlib.sha256).hexdigest()
s = socket.socket(socket.AF_UNIX)
s.connect(path)
try:
    s.sendall(json.dumps({"op": "identity", "vault_id": vault_id, "nonce": nonce, "mac": mac}).encode() + b"\n")
    print("answer:", s.recv(4096))
except OSError as e:
    print("refused:", e.errno)
"#;
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("python3");
    let id = status["vault_id"].as_str().unwrap();
    let variable = fx.session.borrow().clone().unwrap();
    let token = variable.split_once(':').unwrap().0.to_string();
    let ask = |user: Option<u32>| {
        let mut c = match user {
            Some(uid) => {
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={uid}"),
                    &format!("--regid={uid}"),
                    "--clear-groups",
                    "--",
                    python,
                ]);
                c
            }
            None => Command::new(python),
        };
        let out = c
            .args(["-c", ASK])
            .arg(&socket)
            .arg(id)
            .arg(&token)
            .current_dir("/")
            .output()
            .expect("run python");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let other = ask(Some(65534));
    assert!(
        other.contains("answer: b''") || other.contains("refused:"),
        "another user got: {other}"
    );
    assert!(
        !other.contains("AGE-SECRET-KEY"),
        "another user got: {other}"
    );
    // The same client as the session's own user is answered (so the refusal above is the uid).
    let own = ask(None);
    assert!(own.contains("AGE-SECRET-KEY-1"), "{own}");
    for dir in loosened {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}

/// Without the token no process gets the identity, and a command of a shell that did not
/// evaluate `unlock` (no `AGENTCRED_SESSION`) does not use the session at all.
#[test]
fn only_a_shell_given_the_session_uses_it() {
    let fx = Fixture::new();
    assert_eq!(code(&fx.unlock(&["--for", "2m"])), 0);
    assert_eq!(code(&fx.bare(&["agent", "list"])), 0);
    let elsewhere = fx
        .vault
        .command_without_unlock()
        .args(["agent", "list"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&elsewhere), 77, "{}", text(&elsewhere));
    let variable = fx.session.borrow().clone().unwrap();
    let (token, socket) = variable.split_once(':').unwrap();
    let wrong = format!("{}:{socket}", "ab".repeat(32));
    let guessed = fx
        .vault
        .command_without_unlock()
        .env("AGENTCRED_SESSION", &wrong)
        .args(["agent", "list"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&guessed), 77, "{}", text(&guessed));
    assert_ne!(token, "ab".repeat(32));
}

/// Someone of the same user ends the session and listens in its place, with a vault of its own
/// put where the admin's was (so the vault id the client reads is its own): it cannot prove it
/// holds the session's token, so the client takes nothing from it; and it never learns the token.
#[test]
fn a_session_put_in_the_place_of_the_real_one_is_not_believed() {
    let fx = Fixture::new();
    assert_eq!(code(&fx.unlock(&["--for", "2m"])), 0);
    let socket = fx.socket();
    let variable = fx.session.borrow().clone().unwrap();
    let token = variable.split_once(':').unwrap().0.to_string();
    assert_eq!(code(&fx.bare(&["lock"])), 0);
    assert!(!socket.exists());
    let impostor_key =
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
    const IMPOSTOR: &str = r#"
import json, os, socket, sys
path, identity, heard = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen()
print("ready", flush=True)
c, _ = s.accept()
request = c.recv(4096)
open(heard, "wb").write(request)
c.sendall(json.dumps({"identity": identity, "proof": "00" * 32, "info": {
    "pid": os.getpid(), "vault_id": "x", "socket": path, "started_at": "2026-01-01T00:00:00Z",
    "expires_at": "2099-01-01T00:00:00Z", "idle_secs": 60}}).encode() + b"\n")
c.close()
"#;
    let heard = fx.vault.root().join("heard");
    let mut impostor = Command::new("python3")
        .args(["-c", IMPOSTOR])
        .arg(&socket)
        .arg(impostor_key)
        .arg(&heard)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(impostor.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    let out = fx.bare(&["agent", "list"]);
    let _ = impostor.kill();
    let _ = impostor.wait();
    let _ = std::fs::remove_file(&socket);
    assert_eq!(code(&out), 77, "{}", text(&out));
    let request = std::fs::read_to_string(&heard).unwrap_or_default();
    assert!(request.contains("\"mac\""), "{request}");
    assert!(
        !request.contains(&token),
        "the client sent the token itself"
    );
}

/// A program under `exec` (here run by the admin, who unlocked through the session) can reach
/// neither the session's socket (the sandbox covers where it is made) nor its variable (exec
/// removes it), so it gets no identity, even told where the socket is and what the token is.
#[test]
fn a_program_under_exec_cannot_reach_the_session() {
    let fx = Fixture::new();
    fx.vault.run(&["agent", "add", "runner"]).code(0);
    fx.vault.set_secret("token", "s3cr3t-session-test").code(0);
    fx.vault.run(&["grant", "runner", "token"]).code(0);
    let out = fx.unlock(&["--for", "2m"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let socket = fx.socket();
    assert!(socket.exists(), "{}", socket.display());
    let variable = fx.session.borrow().clone().unwrap();
    let token = variable.split_once(':').unwrap().0.to_string();
    let id = fx.vault.json(&["status", "--json"])["vault_id"]
        .as_str()
        .unwrap()
        .to_string();
    let script = r#"
import hashlib, hmac, json, os, socket, sys
path, vault_id, token = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
print("variable:", os.environ.get("AGENTCRED_SESSION"))
nonce = os.urandom(16).hex()
mac = hmac.new(token, f"agentcred-session-request-v1\n{vault_id}\n{nonce}\n".encode(), hashlib.sha256).hexdigest()
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(path)
    s.sendall(json.dumps({"op": "identity", "vault_id": vault_id, "nonce": nonce, "mac": mac}).encode() + b"\n")
    print("REACHED", s.recv(4096))
except OSError as e:
    print("refused", e.errno)
"#;
    let mut cmd = fx.vault.command_without_unlock();
    cmd.env("AGENTCRED_SESSION", &variable)
        .args(["exec", "--agent", "runner", "--", "python3", "-c", script])
        .arg(&socket)
        .arg(&id)
        .arg(&token)
        .stdin(Stdio::null());
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("variable: None"), "{said}");
    assert!(said.contains("refused"), "{said}");
    assert!(!said.contains("REACHED"), "{said}");
    assert!(!said.contains("AGE-SECRET-KEY"), "{said}");
}

/// A vault named by a relative path is the same vault to the session (which runs in `/`).
#[test]
fn a_vault_given_by_a_relative_path_is_unlocked_too() {
    let fx = Fixture::new();
    let relative = fx
        .vault
        .dir()
        .strip_prefix(fx.vault.root())
        .unwrap()
        .to_path_buf();
    let out = fx
        .vault
        .command()
        .env_remove("AGENTCRED_HOME")
        .env("XDG_RUNTIME_DIR", fx.vault.root().join("none"))
        .arg("--vault")
        .arg(&relative)
        .args(["unlock", "--for", "1m"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out));
    let variable = session_variable(&out).expect("unlock prints the session");
    let listed = fx
        .vault
        .command_without_unlock()
        .env("AGENTCRED_SESSION", &variable)
        .env_remove("AGENTCRED_HOME")
        .env("XDG_RUNTIME_DIR", fx.vault.root().join("none"))
        .arg("--vault")
        .arg(&relative)
        .args(["agent", "list"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&listed), 0, "{}", text(&listed));
    let locked = fx
        .vault
        .command_without_unlock()
        .env("XDG_RUNTIME_DIR", fx.vault.root().join("none"))
        .arg("lock")
        .output()
        .unwrap();
    assert!(text(&locked).contains("has ended"), "{}", text(&locked));
}
