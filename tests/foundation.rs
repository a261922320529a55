//! The foundation acceptance list: the vault's files, stock-age recovery, recipients, tamper and
//! rollback detection, input validation, concurrent writers and the audit chain, permissions, and
//! how errors and output reach the user (docs/DESIGN.md). Each test drives the built binary in its
//! own temporary vault.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use predicates::prelude::*;

use util::{
    CHEAP_KDF, PASSPHRASE, TestVault, assert_no_leak, assert_output_no_leak, assert_short_error,
    assert_unbroken_chain, chain_break, random_secret, stderr, write_private,
};

/// Makes a new age identity with stock `age-keygen -o FILE`; returns the file and its recipient.
fn age_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .expect("run age-keygen (Debian package `age`)");
    assert!(out.status.success(), "age-keygen failed: {out:?}");
    let text = std::fs::read_to_string(&path).expect("read age-keygen output");
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("age-keygen writes a `# public key:` line")
        .trim()
        .to_string();
    assert!(
        recipient.starts_with("age1"),
        "unexpected recipient {recipient}"
    );
    (path, recipient)
}

/// Stock `age -d -i IDENTITY FILE`.
fn age_decrypt(identity: &Path, file: &Path) -> Output {
    Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .expect("run age (Debian package `age`)")
}

fn agent_names(vault: &TestVault) -> Vec<String> {
    let list = vault.json(&["agent", "list", "--json"]);
    list["agents"]
        .as_array()
        .expect("agents is an array")
        .iter()
        .map(|a| a["name"].as_str().expect("agent name").to_string())
        .collect()
}

// --- the vault's files (DESIGN.md, "The vault's files") --------------------------------------

#[test]
fn init_creates_a_private_vault_whose_toml_holds_the_kdf_and_no_secret() {
    let vault = TestVault::empty();
    vault
        .run(&[&["init"], CHEAP_KDF].concat())
        .code(0)
        .stderr(predicate::str::contains("created vault"));

    let dir_mode = std::fs::metadata(vault.dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700, "vault directory mode");
    let files = vault.files();
    for expected in ["vault.toml", "vault.age", "audit.jsonl"] {
        assert!(files.contains(&vault.path(expected)), "{expected} missing");
    }
    for file in &files {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode of {}", file.display());
    }

    let text = std::fs::read_to_string(vault.path("vault.toml")).unwrap();
    let toml: toml::Value = toml::from_str(&text).expect("vault.toml is TOML");
    let kdf = &toml["kdf"];
    assert_eq!(kdf["memory_kib"].as_integer(), Some(1024));
    assert_eq!(kdf["iterations"].as_integer(), Some(1));
    assert_eq!(kdf["parallelism"].as_integer(), Some(1));
    let salt = kdf["salt"].as_str().expect("kdf.salt is a string");
    assert_eq!(
        salt.trim_end_matches('=').len(),
        22,
        "a 16-byte base64 salt: {salt}"
    );

    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert_no_leak(&bytes, PASSPHRASE);
        assert_no_leak(&bytes, "AGE-SECRET-KEY");
    }
}

#[test]
fn init_over_an_existing_vault_exits_73_and_changes_nothing() {
    let vault = TestVault::new();
    let before = vault.snapshot_files();
    let second = vault.run(&[&["init"], CHEAP_KDF].concat()).code(73);
    assert_short_error(&second);
    assert!(stderr(&second).contains("already exists"));
    assert_eq!(vault.snapshot_files(), before);
}

#[test]
fn init_after_an_interrupted_init_finishes_the_directory_first() {
    // An init killed after it wrote its journal, before its first audit entry: the next init
    // undoes it and creates the vault.
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let vault = TestVault::empty();
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(vault.dir())
        .unwrap();
    let journal = r#"{"audit_seq":1,"audit_hash":"00","audit_from":0,"audit_to":4096,"renames":[],"removes":[]}"#;
    std::io::Write::write_all(
        &mut std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(vault.dir().join("commit.journal"))
            .unwrap(),
        journal.as_bytes(),
    )
    .unwrap();
    vault.run(&[&["init"], CHEAP_KDF].concat()).success();
    assert!(!vault.dir().join("commit.journal").exists());
    vault.run(&["audit", "verify"]).success();
}

// --- no lock-in, and secret values stay encrypted (DESIGN.md, "The vault's files") -----------

#[test]
fn stock_age_decrypts_the_state_with_the_exported_identity() {
    let vault = TestVault::new();
    let secret = random_secret();
    vault.set_secret("openai", &secret).code(0);

    let identity = vault.export_identity();
    let text = std::fs::read_to_string(&identity).unwrap();
    assert!(text.contains("AGE-SECRET-KEY-1"), "export printed:\n{text}");

    let out = age_decrypt(&identity, &vault.path("vault.age"));
    assert!(
        out.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = String::from_utf8(out.stdout).expect("the state is UTF-8 JSON");
    assert!(state.contains("agentcred-state-v1"));
    assert!(
        state.contains(&secret),
        "the decrypted state holds the stored value"
    );
}

#[test]
fn a_secret_value_appears_in_no_plaintext_file_output_or_audit_entry() {
    let vault = TestVault::new();
    let secret = random_secret();
    let set = vault.set_secret("openai", &secret).code(0);
    assert_output_no_leak(&set, &secret);

    for args in [
        &["secret", "list"][..],
        &["secret", "list", "--json"],
        &["secret", "show", "openai"],
        &["secret", "show", "openai", "--json"],
        &["--verbose", "secret", "show", "openai"],
        &["status"],
        &["status", "--json"],
    ] {
        let run = vault.run(args).code(0);
        assert_output_no_leak(&run, &secret);
    }
    let shown = vault.json(&["secret", "show", "openai", "--json"]);
    assert_eq!(shown["secret"]["name"], "openai", "show found the secret");

    for file in vault.files() {
        assert_no_leak(&std::fs::read(&file).unwrap(), &secret);
    }
    let audit = vault.audit_text();
    assert_no_leak(audit.as_bytes(), &secret);
    assert!(
        vault
            .audit_lines()
            .iter()
            .any(|e| e["action"] == "secret.set" && e["secrets"][0] == "openai"),
        "the write is audited by name:\n{audit}"
    );
}

// --- recipients (DESIGN.md, "Authenticating what age does not") ------------------------------

#[test]
fn an_init_recipient_can_decrypt_with_stock_age_until_removed() {
    let vault = TestVault::empty();
    let (key, recipient) = age_keygen(vault.root(), "teammate.txt");
    vault
        .run(&[&["init", "--recipient", recipient.as_str()], CHEAP_KDF].concat())
        .code(0);

    let out = age_decrypt(&key, &vault.path("vault.age"));
    assert!(
        out.status.success(),
        "the recipient cannot decrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("agentcred-state-v1"));

    vault
        .run(&["recipients", "remove", &recipient, "--yes"])
        .code(0);
    let out = age_decrypt(&key, &vault.path("vault.age"));
    assert!(!out.status.success(), "a removed recipient still decrypts");
    vault.run(&["agent", "list"]).code(0);
}

#[test]
fn recipients_add_lets_stock_age_decrypt_and_remove_takes_it_away() {
    let vault = TestVault::new();
    let (key, recipient) = age_keygen(vault.root(), "ci.txt");
    assert!(!age_decrypt(&key, &vault.path("vault.age")).status.success());

    vault.run(&["recipients", "add", &recipient]).code(0);
    let out = age_decrypt(&key, &vault.path("vault.age"));
    assert!(
        out.status.success(),
        "the added recipient cannot decrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    vault
        .run(&["recipients", "remove", &recipient, "--yes"])
        .code(0);
    assert!(
        !age_decrypt(&key, &vault.path("vault.age")).status.success(),
        "a removed recipient still decrypts"
    );
}

// --- unlock failures, tampering, rollback (DESIGN.md, "Rollback detection") ------------------

#[test]
fn a_wrong_passphrase_exits_77_and_changes_nothing() {
    let vault = TestVault::new();
    let wrong = vault.root().join("wrong-passphrase");
    write_private(&wrong, b"not the passphrase\n");
    let before = vault.snapshot_files();

    let add = vault
        .cmd()
        .env("AGENTCRED_PASSPHRASE_FILE", &wrong)
        .args(["agent", "add", "x"])
        .assert()
        .code(77);
    assert_short_error(&add);
    assert!(stderr(&add).contains("passphrase"), "{}", stderr(&add));

    assert_eq!(vault.snapshot_files(), before);
    assert!(agent_names(&vault).is_empty());
}

#[test]
fn one_flipped_byte_in_vault_age_exits_65_without_a_panic() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a"]).code(0);
    let path = vault.path("vault.age");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let list = vault.run(&["agent", "list"]).code(65);
    assert_short_error(&list);
    assert!(stderr(&list).contains("vault.age"), "{}", stderr(&list));
}

#[test]
fn an_older_copy_of_vault_age_put_back_exits_65() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a"]).code(0);
    let old = std::fs::read(vault.path("vault.age")).unwrap();
    vault.run(&["agent", "add", "b"]).code(0);
    std::fs::write(vault.path("vault.age"), &old).unwrap();

    let list = vault.run(&["agent", "list"]).code(65);
    assert_short_error(&list);
    assert!(stderr(&list).contains("rolled back"), "{}", stderr(&list));
}

#[test]
fn a_flipped_byte_in_the_age_header_is_bad_data_not_a_wrong_passphrase() {
    let vault = TestVault::new();
    let path = vault.path("vault.age");
    let bytes = std::fs::read(&path).unwrap();
    // The X25519 stanza's ephemeral share, on the line after `age-encryption.org/v1`.
    let stanza = bytes
        .windows(9)
        .position(|w| w == b"-> X25519")
        .expect("an X25519 stanza");
    // Swap one base64 character of the share for another valid one, so the header still parses
    // and only the key agreement fails.
    let mut tampered = bytes.clone();
    let at = stanza + "-> X25519 ".len() + 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&path, &tampered).unwrap();

    let list = vault.run(&["agent", "list"]).code(65);
    assert_short_error(&list);
}

#[test]
fn without_home_there_is_no_default_vault_and_the_error_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(util::bin())
        .args(["agent", "list"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("HOME is not set"), "{stderr}");
    assert!(
        stderr.contains("--vault DIR or set AGENTCRED_HOME"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// --- validation, with nothing changed (DESIGN.md, "Concepts", "Exit codes") ------------------

#[test]
fn invalid_agent_names_exit_2_and_change_nothing() {
    let vault = TestVault::new();
    let before = vault.snapshot_files();
    let too_long = "a".repeat(64);
    for name in ["Bad", "-x", too_long.as_str(), "a/b", ""] {
        let add = vault.run(&["agent", "add", "--", name]).code(2);
        assert_short_error(&add);
        assert!(
            stderr(&add).contains("invalid agent name"),
            "{name:?}: {}",
            stderr(&add)
        );
    }
    assert_eq!(vault.snapshot_files(), before);

    // The boundary: 63 characters is a valid name.
    vault.run(&["agent", "add", &"a".repeat(63)]).code(0);
}

#[test]
fn adding_an_existing_agent_exits_73_and_changes_nothing() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a"]).code(0);
    let before = vault.snapshot_files();

    let again = vault.run(&["agent", "add", "a"]).code(73);
    assert_short_error(&again);
    assert!(stderr(&again).contains("'a' already exists"));
    assert_eq!(vault.snapshot_files(), before);
}

#[test]
fn an_unknown_agent_exits_66_and_changes_nothing() {
    let vault = TestVault::new();
    let before = vault.snapshot_files();
    for verb in ["show", "suspend", "resume"] {
        let run = vault.run(&["agent", verb, "nope"]).code(66);
        assert_short_error(&run);
        assert!(
            stderr(&run).contains("no agent named 'nope'"),
            "{verb}: {}",
            stderr(&run)
        );
    }
    assert_eq!(vault.snapshot_files(), before);
}

#[test]
fn an_empty_secret_value_exits_65_and_changes_nothing() {
    let vault = TestVault::new();
    let before = vault.snapshot_files();
    for stdin in ["", "\n", "\r\n"] {
        let set = vault
            .run_stdin(&["secret", "set", "s", "--stdin"], stdin)
            .code(65);
        assert_short_error(&set);
        assert!(
            stderr(&set).contains("empty"),
            "{stdin:?}: {}",
            stderr(&set)
        );
    }
    assert_eq!(vault.snapshot_files(), before);
}

#[test]
fn secret_set_cas_0_on_an_existing_secret_exits_3_and_changes_only_the_log() {
    let vault = TestVault::new();
    let first = random_secret();
    let second = random_secret();
    vault.set_secret("db", &first).code(0);
    let before = vault.snapshot_files();

    let cas = vault
        .run_stdin(&["secret", "set", "db", "--stdin", "--cas", "0"], &second)
        .code(3);
    assert_short_error(&cas);
    assert_output_no_leak(&cas, &first);
    assert_output_no_leak(&cas, &second);
    // Nothing changes but the audit log, which records the denial.
    let log = vault.path("audit.jsonl");
    let (mut before, mut after) = (before, vault.snapshot_files());
    before.remove(&log);
    after.remove(&log);
    assert_eq!(after, before);
    let last = vault.audit_lines().pop().unwrap();
    assert_eq!(last["action"], "deny");
    assert_eq!(last["result"], "denied");

    // The matching version is accepted.
    vault
        .run_stdin(&["secret", "set", "db", "--stdin", "--cas", "1"], &second)
        .code(0);
    let shown = vault.json(&["secret", "show", "db", "--json"]);
    assert_eq!(shown["secret"]["version"], 2);
}

#[test]
fn secret_set_takes_no_value_on_the_command_line() {
    let vault = TestVault::new();
    let secret = random_secret();
    let before = vault.snapshot_files();
    let value_eq = format!("--value={secret}");
    for args in [
        &["secret", "set", "s", "--value", secret.as_str()][..],
        &["secret", "set", "s", value_eq.as_str()],
    ] {
        let run = vault.run(args).code(2);
        assert_output_no_leak(&run, &secret);
    }
    assert_eq!(vault.snapshot_files(), before);
    let list = vault.json(&["secret", "list", "--json"]);
    assert_eq!(list["secrets"], serde_json::json!([]));
}

// --- concurrent writers lose no update or audit entry (DESIGN.md, "Writes and commits") ------

#[test]
fn twenty_concurrent_agent_adds_all_land_on_an_unbroken_audit_chain() {
    let vault = TestVault::new();
    let names: Vec<String> = (0..20).map(|i| format!("a{i:02}")).collect();
    let children: Vec<_> = names
        .iter()
        .map(|name| {
            vault
                .command()
                .args(["agent", "add", name])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn agentcred")
        })
        .collect();
    for (name, child) in names.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "agent add {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    assert_eq!(agent_names(&vault), names);

    let audit = vault.audit_text();
    let entries = vault.audit_lines();
    assert_eq!(entries[0]["action"], "vault.init");
    let mut added: Vec<&str> = entries
        .iter()
        .filter(|e| e["action"] == "agent.add")
        .map(|e| e["agent"].as_str().expect("agent.add names its agent"))
        .collect();
    added.sort_unstable();
    assert_eq!(added, names, "one agent.add entry per agent:\n{audit}");
    assert_eq!(entries.len(), 21);
    assert_unbroken_chain(&audit);
}

#[test]
fn the_audit_chain_check_catches_an_edited_entry() {
    // Proves the chain check above can fail: one changed byte breaks it.
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a"]).code(0);
    let audit = vault.audit_text();
    assert_unbroken_chain(&audit);
    let edited = audit.replacen("\"agent\":\"a\"", "\"agent\":\"b\"", 1);
    assert_ne!(edited, audit);
    assert_eq!(
        chain_break(&edited).as_deref(),
        Some("line 2: hash does not match its content")
    );
}

// --- permissions (DESIGN.md, "Permissions and paths") ----------------------------------------

#[test]
fn a_group_readable_vault_age_is_refused_with_the_chmod_to_run() {
    let vault = TestVault::new();
    vault.chmod("vault.age", 0o640);
    let list = vault.run(&["agent", "list"]).code(78);
    assert_short_error(&list);
    let text = stderr(&list);
    let path = vault.path("vault.age");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("chmod 600"), "{text}");

    vault.chmod("vault.age", 0o600);
    vault.run(&["agent", "list"]).code(0);
}

// --- what users and programs see (DESIGN.md, "Output conventions") ---------------------------

#[test]
fn json_errors_are_an_error_object_on_stderr() {
    let vault = TestVault::new();
    let run = vault
        .run(&["--json", "agent", "show", "nope"])
        .code(66)
        .stdout(predicate::str::is_empty());
    let text = stderr(&run);
    assert_eq!(text.lines().count(), 1, "one JSON line:\n{text}");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("stderr is JSON");
    let error = &doc["error"];
    assert_eq!(error["code"], 66);
    assert_eq!(error["kind"], "not_found");
    assert!(
        error["message"].as_str().unwrap().contains("nope"),
        "{text}"
    );
}

#[test]
fn suspend_and_resume_show_in_agent_show_json() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    let status =
        |v: &TestVault| v.json(&["agent", "show", "coder", "--json"])["agent"]["status"].clone();
    assert_eq!(status(&vault), "active");

    vault.run(&["agent", "suspend", "coder"]).code(0);
    assert_eq!(status(&vault), "suspended");

    vault.run(&["agent", "resume", "coder"]).code(0);
    assert_eq!(status(&vault), "active");

    let actions: Vec<_> = vault
        .audit_lines()
        .iter()
        .filter(|e| e["agent"] == "coder")
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["agent.add", "agent.suspend", "agent.resume"]);
}

#[test]
fn a_closed_stdout_pipe_exits_quietly() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a", "b", "c"]).code(0);
    for args in [&["agent", "list"][..], &["agent", "list", "--json"]] {
        // Close the read end before the child starts, so its first write must hit EPIPE.
        let (reader, writer) = std::io::pipe().expect("create a pipe");
        drop(reader);
        let out = vault
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .output()
            .expect("run agentcred");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
    }
}

#[test]
fn an_edited_or_rolled_back_roster_is_refused_by_agent_list() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a"]).code(0);
    let roster = vault.path("agents/roster");
    let old = std::fs::read(&roster).unwrap();
    vault.run(&["agent", "suspend", "a"]).code(0);

    // Put back the older roster, which still says "active".
    std::fs::write(&roster, &old).unwrap();
    let list = vault.run(&["agent", "list"]).code(65);
    assert_short_error(&list);
    assert!(stderr(&list).contains("rolled back"), "{}", stderr(&list));

    // An edit to the current one breaks its signature.
    vault.run(&["agent", "resume", "a"]).code(0);
    let text = std::fs::read_to_string(&roster)
        .unwrap()
        .replace("\"active\"", "\"suspended\"");
    std::fs::write(&roster, text).unwrap();
    let list = vault.run(&["agent", "list", "--json"]).code(65);
    assert!(stderr(&list).contains("integrity"), "{}", stderr(&list));
}

#[test]
fn agent_list_still_refuses_a_tampered_state() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "a"]).code(0);
    let path = vault.path("vault.age");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() - 40;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let list = vault.run(&["agent", "list"]).code(65);
    assert_short_error(&list);
}
