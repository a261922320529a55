//! What a command line clap refuses prints, and its exit status. Clap's own message, except for
//! a stray positional word, which is never echoed back: it may be a secret typed where a flag
//! was meant (`secret set NAME sk-…`), and secrets never reach stderr. Instead the message says
//! which command does not take it, and, for `exec`, where the `--` that was forgotten goes.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// Prints the refusal of `args` and returns the exit status (0 for `--help` and `--version`).
pub fn report(e: &clap::Error, args: &[OsString]) -> u8 {
    let stray = match (e.kind(), e.get(ContextKind::InvalidArg)) {
        (ErrorKind::UnknownArgument, Some(ContextValue::String(a))) if !a.starts_with('-') => {
            a.clone()
        }
        _ => {
            let _ = e.print();
            return if e.use_stderr() {
                crate::error::exit::USAGE
            } else {
                crate::error::exit::OK
            };
        }
    };
    let command = command_path(e);
    match command.as_str() {
        "agentcred exec" => {
            eprintln!("error: the program to run goes after `--`");
            if let Some(fixed) = with_separator(args, &stray) {
                eprintln!("  did you mean: {fixed}");
            }
        }
        "agentcred secret set" | "agentcred secret rotate" | "agentcred rotate" | "agentcred" => {
            eprintln!("error: unexpected extra argument (not shown, in case it is a secret)");
            eprintln!(
                "  hint: values never go on the command line: use --stdin, --file F or a prompt; see --help"
            );
        }
        _ => {
            eprintln!(
                "error: `{command}` does not take that extra argument (not shown, in case it is a secret)"
            );
            eprintln!("  hint: see `{command} --help`");
        }
    }
    crate::error::exit::USAGE
}

/// The subcommand the error is about, e.g. `agentcred agent list`, from clap's usage line.
fn command_path(e: &clap::Error) -> String {
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        _ => return "agentcred".to_string(),
    };
    let words: Vec<&str> = usage
        .trim_start()
        .trim_start_matches("Usage:")
        .split_whitespace()
        .take_while(|w| !w.starts_with(['[', '<', '-']))
        .collect();
    if words.is_empty() {
        "agentcred".to_string()
    } else {
        words.join(" ")
    }
}

/// `args` with `--` put before the first `stray` word after `exec`, as a line to copy.
fn with_separator(args: &[OsString], stray: &str) -> Option<String> {
    let exec = args.iter().position(|a| a == "exec")?;
    let at = exec + 1 + args[exec + 1..].iter().position(|a| a == stray)?;
    let mut words = vec!["agentcred".to_string()];
    for (i, a) in args.iter().enumerate().skip(1) {
        if i == at {
            words.push("--".to_string());
        }
        words.push(shell_word(&a.to_string_lossy()));
    }
    Some(words.join(" "))
}

/// A word as a POSIX shell reads it back.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
