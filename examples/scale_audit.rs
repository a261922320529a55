//! Grows a vault's audit log to a given size, for benchmarks: `cargo run --release --example
//! scale_audit -- DIR ENTRIES [AGENTS]`.
//!
//! Appends ENTRIES entries after the log's current head, chained exactly as the writer chains them
//! (through the library's own `audit::encode`), spread evenly over the last 30 days and over
//! AGENTS agents (default 100, named `agent-00000`…), shaped like real `cred.mint` entries. No
//! checkpoint covers them; the next admin change anchors them. With the vault's `admin.key` beside
//! it they are signed with the issuer key, as an admin-run `mint` would sign them.

use std::io::Write;
use std::path::PathBuf;

use agentcred::audit::{Action, Event, Head, encode};
use chrono::{Duration, Utc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, entries, agents) = match args.as_slice() {
        [d, n] => (PathBuf::from(d), n.parse::<u64>()?, 100u64),
        [d, n, a] => (PathBuf::from(d), n.parse::<u64>()?, a.parse::<u64>()?),
        _ => {
            eprintln!("usage: scale_audit DIR ENTRIES [AGENTS]");
            std::process::exit(2);
        }
    };
    // Entries are signed like the CLI's: with the issuer key, when the vault's admin identity
    // (`admin.key`, as `scale_vault` writes it) is beside it.
    let identity = dir.join("admin.key");
    if identity.exists() {
        let vault = agentcred::vault::Vault::open(&dir)?;
        let admin = agentcred::vault::AdminKey::from_identity_file(&identity)?;
        vault.load_state(&admin)?;
    }
    let mut head: Head = agentcred::audit::head(&dir)?;
    let path = dir.join(agentcred::audit::FILE);
    let file = std::fs::OpenOptions::new().append(true).open(&path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let now = Utc::now();
    let start = now - Duration::days(30);
    let step_ms = (30 * 86_400_000) / entries.max(1) as i64;
    let mut buf = Vec::with_capacity(1024);
    for i in 0..entries {
        let ts = start + Duration::milliseconds(step_ms * i as i64);
        let agent = format!("agent-{:05}", i % agents);
        let mut e = Event::new(format!("key:k_{:012x}", i % agents), Action::CredMint)
            .agent(&agent)
            .secrets(["db"]);
        e.credential_id = Some(format!("cr_{:024x}", i));
        e.scope = Some(serde_json::json!({
            "actions": ["*"], "resources": ["*"], "ttl": "15m",
            "expires_at": agentcred::clock::rfc3339(ts + Duration::minutes(15)),
        }));
        let e = e.details(serde_json::json!({
            "limited_by": "request", "requested_ttl": "15m", "versions": {"db": 1},
        }));
        buf.clear();
        head = encode(&mut buf, &head, &agentcred::clock::rfc3339(ts), &e)?;
        out.write_all(&buf)?;
    }
    out.flush()?;
    out.into_inner()?.sync_all()?;
    eprintln!("the audit log now has {} entries", head.seq);
    Ok(())
}
