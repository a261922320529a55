//! `completions SHELL` and the hidden `__complete` the scripts call back.
//!
//! clap_complete writes static scripts; the dynamic part, the names of the vault's agents and
//! secrets, is added to the bash, zsh and fish scripts here: after an option whose value is one
//! (`--agent`, `--to`, `--as`; `--secret`) and in the place of a positional that names one
//! (`agent show NAME`, `grant AGENT SECRET`, `secret rotate NAME`, …). The scripts ask
//! `agentcred __complete agents|secrets`, which read the signed public lists (`agents/roster`,
//! `agents/secrets`), so completing needs no unlock.

use crate::cli::CompleteWhat;
use crate::cmd::Ctx;
use crate::error::Result;
use clap_complete::Shell;

pub fn run(ctx: &Ctx, shell: Shell) -> Result<()> {
    ctx.out.data(&script(shell));
    Ok(())
}

/// `__complete agents|secrets`: the names, one a line. A completion must never print an error,
/// so a missing or unreadable vault gives no names and exit 0.
pub fn complete(ctx: &Ctx, what: CompleteWhat) -> Result<()> {
    let names = match what {
        CompleteWhat::Agents => agent_names(ctx).unwrap_or_default(),
        CompleteWhat::Secrets => secret_names(ctx).unwrap_or_default(),
    };
    if !names.is_empty() {
        ctx.out.data(&names.join("\n"));
    }
    Ok(())
}

fn agent_names(ctx: &Ctx) -> Result<Vec<String>> {
    let vault = ctx.open_vault()?;
    let roster = crate::roster::read(&vault.dir, &vault.config)?;
    Ok(roster.into_iter().map(|e| e.name).collect())
}

fn secret_names(ctx: &Ctx) -> Result<Vec<String>> {
    let vault = ctx.open_vault()?;
    Ok(crate::roster::secrets::read(&vault.dir, &vault.config)?.unwrap_or_default())
}

/// What names a value or positional takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Names {
    Agents,
    Secrets,
}

impl Names {
    /// The command each shell runs for the names (errors to /dev/null).
    fn command(self) -> &'static str {
        match self {
            Names::Agents => "agentcred __complete agents 2>/dev/null",
            Names::Secrets => "agentcred __complete secrets 2>/dev/null",
        }
    }

    /// The zsh function that offers them.
    fn zsh_function(self) -> &'static str {
        match self {
            Names::Agents => "_agentcred_agents",
            Names::Secrets => "_agentcred_secrets",
        }
    }

    /// The options whose value is one: `value_name = "AGENT"` or `"SECRET"`.
    fn value_name(self) -> &'static str {
        match self {
            Names::Agents => "AGENT",
            Names::Secrets => "SECRET",
        }
    }
}

/// A positional that names an agent or a secret: the command's path below `agentcred`, the word
/// it is (`COMP_CWORD`, options aside), its zsh spec's head, and what it names.
struct Positional {
    path: Vec<String>,
    word: usize,
    zsh: String,
    names: Names,
    /// The subcommands the same word may be instead (`grant list`), with a trailing space.
    also: String,
}

/// The completion script for one shell: clap_complete's, with agent and secret names offered
/// for every option and positional that takes one.
pub fn script(shell: Shell) -> String {
    let mut cmd = visible(crate::cli::command());
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "agentcred", &mut buf);
    let script = String::from_utf8(buf).expect("a UTF-8 completion script");
    let mut positionals = Vec::new();
    find_positionals(&cmd, &mut Vec::new(), &mut positionals);
    let flags = [Names::Agents, Names::Secrets].map(|n| (n, flags_taking(&cmd, n.value_name())));
    match shell {
        Shell::Bash => bash(script, &flags, &positionals),
        Shell::Zsh => zsh(script, &positionals),
        Shell::Fish => fish(&script, &flags, &positionals),
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

/// The long options, across every command, whose value has this value name.
fn flags_taking(cmd: &clap::Command, value_name: &str) -> Vec<String> {
    let mut flags: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_value_names().is_some_and(|v| v == [value_name]))
        .filter_map(|a| a.get_long().map(str::to_string))
        .chain(
            cmd.get_subcommands()
                .flat_map(|s| flags_taking(s, value_name)),
        )
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

/// Every positional that names an existing agent or secret: `agent` or `secret` arguments, and
/// the `name` of the `agent` and `secret` commands other than those that create one.
fn find_positionals(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Positional>) {
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_string());
        let group = path.first().map(String::as_str);
        let creates = matches!(path.last().map(String::as_str), Some("add" | "set"));
        for (i, arg) in sub.get_positionals().enumerate() {
            let names = match (arg.get_id().as_str(), group) {
                ("agent", _) => Names::Agents,
                ("secret", _) => Names::Secrets,
                ("name", Some("agent")) if !creates => Names::Agents,
                ("name", Some("secret")) if !creates => Names::Secrets,
                _ => continue,
            };
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let also: Vec<&str> = if i == 0 {
                sub.get_subcommands().map(|s| s.get_name()).collect()
            } else {
                Vec::new()
            };
            out.push(Positional {
                path: path.clone(),
                word: path.len() + 1 + i,
                zsh: format!("':{} -- {}:", arg.get_id(), zsh_escape(&help)),
                names,
                also: also.iter().map(|s| format!("{s} ")).collect(),
            });
        }
        find_positionals(sub, path, out);
        path.pop();
    }
}

/// A help text as clap_complete writes it inside a single-quoted zsh spec.
fn zsh_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\'', "'\\''")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace(':', "\\:")
}

fn bash(mut script: String, flags: &[(Names, Vec<String>)], positionals: &[Positional]) -> String {
    for (names, flags) in flags {
        for flag in flags {
            script = script.replace(
                &format!("--{flag})\n                    COMPREPLY=($(compgen -f \"${{cur}}\"))"),
                &format!(
                    "--{flag})\n                    COMPREPLY=($(compgen -W \"$({})\" -- \"${{cur}}\"))",
                    names.command()
                ),
            );
        }
    }
    for p in positionals {
        let function = format!("agentcred__subcmd__{})\n", p.path.join("__subcmd__"));
        let Some(start) = script.find(&format!("        {function}")) else {
            continue;
        };
        let Some(at) = script[start..].find("            if [[ ${cur} == -*") else {
            continue;
        };
        let check = format!(
            "            if [[ ${{cur}} != -* && ${{COMP_CWORD}} -eq {} ]] ; then\n                \
             COMPREPLY=( $(compgen -W \"{}$({})\" -- \"${{cur}}\") )\n                \
             return 0\n            fi\n",
            p.word,
            p.also,
            p.names.command()
        );
        script.insert_str(start + at, &check);
    }
    script
}

fn zsh(script: String, positionals: &[Positional]) -> String {
    let mut helpers = String::new();
    for names in [Names::Agents, Names::Secrets] {
        helpers.push_str(&format!(
            "\n(( $+functions[{f}] )) ||\n{f}() {{\n    local -a names\n    \
             names=(${{(f)\"$({c})\"}})\n    compadd -a names\n}}\n",
            f = names.zsh_function(),
            c = names.command()
        ));
    }
    let mut script = script
        .replace(":AGENT:_default'", ":AGENT:_agentcred_agents'")
        .replace(":SECRET:_default'", ":SECRET:_agentcred_secrets'");
    for p in positionals {
        script = script.replace(
            &format!("{}_default'", p.zsh),
            &format!("{}{}'", p.zsh, p.names.zsh_function()),
        );
    }
    match script.split_once('\n') {
        Some((first, rest)) => format!("{first}\n{helpers}{rest}"),
        None => script,
    }
}

fn fish(script: &str, flags: &[(Names, Vec<String>)], positionals: &[Positional]) -> String {
    let mut out: String = script
        .lines()
        .map(|line| {
            let takes = flags.iter().find(|(_, flags)| {
                flags
                    .iter()
                    .any(|f| line.contains(&format!(" -l {f} ")) && line.ends_with(" -r"))
            });
            match takes {
                Some((names, _)) => format!("{line} -f -a \"({})\"\n", names.command()),
                None => format!("{line}\n"),
            }
        })
        .collect();
    // Positionals: fish cannot tell one from the next, so only a command's first is completed.
    let mut done: Vec<&[String]> = Vec::new();
    for p in positionals {
        if done.contains(&p.path.as_slice()) {
            continue;
        }
        done.push(&p.path);
        let condition = match p.path.as_slice() {
            [top, leaf] => format!(
                "__fish_agentcred_using_subcommand {top}; and __fish_seen_subcommand_from {leaf}"
            ),
            [top] => {
                let head =
                    format!("complete -c agentcred -n \"__fish_agentcred_using_subcommand {top}");
                match script
                    .lines()
                    .find(|l| l.starts_with(&head) && l.contains(" -s h -l help"))
                {
                    Some(l) => l["complete -c agentcred -n \"".len()..]
                        .split('"')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    None => continue,
                }
            }
            _ => continue,
        };
        out.push_str(&format!(
            "complete -c agentcred -n \"{condition}\" -f -a \"({})\"\n",
            p.names.command()
        ));
    }
    out
}
