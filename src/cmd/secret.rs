use std::io::IsTerminal;

use serde::Serialize;

use crate::audit::{Action, Event};
use crate::cli::{SecretCommand, SecretRotateArgs, SecretSetArgs, ValueArgs};
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::secret::{self, Secret};
use crate::sensitive::SecretText;
use crate::unlock;

/// Secrets are flagged for rotation after this long unless `--max-age` says otherwise (CIS 1.14).
pub const DEFAULT_MAX_AGE_DAYS: i64 = 90;

pub fn run(ctx: &Ctx, command: SecretCommand) -> Result<()> {
    match command {
        SecretCommand::Set(args) => set(ctx, args),
        SecretCommand::List => list(ctx),
        SecretCommand::Show { name } => show(ctx, &name),
        SecretCommand::Remove { name, yes } => remove(ctx, &name, yes),
        SecretCommand::Rotate(args) => rotate(ctx, args),
    }
}

/// Metadata only: no value, ever.
#[derive(Serialize)]
struct SecretView<'a> {
    name: &'a str,
    env: &'a str,
    version: u32,
    created_at: String,
    updated_at: String,
    max_age: String,
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

/// How the value was given, for the audit log.
fn source_label(v: &ValueArgs) -> &'static str {
    if v.generate {
        "generate"
    } else if v.file.is_some() {
        "file"
    } else {
        "stdin"
    }
}

/// Reads the new value from wherever the flags say: never from a flag's value.
fn read_value(name: &str, args: &ValueArgs) -> Result<SecretText> {
    if args.generate {
        return Ok(secret::generate(usize::from(args.length)));
    }
    if let Some(path) = &args.file {
        let what = format!("secret file {}", path.display());
        let file = std::fs::File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::not_found(format!("{what} does not exist"))
            } else {
                Error::io("cannot read", path, e)
            }
        })?;
        let bytes = secret::read_bounded(file, args.max_size, &what)?;
        return unlock::secret_from_bytes(&bytes, &what);
    }
    if args.stdin || !std::io::stdin().is_terminal() {
        if !args.stdin {
            return Err(Error::usage(format!("no value given for secret '{name}'"))
                .hint("pass --stdin to read it from standard input, --file F, or --generate"));
        }
        let buf =
            secret::read_bounded(std::io::stdin().lock(), args.max_size, "the value on stdin")?;
        return unlock::secret_from_bytes(&buf, "the value on stdin");
    }
    let text = dialoguer::Password::new()
        .with_prompt(format!("Value for {name}"))
        .interact()
        .map_err(|e| Error::other(format!("cannot read the value: {e}")))?;
    let text = zeroize::Zeroizing::new(text);
    secret::check_size(text.len(), args.max_size, "the value")?;
    unlock::secret_from_bytes(text.as_bytes(), "the value")
}

fn set(ctx: &Ctx, args: SecretSetArgs) -> Result<()> {
    secret::validate_name(&args.name)?;
    if let Some(env) = &args.env {
        secret::validate_env(env)?;
    }
    if let Some(d) = args.max_age.filter(|d| d.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--max-age must be positive, not {}",
            crate::duration::format(d)
        )));
    }
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let value = read_value(&args.name, &args.value)?;
    let name = args.name.clone();
    let now = ctx.now();
    let result = vault.update(&admin, now, |c| {
        let existing = c.state.secrets.get(&name);
        let current = existing.and_then(Secret::current).map_or(0, |v| v.version);
        if let Some(expected) = args.cas.filter(|n| *n != current) {
            return Err(Error::denied(format!(
                "secret '{name}' is at version {current}, not {expected}: someone else changed it"
            ))
            .hint("re-read it with `agentcred secret show` and retry with the right --cas"));
        }
        let created = existing.is_none();
        let env = match (&args.env, existing) {
            (Some(env), _) => env.clone(),
            (None, Some(s)) => s.env.clone(),
            (None, None) => {
                let env = secret::default_env(&name);
                secret::validate_env(&env).map_err(|e| {
                    Error::usage(format!(
                        "secret '{name}' would be injected as {env}, which is refused: {e}"
                    ))
                    .hint("choose an environment name with --env VAR")
                })?;
                env
            }
        };
        let entry = c
            .state
            .secrets
            .entry(name.clone())
            .or_insert_with(|| Secret {
                name: name.clone(),
                env: env.clone(),
                created_at: c.now,
                updated_at: c.now,
                max_age_secs: None,
                generated_length: None,
                versions: vec![],
            });
        entry.env = env;
        if let Some(d) = args.max_age {
            entry.max_age_secs = Some(d.num_seconds());
        }
        let version = entry.set_value(value, c.now);
        entry.generated_length = args.value.generate.then_some(args.value.length);
        c.touch_grantees(&name);
        let source = source_label(&args.value);
        let event = Event::admin(Action::SecretSet)
            .secrets([name.as_str()])
            .details(
                serde_json::json!({ "version": version, "source": source, "created": created }),
            );
        Ok(((version, created), vec![event]))
    });
    let (version, created) = match result {
        Ok(v) => v,
        // A refused check-and-set is a denial like any other: on the log.
        Err(e) if e.is_denied() => {
            let event = Event::admin(Action::Deny)
                .secrets([name.as_str()])
                .outcome(crate::audit::Outcome::Denied, e.to_string())
                .details(serde_json::json!({ "attempted": crate::audit::Attempt::SecretSet }));
            vault.record(now, &[event])?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "secret": name, "version": version, "created": created }));
    } else if created {
        ctx.out
            .done(&format!("stored secret {name} (version {version})"));
    } else {
        ctx.out.done(&format!(
            "stored version {version} of secret {name}; older versions were destroyed"
        ));
    }
    Ok(())
}

fn list(ctx: &Ctx) -> Result<()> {
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
    let rows = views
        .iter()
        .map(|v| {
            vec![
                v.name.to_string(),
                v.env.to_string(),
                v.version.to_string(),
                v.updated_at.clone(),
                v.max_age.clone(),
            ]
        })
        .collect();
    ctx.out
        .table(&["NAME", "ENV", "VERSION", "UPDATED", "MAX AGE"], rows);
    Ok(())
}

fn show(ctx: &Ctx, name: &str) -> Result<()> {
    secret::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
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
    ctx.out
        .table(&["VERSION", "STAGE", "CREATED", "RETIRED AT"], rows);
    Ok(())
}

fn remove(ctx: &Ctx, name: &str, yes: bool) -> Result<()> {
    secret::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    vault.load_state(&admin)?.secret(name)?;
    ctx.confirm(
        &format!("remove secret {name} and destroy all its versions"),
        yes,
    )?;
    vault.update(&admin, ctx.now(), |c| {
        c.state
            .secrets
            .remove(name)
            .ok_or_else(|| crate::vault::state::unknown_secret(name))?;
        // Its value leaves every envelope that carried it, with the grants that gave it.
        c.touch_grantees(name);
        c.state.grants.retain(|_, g| g.secret != name);
        Ok(((), vec![Event::admin(Action::SecretRemove).secrets([name])]))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "removed": name }));
    } else {
        ctx.out.done(&format!("removed secret {name}"));
    }
    Ok(())
}

fn rotate(ctx: &Ctx, args: SecretRotateArgs) -> Result<()> {
    secret::validate_name(&args.name)?;
    if args.overlap < chrono::Duration::zero() {
        return Err(Error::usage("--overlap cannot be negative"));
    }
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    // Fail on a missing secret before asking for a value.
    vault.load_state(&admin)?.secret(&args.name)?;
    let value = if args.finish || args.cancel {
        None
    } else {
        Some(read_value(&args.name, &args.value)?)
    };
    let name = args.name.clone();
    let source = source_label(&args.value);
    let overlap = args.overlap;
    let grantees = std::cell::Cell::new(0usize);
    let dir = vault.dir.clone();
    let (step, version, retire_at) = vault.update(&admin, ctx.now(), |c| {
        let now = c.now;
        let s = c
            .state
            .secrets
            .get_mut(&name)
            .ok_or_else(|| crate::vault::state::unknown_secret(&name))?;
        let mut promotion = None;
        let (step, version) =
            if args.cancel {
                ("cancel", s.cancel(now)?)
            } else if args.finish {
                let p = s.finish(overlap, now)?;
                let v = p.version;
                promotion = Some(p);
                ("finish", v)
            } else if args.stage {
                let v = s.stage(value.clone().expect("a value was read"), now)?;
                if args.value.generate {
                    s.generated_length = Some(args.value.length);
                }
                ("stage", v)
            } else {
                if let Some(p) = s.pending() {
                    return Err(Error::exists(format!(
                    "secret {name} has a staged version ({}): finish or cancel that rotation first",
                    p.version
                ))
                .hint(format!("agentcred secret rotate {name} --finish (or --cancel)")));
                }
                let p = s.rotate(value.clone().expect("a value was read"), overlap, now);
                s.generated_length = args.value.generate.then_some(args.value.length);
                let v = p.version;
                promotion = Some(p);
                ("rotate", v)
            };
        let retire_at = s.previous().and_then(|p| p.retire_at);
        let served_changed = step != "stage" && step != "cancel";
        if served_changed {
            grantees.set(
                c.state
                    .grants
                    .values()
                    .filter(|g| g.secret == name)
                    .map(|g| g.agent.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
            );
            c.touch_grantees(&name);
        }
        let revoked = match &promotion {
            Some(p) => crate::rotation::revoke_for(c, &dir, &name, p)?,
            None => 0,
        };
        let mut details = serde_json::json!({ "step": step, "version": version });
        if revoked > 0 {
            details["credentials_revoked"] = revoked.into();
        }
        if step == "rotate" || step == "stage" {
            details["source"] = source.into();
        }
        if served_changed {
            details["overlap"] = crate::duration::format(overlap).into();
            details["previous_retire_at"] = retire_at.map(crate::clock::rfc3339).into();
        }
        let event = Event::admin(Action::SecretRotate)
            .secrets([name.as_str()])
            .details(details);
        Ok(((step, version, retire_at), vec![event]))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "secret": name,
            "step": step,
            "version": version,
            "previous_retire_at": retire_at.map(crate::clock::rfc3339),
            "agents_updated": grantees.get(),
        }));
        return Ok(());
    }
    let window = match retire_at {
        Some(t) => format!(
            "; the previous version is served until {}",
            crate::clock::rfc3339(t)
        ),
        None if step == "rotate" || step == "finish" => {
            "; the previous version was destroyed".to_string()
        }
        None => String::new(),
    };
    let text = match step {
        "stage" => format!(
            "staged version {version} of {name} (PENDING, not served); promote it with `agentcred secret rotate {name} --finish`"
        ),
        "cancel" => format!("dropped staged version {version} of {name}"),
        _ => format!(
            "version {version} of {name} is CURRENT ({} updated){window}",
            crate::cmd::agent::plural(grantees.get(), "agent")
        ),
    };
    ctx.out.done(&text);
    Ok(())
}
