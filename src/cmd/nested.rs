//! Nested `exec` through the run socket: a program under `exec` asks its supervisor for a
//! narrower credential instead of opening the vault, which it may not be able to reach.
//!
//! The supervisor is the `agentcred exec` that opened the vault. It holds the run's credential
//! (token and values), derives every nested credential exactly as an in-process nested exec
//! would, and writes every record: `cred.mint` and `exec.start` when it derives, `exec.expire`,
//! `exec.end` and the revocation when the nested run reports them, or when its connection closes
//! first (a dead client counts as ended). A nested exec that is itself served this way exposes a
//! socket to its own program too, and relays what comes in to its supervisor with the parent set
//! to its own credential; every record of a run tree so stays with the one process that holds
//! the vault.
//!
//! The protocol: one JSON object per line (at most 64 KiB) each way, one answer per request.
//!
//! - `{"op":"exec","parent":ID,"agent":NAME,"secrets":[..],"ttl_ms":N,"actions":[..],
//!   "resources":[..],"shape":{"argc":N,"replace":B,"mask":B,"clean_env":B,"on_expiry":"term"}}`
//!   derives a credential from `parent` (by default the run's own). At most one per connection;
//!   the connection then stands for that nested run. The answer:
//!   `{"ok":true,"credential_id":ID,"agent":NAME,"issued_at":T,"expires_at":T,"token":TOKEN,
//!   "secrets":[{"name":N,"env":VAR,"value":V}]}`.
//! - `{"op":"expire","on_expiry":"term"}`: the nested run's credential expired under its program.
//! - `{"op":"end","started":B,"exit_code":N,"signal":N,"ended_by":"exit","duration_ms":N,
//!   "expired":B,"reason":TEXT}`: the nested run is over; its credential is revoked.
//! - `{"op":"delegate","parent":ID,"agent":NAME,"to":AGENT,"actions":[..],"resources":[..],
//!   "ttl_ms":N,"task":TEXT}`: `agentcred delegate` from a credential of this run, signed with the
//!   agent's key the supervisor holds (a run derived from a token alone holds none, and refuses).
//!   The answer carries the delegation as `delegate --format json` prints it, token included.
//!
//! Anything else, or a request the supervisor refuses, gets `{"ok":false,"code":N,"error":TEXT,
//! "hint":TEXT}`, `code` being the exit status the refusal maps to. The values travel on this
//! socket: it is open only to the program's own user, in a directory only that user can enter,
//! and answers only the run's program and the processes it started (the peer's pid, followed up
//! its parents), which already hold them all; any other process of that user is closed
//! unanswered.

use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Condvar;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit::Outcome;
use crate::cli::{DelegateArgs, DelegateFormat, ExecArgs, ScopeArgs};
use crate::clock::{Clock, SystemClock};
use crate::cmd::delegate::{Delegated, Delegator};
use crate::cmd::exec::{Shape, Started, derive, finish, record_expiry};
use crate::credential::{Injected, Issued, Plan};
use crate::crypto::KeyPair;
use crate::error::{Error, Result, exit};
use crate::exec::OnExpiry;
use crate::exec::socket::{self, Conn, RunDir};
use crate::sensitive::SecretText;
use crate::vault::Vault;

/// The run socket and the parent credential, when this process runs under a supervisor.
pub(super) fn served_by() -> Option<(PathBuf, String)> {
    let socket = std::env::var_os(socket::ENV).filter(|v| !v.is_empty())?;
    let parent = std::env::var("AGENTCRED_CREDENTIAL_ID")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some((PathBuf::from(socket), parent))
}

/// Asks the supervisor at `path` for a credential narrowed from `parent_id` as `args` asks.
pub(super) fn ask_exec(
    args: &ExecArgs,
    path: &Path,
    parent_id: &str,
) -> Result<(Upstream, Issued)> {
    // Malformed arguments are reported here, as a run with the vault would report them.
    crate::cmd::mint::request(&args.scope, false)?;
    let mut conn = Conn::connect(path).map_err(|e| gone(path, &e))?;
    let ask = json!({
        "op": "exec",
        "parent": parent_id,
        "agent": args.scope.agent,
        "secrets": args.scope.secrets,
        "ttl_ms": args.scope.ttl.map(|t| t.num_milliseconds()),
        "actions": args.scope.actions,
        "resources": args.scope.resources,
        "shape": Shape::of(args),
    });
    let answer = exchange(&mut conn, &ask).map_err(|e| gone(path, &e))?;
    let answer = refusal(answer)?;
    let issued = issued_from(&answer).ok_or_else(|| {
        Error::bad_data(format!(
            "the supervising agentcred at {} sent a malformed answer",
            path.display()
        ))
    })?;
    Ok((
        Upstream {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        },
        issued,
    ))
}

/// Asks the supervisor at `path` to delegate from `parent_id` as `args` asks.
pub(super) fn ask_delegate(args: &DelegateArgs, path: &Path, parent_id: &str) -> Result<Delegated> {
    let mut conn = Conn::connect(path).map_err(|e| gone(path, &e))?;
    let ask = json!({
        "op": "delegate",
        "parent": parent_id,
        "agent": args.agent,
        "to": args.to,
        "actions": args.actions,
        "resources": args.resources,
        "ttl_ms": args.ttl.map(|t| t.num_milliseconds()),
        "task": args.task,
    });
    let answer = exchange(&mut conn, &ask).map_err(|e| gone(path, &e))?;
    let answer = refusal(answer)?;
    serde_json::from_value(answer).map_err(|_| {
        Error::bad_data(format!(
            "the supervising agentcred at {} sent a malformed answer",
            path.display()
        ))
    })
}

fn gone(path: &Path, e: &std::io::Error) -> Error {
    Error::other(format!(
        "cannot reach the supervising agentcred at {}: {e}",
        path.display()
    ))
    .hint("a nested exec works only while the exec that runs this program does")
}

/// Sends one request and reads its answer.
fn exchange(conn: &mut Conn, ask: &Value) -> std::io::Result<Value> {
    conn.write_json(ask)?;
    let mut line = conn.read_line()?.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "it closed the connection",
        )
    })?;
    let answer = serde_json::from_slice(&line);
    socket::zero(&mut line);
    answer.map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed answer"))
}

/// The answer if it is a success, else the error it carries.
fn refusal(answer: Value) -> Result<Value> {
    if answer["ok"] == true {
        return Ok(answer);
    }
    let message = answer["error"]
        .as_str()
        .unwrap_or("the supervising agentcred refused the request")
        .to_string();
    let error = match answer["code"]
        .as_u64()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(exit::ERROR)
    {
        exit::USAGE => Error::usage(message),
        exit::DENIED => Error::denied(message),
        exit::DATA => Error::bad_data(message),
        exit::NO_INPUT => Error::not_found(message),
        exit::EXISTS => Error::exists(message),
        exit::CANNOT_UNLOCK => Error::cannot_unlock(message),
        exit::CONFIG => Error::config(message),
        _ => Error::other(message),
    };
    Err(match answer["hint"].as_str() {
        Some(h) => error.hint(h),
        None => error,
    })
}

fn issued_from(answer: &Value) -> Option<Issued> {
    let time = |k: &str| answer[k].as_str().and_then(crate::clock::ts::parse);
    let (issued_at, expires_at) = (time("issued_at")?, time("expires_at")?);
    let mut secrets = Vec::new();
    for s in answer["secrets"].as_array()? {
        secrets.push(Injected {
            name: s["name"].as_str()?.to_string(),
            env: s["env"].as_str()?.to_string(),
            version: 0,
            value: SecretText::new(s["value"].as_str()?.to_string()),
        });
    }
    Some(Issued {
        id: answer["credential_id"].as_str()?.to_string(),
        token: SecretText::new(answer["token"].as_str()?.to_string()),
        chain: Vec::new(),
        plan: Plan {
            agent: answer["agent"].as_str()?.to_string(),
            secrets,
            actions: None,
            resources: None,
            issued_at,
            expires_at,
            requested_ttl: expires_at - issued_at,
            limited_by: "parent credential",
        },
    })
}

/// This nested run's connection to its supervisor.
#[derive(Clone)]
pub(super) struct Upstream {
    conn: Arc<Mutex<Conn>>,
    path: PathBuf,
}

impl Upstream {
    fn send(&self, ask: &Value) -> Result<()> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let answer = exchange(&mut conn, ask).map_err(|e| gone(&self.path, &e))?;
        refusal(answer).map(drop)
    }

    pub(super) fn expired(&self, policy: OnExpiry) {
        let _ = self.send(&json!({ "op": "expire", "on_expiry": policy }));
    }

    /// Reports the end; the supervisor records it and revokes the credential.
    pub(super) fn ended(&self, id: &str, details: Value) {
        let mut ask = details;
        if let Value::Object(m) = &mut ask {
            m.insert("op".into(), "end".into());
        }
        if let Err(err) = self.send(&ask) {
            eprintln!(
                "agentcred: warning: could not report the end of the program to revoke its credential {id}: {err}"
            );
        }
    }

    pub(super) fn relay(&self, own_id: &str) -> Relay {
        Relay {
            upstream: self.path.clone(),
            own_id: own_id.to_string(),
        }
    }
}

/// What answers the run socket.
pub(super) enum Handler {
    /// The process holding the vault.
    Supervisor(Box<Service>),
    /// A nested run: passes requests on to its own supervisor.
    Relay(Relay),
}

/// A relay's upstream socket, and the credential every request it passes on narrows.
pub(super) struct Relay {
    upstream: PathBuf,
    own_id: String,
}

/// The supervisor's side: the credentials of this run that may be narrowed, by id.
pub(super) struct Service {
    vault: Vault,
    delegator: Option<Delegator>,
    root: String,
    agent: String,
    live: Mutex<HashMap<String, Live>>,
}

#[derive(Clone)]
struct Live {
    token: SecretText,
    secrets: Vec<Injected>,
}

impl Service {
    /// Holds copies of what it needs, so that its threads need not be waited for when no
    /// program ever connected.
    pub(super) fn new(vault: &Vault, issued: &Issued, delegator: Option<Delegator>) -> Service {
        let mut live = HashMap::new();
        live.insert(
            issued.id.clone(),
            Live {
                token: issued.token.clone(),
                secrets: issued.plan.secrets.clone(),
            },
        );
        Service {
            vault: Vault {
                dir: vault.dir.clone(),
                config: vault.config.clone(),
                progress: false,
            },
            delegator,
            root: issued.id.clone(),
            agent: issued.plan.agent.clone(),
            live: Mutex::new(live),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Ask {
    Exec {
        #[serde(default)]
        parent: Option<String>,
        #[serde(default)]
        agent: Option<String>,
        #[serde(default)]
        secrets: Vec<String>,
        #[serde(default)]
        ttl_ms: Option<i64>,
        #[serde(default)]
        actions: Vec<String>,
        #[serde(default)]
        resources: Vec<String>,
        shape: Shape,
    },
    Expire {
        on_expiry: OnExpiry,
    },
    End(Reported),
    Delegate {
        #[serde(default)]
        parent: Option<String>,
        #[serde(default)]
        agent: Option<String>,
        to: String,
        #[serde(default)]
        actions: Vec<String>,
        #[serde(default)]
        resources: Vec<String>,
        #[serde(default)]
        ttl_ms: Option<i64>,
        #[serde(default)]
        task: Option<String>,
    },
}

/// How a nested run ended, as its exec reports it: only these fields reach the audit entry.
#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Reported {
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    started: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(default)]
    signal: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ended_by: Option<EndedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expired: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_yes(b: &bool) -> bool {
    *b
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum EndedBy {
    Exit,
    Signal,
    Expiry,
}

/// A nested run the supervisor started for a connection, until it ends.
struct Nested {
    started: Started,
    replace: bool,
}

impl Service {
    /// Answers one connection until it closes; a run it started and never ended is ended then.
    fn serve(&self, mut conn: Conn) {
        let mut nested: Option<Nested> = None;
        while let Some(mut line) = next_request(&mut conn) {
            let asked = serde_json::from_slice::<Ask>(&line);
            socket::zero(&mut line);
            let answer = match asked {
                Ok(ask) => self.answer(ask, &mut nested),
                Err(e) => Err(Error::usage(format!(
                    "malformed request at line {} column {}",
                    e.line(),
                    e.column()
                ))
                .hint("see the protocol of the run socket in `agentcred exec`")),
            };
            let reply = match answer {
                Ok(v) => v,
                Err(e) => failure(&e),
            };
            if conn.write_json(&reply).is_err() {
                break;
            }
        }
        if let Some(n) = nested.take()
            && !n.replace
        {
            let details = json!({ "ended_by": "disconnect" });
            self.end(n, Outcome::Error, details);
        }
    }

    fn answer(&self, ask: Ask, nested: &mut Option<Nested>) -> Result<Value> {
        match ask {
            Ask::Exec {
                parent,
                agent,
                secrets,
                ttl_ms,
                actions,
                resources,
                shape,
            } => {
                if nested.is_some() {
                    return Err(Error::usage("one exec per connection to the run socket"));
                }
                let scope = ScopeArgs {
                    agent,
                    secrets,
                    ttl: ttl_ms.map(chrono::Duration::milliseconds),
                    actions,
                    resources,
                };
                let started = self.derive(parent.as_deref(), &scope, &shape)?;
                let reply = granted(&started.issued);
                *nested = Some(Nested {
                    started,
                    replace: shape.replace,
                });
                Ok(reply)
            }
            Ask::Expire { on_expiry } => {
                let n = nested.as_ref().ok_or_else(no_run)?;
                let issued = &n.started.issued;
                record_expiry(
                    &self.vault.dir,
                    &n.started.actor,
                    &issued.plan.agent,
                    &issued.id,
                    on_expiry,
                );
                Ok(json!({ "ok": true }))
            }
            Ask::Delegate {
                parent,
                agent,
                to,
                actions,
                resources,
                ttl_ms,
                task,
            } => {
                let args = DelegateArgs {
                    to,
                    actions,
                    resources,
                    ttl: ttl_ms.map(chrono::Duration::milliseconds),
                    task,
                    token: None,
                    agent,
                    format: DelegateFormat::Token,
                };
                self.delegate(parent.as_deref(), &args)
            }
            Ask::End(reported) => {
                let n = nested.take().ok_or_else(no_run)?;
                let outcome = if reported.started && reported.exit_code == Some(0) {
                    Outcome::Ok
                } else {
                    Outcome::Error
                };
                let mut details = serde_json::to_value(&reported).expect("reports serialise");
                if let Value::Object(m) = &mut details {
                    if !reported.started {
                        m.remove("signal");
                    }
                    if let Some(Value::String(r)) = m.get_mut("reason") {
                        *r = r.chars().take(200).collect();
                    }
                }
                self.end(n, outcome, details);
                Ok(json!({ "ok": true }))
            }
        }
    }

    fn derive(&self, parent: Option<&str>, scope: &ScopeArgs, shape: &Shape) -> Result<Started> {
        let parent = parent.unwrap_or(&self.root).to_string();
        let req = crate::cmd::mint::request(scope, false)?;
        let found = self.live().get(&parent).cloned();
        let from = found.ok_or_else(|| {
            let denial = Error::denied(format!("credential {parent} is not running in this run"))
                .hint("a nested exec can only narrow a credential of the run it is in");
            crate::credential::record_denial(
                &self.vault,
                &format!("agent:{}", self.agent),
                &self.agent,
                crate::watch::Limits::default(),
                "exec",
                &scope.secrets,
                denial,
                SystemClock.now(),
            )
        })?;
        let value_of = |env: &str| {
            from.secrets
                .iter()
                .find(|s| s.env == env)
                .map(|s| s.value.clone())
        };
        let started = derive(
            &self.vault,
            &from.token,
            &parent,
            scope.agent.as_deref(),
            req,
            shape,
            &value_of,
            KeyPair::generate(),
            SystemClock.now(),
        )?;
        self.live().insert(
            started.issued.id.clone(),
            Live {
                token: started.issued.token.clone(),
                secrets: started.issued.plan.secrets.clone(),
            },
        );
        Ok(started)
    }

    /// A delegation from a credential of this run, signed with the agent's key this supervisor
    /// holds, checked and recorded as `agentcred delegate --token` checks and records it.
    fn delegate(&self, parent: Option<&str>, args: &DelegateArgs) -> Result<Value> {
        crate::cmd::delegate::validate(args)?;
        let who = self.delegator.as_ref().ok_or_else(|| {
            Error::denied(
                "this run's credential was derived from a token: it holds no key to delegate with",
            )
            .hint("delegate with the agent's own key, outside this run")
        })?;
        if let Some(a) = args.agent.as_deref().filter(|a| *a != who.agent) {
            return Err(Error::denied(format!(
                "this run acts as agent {}; it cannot delegate as {a}",
                who.agent
            )));
        }
        let parent = parent.unwrap_or(&self.root).to_string();
        let found = self.live().get(&parent).cloned();
        let from = found.ok_or_else(|| {
            Error::denied(format!("credential {parent} is not running in this run"))
                .hint("a delegation from inside a run can only narrow a credential of that run")
        })?;
        let d =
            crate::cmd::delegate::delegate(&self.vault, who, &from.token, args, SystemClock.now())?;
        let mut reply = serde_json::to_value(&d).expect("delegations serialise");
        reply["ok"] = true.into();
        Ok(reply)
    }

    fn end(&self, n: Nested, outcome: Outcome, details: Value) {
        let Started {
            issued,
            actor,
            revoke_key,
            ..
        } = n.started;
        self.live().remove(&issued.id);
        finish(&self.vault, &issued, &actor, &revoke_key, outcome, details);
    }
}

fn no_run() -> Error {
    Error::usage("no nested run on this connection").hint("send an exec request first")
}

/// What a nested exec needs to start its program.
fn granted(issued: &Issued) -> Value {
    let secrets: Vec<Value> = issued
        .plan
        .secrets
        .iter()
        .map(|s| json!({ "name": s.name, "env": s.env, "value": s.value.expose_secret() }))
        .collect();
    json!({
        "ok": true,
        "credential_id": issued.id,
        "agent": issued.plan.agent,
        "issued_at": crate::clock::rfc3339(issued.plan.issued_at),
        "expires_at": crate::clock::rfc3339(issued.plan.expires_at),
        "token": issued.token.expose_secret(),
        "secrets": secrets,
    })
}

fn failure(e: &Error) -> Value {
    json!({
        "ok": false,
        "code": e.exit_code(),
        "error": e.to_string(),
        "hint": e.hint_text(),
    })
}

impl Relay {
    /// Passes one connection's requests on to the supervisor, each exec (or later request that
    /// names a parent) narrowed from this run's own credential whatever it asked.
    fn serve(&self, mut conn: Conn, open: &Open) {
        let mut up = match Conn::connect(&self.upstream) {
            Ok(up) => up,
            Err(e) => {
                let _ = conn.write_json(&failure(&gone(&self.upstream, &e)));
                return;
            }
        };
        let Some(tracked) = open.add(up.stream()) else {
            return;
        };
        while let Some(mut line) = next_request(&mut conn) {
            let sent = match serde_json::from_slice::<Value>(&line) {
                Ok(Value::Object(mut ask)) => {
                    if ask.contains_key("parent") || ask.get("op") == Some(&"exec".into()) {
                        ask.insert("parent".into(), self.own_id.clone().into());
                    }
                    up.write_json(&Value::Object(ask))
                }
                // The supervisor answers what is not an object (with an error).
                _ => up.write_raw(&line),
            };
            socket::zero(&mut line);
            let answer = sent.and_then(|()| up.read_line());
            let ok = match answer {
                Ok(Some(mut answer)) => {
                    let ok = conn.write_raw(&answer).is_ok();
                    socket::zero(&mut answer);
                    ok
                }
                Ok(None) | Err(_) => {
                    let e = std::io::Error::other("it closed the connection");
                    let _ = conn.write_json(&failure(&gone(&self.upstream, &e)));
                    false
                }
            };
            if !ok {
                break;
            }
        }
        open.done(tracked);
    }
}

/// The connections open on a run socket, to be shut down when the run ends.
#[derive(Default)]
struct Open {
    state: Mutex<OpenState>,
    idle: Condvar,
}

#[derive(Default)]
struct OpenState {
    closed: bool,
    next: u64,
    streams: HashMap<u64, UnixStream>,
    /// Connections whose handler has not finished.
    active: usize,
}

impl Open {
    fn state(&self) -> std::sync::MutexGuard<'_, OpenState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A connection's handler starts; `None` (and the stream shut down) if the run has ended.
    fn begin(&self, stream: &UnixStream) -> Option<u64> {
        let id = self.add(stream)?;
        self.state().active += 1;
        Some(id)
    }

    /// A connection's handler is done.
    fn end(&self, id: u64) {
        self.done(id);
        let mut state = self.state();
        state.active -= 1;
        if state.active == 0 {
            self.idle.notify_all();
        }
    }

    /// Tracks a stream until [`Open::done`]; `None` (and the stream shut down) if the run has
    /// already ended.
    fn add(&self, stream: &UnixStream) -> Option<u64> {
        let mut state = self.state();
        let clone = stream.try_clone().ok().filter(|_| !state.closed);
        let Some(clone) = clone else {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return None;
        };
        state.next += 1;
        let id = state.next;
        state.streams.insert(id, clone);
        Some(id)
    }

    /// Closes a stream for good: the copy kept here would otherwise hold the connection open.
    fn done(&self, id: u64) {
        if let Some(s) = self.state().streams.remove(&id) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Shuts every connection down and waits for their handlers to finish.
    fn close_all(&self) {
        let mut state = self.state();
        state.closed = true;
        for (_, s) in state.streams.drain() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        while state.active > 0 {
            state = self
                .idle
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// A socket being served; [`Served::stop`] ends it.
pub(super) struct Served {
    stopped: Arc<AtomicBool>,
    open: Arc<Open>,
    /// The run's program (0 until it is started): only it and its descendants are answered.
    program: Arc<std::sync::atomic::AtomicU32>,
}

impl Served {
    /// The run's program has started as process `pid`.
    pub(super) fn admit(&self, pid: u32) {
        self.program.store(pid, Ordering::SeqCst);
    }

    /// Stops accepting and closes every connection, waiting for their handlers: a nested run
    /// still open is ended then (its supervisor records it so) before this run's own end. The
    /// accepting thread is not waited for: it takes nothing more once stopped, and ends with the
    /// process; a run no program connected to so costs no thread switch at its end.
    pub(super) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.open.close_all();
    }
}

/// Serves `run`'s socket on threads of its own until [`Served::stop`].
pub(super) fn serve(run: &RunDir, handler: Handler) -> Result<Served> {
    let listener = run
        .listener
        .try_clone()
        .map_err(|e| Error::io("cannot serve the run socket", run.path(), e))?;
    let stopped = Arc::new(AtomicBool::new(false));
    let open = Arc::new(Open::default());
    let program = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let served = Served {
        stopped: Arc::clone(&stopped),
        open: Arc::clone(&open),
        program: Arc::clone(&program),
    };
    let handler = Arc::new(handler);
    std::thread::Builder::new()
        .name("run-socket".into())
        .spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else {
                    // Out of descriptors, or the like: give the program's connections a moment
                    // to close rather than spin.
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                };
                // Only the program's own user, and of that user's processes only the run's
                // program and what it started: another program of the same user (another
                // agent's run, say) that finds the socket is closed unanswered. No connection
                // can come from the program before it is started, but one may be accepted
                // before its pid is noted here.
                let mut waited = 0;
                while program.load(Ordering::SeqCst) == 0
                    && !stopped.load(Ordering::SeqCst)
                    && waited < 5_000
                {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    waited += 1;
                }
                if !socket::same_user(&stream)
                    || !socket::from_descendant(&stream, program.load(Ordering::SeqCst))
                {
                    continue;
                }
                let Some(tracked) = open.begin(&stream) else {
                    continue;
                };
                let Ok(conn) = Conn::new(stream) else {
                    open.end(tracked);
                    continue;
                };
                let (open, handler) = (Arc::clone(&open), Arc::clone(&handler));
                let spawned = std::thread::Builder::new().spawn({
                    let open = Arc::clone(&open);
                    move || {
                        match handler.as_ref() {
                            Handler::Supervisor(service) => service.serve(conn),
                            Handler::Relay(relay) => relay.serve(conn, &open),
                        }
                        open.end(tracked);
                    }
                });
                if spawned.is_err() {
                    open.end(tracked);
                }
            }
        })
        .map_err(|e| Error::other(format!("cannot start serving the run socket: {e}")))?;
    Ok(served)
}

/// The next request line on `conn`: none once it closes, or after answering one that could not
/// be read (too long, cut short) with an error.
fn next_request(conn: &mut Conn) -> Option<Vec<u8>> {
    match conn.read_line() {
        Ok(line) => line,
        Err(e) => {
            let _ = conn.write_json(&failure(&Error::usage(format!("malformed request: {e}"))));
            None
        }
    }
}
