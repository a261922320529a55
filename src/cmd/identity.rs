use secrecy::ExposeSecret;

use crate::audit::{Action, Event};
use crate::cli::IdentityCommand;
use crate::cmd::Ctx;
use crate::error::{Error, Result};

pub fn run(ctx: &Ctx, command: IdentityCommand) -> Result<()> {
    match command {
        IdentityCommand::Export { file } => export(ctx, file.out.as_deref(), file.force),
        IdentityCommand::RotateIssuer { overlap } => rotate_issuer(ctx, overlap),
    }
}

/// A new issuer key signs from now on; the old one verifies until the end of `overlap`.
fn rotate_issuer(ctx: &Ctx, overlap: chrono::Duration) -> Result<()> {
    if overlap < chrono::Duration::zero() {
        return Err(Error::usage("--overlap cannot be negative"));
    }
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let (new_id, retiring) = vault.update(&admin, ctx.now(), |c| {
        let now = c.now;
        let end = now + overlap;
        // Biscuit tokens name their root key by a 32-bit number: keep it unique in this vault.
        let key = loop {
            let k = crate::crypto::KeyPair::generate();
            let n = crate::token::root_key_number(&k.public().key_id());
            if !c
                .state
                .issuer_keys
                .iter()
                .any(|x| crate::token::root_key_number(&x.id) == n)
            {
                break k;
            }
        };
        let id = key.public().key_id();
        // The newest key vouches for its successor: that signature is the new key's link in the
        // chain that starts at the vault id.
        let predecessor = c.state.signing_issuer()?;
        let mut retiring = Vec::new();
        for k in c
            .state
            .issuer_keys
            .iter_mut()
            .filter(|k| k.retire_at.is_none_or(|r| r > end))
        {
            k.retire_at = Some(end);
            retiring.push(k.id.clone());
        }
        let mut new_key = crate::vault::state::IssuerKey {
            id: id.clone(),
            secret: key.secret(),
            public_key: key.public().to_string(),
            created_at: now,
            retire_at: None,
            predecessors_retire_at: Some(end),
            signature: None,
        };
        let mut public = new_key.public();
        public.sign_with(&c.state.vault_id, &predecessor);
        new_key.signature = public.signature;
        // vault.toml's list is rewritten from the state when the change is committed.
        c.state.issuer_keys.push(new_key);
        // Every agent gets an authority signed by the new key.
        c.touch_all();
        let event = Event::admin(Action::IdentityRotateIssuer).details(serde_json::json!({
            "key_id": id,
            "retiring": retiring,
            "retire_at": crate::clock::rfc3339(end),
        }));
        Ok(((id, (retiring, end)), vec![event]))
    })?;
    let (retiring, end) = retiring;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "issuer_key": new_id,
            "retiring": retiring,
            "retire_at": crate::clock::rfc3339(end),
        }));
    } else {
        ctx.out.done(&format!(
            "issuer key {new_id} signs from now on; tokens of {} verify until {}",
            if retiring.is_empty() {
                "-".to_string()
            } else {
                retiring.join(", ")
            },
            crate::clock::rfc3339(end)
        ));
    }
    Ok(())
}

/// Prints the admin identity so that stock `age -d -i` can always open `vault.age` (no lock-in).
/// The export is audited before the identity is printed.
fn export(ctx: &Ctx, out: Option<&std::path::Path>, force: bool) -> Result<()> {
    if let Some(path) = out {
        super::out_file::check(path, force)?;
    }
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    // Proves the key opens this vault's state before anything is printed.
    vault.load_state(&admin)?;
    let identity = admin.exportable().ok_or_else(|| {
        Error::usage("the identity that unlocked the vault is not a plain age X25519 identity")
            .hint("unlock with the passphrase to export the vault's admin identity")
    })?;
    vault.record(ctx.now(), &[Event::admin(Action::IdentityExport)])?;
    let text = format!(
        "{}{}\n# public key: {}\n{}\n",
        crate::vault::IDENTITY_VAULT_LINE,
        vault.config.vault_id,
        identity.to_public(),
        identity.to_string().expose_secret()
    );
    let text = zeroize::Zeroizing::new(text);
    if let Some(path) = out {
        super::out_file::write(path, text.as_bytes(), force)?;
        if ctx.out.json {
            ctx.out.json(&serde_json::json!({
                "out": path,
                "recipient": identity.to_public().to_string(),
            }));
        } else {
            ctx.out.done(&format!(
                "wrote the admin identity to {} (0600); keep it safe, it unlocks the vault",
                path.display()
            ));
        }
    } else if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "identity": identity.to_string().expose_secret(),
            "recipient": identity.to_public().to_string(),
        }));
    } else {
        ctx.out.data(&text);
    }
    Ok(())
}
