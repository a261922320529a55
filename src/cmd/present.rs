//! `agentcred present`: the holder of a token proves it holds its agent key, for a verifier that
//! runs `verify --as AGENT` (a token can be copied; the key that signs the proof cannot be used
//! without being held).

use crate::cli::PresentArgs;
use crate::cmd::{Ctx, read_token};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};

pub fn run(ctx: &Ctx, args: PresentArgs) -> Result<()> {
    let text = read_token(args.token.as_deref(), "AGENTCRED_TOKEN")?;
    let vault = ctx.open_vault()?;
    let session = ctx.session(&vault);
    let now = session.now;
    let opened = ctx.open_agent(&session, args.agent.as_deref())?;
    let envelope = &opened.envelope;
    if let Some(k) = opened.key.as_ref().filter(|k| !k.usable_at(now)) {
        return Err(Error::denied(format!(
            "key {} of agent {} is {}",
            k.id,
            envelope.agent,
            k.state_at(now)
        ))
        .hint("ask the vault admin for a new key (`agentcred key issue`)"));
    }
    let signer = KeyPair::from_secret(&envelope.signing_key)?;
    let keys = crate::token::issuer_lookup(&vault.config, now);
    let holder = crate::token::holder_of(text.expose_secret(), &keys)?;
    if holder != envelope.agent {
        return Err(Error::denied(format!(
            "the token belongs to agent {holder}, not {}",
            envelope.agent
        ))
        .hint("only its holder can present it"));
    }
    let presented = crate::token::present(
        text.expose_secret(),
        &keys,
        &signer,
        &envelope.agent,
        args.challenge.as_deref(),
        now,
    )?;
    ctx.out.data(&presented);
    Ok(())
}
