use crate::cli::InitArgs;
use crate::cmd::{Ctx, prompt_new_passphrase};
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use crate::unlock::{self, Input};
use crate::vault::{InitAdmin, InitOptions, Vault};

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let dir = ctx.vault_dir()?;
    if Vault::config_path(&dir).exists() {
        return Err(
            Error::exists(format!("a vault already exists at {}", dir.display()))
                .hint("use it, or choose another directory with --vault"),
        );
    }
    let d = KdfParams::DEFAULT;
    let kdf = KdfParams {
        memory_kib: args.kdf_memory_kib.unwrap_or(d.memory_kib),
        iterations: args.kdf_iterations.unwrap_or(d.iterations),
        parallelism: args.kdf_parallelism.unwrap_or(d.parallelism),
    };
    kdf.validate()?;

    let admin = if args.no_passphrase {
        let out = args
            .identity_out
            .as_deref()
            .expect("clap requires --identity-out");
        let identity = age::x25519::Identity::generate();
        let text = format!(
            "# created: {}\n# public key: {}\n{}\n",
            crate::clock::rfc3339(ctx.now()),
            identity.to_public(),
            secrecy::ExposeSecret::expose_secret(&identity.to_string())
        );
        crate::vault::fsio::create_new_private(out, text.as_bytes())?;
        ctx.out.note(&format!(
            "wrote the admin identity to {} (0600); keep it safe, it unlocks the vault",
            out.display()
        ));
        InitAdmin::Identity(identity)
    } else {
        let pass = match unlock::find(None, None)? {
            Input::Passphrase(p) => p,
            Input::Prompt => prompt_new_passphrase("New vault passphrase")?,
            _ => {
                return Err(Error::cannot_unlock("no passphrase for the new vault").hint(
                    "set AGENTCRED_PASSPHRASE_FILE or AGENTCRED_PASSPHRASE, run on a terminal, or use --no-passphrase --identity-out FILE",
                ));
            }
        };
        if pass.len() < 8 {
            ctx.out.warn("the passphrase is shorter than 8 characters; anyone who copies the vault can guess it");
        }
        if kdf.is_weaker_than_default() {
            ctx.out.warn(&format!(
                "Argon2id parameters ({} KiB, t={}, p={}) are below the default (65536 KiB, t=3, p=4): fine for tests, weak for real secrets",
                kdf.memory_kib, kdf.iterations, kdf.parallelism
            ));
        }
        InitAdmin::Passphrase(pass)
    };

    let spinner = ctx.spinner("Creating the vault (Argon2id)");
    let result = Vault::init(
        &dir,
        InitOptions {
            admin,
            recipients: args.recipients,
            kdf,
        },
        ctx.now(),
    );
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let (vault, _state) = result?;
    if let Some(out) = args
        .no_passphrase
        .then_some(args.identity_out.as_deref())
        .flatten()
    {
        // Now that the vault id exists, the identity file names the vault it unlocks.
        let line = format!(
            "{}{}\n",
            crate::vault::IDENTITY_VAULT_LINE,
            vault.config.vault_id
        );
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .open(out)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
        if appended.is_err() {
            ctx.out.warn(&format!(
                "could not name the vault in {}; `agentcred identity export` writes a copy that does",
                out.display()
            ));
        }
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "vault": vault.dir,
            "vault_id": vault.config.vault_id,
            "unlock": vault.config.unlock,
            "recipients": vault.config.recipients.iter().map(|r| &r.recipient).collect::<Vec<_>>(),
        }));
    } else {
        ctx.out.done(&format!(
            "created vault {} at {}",
            vault.config.vault_id,
            vault.dir.display()
        ));
        ctx.out.note("next: `agentcred agent add NAME`, `agentcred secret set NAME`, then `agentcred identity export` to keep a recovery copy");
    }
    Ok(())
}
