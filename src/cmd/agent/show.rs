//! `agent list` and `agent show`: what the roster and the state say of an agent.

use serde::Serialize;

use crate::agent::{self, Status};
use crate::cmd::Ctx;
use crate::error::Result;
use crate::output::Column;

/// The public view of an agent: everything but its signing key.
#[derive(Serialize)]
struct AgentView<'a> {
    name: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    created_at: String,
    max_ttl: Option<String>,
    rate_limit: Option<String>,
    suspend_on_anomaly: bool,
    public_key: &'a str,
}

impl<'a> From<&'a crate::roster::Entry> for AgentView<'a> {
    fn from(a: &'a crate::roster::Entry) -> Self {
        AgentView {
            name: &a.name,
            status: a.status.as_str(),
            description: a.description.as_deref(),
            created_at: crate::clock::rfc3339(a.created_at),
            max_ttl: a
                .policy
                .max_ttl_secs
                .map(|s| crate::duration::format(chrono::Duration::seconds(s))),
            rate_limit: a.policy.rate_limit.map(|r| r.to_string()),
            suspend_on_anomaly: a.policy.suspend_on_anomaly,
            public_key: &a.public_key,
        }
    }
}

pub(super) fn list(ctx: &Ctx) -> Result<()> {
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    vault.check_state(&admin)?;
    let roster = crate::roster::read(&vault.dir, &vault.config)?;
    let marked: std::collections::HashSet<String> = crate::audit::activity::suspended(&vault.dir)
        .into_iter()
        .map(|s| s.agent)
        .collect();
    let views: Vec<AgentView<'_>> = roster
        .iter()
        .map(|e| {
            let mut v = AgentView::from(e);
            if marked.contains(e.name.as_str()) {
                v.status = Status::Suspended.as_str();
            }
            v
        })
        .collect();
    if ctx.out.json {
        #[derive(Serialize)]
        struct List<'a> {
            agents: Vec<AgentView<'a>>,
        }
        ctx.out.json(&List { agents: views });
        return Ok(());
    }
    let rows = views
        .into_iter()
        .map(|v| {
            vec![
                v.name.to_string(),
                v.status.to_string(),
                v.max_ttl.unwrap_or_else(|| "-".into()),
                v.rate_limit.unwrap_or_else(|| "-".into()),
                v.created_at,
                v.description.unwrap_or_default().to_string(),
            ]
        })
        .collect();
    ctx.out.records(
        &[
            Column::id("NAME"),
            Column::id("STATUS"),
            Column::id("MAX TTL"),
            Column::id("RATE LIMIT"),
            Column::time("CREATED"),
            Column::text("DESCRIPTION"),
        ],
        rows,
    );
    Ok(())
}

pub(super) fn show(ctx: &Ctx, name: &str) -> Result<()> {
    agent::validate_name(name)?;
    let vault = ctx.open_vault()?;
    ctx.known_agents(&vault, [name])?;
    let admin = ctx.admin_key(&vault)?;
    let state = vault.load_state(&admin)?;
    let entry = crate::roster::Entry::from(state.agent(name)?);
    let mut v = AgentView::from(&entry);
    let marker = crate::audit::activity::suspension(&vault.dir, name);
    if marker.is_some() {
        v.status = Status::Suspended.as_str();
    }
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "agent": v, "suspended_by_anomaly": marker }));
    } else {
        let status = match &marker {
            Some(m) => format!("suspended at {} after an anomaly: {}", m.at, m.reason),
            None => v.status.to_string(),
        };
        ctx.out.fields(&[
            ("name", v.name.to_string()),
            ("status", status),
            ("description", v.description.unwrap_or("-").to_string()),
            ("created", v.created_at.clone()),
            ("max ttl", v.max_ttl.clone().unwrap_or_else(|| "-".into())),
            (
                "rate limit",
                v.rate_limit.clone().unwrap_or_else(|| "-".into()),
            ),
            (
                "suspend on anomaly",
                if v.suspend_on_anomaly { "yes" } else { "no" }.to_string(),
            ),
            ("public key", v.public_key.to_string()),
        ]);
    }
    Ok(())
}
