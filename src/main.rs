use std::process::ExitCode;

// A commit that rewrites thousands of agents makes millions of small allocations (tokens,
// envelopes, audit entries), which glibc's allocator serves several times slower. Built without
// transparent huge pages (the `no_thp` feature): zeroing 2 MiB on each first touch made every
// short command, such as `mint`, a millisecond or more slower.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // docker finds its credential helpers as `docker-credential-NAME` on PATH and runs them with
    // the action alone: a link by that name is `agentcred docker-credential`.
    if args.first().is_some_and(|a| {
        std::path::Path::new(a)
            .file_name()
            .is_some_and(|n| n == agentcred::cmd::DOCKER_HELPER_NAME)
    }) {
        args.splice(0..1, ["agentcred".into(), "docker-credential".into()]);
    }
    let cli = match agentcred::cli::parse_from(args.clone()) {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(agentcred::usage::report(&e, &args)),
    };
    match agentcred::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(e) => ExitCode::from(e.exit_code()),
    }
}
