//! What a refused command line or a refused command says: one `error:` prefix, the fix for a
//! forgotten `--`, which command does not take a stray word (never echoing it, in case it is a
//! secret), and which unlock input an admin command was given when several are set.

mod util;

use util::{TestVault, random_secret};

#[track_caller]
fn first_line(out: &assert_cmd::assert::Assert) -> String {
    util::stderr(out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_forgotten_separator_under_exec_gets_the_fixed_command_line() {
    let vault = TestVault::new();
    let out = vault.run(&["exec", "--agent", "coder", "env"]).code(2);
    let err = util::stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("did you mean: agentcred exec --agent coder -- env"),
        "{err}"
    );
    let out = vault
        .run(&["exec", "--agent", "coder", "sh", "-c", "echo $X"])
        .code(2);
    assert!(
        util::stderr(&out)
            .contains("did you mean: agentcred exec --agent coder -- sh -c 'echo $X'"),
        "{}",
        util::stderr(&out)
    );
}

#[test]
fn a_stray_word_names_the_command_that_does_not_take_it_and_is_not_shown() {
    let vault = TestVault::new();
    let word = random_secret();
    let out = vault.run(&["agent", "list", &word]).code(2);
    let err = util::stderr(&out);
    assert!(
        err.contains("`agentcred agent list` does not take that extra argument"),
        "{err}"
    );
    assert!(
        !err.contains("values never go on the command line"),
        "{err}"
    );
    util::assert_output_no_leak(&out, &word);
}

#[test]
fn a_value_given_to_secret_set_or_rotate_keeps_the_secret_hint() {
    let vault = TestVault::new();
    let value = random_secret();
    for args in [
        &["secret", "set", "db", &value][..],
        &["secret", "rotate", "db", &value][..],
    ] {
        let out = vault.run(args).code(2);
        let err = util::stderr(&out);
        assert!(
            err.contains("values never go on the command line"),
            "{args:?}: {err}"
        );
        util::assert_output_no_leak(&out, &value);
    }
}

#[test]
fn every_error_has_the_same_prefix() {
    let vault = TestVault::new();
    // clap's, a usage error of ours, a refusal, and one under exec before anything started.
    for (args, code) in [
        (&["agent", "--no-such-flag"][..], 2),
        (&["agent", "list", "stray"][..], 2),
        (&["agent", "show", "nobody"][..], 66),
        (&["exec", "--agent", "nobody", "--", "true"][..], 125),
    ] {
        let out = vault.run(args).code(code);
        let line = first_line(&out);
        assert!(line.starts_with("error: "), "{args:?}: {line}");
    }
}

#[test]
fn json_with_a_shell_format_is_a_usage_error_and_mints_nothing() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    vault.set_secret("db", &random_secret()).code(0);
    vault.run(&["grant", "coder", "db"]).code(0);
    let audit = vault.audit_text();
    for format in ["env", "dotenv"] {
        let out = vault
            .run(&["--json", "mint", "--agent", "coder", "--format", format])
            .code(2);
        let err = util::stderr(&out);
        assert!(
            err.contains(&format!("--json and --format {format}")),
            "{err}"
        );
        assert!(util::stdout(&out).is_empty());
    }
    assert_eq!(vault.audit_text(), audit);
}

#[test]
fn an_admin_command_given_an_agent_key_and_a_passphrase_says_which_it_used() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    let key = vault.issue_key("coder", &[]);
    let mut both = vault.with_key_file(&key);
    both.env("AGENTCRED_PASSPHRASE_FILE", vault.passphrase_file());
    let out = both.args(["agent", "list"]).assert().code(3);
    let err = util::stderr(&out);
    assert!(
        err.contains("it was given the agent key in AGENTCRED_KEY_FILE"),
        "{err}"
    );
    assert!(
        err.contains("unset AGENTCRED_KEY_FILE for this command")
            && err.contains("to use AGENTCRED_PASSPHRASE_FILE"),
        "{err}"
    );
}

#[test]
fn an_admin_command_given_an_identity_and_an_agent_key_says_it_used_the_identity() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    let key = vault.issue_key("coder", &[]);
    let identity = vault.export_identity();
    let out = vault
        .with_key_file(&key)
        .env("AGENTCRED_IDENTITY", &identity)
        .args(["agent", "list"])
        .assert()
        .code(0);
    let err = util::stderr(&out);
    assert!(
        err.contains("unlocking as the admin with the identity file")
            && err.contains("(AGENTCRED_IDENTITY)")
            && err.contains("unset AGENTCRED_IDENTITY to act as the agent"),
        "{err}"
    );
}

/// An agent or secret that the vault's public lists do not name is reported as not found (66;
/// `exec`: 125, as for anything that stops it before its program starts) before any unlock: on a terminal with no unlock input, no passphrase is asked for, so no key
/// derivation runs for a typo. A name that exists still gets the prompt.
#[test]
fn an_unknown_agent_or_secret_is_reported_before_the_passphrase_prompt() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    vault.set_secret("db", "v").code(0);
    vault.run(&["grant", "coder", "db"]).code(0);
    let unknown_agent: &[&str] = &[
        "mint --agent nosuch",
        "grant nosuch db",
        "agent suspend nosuch",
        "agent resume nosuch",
        "agent remove nosuch --yes",
        "agent show nosuch",
        "key issue nosuch",
        "key list nosuch",
        "delegate --agent coder --to nosuch",
        "exec --agent nosuch -- true",
    ];
    let unknown_secret: &[&str] = &[
        "mint --agent coder --secret nosuch",
        "exec --agent coder --secret nosuch -- true",
        "grant coder nosuch",
        "secret show nosuch",
        "secret rotate nosuch --generate",
        "secret remove nosuch --yes",
    ];
    for (commands, what) in [(unknown_agent, "agent"), (unknown_secret, "secret")] {
        for command in commands {
            let run =
                vault.on_terminal(&format!("timeout --foreground 10 \"$bin\" {command}"), &[]);
            // `exec` exits 125 for whatever failed before its program started.
            let code = if command.starts_with("exec") { 125 } else { 66 };
            assert_eq!(run.code, code, "agentcred {command}:\n{}", run.shown);
            assert!(
                run.shown.contains(&format!("no {what} named 'nosuch'")),
                "agentcred {command}:\n{}",
                run.shown
            );
            assert!(
                !run.shown.to_lowercase().contains("passphrase"),
                "agentcred {command} asked for the passphrase:\n{}",
                run.shown
            );
        }
    }
    // The same terminal asks for the passphrase when the names exist.
    let known = vault.on_terminal(
        "agentcred mint --agent coder --secret db --format token > /dev/null",
        &[("Vault passphrase", &format!("{}\n", util::PASSPHRASE))],
    );
    assert_eq!(known.code, 0, "{}", known.shown);
}

/// The public secret list is signed: one edited to drop a name is not believed, so the secret is
/// not reported missing (the command unlocks and finds it), and completion offers nothing from it.
#[test]
fn an_edited_secret_list_is_not_believed() {
    let vault = TestVault::new();
    vault.set_secret("db", "v").code(0);
    vault.set_secret("api", "w").code(0);
    let path = vault.path("agents/secrets");
    let text = std::fs::read_to_string(&path).expect("the public secret list");
    assert!(text.lines().any(|l| l == "db"), "{text}");
    let edited: String = text
        .lines()
        .filter(|l| *l != "db")
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, edited).expect("edit the list");
    vault.run(&["secret", "show", "db"]).code(0);
    let out = vault
        .command_without_unlock()
        .args(["__complete", "secrets"])
        .output()
        .expect("run agentcred");
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
}
