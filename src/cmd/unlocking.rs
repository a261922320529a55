//! Unlocking for a command: which input is used (the first found, the unlock session among
//! them), the agent key or the admin identity it gives, and the warnings about inputs others can
//! read or two inputs set at once.

use crate::cmd::{Ctx, Principal, input};
use crate::error::{Error, Result};
use crate::sensitive::SecretText;
use crate::unlock::{self, Input};
use crate::vault::{AdminKey, Vault};

impl Ctx {
    /// Who is acting: the admin, or an agent through its key (first unlock input found wins).
    pub fn principal(&self, vault: &Vault) -> Result<Principal> {
        match self.unlock_input()? {
            Input::AgentKeyFile(path) => {
                self.out
                    .verbose(&format!("acting with the agent key in {}", path.display()));
                let text = unlock::read_secret_file(&path, "key file").map_err(|e| match e {
                    e if e.kind() == crate::error::Kind::BadData => {
                        Error::cannot_unlock(e.message())
                    }
                    other => other,
                })?;
                Ok(Principal::Agent(crate::key::AgentKey::parse(&text)?))
            }
            Input::AgentKey(text) => {
                self.out
                    .verbose("acting with the agent key from AGENTCRED_KEY");
                Ok(Principal::Agent(crate::key::AgentKey::parse(&text)?))
            }
            _ => self.admin_key(vault).map(Principal::Admin),
        }
    }

    /// Unlocks the admin state with the first unlock input found; the unlock session of this
    /// vault, when one runs, comes after every explicit input and before a prompt.
    pub fn admin_key(&self, vault: &Vault) -> Result<AdminKey> {
        self.admin_key_with(vault, true)
    }

    /// [`Ctx::admin_key`] without the unlock session: for `unlock` itself.
    pub fn admin_key_without_session(&self, vault: &Vault) -> Result<AdminKey> {
        self.admin_key_with(vault, false)
    }

    /// The admin identity the unlock session of this vault holds, if one runs.
    fn session_key(&self, vault: &Vault) -> Option<AdminKey> {
        let (text, info) = crate::unlocked::identity(&vault.config.vault_id)?;
        let identity: age::x25519::Identity = text.expose_secret().parse().ok()?;
        self.out.verbose(&format!(
            "unlocking through the unlock session (pid {}, until {})",
            info.pid,
            crate::clock::rfc3339(info.expires_at)
        ));
        Some(AdminKey::from_x25519(identity))
    }

    fn admin_key_with(&self, vault: &Vault, session: bool) -> Result<AdminKey> {
        let input = self.unlock_input()?;
        if session
            && matches!(input, Input::Prompt | Input::Nothing)
            && let Some(key) = self.session_key(vault)
        {
            return Ok(key);
        }
        match input {
            Input::IdentityFile(path) => {
                self.out.verbose(&format!("unlocking with identity file {}", path.display()));
                if let Some(key) = self.agent_key_source() {
                    self.out.note(&format!(
                        "unlocking as the admin with the identity file {} ({}); the agent key in {key} is also set and not used: unset {} to act as the agent",
                        path.display(),
                        self.identity_source(),
                        self.identity_source()
                    ));
                }
                let key = AdminKey::from_identity_file(&path)?;
                key.check_vault(&vault.config, &path)?;
                Ok(key)
            }
            Input::AgentKeyFile(_) | Input::AgentKey(_) => {
                let key = self.agent_key_source().unwrap_or("an agent key");
                let refused = Error::denied(format!(
                    "this command needs the vault admin; it was given the agent key in {key}, which can only mint, exec, delegate and verify"
                ));
                Err(match admin_input_set() {
                    // Both are set and the agent key comes first (docs/DESIGN.md, "Unlocking").
                    Some(admin) => refused.hint(format!(
                        "an agent key comes before {admin}: unset {key} for this command (`env -u {key} agentcred …`) to use {admin}"
                    )),
                    None => refused.hint("run it with the passphrase (AGENTCRED_PASSPHRASE_FILE) or the admin identity (--identity)"),
                })
            }
            Input::Passphrase(pass) => {
                self.out.verbose("unlocking with the passphrase from the environment");
                self.derive(vault, &pass)
            }
            Input::Prompt if vault.config.kdf.is_none() => Err(Error::cannot_unlock(format!(
                "the vault at {} has no passphrase",
                vault.dir.display()
            ))
            .hint("unlock it with its identity file: --identity FILE or AGENTCRED_IDENTITY")),
            Input::Prompt => {
                input::with_passphrase("Vault passphrase", |pass| self.derive(vault, pass))
            }
            Input::Nothing => Err(Error::cannot_unlock(format!("no way to unlock the vault at {}", vault.dir.display()))
                .hint("set AGENTCRED_PASSPHRASE_FILE, AGENTCRED_PASSPHRASE or AGENTCRED_IDENTITY, pass --identity FILE, or run `agentcred unlock` first")),
        }
    }

    /// The first unlock input found (see [`unlock::find`]), with a warning when the key or
    /// passphrase file it names can be read by group or others.
    pub fn unlock_input(&self) -> Result<Input> {
        let input = unlock::find(
            self.global.identity.as_deref(),
            self.global.key_file.as_deref(),
        )?;
        match &input {
            Input::AgentKeyFile(path) => self.warn_if_readable(path, "key file"),
            Input::Passphrase(_) => {
                if let Some(path) =
                    std::env::var_os("AGENTCRED_PASSPHRASE_FILE").filter(|v| !v.is_empty())
                {
                    self.warn_if_readable(std::path::Path::new(&path), "passphrase file");
                }
            }
            _ => {}
        }
        Ok(input)
    }

    fn warn_if_readable(&self, path: &std::path::Path, what: &str) {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o044 != 0 {
            self.out.warn(&format!(
                "the {what} {} can be read by group or others (mode {mode:04o}): run `chmod 600 {}`",
                path.display(),
                crate::usage::shell_word(&path.to_string_lossy())
            ));
        }
    }

    /// Where the agent key comes from, when one is set: the flag or a variable.
    fn agent_key_source(&self) -> Option<&'static str> {
        let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
        match &self.global.key_file {
            Some(path)
                if std::env::var_os("AGENTCRED_KEY_FILE").as_deref() == Some(path.as_os_str()) =>
            {
                Some("AGENTCRED_KEY_FILE")
            }
            Some(_) => Some("--key-file"),
            None if set("AGENTCRED_KEY") => Some("AGENTCRED_KEY"),
            None => None,
        }
    }

    /// Where the identity file comes from: the flag or its variable.
    fn identity_source(&self) -> &'static str {
        match (
            &self.global.identity,
            std::env::var_os("AGENTCRED_IDENTITY"),
        ) {
            (Some(path), Some(var)) if path.as_os_str() == var => "AGENTCRED_IDENTITY",
            _ => "--identity",
        }
    }

    fn derive(&self, vault: &Vault, pass: &SecretText) -> Result<AdminKey> {
        let spinner = self.spinner("Deriving the vault key (Argon2id)");
        let key = vault.passphrase_key(pass);
        if let Some(s) = spinner {
            s.finish_and_clear();
        }
        key
    }
}

/// The admin unlock input set in the environment besides an agent key, if any.
fn admin_input_set() -> Option<&'static str> {
    ["AGENTCRED_PASSPHRASE_FILE", "AGENTCRED_PASSPHRASE"]
        .into_iter()
        .find(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}
