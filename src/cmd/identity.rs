use secrecy::ExposeSecret;

use crate::audit::Event;
use crate::cli::IdentityCommand;
use crate::cmd::Ctx;
use crate::error::{Error, Result};

pub fn run(ctx: &Ctx, command: IdentityCommand) -> Result<()> {
    match command {
        IdentityCommand::Export => export(ctx),
    }
}

/// Prints the admin identity so that stock `age -d -i` can always open `vault.age` (no lock-in).
/// The export is audited before the identity is printed.
fn export(ctx: &Ctx) -> Result<()> {
    let vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    // Proves the key opens this vault's state before anything is printed.
    vault.load_state(&admin)?;
    let identity = admin.exportable().ok_or_else(|| {
        Error::usage("the identity that unlocked the vault is not a plain age X25519 identity")
            .hint("unlock with the passphrase to export the vault's admin identity")
    })?;
    vault.record(ctx.now(), &[Event::admin("identity.export")])?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "identity": identity.to_string().expose_secret(),
            "recipient": identity.to_public().to_string(),
        }));
    } else {
        ctx.out.data(&format!(
            "# agentcred admin identity for vault {}\n# public key: {}\n{}\n",
            vault.config.vault_id,
            identity.to_public(),
            identity.to_string().expose_secret()
        ));
    }
    Ok(())
}
