//! `secret list` and `secret show`: names, versions and stages, never a value.

use serde::Serialize;

use crate::cmd::Ctx;
use crate::error::Result;
use crate::output::Column;
use crate::secret::{self, Secret};

/// Secrets are flagged for rotation after this long unless `--max-age` says otherwise (CIS 1.14).
pub const DEFAULT_MAX_AGE_DAYS: i64 = 90;

/// Metadata only: no value, ever.
#[derive(Serialize)]
struct SecretView<'a> {
    name: &'a str,
    env: &'a str,
    version: u32,
    created_at: String,
    updated_at: String,
    max_age: String,
    /// The hosts the value may be sent to; null when unbound.
    hosts: Option<Vec<String>>,
    delivery: &'static str,
    placeholder_prefix: Option<&'a str>,
    /// Where the value comes from when the vault does not keep it; null when it does.
    openbao: Option<&'a crate::openbao::Source>,
    versions: Vec<VersionView>,
}

#[derive(Serialize)]
struct VersionView {
    version: u32,
    stage: &'static str,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retire_at: Option<String>,
}

impl<'a> From<&'a Secret> for SecretView<'a> {
    fn from(s: &'a Secret) -> Self {
        SecretView {
            name: &s.name,
            env: &s.env,
            version: s.current().map_or(0, |v| v.version),
            created_at: crate::clock::rfc3339(s.created_at),
            updated_at: crate::clock::rfc3339(s.updated_at),
            max_age: crate::duration::format(chrono::Duration::seconds(
                s.max_age_secs.unwrap_or(DEFAULT_MAX_AGE_DAYS * 86_400),
            )),
            hosts: s
                .destination
                .hosts
                .as_ref()
                .map(|h| h.iter().map(ToString::to_string).collect()),
            delivery: s.destination.delivery.as_str(),
            placeholder_prefix: s.destination.placeholder_prefix.as_deref(),
            openbao: s.openbao.as_ref(),
            versions: s
                .versions
                .iter()
                .map(|v| VersionView {
                    version: v.version,
                    stage: v.stage.as_str(),
                    created_at: crate::clock::rfc3339(v.created_at),
                    retire_at: v.retire_at.map(crate::clock::rfc3339),
                })
                .collect(),
        }
    }
}

fn hosts_text(v: &SecretView<'_>) -> String {
    v.hosts.as_ref().map_or_else(|| "-".into(), |h| h.join(","))
}

pub(super) fn list(ctx: &Ctx) -> Result<()> {
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let mut state = vault.load_state(&admin)?;
    if vault.sweep_if_due(&admin, &state, ctx.now())? {
        state = vault.load_state(&admin)?;
    }
    let views: Vec<SecretView<'_>> = state.secrets.values().map(SecretView::from).collect();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "secrets": views }));
        return Ok(());
    }
    // Delivery and hosts only once a secret declares them: the others keep the table they had.
    let bound = views
        .iter()
        .any(|v| v.hosts.is_some() || v.delivery != "env");
    let external = views.iter().any(|v| v.openbao.is_some());
    let rows = views
        .iter()
        .map(|v| {
            let mut row = vec![
                v.name.to_string(),
                v.env.to_string(),
                v.version.to_string(),
                v.updated_at.clone(),
                v.max_age.clone(),
            ];
            if bound {
                row.extend([v.delivery.to_string(), hosts_text(v)]);
            }
            if external {
                row.push(
                    v.openbao
                        .map_or("vault", |s| match s {
                            crate::openbao::Source::Token { .. } => "openbao token",
                            crate::openbao::Source::Lease { .. } => "openbao lease",
                            crate::openbao::Source::Kv { .. } => "openbao kv",
                        })
                        .to_string(),
                );
            }
            row
        })
        .collect();
    let mut columns = vec![
        Column::id("NAME"),
        Column::id("ENV"),
        Column::id("VERSION"),
        Column::time("UPDATED"),
        Column::id("MAX AGE"),
    ];
    if bound {
        columns.extend([Column::id("DELIVERY"), Column::text("HOSTS")]);
    }
    if external {
        columns.push(Column::id("SOURCE"));
    }
    ctx.out.records(&columns, rows);
    Ok(())
}

pub(super) fn show(ctx: &Ctx, name: &str) -> Result<()> {
    secret::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
    ctx.known_secrets(&vault, [name])?;
    let admin = ctx.admin_key(&vault)?;
    let mut state = vault.load_state(&admin)?;
    if vault.sweep_if_due(&admin, &state, ctx.now())? {
        state = vault.load_state(&admin)?;
    }
    let v = SecretView::from(state.secret(name)?);
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "secret": v }));
        return Ok(());
    }
    ctx.out.fields(&[
        ("name", v.name.to_string()),
        ("env", v.env.to_string()),
        ("version", v.version.to_string()),
        ("created", v.created_at.clone()),
        ("updated", v.updated_at.clone()),
        ("max age", v.max_age.clone()),
        ("delivery", v.delivery.to_string()),
        ("hosts", hosts_text(&v)),
        (
            "placeholder prefix",
            v.placeholder_prefix.unwrap_or("-").to_string(),
        ),
        (
            "value",
            v.openbao.map_or_else(
                || "kept in the vault".to_string(),
                crate::openbao::Source::describe,
            ),
        ),
    ]);
    let rows = v
        .versions
        .iter()
        .rev()
        .map(|x| {
            vec![
                x.version.to_string(),
                x.stage.to_string(),
                x.created_at.clone(),
                x.retire_at.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    ctx.out.data("");
    ctx.out.records(
        &[
            Column::id("VERSION"),
            Column::id("STAGE"),
            Column::time("CREATED"),
            Column::time("RETIRED AT"),
        ],
        rows,
    );
    Ok(())
}
