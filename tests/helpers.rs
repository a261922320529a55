//! The credential helpers, driven by the real clients that call them: git (clone and fetch over
//! HTTP from `git http-backend` behind Basic authentication), botocore (`credential_process`),
//! docker's way of running `docker-credential-agentcred`, and kubectl (an exec plugin against a
//! stub API server over HTTPS). Each call mints a credential on the audit log; a revoked grant
//! ends what the client can do.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use util::{TestVault, assert_no_leak, bin, random_secret};

const AGENT: &str = "ci";

/// A test server of `tests/external/helper_servers.py`, stopped when dropped.
struct Server {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl Server {
    /// `mode` (git or kube) expecting `token`; `extra` arguments as the script takes them.
    fn start(mode: &str, token: &str, extra: &[&std::ffi::OsStr]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        util::write_private(&dir.path().join("token"), token.as_bytes());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/external/helper_servers.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(mode)
            .arg("--port-file")
            .arg(dir.path().join("port"))
            .arg("--log")
            .arg(dir.path().join("log.jsonl"))
            .arg("--token-file")
            .arg(dir.path().join("token"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs the test server");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(dir.path().join("port")) {
                break p.trim().parse().expect("a port");
            }
            assert!(
                Instant::now() < deadline,
                "the {mode} test server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server { dir, child, port }
    }

    /// How each request fared: `ok`, `missing` or `wrong` credentials, in order.
    fn auths(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                v["auth"].as_str().expect("auth").to_string()
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A vault with agent `ci` granted `secret` (holding `value`), and an agent key for it, as a CI
/// step holds one.
fn agent_with(vault: &TestVault, secret: &str, value: &str) -> PathBuf {
    vault.run(&["agent", "add", AGENT]).success();
    vault.set_secret(secret, value).success();
    vault.run(&["grant", AGENT, secret]).success();
    vault.issue_key(AGENT, &[])
}

fn grant_id(vault: &TestVault, secret: &str) -> String {
    let grants = vault.json(&["grant", "list", "--agent", AGENT, "--json"]);
    grants["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["secret"] == secret)
        .and_then(|g| g["id"].as_str())
        .expect("the grant's id")
        .to_string()
}

/// The `cred.mint` entries a helper wrote.
fn helper_mints(vault: &TestVault, helper: &str) -> Vec<serde_json::Value> {
    vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "cred.mint" && e["details"]["helper"] == helper)
        .collect()
}

/// A clean environment for a client (git, python, kubectl) that runs agentcred as a CI step
/// would: the vault and the agent key file, nothing of the caller's.
fn client(program: impl AsRef<std::ffi::OsStr>, vault: &TestVault, key: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", vault.root().join("home"))
        .env("AGENTCRED_HOME", vault.dir())
        .env("AGENTCRED_KEY_FILE", key)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .current_dir(vault.root());
    std::fs::create_dir_all(vault.root().join("home")).expect("a home directory");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the client runs")
}

#[track_caller]
fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {:?}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// POSIX single quotes, for a path inside git's `!command` helper string.
fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// `git` with a scrubbed environment: no system config, no prompts, HOME in the test's root.
fn git(vault: &TestVault, key: &Path) -> Command {
    let mut cmd = client("git", vault, key);
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    cmd
}

/// A bare repository under `root/srv/repo.git` with one commit on main, pushed from `root/src`.
fn seed_repo(vault: &TestVault, key: &Path) -> (PathBuf, PathBuf) {
    let srv = vault.root().join("srv");
    let src = vault.root().join("src");
    std::fs::create_dir_all(&srv).unwrap();
    ok(
        &run(git(vault, key)
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(srv.join("repo.git"))),
        "git init --bare",
    );
    ok(
        &run(git(vault, key).args(["init", "-q", "-b", "main"]).arg(&src)),
        "git init",
    );
    commit_and_push(vault, key, &src, &srv, "first");
    (srv, src)
}

fn commit_and_push(vault: &TestVault, key: &Path, src: &Path, srv: &Path, content: &str) {
    std::fs::write(src.join("README"), content).unwrap();
    ok(
        &run(git(vault, key).current_dir(src).args(["add", "README"])),
        "git add",
    );
    ok(
        &run(git(vault, key)
            .current_dir(src)
            .args(["commit", "-q", "-m", content])),
        "git commit",
    );
    ok(
        &run(git(vault, key)
            .current_dir(src)
            .arg("push")
            .arg("-q")
            .arg(srv.join("repo.git"))
            .arg("HEAD:refs/heads/main")),
        "git push to the bare repository",
    );
}

/// Acceptance: a real `git clone` and `git fetch` over HTTP from a server that requires the
/// granted token succeed through `credential.helper = !agentcred git-credential --agent ci`, with
/// an agent key as a CI step holds it; after `grant revoke` git fails with its own error; the
/// token reaches neither git's stderr nor the audit log.
#[test]
fn git_clones_and_fetches_through_the_helper_until_the_grant_is_revoked() {
    let vault = TestVault::new();
    let token = random_secret();
    // Named after the host git asks about: the helper serves it for 127.0.0.1, any port.
    let key = agent_with(&vault, "127.0.0.1", &token);
    let (srv, src) = seed_repo(&vault, &key);
    let server = Server::start("git", &token, &["--root".as_ref(), srv.as_os_str()]);
    let url = format!("http://127.0.0.1:{}/repo.git", server.port);
    let helper = format!("!{} git-credential --agent {AGENT}", sh_quote(bin()));
    ok(
        &run(git(&vault, &key).args(["config", "--global", "credential.helper", &helper])),
        "git config --global credential.helper",
    );

    let clone = run(git(&vault, &key).args(["clone", "-q", &url, "clone"]));
    ok(&clone, "git clone through the helper");
    let clone_dir = vault.root().join("clone");
    assert_eq!(
        std::fs::read_to_string(clone_dir.join("README")).unwrap(),
        "first"
    );
    assert_no_leak(&clone.stderr, &token);
    assert_no_leak(&clone.stdout, &token);
    let auths = server.auths();
    assert_eq!(
        auths.first().map(String::as_str),
        Some("missing"),
        "{auths:?}"
    );
    assert!(auths.iter().any(|a| a == "ok"), "{auths:?}");
    assert!(!auths.iter().any(|a| a == "wrong"), "{auths:?}");
    let mints = helper_mints(&vault, "git-credential");
    assert!(!mints.is_empty(), "git's get minted a credential");
    let host = format!("127.0.0.1:{}", server.port);
    for m in &mints {
        assert_eq!(m["agent"], AGENT);
        assert_eq!(m["secrets"], serde_json::json!(["127.0.0.1"]));
        assert_eq!(m["details"]["host"], host.as_str());
        assert!(m["actor"].as_str().unwrap().starts_with("key:"), "{m}");
    }
    // git's `store` after the clone succeeded changed nothing: no entry but the mints.
    let before_fetch = mints.len();

    commit_and_push(&vault, &key, &src, &srv, "second");
    let fetch = run(git(&vault, &key)
        .current_dir(&clone_dir)
        .args(["fetch", "-q"]));
    ok(&fetch, "git fetch through the helper");
    assert_no_leak(&fetch.stderr, &token);
    let log = run(git(&vault, &key).current_dir(&clone_dir).args([
        "log",
        "-1",
        "--format=%s",
        "origin/main",
    ]));
    assert_eq!(text(&log.stdout).trim(), "second");
    assert!(helper_mints(&vault, "git-credential").len() > before_fetch);

    let id = grant_id(&vault, "127.0.0.1");
    vault.run(&["grant", "revoke", &id]).success();
    let mints_before = helper_mints(&vault, "git-credential").len();
    let refused = run(git(&vault, &key)
        .current_dir(&clone_dir)
        .args(["fetch", "-q"]));
    assert_eq!(
        refused.status.code(),
        Some(128),
        "{}",
        text(&refused.stderr)
    );
    let err = text(&refused.stderr);
    assert!(
        err.contains(&format!("could not read Username for 'http://{host}'")),
        "git's own error: {err}"
    );
    assert_no_leak(&refused.stderr, &token);
    assert_eq!(helper_mints(&vault, "git-credential").len(), mints_before);
    assert_eq!(server.auths().last().map(String::as_str), Some("missing"));
    assert_no_leak(vault.audit_text().as_bytes(), &token);
}

/// The protocol's edges, as git drives them: `store`, `erase` and unknown operations are accepted
/// and change nothing; a host no granted secret is named after gets an empty answer (exit 0, so
/// git goes on); a path prefers the `HOST_OWNER` secret; plain http goes to this machine only;
/// `--secret` names the secret outright and is refused (3) when it is not granted.
#[test]
fn git_helper_answers_only_get_and_only_for_its_hosts() {
    let vault = TestVault::new();
    let token = random_secret();
    let org_token = random_secret();
    let key = agent_with(&vault, "git.example.com", &token);
    vault
        .set_secret("git.example.com_acme", &org_token)
        .success();
    vault
        .run(&["grant", AGENT, "git.example.com_acme"])
        .success();
    let helper = |args: &[&str], stdin: &str| {
        vault
            .with_key_file(&key)
            .arg("git-credential")
            .args(args)
            .write_stdin(stdin)
            .assert()
    };
    let snapshot = vault.snapshot_files();
    for op in ["store", "erase", "capability", "frobnicate"] {
        let a = helper(
            &[op],
            &format!("protocol=https\nhost=git.example.com\nusername=u\npassword={token}\n\n"),
        )
        .code(0);
        assert!(a.get_output().stdout.is_empty() && a.get_output().stderr.is_empty());
    }
    let a = helper(&["get"], "protocol=https\nhost=elsewhere.example.com\n\n").code(0);
    assert!(a.get_output().stdout.is_empty(), "nothing for another host");
    assert_eq!(vault.snapshot_files(), snapshot, "nothing was written");

    let a = helper(&["get"], "protocol=https\nhost=git.example.com\n\n").code(0);
    let out = util::stdout(&a);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "username=x-access-token");
    assert_eq!(lines[1], format!("password={token}"));
    let expiry: i64 = lines[2]
        .strip_prefix("password_expiry_utc=")
        .expect("the expiry")
        .parse()
        .unwrap();
    let minted = helper_mints(&vault, "git-credential");
    let expires_at = minted.last().unwrap()["scope"]["expires_at"]
        .as_str()
        .unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(expires_at)
            .unwrap()
            .timestamp(),
        expiry
    );
    assert!(util::stderr(&a).is_empty());

    // With a path (credential.useHttpPath) the organisation's own secret wins; the user name git
    // sends is kept.
    let a = helper(
        &["get"],
        "protocol=https\nhost=git.example.com\npath=acme/app.git\nusername=bob\n\n",
    )
    .code(0);
    let out = util::stdout(&a);
    assert!(
        out.starts_with(&format!("username=bob\npassword={org_token}\n")),
        "{out}"
    );

    // Plain http to another machine: nothing, and a warning naming the host only.
    let a = helper(&["get"], "protocol=http\nhost=git.example.com\n\n").code(0);
    assert!(a.get_output().stdout.is_empty());
    assert!(util::stderr(&a).contains("http://git.example.com"));

    // --secret: that secret for any host, with --username; a secret not granted is refused.
    let a = helper(
        &["--secret", "git.example.com", "--username", "deploy", "get"],
        "protocol=https\nhost=mirror.example.net\n\n",
    )
    .code(0);
    assert!(util::stdout(&a).starts_with(&format!("username=deploy\npassword={token}\n")));
    let a = helper(
        &["--secret", "nope", "get"],
        "protocol=https\nhost=git.example.com\n\n",
    )
    .code(3);
    assert!(a.get_output().stdout.is_empty());
    assert!(
        util::stderr(&a).contains("not granted secret nope"),
        "{}",
        util::stderr(&a)
    );
    util::assert_output_no_leaks(&a, &[token.clone(), org_token.clone()]);
    assert_no_leak(vault.audit_text().as_bytes(), &token);
    assert_no_leak(vault.audit_text().as_bytes(), &org_token);
}

/// Acceptance: botocore resolves credentials through `credential_process` in a temporary AWS
/// config and gets exactly the granted pair, with Expiration the credential's expiry; a
/// credential it still holds is not asked for again, and one at its expiry is (each call is one
/// `cred.mint` on the audit log).
#[test]
fn botocore_gets_the_granted_pair_and_asks_again_at_expiry() {
    if Command::new("python3")
        .args(["-c", "import botocore"])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        panic!("botocore is not installed: python3 -m pip install boto3 (.ci/run does)");
    }
    let vault = TestVault::new();
    let access = format!("AKIA{}", &random_secret()[8..24]).to_uppercase();
    let secret_key = random_secret();
    let session_token = random_secret();
    let pair = serde_json::json!({
        "AccessKeyId": access,
        "SecretAccessKey": secret_key,
        "SessionToken": session_token,
    });
    let key = agent_with(&vault, "aws-deploy", &pair.to_string());
    let config = vault.root().join("aws-config");
    let helper = |ttl: &str| {
        format!(
            "credential_process = {} aws-credential-process --agent {AGENT} --secret aws-deploy --ttl {ttl}\n",
            bin().display()
        )
    };
    std::fs::write(
        &config,
        format!(
            "[profile hour]\n{}\n[profile short]\n{}",
            helper("1h"),
            helper("5m")
        ),
    )
    .unwrap();
    // One Python process holds each profile's credentials as an SDK does, resolving them twice
    // and counting the helper's mints on the audit log in between.
    let script = r#"
import botocore.session, json, sys
audit = sys.argv[1]
def mints():
    n = 0
    for line in open(audit):
        e = json.loads(line)
        n += e["action"] == "cred.mint" and e.get("details", {}).get("helper") == "aws-credential-process"
    return n
out = {}
for profile in ("hour", "short"):
    creds = botocore.session.Session(profile=profile).get_credentials()
    first = creds.get_frozen_credentials()
    after_first = mints()
    second = creds.get_frozen_credentials()
    out[profile] = {
        "method": creds.method,
        "pair": [first.access_key, first.secret_key, first.token],
        "same": list(second) == list(first),
        "expiry": creds._expiry_time.isoformat(),
        "after_first": after_first,
        "after_second": mints(),
    }
print(json.dumps(out))
"#;
    let out = run(client("python3", &vault, &key)
        .args(["-c", script])
        .arg(vault.path("audit.jsonl"))
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"));
    ok(&out, "botocore with credential_process");
    assert_no_leak(&out.stderr, &secret_key);
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the script's JSON");
    let hour = &got["hour"];
    assert_eq!(hour["method"], "custom-process");
    assert_eq!(
        hour["pair"],
        serde_json::json!([access, secret_key, session_token])
    );
    assert_eq!(hour["after_first"], 1, "{got}");
    assert_eq!(
        hour["after_second"], 1,
        "a credential an hour from expiry is kept: {got}"
    );
    let mints = helper_mints(&vault, "aws-credential-process");
    let expires_at = mints[0]["scope"]["expires_at"].as_str().unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(hour["expiry"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(expires_at).unwrap(),
        "Expiration is the credential's expiry"
    );
    assert_eq!(mints[0]["scope"]["ttl"], "1h");

    // Five minutes is inside botocore's refresh window (it treats the credential as expired ten
    // minutes before its Expiration): each resolution runs the helper again.
    let short = &got["short"];
    assert_eq!(short["pair"], hour["pair"]);
    let (first, second) = (
        short["after_first"].as_u64().unwrap(),
        short["after_second"].as_u64().unwrap(),
    );
    assert!(first >= 2, "{got}");
    assert_eq!(
        second,
        first + 1,
        "the second resolution minted again: {got}"
    );
    assert_no_leak(vault.audit_text().as_bytes(), &secret_key);
    assert_no_leak(vault.audit_text().as_bytes(), &session_token);
}

/// A secret that does not hold a key pair as JSON is refused with 65, naming the secret and not
/// its value, before anything is minted; a secret not granted is refused with 3.
#[test]
fn aws_helper_refuses_a_malformed_pair_without_minting() {
    let vault = TestVault::new();
    let value = format!("AKIA-not-json-{}", random_secret());
    let key = agent_with(&vault, "aws-deploy", &value);
    let a = vault
        .with_key_file(&key)
        .args(["aws-credential-process", "--secret", "aws-deploy"])
        .assert()
        .code(65);
    util::assert_short_error(&a);
    assert!(util::stderr(&a).contains("secret aws-deploy"));
    assert!(a.get_output().stdout.is_empty());
    util::assert_output_no_leak(&a, &value);
    assert!(helper_mints(&vault, "aws-credential-process").is_empty());
    let a = vault
        .with_key_file(&key)
        .args(["aws-credential-process", "--secret", "other"])
        .assert()
        .code(3);
    util::assert_short_error(&a);
}

/// Acceptance: run as `docker-credential-agentcred` (a link), exactly as docker runs it (the
/// action its only argument, the server URL on stdin without a newline, JSON read from stdout):
/// `get` answers a registry a granted secret is named after, and for any other prints docker's
/// "credentials not found in native keychain" and exits 1. `store`/`erase` change nothing; `list`
/// names the registries; after `grant revoke` the registry is not found any more.
#[test]
fn docker_runs_the_helper_by_its_link_name() {
    let vault = TestVault::new();
    let token = random_secret();
    let key = agent_with(&vault, "registry.example.com", &token);
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("docker-credential-agentcred");
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    let docker = |action: &str, stdin: &str| {
        let mut cmd = client(&link, &vault, &key);
        cmd.arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the helper runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };

    let out = docker("get", "https://registry.example.com:5000/v2/");
    ok(&out, "get for a bound registry");
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        got,
        serde_json::json!({
            "ServerURL": "https://registry.example.com:5000/v2/",
            "Username": "x-access-token",
            "Secret": token,
        })
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let mints = helper_mints(&vault, "docker-credential");
    assert_eq!(mints.len(), 1);
    assert_eq!(mints[0]["details"]["host"], "registry.example.com:5000");

    for other in ["ghcr.io", "https://index.docker.io/v1/"] {
        let out = docker("get", other);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            text(&out.stdout).trim_end(),
            "credentials not found in native keychain"
        );
    }
    let snapshot = vault.snapshot_files();
    let stored = format!(
        r#"{{"ServerURL":"registry.example.com","Username":"u","Secret":"{}"}}"#,
        random_secret()
    );
    ok(&docker("store", &stored), "store");
    ok(&docker("erase", "registry.example.com"), "erase");
    assert_eq!(
        vault.snapshot_files(),
        snapshot,
        "store and erase change nothing"
    );
    let out = docker("list", "unused");
    ok(&out, "list");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        serde_json::json!({"registry.example.com": "x-access-token"})
    );

    // docker passes no options: the admin's agent comes from AGENTCRED_AGENT, or config.toml.
    let as_admin = |env_agent: Option<&str>| {
        let mut cmd = client(&link, &vault, &key);
        cmd.env_remove("AGENTCRED_KEY_FILE")
            .env("AGENTCRED_PASSPHRASE_FILE", vault.passphrase_file())
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(a) = env_agent {
            cmd.env("AGENTCRED_AGENT", a);
        }
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"registry.example.com")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = as_admin(None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no agent named: {}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("--agent"),
        "{}",
        text(&out.stdout)
    );
    ok(&as_admin(Some(AGENT)), "AGENTCRED_AGENT");
    util::write_private(&vault.path("config.toml"), b"[helpers]\nagent = \"ci\"\n");
    let out = as_admin(None);
    ok(&out, "[helpers] agent");
    assert!(text(&out.stdout).contains(&token));

    let id = grant_id(&vault, "registry.example.com");
    vault.run(&["grant", "revoke", &id]).success();
    let out = docker("get", "https://registry.example.com:5000/v2/");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout).trim_end(),
        "credentials not found in native keychain"
    );
    assert_no_leak(vault.audit_text().as_bytes(), &token);
}

/// The kubectl on PATH's minor version, or `None` when there is none that runs.
fn kubectl_minor() -> Option<u32> {
    let out = Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let minor = v["clientVersion"]["minor"].as_str()?;
    minor
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

/// A kubeconfig for the stub server whose user runs `agentcred kube-credential`: in the
/// client.authentication.k8s.io/v1 API from kubectl 1.22 on (which requires interactiveMode),
/// v1beta1 before.
fn kubeconfig(path: &Path, port: u16, ca: &Path, minor: u32) {
    let exec_api = if minor >= 22 {
        "apiVersion: client.authentication.k8s.io/v1\n      interactiveMode: Never"
    } else {
        "apiVersion: client.authentication.k8s.io/v1beta1"
    };
    let config = format!(
        "apiVersion: v1
kind: Config
clusters:
- name: stub
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority: {ca}
users:
- name: ci
  user:
    exec:
      {exec_api}
      command: {bin}
      args: [kube-credential, --agent, {AGENT}, --secret, kube-token]
contexts:
- name: stub
  context:
    cluster: stub
    user: ci
current-context: stub
",
        ca = ca.display(),
        bin = bin().display(),
    );
    std::fs::write(path, config).unwrap();
}

/// Acceptance: the real `kubectl --kubeconfig K get --raw /version` against a stub API server
/// over HTTPS that checks the bearer token succeeds through the exec plugin, and fails after the
/// grant is revoked, with agentcred's refusal on kubectl's stderr.
#[test]
fn kubectl_reaches_the_api_server_through_the_exec_plugin_until_revoked() {
    let Some(minor) = kubectl_minor() else {
        eprintln!(
            "SKIPPED: kubectl is not on PATH (.ci/run installs Debian's kubernetes-client where \
             it can)"
        );
        return;
    };
    let vault = TestVault::new();
    let token = random_secret();
    let key = agent_with(&vault, "kube-token", &token);
    let tls = tempfile::tempdir().unwrap();
    util::upstream::make_test_ca(tls.path());
    let (cert, tls_key) = (tls.path().join("leaf.pem"), tls.path().join("leaf.key"));
    let server = Server::start(
        "kube",
        &token,
        &[
            "--cert".as_ref(),
            cert.as_os_str(),
            "--key".as_ref(),
            tls_key.as_os_str(),
        ],
    );
    let config = vault.root().join("kubeconfig");
    kubeconfig(&config, server.port, &tls.path().join("ca.pem"), minor);
    let kubectl = || {
        run(client("kubectl", &vault, &key)
            .arg("--kubeconfig")
            .arg(&config)
            .args(["get", "--raw", "/version"]))
    };
    let out = kubectl();
    ok(&out, "kubectl get --raw /version");
    let version: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(version["gitVersion"], "v1.32.0-agentcred-stub");
    let served = server.auths();
    assert!(
        !served.is_empty() && served.iter().all(|a| a == "ok"),
        "{served:?}"
    );
    assert_no_leak(&out.stderr, &token);
    let mints = helper_mints(&vault, "kube-credential");
    assert_eq!(mints.len(), 1);

    let id = grant_id(&vault, "kube-token");
    vault.run(&["grant", "revoke", &id]).success();
    let out = kubectl();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("not granted secret kube-token"), "{err}");
    assert_no_leak(&out.stderr, &token);
    assert_eq!(server.auths(), served, "nothing reached the server");
    assert_no_leak(vault.audit_text().as_bytes(), &token);
}

/// The plugin answers in the apiVersion the client asks for in KUBERNETES_EXEC_INFO, with the
/// credential's expiry; an apiVersion it does not speak is refused (78) before anything is minted.
#[test]
fn kube_helper_answers_in_the_clients_api_version() {
    let vault = TestVault::new();
    let token = random_secret();
    let key = agent_with(&vault, "kube-token", &token);
    let info = |v: &str| {
        format!(r#"{{"kind":"ExecCredential","apiVersion":"{v}","spec":{{"interactive":false}}}}"#)
    };
    let a = vault
        .with_key_file(&key)
        .env(
            "KUBERNETES_EXEC_INFO",
            info("client.authentication.k8s.io/v1beta1"),
        )
        .args(["kube-credential", "--secret", "kube-token", "--ttl", "2m"])
        .assert()
        .code(0);
    let got: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(got["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(got["kind"], "ExecCredential");
    assert_eq!(got["status"]["token"], token.as_str());
    let mints = helper_mints(&vault, "kube-credential");
    assert_eq!(
        got["status"]["expirationTimestamp"],
        mints[0]["scope"]["expires_at"]
    );
    assert_eq!(mints[0]["scope"]["ttl"], "2m");
    assert!(a.get_output().stderr.is_empty());

    let a = vault
        .with_key_file(&key)
        .env(
            "KUBERNETES_EXEC_INFO",
            info("client.authentication.k8s.io/v1alpha1"),
        )
        .args(["kube-credential", "--secret", "kube-token"])
        .assert()
        .code(78);
    util::assert_short_error(&a);
    assert_eq!(helper_mints(&vault, "kube-credential").len(), 1);
}

/// The docker CLI's own helper lookup: `credHelpers` in a temporary `--config` directory names
/// agentcred for a stub registry, and `docker manifest inspect` (which talks to the registry
/// itself, no daemon) runs `docker-credential-agentcred get` from PATH and is let in with the
/// granted token; after `grant revoke` the helper has nothing for it and the registry refuses
/// docker. Skipped where there is no docker CLI.
#[test]
fn the_docker_cli_authenticates_through_cred_helpers() {
    if Command::new("docker")
        .arg("--version")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        eprintln!("SKIPPED: no docker CLI on PATH");
        return;
    }
    let vault = TestVault::new();
    let token = random_secret();
    let key = agent_with(&vault, "127.0.0.1", &token);
    let tls = tempfile::tempdir().unwrap();
    util::upstream::make_test_ca(tls.path());
    let (cert, tls_key) = (tls.path().join("leaf.pem"), tls.path().join("leaf.key"));
    let server = Server::start(
        "registry",
        &token,
        &[
            "--cert".as_ref(),
            cert.as_os_str(),
            "--key".as_ref(),
            tls_key.as_os_str(),
        ],
    );
    let registry = format!("127.0.0.1:{}", server.port);
    let links = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(bin(), links.path().join("docker-credential-agentcred")).unwrap();
    let config = vault.root().join("docker");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        serde_json::json!({ "credHelpers": { registry.clone(): "agentcred" } }).to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        links.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let inspect = || {
        run(client("docker", &vault, &key)
            .env("PATH", &path)
            .arg("--config")
            .arg(&config)
            .args(["manifest", "inspect", "--insecure"])
            .arg(format!("{registry}/app:1")))
    };
    let out = inspect();
    ok(&out, "docker manifest inspect");
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(manifest["schemaVersion"], 2);
    assert!(server.auths().iter().any(|a| a == "ok"));
    assert!(!server.auths().iter().any(|a| a == "wrong"));
    assert_eq!(helper_mints(&vault, "docker-credential").len(), 1);
    assert_no_leak(&out.stderr, &token);

    let id = grant_id(&vault, "127.0.0.1");
    vault.run(&["grant", "revoke", &id]).success();
    let seen = server.auths().len();
    let out = inspect();
    assert!(!out.status.success());
    assert!(
        server.auths()[seen..].iter().all(|a| a == "missing"),
        "{:?}",
        server.auths()
    );
    assert_eq!(helper_mints(&vault, "docker-credential").len(), 1);
    assert_no_leak(vault.audit_text().as_bytes(), &token);
}

/// A secret bound to hosts serves the requests its binding allows, whatever its name; a
/// brokered one is never handed to a tool.
#[test]
fn helpers_choose_a_secret_by_its_binding_and_never_hand_out_a_brokered_one() {
    let vault = TestVault::new();
    let token = random_secret();
    let brokered = random_secret();
    let key = agent_with(&vault, "forge-token", &token);
    vault
        .run(&[
            "secret",
            "edit",
            "forge-token",
            "--hosts",
            "git.example.com,*.registry.test",
        ])
        .success();
    vault
        .run_stdin(
            &[
                "secret",
                "set",
                "llm",
                "--stdin",
                "--hosts",
                "llm.example.com",
                "--delivery",
                "broker",
            ],
            &format!("{brokered}\n"),
        )
        .success();
    vault.run(&["grant", AGENT, "llm"]).success();
    let helper = |args: &[&str], stdin: &str| {
        vault
            .with_key_file(&key)
            .args(args)
            .write_stdin(stdin.to_string())
            .assert()
    };
    let a = helper(
        &["git-credential", "get"],
        "protocol=https\nhost=git.example.com\n\n",
    )
    .code(0);
    assert!(
        util::stdout(&a).contains(&format!("password={token}")),
        "{}",
        util::stdout(&a)
    );
    let a = helper(
        &["git-credential", "get"],
        "protocol=https\nhost=forge-token\n\n",
    )
    .code(0);
    assert!(
        a.get_output().stdout.is_empty(),
        "a bound secret's name serves nothing"
    );
    let a = helper(
        &["docker-credential", "get"],
        "https://eu.registry.test/v2/",
    )
    .code(0);
    assert!(util::stdout(&a).contains(&token), "{}", util::stdout(&a));
    let a = helper(&["docker-credential", "list"], "").code(0);
    assert!(
        util::stdout(&a).contains("git.example.com"),
        "{}",
        util::stdout(&a)
    );
    // The brokered secret: not chosen for its host, and refused when named.
    let a = helper(
        &["git-credential", "get"],
        "protocol=https\nhost=llm.example.com\n\n",
    )
    .code(0);
    assert!(a.get_output().stdout.is_empty());
    let a = helper(&["kube-credential", "--secret", "llm"], "").code(3);
    assert!(util::stderr(&a).contains("broker"), "{}", util::stderr(&a));
    util::assert_output_no_leak(&a, &brokered);
    assert!(!vault.audit_text().contains(&brokered));
}
