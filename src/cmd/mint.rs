//! `mint`: a credential from the agent's own authority, printed in the requested format once it
//! is on the audit log.

use crate::audit::Attempt;
use crate::cli::{MintArgs, MintFormat, VersionChoice};
use crate::cmd::Ctx;
use crate::credential::{Issued, LimitedBy, mint};
use crate::error::{Error, Result};

pub fn run(ctx: &Ctx, args: MintArgs) -> Result<()> {
    // Refused before anything is minted: the two ask for different documents on stdout.
    if ctx.global.json && args.format != MintFormat::Json {
        let name = match args.format {
            MintFormat::Env => "env",
            MintFormat::Dotenv => "dotenv",
            MintFormat::Token | MintFormat::Json => "token",
        };
        return Err(Error::usage(format!(
            "--json and --format {name} ask for different outputs"
        ))
        .hint("drop --json for the shell lines, or use --format json (the default) alone"));
    }
    if let Some(path) = &args.file.out {
        super::out_file::check(path, args.file.force)?;
    }
    let scope = &args.scope;
    let request = scope.request(args.version == VersionChoice::Previous)?;
    let vault = ctx.open_vault()?;
    ctx.known_scope(&vault, scope)?;
    let session = ctx.session(&vault);
    let opened = ctx.open_agent(&session, scope.agent.as_deref())?;
    let mut plan = mint::decide(&session, &opened, &request, Attempt::Mint)?;
    // A brokered value never leaves agentcred: only the token may be printed for it.
    if args.format != MintFormat::Token {
        crate::credential::refuse_brokered(&plan).map_err(|e| {
            let names: Vec<String> = plan.secrets.iter().map(|s| s.name.clone()).collect();
            session.refuse(opened.caller(), Attempt::Mint, &names, e)
        })?;
    }
    // The token alone carries no value: nothing is asked of OpenBao for it, so no token or lease
    // is created that nobody could use.
    if args.format == MintFormat::Token {
        for s in &mut plan.secrets {
            s.source = None;
        }
    }
    let issued = mint::issue(&session, &opened, plan, mint::Extras::default())?;
    let text = zeroize::Zeroizing::new(render(&issued, args.format));
    match &args.file.out {
        Some(path) => {
            super::out_file::write(path, text.as_bytes(), args.file.force)?;
            ctx.out.done(&format!(
                "wrote credential {} to {} (0600)",
                issued.id,
                path.display()
            ));
        }
        None => ctx.out.data(&text),
    }
    note(ctx, &issued, args.format);
    Ok(())
}

/// POSIX single-quoting: safe for any value in `eval "$(agentcred mint --format env)"`.
pub(super) fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// dotenv double-quoting with the escapes dotenv parsers understand.
pub(super) fn dotenv_quote(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('$', "\\$");
    format!("\"{escaped}\"")
}

/// One line per variable of the credential, as `line` writes it.
fn assignments(issued: &Issued, line: impl Fn(&str, &str) -> String) -> String {
    issued.variables().iter().map(|(k, v)| line(k, v)).collect()
}

/// The credential as `format` writes it.
fn render(issued: &Issued, format: MintFormat) -> String {
    let plan = &issued.plan;
    match format {
        MintFormat::Json => {
            let values: serde_json::Map<String, serde_json::Value> = plan
                .secrets
                .iter()
                .map(|s| (s.env.clone(), s.value.expose_secret().into()))
                .collect();
            crate::output::json_text(&serde_json::json!({
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
            }))
        }
        MintFormat::Env => assignments(issued, |k, v| format!("export {k}={}\n", shell_quote(v))),
        MintFormat::Dotenv => assignments(issued, |k, v| format!("{k}={}\n", dotenv_quote(v))),
        MintFormat::Token => format!("{}\n", issued.token.expose_secret()),
    }
}

/// The human line about the credential, for the formats that are not JSON.
fn note(ctx: &Ctx, issued: &Issued, format: MintFormat) {
    let plan = &issued.plan;
    if format != MintFormat::Json {
        let bound = if plan.limited_by == LimitedBy::Request {
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
