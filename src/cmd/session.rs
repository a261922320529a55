//! `agentcred unlock` and `agentcred lock`: the unlock session (see `crate::unlocked`).

use age::secrecy::ExposeSecret;

use crate::audit::Event;
use crate::cli::UnlockArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;

pub fn run(ctx: &Ctx, args: UnlockArgs) -> Result<()> {
    let positive = |d: chrono::Duration, flag: &str| {
        d.to_std()
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Error::usage(format!("{flag} must be a positive duration, e.g. 15m")))
    };
    let lifetime = positive(args.lifetime, "--for")?;
    let idle = positive(args.idle, "--idle")?.min(lifetime);
    let vault = ctx.open_vault()?;
    // A session never starts another: whoever can use one could otherwise keep it alive for ever.
    let admin = ctx.admin_key_without_session(&vault)?;
    let identity = admin.exportable().ok_or_else(|| {
        Error::usage("the identity that unlocked the vault is not a plain age X25519 identity")
            .hint("a session holds the passphrase's identity or an X25519 identity file; unlock with one of those")
    })?;
    // Only an identity that opens this vault is kept.
    vault.load_state(&admin)?;
    let now = ctx.now();
    let started = crate::unlocked::start(
        &vault.dir,
        &vault.config.vault_id,
        &SecretText::new(identity.to_string().expose_secret().to_string()),
        lifetime,
        idle,
    )?;
    let info = &started.info;
    let recorded = vault.record(
        now,
        &[
            Event::admin(crate::audit::Action::SessionUnlock).details(serde_json::json!({
                "pid": info.pid,
                "expires_at": crate::clock::rfc3339(info.expires_at),
                "idle_secs": info.idle_secs,
            })),
        ],
    );
    if let Err(e) = recorded {
        // Not on the log, so not at all.
        let _ = crate::unlocked::lock(&vault.dir, &vault.config.vault_id);
        return Err(e);
    }
    let variable = started.variable.expose_secret();
    if ctx.out.json {
        #[derive(serde::Serialize)]
        struct Unlocked<'a> {
            session: &'a str,
            #[serde(flatten)]
            info: &'a crate::unlocked::Info,
        }
        ctx.out.json(&Unlocked {
            session: variable,
            info,
        });
        return Ok(());
    }
    // For `eval "$(agentcred unlock)"`: the variable on stdout as shell, the rest on stderr.
    println!(
        "{}={}; export {};",
        crate::unlocked::ENV,
        shell_quote(variable),
        crate::unlocked::ENV
    );
    ctx.out.done(&format!(
        "unlocked until {} (or {} without a command)",
        info.expires_at.format("%Y-%m-%d %H:%M:%S UTC"),
        crate::duration::format(chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::MAX))
    ));
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        ctx.out.warn(
            "this shell uses the session only with the variable above: run `eval \"$(agentcred unlock)\"` instead",
        );
    }
    Ok(())
}

/// `text` in single quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

pub fn lock(ctx: &Ctx) -> Result<()> {
    let vault = ctx.open_vault()?;
    let info = crate::unlocked::lock(&vault.dir, &vault.config.vault_id);
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "locked": info.is_some(), "session": info }));
    } else if let Some(info) = info {
        ctx.out.done(&format!(
            "locked: the unlock session (pid {}) has ended",
            info.pid
        ));
    } else {
        ctx.out.done("no unlock session was running");
    }
    Ok(())
}
