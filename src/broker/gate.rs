//! The gate a run's broker asks about every request: the enforcement and the audit record of
//! each API call made with a brokered secret.
//!
//! For a request to a bound host, in this order:
//! 1. the credential must be live: not past its expiry, not revoked (the supervisor closes the
//!    gate the moment its watch finds a revocation, whatever `--on-expiry` says);
//! 2. every placeholder it carries must be bound to where it goes: host, then the grant's
//!    methods and paths. A placeholder presented to a host outside its binding is an
//!    exfiltration attempt, recorded as an anomaly and handed to the alert command;
//! 3. a value goes over plain HTTP only to a loopback host;
//! 4. the agent's `--rate-limit` counts requests as it counts mints (and the mints in its window);
//! 5. its `broker.request` entry (agent, credential, secret names, host, method, path without
//!    the query, and a keyed hash of the query) is made durable, with any anomaly the live checks
//!    find in it. Only then may the request go upstream: if the log cannot be written, the
//!    request is refused (fail closed).
//!
//! A refusal is a `deny` entry with `attempted: broker.request`, written without waiting (nothing
//! was released). How a forwarded request ended (status, bytes, latency) follows in a
//! `broker.response` entry, also without waiting: the live checks learn an upstream's failure
//! rate and latency from it, as `audit anomalies` does when it replays the log.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{Gate, Outcome, Refusal, RequestInfo, Scheme, UnboundTarget};
use crate::agent::RateLimit;
use crate::audit::anomaly::{self, AgentActivity, Anomaly, Observation, Thresholds};
use crate::audit::group::GroupLog;
use crate::audit::{Action, Event, Outcome as Logged};
use crate::clock::Clock;
use crate::destination::Binding;
use crate::sensitive::SecretText;
use crate::settings::Settings;

/// One brokered secret of the run.
pub struct Bound {
    pub name: String,
    pub binding: Binding,
}

/// Who the run is, for its records.
pub struct RunInfo {
    pub dir: PathBuf,
    pub vault_id: String,
    pub actor: String,
    pub agent: String,
    pub credential_id: String,
    pub expires_at: DateTime<Utc>,
    pub rate_limit: Option<RateLimit>,
    /// The agent's audit key: the query is recorded as its HMAC, never as text.
    pub audit_key: SecretText,
}

/// How many requests the gate let through and refused, for the run's `exec.end`.
#[derive(Default)]
pub struct Counts {
    pub forwarded: AtomicU64,
    pub refused: AtomicU64,
    pub tunnelled: AtomicU64,
}

pub struct RunGate {
    run: RunInfo,
    clock: Arc<dyn Clock>,
    secrets: HashMap<String, Bound>,
    closed: Mutex<Option<Refusal>>,
    recent: Mutex<VecDeque<i64>>,
    activity: Mutex<AgentActivity>,
    settings: Settings,
    log: Arc<GroupLog>,
    pub counts: Arc<Counts>,
    /// Threads writing refusals with their anomalies, and running alert commands.
    background: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

/// What `admit` hands on to `finish`.
pub struct Ticket {
    secrets: Vec<String>,
    host: String,
    method: String,
    path: String,
    started: Instant,
}

impl RunGate {
    pub fn new(
        run: RunInfo,
        clock: Arc<dyn Clock>,
        secrets: Vec<Bound>,
        activity: AgentActivity,
        settings: Settings,
    ) -> RunGate {
        let log = Arc::new(GroupLog::start(run.dir.clone(), Arc::clone(&clock)));
        // The rate limit counts the agent's calls, its mints among them (this run's own too):
        // those already in the window count as made now, which errs on the strict side.
        let now = clock.now();
        let recent: VecDeque<i64> = run.rate_limit.map_or_else(VecDeque::new, |limit| {
            let made = activity.mints_within(now, i64::from(limit.per_secs));
            std::iter::repeat_n(now.timestamp_millis(), made).collect()
        });
        RunGate {
            run,
            clock,
            secrets: secrets.into_iter().map(|b| (b.name.clone(), b)).collect(),
            closed: Mutex::new(None),
            recent: Mutex::new(recent),
            activity: Mutex::new(activity),
            settings,
            log,
            counts: Arc::new(Counts::default()),
            background: Mutex::new(Vec::new()),
        }
    }

    /// The log the gate writes through, to close when the run ends.
    pub fn log(&self) -> Arc<GroupLog> {
        Arc::clone(&self.log)
    }

    /// Every request from now on is refused with `refusal` (a revocation found by the watch).
    pub fn close(&self, refusal: Refusal) {
        *lock(&self.closed) = Some(refusal);
    }

    fn thresholds(&self) -> &Thresholds {
        &self.settings.anomaly
    }

    fn request_details(
        &self,
        host: &str,
        port: u16,
        method: &str,
        path: &str,
    ) -> serde_json::Value {
        serde_json::json!({ "host": host, "port": port, "method": method, "path": path })
    }

    /// Records a refusal and returns it. Nothing waits for the record (nothing was released),
    /// except that an anomaly's alert names its entry's place in the log, so it is handed to the
    /// alert command from a thread of its own once the entry is written.
    fn refuse(&self, request: Described<'_>, refusal: Refusal, anomalies: Vec<Anomaly>) -> Refusal {
        self.counts.refused.fetch_add(1, Ordering::Relaxed);
        let mut details =
            self.request_details(request.host, request.port, request.method, request.path);
        if let serde_json::Value::Object(d) = &mut details {
            d.insert("attempted".into(), Action::BrokerRequest.as_str().into());
            d.insert("reason".into(), refusal.reason.clone().into());
        }
        let mut e = Event::new(self.run.actor.clone(), Action::Deny)
            .agent(&self.run.agent)
            .secrets(request.secrets.iter().cloned())
            .outcome(Logged::Denied, refusal.message.clone())
            .details(details);
        e.credential_id = Some(self.run.credential_id.clone());
        self.record_lazily(e, anomalies);
        refusal
    }

    /// Appends `e` with the anomalies it shows (and `found` already), after the fact: with the
    /// next durable append when there are none, else on a thread of its own that hands them to
    /// the alert command once their entries have their place in the log.
    fn record_lazily(&self, e: Event, mut found: Vec<Anomaly>) {
        found.extend(self.observe(&e, self.clock.now()));
        let mut events = vec![e];
        events.extend(found.iter().map(|a| a.event(&self.run.actor)));
        if found.is_empty() {
            self.log.append_later(events);
        } else {
            let log = Arc::clone(&self.log);
            let alert = self.alerter();
            self.in_background(move || {
                if let Ok(seq) = log.append(events) {
                    alert(found, seq + 1);
                }
            });
        }
    }

    fn observe(&self, e: &Event, now: DateTime<Utc>) -> Vec<Anomaly> {
        let o = Observation {
            ts: now,
            action: e.action.as_str(),
            outcome: e.result.unwrap_or(Logged::Ok),
            secrets: &e.secrets,
            resources: Vec::new(),
            latency_ms: anomaly::latency_of(e.details_value().as_deref()),
        };
        lock(&self.activity).observe(&self.run.agent, &o, self.thresholds())
    }

    /// Hands anomalies to the `[alerts] command` on a thread of their own: a slow command must
    /// not hold up requests.
    fn alert(&self, anomalies: Vec<Anomaly>, first_seq: u64) {
        if self.settings.alerts.command.is_none() {
            return;
        }
        let alert = self.alerter();
        self.in_background(move || alert(anomalies, first_seq));
    }

    /// Runs the `[alerts] command` for anomalies, where it is called.
    fn alerter(&self) -> impl Fn(Vec<Anomaly>, u64) + Send + 'static {
        let settings = self.settings.clone();
        let vault_id = self.run.vault_id.clone();
        move |anomalies, first_seq| {
            crate::watch::alert(&settings, &vault_id, &anomalies, first_seq, &|m| {
                eprintln!("agentcred: {m}");
            });
        }
    }

    /// Runs `f` on a thread of its own, which [`RunGate::wait`] waits for: the run's records and
    /// alerts are not lost when its program ends first.
    fn in_background(&self, f: impl FnOnce() + Send + 'static) {
        let handle = std::thread::spawn(f);
        let mut pending = lock(&self.background);
        pending.retain(|h| !h.is_finished());
        pending.push(handle);
    }

    /// Waits for the records and alerts still being written (each alert command is bounded by
    /// its `timeout_secs`).
    pub fn wait(&self) {
        let pending = std::mem::take(&mut *lock(&self.background));
        for handle in pending {
            let _ = handle.join();
        }
    }

    fn rate_limited(&self, now: DateTime<Utc>) -> Option<RateLimit> {
        let limit = self.run.rate_limit?;
        let now_ms = now.timestamp_millis();
        let from = now_ms - i64::from(limit.per_secs) * 1000;
        let mut recent = lock(&self.recent);
        while recent.front().is_some_and(|t| *t <= from) {
            recent.pop_front();
        }
        if recent.len() >= limit.count as usize {
            return Some(limit);
        }
        recent.push_back(now_ms);
        None
    }
}

/// The parts of a request a record names.
struct Described<'a> {
    host: &'a str,
    port: u16,
    method: &'a str,
    path: &'a str,
    secrets: &'a [String],
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Gate for RunGate {
    type Ticket = Ticket;
    // `finish` only queues its entry (and hands anomalies to a thread of their own): it runs where
    // the response ends, so the entry is queued before the client has its last byte, and the
    // run's end, which flushes the log, cannot come first.
    const FINISH_BLOCKS: bool = false;

    fn admit(&self, req: &RequestInfo) -> Result<Ticket, Refusal> {
        let now = self.clock.now();
        let method = req.method.as_str();
        let described = Described {
            host: &req.host,
            port: req.port,
            method,
            path: &req.path,
            secrets: &req.placeholders,
        };
        if let Some(refusal) = lock(&self.closed).clone() {
            return Err(self.refuse(described, refusal, Vec::new()));
        }
        if now >= self.run.expires_at {
            let refusal = Refusal::forbidden(
                "expired",
                format!(
                    "credential {} expired at {}",
                    self.run.credential_id,
                    crate::clock::rfc3339(self.run.expires_at)
                ),
            );
            return Err(self.refuse(described, refusal, Vec::new()));
        }
        for name in &req.placeholders {
            let Some(bound) = self.secrets.get(name) else {
                continue;
            };
            if let Err(outside) = bound.binding.allows(&req.host, req.port, method, &req.path) {
                let kind = outside.kind();
                let refusal = Refusal::forbidden(
                    format!("{kind}_not_bound"),
                    format!("secret {name}: {outside}"),
                );
                let anomalies = if kind == "host" {
                    vec![exfiltration(
                        &self.run.agent,
                        name,
                        &req.host,
                        req.port,
                        now,
                    )]
                } else {
                    Vec::new()
                };
                return Err(self.refuse(described, refusal, anomalies));
            }
        }
        // A value goes over plain HTTP only to this machine: anywhere else anyone on the path
        // (or answering for the name) reads it.
        if req.scheme == Scheme::Http
            && !req.placeholders.is_empty()
            && !crate::destination::is_loopback(&req.host)
        {
            let refusal = Refusal::forbidden(
                "cleartext_refused",
                format!(
                    "a secret goes to {}:{} over https only (plain http only to this machine)",
                    req.host, req.port
                ),
            );
            return Err(self.refuse(described, refusal, Vec::new()));
        }
        if let Some(limit) = self.rate_limited(now) {
            let message = format!("agent {} reached its rate limit of {limit}", self.run.agent);
            let anomalies = vec![Anomaly::new(
                "rate_limit",
                Some(&self.run.agent),
                now,
                message.clone(),
                serde_json::json!({ "limit": limit.to_string() }),
            )];
            return Err(self.refuse(
                described,
                Refusal::forbidden("rate_limit", message),
                anomalies,
            ));
        }
        let mut details = self.request_details(&req.host, req.port, method, &req.path);
        if let (serde_json::Value::Object(d), Some(query)) = (&mut details, &req.query) {
            d.insert(
                "query_hmac".into(),
                crate::audit::hmac_field(&self.run.audit_key, query.as_bytes()).into(),
            );
        }
        if let serde_json::Value::Object(d) = &mut details
            && req.scheme == Scheme::Http
        {
            d.insert("scheme".into(), "http".into());
        }
        let mut e = Event::new(self.run.actor.clone(), Action::BrokerRequest)
            .agent(&self.run.agent)
            .secrets(req.placeholders.iter().cloned())
            .details(details);
        e.credential_id = Some(self.run.credential_id.clone());
        let anomalies = self.observe(&e, now);
        let mut events = vec![e];
        events.extend(anomalies.iter().map(|a| a.event(&self.run.actor)));
        match self.log.append(events) {
            Ok(seq) => {
                if !anomalies.is_empty() {
                    self.alert(anomalies, seq + 1);
                }
                // A revocation found while the entry was being written still stops the request.
                if let Some(refusal) = lock(&self.closed).clone() {
                    self.counts.refused.fetch_add(1, Ordering::Relaxed);
                    return Err(refusal);
                }
            }
            Err(e) => {
                self.counts.refused.fetch_add(1, Ordering::Relaxed);
                return Err(Refusal {
                    status: 503,
                    reason: "audit_unavailable".into(),
                    message: format!("the request was not forwarded: {e}"),
                });
            }
        }
        self.counts.forwarded.fetch_add(1, Ordering::Relaxed);
        Ok(Ticket {
            secrets: req.placeholders.clone(),
            host: req.host.clone(),
            method: method.to_string(),
            path: req.path.clone(),
            started: Instant::now(),
        })
    }

    fn finish(&self, ticket: Ticket, outcome: &Outcome) {
        let latency = outcome.headers_after.unwrap_or(outcome.total);
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        let failed = outcome.error.is_some() || outcome.status.is_none_or(|s| s >= 400);
        let mut details = serde_json::json!({
            "host": ticket.host,
            "method": ticket.method,
            "path": ticket.path,
            "status": outcome.status,
            "bytes_up": outcome.bytes_up,
            "bytes_down": outcome.bytes_down,
            "latency_ms": latency_ms,
            "total_ms": u64::try_from(ticket.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
        if let (serde_json::Value::Object(d), Some(err)) = (&mut details, &outcome.error) {
            d.insert("error".into(), err.clone().into());
        }
        let mut e = Event::new(self.run.actor.clone(), Action::BrokerResponse)
            .agent(&self.run.agent)
            .secrets(ticket.secrets)
            .details(details);
        if failed {
            e.result = Some(Logged::Error);
        }
        e.credential_id = Some(self.run.credential_id.clone());
        self.record_lazily(e, Vec::new());
    }

    fn unbound(&self, target: &UnboundTarget, allowed: bool) {
        if allowed {
            self.counts.tunnelled.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let now = self.clock.now();
        let method = match target.scheme {
            Scheme::Https => "CONNECT",
            Scheme::Http => "GET",
        };
        let described = Described {
            host: &target.host,
            port: target.port,
            method,
            path: "",
            secrets: &target.placeholders,
        };
        let anomalies = target
            .placeholders
            .iter()
            .map(|name| exfiltration(&self.run.agent, name, &target.host, target.port, now))
            .collect();
        let reason = if target.placeholders.is_empty() {
            "egress_bound"
        } else {
            "host_not_bound"
        };
        let message = format!("{}:{} is not a bound host", target.host, target.port);
        self.refuse(described, Refusal::forbidden(reason, message), anomalies);
    }
}

/// A placeholder presented to a host outside its secret's binding.
fn exfiltration(agent: &str, secret: &str, host: &str, port: u16, now: DateTime<Utc>) -> Anomaly {
    Anomaly::new(
        "exfiltration",
        Some(agent),
        now,
        format!(
            "agent {agent} sent secret {secret}'s placeholder to {host}:{port}, outside the secret's binding"
        ),
        serde_json::json!({ "secret": secret, "host": host, "port": port }),
    )
}
