//! The live checks around every call that can release a secret (`mint`, `exec`), and around every
//! refusal (docs/DESIGN.md, "Live checks and anomaly detection"): a suspended agent gets nothing, a
//! hard `--rate-limit` refuses the call that would exceed it, and the anomaly detector sees each
//! call as it happens. Anomalies go on the audit log in the same durable append as the call, then
//! to the `[alerts] command`.
//!
//! With `--suspend-on-anomaly` an anomaly suspends the agent: the call that set it off is refused,
//! its `agent.suspend` entry stops later calls, and the agent's authority is revoked (signed with the agent's own
//! key, which every caller that opened its envelope holds), so every credential it already holds
//! fails `verify`.

use crate::audit::Action;
use chrono::{DateTime, Utc};

use crate::agent::RateLimit;
use crate::audit::anomaly::{self, Anomaly, Observation};
use crate::audit::{Event, Outcome, activity};
use crate::error::{Error, Result};
use crate::key::KeyRecord;
use crate::sensitive::SecretText;
use crate::settings::Settings;
use crate::vault::Vault;

/// What the live checks enforce for an agent.
#[derive(Clone, Copy, Default)]
pub struct Limits<'a> {
    pub rate_limit: Option<RateLimit>,
    pub suspend_on_anomaly: bool,
    /// The agent's signing key, to revoke its authority when it is suspended.
    pub signing_key: Option<&'a SecretText>,
    /// The agent key making the call, if any (checked for age).
    pub key: Option<&'a KeyRecord>,
    /// Every authority the agent's credentials may descend from, all revoked by a suspension.
    pub authorities: &'a [String],
}

impl<'a> Limits<'a> {
    pub fn of(envelope: &'a crate::envelope::Envelope, key: Option<&'a KeyRecord>) -> Limits<'a> {
        Limits {
            rate_limit: envelope.policy.rate_limit,
            suspend_on_anomaly: envelope.policy.suspend_on_anomaly,
            signing_key: Some(&envelope.signing_key),
            key,
            authorities: &envelope.authorities,
        }
    }
}

/// One call as the checks see it.
pub struct Call<'a> {
    pub agent: &'a str,
    pub actor: &'a str,
    pub limits: Limits<'a>,
    /// The authority the call's credential descends from.
    pub authority_id: Option<&'a str>,
}

/// Records `events` (the call itself first: `cred.mint`, or `deny` for a refusal already made)
/// with any anomalies, durably and under the lock; runs `then` under the same lock if the call
/// stands. Returns the anomalies, or the refusal (already recorded) if the checks refused it.
pub fn record(
    vault: &Vault,
    call: &Call<'_>,
    events: Vec<Event>,
    then: impl FnOnce() -> Result<()>,
    say: &dyn Fn(&str),
    now: DateTime<Utc>,
) -> Result<Vec<Anomaly>> {
    let settings = Settings::load(&vault.dir)?;
    let t = &settings.anomaly;
    let agent = call.agent;
    let (anomalies, refusal, first_seq) = {
        let _lock = crate::vault::lock::VaultLock::acquire(&vault.dir)?;
        // An admin change a crash interrupted is finished or undone before the log is read.
        crate::audit::rollback::recover_locked(&vault.dir)?;
        let mut events = events;
        let mut refusal: Option<Error> = None;
        let mut anomalies = Vec::new();
        let is_mint = events.first().is_some_and(|e| e.action == Action::CredMint);
        // The suspension and the activity come from the log (through their authenticated cache):
        // removing or replacing the files in `suspended/` or `activity/` changes neither.
        let known = activity::load(&vault.dir, agent, t, &|id| vault.config.issuer_key(id))?;
        let suspended = known.suspension.clone();
        if let Some(s) = &suspended
            && activity::suspension(&vault.dir, agent).is_none()
        {
            // The marker listings show was removed: put it back.
            activity::suspend(&vault.dir, agent, &s.reason, s.authority.as_deref(), now)?;
        }
        if is_mint && let Some(s) = &suspended {
            refusal = Some(
                    Error::denied(format!(
                        "agent {agent} was suspended at {} after an anomaly ({})",
                        s.at, s.reason
                    ))
                    .hint(format!(
                        "an admin can look at `agentcred audit anomalies` and resume it: agentcred agent resume {agent}"
                    )),
                );
        }
        let activity_before = known.activity;
        if is_mint
            && refusal.is_none()
            && let Some(limit) = call.limits.rate_limit
            && activity_before.mints_within(now, i64::from(limit.per_secs)) >= limit.count as usize
        {
            let message = format!("agent {agent} reached its rate limit of {limit}");
            anomalies.push(Anomaly::new(
                "rate_limit",
                Some(agent),
                now,
                message.clone(),
                serde_json::json!({ "limit": limit.to_string() }),
            ));
            refusal = Some(
                Error::denied(message)
                    .hint("wait and try again, or ask an admin to change the agent's --rate-limit"),
            );
        }
        if let Some(err) = &refusal {
            events = vec![deny_event(&events[0], err)];
        }
        let mut activity = activity_before.clone();
        anomalies.extend(observe(&mut activity, agent, &events[0], t, now));
        if let Some(key) = call.limits.key {
            let max_age = chrono::Duration::days(t.max_age_days);
            if now - key.created_at > max_age
                && activity.first_report(&format!("stale_key:{}", key.id))
            {
                anomalies.push(anomaly::stale_key(
                    agent,
                    &key.id,
                    key.created_at,
                    max_age,
                    now,
                ));
            }
        }
        let suspend =
            call.limits.suspend_on_anomaly && !anomalies.is_empty() && suspended.is_none();
        if suspend && refusal.is_none() {
            // The call that set it off does not stand either.
            let err = Error::denied(format!(
                "agent {agent} was suspended after an anomaly: {}",
                anomalies[0].message
            ))
            .hint(format!(
                "an admin can look at `agentcred audit anomalies` and resume it: agentcred agent resume {agent}"
            ));
            events = vec![deny_event(&events[0], &err)];
            let reported = activity;
            activity = activity_before.clone();
            observe(&mut activity, agent, &events[0], t, now);
            activity.merge_reported(&reported);
            refusal = Some(err);
        }
        let first_anomaly = events.len();
        for a in &anomalies {
            events.push(a.event(call.actor));
        }
        let reason = anomalies
            .first()
            .map(|a| a.message.clone())
            .unwrap_or_default();
        if suspend {
            events.push(
                Event::new(call.actor, Action::AgentSuspend)
                    .agent(agent)
                    .outcome(Outcome::Ok, reason.clone())
                    .details(serde_json::json!({ "by": "anomaly" })),
            );
        }
        // A suspension revokes the agent's authorities: chained on to the list before the log
        // records the suspension with the list's new head.
        let mut revoked = None;
        if suspend && let Some(key) = call.limits.signing_key {
            let key = crate::crypto::KeyPair::from_secret(key)?;
            let mut ids: Vec<&str> = call.limits.authorities.iter().map(String::as_str).collect();
            ids.extend(call.authority_id);
            ids.sort_unstable();
            ids.dedup();
            let lines: Vec<_> = ids
                .into_iter()
                .map(|id| {
                    crate::credential::revocation::Revocation::new(
                        crate::credential::revocation::By::Agent,
                        id,
                        agent,
                        None,
                        &key,
                        now,
                    )
                })
                .collect();
            revoked = crate::credential::revocation::prepare(
                &vault.dir,
                &vault.config,
                &lines,
                None,
                now,
            )?;
            if let (Some(r), Some(last)) = (&revoked, events.last_mut()) {
                r.record_in(last);
            }
        }
        if let Some(r) = revoked {
            r.write()?;
        }
        let prepared = crate::audit::prepare(&vault.dir, now, &events)?;
        let after = activity::Known {
            activity,
            suspension: if suspend {
                Some(activity::Suspension {
                    agent: agent.to_string(),
                    at: crate::clock::rfc3339(now),
                    reason: reason.clone(),
                    authority: call.authority_id.map(str::to_string),
                })
            } else {
                suspended
            },
        };
        activity::save(&vault.dir, agent, &after, &prepared.end_position())?;
        let head = prepared.write()?;
        if suspend {
            activity::suspend(&vault.dir, agent, &reason, call.authority_id, now)?;
        }
        if refusal.is_none() {
            then()?;
        }
        let first_seq = head.seq + 1 - (events.len() - first_anomaly) as u64;
        (anomalies, refusal, first_seq)
    };
    alert(
        &settings,
        &vault.config.vault_id,
        &anomalies,
        first_seq,
        say,
    );
    match refusal {
        Some(e) => Err(e),
        None => Ok(anomalies),
    }
}

fn observe(
    activity: &mut anomaly::AgentActivity,
    agent: &str,
    e: &Event,
    t: &anomaly::Thresholds,
    now: DateTime<Utc>,
) -> Vec<Anomaly> {
    let o = Observation {
        ts: now,
        action: e.action.as_str(),
        outcome: e.result.unwrap_or(Outcome::Ok),
        secrets: &e.secrets,
        resources: anomaly::resources_of(e.scope.as_ref()),
        latency_ms: anomaly::latency_of(e.details_value().as_deref()),
    };
    activity.observe(agent, &o, t)
}

/// The `deny` entry that replaces a call the checks refused.
fn deny_event(call: &Event, err: &Error) -> Event {
    let mut e = Event::new(call.actor.clone(), Action::Deny)
        .secrets(call.secrets.iter().cloned())
        .outcome(Outcome::Denied, err.to_string())
        .details(serde_json::json!({ "attempted": call.action }));
    e.agent = call.agent.clone();
    e
}

/// Hands each anomaly to the `[alerts] command`, as one JSON document on its stdin. Alerts are
/// best effort: a failing command is said (through `say`) and changes nothing.
pub fn alert(
    settings: &Settings,
    vault_id: &str,
    anomalies: &[Anomaly],
    first_seq: u64,
    say: &dyn Fn(&str),
) {
    let Some(command) = settings.alerts.command.as_deref() else {
        return;
    };
    for (i, a) in anomalies.iter().enumerate() {
        let doc = serde_json::json!({
            "schema": 1,
            "vault_id": vault_id,
            "seq": first_seq + i as u64,
            "anomaly": a,
        });
        if let Err(e) = run_alert(command, &doc, settings.alerts.timeout_secs) {
            say(&format!("warning: the alert command failed: {e}"));
        }
    }
}

fn run_alert(command: &str, doc: &serde_json::Value, timeout_secs: u64) -> std::io::Result<()> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    // Nothing that can unlock the vault reaches the alert command.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AGENTCRED_") && k != "AGENTCRED_HOME" {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let mut text = doc.to_string();
        text.push('\n');
        let _ = stdin.write_all(text.as_bytes());
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout_secs);
    loop {
        if let Some(status) = child.try_wait()? {
            return if status.success() {
                Ok(())
            } else {
                Err(std::io::Error::other(format!("it exited with {status}")))
            };
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "it did not finish within {timeout_secs}s and was stopped"
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
