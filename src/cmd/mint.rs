use crate::cli::{MintArgs, MintFormat, ScopeArgs, VersionChoice};
use crate::cmd::{Ctx, Principal};
use crate::credential::{self, Issued, Request};
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::grant::{self, Pattern};
use crate::key::KeyRecord;
use crate::vault::Vault;

pub fn run(ctx: &Ctx, args: MintArgs) -> Result<()> {
    let request = request(&args.scope, args.version == VersionChoice::Previous)?;
    let vault = ctx.open_vault()?;
    let (env, key, actor) = open_agent(ctx, &vault, args.scope.agent.as_deref())?;
    let now = ctx.now();
    let plan = credential::plan(&env, key.as_ref(), &request, now).map_err(|e| {
        credential::record_denial(
            &vault,
            &actor,
            &env.agent,
            crate::watch::Limits::of(&env, key.as_ref()),
            "cred.mint",
            &request.secrets,
            e,
            now,
        )
    })?;
    let source = credential::Source {
        from: &env.authority,
        parent: None,
        actor: &actor,
        extra: None,
        revoke_key: None,
        limits: crate::watch::Limits::of(&env, key.as_ref()),
        acting: None,
    };
    let issued = credential::issue(&vault, plan, source, &|_| vec![], now)?;
    print(ctx, &issued, args.format);
    Ok(())
}

/// Validates the scope flags shared by `mint` and `exec`.
pub fn request(scope: &ScopeArgs, previous: bool) -> Result<Request> {
    let ScopeArgs {
        secrets,
        ttl,
        actions,
        resources,
        ..
    } = scope;
    let ttl = *ttl;
    for s in secrets {
        crate::secret::validate_name(s)?;
    }
    let actions = grant::split_list(actions);
    for a in &actions {
        grant::validate_action(a)?;
    }
    let resources = grant::split_list(resources)
        .iter()
        .map(|r| Pattern::parse(r))
        .collect::<Result<Vec<_>>>()?;
    if let Some(t) = ttl.filter(|t| t.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--ttl must be positive, not {}",
            crate::duration::format(t)
        )));
    }
    Ok(Request {
        secrets: secrets.to_vec(),
        ttl,
        actions: (!actions.is_empty()).then_some(actions),
        resources: (!resources.is_empty()).then_some(resources),
        previous,
        parent_expires_at: None,
    })
}

/// The envelope to mint from, the key used, and the audit actor: the admin reads the state; an
/// agent key holder opens its own envelope and nothing else.
pub fn open_agent(
    ctx: &Ctx,
    vault: &Vault,
    agent: Option<&str>,
) -> Result<(Envelope, Option<KeyRecord>, String)> {
    if let Some(a) = agent {
        crate::agent::validate_name(a)?;
    }
    match ctx.principal(vault)? {
        Principal::Admin(admin) => {
            let agent = agent.ok_or_else(|| {
                Error::usage("which agent? pass --agent NAME").hint("see `agentcred agent list`")
            })?;
            Ok((
                Envelope::open_as_admin(vault, &admin, agent)?,
                None,
                "admin".to_string(),
            ))
        }
        Principal::Agent(key) => {
            if let Some(a) = agent.filter(|a| *a != key.agent) {
                return Err(Error::denied(format!(
                    "this key belongs to agent {}, not {a}",
                    key.agent
                ))
                .hint("an agent key can act only for its own agent"));
            }
            let env = Envelope::open_with_key(vault, &key)?;
            let record = env
                .keys
                .iter()
                .find(|k| k.id == key.id)
                .cloned()
                .ok_or_else(|| {
                    Error::cannot_unlock(format!(
                        "key {} is not a key of agent {}",
                        key.id, key.agent
                    ))
                })?;
            ctx.out.verbose(&format!(
                "opened the envelope of agent {} with key {}",
                key.agent, key.id
            ));
            Ok((env, Some(record), format!("key:{}", key.id)))
        }
    }
}

/// POSIX single-quoting: safe for any value in `eval "$(agentcred mint --format env)"`.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// dotenv double-quoting with the escapes dotenv parsers understand.
fn dotenv_quote(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('$', "\\$");
    format!("\"{escaped}\"")
}

/// The variables a credential puts in a child's environment, values included.
pub fn variables(issued: &Issued) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = issued
        .plan
        .secrets
        .iter()
        .map(|s| (s.env.clone(), s.value.expose_secret().to_string()))
        .collect();
    vars.push(("AGENTCRED_AGENT".into(), issued.plan.agent.clone()));
    vars.push(("AGENTCRED_CREDENTIAL_ID".into(), issued.id.clone()));
    vars.push((
        "AGENTCRED_EXPIRES_AT".into(),
        crate::clock::rfc3339(issued.plan.expires_at),
    ));
    vars.push((
        "AGENTCRED_TOKEN".into(),
        issued.token.expose_secret().to_string(),
    ));
    vars.push((
        "AGENTCRED_SECRETS".into(),
        issued
            .plan
            .secrets
            .iter()
            .map(|s| s.env.as_str())
            .collect::<Vec<_>>()
            .join(","),
    ));
    vars
}

fn print(ctx: &Ctx, issued: &Issued, format: MintFormat) {
    let plan = &issued.plan;
    match format {
        MintFormat::Json => {
            let values: serde_json::Map<String, serde_json::Value> = plan
                .secrets
                .iter()
                .map(|s| (s.env.clone(), s.value.expose_secret().into()))
                .collect();
            ctx.out.json(&serde_json::json!({
                "credential": {
                    "id": issued.id,
                    "agent": plan.agent,
                    "secrets": plan.secrets,
                    "scope": plan.scope_json(),
                    "issued_at": crate::clock::rfc3339(plan.issued_at),
                    "expires_at": crate::clock::rfc3339(plan.expires_at),
                    "ttl": crate::duration::format(plan.ttl()),
                    "ttl_seconds": plan.ttl().num_seconds(),
                    "requested_ttl": crate::duration::format(plan.requested_ttl),
                    "limited_by": plan.limited_by,
                    "token": issued.token.expose_secret(),
                },
                "env": values,
            }));
        }
        MintFormat::Env => {
            let text: String = variables(issued)
                .iter()
                .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
                .collect();
            ctx.out.data(&text);
        }
        MintFormat::Dotenv => {
            let text: String = variables(issued)
                .iter()
                .map(|(k, v)| format!("{k}={}\n", dotenv_quote(v)))
                .collect();
            ctx.out.data(&text);
        }
        MintFormat::Token => ctx.out.data(issued.token.expose_secret()),
    }
    if format != MintFormat::Json {
        let bound = if plan.limited_by == "request" {
            String::new()
        } else {
            format!(" (limited by {})", plan.limited_by)
        };
        ctx.out.note(&format!(
            "credential {} for {} expires {} ({}){bound}",
            issued.id,
            plan.agent,
            crate::clock::rfc3339(plan.expires_at),
            crate::duration::format(plan.ttl())
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_hostile_values() {
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
        assert_eq!(dotenv_quote("a\"$b\n"), "\"a\\\"\\$b\\n\"");
    }
}
