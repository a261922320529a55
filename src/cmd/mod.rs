//! Command adapters: each turns parsed arguments into calls on the core and renders the result.
//! The core never prints and never reads the terminal; everything interactive lives here.

mod agent;
mod audit;
pub mod completions;
mod creds;
mod delegate;
mod demo;
mod exec;
mod grant;
mod identity;
mod init;
mod input;
mod key;
mod mint;
mod out_file;
mod present;
mod recipients;
mod rotate;
mod secret;
mod session;
mod status;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use input::{prompt_new_passphrase, read_token};

use crate::cli::{Cli, Command, Global};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::sensitive::SecretText;
use crate::session::{Opened, Say, Session};
use crate::unlock::{self, Input};
use crate::vault::{self, AdminKey, Vault};

/// What every command has: the global flags, the output, the clock.
pub struct Ctx {
    pub global: Global,
    pub out: Output,
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A call against `vault`, decided at the clock's time now.
    pub fn session<'v>(&self, vault: &'v Vault) -> Session<'v> {
        Session::new(vault, Arc::clone(&self.clock), self.say())
    }

    /// Where the core's best-effort lines go: stderr, as `agentcred: …`.
    pub fn say(&self) -> Say {
        Arc::new(|m: &str| eprintln!("agentcred: {m}"))
    }

    /// Opens the envelope of `agent` (or of the agent key's own) with the first unlock input.
    pub fn open_agent(&self, session: &Session<'_>, agent: Option<&str>) -> Result<Opened> {
        self.open_agent_as(session, self.principal(session.vault)?, agent)
    }

    /// [`Ctx::open_agent`] for a principal already unlocked.
    pub fn open_agent_as(
        &self,
        session: &Session<'_>,
        principal: Principal,
        agent: Option<&str>,
    ) -> Result<Opened> {
        let opened = session.open_envelope(principal, agent)?;
        if let Some(k) = &opened.key {
            self.out.verbose(&format!(
                "opened the envelope of agent {} with key {}",
                opened.agent(),
                k.id
            ));
        }
        Ok(opened)
    }

    pub fn vault_dir(&self) -> Result<PathBuf> {
        vault::locate(self.global.vault.as_deref())
    }

    /// Opens the vault, first ending the credentials of any `exec` supervisor that died.
    pub fn open_vault(&self) -> Result<Vault> {
        let vault = self.open_vault_unreaped()?;
        crate::exec::running::reap(&vault.dir, &vault.config, self.now());
        Ok(vault)
    }

    /// Opens the vault and writes nothing (`verify` refuses a dead supervisor's credential itself).
    pub fn open_vault_unreaped(&self) -> Result<Vault> {
        let dir = self.vault_dir()?;
        self.out.verbose(&format!("vault: {}", dir.display()));
        let mut vault = Vault::open(&dir)?;
        // A pinned vault id (and issuer key) holds for every command, not only `verify`: the
        // admin, a team member's identity file and an agent key all open only the vault they
        // expect.
        if let Some(pinned) = std::env::var("AGENTCRED_VAULT_ID")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            vault.check_vault_id(&pinned)?;
        }
        if let Some(pinned) = std::env::var("AGENTCRED_ISSUER_KEY")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            vault.check_issuer_key(&pinned)?;
        }
        vault.progress = self.out.stderr_is_terminal() && !self.out.quiet && !self.out.json;
        vault.warn = Some(self.say());
        Ok(vault)
    }

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

    /// The vault and its admin state, for a listing of `agent`'s records (checked to exist) or
    /// of everyone's.
    pub fn admin_state(&self, agent: Option<&str>) -> Result<(Vault, crate::vault::State)> {
        let vault = self.open_vault()?;
        let admin = self.admin_key(&vault)?;
        let state = vault.load_state(&admin)?;
        if let Some(a) = agent {
            state.agent(a)?;
        }
        Ok((vault, state))
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

    /// A progress spinner on a terminal only.
    pub fn spinner(&self, message: &str) -> Option<indicatif::ProgressBar> {
        if !self.out.stderr_is_terminal() || self.out.quiet || self.out.json {
            return None;
        }
        let bar = indicatif::ProgressBar::new_spinner().with_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(80));
        Some(bar)
    }

    /// Asks before something destructive: on the controlling terminal, elsewhere only with
    /// `--yes`. Only a typed `y` (or `yes`) and Enter agree; keys typed before the question
    /// appeared are discarded, so a passphrase typed ahead never answers it.
    pub fn confirm(&self, question: &str, yes: bool) -> Result<()> {
        if yes {
            return Ok(());
        }
        let Some(mut tty) = crate::terminal::Tty::open() else {
            return Err(
                Error::usage(format!("refusing to {question} without confirmation"))
                    .hint("pass --yes to confirm"),
            );
        };
        let answer = tty
            .read_answer(&format!("Really {question}? [y/N] "))
            .map_err(|e| Error::other(format!("cannot read the answer: {e}")).with_source(e))?;
        match answer.as_deref().map(|a| a.trim().to_ascii_lowercase()) {
            Some(a) if a == "y" || a == "yes" => Ok(()),
            _ => Err(Error::usage("cancelled").hint("type y and Enter to confirm, or pass --yes")),
        }
    }
}

/// The admin unlock input set in the environment besides an agent key, if any.
fn admin_input_set() -> Option<&'static str> {
    ["AGENTCRED_PASSPHRASE_FILE", "AGENTCRED_PASSPHRASE"]
        .into_iter()
        .find(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

pub use crate::session::Principal;

/// Runs one command; its error, if any, is printed here. Returns the exit status of a command
/// that ran to its end (`exec`: the program's).
pub fn run(cli: Cli) -> Result<u8> {
    let Cli { global, command } = cli;
    let out = Output::new(global.json, global.quiet, global.verbose, global.color);
    let ctx = Ctx {
        global,
        out,
        clock: Arc::new(SystemClock),
    };
    let done = |r: Result<()>| r.map(|()| crate::error::exit::OK);
    let result = match command {
        Command::Init(args) => done(init::run(&ctx, args)),
        Command::Status => done(status::run(&ctx)),
        Command::Unlock(args) => done(session::run(&ctx, args)),
        Command::Lock => done(session::lock(&ctx)),
        Command::Identity(c) => done(identity::run(&ctx, c)),
        Command::Recipients(c) => done(recipients::run(&ctx, c)),
        Command::Agent(c) => done(agent::run(&ctx, c)),
        Command::Secret(c) => done(secret::run(&ctx, c)),
        Command::Grant(args) => done(grant::run(&ctx, args)),
        Command::Key(c) => done(key::run(&ctx, c)),
        Command::Mint(args) => done(mint::run(&ctx, args)),
        Command::Verify(args) => done(verify::run(&ctx, args)),
        Command::Present(args) => done(present::run(&ctx, args)),
        Command::Creds(c) => done(creds::run(&ctx, c)),
        Command::Exec(args) => exec::run(&ctx, args),
        Command::Rotate(args) => done(rotate::run(&ctx, args)),
        Command::Delegate(args) => done(delegate::run(&ctx, args)),
        Command::Audit(args) => done(audit::run(&ctx, args)),
        Command::Demo => done(demo::run(&ctx)),
        Command::Completions { shell } => done(completions::run(&ctx, shell)),
        Command::Complete { what } => done(completions::complete(&ctx, what)),
    };
    if let Err(e) = &result {
        ctx.out.error(e);
    }
    result
}
