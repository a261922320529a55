//! agentcred's credential tokens verified by another Biscuit implementation: biscuit-python
//! (`pip install biscuit-python==0.4.0`, module `biscuit_auth`), driven by
//! `tests/external/verify_biscuit.py` with nothing but the token and the issuer public key from
//! `vault.toml`: tokens are standard Biscuit v3, verifiable offline by third parties
//! (docs/DESIGN.md, "Token layout").
//!
//! The script's authorizer mirrors agentcred's verifier (time, operation, resource, a deny policy
//! on `deny_right` and an allow policy on `right`); every verdict is compared with `agentcred
//! verify` on the same token and request, so the two verifiers are also checked to agree.
//!
//! The tests fail when `python3 -c 'import biscuit_auth'` fails (CI installs the package in
//! `.ci/run`), unless `AGENTCRED_SKIP_EXTERNAL=1`.

mod util;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;
use util::{TestVault, hex, stderr, stdout};

const AGENT: &str = "etl";
const SECRET: &str = "customer_db";

const INSTALL: &str = "pip install biscuit-python==0.4.0";

fn verifier_script() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/external/verify_biscuit.py"
    ))
}

/// Whether to run: true when biscuit-python is importable, false when the caller opted out with
/// `AGENTCRED_SKIP_EXTERNAL=1`; otherwise the test fails, saying how to install it.
fn biscuit_python_available() -> bool {
    let import = Command::new("python3")
        .args(["-c", "import biscuit_auth"])
        .stdin(Stdio::null())
        .output();
    let why = match &import {
        Ok(out) if out.status.success() => return true,
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_string(),
        Err(e) => format!("cannot run python3: {e}"),
    };
    if std::env::var("AGENTCRED_SKIP_EXTERNAL").as_deref() == Ok("1") {
        eprintln!("skipped: biscuit-python is not available ({why}); AGENTCRED_SKIP_EXTERNAL=1");
        return false;
    }
    panic!(
        "the external Biscuit verifier needs biscuit-python: run `{INSTALL}` \
         (CI installs it in .ci/run), or set AGENTCRED_SKIP_EXTERNAL=1 to skip this test. \
         `python3 -c 'import biscuit_auth'` failed: {why}"
    );
}

/// The vault's current issuer key: (hex public key for biscuit-python, Biscuit root key id).
fn issuer_key(vault: &TestVault) -> (String, u32) {
    let text = std::fs::read_to_string(vault.path("vault.toml")).expect("read vault.toml");
    let doc: toml::Table = toml::from_str(&text).expect("vault.toml is TOML");
    let keys = doc["issuer_keys"]
        .as_array()
        .expect("vault.toml has [[issuer_keys]]");
    assert_eq!(keys.len(), 1, "a fresh vault has one issuer key");
    let id = keys[0]["id"].as_str().expect("issuer key id");
    let public = keys[0]["public_key"].as_str().expect("issuer public_key");
    // src/crypto.rs: standard base64, unpadded; src/token/mod.rs `root_key_number`: the first
    // 4 bytes of the key id are the Biscuit root key id.
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(public.trim_end_matches('='))
        .expect("the issuer public key is base64");
    assert_eq!(bytes.len(), 32, "an Ed25519 public key");
    let root_key_id = u32::from_str_radix(&id[..8], 16).expect("the key id is hex");
    (hex(&bytes), root_key_id)
}

/// A vault with `etl` granted read on `customers` of one secret, and a token minted for it.
fn vault_with_token() -> (TestVault, String) {
    let vault = TestVault::new();
    vault.run(&["agent", "add", AGENT]).success();
    vault
        .set_secret(SECRET, "postgres://etl:hunter2@db/customers")
        .success();
    vault
        .run(&[
            "grant",
            AGENT,
            SECRET,
            "--actions",
            "read",
            "--resources",
            "customers",
        ])
        .success();
    let minted = vault.run(&["mint", "--agent", AGENT, "--format", "token"]);
    let token = stdout(&minted.success()).trim().to_string();
    assert!(!token.is_empty(), "mint --format token printed nothing");
    (vault, token)
}

/// Runs the Python verifier (the token on stdin); returns its exit code and its line.
fn external_verify(
    token: &str,
    (key, root_key_id): &(String, u32),
    check_key_id: bool,
    request: &[&str],
) -> (i32, String) {
    let mut cmd = Command::new("python3");
    cmd.arg(verifier_script()).args(["--root-key", key]);
    if check_key_id {
        cmd.args(["--root-key-id", &root_key_id.to_string()]);
    }
    let mut child = cmd
        .args(request)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3 tests/external/verify_biscuit.py");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{token}\n").as_bytes())
        .expect("write the token to the verifier");
    let out = child.wait_with_output().expect("wait for the verifier");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code().expect("the verifier exited");
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "the verifier prints one line:\n{text}"
    );
    (code, text.trim().to_string())
}

/// `agentcred verify` on the same token and request; returns its exit code.
fn agentcred_verify(vault: &TestVault, token: &str, request: &[&str]) -> i32 {
    let args: Vec<&str> = request
        .iter()
        .map(|a| if *a == "--operation" { "--action" } else { a })
        .collect();
    let run = vault
        .cmd()
        .args(["verify", "-"])
        .args(&args)
        .write_stdin(format!("{token}\n"))
        .assert();
    let code = run.get_output().status.code().expect("agentcred exited");
    assert!(
        !stderr(&run).contains("panicked"),
        "agentcred panicked:\n{}",
        stderr(&run)
    );
    code
}

/// The token with one byte of its middle flipped, re-encoded the same way (URL-safe base64,
/// padded or not as the original): still valid base64, so only the signatures can refuse it.
fn flip_middle_byte(token: &str) -> String {
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    let mut bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .expect("the token is URL-safe base64");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    if token.ends_with('=') {
        URL_SAFE.encode(bytes)
    } else {
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

#[test]
fn biscuit_python_verifies_an_agentcred_token_like_agentcred() {
    if !biscuit_python_available() {
        return;
    }
    let (vault, token) = vault_with_token();
    let key = issuer_key(&vault);

    let cases: &[(&[&str], i32)] = &[
        (&["--operation", "read", "--resource", "customers"], 0),
        (&[], 0),
        (&["--operation", "write", "--resource", "customers"], 3),
        (&["--operation", "read", "--resource", "orders"], 3),
        (&["--operation", "write", "--resource", "orders"], 3),
    ];
    for (request, expected) in cases {
        let (code, line) = external_verify(&token, &key, true, request);
        assert_eq!(
            code, *expected,
            "biscuit-python, {request:?}: exit {code}, expected {expected}: {line}"
        );
        let ours = agentcred_verify(&vault, &token, request);
        assert_eq!(
            ours, code,
            "agentcred verify and biscuit-python disagree on {request:?} ({line})"
        );
    }

    let flipped = flip_middle_byte(&token);
    assert_ne!(flipped, token);
    let read = ["--operation", "read", "--resource", "customers"];
    let (code, line) = external_verify(&flipped, &key, true, &read);
    assert_eq!(code, 65, "a flipped byte must fail the signatures: {line}");
    assert!(
        !line.to_lowercase().contains("base64"),
        "refused as bad base64, not by its signatures: {line}"
    );
    assert_eq!(agentcred_verify(&vault, &flipped, &read), 65);
}

#[test]
fn biscuit_python_refuses_a_token_from_another_vault() {
    if !biscuit_python_available() {
        return;
    }
    let (vault, _) = vault_with_token();
    let (other, foreign) = vault_with_token();
    let key = issuer_key(&vault);
    let other_key = issuer_key(&other);
    assert_ne!(key.0, other_key.0, "two vaults, two issuer keys");
    let read = ["--operation", "read", "--resource", "customers"];

    // Its own issuer key accepts it: the refusals below are about the key, not the token.
    let (code, line) = external_verify(&foreign, &other_key, true, &read);
    assert_eq!(code, 0, "the other vault's key accepts its token: {line}");

    // Against this vault's key: refused by root key id, and, without that check, by signature.
    for check_key_id in [true, false] {
        let (code, line) = external_verify(&foreign, &key, check_key_id, &read);
        assert_eq!(
            code, 65,
            "a token signed by another root key (root key id checked: {check_key_id}): {line}"
        );
    }
    let ours = agentcred_verify(&vault, &foreign, &read);
    assert!(
        matches!(ours, 3 | 65),
        "agentcred verify gave {ours} for a foreign token"
    );
}

// --- An agent key holder forging credentials offline --------------------------------------------

/// The age identity (`AGE-SECRET-KEY-1…`) of an agent key file: its secret part is the X25519
/// seed, which stock `age` takes bech32-encoded.
fn age_identity(key_file: &Path) -> String {
    let text = std::fs::read_to_string(key_file).expect("read the key file");
    let secret = text.trim().rsplit(':').next().expect("a key has parts");
    let seed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(secret)
        .expect("the key's secret is base64url");
    let hrp = bech32::Hrp::parse("age-secret-key-").expect("a valid hrp");
    bech32::encode::<bech32::Bech32>(hrp, &seed)
        .expect("32 bytes fit bech32")
        .to_uppercase()
}

/// What the holder of `key_file` reads with stock `age`: the authority token in its agent's
/// envelope (the first line of the decrypted envelope is its JSON body).
fn authority_with_stock_age(vault: &TestVault, key_file: &Path) -> String {
    let identity = vault.root().join("stolen-identity.txt");
    util::write_private(
        &identity,
        format!("{}\n", age_identity(key_file)).as_bytes(),
    );
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&identity)
        .arg(vault.path(&format!("agents/{AGENT}.age")))
        .output()
        .expect("run age (Debian package `age`)");
    assert!(
        out.status.success(),
        "the key opens its envelope with stock age: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = String::from_utf8_lossy(&out.stdout);
    let first = body.lines().next().expect("the envelope has a body");
    let doc: serde_json::Value = serde_json::from_str(first).expect("the body is JSON");
    doc["authority"]
        .as_str()
        .expect("the envelope carries the authority token")
        .to_string()
}

/// biscuit-python appends a first-party block (`issued`, `expiry`, a time check) to `token`, as
/// anyone holding a token can; `None` for `expires` re-encodes the token as it is.
fn forge(
    token: &str,
    (key, _): &(String, u32),
    issued: Option<i64>,
    expires: Option<i64>,
) -> String {
    let script = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/external/forge_block.py"
    ));
    let mut cmd = Command::new("python3");
    cmd.arg(script).args(["--root-key", key]);
    if let Some(i) = issued {
        cmd.args(["--issued", &i.to_string()]);
    }
    if let Some(e) = expires {
        cmd.args(["--expires", &e.to_string()]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3 tests/external/forge_block.py");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{token}\n").as_bytes())
        .expect("write the token");
    let out = child.wait_with_output().expect("wait for the forger");
    assert!(
        out.status.success(),
        "biscuit-python could not append: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `agentcred verify - ARGS` on `token`: its exit code and stderr, asserting it printed nothing
/// on stdout when it refused.
fn verify_forged(vault: &TestVault, token: &str) -> (i32, String) {
    let run = vault
        .cmd()
        .args(["verify", "-", "--action", "read", "--resource", "customers"])
        .write_stdin(format!("{token}\n"))
        .assert();
    let code = run.get_output().status.code().expect("agentcred exited");
    if code != 0 {
        assert!(stdout(&run).is_empty(), "a refusal printed data");
    }
    (code, stderr(&run))
}

/// A vault whose agent `etl` reads `customers` of one secret for at most 15 minutes, with a key.
fn vault_with_key() -> (TestVault, std::path::PathBuf) {
    let vault = TestVault::new();
    vault.run(&["agent", "add", AGENT]).success();
    vault
        .set_secret(SECRET, "postgres://etl:hunter2@db/customers")
        .success();
    vault
        .run(&[
            "grant",
            AGENT,
            SECRET,
            "--actions",
            "read",
            "--resources",
            "customers",
            "--max-ttl",
            "15m",
        ])
        .success();
    let key = vault.issue_key(AGENT, &[]);
    (vault, key)
}

/// The holder of an agent key opens its envelope with stock `age`, takes the authority token and
/// makes credentials of its own with biscuit-python, outside `mint` and the audit log: a 23 h
/// credential against a 15 m grant, one issued in the future, and the bare authority are all
/// refused (3). What remains possible, a credential within the grant's limits, is no more than
/// `mint` would have given the same key (the control).
#[test]
fn a_key_holder_cannot_forge_a_credential_longer_than_its_grant_or_use_the_bare_authority() {
    if !biscuit_python_available() {
        return;
    }
    let (vault, key_file) = vault_with_key();
    let key = issuer_key(&vault);
    let authority = authority_with_stock_age(&vault, &key_file);
    let now = chrono::Utc::now().timestamp();

    let day = forge(&authority, &key, Some(now), Some(now + 23 * 3600));
    let (code, text) = verify_forged(&vault, &day);
    assert_eq!(code, 3, "a 23 h credential against a 15 m grant: {text}");
    assert!(text.contains("at most"), "{text}");

    let undated = forge(&authority, &key, None, Some(now + 23 * 3600));
    assert_eq!(verify_forged(&vault, &undated).0, 3, "no issue time");

    let future = forge(&authority, &key, Some(now + 3600), Some(now + 3600 + 600));
    let (code, text) = verify_forged(&vault, &future);
    assert_eq!(code, 3, "issued an hour from now: {text}");

    let bare = forge(&authority, &key, None, None);
    let (code, text) = verify_forged(&vault, &bare);
    assert_eq!(code, 3, "the bare authority: {text}");
    assert!(text.contains("no credential block"), "{text}");

    // The control: within the grant's 15 minutes the block verifies, as a `mint` would have.
    let within = forge(&authority, &key, Some(now), Some(now + 600));
    assert_eq!(verify_forged(&vault, &within).0, 0, "the forger's control");
    // Nothing of these is on the log: no credential was minted.
    assert!(
        !vault.audit_text().contains("\"cred.mint\""),
        "the forgeries never went through mint"
    );
}

/// `key revoke` and `key rotate` revoke the authority the old key could read: a credential built
/// from it afterwards, however short, is refused (3).
#[test]
fn a_revoked_or_rotated_key_leaves_no_usable_authority_behind() {
    if !biscuit_python_available() {
        return;
    }
    for how in ["revoke", "rotate"] {
        let (vault, key_file) = vault_with_key();
        let key = issuer_key(&vault);
        let authority = authority_with_stock_age(&vault, &key_file);
        let now = chrono::Utc::now().timestamp();
        let before = forge(&authority, &key, Some(now), Some(now + 600));
        assert_eq!(verify_forged(&vault, &before).0, 0, "{how}: the control");

        let text = std::fs::read_to_string(&key_file).expect("read the key");
        let key_id = text.trim().split(':').nth(2).expect("a key id").to_string();
        match how {
            "revoke" => vault.run(&["key", "revoke", &key_id]).code(0),
            _ => {
                let out = vault.root().join("new.key");
                let out = out.to_str().expect("UTF-8");
                vault
                    .run(&["key", "rotate", AGENT, "--overlap", "0s", "--out", out])
                    .code(0)
            }
        };
        let after = forge(&authority, &key, Some(now), Some(now + 600));
        let (code, text) = verify_forged(&vault, &after);
        assert_eq!(code, 3, "{how}: the old authority still works: {text}");
        assert!(text.contains("revoked"), "{text}");
        assert_eq!(
            verify_forged(&vault, &before).0,
            3,
            "{how}: the earlier one"
        );
    }
}

/// During a rotation's overlap the retiring key can still open the agent's envelope, and so read
/// the authority issued at the rotation. The authority before it is revoked from the end of the
/// overlap; the one issued at the rotation is revoked at the next admin change to the agent
/// after the overlap (here `key issue`). Between the two, a copy of it still verifies credentials
/// within the grant's limits: that window is what this test pins down.
#[test]
fn a_retired_keys_copy_of_the_rotation_authority_is_revoked_by_the_next_change() {
    if !biscuit_python_available() {
        return;
    }
    let (vault, old_key) = vault_with_key();
    let key = issuer_key(&vault);
    let before = authority_with_stock_age(&vault, &old_key);
    let out = vault.root().join("new.key");
    let rotated = std::time::Instant::now();
    vault
        .run(&[
            "key",
            "rotate",
            AGENT,
            "--overlap",
            "5s",
            "--out",
            out.to_str().expect("UTF-8"),
        ])
        .code(0);
    let during = authority_with_stock_age(&vault, &old_key);
    assert_ne!(before, during, "the rotation issued a new authority");
    let now = chrono::Utc::now().timestamp();
    assert_eq!(
        verify_forged(&vault, &forge(&before, &key, Some(now), Some(now + 600))).0,
        0,
        "within the overlap the old authority still works"
    );
    // The overlap ends (a real expiry: agentcred has no test clock).
    let overlap = std::time::Duration::from_millis(5100);
    std::thread::sleep(overlap.saturating_sub(rotated.elapsed()));
    let now = chrono::Utc::now().timestamp();
    let (code, text) = verify_forged(&vault, &forge(&before, &key, Some(now), Some(now + 600)));
    assert_eq!(
        code, 3,
        "the pre-rotation authority after the overlap: {text}"
    );
    assert!(text.contains("revoked"), "{text}");
    assert_eq!(
        verify_forged(&vault, &forge(&during, &key, Some(now), Some(now + 600))).0,
        0,
        "until the next change, the rotation's authority is the agent's current one"
    );
    vault.issue_key(AGENT, &[]);
    let now = chrono::Utc::now().timestamp();
    let (code, text) = verify_forged(&vault, &forge(&during, &key, Some(now), Some(now + 600)));
    assert_eq!(
        code, 3,
        "the rotation's authority after the next change: {text}"
    );
    assert!(text.contains("revoked"), "{text}");
}
