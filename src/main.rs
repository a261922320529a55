use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    agentcred::harden::process();
    let cli = agentcred::cli::Cli::parse();
    match agentcred::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(e.exit_code()),
    }
}
