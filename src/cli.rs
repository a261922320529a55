//! The command line (SPEC §4), as clap definitions. Also the source of the shell completions in
//! `completions/` and the man pages in `man/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::agent::RateLimit;
use crate::duration;

#[derive(Debug, Parser)]
#[command(
    name = "agentcred",
    version,
    about = "Scoped, short-lived, audited credentials for AI agents, from an age-encrypted local vault",
    long_about = "agentcred keeps the credentials your AI agents use in an age-encrypted local vault and \
hands each agent only what it was granted, only for as long as its task needs, with every step on a \
tamper-evident audit log.\n\n\
Unlock inputs, first found wins: --identity / AGENTCRED_IDENTITY (an age identity file), \
--key-file / AGENTCRED_KEY_FILE / AGENTCRED_KEY (an agent key), AGENTCRED_PASSPHRASE_FILE, \
AGENTCRED_PASSPHRASE, then a prompt when stdin is a terminal.",
    after_help = "Start with `agentcred demo` for a walk-through in a throwaway vault.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]
    #[arg(long, global = true, env = "AGENTCRED_HOME", value_name = "DIR")]
    pub vault: Option<PathBuf>,

    /// Print machine-readable JSON ("schema": 1) instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// When to use colour on the terminal (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only data and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Explain what is happening on stderr (never secret values)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Unlock with this age identity file instead of a passphrase
    #[arg(long, global = true, env = "AGENTCRED_IDENTITY", value_name = "FILE")]
    pub identity: Option<PathBuf>,

    /// Act as an agent, with the agent key in this file
    #[arg(long, global = true, env = "AGENTCRED_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault
    #[command(long_about = "Create a new vault.\n\n\
The passphrase comes from AGENTCRED_PASSPHRASE_FILE, AGENTCRED_PASSPHRASE or a prompt (asked twice). \
Argon2id turns it into the vault's admin age identity; `agentcred identity export` prints that \
identity so stock `age -d` can always recover the data. With --no-passphrase a new identity is \
written to --identity-out instead, for CI.")]
    Init(InitArgs),

    /// Show the vault, what it holds, and anything that needs attention
    Status,

    /// The admin identity
    #[command(subcommand)]
    Identity(IdentityCommand),

    /// Extra age recipients the vault state is encrypted to (team members, CI)
    #[command(subcommand)]
    Recipients(RecipientsCommand),

    /// Register and manage agents
    #[command(subcommand)]
    Agent(AgentCommand),

    /// Store and manage upstream secrets (values never on the command line)
    #[command(subcommand)]
    Secret(SecretCommand),

    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also encrypt the vault to this age recipient (repeatable)
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT")]
    pub recipients: Vec<String>,

    /// Use a generated age identity instead of a passphrase (needs --identity-out)
    #[arg(long, requires = "identity_out")]
    pub no_passphrase: bool,

    /// Where to write the generated identity (created 0600; must not exist)
    #[arg(long, value_name = "FILE", requires = "no_passphrase")]
    pub identity_out: Option<PathBuf>,

    /// Argon2id memory in KiB [default: 65536]
    #[arg(long, value_name = "N")]
    pub kdf_memory_kib: Option<u32>,

    /// Argon2id iterations [default: 3]
    #[arg(long, value_name = "N")]
    pub kdf_iterations: Option<u32>,

    /// Argon2id parallelism [default: 4]
    #[arg(long, value_name = "N")]
    pub kdf_parallelism: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age
    Export,
}

#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// List the recipients
    List,
    /// Add a recipient and re-encrypt the vault to it
    Add {
        /// An age recipient (age1…)
        recipient: String,
    },
    /// Remove a recipient and re-encrypt the vault without it
    Remove {
        /// An age recipient (age1…)
        recipient: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Register one or more agents (one write for all)
    Add(AgentAddArgs),
    /// List agents
    List,
    /// Show one agent
    Show { name: String },
    /// Suspend an agent: it can mint nothing until resumed
    Suspend { name: String },
    /// Resume a suspended agent
    Resume { name: String },
    /// Remove an agent and everything granted to it
    Remove {
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct AgentAddArgs {
    /// Agent names: 1-63 chars of a-z 0-9 . _ -, starting with a letter or digit
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// What the agent is for
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Longest credential this agent may hold, e.g. 1h
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_ttl: Option<chrono::Duration>,
    /// Hard limit on mints and execs, e.g. 60/m
    #[arg(long, value_name = "N/UNIT", value_parser = RateLimit::arg)]
    pub rate_limit: Option<RateLimit>,
    /// Suspend the agent automatically when an anomaly is detected
    #[arg(long)]
    pub suspend_on_anomaly: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)
    Set(SecretSetArgs),
    /// List secrets (metadata only)
    List,
    /// Show a secret's metadata and versions (never the value)
    Show { name: String },
    /// Remove a secret and destroy all its versions
    Remove {
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["stdin", "file", "generate"]))]
pub struct SecretSetArgs {
    /// Secret name: A-Z a-z 0-9 . _ -, starting with a letter or digit
    pub name: String,
    /// Read the value from standard input (one trailing newline is dropped)
    #[arg(long)]
    pub stdin: bool,
    /// Read the value from a file (one trailing newline is dropped)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Generate a random value of [A-Za-z0-9]
    #[arg(long)]
    pub generate: bool,
    /// Length of a generated value
    #[arg(long, value_name = "N", default_value_t = 32, requires = "generate",
          value_parser = clap::value_parser!(u16).range(8..=4096))]
    pub length: u16,
    /// Environment variable the value is injected as [default: the name, upper-cased]
    #[arg(long, value_name = "VAR")]
    pub env: Option<String>,
    /// Flag the secret for rotation after this long [default: 90d]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_age: Option<chrono::Duration>,
    /// Only write if the current version is N (0: only if the secret does not exist yet)
    #[arg(long, value_name = "N")]
    pub cas: Option<u32>,
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
