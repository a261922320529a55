//! `completions SHELL` and the hidden `__complete` the scripts call back.
//!
//! clap_complete writes static scripts; the one dynamic part, the agent names an `--agent`,
//! `--to` or `--as` value can be, is added to the bash, zsh and fish scripts here: they ask
//! `agentcred __complete agents`, which reads the signed public roster (`agents/roster`), so
//! completing needs no unlock. No public file lists the secrets, so their names are not completed.

use crate::cli::CompleteWhat;
use crate::cmd::Ctx;
use crate::error::Result;
use clap_complete::Shell;

pub fn run(ctx: &Ctx, shell: Shell) -> Result<()> {
    ctx.out.data(&script(shell));
    Ok(())
}

/// `__complete agents`: the agent names, one a line. A completion must never print an error, so
/// a missing or unreadable vault gives no names and exit 0.
pub fn complete(ctx: &Ctx, what: CompleteWhat) -> Result<()> {
    match what {
        CompleteWhat::Agents => {
            let names = agent_names(ctx).unwrap_or_default();
            if !names.is_empty() {
                ctx.out.data(&names.join("\n"));
            }
        }
    }
    Ok(())
}

fn agent_names(ctx: &Ctx) -> Result<Vec<String>> {
    let vault = ctx.open_vault()?;
    let roster = crate::roster::read(&vault.dir, &vault.config)?;
    Ok(roster.into_iter().map(|e| e.name).collect())
}

/// What `agentcred __complete agents` prints, as each shell calls it (errors to /dev/null).
const AGENTS: &str = "agentcred __complete agents 2>/dev/null";

/// The completion script for one shell: clap_complete's, with agent names offered for every
/// option whose value is an agent.
pub fn script(shell: Shell) -> String {
    let mut cmd = visible(crate::cli::command());
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "agentcred", &mut buf);
    let script = String::from_utf8(buf).expect("a UTF-8 completion script");
    let flags = agent_flags(&cmd);
    match shell {
        Shell::Bash => bash(script, &flags),
        Shell::Zsh => zsh(script),
        Shell::Fish => fish(&script, &flags),
        _ => script,
    }
}

/// The command without its hidden subcommands, which clap_complete would offer: `__complete`
/// is for the scripts, not for people.
fn visible(cmd: clap::Command) -> clap::Command {
    let mut top = clap::Command::new("agentcred")
        .version(env!("CARGO_PKG_VERSION"))
        .args(cmd.get_arguments().cloned())
        .subcommands(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if let Some(about) = cmd.get_about() {
        top = top.about(about.clone());
    }
    if let Some(long_about) = cmd.get_long_about() {
        top = top.long_about(long_about.clone());
    }
    top
}

/// The long options, across every command, whose value is an agent (`value_name = "AGENT"`).
fn agent_flags(cmd: &clap::Command) -> Vec<String> {
    let mut flags: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_value_names().is_some_and(|v| v == ["AGENT"]))
        .filter_map(|a| a.get_long().map(str::to_string))
        .chain(cmd.get_subcommands().flat_map(agent_flags))
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

fn bash(script: String, flags: &[String]) -> String {
    flags.iter().fold(script, |script, flag| {
        script.replace(
            &format!("--{flag})\n                    COMPREPLY=($(compgen -f \"${{cur}}\"))"),
            &format!("--{flag})\n                    COMPREPLY=($(compgen -W \"$({AGENTS})\" -- \"${{cur}}\"))"),
        )
    })
}

fn zsh(script: String) -> String {
    let helper = format!(
        "\n(( $+functions[_agentcred_agents] )) ||\n_agentcred_agents() {{\n    \
         local -a agents\n    agents=(${{(f)\"$({AGENTS})\"}})\n    \
         compadd -a agents\n}}\n"
    );
    let script = script.replace(":AGENT:_default'", ":AGENT:_agentcred_agents'");
    match script.split_once('\n') {
        Some((first, rest)) => format!("{first}\n{helper}{rest}"),
        None => script,
    }
}

fn fish(script: &str, flags: &[String]) -> String {
    script
        .lines()
        .map(|line| {
            let names_agent = flags
                .iter()
                .any(|f| line.contains(&format!(" -l {f} ")) && line.ends_with(" -r"));
            if names_agent {
                format!("{line} -f -a \"({AGENTS})\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}
