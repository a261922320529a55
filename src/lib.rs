//! agentcred: scoped, short-lived, audited credentials for AI agents, from an age-encrypted local
//! vault. The binary (`main.rs`) only parses arguments, hardens the process and maps errors to exit
//! codes; everything else is here. docs/DESIGN.md is the contract the code follows, and
//! docs/ARCHITECTURE.md maps these modules; module docs cite the sections they implement.

// Unsafe code is refused everywhere but in the exec sandbox, which makes raw process and namespace
// calls (each with its reasoning beside it).
#![deny(unsafe_code)]

pub mod admin;
pub mod agent;
pub mod audit;
pub mod broker;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod credential;
pub mod crypto;
pub mod destination;
pub mod duration;
pub mod envelope;
pub mod error;
pub mod exec;
pub mod grant;
pub mod harden;
pub mod key;
pub mod mcp;
pub mod openbao;
pub mod output;
pub mod parallel;
pub mod policy;
pub mod roster;
pub mod rotation;
pub mod sealed;
pub mod secret;
pub mod sensitive;
pub mod session;
pub mod settings;
pub mod terminal;
pub mod token;
pub mod unlock;
pub mod unlocked;
pub mod usage;
pub mod vault;
pub mod watch;

pub use error::{Error, Result};

/// Runs one parsed command line and returns its exit status; errors are printed here, the
/// caller maps them to exit codes.
pub fn run(cli: cli::Cli) -> Result<u8> {
    cmd::run(cli)
}
