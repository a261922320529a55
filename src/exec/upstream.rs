//! The client side of the run socket (see [`super::serve`] for the protocol): a nested `exec`
//! or `delegate` inside a supervised run asks its supervisor instead of opening the vault.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::OnExpiry;
use super::record::Shape;
use super::serve::Relay;
use super::socket::{self, Conn};
use crate::cli::ScopeArgs;
use crate::credential::delegate::{self, Delegated};
use crate::credential::{Injected, Issued, LimitedBy, Plan};
use crate::error::{Error, Kind, Result, exit};
use crate::sensitive::SecretText;
use crate::session::Say;

/// The run socket and the parent credential, when this process runs under a supervisor.
pub fn served_by() -> Option<(PathBuf, String)> {
    let socket = std::env::var_os(socket::ENV).filter(|v| !v.is_empty())?;
    let parent = std::env::var("AGENTCRED_CREDENTIAL_ID")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some((PathBuf::from(socket), parent))
}

/// Asks the supervisor at `path` for a credential narrowed from `parent_id` as `args` asks.
pub fn ask_exec(
    scope: &ScopeArgs,
    shape: &Shape,
    path: &Path,
    parent_id: &str,
) -> Result<(Upstream, Issued)> {
    // Malformed arguments are reported here, as a run with the vault would report them.
    scope.request(false)?;
    let mut conn = Conn::connect(path).map_err(|e| gone(path, &e))?;
    let ask = json!({
        "op": "exec",
        "parent": parent_id,
        "agent": scope.agent,
        "secrets": scope.secrets,
        "ttl_ms": scope.ttl.map(|t| t.num_milliseconds()),
        "actions": scope.actions,
        "resources": scope.resources,
        "shape": shape,
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
pub fn ask_delegate(
    ask: &delegate::Ask,
    agent: Option<&str>,
    path: &Path,
    parent_id: &str,
) -> Result<Delegated> {
    let mut conn = Conn::connect(path).map_err(|e| gone(path, &e))?;
    let ask = json!({
        "op": "delegate",
        "parent": parent_id,
        "agent": agent,
        "to": ask.to,
        "actions": ask.actions,
        "resources": ask.resources,
        "ttl_ms": ask.ttl.map(|t| t.num_milliseconds()),
        "task": ask.task,
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

pub(super) fn gone(path: &Path, e: &std::io::Error) -> Error {
    Error::other(format!(
        "cannot reach the supervising agentcred at {}: {e}",
        path.display()
    ))
    .hint("a nested exec works only while the exec that runs this program does")
}

/// Sends one request and reads its answer.
pub(super) fn exchange(conn: &mut Conn, ask: &Value) -> std::io::Result<Value> {
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
    let kind = Kind::of_refusal(
        answer["code"]
            .as_u64()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(exit::ERROR),
    );
    let error = Error::new(kind, message);
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
            source: None,
            field: None,
            name: s["name"].as_str()?.to_string(),
            env: s["env"].as_str()?.to_string(),
            version: 0,
            value: SecretText::new(s["value"].as_str()?.to_string()),
            destination: Default::default(),
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
            limited_by: LimitedBy::ParentCredential,
        },
        openbao: None,
    })
}

/// This nested run's connection to its supervisor.
#[derive(Clone)]
pub struct Upstream {
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

    pub fn expired(&self, policy: OnExpiry) {
        let _ = self.send(&json!({ "op": "expire", "on_expiry": policy }));
    }

    /// Reports the end; the supervisor records it and revokes the credential.
    pub fn ended(&self, id: &str, details: Value, say: &Say) {
        let mut ask = details;
        if let Value::Object(m) = &mut ask {
            m.insert("op".into(), "end".into());
        }
        if let Err(err) = self.send(&ask) {
            say(&format!(
                "warning: could not report the end of the program to revoke its credential {id}: {err}"
            ));
        }
    }

    pub fn relay(&self, own_id: &str) -> Relay {
        Relay::new(self.path.clone(), own_id.to_string())
    }
}
