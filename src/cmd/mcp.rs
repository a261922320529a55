//! `mcp`: a Model Context Protocol server on stdio whose tools send HTTP requests with brokered
//! secrets. Its life cycle is `broker`'s, with an MCP client in place of a program: a credential
//! is minted and recorded as a run (`exec.start`, a `running/` record), its broker started, and
//! every `http_request` goes through that broker's proxy, so the gate checks and records it as
//! it would any program's request. The agent holds `{{secret:NAME}}` templates only: the
//! placeholders they stand for never leave this process, nor do the values.
//!
//! The credential is renewed (a new credential, a new broker; the old one ended and revoked as
//! a run's end) when less than a fifth of its lifetime remains, at a call or on the timer, as
//! long as a mint is still allowed; never with `--once`, and never after a revocation: a
//! revoked credential stays revoked for this server, which then refuses every call. The end of
//! stdin or a signal stops the broker and records the end.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::audit::{Attempt, Outcome};
use crate::cli::McpArgs;
use crate::cmd::Ctx;
use crate::credential::{Request, mint};
use crate::error::{Error, Result};
use crate::exec::brokered;
use crate::exec::held::Held;
use crate::exec::revoked::{Revoked, Watch};
use crate::mcp::{self, Incoming, client::Client};
use crate::session::{Opened, Session};
use crate::vault::Vault;

/// A credential with its broker: one "run" of the server.
struct Lease {
    held: Held,
    broker: brokered::Running,
    watch: Watch,
    client: Client,
    /// Each usable secret's placeholder and binding, by name.
    usable: Vec<(String, String, crate::destination::Binding)>,
}

struct Server<'a> {
    ctx: &'a Ctx,
    vault: &'a Vault,
    opened: Opened,
    request: Request,
    opts: brokered::Options,
    upstream_roots: Vec<Vec<u8>>,
    once: bool,
    runtime: tokio::runtime::Runtime,
    lease: Lease,
    /// Set once the credential is revoked: nothing is renewed after that.
    revoked: Option<Revoked>,
    /// Why the last renewal failed, if it did.
    renewal_failed: Option<String>,
    /// When to try a failed renewal again.
    retry_at: Option<std::time::Instant>,
}

pub fn run(ctx: &Ctx, args: McpArgs) -> Result<u8> {
    let mut opts = brokered::Options::from_flags(true, args.egress, args.upstream_ca.as_deref())?;
    let vault = ctx.open_vault()?;
    ctx.known_scope(&vault, &args.scope)?;
    opts.vault_dir = Some(vault.dir.clone());
    let (_, resolved_ca) = brokered::resolve(&opts)?;
    let upstream_roots = resolved_ca.map(|c| c.certificates).unwrap_or_default();
    let principal = ctx.principal(&vault)?;
    let session = ctx.session(&vault);
    let stop = crate::exec::held::stop_on_signals()?;
    let opened = ctx.open_agent_as(&session, principal, args.scope.agent.as_deref())?;
    let mut request = args.scope.request(false)?;
    if request.ttl.is_none() {
        request.ttl = opened
            .envelope
            .policy
            .max_ttl_secs
            .map(chrono::Duration::seconds);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::other(format!("cannot start the HTTP client: {e}")))?;
    let lease = start_lease(
        ctx,
        &vault,
        &session,
        &opened,
        &request,
        &opts,
        &upstream_roots,
    )?;
    ctx.out.note(&format!(
        "agentcred: MCP server for agent {} on stdio; credential {} until {}",
        lease.held.issued.plan.agent,
        lease.held.issued.id,
        crate::clock::rfc3339(lease.held.issued.plan.expires_at)
    ));
    let mut server = Server {
        ctx,
        vault: &vault,
        opened,
        request,
        opts,
        upstream_roots,
        once: args.once,
        runtime,
        lease,
        revoked: None,
        renewal_failed: None,
        retry_at: None,
    };
    let (tx, rx) = mpsc::channel::<Option<String>>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(Some(l)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(None);
    });
    let ended_by = loop {
        if stop.load(Ordering::Relaxed) {
            break "signal";
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(line)) => {
                if line.trim().is_empty() {
                    continue;
                }
                if let Some(answer) = server.handle(&line)
                    && write(&answer).is_err()
                {
                    break "client";
                }
            }
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => break "client",
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        server.tick(false);
    };
    let Server { lease, revoked, .. } = server;
    let id = lease.held.issued.id.clone();
    end_lease(ctx, &vault, lease, ended_by, revoked.as_ref());
    ctx.out.note(&format!(
        "agentcred: MCP server stopped; credential {id} ended"
    ));
    Ok(0)
}

/// Writes one message on stdout, a line.
fn write(message: &Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Mints a credential and starts its broker, recorded as a run.
fn start_lease(
    ctx: &Ctx,
    vault: &Vault,
    session: &Session<'_>,
    opened: &Opened,
    request: &Request,
    opts: &brokered::Options,
    upstream_roots: &[Vec<u8>],
) -> Result<Lease> {
    let plan = mint::decide(session, opened, request, Attempt::Exec)?;
    let held = Held::start(session, opened, plan, "mcp")?;
    let issued = &held.issued;
    // Every secret bound to hosts is usable through the broker, whatever its delivery: the
    // client of an MCP server never holds a value either way. One bound nowhere is not: the
    // broker could not tell where it may go.
    let mut plan = brokered::BrokerPlan::default();
    let mut usable = Vec::new();
    for s in &issued.plan.secrets {
        let binding = &s.destination.binding;
        if binding.hosts.as_ref().is_none_or(Vec::is_empty) {
            continue;
        }
        let placeholder =
            crate::destination::placeholder(s.destination.placeholder_prefix.as_deref());
        usable.push((
            s.name.clone(),
            placeholder.expose_secret().to_string(),
            binding.clone(),
        ));
        plan.entries.push(brokered::Entry {
            variable: s.env.clone(),
            secret: s.name.clone(),
            placeholder,
            binding: binding.clone(),
            value: secrecy::SecretString::from(s.value.expose_secret().to_string()),
        });
    }
    let cx = brokered::Context {
        vault,
        actor: held.actor(),
        clock: Arc::clone(&ctx.clock),
        rate_limit: opened.envelope.policy.rate_limit,
        audit_key: opened.envelope.audit_key.clone(),
        bundle_parent: None,
        mask_injected: false,
    };
    let started = brokered::start(plan, opts, issued, false, Some(cx))
        .and_then(|b| b.ok_or_else(|| Error::other("the broker did not start")));
    let broker = match started {
        Ok(b) => b,
        Err(e) => {
            if let Some(w) = held.not_started(vault, ctx.clock.now(), &e, None) {
                ctx.out.warn(&w);
            }
            return Err(e);
        }
    };
    let client = broker
        .proxy_url()
        .zip(broker.bundle_path())
        .ok_or_else(|| Error::other("the broker has no proxy"))
        .and_then(|(url, bundle)| {
            let mut roots = brokered::read_upstream_ca(bundle)?.certificates;
            roots.extend(upstream_roots.iter().cloned());
            Client::new(url, &roots)
                .map_err(|e| Error::other(format!("cannot start the HTTP client: {e}")))
        });
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            let summary = broker.stop();
            if let Some(w) = held.not_started(vault, ctx.clock.now(), &e, Some(summary)) {
                ctx.out.warn(&w);
            }
            return Err(e);
        }
    };
    let watch = Watch::of(vault, Arc::clone(&ctx.clock), issued);
    Ok(Lease {
        held,
        broker,
        watch,
        client,
        usable,
    })
}

/// Stops a lease's broker and records its end (the credential revoked), as at the end of a run.
fn end_lease(ctx: &Ctx, vault: &Vault, lease: Lease, ended_by: &str, revoked: Option<&Revoked>) {
    let Lease { held, broker, .. } = lease;
    let summary = broker.stop();
    let now = ctx.clock.now();
    let mut details = json!({
        "ended_by": ended_by,
        "broker": summary,
        "expired": now >= held.issued.plan.expires_at,
    });
    if let (Value::Object(d), Some(r)) = (&mut details, revoked) {
        d.insert("revoked".into(), r.id.clone().into());
    }
    if let Some(w) = held.end(vault, now, Outcome::Ok, details) {
        ctx.out.warn(&w);
    }
}

impl Server<'_> {
    /// Answers one line; `None` for a notification or a response.
    fn handle(&mut self, line: &str) -> Option<Value> {
        let (id, method, params) = match mcp::parse(line) {
            Err(answer) => return Some(answer),
            Ok(Incoming::Notification { .. } | Incoming::Response) => return None,
            Ok(Incoming::Request { id, method, params }) => (id, method, params),
        };
        let answer = match method.as_str() {
            "initialize" => mcp::result(id, mcp::initialize(&params)),
            "ping" => mcp::result(id, json!({})),
            "tools/list" => mcp::result(id, mcp::tools()),
            "tools/call" => {
                let name = params.get("name").and_then(Value::as_str).unwrap_or("");
                let arguments = params.get("arguments").cloned().unwrap_or(json!({}));
                match name {
                    "http_request" => {
                        let (text, is_error) = self.http_request(&arguments);
                        mcp::result(id, mcp::tool_text(text, is_error))
                    }
                    "list_credentials" => {
                        self.tick(true);
                        let text = self.list_credentials().to_string();
                        mcp::result(id, mcp::tool_text(text, false))
                    }
                    other => mcp::error(id, mcp::INVALID_PARAMS, &format!("Unknown tool: {other}")),
                }
            }
            other => mcp::error(
                id,
                mcp::METHOD_NOT_FOUND,
                &format!("Method not found: {other}"),
            ),
        };
        Some(answer)
    }

    /// Looks for a revocation (at once when `call`, before a request) and renews the credential
    /// when it is due.
    fn tick(&mut self, call: bool) {
        if self.revoked.is_none() {
            let found = if call {
                self.lease.watch.look_now()
            } else {
                self.lease.watch.look()
            };
            if let Some(r) = found {
                self.lease.broker.closer()(Some(&r));
                self.ctx
                    .out
                    .note(&format!("agentcred: {}; it is not renewed", r.describe()));
                self.revoked = Some(r);
            }
        }
        if self.revoked.is_some() || self.once {
            return;
        }
        let plan = &self.lease.held.issued.plan;
        let now = self.ctx.clock.now();
        let left = plan.expires_at - now;
        if left * 5 >= plan.ttl() {
            return;
        }
        // A failed renewal is tried again at most once a second, and at each call.
        if !call
            && self
                .retry_at
                .is_some_and(|at| std::time::Instant::now() < at)
        {
            return;
        }
        // A session decides at the time it was made: each renewal needs its own.
        let session = self.ctx.session(self.vault);
        match start_lease(
            self.ctx,
            self.vault,
            &session,
            &self.opened,
            &self.request,
            &self.opts,
            &self.upstream_roots,
        ) {
            Ok(fresh) => {
                self.renewal_failed = None;
                self.retry_at = None;
                let old = std::mem::replace(&mut self.lease, fresh);
                self.ctx.out.note(&format!(
                    "agentcred: credential {} renewed as {}, until {}",
                    old.held.issued.id,
                    self.lease.held.issued.id,
                    crate::clock::rfc3339(self.lease.held.issued.plan.expires_at)
                ));
                end_lease(self.ctx, self.vault, old, "renewal", None);
            }
            Err(e) => {
                if self.renewal_failed.is_none() {
                    self.ctx
                        .out
                        .warn(&format!("the credential could not be renewed: {e}"));
                }
                self.renewal_failed = Some(e.to_string());
                self.retry_at = Some(std::time::Instant::now() + Duration::from_secs(1));
            }
        }
    }

    /// Why no request may go now, if none may.
    fn closed(&self) -> Option<String> {
        let plan = &self.lease.held.issued.plan;
        if let Some(r) = &self.revoked {
            return Some(format!(
                "refused (revoked): {}; agentcred mcp does not renew a revoked credential, so \
                 every call is refused until the server is restarted",
                r.describe()
            ));
        }
        if self.ctx.clock.now() >= plan.expires_at {
            let why = if self.once {
                "this server was started with --once, so it is not renewed".to_string()
            } else {
                format!(
                    "it could not be renewed: {}",
                    self.renewal_failed
                        .as_deref()
                        .unwrap_or("no renewal was possible")
                )
            };
            return Some(format!(
                "refused (expired): credential {} expired at {}; {why}",
                self.lease.held.issued.id,
                crate::clock::rfc3339(plan.expires_at)
            ));
        }
        None
    }

    fn list_credentials(&self) -> Value {
        let plan = &self.lease.held.issued.plan;
        let secrets: Vec<Value> = plan
            .secrets
            .iter()
            .map(|s| {
                let b = &s.destination.binding;
                let usable = self.lease.usable.iter().any(|(n, _, _)| *n == s.name);
                let mut v = json!({
                    "name": s.name,
                    "variable": s.env,
                    "delivery": s.destination.delivery.as_str(),
                    "hosts": b.hosts.as_ref().map(|h| h.iter().map(ToString::to_string).collect::<Vec<_>>()),
                    "methods": b.methods.as_ref().map(|m| m.iter().map(ToString::to_string).collect::<Vec<_>>()),
                    "paths": b.paths.as_ref().map(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>()),
                    "usable": usable,
                });
                if let Value::Object(d) = &mut v {
                    if usable {
                        d.insert("template".into(), format!("{{{{secret:{}}}}}", s.name).into());
                    } else {
                        d.insert(
                            "why_not".into(),
                            "the secret is bound to no host (secret edit NAME --hosts …)".into(),
                        );
                    }
                }
                v
            })
            .collect();
        json!({
            "agent": plan.agent,
            "credential_id": self.lease.held.issued.id,
            "issued_at": crate::clock::rfc3339(plan.issued_at),
            "expires_at": crate::clock::rfc3339(plan.expires_at),
            "renewed": if self.once { "never (--once)" } else { "automatically, before it expires" },
            "state": match self.closed() {
                Some(_) if self.revoked.is_some() => "revoked",
                Some(_) => "expired",
                None => "live",
            },
            "scope": plan.scope_json(),
            "secrets": secrets,
        })
    }

    /// The `http_request` tool: the text of its result and whether it is an error.
    fn http_request(&mut self, args: &Value) -> (String, bool) {
        self.tick(true);
        if let Some(why) = self.closed() {
            return (why, true);
        }
        let method = args.get("method").and_then(Value::as_str).unwrap_or("");
        let Some(url) = args.get("url").and_then(Value::as_str) else {
            return ("http_request needs a url".into(), true);
        };
        let Ok(method) = http::Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes())
        else {
            return (
                "http_request needs a method such as GET or POST".into(),
                true,
            );
        };
        let body = match args.get("body") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return ("the body must be a string".into(), true),
        };
        let lease = &self.lease;
        let lookup = |name: &str| -> std::result::Result<String, String> {
            if let Some((_, ph, _)) = lease.usable.iter().find(|(n, _, _)| n == name) {
                return Ok(ph.clone());
            }
            if lease
                .held
                .issued
                .plan
                .secrets
                .iter()
                .any(|s| s.name == name)
            {
                return Err(format!(
                    "secret {name} is bound to no host, so it cannot be sent anywhere through \
                     the broker (an admin can bind it: agentcred secret edit {name} --hosts HOST)"
                ));
            }
            let names: Vec<&str> = lease.usable.iter().map(|(n, _, _)| n.as_str()).collect();
            Err(format!(
                "unknown secret {name} in {{{{secret:{name}}}}}: this credential can use {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ))
        };
        let mut used = Vec::new();
        let url = match mcp::fill(url, &lookup, &mut used) {
            Ok(u) => u,
            Err(e) => return (format!("refused: {e}"), true),
        };
        let mut headers = Vec::new();
        match args.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    let Some(v) = v.as_str() else {
                        return (format!("header {k}: the value must be a string"), true);
                    };
                    match mcp::fill(v, &lookup, &mut used) {
                        Ok(v) => headers.push((k.clone(), v)),
                        Err(e) => return (format!("refused: {e}"), true),
                    }
                }
            }
            Some(_) => return ("headers must be an object of strings".into(), true),
        }
        let hide = |text: String| -> String {
            let mut text = text;
            for (name, ph, _) in &lease.usable {
                if text.contains(ph.as_str()) {
                    text = text.replace(ph.as_str(), &format!("{{{{secret:{name}}}}}"));
                }
            }
            text
        };
        let Ok(uri) = url.parse::<http::Uri>() else {
            return (hide(format!("refused: not a URL: {url}")), true);
        };
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return ("the URL must start with http:// or https://".into(), true),
        };
        let Some(host) = uri.host().map(str::to_ascii_lowercase) else {
            return ("the URL has no host".into(), true);
        };
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        // A secret meant for a host outside its binding is refused here, as the gate would
        // refuse it: through the proxy such a connection could be a tunnel the broker never
        // looks into.
        let outside: Vec<String> = used
            .iter()
            .filter(|name| {
                lease
                    .usable
                    .iter()
                    .any(|(n, _, b)| n == *name && !b.allows_host(&host, port))
            })
            .cloned()
            .collect();
        if !outside.is_empty() {
            lease
                .broker
                .refuse_unbound(&host, port, https, outside.clone());
            let bound: Vec<String> = lease
                .usable
                .iter()
                .filter(|(n, _, _)| outside.contains(n))
                .map(|(n, _, b)| format!("{n}: {}", b.summary()))
                .collect();
            return (
                format!(
                    "refused (host_not_bound): {host}:{port} is outside the binding of secret {} \
                     (bound to {}); nothing was sent",
                    outside.join(", "),
                    bound.join("; ")
                ),
                true,
            );
        }
        let sent = self
            .runtime
            .block_on(lease.client.send(method, &uri, &headers, body));
        drop(headers);
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return (hide(format!("the request failed: {e}")), true),
        };
        // The broker's own refusals: a JSON body with exactly an error and a reason.
        if matches!(resp.status, 403 | 407 | 503 | 400 | 502)
            && let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&resp.body)
            && m.len() == 2
            && let (Some(reason), Some(message)) = (
                m.get("reason").and_then(Value::as_str),
                m.get("error").and_then(Value::as_str),
            )
        {
            return (
                hide(format!("refused ({reason}) by the broker: {message}")),
                true,
            );
        }
        let mut out = json!({
            "status": resp.status,
            "headers": resp.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        });
        if let Value::Object(d) = &mut out {
            match String::from_utf8(resp.body) {
                Ok(text) => d.insert("body".into(), text.into()),
                Err(e) => {
                    use base64::Engine as _;
                    d.insert(
                        "body_base64".into(),
                        base64::engine::general_purpose::STANDARD
                            .encode(e.as_bytes())
                            .into(),
                    )
                }
            };
            if resp.truncated {
                d.insert("truncated".into(), true.into());
            }
        }
        (hide(out.to_string()), false)
    }
}
