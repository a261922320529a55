//! The shell completions offer the vault's agent names after `--agent`, `--to` and `--as`,
//! read from the public roster through `agentcred __complete agents`: no unlock needed.

mod util;

use std::path::PathBuf;

use util::TestVault;

fn script(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file)
}

/// A vault with two agents.
fn vault() -> TestVault {
    let vault = TestVault::new();
    vault
        .run(&["agent", "add", "coder", "db-migrator"])
        .success();
    vault
}

/// Runs bash with the committed completion script, completing `words` (the last one is the word
/// being completed) as bash calls a completion function (command, word, previous word), with
/// `agentcred` on PATH and no unlock input: what bash would offer.
fn bash_offers(vault: &TestVault, words: &[&str]) -> Vec<String> {
    let bin_dir = util::bin().parent().expect("the binary's directory");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _agentcred agentcred {} {}; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script("agentcred.bash").display(),
        quoted.join(" "),
        words.len() - 1,
        quoted[words.len() - 1],
        quoted[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &program])
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("AGENTCRED_HOME", vault.dir())
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_offers_agent_names_after_agent() {
    let vault = vault();
    assert_eq!(
        bash_offers(&vault, &["agentcred", "exec", "--agent", ""]),
        ["coder", "db-migrator"]
    );
    assert_eq!(
        bash_offers(&vault, &["agentcred", "mint", "--agent", "db"]),
        ["db-migrator"]
    );
    assert_eq!(
        bash_offers(&vault, &["agentcred", "delegate", "--to", "c"]),
        ["coder"]
    );
}

#[test]
fn complete_agents_needs_no_unlock_and_never_fails() {
    let vault = vault();
    let out = vault
        .command_without_unlock()
        .args(["__complete", "agents"])
        .output()
        .expect("run agentcred");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "coder\ndb-migrator\n");
    let missing = std::process::Command::new(util::bin())
        .args(["__complete", "agents"])
        .env("AGENTCRED_HOME", vault.root().join("no-such-vault"))
        .output()
        .expect("run agentcred");
    assert!(missing.status.success(), "{missing:?}");
    assert!(
        missing.stdout.is_empty() && missing.stderr.is_empty(),
        "{missing:?}"
    );
}

#[test]
fn zsh_and_fish_scripts_ask_for_agent_names() {
    let zsh = std::fs::read_to_string(script("_agentcred")).expect("read the zsh script");
    assert!(
        zsh.contains("_agentcred_agents() {"),
        "zsh defines the helper"
    );
    assert!(zsh.contains("'--agent=[") && zsh.contains(":AGENT:_agentcred_agents'"));
    let fish = std::fs::read_to_string(script("agentcred.fish")).expect("read the fish script");
    assert!(
        fish.lines()
            .any(|l| l.contains("-l agent ") && l.contains("(agentcred __complete agents")),
        "fish completes --agent with agent names"
    );
    for text in [&zsh, &fish] {
        assert!(
            !text.contains("'__complete"),
            "the hidden command is not offered"
        );
    }
}

/// A vault with two agents and two secrets.
fn vault_with_secrets() -> TestVault {
    let vault = vault();
    vault.set_secret("db", "v1").success();
    vault.set_secret("openai-key", "v2").success();
    vault
}

#[test]
fn bash_offers_secret_names_after_secret_and_for_secret_positionals() {
    let vault = vault_with_secrets();
    assert_eq!(
        bash_offers(&vault, &["agentcred", "mint", "--secret", ""]),
        ["db", "openai-key"]
    );
    assert_eq!(
        bash_offers(
            &vault,
            &["agentcred", "exec", "--agent", "coder", "--secret", "o"]
        ),
        ["openai-key"]
    );
    for command in ["show", "rotate", "remove"] {
        assert_eq!(
            bash_offers(&vault, &["agentcred", "secret", command, ""]),
            ["db", "openai-key"],
            "secret {command}"
        );
    }
    // `grant AGENT SECRET`: agent names first (with the subcommands), then secret names.
    let first = bash_offers(&vault, &["agentcred", "grant", "c"]);
    assert_eq!(first, ["coder"]);
    assert_eq!(
        bash_offers(&vault, &["agentcred", "grant", "coder", ""]),
        ["db", "openai-key"]
    );
    // Agent positionals too.
    assert_eq!(
        bash_offers(&vault, &["agentcred", "agent", "suspend", "d"]),
        ["db-migrator"]
    );
    // Options still complete where an option is being typed.
    assert!(
        bash_offers(&vault, &["agentcred", "secret", "show", "--j"])
            .contains(&"--json".to_string())
    );
}

#[test]
fn complete_secrets_needs_no_unlock_and_follows_the_vault() {
    let vault = vault_with_secrets();
    let names = || {
        let out = vault
            .command_without_unlock()
            .args(["__complete", "secrets"])
            .output()
            .expect("run agentcred");
        assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(names(), "db\nopenai-key\n");
    vault.run(&["secret", "remove", "db", "--yes"]).success();
    assert_eq!(names(), "openai-key\n");
}

#[test]
fn zsh_and_fish_scripts_ask_for_secret_names() {
    let zsh = std::fs::read_to_string(script("_agentcred")).expect("read the zsh script");
    assert!(
        zsh.contains("_agentcred_secrets() {"),
        "zsh defines the helper"
    );
    assert!(zsh.contains(":SECRET:_agentcred_secrets'"));
    assert!(zsh.contains("':name -- The secret'\\''s name:_agentcred_secrets'"));
    let fish = std::fs::read_to_string(script("agentcred.fish")).expect("read the fish script");
    assert!(
        fish.lines()
            .any(|l| l.contains("-l secret ") && l.contains("(agentcred __complete secrets")),
        "fish completes --secret with secret names"
    );
    assert!(
        fish.lines()
            .any(|l| l.contains("__fish_seen_subcommand_from rotate")
                && l.contains("(agentcred __complete secrets")),
        "fish completes secret rotate NAME"
    );
}
