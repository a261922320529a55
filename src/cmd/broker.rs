//! `broker`: the broker of `exec --broker`, run on its own for a program that `exec` does not
//! start (a container, an IDE). It mints a credential, starts the broker, prints the environment
//! to give the program, and runs until the credential expires or is revoked, or it is told to
//! stop (SIGTERM, SIGINT, SIGHUP). Then it stops the proxy, records the end and revokes the
//! credential, exactly as the end of an `exec` does; a broker that is killed outright leaves its
//! `running/` record, and the next command ends its credential.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::audit::{Attempt, Outcome};
use crate::cli::BrokerArgs;
use crate::cmd::Ctx;
use crate::credential::mint;
use crate::error::{Error, Result};
use crate::exec::brokered;
use crate::exec::held::Held;
use crate::exec::revoked::{self, Watch};

pub fn run(ctx: &Ctx, args: BrokerArgs) -> Result<u8> {
    if let Some(path) = &args.env_file {
        super::out_file::check(path, args.force)?;
    }
    let mut opts = brokered::Options::from_flags(true, args.egress, args.upstream_ca.as_deref())?;
    let vault = ctx.open_vault()?;
    ctx.known_scope(&vault, &args.scope)?;
    opts.vault_dir = Some(vault.dir.clone());
    opts.listen = Some(args.listen);
    let principal = ctx.principal(&vault)?;
    let session = ctx.session(&vault);
    // From here on a TERM stops the broker in order: the credential is recorded ended and revoked.
    let stop = crate::exec::held::stop_on_signals()?;
    let opened = ctx.open_agent_as(&session, principal, args.scope.agent.as_deref())?;
    let req = args.scope.request(false)?;
    let plan = mint::decide(&session, &opened, &req, Attempt::Exec)?;
    if plan.limited_by != crate::credential::LimitedBy::Request {
        ctx.out.note(&format!(
            "agentcred: the credential lives {} of the {} asked for, limited by {}",
            crate::duration::format(plan.ttl()),
            crate::duration::format(plan.requested_ttl),
            plan.limited_by
        ));
    }
    let held = Held::start(&session, &opened, plan, "standalone")?;
    let issued = &held.issued;
    let (vars, plan) = brokered::prepare(issued);
    let cx = brokered::Context {
        vault: &vault,
        actor: held.actor(),
        clock: Arc::clone(&ctx.clock),
        rate_limit: opened.envelope.policy.rate_limit,
        audit_key: opened.envelope.audit_key.clone(),
        bundle_parent: None,
        mask_injected: false,
    };
    let broker = match brokered::start(plan, &opts, issued, false, Some(cx)) {
        Ok(Some(b)) => b,
        Ok(None) => unreachable!("a broker asked for always starts"),
        Err(e) => {
            warn_if(ctx, held.not_started(&vault, ctx.clock.now(), &e, None));
            return Err(e);
        }
    };
    let mut env: Vec<(String, String)> = vars;
    env.extend(broker.env.iter().cloned());
    let shown = show(ctx, &args, issued, &env);
    drop(env);
    if let Err(e) = shown {
        let summary = broker.stop();
        warn_if(
            ctx,
            held.not_started(&vault, ctx.clock.now(), &e, Some(summary)),
        );
        return Err(e);
    }
    let (ended_by, revoked) = wait(ctx, &vault, issued, &stop, &broker);
    let summary = broker.stop();
    let mut details = serde_json::json!({
        "ended_by": ended_by,
        "broker": summary,
        "expired": ended_by == "expiry",
    });
    if let (serde_json::Value::Object(d), Some(r)) = (&mut details, &revoked) {
        d.insert("revoked".into(), r.id.clone().into());
    }
    let note = match (ended_by, &revoked) {
        (_, Some(r)) => format!("agentcred: broker stopped: {}", r.describe()),
        ("expiry", None) => format!(
            "agentcred: broker stopped: credential {} expired",
            issued.id
        ),
        _ => "agentcred: broker stopped".to_string(),
    };
    warn_if(ctx, held.end(&vault, ctx.clock.now(), Outcome::Ok, details));
    ctx.out.note(&note);
    Ok(0)
}

fn warn_if(ctx: &Ctx, warning: Option<String>) {
    if let Some(w) = warning {
        ctx.out.warn(&w);
    }
}

/// Prints (or writes) the environment for the program.
fn show(
    ctx: &Ctx,
    args: &BrokerArgs,
    issued: &crate::credential::Issued,
    env: &[(String, String)],
) -> Result<()> {
    if let Some(path) = &args.env_file {
        let mut text = String::new();
        for (k, v) in env {
            text.push_str(&format!("{k}={}\n", super::mint::dotenv_quote(v)));
        }
        super::out_file::write(path, text.as_bytes(), args.force)?;
        ctx.out.note(&format!(
            "agentcred: broker for credential {} running; its environment is in {}",
            issued.id,
            path.display()
        ));
        return Ok(());
    }
    let mut out = String::new();
    if ctx.global.json {
        let map: serde_json::Map<String, serde_json::Value> = env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        out = serde_json::json!({
            "schema": 1,
            "credential_id": issued.id,
            "agent": issued.plan.agent,
            "expires_at": crate::clock::rfc3339(issued.plan.expires_at),
            "env": map,
        })
        .to_string();
        out.push('\n');
    } else {
        for (k, v) in env {
            out.push_str(&format!("export {k}={}\n", super::mint::shell_quote(v)));
        }
    }
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::other(format!("cannot write the environment: {e}")))
}

/// Waits for the end: a signal, the expiry, or a revocation the watch finds. Returns what ended
/// it (`signal`, `expiry` or `revocation`) and the revocation.
fn wait(
    ctx: &Ctx,
    vault: &crate::vault::Vault,
    issued: &crate::credential::Issued,
    stop: &AtomicBool,
    broker: &brokered::Running,
) -> (&'static str, Option<revoked::Revoked>) {
    let mut watch = Watch::of(vault, Arc::clone(&ctx.clock), issued);
    let close = broker.closer();
    loop {
        if stop.load(Ordering::Relaxed) {
            return ("signal", None);
        }
        if ctx.clock.now() >= issued.plan.expires_at {
            close(None);
            return ("expiry", None);
        }
        if let Some(r) = watch.look() {
            close(Some(&r));
            return ("revocation", Some(r));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
