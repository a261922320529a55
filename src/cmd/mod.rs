//! Command adapters: each turns parsed arguments into calls on the core and renders the result.
//! The core never prints and never reads the terminal; everything interactive lives here.

mod agent;
mod audit;
mod broker;
pub mod completions;
mod creds;
mod delegate;
mod demo;
mod exec;
mod grant;
mod helper;
mod identity;
mod init;
mod input;
mod key;
mod known;
mod mcp;
mod mint;
mod out_file;
mod policy;
mod present;
mod recipients;
mod rotate;
mod secret;
mod session;
mod status;
mod unlocking;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use helper::DOCKER_HELPER_NAME;
pub use input::{prompt_new_passphrase, read_token};

use crate::cli::{Cli, Command, Global};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::session::{Opened, Say, Session};
use crate::vault::{self, Vault};

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
        self.known_agents(session.vault, agent)?;
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

    /// Opens the vault, first ending the credentials of any `exec` supervisor that died, then
    /// revoking in OpenBao what ended credentials still hold there.
    pub fn open_vault(&self) -> Result<Vault> {
        let vault = self.open_vault_unreaped()?;
        crate::exec::running::reap(&vault.dir, &vault.config, self.now());
        let say = self.say();
        crate::openbao::handles::sweep(&vault.dir, &vault.config, self.now(), &*say);
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

    /// The vault and its admin state, for a listing of `agent`'s records (checked to exist) or
    /// of everyone's.
    pub fn admin_state(&self, agent: Option<&str>) -> Result<(Vault, crate::vault::State)> {
        let vault = self.open_vault()?;
        self.known_agents(&vault, agent)?;
        let admin = self.admin_key(&vault)?;
        let state = vault.load_state(&admin)?;
        if let Some(a) = agent {
            state.agent(a)?;
        }
        Ok((vault, state))
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
    // Commands that can revoke credentials revoke what those hold in OpenBao before they return,
    // rather than leave it to the next command.
    let revokes = matches!(
        command,
        Command::Creds(_)
            | Command::Key(_)
            | Command::Grant(_)
            | Command::Agent(_)
            | Command::Secret(_)
            | Command::Rotate(_)
            | Command::Apply(_)
    );
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
        Command::Broker(args) => broker::run(&ctx, args),
        Command::Mcp(args) => mcp::run(&ctx, args),
        Command::Rotate(args) => done(rotate::run(&ctx, args)),
        Command::Delegate(args) => done(delegate::run(&ctx, args)),
        Command::Audit(args) => done(audit::run(&ctx, args)),
        Command::ExportPolicy { file } => done(policy::export(&ctx, file)),
        Command::Plan(args) => policy::plan(&ctx, args),
        Command::Apply(args) => policy::apply(&ctx, args),
        Command::Policy(c) => done(policy::run(&ctx, c)),
        Command::GitCredential(args) => done(helper::git(&ctx, args)),
        Command::AwsCredentialProcess(args) => done(helper::aws(&ctx, args)),
        Command::DockerCredential(args) => helper::docker(&ctx, args),
        Command::KubeCredential(args) => done(helper::kube(&ctx, args)),
        Command::Demo => done(demo::run(&ctx)),
        Command::Completions { shell } => done(completions::run(&ctx, shell)),
        Command::Complete { what } => done(completions::complete(&ctx, what)),
    };
    if revokes
        && let Ok(dir) = ctx.vault_dir()
        && crate::openbao::handles::any(&dir)
        && let Ok(vault) = Vault::open(&dir)
    {
        let say = ctx.say();
        crate::openbao::handles::sweep(&vault.dir, &vault.config, ctx.now(), &*say);
    }
    if let Err(e) = &result {
        ctx.out.error(e);
    }
    result
}
