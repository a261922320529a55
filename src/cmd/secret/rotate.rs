//! `secret rotate`: a new version, and the window in which the old one still works.

use crate::audit::{Action, Event};
use crate::cli::SecretRotateArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::secret::{self};

use super::{read_value, source_label};

pub(super) fn rotate(ctx: &Ctx, args: SecretRotateArgs) -> Result<()> {
    secret::validate_name(&args.name)?;
    if args.overlap < chrono::Duration::zero() {
        return Err(Error::usage("--overlap cannot be negative"));
    }
    let mut vault = ctx.open_vault()?;
    ctx.known_secrets(&vault, [args.name.as_str()])?;
    let admin = ctx.admin_key(&vault)?;
    // Fail on a missing secret before asking for a value.
    let source = vault
        .load_state(&admin)?
        .secret(&args.name)?
        .openbao
        .clone();
    match source {
        None => {}
        Some(crate::openbao::Source::Kv {
            mount, path, field, ..
        }) => return rotate_kv(ctx, &args, (&mut vault, &admin), (&mount, &path, &field)),
        Some(s) => {
            return Err(Error::usage(format!(
                "secret {} is {}: a new value is created for each credential, there is nothing to rotate",
                args.name,
                s.describe()
            )));
        }
    }
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
            grantees.set(c.grantees(&name)?.len());
            c.touch_grantees(&name)?;
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
            crate::output::plural(grantees.get(), "agent")
        ),
    };
    ctx.out.done(&text);
    Ok(())
}

/// Rotates a secret kept in OpenBao's KV: the version there now is read first, then the new
/// value is asked for, then written as the next version with check-and-set on the one read, so
/// that of two rotations at once (from two machines) exactly one wins. The vault then records
/// which KV version is `CURRENT` and which stays `PREVIOUS` for the overlap window.
fn rotate_kv(
    ctx: &Ctx,
    args: &SecretRotateArgs,
    (vault, admin): (&mut crate::vault::Vault, &crate::vault::AdminKey),
    (mount, path, field): (&str, &str, &str),
) -> Result<()> {
    let name = args.name.clone();
    if args.stage || args.finish || args.cancel {
        return Err(Error::usage(format!(
            "secret {name} is kept in OpenBao's KV: it rotates in one step, without --stage, --finish or --cancel"
        ))
        .hint("OpenBao keeps the versions; --overlap says how long the one before stays served"));
    }
    let settings = crate::settings::Settings::load(&vault.dir)?.openbao;
    let client = crate::openbao::Client::new(&settings)?;
    let (read, mut data) = crate::openbao::provision::read_kv_all(&client, mount, path)?;
    let value = read_value(&name, &args.value)?;
    data[field] = serde_json::Value::String(value.expose_secret().to_string());
    let now = ctx.now();
    let written = crate::openbao::provision::write_kv_cas(&client, mount, path, data, read, &name);
    let version = match written {
        Ok(v) => v,
        Err(e) => {
            if e.is_denied() {
                let event = Event::admin(Action::Deny)
                    .secrets([name.as_str()])
                    .outcome(crate::audit::Outcome::Denied, e.to_string())
                    .details(serde_json::json!({ "attempted": Action::SecretRotate.as_str() }));
                if let Err(w) = vault.record(now, &[event]) {
                    ctx.out
                        .warn(&format!("the refusal could not be recorded: {w}"));
                }
            }
            return Err(e);
        }
    };
    drop(value);
    let overlap = args.overlap;
    let dir = vault.dir.clone();
    let grantees = std::cell::Cell::new(0usize);
    let recorded = vault.update(admin, now, |c| {
        let s = c
            .state
            .secrets
            .get_mut(&name)
            .ok_or_else(|| crate::vault::state::unknown_secret(&name))?;
        let p = s.rotate_external(read, version, overlap, c.now);
        let retire_at = p.previous.map(|(_, end)| end);
        grantees.set(c.grantees(&name)?.len());
        c.touch_grantees(&name)?;
        let revoked = crate::rotation::revoke_for(c, &dir, &name, &p)?;
        let mut details = serde_json::json!({
            "step": "rotate",
            "version": version,
            "read_version": read,
            "source": format!("openbao-kv:{}", source_label(&args.value)),
            "overlap": crate::duration::format(overlap),
            "previous_retire_at": retire_at.map(crate::clock::rfc3339),
        });
        if revoked > 0 {
            details["credentials_revoked"] = revoked.into();
        }
        let event = Event::admin(Action::SecretRotate)
            .secrets([name.as_str()])
            .details(details);
        Ok((retire_at, vec![event]))
    });
    // OpenBao already holds the new version, which mints read from now on: say so, whatever
    // kept the vault from recording it (only the PREVIOUS window is lost).
    let retire_at = recorded.map_err(|e| {
        let hint = format!(
            "OpenBao holds version {version} of {mount}/{path}, which agents get from now on; the vault did not record the rotation, so version {read} is not served as PREVIOUS"
        );
        Error::new(e.kind(), e.to_string()).hint(hint)
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "secret": name,
            "step": "rotate",
            "version": version,
            "previous_version": read,
            "previous_retire_at": retire_at.map(crate::clock::rfc3339),
            "agents_updated": grantees.get(),
        }));
        return Ok(());
    }
    let window = match retire_at {
        Some(t) => format!(
            "; version {read} is served as PREVIOUS until {}",
            crate::clock::rfc3339(t)
        ),
        None => format!("; version {read} is no longer served"),
    };
    ctx.out.done(&format!(
        "wrote version {version} of {mount}/{path} in OpenBao: it is CURRENT for {name} ({} updated){window}",
        crate::output::plural(grantees.get(), "agent")
    ));
    Ok(())
}
