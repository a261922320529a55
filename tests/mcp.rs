//! `agentcred mcp` driven by the official MCP client SDKs (Python's `mcp`, the TypeScript
//! `@modelcontextprotocol/sdk`; `.ci/run` installs both) over stdio, as an agent harness runs it:
//! the agent names secrets as `{{secret:NAME}}` templates, the request goes through the run's
//! broker to a local HTTPS upstream (tests/util/upstream.rs, `api.bound.test` resolved to
//! 127.0.0.1 by a debug build), and neither the value nor the placeholder ever reaches the
//! client.

mod util;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use util::upstream::Upstream;
use util::{TestVault, assert_no_leak};

const RESOLVE: &str = "api.bound.test=127.0.0.1,other.test=127.0.0.1";

struct World {
    vault: TestVault,
    up: Upstream,
    value: String,
    key: PathBuf,
}

/// Agent `coder` with a key file, secret `api` bound to `api.bound.test`, delivered through the
/// broker.
fn world() -> World {
    world_with(&[])
}

/// [`world`] with these extra `grant` arguments.
fn world_with(grant_args: &[&str]) -> World {
    let (vault, value) = util::brokered_vault(grant_args);
    let key = vault.issue_key("coder", &[]);
    World {
        vault,
        up: Upstream::https(),
        value,
        key,
    }
}

fn external(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/external")
        .join(name)
}

fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/node-clients/node_modules")
}

impl World {
    fn url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.up.port)
    }

    /// Runs the Python (or Node) client against `agentcred mcp ARGS…` with the agent's key
    /// file, through `steps`; returns its events and its whole output.
    fn drive(&self, node: bool, args: &[&str], steps: &Value) -> (Vec<Value>, String) {
        let ca = self.up.ca();
        let mut mcp_args = vec!["mcp", "--upstream-ca", ca.to_str().unwrap()];
        mcp_args.extend_from_slice(args);
        let path = std::env::var("PATH").unwrap_or_default();
        let server_env = json!({
            "AGENTCRED_HOME": self.vault.dir(),
            "AGENTCRED_KEY_FILE": self.key,
            "AGENTCRED_TEST_RESOLVE": RESOLVE,
            "NO_COLOR": "1",
            "PATH": path,
        });
        let revoke_env = json!({
            "AGENTCRED_HOME": self.vault.dir(),
            "AGENTCRED_PASSPHRASE_FILE": self.vault.passphrase_file(),
            "PATH": path,
        });
        let mut cmd = if node {
            let mut c = Command::new("node");
            c.arg(external("mcp_client.cjs"))
                .env("NODE_PATH", node_modules());
            c
        } else {
            let mut c = Command::new("python3");
            c.arg(external("mcp_client.py"));
            c
        };
        let out = cmd
            .env("MCP_COMMAND", util::bin())
            .env("MCP_ARGS", serde_json::to_string(&mcp_args).unwrap())
            .env("MCP_ENV", server_env.to_string())
            .env("REVOKE_ENV", revoke_env.to_string())
            .env("MCP_STEPS", steps.to_string())
            .current_dir(self.vault.root())
            .stdin(Stdio::null())
            .output()
            .expect("the MCP client runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let all = format!("{stdout}\n{stderr}");
        assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
        let events = stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        (events, all)
    }

    /// Fails if the value (or any placeholder) is in `text`, the audit log or the vault's files.
    fn assert_value_nowhere(&self, text: &str) {
        assert_no_leak(text.as_bytes(), &self.value);
        assert!(
            !text.contains("agentcred-ph-"),
            "a placeholder reached the client: {text}"
        );
        assert_no_leak(self.vault.audit_text().as_bytes(), &self.value);
        for (path, bytes) in self.vault.snapshot_files() {
            assert!(
                !bytes
                    .windows(self.value.len())
                    .any(|w| w == self.value.as_bytes()),
                "the value is in {} in the clear",
                path.display()
            );
        }
    }

    fn authorizations(&self) -> Vec<String> {
        self.up
            .received()
            .iter()
            .map(|r| {
                r["headers"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .and_then(|(_, v)| v.as_str())
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    fn entries(&self, action: &str) -> Vec<Value> {
        self.vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == action)
            .collect()
    }
}

/// The calls of `events`, in order: (isError, text).
fn calls(events: &[Value]) -> Vec<(bool, String)> {
    events
        .iter()
        .filter(|e| e.get("tool").is_some())
        .map(|e| {
            let r = &e["result"];
            (
                r["isError"].as_bool().unwrap_or(false),
                r["content"][0]["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn bearer_call(url: &str) -> Value {
    json!({ "tool": "http_request", "args": {
        "method": "GET",
        "url": url,
        "headers": { "Authorization": "Bearer {{secret:api}}" },
    }})
}

#[test]
fn python_sdk_lists_calls_is_refused_outside_the_binding_and_after_revocation() {
    let w = world();
    let steps = json!([
        { "tool": "list_credentials" },
        bearer_call(&w.url("api.bound.test", "/echo?client=mcp")),
        bearer_call(&w.url("other.test", "/echo?stolen=1")),
        { "revoke": true },
        bearer_call(&w.url("api.bound.test", "/echo?after=revoke")),
    ]);
    let (events, all) = w.drive(false, &[], &steps);
    let init = &events[0]["init"];
    assert_eq!(init["serverInfo"]["name"], "agentcred", "{init}");
    assert_eq!(init["protocolVersion"], "2025-11-25", "{init}");
    assert!(init["capabilities"]["tools"].is_object(), "{init}");
    let names: Vec<&str> = events[1]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["http_request", "list_credentials"]);
    let calls = calls(&events);
    assert_eq!(calls.len(), 4, "{events:?}");

    // list_credentials: names, variables, hosts, delivery, scope, expiry; no value, no
    // placeholder.
    let (err, text) = &calls[0];
    assert!(!err, "{text}");
    let listed: Value = serde_json::from_str(text).unwrap();
    assert_eq!(listed["agent"], "coder");
    assert_eq!(listed["secrets"][0]["name"], "api");
    assert_eq!(listed["secrets"][0]["variable"], "API_KEY");
    assert_eq!(listed["secrets"][0]["delivery"], "broker");
    assert_eq!(listed["secrets"][0]["hosts"], json!(["api.bound.test"]));
    assert_eq!(listed["secrets"][0]["template"], "{{secret:api}}");
    assert!(listed["expires_at"].is_string(), "{listed}");
    assert!(
        !text.contains(&w.value) && !text.contains("agentcred-ph-"),
        "{text}"
    );

    // http_request: the upstream got the value; the tool result has it masked (the upstream
    // echoed the request), and the audit log has the request.
    let (err, text) = &calls[1];
    assert!(!err, "{text}");
    let resp: Value = serde_json::from_str(text).unwrap();
    assert_eq!(resp["status"], 200, "{text}");
    assert!(
        resp["body"].as_str().unwrap().contains("/echo?client=mcp"),
        "{text}"
    );
    let auths = w.authorizations();
    assert_eq!(
        auths,
        [format!("Bearer {}", w.value)],
        "{:?}",
        w.up.received()
    );
    let requests = w.entries("broker.request");
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["agent"], "coder");
    assert_eq!(requests[0]["secrets"], json!(["api"]));
    assert_eq!(requests[0]["details"]["host"], "api.bound.test");
    assert_eq!(requests[0]["details"]["path"], "/echo");
    let start = w
        .entries("exec.start")
        .into_iter()
        .find(|e| e["details"]["broker"] == "mcp")
        .expect("the server's run is on the log");
    assert_eq!(requests[0]["credential_id"], start["credential_id"]);

    // A host outside the binding: refused before anything was sent, recorded as a denial.
    let (err, text) = &calls[2];
    assert!(err, "{text}");
    assert!(
        text.contains("host_not_bound") && text.contains("other.test"),
        "{text}"
    );
    assert_eq!(w.up.received().len(), 1, "the unbound host saw nothing");
    let denies = w.entries("deny");
    assert!(
        denies
            .iter()
            .any(|d| d["details"]["reason"] == "host_not_bound"
                && d["details"]["host"] == "other.test"),
        "{denies:?}"
    );

    // After `creds revoke` of the server's credential the next call is refused, at once, and
    // the server says it will not renew it.
    let revoked = events.iter().find(|e| e.get("revoked").is_some()).unwrap();
    assert_eq!(revoked["code"], 0, "{revoked}");
    assert_eq!(revoked["revoked"], start["credential_id"]);
    let (err, text) = &calls[3];
    assert!(err, "{text}");
    assert!(
        text.contains("revoked") && text.contains("does not renew"),
        "{text}"
    );
    let last = events.last().unwrap();
    assert!(
        last["at"].as_f64().unwrap() - revoked["at"].as_f64().unwrap() < 1.0,
        "{last}"
    );
    assert_eq!(
        w.up.received().len(),
        1,
        "nothing reached the upstream after the revocation"
    );
    assert_eq!(
        w.entries("cred.mint").len(),
        1,
        "a revoked credential is not renewed"
    );

    // The client went away: the run ended.
    let ends = w.entries("exec.end");
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!(ends[0]["credential_id"], start["credential_id"]);
    w.assert_value_nowhere(&all);
}

#[test]
fn node_sdk_lists_the_tools_and_makes_requests() {
    assert!(
        node_modules().join("@modelcontextprotocol/sdk").is_dir(),
        "the Node client test needs @modelcontextprotocol/sdk in {}: run .ci/run, which installs it",
        node_modules().display()
    );
    let w = world();
    // Two calls: the second goes over the connection the first one opened.
    let steps = json!([
        bearer_call(&w.url("api.bound.test", "/echo?client=node")),
        bearer_call(&w.url("api.bound.test", "/echo?client=node&n=2")),
    ]);
    let (events, all) = w.drive(true, &[], &steps);
    assert_eq!(events[0]["init"]["serverInfo"]["name"], "agentcred");
    let names: Vec<&str> = events[1]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["http_request", "list_credentials"]);
    let calls = calls(&events);
    let (err, text) = &calls[0];
    assert!(!err, "{text}");
    let resp: Value = serde_json::from_str(text).unwrap();
    assert_eq!(resp["status"], 200, "{text}");
    let (err, text) = &calls[1];
    assert!(!err, "{text}");
    let bearer = format!("Bearer {}", w.value);
    assert_eq!(w.authorizations(), [bearer.clone(), bearer]);
    assert_eq!(w.entries("broker.request").len(), 2);
    w.assert_value_nowhere(&all);
}

#[test]
fn with_once_a_call_after_expiry_is_refused_without_it_the_credential_is_renewed() {
    let w = world();
    let steps = json!([
        bearer_call(&w.url("api.bound.test", "/echo?n=1")),
        { "sleep": 3.5 },
        bearer_call(&w.url("api.bound.test", "/echo?n=2")),
    ]);
    let (events, all) = w.drive(false, &["--ttl", "3s", "--once"], &steps);
    let c = calls(&events);
    assert!(!c[0].0, "{}", c[0].1);
    assert!(c[1].0, "{}", c[1].1);
    assert!(
        c[1].1.contains("expired") && c[1].1.contains("--once"),
        "{}",
        c[1].1
    );
    assert_eq!(w.up.received().len(), 1);
    assert_eq!(w.entries("cred.mint").len(), 1, "--once never renews");
    w.assert_value_nowhere(&all);

    let (events, all) = w.drive(false, &["--ttl", "3s"], &steps);
    let c = calls(&events);
    assert!(!c[0].0, "{}", c[0].1);
    assert!(!c[1].0, "renewed: {}\n{all}", c[1].1);
    assert_eq!(w.up.received().len(), 3);
    let mints = w.entries("cred.mint");
    assert!(
        mints.len() >= 3,
        "a second credential was minted: {mints:?}"
    );
    let requests = w.entries("broker.request");
    let (first, second) = (&requests[1], &requests[2]);
    assert_ne!(
        first["credential_id"], second["credential_id"],
        "the second call went with the renewed credential"
    );
    assert!(
        w.entries("exec.end")
            .iter()
            .any(|e| e["details"]["ended_by"] == "renewal"
                && e["credential_id"] == first["credential_id"]),
        "the old credential was ended at its renewal"
    );
    w.assert_value_nowhere(&all);
}

#[test]
fn malformed_and_unknown_messages_get_json_rpc_errors_and_stdout_holds_only_protocol() {
    let w = world();
    let mut child = w
        .vault
        .command()
        .env("AGENTCRED_KEY_FILE", &w.key)
        .env_remove("AGENTCRED_PASSPHRASE_FILE")
        .args(["mcp", "--ttl", "5m"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ask = |line: &str| -> Value {
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap()
    };
    let r = ask(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
    );
    assert_eq!(r["result"]["protocolVersion"], "2025-03-26", "{r}");
    let r = ask(
        r#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"1999-01-01"}}"#,
    );
    assert_eq!(r["result"]["protocolVersion"], "2025-11-25", "{r}");
    // A notification gets no answer: the next line answers the ping.
    stdin_note(&mut ask);
    let r = ask(r#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#);
    assert_eq!(r, json!({"jsonrpc":"2.0","id":"p","result":{}}));
    let r = ask(r#"{"jsonrpc":"2.0","id":3,"method":"resources/list"}"#);
    assert_eq!(r["error"]["code"], -32601, "{r}");
    assert_eq!(r["id"], 3);
    let r = ask("{oops");
    assert_eq!(r["error"]["code"], -32700, "{r}");
    let r = ask(r#"{"id":4,"method":"ping"}"#);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    let r = ask(r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nope"}}"#);
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = ask(
        r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"http_request","arguments":{"method":"GET","url":"https://api.bound.test/{{secret:db}}"}}}"#,
    );
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("unknown secret db"),
        "{r}"
    );
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("MCP server"), "{stderr}");
    assert_no_leak(&out.stderr, &w.value);
    assert_eq!(w.entries("exec.end").len(), 1);
}

/// Sends `notifications/initialized` through `ask`'s writer without reading an answer.
fn stdin_note(ask: &mut dyn FnMut(&str) -> Value) {
    // A notification and a ping on one write: only the ping is answered.
    let r = ask(
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n{\"jsonrpc\":\"2.0\",\"id\":\"n\",\"method\":\"ping\"}",
    );
    assert_eq!(r["id"], "n", "{r}");
}

#[test]
fn sigterm_stops_the_server_and_records_the_end() {
    let w = world();
    let mut child = w
        .vault
        .command()
        .env("AGENTCRED_KEY_FILE", &w.key)
        .env_remove("AGENTCRED_PASSPHRASE_FILE")
        .args(["mcp", "--ttl", "5m"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
        .unwrap();
    stdin.flush().unwrap();
    assert!(lines.next().unwrap().unwrap().contains("\"result\""));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // stdin stays open: the signal alone ends it.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let ends = w.entries("exec.end");
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!(ends[0]["details"]["ended_by"], "signal");
    assert!(
        !w.vault
            .dir()
            .join("running")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some()),
        "the running record is gone"
    );
    drop(stdin);
}

#[test]
fn a_path_outside_the_grant_is_refused_by_the_broker_with_its_reason() {
    let w = world_with(&["--paths", "/v1/*"]);
    let steps = json!([
        bearer_call(&w.url("api.bound.test", "/v1/models")),
        bearer_call(&w.url("api.bound.test", "/admin/users")),
    ]);
    let (events, all) = w.drive(false, &["--egress", "bound"], &steps);
    let c = calls(&events);
    assert!(!c[0].0, "{}", c[0].1);
    assert!(c[1].0, "{}", c[1].1);
    assert!(c[1].1.contains("path_not_bound"), "{}", c[1].1);
    assert_eq!(w.up.received().len(), 1, "the refused request never left");
    assert!(
        w.entries("deny")
            .iter()
            .any(|d| d["details"]["reason"] == "path_not_bound")
    );
    w.assert_value_nowhere(&all);
}
