//! The run socket's server side: nested `exec` through the run socket: a program under `exec` asks its supervisor for a
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
use std::path::PathBuf;
use std::sync::Condvar;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Value, json};

use super::OnExpiry;
use super::record::{self, Shape};
use super::socket::{self, Conn, RunDir};
use super::upstream;
use crate::audit::{Attempt, Outcome};
use crate::cli::ScopeArgs;
use crate::clock::Clock;
use crate::credential::delegate::{self, Delegator};
use crate::credential::derive::{self, Derived};
use crate::credential::{Injected, Issued};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;
use crate::session::{Caller, Say, Session};
use crate::vault::Vault;

/// What answers the run socket.
pub enum Handler {
    /// The process holding the vault.
    Supervisor(Box<Service>),
    /// A nested run: passes requests on to its own supervisor.
    Relay(Relay),
}

/// A relay's upstream socket, and the credential every request it passes on narrows.
pub struct Relay {
    upstream: PathBuf,
    own_id: String,
}

impl Relay {
    pub fn new(upstream: PathBuf, own_id: String) -> Relay {
        Relay { upstream, own_id }
    }
}

/// The supervisor's side: the credentials of this run that may be narrowed, by id.
pub struct Service {
    vault: Vault,
    clock: Arc<dyn Clock>,
    say: Say,
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
    pub fn new(session: &Session<'_>, issued: &Issued, delegator: Option<Delegator>) -> Service {
        let vault = session.vault;
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
                warn: vault.warn.clone(),
            },
            clock: Arc::clone(session.clock()),
            say: Arc::clone(session.say()),
            delegator,
            root: issued.id.clone(),
            agent: issued.plan.agent.clone(),
            live: Mutex::new(live),
        }
    }

    /// A session at the clock's time now, for one request.
    fn session(&self) -> Session<'_> {
        Session::new(&self.vault, Arc::clone(&self.clock), Arc::clone(&self.say))
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
    issued: Issued,
    actor: String,
    revoke_key: KeyPair,
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
                let revoke_key = KeyPair::generate();
                let derived = self.derive(parent.as_deref(), &scope, &shape, &revoke_key)?;
                let reply = granted(&derived.issued);
                *nested = Some(Nested {
                    issued: derived.issued,
                    actor: derived.actor,
                    revoke_key,
                    replace: shape.replace,
                });
                Ok(reply)
            }
            Ask::Expire { on_expiry } => {
                let n = nested.as_ref().ok_or_else(no_run)?;
                record::expiry(
                    (&self.vault.dir, &self.vault.config),
                    (&n.actor, &n.issued.plan.agent, &n.issued.id),
                    (on_expiry, None),
                    self.clock.now(),
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
                let ask = delegate::Ask {
                    to,
                    actions,
                    resources,
                    ttl: ttl_ms.map(chrono::Duration::milliseconds),
                    task,
                };
                self.delegate(parent.as_deref(), agent.as_deref(), &ask)
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

    fn derive(
        &self,
        parent: Option<&str>,
        scope: &ScopeArgs,
        shape: &Shape,
        revoke_key: &KeyPair,
    ) -> Result<Derived> {
        let parent = parent.unwrap_or(&self.root).to_string();
        let req = scope.request(false)?;
        let session = self.session();
        let found = self.live().get(&parent).cloned();
        let from = found.ok_or_else(|| {
            let denial = Error::denied(format!("credential {parent} is not running in this run"))
                .hint("a nested exec can only narrow a credential of the run it is in");
            let actor = format!("agent:{}", self.agent);
            let caller = Caller {
                actor: &actor,
                agent: &self.agent,
                limits: crate::watch::Limits::default(),
            };
            session.refuse(caller, Attempt::Exec, &scope.secrets, denial)
        })?;
        let value_of = |var: &str| {
            from.secrets
                .iter()
                .find(|s| s.env == var)
                .map(|s| (s.value.clone(), s.destination.clone()))
        };
        let derived = derive::derive(
            &session,
            &derive::Parent {
                token: &from.token,
                id: &parent,
                value_of: &value_of,
            },
            scope.agent.as_deref(),
            req,
            revoke_key,
            &|stamp| vec![record::start_event(stamp, None, shape, None)],
        )?;
        self.live().insert(
            derived.issued.id.clone(),
            Live {
                token: derived.issued.token.clone(),
                secrets: derived.issued.plan.secrets.clone(),
            },
        );
        Ok(derived)
    }

    /// A delegation from a credential of this run, signed with the agent's key this supervisor
    /// holds, checked and recorded as `agentcred delegate --token` checks and records it.
    fn delegate(
        &self,
        parent: Option<&str>,
        agent: Option<&str>,
        ask: &delegate::Ask,
    ) -> Result<Value> {
        ask.validate()?;
        let who = self.delegator.as_ref().ok_or_else(|| {
            Error::denied(
                "this run's credential was derived from a token: it holds no key to delegate with",
            )
            .hint("delegate with the agent's own key, outside this run")
        })?;
        if let Some(a) = agent.filter(|a| *a != who.agent) {
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
        let d = delegate::delegate(&self.session(), who, &from.token, ask)?;
        let mut reply = serde_json::to_value(&d).expect("delegations serialise");
        reply["ok"] = true.into();
        Ok(reply)
    }

    fn end(&self, n: Nested, outcome: Outcome, details: Value) {
        self.live().remove(&n.issued.id);
        let ended = record::end(
            (&self.vault.dir, &self.vault.config),
            &n.issued,
            (&n.actor, &n.revoke_key),
            (outcome, details),
            self.clock.now(),
        );
        if let Err(err) = ended {
            (self.say)(&record::end_failed(&n.issued.id, &err));
        }
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

pub(super) fn failure(e: &Error) -> Value {
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
                let _ = conn.write_json(&failure(&upstream::gone(&self.upstream, &e)));
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
                    let _ = conn.write_json(&failure(&upstream::gone(&self.upstream, &e)));
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
pub struct Served {
    stopped: Arc<AtomicBool>,
    open: Arc<Open>,
    /// The run's program (0 until it is started): only it and its descendants are answered.
    program: Arc<std::sync::atomic::AtomicU32>,
}

impl Served {
    /// The run's program has started as process `pid`.
    pub fn admit(&self, pid: u32) {
        self.program.store(pid, Ordering::SeqCst);
    }

    /// Stops accepting and closes every connection, waiting for their handlers: a nested run
    /// still open is ended then (its supervisor records it so) before this run's own end. The
    /// accepting thread is not waited for: it takes nothing more once stopped, and ends with the
    /// process; a run no program connected to so costs no thread switch at its end.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.open.close_all();
    }
}

/// Serves `run`'s socket on threads of its own until [`Served::stop`].
pub fn serve(run: &RunDir, handler: Handler) -> Result<Served> {
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
        .map_err(|e| {
            Error::other(format!("cannot start serving the run socket: {e}")).with_source(e)
        })?;
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
