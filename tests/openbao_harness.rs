//! The OpenBao test harness on its own: a dev server, tokens, AppRole, KV v2 with
//! check-and-set, sealing, the gate, and database credentials against a real PostgreSQL. Nothing
//! here runs agentcred; the OpenBao tests build on these pieces.

mod util;

use std::time::Instant;

use util::openbao::{Bao, Postgres};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn token_file_holds_a_working_token_with_the_agentcred_policy() {
    let started = Instant::now();
    let bao = Bao::start();
    eprintln!("Bao::start took {:?}", started.elapsed());
    let dir = tempfile::tempdir().unwrap();
    let file = bao.token_file(dir.path(), &[]);
    let mode = std::fs::metadata(&file).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    let token = std::fs::read_to_string(&file).unwrap();
    let out = bao.bao_as(&token, &["token", "lookup", "-format=json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let policies = me["data"]["policies"].as_array().unwrap();
    assert!(policies.iter().any(|p| p == "agentcred"), "{policies:?}");
    assert!(me["data"]["ttl"].as_u64().unwrap() <= 3600);
    // The policy lets it create a child token and revoke it by accessor.
    let out = bao.bao_as(&token, &["token", "create", "-ttl=5m", "-format=json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let child: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let accessor = child["auth"]["accessor"].as_str().unwrap();
    let child_token = child["auth"]["client_token"].as_str().unwrap();
    assert!(
        bao.bao_as(child_token, &["token", "lookup"])
            .status
            .success()
    );
    let out = bao.bao_as(&token, &["token", "revoke", "-accessor", accessor]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bao.bao_as(child_token, &["token", "lookup"]);
    assert!(!out.status.success());
    // The token cannot do what the policy leaves out.
    assert!(!bao.bao_as(&token, &["policy", "list"]).status.success());
}

#[test]
fn approle_login_gives_a_token_with_the_role_policies() {
    let bao = Bao::start();
    bao.write_policy("reader", r#"path "secret/*" { capabilities = ["read"] }"#);
    let (role_id, secret_id) = bao.approle("agentcred", &["reader"]);
    assert!(!role_id.is_empty() && !secret_id.is_empty());
    let login = bao.bao_json(&[
        "write",
        "auth/approle/login",
        &format!("role_id={role_id}"),
        &format!("secret_id={secret_id}"),
    ]);
    let policies = login["auth"]["token_policies"].as_array().unwrap();
    assert!(policies.iter().any(|p| p == "reader"), "{policies:?}");
    // A second role reuses the enabled auth method.
    let (other, _) = bao.approle("other", &["reader"]);
    assert_ne!(other, role_id);
}

#[test]
fn kv_v2_at_secret_with_check_and_set_and_versions() {
    let bao = Bao::start();
    assert_eq!(bao.kv_put("secret/app/db", &[("password", "one")]), 1);
    assert_eq!(
        bao.kv_put_cas("secret/app/db", &[("password", "two")], 1),
        2
    );
    // A write with a stale version is refused, and nothing changes.
    let out = bao.bao(&["kv", "put", "-cas=1", "secret/app/db", "password=three"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("check-and-set"), "{}", stderr(&out));
    let (version, fields) = bao.kv_get("secret/app/db");
    assert_eq!(version, 2);
    assert_eq!(fields["password"], "two");
    assert_eq!(bao.kv_get_version("secret/app/db", 1)["password"], "one");
}

#[test]
fn seal_refuses_at_once_and_unseal_keeps_the_data() {
    let bao = Bao::start();
    let dir = tempfile::tempdir().unwrap();
    let token = std::fs::read_to_string(bao.token_file(dir.path(), &[])).unwrap();
    bao.kv_put("secret/kept", &[("v", "still here")]);
    bao.seal();
    let started = Instant::now();
    let out = bao.bao(&["kv", "get", "secret/kept"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sealed"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 5);
    bao.unseal();
    assert_eq!(bao.kv_get("secret/kept").1["v"], "still here");
    assert!(bao.bao_as(&token, &["token", "lookup"]).status.success());
}

#[test]
fn a_closed_gate_refuses_connections_and_opens_again() {
    let bao = Bao::start();
    bao.kv_put("secret/kept", &[("v", "x")]);
    let gate = bao.gate();
    let via_gate = |args: &[&str]| {
        bao.command(args)
            .env("BAO_ADDR", gate.addr())
            .env("BAO_CLIENT_TIMEOUT", "3s")
            .env("BAO_MAX_RETRIES", "0")
            .output()
            .unwrap()
    };
    assert!(via_gate(&["kv", "get", "secret/kept"]).status.success());
    gate.close();
    let out = via_gate(&["kv", "get", "secret/kept"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("connection refused"),
        "{}",
        stderr(&out)
    );
    gate.open();
    let out = via_gate(&["kv", "get", "secret/kept"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn pause_makes_the_server_unresponsive_and_resume_brings_it_back() {
    let bao = Bao::start();
    bao.pause();
    let out = bao
        .command(&["status"])
        .env("BAO_CLIENT_TIMEOUT", "1s")
        .env("BAO_MAX_RETRIES", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    bao.resume();
    bao.bao_ok(&["status"]);
}

#[test]
fn audit_file_records_requests() {
    let bao = Bao::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    bao.audit_enable_file(&log);
    bao.kv_put("secret/audited", &[("v", "plain-value-123")]);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("secret/data/audited"), "{text}");
    // OpenBao HMACs values in its audit log.
    assert!(!text.contains("plain-value-123"));
}

#[test]
fn database_credentials_log_in_until_their_lease_is_revoked() {
    let started = Instant::now();
    let pg = Postgres::start();
    eprintln!("Postgres::start took {:?}", started.elapsed());
    assert_eq!(pg.sql("SELECT current_user").trim(), "postgres");
    pg.sql("CREATE TABLE items (name text); INSERT INTO items VALUES ('apple')");
    assert!(!pg.psql_as("postgres", "wrong", "SELECT 1").status.success());
    let bao = Bao::start();
    bao.enable_database(&pg, "readonly", "5m", "1h");
    let creds = bao.bao_json(&["read", "database/creds/readonly"]);
    let user = creds["data"]["username"].as_str().unwrap();
    let password = creds["data"]["password"].as_str().unwrap();
    let lease = creds["lease_id"].as_str().unwrap();
    assert!(lease.starts_with("database/creds/readonly/"), "{lease}");
    let out = pg.psql_as(user, password, "SELECT name FROM items");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "apple");
    // Read-only: the role cannot write.
    assert!(
        !pg.psql_as(user, password, "INSERT INTO items VALUES ('x')")
            .status
            .success()
    );
    // A second lease is another user.
    let second = bao.bao_json(&["read", "database/creds/readonly"]);
    assert_ne!(second["data"]["username"].as_str().unwrap(), user);
    // The CLI queues a revocation unless told -sync (the API's sys/leases/revoke waits by default).
    bao.bao_ok(&["lease", "revoke", "-sync", lease]);
    let out = pg.psql_as(user, password, "SELECT 1");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("authentication failed"),
        "{}",
        stderr(&out)
    );
    let roles = pg.sql(&format!(
        "SELECT count(*) FROM pg_roles WHERE rolname = '{user}'"
    ));
    assert_eq!(roles.trim(), "0");
}
