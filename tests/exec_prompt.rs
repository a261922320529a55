//! `exec` on a terminal, with the passphrase typed at a prompt: the credential's time counts from
//! when it is minted, after the prompt is answered, not from when the prompt began.

mod util;

use std::process::Command;

use util::TestVault;

/// Runs `args` on a pseudo-terminal, waits for the passphrase prompt, answers it `delay_secs`
/// later, and returns what the terminal showed and the exit code.
const ON_A_TERMINAL: &str = r#"
import os, pty, select, sys, time
delay, passphrase, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
seen = b""
deadline = time.time() + 30
while b"assphrase" not in seen and time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if r:
        seen += os.read(fd, 4096)
time.sleep(delay)
os.write(fd, passphrase.encode() + b"\r")
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

#[test]
fn a_late_answered_prompt_still_gives_the_program_its_whole_ttl() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "runner"]).code(0);
    vault.set_secret("token", "s3cr3t-prompt-timing").code(0);
    vault.run(&["grant", "runner", "token"]).code(0);
    let passphrase = std::fs::read_to_string(vault.passphrase_file()).unwrap();
    let base = vault.command_without_unlock();
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(ON_A_TERMINAL)
        .arg("2.5")
        .arg(passphrase.trim_end())
        .arg(util::bin())
        .args([
            "exec",
            "--agent",
            "runner",
            "--ttl",
            "3s",
            "--on-expiry",
            "kill",
            "--",
            "sh",
            "-c",
            "sleep 1.5; echo survived",
        ])
        .current_dir(vault.root());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let started = std::time::Instant::now();
    let out = cmd.output().expect("run python3");
    let shown = String::from_utf8_lossy(&out.stdout);
    // The prompt took 2.5 s of a 3 s TTL: counted from the prompt, the program would have been
    // killed half a second in, long before its 1.5 s sleep was over.
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("survived"), "{shown}");
    assert!(started.elapsed().as_secs_f64() > 3.5);
    // And every record of the run counts from the mint, after the prompt.
    let lines = vault.audit_lines();
    let start = lines
        .iter()
        .rev()
        .find(|e| e["action"] == "exec.start")
        .expect("exec.start");
    let mint = lines
        .iter()
        .rev()
        .find(|e| e["action"] == "cred.mint")
        .expect("cred.mint");
    let parse = |e: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(e["ts"].as_str().unwrap()).unwrap()
    };
    let creds = vault.json(&["creds", "list", "--json"]);
    let cred = &creds["credentials"].as_array().expect("credentials")[0];
    let issued = chrono::DateTime::parse_from_rfc3339(cred["issued_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(cred["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - issued).num_seconds(), 3, "{cred}");
    assert!(
        parse(start) >= issued - chrono::Duration::milliseconds(1),
        "{start}"
    );
    assert!(
        parse(mint) >= issued - chrono::Duration::milliseconds(1),
        "{mint}"
    );
}

/// `exec` says when the credential lives less than asked for, and what limited it.
#[test]
fn exec_says_when_the_ttl_was_limited_and_by_what() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "runner"]).code(0);
    vault.set_secret("token", "s3cr3t-limited-ttl").code(0);
    vault
        .run(&["grant", "runner", "token", "--max-ttl", "1m"])
        .code(0);
    let out = vault
        .run(&["exec", "--agent", "runner", "--ttl", "10m", "--", "true"])
        .code(0);
    let said = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        said.contains("the credential lives 1m of the 10m asked for, limited by"),
        "{said}"
    );
    assert!(said.contains("grant"), "{said}");
    // Not limited: nothing said.
    let out = vault
        .run(&["exec", "--agent", "runner", "--ttl", "30s", "--", "true"])
        .code(0);
    assert!(out.get_output().stderr.is_empty(), "{out:?}");
}
