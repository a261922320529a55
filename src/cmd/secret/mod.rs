//! `secret set|list|show|remove|rotate`.

use std::io::IsTerminal;

use crate::audit::{Action, Event};
use crate::cli::{SecretCommand, SecretSetArgs, ValueArgs};
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::secret::{self, Secret};
use crate::sensitive::SecretText;
use crate::unlock;

mod add;
mod edit;
mod rotate;
mod show;

use rotate::rotate;
use show::{list, show};

pub fn run(ctx: &Ctx, command: SecretCommand) -> Result<()> {
    match command {
        SecretCommand::Set(args) => set(ctx, args),
        SecretCommand::Add(args) => add::add(ctx, args),
        SecretCommand::Edit(args) => edit::edit(ctx, args),
        SecretCommand::List => list(ctx),
        SecretCommand::Show { name } => show(ctx, &name),
        SecretCommand::Remove { name, yes } => remove(ctx, &name, yes),
        SecretCommand::Rotate(args) => rotate(ctx, args),
    }
}

pub(super) fn source_label(v: &ValueArgs) -> &'static str {
    if v.generate {
        "generate"
    } else if v.file.is_some() {
        "file"
    } else {
        "stdin"
    }
}

/// Reads the new value from wherever the flags say: never from a flag's value.
pub(super) fn read_value(name: &str, args: &ValueArgs) -> Result<SecretText> {
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
    crate::cmd::input::prompt_value(name, args.max_size)
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
    let wanted = edit::Wanted::parse(&args.destination)?;
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
        if let Some(src) = existing.and_then(|s| s.openbao.as_ref()) {
            return Err(Error::usage(format!(
                "secret '{name}' is kept in OpenBao ({}): agentcred stores no value for it",
                src.describe()
            ))
            .hint(match src {
                crate::openbao::Source::Kv { .. } => format!("write a new version with `agentcred secret rotate {name}`"),
                _ => "its value is created for each credential; remove it and add it again to change where it comes from".to_string(),
            }));
        }
        let created = existing.is_none();
        let env = match (&args.env, existing) {
            (Some(env), _) => env.clone(),
            (None, Some(s)) => s.env.clone(),
            (None, None) => secret::default_env_checked(&name)?,
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
                destination: Default::default(),
                openbao: None,
                versions: vec![],
            });
        entry.env = env;
        if let Some(d) = args.max_age {
            entry.max_age_secs = Some(d.num_seconds());
        }
        let moved = wanted.apply(entry)?;
        let version = entry.set_value(value, c.now);
        entry.generated_length = args.value.generate.then_some(args.value.length);
        let destination = entry.destination.clone();
        edit::settle_grantees(c, &name, moved && !created)?;
        let source = source_label(&args.value);
        let mut details =
            serde_json::json!({ "version": version, "source": source, "created": created });
        if !wanted.is_empty() {
            details["destination"] = edit::details(&destination);
        }
        let event = Event::admin(Action::SecretSet)
            .secrets([name.as_str()])
            .details(details);
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

fn remove(ctx: &Ctx, name: &str, yes: bool) -> Result<()> {
    secret::validate_name(name)?;
    let mut vault = ctx.open_vault()?;
    ctx.known_secrets(&vault, [name])?;
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
        c.touch_grantees(name)?;
        c.remove_grants_of_secret(name)?;
        Ok(((), vec![Event::admin(Action::SecretRemove).secrets([name])]))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "removed": name }));
    } else {
        ctx.out.done(&format!("removed secret {name}"));
    }
    Ok(())
}
