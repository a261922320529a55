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
            _runtime_parent: parent,
        }
    }

    /// `agentcred ARGS` with no unlock input at all (stdin empty, not a terminal).
    fn bare(&self, args: &[&str]) -> std::process::Output {
        self.vault
            .command_without_unlock()
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run agentcred")
    }

    /// `agentcred unlock ARGS` with the passphrase file.
    fn unlock(&self, args: &[&str]) -> std::process::Output {
        self.vault
            .command()
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .arg("unlock")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run agentcred unlock")
    }

    fn socket(&self) -> PathBuf {
        let id = self.vault.json(&["status", "--json"])["vault_id"]
            .as_str()
            .unwrap()
            .to_string();
        self.runtime.join("agentcred").join(format!("session-{id}"))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.bare(&["lock"]);
    }
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
    for dir in [
        fx._runtime_parent.path(),
        fx.runtime.as_path(),
        socket.parent().unwrap(),
    ] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    const ASK: &str = r#"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(json.dumps({"op": "identity", "vault_id": sys.argv[2]}).encode() + b"\n")
    print("answer:", s.recv(4096))
except OSError as e:
    print("refused:", e.errno)
"#;
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("python3");
    let id = status["vault_id"].as_str().unwrap();
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
    std::fs::set_permissions(&fx.runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// A program under `exec` (here run by the admin, who unlocked through the session) cannot reach
/// the session socket, wherever it is: in the runtime directory, or in the vault directory when
/// there is no private runtime directory.
#[test]
fn a_program_under_exec_cannot_reach_the_session() {
    for private_runtime in [true, false] {
        let fx = Fixture::new();
        let runtime = if private_runtime {
            fx.runtime.clone()
        } else {
            fx.vault.root().join("no-runtime")
        };
        fx.vault.run(&["agent", "add", "runner"]).code(0);
        fx.vault.set_secret("token", "s3cr3t-session-test").code(0);
        fx.vault.run(&["grant", "runner", "token"]).code(0);
        let out = fx
            .vault
            .command()
            .env("XDG_RUNTIME_DIR", &runtime)
            .args(["unlock", "--for", "2m"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", text(&out));
        let id = fx.vault.json(&["status", "--json"])["vault_id"]
            .as_str()
            .unwrap()
            .to_string();
        let socket = if private_runtime {
            runtime.join("agentcred").join(format!("session-{id}"))
        } else {
            fx.vault.dir().join(format!("session-{id}"))
        };
        assert!(socket.exists(), "{}", socket.display());
        let script = r#"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    s.sendall(json.dumps({"op": "identity", "vault_id": sys.argv[2]}).encode() + b"\n")
    print("REACHED", s.recv(4096))
except OSError as e:
    print("refused", e.errno)
"#;
        let out = fx
            .vault
            .command_without_unlock()
            .env("XDG_RUNTIME_DIR", &runtime)
            .args(["exec", "--agent", "runner", "--", "python3", "-c", script])
            .arg(&socket)
            .arg(&id)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", text(&out));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("refused"), "{said}");
        assert!(!said.contains("REACHED"), "{said}");
        let _ = fx
            .vault
            .command_without_unlock()
            .env("XDG_RUNTIME_DIR", &runtime)
            .arg("lock")
            .output();
    }
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
    let listed = fx
        .vault
        .command_without_unlock()
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
