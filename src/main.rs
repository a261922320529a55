use std::process::ExitCode;

fn main() -> ExitCode {
    agentcred::harden::process();
    // The unlock session's own process, which `agentcred unlock` starts: not a command of the
    // command line (nor of its help and completions).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == agentcred::unlocked::SERVE)
    {
        return match agentcred::unlocked::serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => ExitCode::from(e.exit_code()),
        };
    }
    let cli = match agentcred::cli::parse_from(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    match agentcred::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(e) => ExitCode::from(e.exit_code()),
    }
}

/// Clap's errors, except that a stray positional word is not echoed back: it may be a secret
/// typed where a flag was meant (`secret set NAME sk-…`), and secrets never reach stderr.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let stray = e.kind() == ErrorKind::UnknownArgument
        && matches!(e.get(ContextKind::InvalidArg), Some(ContextValue::String(a)) if !a.starts_with('-'));
    if stray {
        eprintln!("error: unexpected extra argument (not shown, in case it is a secret)");
        eprintln!(
            "  hint: values never go on the command line: use --stdin, --file F or a prompt; see --help"
        );
        return ExitCode::from(2);
    }
    let _ = e.print();
    ExitCode::from(if e.use_stderr() { 2 } else { 0 })
}
