//! Every command's `--help` is enough to use it: each leaf command shows examples and describes
//! each positional argument, the global options sit under their own heading, and the scope flags
//! have one spelling across `grant`, `mint`, `exec` and `delegate`.

mod util;

use clap::Command;

/// Every leaf command (one without subcommands) with its full name, e.g. "agentcred agent add".
fn leaves() -> Vec<(String, Command)> {
    fn walk(cmd: &Command, name: &str, out: &mut Vec<(String, Command)>) {
        let subs: Vec<&Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push((name.to_string(), cmd.clone()));
        }
        for sub in subs {
            walk(sub, &format!("{name} {}", sub.get_name()), out);
        }
    }
    let mut cmd = agentcred::cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, "agentcred", &mut out);
    out
}

#[test]
fn every_leaf_command_has_examples_and_described_positionals() {
    let leaves = leaves();
    assert!(
        leaves.len() > 30,
        "found only {} leaf commands",
        leaves.len()
    );
    let mut problems = Vec::new();
    for (name, mut cmd) in leaves {
        let help = cmd.render_long_help().to_string();
        match help.split_once("Examples:\n") {
            Some((_, examples))
                if examples.trim_start().starts_with("agentcred")
                    || examples.contains("agentcred ") => {}
            _ => problems.push(format!("{name}: no Examples section")),
        }
        for arg in cmd.get_positionals() {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                problems.push(format!(
                    "{name}: positional {} has no description",
                    arg.get_id()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn global_options_have_their_own_heading() {
    let out = util::bin_help(&["agent", "add", "--help"]);
    let (own, global) = out
        .split_once("Global options:")
        .unwrap_or_else(|| panic!("no Global options heading:\n{out}"));
    for flag in [
        "--vault",
        "--json",
        "--color",
        "--quiet",
        "--verbose",
        "--identity",
        "--key-file",
    ] {
        assert!(
            global.contains(flag),
            "{flag} is not under Global options:\n{out}"
        );
        assert!(
            !own.contains(flag),
            "{flag} is listed as the command's own:\n{out}"
        );
    }
    assert!(own.contains("--description"), "{out}");
}

#[test]
fn help_of_the_fast_path_commands_has_examples() {
    for cmd in ["mint", "exec", "verify"] {
        let out = util::bin_help(&[cmd, "--help"]);
        assert!(out.contains("Examples:"), "agentcred {cmd} --help:\n{out}");
    }
}

/// One spelling for the scope flags (`--actions`, `--resources`), the other accepted.
#[test]
fn scope_flags_have_one_spelling_and_accept_the_other() {
    for cmd in [&["grant"][..], &["mint"], &["exec"], &["delegate"]] {
        let out = util::bin_help(&[cmd, &["--help"]].concat());
        assert!(out.contains("--actions <ACTIONS>"), "{cmd:?}:\n{out}");
        assert!(out.contains("--resources <RESOURCES>"), "{cmd:?}:\n{out}");
        assert!(!out.contains("--action "), "{cmd:?}:\n{out}");
    }
    let parse = |args: &[&str]| {
        agentcred::cli::parse_from(["agentcred"].iter().chain(args).map(Into::into).collect())
    };
    for args in [
        &[
            "grant",
            "coder",
            "db",
            "--action",
            "read",
            "--resource",
            "orders",
        ][..],
        &[
            "mint",
            "--agent",
            "coder",
            "--action",
            "read",
            "--resource",
            "orders",
        ],
        &[
            "delegate",
            "--to",
            "b",
            "--actions",
            "read,write",
            "--resource",
            "x",
        ],
        &["exec", "--agent", "coder", "--action", "read", "--", "true"],
    ] {
        parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    }
}

#[test]
fn mint_secret_version_does_not_collide_with_version() {
    for args in [
        &["mint", "--agent", "coder", "--secret-version", "previous"][..],
        &["mint", "--agent", "coder", "--version", "previous"],
    ] {
        let cli =
            agentcred::cli::parse_from(["agentcred"].iter().chain(args).map(Into::into).collect())
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        match cli.command {
            agentcred::cli::Command::Mint(m) => {
                assert_eq!(m.version, agentcred::cli::VersionChoice::Previous);
            }
            other => panic!("{other:?}"),
        }
    }
    let out = util::bin_help(&["mint", "--help"]);
    assert!(out.contains("--secret-version"), "{out}");
    assert!(
        !out.contains("--version <"),
        "the old name is a hidden alias:\n{out}"
    );
    let version = util::bin_help(&["--version"]);
    assert!(version.starts_with("agentcred "), "{version}");
}
