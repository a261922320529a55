use crate::audit::{Event, Outcome};
use crate::cli::VerifyArgs;
use crate::cmd::{Ctx, read_token};
use crate::credential::revocation::RevocationList;
use crate::error::Result;
use crate::token::{self, Request};

/// Verifies a token offline against the issuer keys in `vault.toml` and the revocation list: no
/// unlock needed, so a service can run it with read access to the vault directory.
pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<()> {
    let text = read_token(args.token.as_deref(), "AGENTCRED_TOKEN")?;
    let vault = ctx.open_vault_unreaped()?;
    let now = ctx.now();
    let revoked = RevocationList::load(&vault.dir, ctx.now())?;
    // A credential whose `exec` supervisor died is as good as revoked, recorded or not yet.
    let orphaned = crate::exec::running::dead_ids(&vault.dir);
    let keys = token::issuer_lookup(&vault.config, now);
    let request = Request {
        action: args.action.clone(),
        resource: args.resource.clone(),
        holder: args.holder.clone(),
    };
    let verdict = token::verify(
        text.expose_secret(),
        &keys,
        &|id, info| orphaned.contains(id) || revoked.is_revoked(id, &vault.config, info),
        now,
        &request,
    );
    let mut event = Event::new(
        args.holder
            .as_deref()
            .map_or_else(|| "verifier".to_string(), |h| format!("agent:{h}")),
        "verify",
    );
    event.scope = Some(serde_json::json!({ "action": args.action, "resource": args.resource }));
    match &verdict {
        Ok(info) => {
            event.agent = Some(info.agent.clone());
            event.credential_id = info.credential_id.clone();
            if !info.hops.is_empty() {
                event = event.details(serde_json::json!({
                    "holder": info.holder,
                    "delegations": info.hops.iter().map(|h| &h.id).collect::<Vec<_>>(),
                }));
            }
        }
        Err(e) => {
            let outcome = if e.exit_code() == crate::error::exit::DENIED {
                Outcome::Denied
            } else {
                Outcome::Error
            };
            event = event.outcome(outcome, e.to_string());
        }
    }
    vault.record(now, &[event])?;
    let info = verdict?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "allowed": true, "token": info }));
    } else {
        ctx.out.done(&format!(
            "valid: {}{}",
            token::describe(&info),
            info.expires_at.map_or_else(String::new, |e| format!(
                ", expires {}",
                crate::clock::rfc3339(e)
            ))
        ));
    }
    Ok(())
}
