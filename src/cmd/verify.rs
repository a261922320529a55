use crate::audit::{Action, Event, Outcome};
use crate::cli::VerifyArgs;
use crate::cmd::{Ctx, read_token};
use crate::error::Result;
use crate::session::TokenCheck;
use crate::token::{self, Request};

/// Verifies a token offline against the issuer keys in `vault.toml` and the revocation list: no
/// unlock needed, so a service can run it with read access to the vault directory.
///
/// Reading `vault.toml` checks that its issuer keys chain back to its vault id; a service that
/// pins the id (`--vault-id`, `AGENTCRED_VAULT_ID`) also refuses a replaced `vault.toml` with a
/// whole new chain of its own, which otherwise only the next admin command would notice.
///
/// The verdict is recorded on the audit log with the revocation list's head (which it has just
/// checked), when the vault is writable.
pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<()> {
    let text = read_token(args.token.as_deref(), "AGENTCRED_TOKEN")?;
    // A commit renames the index into place before vault.toml: read while an issuer rotation
    // commits, a new index can meet the old vault.toml once, so one refusal reads both again.
    let (vault, index) = match open_checked(ctx, &args) {
        Ok(opened) => opened,
        Err(_) => open_checked(ctx, &args)?,
    };
    let now = ctx.now();
    // A credential whose `exec` supervisor died is as good as revoked, recorded or not yet.
    let tokens =
        TokenCheck::load(&vault, now)?.refusing(crate::exec::running::dead_ids(&vault.dir));
    // Whoever runs `verify --as B` is not B: B must have signed a fresh proof (`present`).
    let request = Request {
        action: args.action.clone(),
        resource: args.resource.clone(),
        holder: args.holder.clone(),
        proof: args.holder.as_ref().map(|_| token::ProofWanted {
            window_secs: token::PROOF_WINDOW_SECS,
            challenge: args.challenge.clone(),
        }),
    };
    let verdict = tokens
        .verify(text.expose_secret(), &request)
        .and_then(|info| still_agents(&index, info));
    let mut event = Event::new(
        args.holder
            .as_deref()
            .map_or_else(|| "verifier".to_string(), |h| format!("agent:{h}")),
        Action::Verify,
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
            let outcome = if e.is_denied() {
                Outcome::Denied
            } else {
                Outcome::Error
            };
            event = event.outcome(outcome, e.to_string());
        }
    }
    event.details_mut()["revocations"] =
        serde_json::to_value(&tokens.revocations().head).expect("heads serialise");
    // Recording is best effort: a service may verify against a read-only copy or mount of the
    // vault. The verdict stands either way; the warning says it is not on the log.
    if let Err(e) = vault.record(now, &[event]) {
        if !e.is_io() {
            return Err(e);
        }
        eprintln!("agentcred: warning: this verification was not recorded on the audit log: {e}");
    }
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

/// Opens the vault and checks what this verifier trusts before any token is looked at: the pins,
/// and that `vault.toml`'s chain is current.
///
/// The chain may be valid on its own and still be an older copy, or have its newer keys cut off:
/// then a retired key has no successor to end its overlap, and tokens it signed would verify
/// again. The signed index is rewritten by the newest issuer key with every change, so a chain
/// that does not list its signer, or an index older than the generation `vault.toml` records, is
/// refused here as it is by every agent command. (Whoever holds the retired key can sign an
/// index too: only a pinned issuer key stops that.)
fn open_checked(
    ctx: &Ctx,
    args: &VerifyArgs,
) -> Result<(crate::vault::Vault, crate::envelope::Index)> {
    // Not reaped: verify writes nothing for a dead supervisor, it refuses its credential.
    let vault = ctx.open_vault_unreaped()?;
    if let Some(expected) = args.vault_id.as_deref() {
        vault.check_vault_id(expected)?;
    }
    if let Some(pinned) = args.issuer_key.as_deref() {
        vault.check_issuer_key(pinned)?;
    }
    let index = crate::envelope::Index::read(&vault.dir, &vault.config)?;
    Ok((vault, index))
}

/// Every agent a delegation passed to is still an agent of the vault: removing an agent ends
/// what was delegated to it, although whoever kept its signing key could still sign as it.
fn still_agents(
    index: &crate::envelope::Index,
    info: token::TokenInfo,
) -> Result<token::TokenInfo> {
    if let Some(gone) = info
        .hops
        .iter()
        .map(|h| h.to.as_str())
        .find(|to| index.generation_of(to).is_none())
    {
        return Err(crate::error::Error::denied(format!(
            "the token was delegated to agent {gone}, which is no longer an agent of this vault"
        ))
        .hint("ask the delegator for a delegation to a current agent"));
    }
    Ok(info)
}
