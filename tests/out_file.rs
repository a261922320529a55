//! `--out FILE` on `mint`, `identity export` and `key issue`: a new 0600 file, an existing one
//! refused (73, before anything is minted or issued) unless `--force`; and the warning for a key
//! or passphrase file that group or others can read.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use util::{TestVault, random_secret};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("the file")
        .permissions()
        .mode()
        & 0o777
}

fn count(vault: &TestVault, action: &str) -> usize {
    vault
        .audit_lines()
        .iter()
        .filter(|e| e["action"] == action)
        .count()
}

fn with_coder(value: &str) -> TestVault {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "coder"]).code(0);
    vault.set_secret("db", value).code(0);
    vault.run(&["grant", "coder", "db"]).code(0);
    vault
}

#[test]
fn mint_out_writes_a_new_private_file_and_refuses_an_existing_one_before_minting() {
    let value = random_secret();
    let vault = with_coder(&value);
    let file = vault.root().join("cred.env");
    let f = file.to_str().unwrap();
    let out = vault
        .run(&["mint", "--agent", "coder", "--format", "env", "--out", f])
        .code(0);
    util::assert_output_no_leak(&out, &value);
    assert_eq!(mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("export DB='{value}'")), "{text}");
    assert_eq!(count(&vault, "cred.mint"), 1);

    let out = vault
        .run(&["mint", "--agent", "coder", "--out", f])
        .code(73);
    assert!(
        util::stderr(&out).contains("pass --force"),
        "{}",
        util::stderr(&out)
    );
    assert_eq!(count(&vault, "cred.mint"), 1, "minted although refused");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    vault
        .run(&["mint", "--agent", "coder", "--out", f, "--force"])
        .code(0);
    assert_eq!(mode(&file), 0o600);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["env"]["DB"], value.as_str());
}

#[test]
fn identity_export_out_writes_a_new_private_file() {
    let vault = TestVault::new();
    let file = vault.root().join("admin.age");
    let f = file.to_str().unwrap();
    let out = vault.run(&["identity", "export", "--out", f]).code(0);
    assert!(!util::stdout(&out).contains("AGE-SECRET-KEY"));
    assert!(!util::stderr(&out).contains("AGE-SECRET-KEY"));
    assert_eq!(mode(&file), 0o600);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("AGE-SECRET-KEY-1")
    );
    let exports = count(&vault, "identity.export");
    vault.run(&["identity", "export", "--out", f]).code(73);
    assert_eq!(count(&vault, "identity.export"), exports);
    vault
        .run(&["identity", "export", "--out", f, "--force"])
        .code(0);
    assert_eq!(mode(&file), 0o600);
    // The file unlocks the vault.
    let mut cmd = assert_cmd::Command::from_std(vault.command_without_unlock());
    cmd.env("AGENTCRED_IDENTITY", &file)
        .args(["agent", "list"])
        .assert()
        .code(0);
}

#[test]
fn key_issue_out_refuses_an_existing_file_unless_forced() {
    let vault = with_coder(&random_secret());
    let file = vault.root().join("coder.key");
    std::fs::write(&file, "old").unwrap();
    let f = file.to_str().unwrap();
    let keys = count(&vault, "key.issue");
    let out = vault.run(&["key", "issue", "coder", "--out", f]).code(73);
    assert!(
        util::stderr(&out).contains("pass --force"),
        "{}",
        util::stderr(&out)
    );
    assert_eq!(count(&vault, "key.issue"), keys, "issued although refused");
    vault
        .run(&["key", "issue", "coder", "--out", f, "--force"])
        .code(0);
    assert_eq!(mode(&file), 0o600);
    vault
        .with_key_file(&file)
        .args(["mint", "--format", "token"])
        .assert()
        .code(0);
    vault.run(&["key", "issue", "coder", "--force"]).code(2);
}

#[test]
fn a_key_or_passphrase_file_others_can_read_gets_a_warning_naming_the_chmod() {
    let vault = with_coder(&random_secret());
    std::fs::set_permissions(
        vault.passphrase_file(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = vault.run(&["agent", "list"]).code(0);
    let err = util::stderr(&out);
    assert!(
        err.contains(&format!(
            "warning: the passphrase file {} can be read by group or others (mode 0644): run `chmod 600 {}`",
            vault.passphrase_file().display(),
            vault.passphrase_file().display()
        )),
        "{err}"
    );
    std::fs::set_permissions(
        vault.passphrase_file(),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let key = vault.issue_key("coder", &[]);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = vault
        .with_key_file(&key)
        .args(["mint", "--format", "token"])
        .assert()
        .code(0);
    let err = util::stderr(&out);
    assert!(
        err.contains("the key file") && err.contains("chmod 600"),
        "{err}"
    );
    let out = vault.run(&["agent", "list"]).code(0);
    assert!(
        !util::stderr(&out).contains("warning"),
        "{}",
        util::stderr(&out)
    );
}
