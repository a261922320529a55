//! Synthetic audit logs for the anomaly detector (docs/DESIGN.md, "Live checks and anomaly
//! detection"), used by `tests/anomalies.rs`.
//!
//! ```text
//! cargo run --example synthetic_audit -- SCENARIO OUT.jsonl
//! ```
//!
//! Writes a valid, hash-chained `audit.jsonl` built with the library's own encoder
//! (`agentcred::audit::encode`), so the lines are byte for byte what the CLI would have written.
//! Nothing is random: call counts follow the fixed cycle 3, 4, 2, 3 (shifted per agent), calls
//! are spread evenly across each minute, and time starts at 2026-01-05T10:00:00Z. Every entry is
//! a successful `cred.mint` of secret `db` by an agent key (`key:k_…`) with scope
//! `{"actions":["*"],"resources":["*"]}`, unless a scenario says otherwise.
//!
//! Scenarios (the expected findings are what `audit anomalies` must report):
//!
//! - `burst`: agents `steady-a`, `steady-b` and `bursty`, 60 minutes of 2-4 calls a minute each;
//!   `bursty` makes 30 calls a minute in minutes 40, 41 and 42 (one episode), and at minute 50
//!   mints `payments`, a secret it never used before.
//!   Expected: one `rate` (bursty, minute 40) and one `first_use` (bursty, payments); nothing else.
//! - `outlier`: one agent, `solo`, 3 calls a minute for 35 minutes, with an outlier of 60 calls in
//!   minute 2 (still in the warm-up, so it enters the baseline) and a burst of 30 in minute 30.
//!   Expected: one `rate`, in minute 30: the outlier moves neither the median nor the MAD.
//! - `warmup`: one agent, `newbie`, active for only 8 minutes (3 a minute), with a burst of 40 in
//!   minute 5 and a first use of secret `cache` in minute 7, all before the 10-minute warm-up.
//!   Expected: no anomaly at all.
//!
//! To regenerate the committed fixtures after changing this file:
//!
//! ```text
//! for s in burst outlier warmup; do
//!     cargo run --example synthetic_audit -- $s fixtures/audit/$s.jsonl
//! done
//! ```

use agentcred::audit::{Action, Event, Head, encode};
use chrono::{DateTime, Duration, Utc};

/// Calls a minute of a steady agent, repeated; agent `k` starts `k` places in.
const CYCLE: [u32; 4] = [3, 4, 2, 3];

const START: &str = "2026-01-05T10:00:00Z";

/// One `cred.mint` to write.
struct Call {
    at: DateTime<Utc>,
    agent: &'static str,
    secret: &'static str,
}

/// The agents of a scenario: name, key id (actor `key:ID`), and its offset in the log's minute.
struct Agent {
    name: &'static str,
    key: &'static str,
    /// Milliseconds added to each of its calls, so agents do not share timestamps.
    offset_ms: i64,
}

/// `n` calls of `agent` in `minute`, evenly spread; `special` = (i, secret) puts call `i` on
/// another secret than `db`.
fn minute_of(
    out: &mut Vec<Call>,
    agent: &Agent,
    minute: i64,
    n: u32,
    special: Option<(u32, &'static str)>,
) {
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339(START)
        .expect("START is RFC 3339")
        .to_utc();
    let spacing = 60_000 / i64::from(n.max(1));
    assert!(
        agent.offset_ms < spacing,
        "the offset keeps calls in their minute"
    );
    for i in 0..n {
        let at = start
            + Duration::minutes(minute)
            + Duration::milliseconds(spacing * i64::from(i) + agent.offset_ms);
        let secret = match special {
            Some((j, s)) if j == i => s,
            _ => "db",
        };
        out.push(Call {
            at,
            agent: agent.name,
            secret,
        });
    }
}

fn steady(k: usize, minute: i64) -> u32 {
    CYCLE[(minute as usize + k) % CYCLE.len()]
}

fn burst() -> (Vec<Agent>, Vec<Call>) {
    let agents = vec![
        Agent {
            name: "steady-a",
            key: "k_5eed0000000a",
            offset_ms: 0,
        },
        Agent {
            name: "steady-b",
            key: "k_5eed0000000b",
            offset_ms: 250,
        },
        Agent {
            name: "bursty",
            key: "k_b0257e000001",
            offset_ms: 500,
        },
    ];
    let mut calls = Vec::new();
    for minute in 0..60 {
        for (k, agent) in agents.iter().enumerate() {
            let mut n = steady(k, minute);
            let mut special = None;
            if agent.name == "bursty" {
                if (40..=42).contains(&minute) {
                    n = 30;
                }
                if minute == 50 {
                    special = Some((1, "payments"));
                }
            }
            minute_of(&mut calls, agent, minute, n, special);
        }
    }
    (agents, calls)
}

fn outlier() -> (Vec<Agent>, Vec<Call>) {
    let agents = vec![Agent {
        name: "solo",
        key: "k_5010000000aa",
        offset_ms: 0,
    }];
    let mut calls = Vec::new();
    for minute in 0..35 {
        let n = match minute {
            2 => 60,
            30 => 30,
            _ => 3,
        };
        minute_of(&mut calls, &agents[0], minute, n, None);
    }
    (agents, calls)
}

fn warmup() -> (Vec<Agent>, Vec<Call>) {
    let agents = vec![Agent {
        name: "newbie",
        key: "k_7e1c0000beef",
        offset_ms: 0,
    }];
    let mut calls = Vec::new();
    for minute in 0..8 {
        let n = if minute == 5 { 40 } else { 3 };
        let special = (minute == 7).then_some((1, "cache"));
        minute_of(&mut calls, &agents[0], minute, n, special);
    }
    (agents, calls)
}

/// The scenario's audit log, as bytes (`None` for an unknown scenario). Public so that
/// `tests/anomalies.rs`, which compiles this file as a module, can compare it with the fixtures.
pub fn generate(scenario: &str) -> Option<Vec<u8>> {
    let (agents, mut calls) = match scenario {
        "burst" => burst(),
        "outlier" => outlier(),
        "warmup" => warmup(),
        _ => return None,
    };
    // In time order, as a real log is; ties keep the order they were made in.
    calls.sort_by_key(|c| c.at);
    let mut out = Vec::new();
    let mut head = Head::genesis();
    for (n, call) in calls.iter().enumerate() {
        let key = agents
            .iter()
            .find(|a| a.name == call.agent)
            .map(|a| a.key)
            .expect("every call is by a known agent");
        let mut event = Event::new(format!("key:{key}"), Action::CredMint)
            .agent(call.agent)
            .secrets([call.secret]);
        event.credential_id = Some(format!("cr_{:024x}", n + 1));
        event.scope = Some(serde_json::json!({ "actions": ["*"], "resources": ["*"] }));
        head = encode(&mut out, &head, &agentcred::clock::rfc3339(call.at), &event)
            .expect("an entry encodes");
    }
    Some(out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [scenario, out] = args.as_slice() else {
        eprintln!("usage: synthetic_audit burst|outlier|warmup OUT.jsonl");
        std::process::exit(2);
    };
    let Some(bytes) = generate(scenario) else {
        eprintln!("unknown scenario '{scenario}': use burst, outlier or warmup");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    }
    eprintln!(
        "wrote {out}: {} entries, {} bytes",
        bytes.iter().filter(|b| **b == b'\n').count(),
        bytes.len()
    );
}
