//! Nested `exec` through the run socket: a program under `exec` gets a narrower credential from
//! its supervisor, not from the vault, which the program may not be able to reach at all.
//!
//! Each test runs the built binary in its own cheap-KDF vault holding agents `alpha` and `bravo`,
//! each granted one secret. The inner `agentcred exec` runs with `AGENTCRED_HOME` pointing at a
//! directory that does not exist, as a program in a sandbox sees the vault: whatever works there
//! works through the socket. Raw clients are Python scripts speaking to the socket directly, the
//! way a hostile program would.

mod util;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use util::{TestVault, assert_no_leak, assert_unbroken_chain, random_secret};

struct Fixture {
    vault: TestVault,
    alpha_value: String,
    bravo_value: String,
}

impl Fixture {
    fn new() -> Fixture {
        let fx = Fixture {
            vault: TestVault::new(),
            alpha_value: random_secret(),
            bravo_value: random_secret(),
        };
        fx.vault.run(&["agent", "add", "alpha", "bravo"]).code(0);
        fx.vault.set_secret("alpha_db", &fx.alpha_value).code(0);
        fx.vault.set_secret("bravo_db", &fx.bravo_value).code(0);
        fx.vault.run(&["grant", "alpha", "alpha_db"]).code(0);
        fx.vault.run(&["grant", "bravo", "bravo_db"]).code(0);
        fx
    }

    /// `exec --agent alpha -- sh -c SCRIPT sh ARGS…`, with `$ACBIN` (agentcred), `$PY` (the raw
    /// client) and `$NOWHERE` (a vault directory that does not exist) set.
    fn exec_sh(&self, script: &str, args: &[&str]) -> Command {
        let mut cmd = self.vault.cmd();
        cmd.args(["exec", "--agent", "alpha", "--", "sh", "-c", script, "sh"])
            .args(args)
            .env("ACBIN", util::bin())
            .env("PY", RAW_CLIENT)
            .env("NOWHERE", self.vault.root().join("nowhere"))
            .write_stdin("");
        cmd
    }

    fn entries(&self, action: &str, id: &str) -> Vec<Value> {
        self.vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == action && e["credential_id"] == id)
            .collect()
    }

    fn one(&self, action: &str, id: &str) -> Value {
        let found = self.entries(action, id);
        assert_eq!(found.len(), 1, "one {action} for {id}: {found:?}");
        found.into_iter().next().expect("one entry")
    }

    fn revoked(&self, id: &str) -> bool {
        std::fs::read_to_string(self.vault.path("revoked.jsonl"))
            .unwrap_or_default()
            .lines()
            .any(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v["id"] == id))
    }

    /// No value and no token anywhere in the log, and the chain unbroken.
    fn check_audit(&self, tokens: &[&str]) {
        let text = self.vault.audit_text();
        assert_no_leak(text.as_bytes(), &self.alpha_value);
        assert_no_leak(text.as_bytes(), &self.bravo_value);
        for t in tokens {
            assert_no_leak(text.as_bytes(), t);
        }
        assert_unbroken_chain(&text);
    }
}

/// A raw client: connects to `$AGENTCRED_RUN_SOCKET`, sends each argument as a line (`LONG`: a
/// 70,000-byte line; `CLOSE`: hang up), and prints each answer as a line (`EOF` when the socket
/// closed instead).
const RAW_CLIENT: &str = r#"
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["AGENTCRED_RUN_SOCKET"])
f = s.makefile("rwb")
for arg in sys.argv[1:]:
    if arg == "CLOSE":
        break
    line = b"x" * 70000 if arg == "LONG" else os.fsencode(arg)
    try:
        f.write(line + b"\n")
        f.flush()
        answer = f.readline()
    except OSError:
        answer = b""
    sys.stdout.write(answer.decode() if answer else "EOF\n")
    sys.stdout.flush()
"#;

/// `key=value` lines of a program's output.
fn fields(out: &str) -> BTreeMap<&str, &str> {
    out.lines().filter_map(|l| l.split_once('=')).collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

const SHAPE: &str =
    r#""shape":{"argc":1,"replace":false,"mask":false,"clean_env":false,"on_expiry":"term"}"#;

#[test]
fn a_nested_exec_works_without_the_vault_and_its_records_land_in_the_vault() {
    let fx = Fixture::new();
    let script = r#"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --ttl 1m -- sh -c '
  echo "inner=$AGENTCRED_CREDENTIAL_ID"; echo "value=$ALPHA_DB"; printf %s "$AGENTCRED_TOKEN" > "$1"
  AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --ttl 30s -- sh -c "echo innermost=\$AGENTCRED_CREDENTIAL_ID"
  echo "innermost_rc=$?"' sh "$1"
echo "inner_rc=$?"
echo "outer=$AGENTCRED_CREDENTIAL_ID""#;
    let token_file = fx.vault.root().join("inner-token");
    let assert = fx
        .exec_sh(script, &[token_file.to_str().expect("UTF-8")])
        .assert()
        .code(0);
    let out = text(&assert.get_output().stdout);
    let f = fields(&out);
    assert_eq!(
        f["inner_rc"],
        "0",
        "{out}\n{}",
        text(&assert.get_output().stderr)
    );
    assert_eq!(f["innermost_rc"], "0", "{out}");
    assert_eq!(f["value"], fx.alpha_value);
    let (outer, inner, innermost) = (f["outer"], f["inner"], f["innermost"]);
    assert!(outer.starts_with("cr_") && inner.starts_with("dl_") && innermost.starts_with("dl_"));
    assert_ne!(inner, innermost);

    // Every record of the nested runs is in the real vault, written by the outer supervisor.
    for id in [inner, innermost] {
        let mint = fx.one("cred.mint", id);
        assert_eq!(mint["actor"], "agent:alpha");
        assert_eq!(mint["secrets"], serde_json::json!(["alpha_db"]));
        fx.one("exec.start", id);
        let end = fx.one("exec.end", id);
        assert_eq!(end["result"], "ok", "{end}");
        assert_eq!(end["details"]["exit_code"], 0, "{end}");
        assert!(fx.revoked(id), "{id} was not revoked at its end");
    }
    // The innermost run narrows the inner one, not the outer one.
    let mint = fx.one("cred.mint", innermost);
    assert_eq!(mint["details"]["parent"], inner, "{mint}");
    // Ends come innermost first, the outer run's last.
    let seq = |a: &str, id: &str| fx.one(a, id)["seq"].as_u64().expect("seq");
    assert!(seq("exec.end", innermost) < seq("exec.end", inner));
    assert!(seq("exec.end", inner) < seq("exec.end", outer));

    // The nested token no longer verifies.
    let token = std::fs::read_to_string(&token_file).expect("the inner token");
    fx.vault.run(&["verify", &token]).code(3);
    fx.check_audit(&[&token]);
}

#[test]
fn a_wider_nested_request_is_refused_and_logged_and_nothing_runs() {
    let fx = Fixture::new();
    let script = r#"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --secret bravo_db -- touch "$1" 2>"$2"; echo "secret=$?"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --ttl 2h -- touch "$1" 2>>"$2"; echo "ttl=$?"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --agent bravo -- touch "$1" 2>>"$2"; echo "agent=$?"
python3 -c "$PY" "$3" "$4" "$5""#;
    let ran = fx.vault.root().join("ran");
    let errors = fx.vault.root().join("errors");
    let wider = format!(r#"{{"op":"exec","secrets":["bravo_db"],{SHAPE}}}"#);
    let other_parent = format!(r#"{{"op":"exec","parent":"cr_000000000000000000000000",{SHAPE}}}"#);
    let as_bravo = format!(r#"{{"op":"exec","agent":"bravo",{SHAPE}}}"#);
    let assert = fx
        .exec_sh(
            script,
            &[
                ran.to_str().expect("UTF-8"),
                errors.to_str().expect("UTF-8"),
                &wider,
                &other_parent,
                &as_bravo,
            ],
        )
        .assert()
        .code(0);
    let out = text(&assert.get_output().stdout);
    let f = fields(&out);
    // As an in-process nested exec refuses them: before the child, 125.
    assert_eq!(
        (f["secret"], f["ttl"], f["agent"]),
        ("125", "125", "125"),
        "{out}"
    );
    assert!(!ran.exists(), "a refused nested exec ran its program");
    let errors = std::fs::read_to_string(&errors).expect("refusals");
    assert!(
        errors.contains("error: secret bravo_db is not in the parent credential"),
        "{errors}"
    );
    assert!(
        errors.contains("error: --ttl 2h is longer than the parent credential"),
        "{errors}"
    );
    assert!(errors.contains("it cannot act as bravo"), "{errors}");
    // Raw requests get the same answers, denied (3), with nothing granted in them.
    let answers = json_lines(&out);
    assert_eq!(answers.len(), 3, "{out}");
    for a in &answers {
        assert_eq!(a["ok"], false, "{a}");
        assert_eq!(a["code"], 3, "{a}");
        assert!(
            a.get("secrets").is_none() && a.get("token").is_none(),
            "{a}"
        );
    }
    assert_no_leak(out.as_bytes(), &fx.bravo_value);
    assert_no_leak(errors.as_bytes(), &fx.bravo_value);

    // Each refusal of the agent's request is on the log as a denial; nothing was minted.
    let denials = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "deny" && e["agent"] == "alpha")
        .count();
    assert_eq!(denials, 6, "each refusal is logged");
    let mints = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "cred.mint")
        .count();
    assert_eq!(mints, 1, "only the outer run's credential was minted");
    fx.check_audit(&[]);
}

#[test]
fn garbage_on_the_socket_gets_an_error_and_the_supervisor_keeps_serving() {
    let fx = Fixture::new();
    let script = r#"
python3 -c "$PY" 'not json' '{"op":"nope"}' '{"op":"end"}' '[1,2]' '{"op":"exec"}' "$(printf '\001\377')" '{"op":"expire","on_expiry":"kill"}'
python3 -c "$PY" LONG '{}'
python3 -c "$PY" CLOSE
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec -- sh -c 'echo "nested=$AGENTCRED_CREDENTIAL_ID"'
echo "after=$?""#;
    let assert = fx.exec_sh(script, &[]).assert().code(0);
    let out = text(&assert.get_output().stdout);
    let answers = json_lines(&out);
    // Seven answers on the first connection, one for the oversized line; then it closed.
    assert_eq!(answers.len(), 8, "{out}");
    for a in &answers {
        assert_eq!(a["ok"], false, "{a}");
        assert!(a["error"].as_str().is_some_and(|e| !e.is_empty()), "{a}");
        let code = a["code"].as_u64().expect("a code");
        assert_eq!(code, 2, "{a}");
    }
    assert!(out.lines().any(|l| l == "EOF"), "{out}");
    let f = fields(&out);
    assert_eq!(f["after"], "0", "{out}");
    assert!(f["nested"].starts_with("dl_"), "{out}");
    assert!(
        !text(&assert.get_output().stderr).contains("panicked"),
        "{}",
        text(&assert.get_output().stderr)
    );
    fx.check_audit(&[]);
}

#[test]
fn a_nested_run_whose_client_hangs_up_is_ended_and_revoked_at_once() {
    let fx = Fixture::new();
    // The raw client gets a credential and hangs up without reporting an end; the marker line
    // is logged after that, while the outer program still runs.
    let ask = format!(r#"{{"op":"exec","secrets":["alpha_db"],{SHAPE}}}"#);
    let script = r#"python3 -c "$PY" "$1" CLOSE; echo done"#;
    let assert = fx.exec_sh(script, &[&ask]).assert().code(0);
    let out = text(&assert.get_output().stdout);
    let answers = json_lines(&out);
    assert_eq!(answers.len(), 1, "{out}");
    let granted = &answers[0];
    assert_eq!(granted["ok"], true, "{granted}");
    // The client is the program, already holding the value: it gets that back, nothing more.
    assert_eq!(granted["secrets"][0]["value"], fx.alpha_value.as_str());
    assert_eq!(granted["secrets"].as_array().map(Vec::len), Some(1));
    let id = granted["credential_id"].as_str().expect("an id");
    let end = fx.one("exec.end", id);
    assert_eq!(end["details"]["ended_by"], "disconnect", "{end}");
    assert_eq!(end["result"], "error", "{end}");
    assert!(fx.revoked(id));
    let outer = fx
        .vault
        .audit_lines()
        .into_iter()
        .find(|e| e["action"] == "exec.end" && e["credential_id"] != id)
        .expect("the outer run's end");
    assert!(end["seq"].as_u64() < outer["seq"].as_u64());
    let token = granted["token"].as_str().expect("a token");
    fx.vault.run(&["verify", token]).code(3);
    fx.check_audit(&[token]);
}

#[test]
fn a_nested_credential_expiring_under_its_program_is_recorded_by_the_supervisor() {
    let fx = Fixture::new();
    let script = r#"AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --ttl 2s --on-expiry kill -- sh -c 'echo "inner=$AGENTCRED_CREDENTIAL_ID"; exec sleep 20'
echo "rc=$?""#;
    let started = std::time::Instant::now();
    let assert = fx.exec_sh(script, &[]).assert().code(0);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    let out = text(&assert.get_output().stdout);
    let f = fields(&out);
    assert_eq!(f["rc"], "137", "{out}");
    let inner = f["inner"];
    let expire = fx.one("exec.expire", inner);
    assert_eq!(expire["details"]["on_expiry"], "kill");
    let end = fx.one("exec.end", inner);
    assert_eq!(end["details"]["ended_by"], "expiry", "{end}");
    assert_eq!(end["details"]["signal"], 9, "{end}");
    assert!(fx.revoked(inner));
    fx.check_audit(&[]);
}

#[test]
fn a_nested_exec_with_its_supervisor_gone_fails_with_125() {
    let fx = Fixture::new();
    let marker = fx.vault.root().join("ran");
    // No socket at the path.
    let gone = fx
        .vault
        .cmd()
        .env("AGENTCRED_HOME", fx.vault.root().join("nowhere"))
        .env(
            "AGENTCRED_RUN_SOCKET",
            fx.vault.root().join("no-such-socket"),
        )
        .env("AGENTCRED_CREDENTIAL_ID", "cr_000000000000000000000000")
        .args(["exec", "--", "touch"])
        .arg(&marker)
        .write_stdin("")
        .assert()
        .code(125);
    let err = text(&gone.get_output().stderr);
    assert!(
        err.starts_with("error: cannot reach the supervising agentcred at "),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(!marker.exists());

    // A supervisor that hangs up without an answer: the same.
    let path = fx.vault.root().join("hangs-up");
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    let hangs_up = std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            drop(s);
        }
    });
    let closed = fx
        .vault
        .cmd()
        .env("AGENTCRED_HOME", fx.vault.root().join("nowhere"))
        .env("AGENTCRED_RUN_SOCKET", &path)
        .env("AGENTCRED_CREDENTIAL_ID", "cr_000000000000000000000000")
        .args(["exec", "--", "touch"])
        .arg(&marker)
        .write_stdin("")
        .assert()
        .code(125);
    hangs_up.join().expect("the listener thread");
    let err = text(&closed.get_output().stderr);
    assert!(
        err.starts_with("error: cannot reach the supervising agentcred at "),
        "{err}"
    );
    assert!(!marker.exists());
}

#[test]
fn the_socket_is_private_outside_the_vault_and_gone_after_the_run() {
    let fx = Fixture::new();
    let runtime = fx.vault.root().join("runtime");
    std::fs::create_dir(&runtime).expect("mkdir");
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let script = r#"echo "socket=$AGENTCRED_RUN_SOCKET"; test -S "$AGENTCRED_RUN_SOCKET"; echo "is_socket=$?""#;
    let run_with = |runtime: &Path, sandbox: bool| {
        let mut cmd = fx.vault.cmd();
        cmd.args(["exec", "--agent", "alpha"]);
        if !sandbox {
            cmd.arg("--no-sandbox");
        }
        let assert = cmd
            .args(["--", "sh", "-c", script])
            .env("XDG_RUNTIME_DIR", runtime)
            .write_stdin("")
            .assert()
            .code(0);
        text(&assert.get_output().stdout)
    };
    let run = |runtime: &Path| run_with(runtime, true);

    // The sandbox hides the runtime directory (the user's services listen there), so the socket
    // is made in the temporary directory; and gone at the end.
    let out = run(&runtime);
    let f = fields(&out);
    assert_eq!(f["is_socket"], "0", "{out}");
    let socket = Path::new(f["socket"]).to_path_buf();
    assert!(!socket.starts_with(&runtime), "{out}");
    assert!(!socket.exists());

    // Without the sandbox a private runtime directory is used; the socket and its directory are
    // gone at the end.
    let out = run_with(&runtime, false);
    let f = fields(&out);
    assert_eq!(f["is_socket"], "0", "{out}");
    let socket = Path::new(f["socket"]);
    let dir = socket.parent().expect("a directory");
    assert_eq!(dir.parent(), Some(runtime.as_path()), "{out}");
    assert!(!socket.starts_with(fx.vault.dir()));
    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(
        std::fs::read_dir(&runtime).expect("list").next().is_none(),
        "the runtime directory is left with something in it"
    );

    // An open runtime directory is not: the temporary directory is used instead.
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = run_with(&runtime, false);
    let socket = Path::new(fields(&out)["socket"]).to_path_buf();
    assert!(!socket.starts_with(&runtime), "{out}");
    assert!(!socket.exists());

    // While the run lasts: the socket 0600 in a 0700 directory of the user's.
    let probe = fx.vault.root().join("modes");
    let script = r#"stat -c '%a %u' "$AGENTCRED_RUN_SOCKET" "$(dirname "$AGENTCRED_RUN_SOCKET")" > "$1"; id -u >> "$1""#;
    fx.exec_sh(script, &[probe.to_str().expect("UTF-8")])
        .assert()
        .code(0);
    let modes = std::fs::read_to_string(&probe).expect("modes");
    let lines: Vec<&str> = modes.lines().collect();
    let uid = lines[2];
    assert_eq!(lines[0], format!("600 {uid}"), "{modes}");
    assert_eq!(lines[1], format!("700 {uid}"), "{modes}");
}

#[test]
fn exec_replace_gets_no_socket_and_a_nested_exec_under_it_uses_the_vault() {
    let fx = Fixture::new();
    let script = r#"echo "socket=${AGENTCRED_RUN_SOCKET-none}"
"$ACBIN" exec --ttl 1m -- sh -c 'echo "nested=$AGENTCRED_CREDENTIAL_ID"'
echo "rc=$?""#;
    let assert = fx
        .vault
        .cmd()
        .args([
            "exec",
            "--replace",
            "--agent",
            "alpha",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("ACBIN", util::bin())
        .write_stdin("")
        .assert()
        .code(0);
    let out = text(&assert.get_output().stdout);
    let f = fields(&out);
    assert_eq!(f["socket"], "none", "{out}");
    assert_eq!(f["rc"], "0", "{out}");
    let nested = f["nested"];
    fx.one("exec.start", nested);
    fx.one("exec.end", nested);
    fx.check_audit(&[]);
}

#[test]
fn delegate_inside_a_run_is_signed_and_recorded_by_the_supervisor_and_only_narrows() {
    let fx = Fixture::new();
    let script = r#"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" delegate --to bravo --ttl 1m --task triage > "$1"; echo "narrow=$?"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" delegate --to bravo --ttl 2h 2>"$2"; echo "longer=$?"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" delegate --agent bravo --to alpha 2>>"$2"; echo "other=$?"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" delegate --to nobody 2>>"$2"; echo "unknown=$?""#;
    let token_file = fx.vault.root().join("delegated");
    let errors = fx.vault.root().join("errors");
    let assert = fx
        .exec_sh(
            script,
            &[
                token_file.to_str().expect("UTF-8"),
                errors.to_str().expect("UTF-8"),
            ],
        )
        .assert()
        .code(0);
    let out = text(&assert.get_output().stdout);
    let f = fields(&out);
    let errors = std::fs::read_to_string(&errors).expect("errors");
    assert_eq!(f["narrow"], "0", "{out}\n{errors}");
    assert_eq!(f["longer"], "3", "{out}\n{errors}");
    assert_eq!(f["other"], "3", "{out}\n{errors}");
    assert_eq!(f["unknown"], "66", "{out}\n{errors}");
    assert!(
        errors.contains("would outlive the parent token"),
        "{errors}"
    );
    let token = std::fs::read_to_string(&token_file).expect("the token");
    let token = token.trim();
    assert!(!token.is_empty());

    let lines = fx.vault.audit_lines();
    let delegations: Vec<&Value> = lines.iter().filter(|e| e["action"] == "delegate").collect();
    assert_eq!(delegations.len(), 1, "{delegations:?}");
    let d = delegations[0];
    assert_eq!(d["agent"], "alpha");
    assert_eq!(d["details"]["from"], "alpha");
    assert_eq!(d["details"]["to"], "bravo");
    assert_eq!(d["details"]["task"], "triage");
    let outer = lines
        .iter()
        .find(|e| e["action"] == "exec.start")
        .expect("the run's start");
    assert_eq!(d["details"]["parent"], outer["credential_id"], "{d}");
    let denials = lines
        .iter()
        .filter(|e| e["action"] == "deny" && e["details"]["attempted"] == "delegate")
        .count();
    assert_eq!(denials, 1, "the longer delegation is logged as denied");
    // A delegation narrows the run's credential, so it ends with the run.
    let after = fx.vault.run(&["verify", token]).code(3);
    assert!(text(&after.get_output().stderr).contains("revoked"));
    fx.check_audit(&[token]);
}

/// Another process of the same user, not started by the run's program (another agent's program,
/// or anything else that user runs), finds the run's socket and asks it for a credential and a
/// delegation: the connection is closed unanswered, nothing is minted or delegated, and no value
/// travels. The run's own program is still served.
#[test]
fn a_same_user_process_outside_the_run_gets_nothing_from_its_socket() {
    let fx = Fixture::new();
    let where_file = fx.vault.root().join("socket-path");
    let done = fx.vault.root().join("done");
    let script = r#"echo "$AGENTCRED_RUN_SOCKET" > "$1.tmp"; mv "$1.tmp" "$1"
i=0; while [ ! -e "$2" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec -- sh -c 'echo "nested=$AGENTCRED_CREDENTIAL_ID"'"#;
    let mut run = fx.vault.command();
    let run = run
        .args(["exec", "--agent", "alpha", "--", "sh", "-c", script, "sh"])
        .args([
            where_file.to_str().expect("UTF-8"),
            done.to_str().expect("UTF-8"),
        ])
        .env("ACBIN", util::bin())
        .env("NOWHERE", fx.vault.root().join("nowhere"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the run");
    let mut waited = 0;
    while !where_file.exists() {
        assert!(waited < 300, "the run never named its socket");
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    let socket = std::fs::read_to_string(&where_file).expect("the socket path");
    let exec = format!(r#"{{"op":"exec",{SHAPE}}}"#);
    let delegate = r#"{"op":"delegate","to":"bravo","actions":["read"],"resources":["*"],"ttl_ms":60000,"task":"x"}"#;
    for ask in [exec.as_str(), delegate] {
        let out = std::process::Command::new("python3")
            .args(["-c", RAW_CLIENT, ask])
            .env("AGENTCRED_RUN_SOCKET", socket.trim())
            .output()
            .expect("run the client");
        let said = text(&out.stdout);
        assert_eq!(said.trim(), "EOF", "{ask}: {said}");
        assert_no_leak(&out.stdout, &fx.alpha_value);
    }
    std::fs::write(&done, "").expect("let the run finish");
    let ended = run.wait_with_output().expect("the run ends");
    assert_eq!(ended.status.code(), Some(0), "{}", text(&ended.stderr));
    let out = text(&ended.stdout);
    assert!(fields(&out)["nested"].starts_with("dl_"), "{out}");
    let mints = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "cred.mint" || e["action"] == "delegate")
        .count();
    assert_eq!(mints, 2, "the run and its own nested exec only");
    fx.check_audit(&[]);
}

/// A nested credential and a delegation made inside a run carry the values the run holds, so they
/// record the version of the secret the run holds (2 after a rotation), not a placeholder.
#[test]
fn a_nested_credential_and_a_delegation_record_the_version_the_parent_holds() {
    let fx = Fixture::new();
    fx.vault
        .run(&[
            "secret",
            "rotate",
            "alpha_db",
            "--generate",
            "--overlap",
            "1h",
        ])
        .code(0);
    let script = r#"
AGENTCRED_HOME="$NOWHERE" "$ACBIN" exec --ttl 1m -- sh -c 'echo "inner=$AGENTCRED_CREDENTIAL_ID"'
AGENTCRED_HOME="$NOWHERE" "$ACBIN" delegate --to bravo --ttl 1m > /dev/null; echo "delegated=$?""#;
    let assert = fx.exec_sh(script, &[]).assert().code(0);
    let out = text(&assert.get_output().stdout);
    let f = fields(&out);
    assert_eq!(f["delegated"], "0", "{out}");
    let inner = f["inner"];
    let mint = fx.one("cred.mint", inner);
    assert_eq!(mint["details"]["versions"]["alpha_db"], 2, "{mint}");
    let delegation = fx
        .vault
        .audit_lines()
        .into_iter()
        .find(|e| e["action"] == "delegate")
        .expect("the delegation");
    assert_eq!(
        delegation["details"]["versions"]["alpha_db"], 2,
        "{delegation}"
    );
    let creds = fx.vault.json(&["--json", "creds", "list"]);
    for c in creds["credentials"].as_array().expect("credentials") {
        assert_eq!(
            c["secrets"],
            serde_json::json!([{"name": "alpha_db", "version": 2}]),
            "{c}"
        );
    }
}
