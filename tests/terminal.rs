//! What agentcred asks on a terminal, driven on a real one (a pseudo-terminal, see
//! `tests/util/terminal.py`): the passphrase prompt on the controlling terminal whatever stdin
//! is, three tries, empty answers refused with a reason, confirmations that only a typed `y` and
//! Enter give. And, without a terminal, the same commands fail at once (77, or 2 for a
//! confirmation) instead of waiting.

mod util;

use util::{PASSPHRASE, TestVault, random_secret};

const PROMPT: &str = "Vault passphrase: ";

/// The value `mint --format env` gives agent `coder` for secret `name` (granted here).
fn value_of(vault: &TestVault, name: &str) -> String {
    vault.run(&["agent", "add", "coder"]).code(0);
    vault.run(&["grant", "coder", name]).code(0);
    let out = vault
        .run(&["mint", "--agent", "coder", "--format", "env"])
        .code(0);
    let text = util::stdout(&out);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("export {}=", name.to_uppercase())))
        .unwrap_or_else(|| panic!("no export in {text}"));
    line.trim_matches('\'').to_string()
}

#[test]
fn a_piped_value_still_gets_the_passphrase_prompt_on_the_terminal() {
    let vault = TestVault::new();
    let value = random_secret();
    let run = vault.on_terminal(
        &format!("printf '%s' '{value}' | agentcred secret set x --stdin"),
        &[(PROMPT, &format!("{PASSPHRASE}\n"))],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        !run.shown.contains(PASSPHRASE),
        "the passphrase echoed: {}",
        run.shown
    );
    assert!(!run.shown.contains(&value), "{}", run.shown);
    assert_eq!(value_of(&vault, "x"), value);
}

#[test]
fn the_prompt_works_with_stderr_redirected_too() {
    let vault = TestVault::new();
    let run = vault.on_terminal(
        "printf v | agentcred secret set x --stdin 2>/dev/null",
        &[(PROMPT, &format!("{PASSPHRASE}\n"))],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert_eq!(value_of(&vault, "x"), "v");
}

#[test]
fn without_a_terminal_a_piped_value_fails_at_once_with_the_hint() {
    let vault = TestVault::new();
    let out = assert_cmd::Command::from_std(vault.command_without_unlock())
        .args(["secret", "set", "x", "--stdin"])
        .write_stdin("value")
        .assert()
        .code(77);
    let err = util::stderr(&out);
    assert!(err.contains("no way to unlock"), "{err}");
    assert!(err.contains("AGENTCRED_PASSPHRASE_FILE"), "{err}");
}

#[test]
fn without_a_controlling_terminal_or_in_the_background_there_is_no_prompt() {
    let vault = TestVault::new();
    // No controlling terminal at all.
    let run = vault.on_terminal("printf v | setsid \"$bin\" secret set x --stdin", &[]);
    assert_eq!(run.code, 77, "{}", run.shown);
    assert!(run.shown.contains("no way to unlock"), "{}", run.shown);
    // A terminal, but agentcred is a background job on it: it must not wait on it.
    let run = vault.on_terminal(
        "set -m; printf v | agentcred secret set x --stdin & wait $!",
        &[],
    );
    assert_eq!(run.code, 77, "{}", run.shown);
    assert!(!run.shown.contains(PROMPT), "{}", run.shown);
}

#[test]
fn three_wrong_passphrases_then_77_each_saying_why() {
    let vault = TestVault::new();
    let run = vault.on_terminal(
        "agentcred agent list",
        &[
            (PROMPT, "wrong one\n"),
            (PROMPT, "wrong two\n"),
            (PROMPT, "wrong three\n"),
        ],
    );
    assert_eq!(run.code, 77, "{}", run.shown);
    assert_eq!(
        run.shown.matches("wrong passphrase").count(),
        3,
        "{}",
        run.shown
    );
    assert!(run.shown.contains("3 tries failed"), "{}", run.shown);
    assert!(!run.shown.contains("wrong one"), "echoed: {}", run.shown);
}

#[test]
fn a_wrong_passphrase_then_the_right_one_unlocks() {
    let vault = TestVault::new();
    let run = vault.on_terminal(
        "agentcred agent add coder",
        &[
            (PROMPT, "wrong\n"),
            ("try again", ""),
            (PROMPT, &format!("{PASSPHRASE}\n")),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert_eq!(run.shown.matches(PROMPT).count(), 2, "{}", run.shown);
}

#[test]
fn an_empty_passphrase_is_refused_saying_why() {
    let vault = TestVault::new();
    let run = vault.on_terminal(
        "agentcred agent add coder",
        &[(PROMPT, "\n"), (PROMPT, &format!("{PASSPHRASE}\n"))],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(
        run.shown.contains("the passphrase is empty"),
        "{}",
        run.shown
    );
}

#[test]
fn an_empty_value_is_refused_saying_why_and_asked_again() {
    let vault = TestVault::new();
    let value = random_secret();
    let run = vault.on_terminal(
        "AGENTCRED_PASSPHRASE_FILE=passphrase agentcred secret set x",
        &[
            ("Value for x: ", "\n"),
            ("Value for x: ", &format!("{value}\n")),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(run.shown.contains("the value is empty"), "{}", run.shown);
    assert!(!run.shown.contains(&value), "echoed: {}", run.shown);
    assert_eq!(value_of(&vault, "x"), value);
}

#[test]
fn a_confirmation_needs_y_and_enter() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    let remove = "AGENTCRED_PASSPHRASE_FILE=passphrase agentcred agent remove coder";
    // `y` alone does not answer: the command waits for Enter.
    let run = vault.on_terminal(remove, &[("[y/N] ", "y"), ("", "@wait"), ("", "\n")]);
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(run.shown.contains("[still running]"), "{}", run.shown);
    assert!(run.shown.contains("removed agent coder"), "{}", run.shown);

    vault.run(&["agent", "add", "coder"]).code(0);
    let run = vault.on_terminal(remove, &[("[y/N] ", "n\n")]);
    assert_eq!(run.code, 2, "{}", run.shown);
    assert!(run.shown.contains("cancelled"), "{}", run.shown);
    vault.run(&["agent", "show", "coder"]).code(0);
}

#[test]
fn keys_typed_ahead_never_answer_a_confirmation() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    // The passphrase and a `y` typed before anything shows: the passphrase unlocks, the `y` is
    // discarded when the question appears, which then waits for its own answer.
    let run = vault.on_terminal(
        "agentcred agent remove coder",
        &[
            ("", &format!("{PASSPHRASE}\ny\n")),
            ("[y/N] ", "@wait"),
            ("", "y\n"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.shown);
    assert!(run.shown.contains("[still running]"), "{}", run.shown);
    assert!(run.shown.contains("removed agent coder"), "{}", run.shown);
}

#[test]
fn without_a_terminal_a_confirmation_needs_yes() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    let out = vault.run(&["agent", "remove", "coder"]).code(2);
    assert!(
        util::stderr(&out).contains("pass --yes"),
        "{}",
        util::stderr(&out)
    );
}
