//! Anomaly detection (docs/DESIGN.md, "Live checks and anomaly detection").
//!
//! One detector serves both uses: `audit anomalies` replays the log through it, and `mint` / `exec`
//! feed it each call as it happens (its per-agent state kept in `activity/`, see
//! [`super::activity`]). Replaying a log therefore finds what the live checks found.
//!
//! Behaviour is counted per agent in one-minute buckets of *calls* (`cred.mint`, `deny`,
//! `delegate`, and each request the broker forwards, `broker.request`). An upstream's answer
//! (`broker.response`) is not a call: it counts as a failure when the upstream failed (status
//! 400 or above, or no answer), and gives the minute its latency. The baseline is the agent's last [`HISTORY`] closed buckets with any activity
//! (idle minutes are not samples, so a nightly job and a busy service both get a meaningful
//! baseline), excluding buckets that were themselves flagged, so a burst never becomes normal by
//! being seen.
//!
//! - **rate**: the current minute's calls have a modified z-score `0.6745 (x - median) / MAD` above
//!   3.5 over the baseline, or, where the baseline has no spread (MAD 0), exceed 2× its median. A
//!   minute with fewer than `min_calls` calls is never a burst. The median and MAD are robust: one
//!   outlier in the baseline moves neither.
//! - **failure_rate**: at least `failure_min` failed calls in the minute, at least half of the
//!   minute's calls, and more than three times the baseline failure ratio.
//! - **latency**: at least `min_calls` upstream responses in the minute (`broker.response`, the
//!   API calls the broker made for the agent), their mean latency a modified z-score above 3.5 over
//!   the baseline of earlier minutes' means (or above 2× its median where it has no spread), and at
//!   least `latency_min_ms` slower than that median, so a jump from 2 ms to 5 ms is not news.
//! - **denial_burst**: `denial_burst` denials in one minute, with or without a baseline.
//! - **first_use**: a secret or resource the agent had not used before.
//!
//! Rate, failure-rate and first-use checks wait for a warm-up of `warmup` active minutes; before
//! it they only learn. Consecutive flagged minutes are one episode, reported once.

use super::Action;
use std::collections::{BTreeSet, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Outcome;

/// Closed active minutes kept as the baseline.
pub const HISTORY: usize = 128;
/// Mint times kept for hard rate limits.
const RECENT: usize = 1024;

/// Tunable in `config.toml` under `[anomaly]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Active minutes of history before rate, failure-rate and first-use checks start.
    pub warmup: u32,
    /// Modified z-score above which a minute's call count is a burst.
    pub z: f64,
    /// Multiple of the median above which a minute is a burst when the baseline has no spread.
    pub ratio: f64,
    /// A minute with fewer calls is never a burst.
    pub min_calls: u32,
    /// Failed calls in a minute before a failure-rate spike can be reported.
    pub failure_min: u32,
    /// Denials in a minute that make a burst.
    pub denial_burst: u32,
    /// A latency shift must be at least this many milliseconds over the baseline's median.
    pub latency_min_ms: u32,
    /// Keys and secrets older than this are stale (days).
    pub max_age_days: i64,
    /// Keys not used for this long are reported (days).
    pub unused_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warmup: 10,
            z: 3.5,
            ratio: 2.0,
            min_calls: 5,
            failure_min: 3,
            denial_burst: 5,
            latency_min_ms: 50,
            max_age_days: 90,
            unused_days: 45,
        }
    }
}

/// One audit entry, as the detector sees it.
#[derive(Clone, Debug)]
pub struct Observation<'a> {
    pub ts: DateTime<Utc>,
    pub action: &'a str,
    pub outcome: Outcome,
    pub secrets: &'a [String],
    pub resources: Vec<String>,
    /// An upstream's answer time (`broker.response`), in milliseconds.
    pub latency_ms: Option<u32>,
}

impl<'a> Observation<'a> {
    pub fn of(entry: &'a super::Entry) -> Option<(&'a str, Observation<'a>)> {
        let agent = entry.agent.as_deref()?;
        let ts = DateTime::parse_from_rfc3339(&entry.ts).ok()?.to_utc();
        Some((
            agent,
            Observation {
                ts,
                action: &entry.action,
                outcome: entry.result.unwrap_or(Outcome::Ok),
                secrets: &entry.secrets,
                resources: resources_of(entry.scope.as_ref()),
                latency_ms: latency_of(entry.details.as_ref()),
            },
        ))
    }
}

/// The `latency_ms` a `broker.response` entry records.
pub fn latency_of(details: Option<&serde_json::Value>) -> Option<u32> {
    details
        .and_then(|d| d.get("latency_ms"))
        .and_then(serde_json::Value::as_u64)
        .map(|ms| u32::try_from(ms).unwrap_or(u32::MAX))
}

/// The named resources of a `scope` (not the wildcard).
pub fn resources_of(scope: Option<&serde_json::Value>) -> Vec<String> {
    scope
        .and_then(|s| s.get("resources"))
        .and_then(|r| r.as_array())
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str())
                .filter(|r| *r != "*")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Something worth a human's attention. Names and counts only, never values.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Anomaly {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    pub ts: String,
    pub message: String,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

impl Anomaly {
    pub fn new(
        kind: &str,
        agent: Option<&str>,
        ts: DateTime<Utc>,
        message: String,
        details: serde_json::Value,
    ) -> Anomaly {
        Anomaly {
            kind: kind.to_string(),
            agent: agent.map(str::to_string),
            ts: crate::clock::rfc3339(ts),
            message,
            details,
        }
    }

    /// The audit entry that records it.
    pub fn event(&self, actor: &str) -> super::Event {
        let mut e = super::Event::new(actor, Action::Anomaly).details(serde_json::json!({
            "kind": self.kind,
            "message": self.message,
            "details": self.details,
        }));
        e.agent = self.agent.clone();
        e
    }
}

const RATE: u8 = 1;
const FAIL: u8 = 2;
const DENY: u8 = 4;
const SLOW: u8 = 8;

/// One agent's behaviour so far: everything the detector needs, small enough to store per agent.
///
/// Stored as JSON in `activity/`. Unknown fields make a file unreadable, which rebuilds it from
/// the log: an older layout is never half-read.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentActivity {
    /// The current bucket (Unix minute), its counts and what was flagged in it.
    minute: i64,
    calls: u32,
    failures: u32,
    denials: u32,
    flags: u8,
    /// The bucket before it.
    prev_minute: i64,
    prev_flags: u8,
    /// Closed active minutes seen, flagged or not (the warm-up counter).
    closed: u64,
    /// Upstream answers in the current bucket and their summed latency (milliseconds).
    answers: u32,
    latency_sum_ms: u64,
    /// Baseline: (calls, failures) of the last closed, unflagged active minutes.
    history: VecDeque<(u32, u32)>,
    /// Baseline: the mean upstream latency of the last closed, unflagged minutes with answers.
    latency_history: VecDeque<u32>,
    /// Unix milliseconds of the latest successful mints, for hard rate limits. Stored as the
    /// first and then the gaps between them: a busy agent's thousand 13-digit times were most of
    /// what every `exec` read and wrote.
    #[serde(rename = "recent_gaps_ms", with = "gaps")]
    recent: VecDeque<i64>,
    seen_secrets: BTreeSet<String>,
    seen_resources: BTreeSet<String>,
    /// One-off findings already reported (e.g. `stale_key:ID`).
    reported: BTreeSet<String>,
}

/// Is this action a call the rate checks count?
pub fn is_call(action: &str) -> bool {
    matches!(
        Action::parse(action),
        Some(Action::CredMint | Action::Deny | Action::Delegate | Action::BrokerRequest)
    )
}

impl AgentActivity {
    /// Successful mints in the `per_secs` seconds before `now`.
    pub fn mints_within(&self, now: DateTime<Utc>, per_secs: i64) -> usize {
        let from = now.timestamp_millis() - per_secs * 1000;
        self.recent.iter().rev().take_while(|t| **t > from).count()
    }

    /// Has `key` (e.g. `stale_key:ID`) been reported before? Marks it reported.
    pub fn first_report(&mut self, key: &str) -> bool {
        self.reported.insert(key.to_string())
    }

    /// Keeps the one-off reports of `other` (a discarded trial of the same call).
    pub fn merge_reported(&mut self, other: &AgentActivity) {
        self.reported.extend(other.reported.iter().cloned());
    }

    /// Takes in one entry of this agent and returns what it makes anomalous.
    pub fn observe(&mut self, agent: &str, o: &Observation<'_>, t: &Thresholds) -> Vec<Anomaly> {
        let mut found = Vec::new();
        let answer = o.action == Action::BrokerResponse;
        if !is_call(o.action) && !answer {
            return found;
        }
        let minute = o.ts.timestamp().div_euclid(60);
        if minute != self.minute {
            self.close_bucket();
            self.minute = minute;
        }
        let ok = o.outcome == Outcome::Ok;
        if answer {
            if !ok {
                self.failures += 1;
            }
            if let Some(ms) = o.latency_ms {
                self.answers += 1;
                self.latency_sum_ms += u64::from(ms);
            }
        } else {
            self.calls += 1;
            if !ok {
                self.failures += 1;
            }
            if o.outcome == Outcome::Denied {
                self.denials += 1;
            }
        }
        let warm = self.closed >= u64::from(t.warmup);
        let continuing =
            |flag: u8, s: &Self| s.prev_minute == minute - 1 && s.prev_flags & flag != 0;
        if answer {
            if warm && self.flags & SLOW == 0 && self.answers >= t.min_calls {
                found.extend(self.latency_shift(agent, o.ts, t, continuing(SLOW, self)));
            }
            if self.calls == 0 {
                return found;
            }
        }

        if !answer && warm && self.flags & RATE == 0 && self.calls >= t.min_calls {
            let calls: Vec<u32> = self.history.iter().map(|h| h.0).collect();
            let (median, mad) = median_mad(&calls);
            let x = f64::from(self.calls);
            let (burst, score) = if mad > 0.0 {
                let z = 0.6745 * (x - median) / mad;
                (z > t.z, Some(z))
            } else {
                (x > t.ratio * median, None)
            };
            if burst {
                self.flags |= RATE;
                if !continuing(RATE, self) {
                    found.push(Anomaly::new(
                        "rate",
                        Some(agent),
                        o.ts,
                        format!(
                            "agent {agent} made {} calls in one minute; its baseline is {median} (MAD {mad})",
                            self.calls
                        ),
                        serde_json::json!({
                            "calls": self.calls, "median": median, "mad": mad,
                            "z": score.map(|z| (z * 100.0).round() / 100.0),
                        }),
                    ));
                }
            }
        }
        if warm && self.flags & FAIL == 0 && self.failures >= t.failure_min {
            let (calls, failures) = self.history.iter().fold((0u64, 0u64), |(c, f), h| {
                (c + u64::from(h.0), f + u64::from(h.1))
            });
            let base = if calls == 0 {
                0.0
            } else {
                failures as f64 / calls as f64
            };
            let ratio = f64::from(self.failures) / f64::from(self.calls);
            if ratio >= 0.5 && ratio > 3.0 * base {
                self.flags |= FAIL;
                if !continuing(FAIL, self) {
                    found.push(Anomaly::new(
                        "failure_rate",
                        Some(agent),
                        o.ts,
                        format!(
                            "{} of agent {agent}'s {} calls in one minute failed; its baseline failure rate is {:.0}%",
                            self.failures,
                            self.calls,
                            base * 100.0
                        ),
                        serde_json::json!({ "failures": self.failures, "calls": self.calls, "baseline": base }),
                    ));
                }
            }
        }
        if !answer && self.flags & DENY == 0 && self.denials >= t.denial_burst {
            self.flags |= DENY;
            if !continuing(DENY, self) {
                found.push(Anomaly::new(
                    "denial_burst",
                    Some(agent),
                    o.ts,
                    format!(
                        "agent {agent} was denied {} times in one minute",
                        self.denials
                    ),
                    serde_json::json!({ "denials": self.denials }),
                ));
            }
        }
        if ok && !answer && o.action != Action::Deny {
            if o.action == Action::CredMint {
                if self.recent.len() == RECENT {
                    self.recent.pop_front();
                }
                self.recent.push_back(o.ts.timestamp_millis());
            }
            for s in o.secrets {
                if self.seen_secrets.insert(s.clone()) && warm {
                    found.push(Anomaly::new(
                        "first_use",
                        Some(agent),
                        o.ts,
                        format!("agent {agent} used secret {s} for the first time"),
                        serde_json::json!({ "secret": s }),
                    ));
                }
            }
            for r in &o.resources {
                if self.seen_resources.insert(r.clone()) && warm {
                    found.push(Anomaly::new(
                        "first_use",
                        Some(agent),
                        o.ts,
                        format!("agent {agent} used resource {r} for the first time"),
                        serde_json::json!({ "resource": r }),
                    ));
                }
            }
        }
        found
    }

    /// The latency check of the current minute, whose answers are enough to judge.
    fn latency_shift(
        &mut self,
        agent: &str,
        ts: DateTime<Utc>,
        t: &Thresholds,
        continuing: bool,
    ) -> Option<Anomaly> {
        if self.latency_history.is_empty() {
            return None;
        }
        let baseline: Vec<u32> = self.latency_history.iter().copied().collect();
        let (median, mad) = median_mad(&baseline);
        let mean = self.latency_sum_ms as f64 / f64::from(self.answers);
        let (shifted, score) = if mad > 0.0 {
            let z = 0.6745 * (mean - median) / mad;
            (z > t.z, Some(z))
        } else {
            (mean > t.ratio * median, None)
        };
        if !shifted || mean - median < f64::from(t.latency_min_ms) {
            return None;
        }
        self.flags |= SLOW;
        if continuing {
            return None;
        }
        let mean = mean.round();
        Some(Anomaly::new(
            "latency",
            Some(agent),
            ts,
            format!(
                "agent {agent}'s upstream calls took {mean} ms on average in one minute; its baseline is {median} ms (MAD {mad})"
            ),
            serde_json::json!({
                "mean_ms": mean, "answers": self.answers, "median_ms": median, "mad_ms": mad,
                "z": score.map(|z| (z * 100.0).round() / 100.0),
            }),
        ))
    }

    fn close_bucket(&mut self) {
        if self.calls > 0 || self.answers > 0 {
            self.closed += 1;
            if self.flags == 0 {
                if self.history.len() == HISTORY {
                    self.history.pop_front();
                }
                self.history.push_back((self.calls, self.failures));
                if self.answers > 0 {
                    if self.latency_history.len() == HISTORY {
                        self.latency_history.pop_front();
                    }
                    let mean = self.latency_sum_ms / u64::from(self.answers);
                    self.latency_history
                        .push_back(u32::try_from(mean).unwrap_or(u32::MAX));
                }
            }
            self.prev_minute = self.minute;
            self.prev_flags = self.flags;
        }
        self.calls = 0;
        self.failures = 0;
        self.denials = 0;
        self.answers = 0;
        self.latency_sum_ms = 0;
        self.flags = 0;
    }
}

/// Median and median absolute deviation (unscaled) of `values`; zeros when empty.
pub fn median_mad(values: &[u32]) -> (f64, f64) {
    fn median(v: &mut [f64]) -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    let mut v: Vec<f64> = values.iter().map(|x| f64::from(*x)).collect();
    let m = median(&mut v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    (m, median(&mut dev))
}

/// Findings from the state rather than from behaviour: stale keys and secrets, keys unused for
/// long, and agents with more than one active key outside a rotation overlap. `last_used` maps
/// a key id to its latest use on the log.
pub fn vault_checks(
    state: &crate::vault::State,
    last_used: &std::collections::HashMap<String, DateTime<Utc>>,
    t: &Thresholds,
    now: DateTime<Utc>,
) -> Vec<Anomaly> {
    let mut found = Vec::new();
    let max_age = chrono::Duration::days(t.max_age_days);
    let unused = chrono::Duration::days(t.unused_days);
    for s in state.secrets.values() {
        let limit = s.max_age_secs.map_or(max_age, chrono::Duration::seconds);
        if let Some(cur) = s.current()
            && now - cur.created_at > limit
        {
            found.push(Anomaly::new(
                "stale_secret",
                None,
                now,
                format!(
                    "secret {} is older than its max age ({}): rotate it",
                    s.name,
                    crate::duration::format(limit)
                ),
                serde_json::json!({ "secret": s.name, "created_at": crate::clock::rfc3339(cur.created_at) }),
            ));
        }
    }
    for a in state.agents.values() {
        let usable: Vec<_> = a.keys.iter().filter(|k| k.usable_at(now)).collect();
        for k in &usable {
            if now - k.created_at > max_age {
                found.push(stale_key(&a.name, &k.id, k.created_at, max_age, now));
            }
            let last = last_used.get(&k.id).copied().unwrap_or(k.created_at);
            if now - last > unused {
                found.push(Anomaly::new(
                    "unused_key",
                    Some(&a.name),
                    now,
                    format!(
                        "key {} of agent {} has not been used for {}: revoke it if it is not needed",
                        k.id,
                        a.name,
                        crate::duration::format(now - last)
                    ),
                    serde_json::json!({ "key": k.id, "last_used": last_used.get(&k.id).map(|t| crate::clock::rfc3339(*t)) }),
                ));
            }
        }
        // Keys ending within a rotation overlap (a week) are on their way out.
        let lasting = usable
            .iter()
            .filter(|k| k.end() > now + chrono::Duration::days(7))
            .count();
        if lasting > 1 {
            found.push(Anomaly::new(
                "multiple_keys",
                Some(&a.name),
                now,
                format!(
                    "agent {} has {lasting} active keys outside a rotation overlap: revoke the ones not in use",
                    a.name
                ),
                serde_json::json!({ "keys": usable.iter().map(|k| k.id.clone()).collect::<Vec<_>>() }),
            ));
        }
    }
    found
}

pub fn stale_key(
    agent: &str,
    key: &str,
    created_at: DateTime<Utc>,
    max_age: chrono::Duration,
    now: DateTime<Utc>,
) -> Anomaly {
    Anomaly::new(
        "stale_key",
        Some(agent),
        now,
        format!(
            "key {key} of agent {agent} is older than {}: rotate it",
            crate::duration::format(max_age)
        ),
        serde_json::json!({ "key": key, "created_at": crate::clock::rfc3339(created_at) }),
    )
}

/// A rising series of times as its first value and then the gaps between them.
mod gaps {
    use std::collections::VecDeque;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(times: &VecDeque<i64>, s: S) -> Result<S::Ok, S::Error> {
        let mut prev = 0i64;
        s.collect_seq(times.iter().map(|&t| {
            let gap = t.wrapping_sub(prev);
            prev = t;
            gap
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<VecDeque<i64>, D::Error> {
        let gaps = Vec::<i64>::deserialize(d)?;
        let mut prev = 0i64;
        let mut times = gaps
            .into_iter()
            .map(|gap| {
                prev = prev
                    .checked_add(gap)
                    .ok_or_else(|| D::Error::custom("a time out of range"))?;
                Ok(prev)
            })
            .collect::<Result<VecDeque<i64>, D::Error>>()?;
        // Only the latest RECENT count, however many a file lists.
        let excess = times.len().saturating_sub(super::RECENT);
        times.drain(..excess);
        Ok(times)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64, second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + minute * 60 + second, 0).unwrap()
    }

    fn run(counts: &[u32]) -> Vec<Anomaly> {
        let mut a = AgentActivity::default();
        let t = Thresholds::default();
        let mut found = Vec::new();
        for (m, n) in counts.iter().enumerate() {
            for i in 0..*n {
                let o = Observation {
                    ts: at(m as i64, i64::from(i % 60)),
                    action: "cred.mint",
                    outcome: Outcome::Ok,
                    secrets: &[],
                    resources: vec![],
                    latency_ms: None,
                };
                found.extend(a.observe("a", &o, &t));
            }
        }
        found
    }

    /// Minutes of broker traffic: (requests, failed answers, latency of each answer in ms).
    fn broker(minutes: &[(u32, u32, u32)]) -> Vec<Anomaly> {
        let mut a = AgentActivity::default();
        let t = Thresholds::default();
        let mut found = Vec::new();
        for (m, (n, failed, ms)) in minutes.iter().enumerate() {
            for i in 0..*n {
                let ts = at(m as i64, i64::from(i % 60));
                let mut o = Observation {
                    ts,
                    action: "broker.request",
                    outcome: Outcome::Ok,
                    secrets: &[],
                    resources: vec![],
                    latency_ms: None,
                };
                found.extend(a.observe("a", &o, &t));
                o.action = "broker.response";
                o.latency_ms = Some(*ms);
                if i < *failed {
                    o.outcome = Outcome::Error;
                }
                found.extend(a.observe("a", &o, &t));
            }
        }
        found
    }

    #[test]
    fn upstream_failures_through_the_broker_are_a_failure_rate_spike() {
        let mut minutes = vec![(8, 0, 20); 12];
        minutes.push((8, 6, 20));
        let found = broker(&minutes);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, "failure_rate");
    }

    #[test]
    fn slower_upstream_answers_are_a_latency_shift_but_small_ones_are_not() {
        let mut minutes: Vec<(u32, u32, u32)> = (0..12).map(|m| (8, 0, 20 + m % 3)).collect();
        minutes.push((8, 0, 400));
        minutes.push((8, 0, 420));
        let found = broker(&minutes);
        assert_eq!(found.len(), 1, "one episode: {found:?}");
        assert_eq!(found[0].kind, "latency");
        assert!(found[0].message.contains("400 ms"), "{}", found[0].message);

        let mut minutes: Vec<(u32, u32, u32)> = (0..12).map(|_| (8, 0, 2)).collect();
        minutes.push((8, 0, 9));
        assert!(broker(&minutes).is_empty(), "7 ms slower is not news");
    }

    #[test]
    fn a_burst_of_broker_requests_is_a_rate_anomaly() {
        let mut minutes = vec![(4, 0, 10); 12];
        minutes.push((60, 0, 10));
        let found = broker(&minutes);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, "rate");
    }

    #[test]
    fn median_and_mad() {
        assert_eq!(median_mad(&[1, 2, 3, 4, 100]), (3.0, 1.0));
        assert_eq!(median_mad(&[]), (0.0, 0.0));
    }

    #[test]
    fn a_burst_after_warm_up_is_one_anomaly() {
        let mut counts = vec![3, 4, 3, 2, 3, 4, 3, 3, 2, 3, 4, 3];
        counts.extend([30, 31, 29]);
        counts.extend([3, 3, 4]);
        let found = run(&counts);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, "rate");
    }

    #[test]
    fn an_outlier_in_the_baseline_hides_nothing() {
        let mut counts = vec![3, 3, 60, 4, 3, 2, 3, 4, 3, 3, 3, 3];
        counts.push(30);
        let found = run(&counts);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].ts, crate::clock::rfc3339(at(12, 6)));
    }

    #[test]
    fn nothing_before_warm_up_and_steady_is_quiet() {
        assert!(run(&[3, 3, 3, 30, 3]).is_empty());
        assert!(run(&[5; 40]).is_empty());
    }

    #[test]
    fn recent_times_are_stored_as_gaps_and_an_older_layout_is_not_half_read() {
        let a = AgentActivity {
            recent: [1_795_654_923_259, 1_795_654_923_262, 1_795_654_924_000].into(),
            ..AgentActivity::default()
        };
        let json = serde_json::to_string(&a).unwrap();
        assert!(
            json.contains(r#""recent_gaps_ms":[1795654923259,3,738]"#),
            "{json}"
        );
        let back: AgentActivity = serde_json::from_str(&json).unwrap();
        assert_eq!(back.recent, a.recent);
        // The layout before gaps: unreadable, so the caller rebuilds it from the log.
        let old = json.replace(
            r#""recent_gaps_ms":[1795654923259,3,738]"#,
            r#""recent":[1795654923259,1795654923262]"#,
        );
        assert!(serde_json::from_str::<AgentActivity>(&old).is_err());
        let overflow = json.replace("[1795654923259,3,738]", "[9223372036854775807,1]");
        assert!(serde_json::from_str::<AgentActivity>(&overflow).is_err());
        // A list longer than is kept: only the latest RECENT times are read.
        let long: Vec<String> = (0..RECENT + 6).map(|i| i.to_string()).collect();
        let long = json.replace("[1795654923259,3,738]", &format!("[{}]", long.join(",")));
        let back: AgentActivity = serde_json::from_str(&long).unwrap();
        assert_eq!(back.recent.len(), RECENT);
        let last = (0..RECENT as i64 + 6).sum::<i64>();
        assert_eq!(back.recent.back(), Some(&last));
    }
}
