//! What agentcred trusts in the vault directory, attacked by another process of the same user that
//! can write it: the recipients and issuer keys in `vault.toml`, the KDF cost, and who can still
//! open an agent envelope with stock `age` after a recipient is removed or a key expires.
//!
//! Each test edits the real files the way such a process would, runs the real binary, and
//! checks with stock `age` (the attacker's tool) and biscuit-python (a second Biscuit
//! implementation, for forged tokens) that nothing was released.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use util::{TestVault, assert_short_error, random_secret, stderr, stdout, write_private};

const AGENT: &str = "etl";
const SECRET: &str = "customer_db";

/// A vault with `etl` granted read on `customers` of one secret, and a key for `etl`.
struct Fixture {
    vault: TestVault,
    value: String,
    key: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let vault = TestVault::new();
        let value = random_secret();
        vault.run(&["agent", "add", AGENT]).code(0);
        vault.set_secret(SECRET, &value).code(0);
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
            .code(0);
        let key = vault.issue_key(AGENT, &[]);
        Fixture { vault, value, key }
    }

    fn toml(&self) -> toml::Table {
        toml::from_str(&std::fs::read_to_string(self.vault.path("vault.toml")).unwrap())
            .expect("vault.toml is TOML")
    }

    fn write_toml(&self, doc: &toml::Table) {
        std::fs::write(
            self.vault.path("vault.toml"),
            toml::to_string(doc).expect("TOML"),
        )
        .expect("write vault.toml");
    }

    fn mint_token(&self) -> String {
        let out = self
            .vault
            .run(&["mint", "--agent", AGENT, "--format", "token"])
            .code(0);
        stdout(&out).trim().to_string()
    }

    /// Every age file in the vault: `vault.age` and each envelope.
    fn age_files(&self) -> Vec<PathBuf> {
        self.vault
            .files()
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "age"))
            .collect()
    }
}

/// A new stock age identity in `dir`: (identity file, its `age1…` recipient).
fn age_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let file = dir.join(name);
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&file)
        .output()
        .expect("run age-keygen (install age)");
    assert!(out.status.success(), "age-keygen failed");
    let text = std::fs::read_to_string(&file).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("age-keygen writes the public key")
        .to_string();
    (file, recipient)
}

/// Stock `age -d -i IDENTITY FILE`: its plaintext, or None when age refuses.
fn stock_age(identity: &Path, file: &Path) -> Option<Vec<u8>> {
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run age (install age)");
    out.status.success().then_some(out.stdout)
}

#[track_caller]
fn assert_age_fails(identity: &Path, files: &[PathBuf]) {
    assert!(!files.is_empty());
    for f in files {
        assert!(
            stock_age(identity, f).is_none(),
            "{} opened {} with stock age",
            identity.display(),
            f.display()
        );
    }
}

/// An agent key file's secret as a stock age identity file.
fn key_as_age_identity(key_file: &Path, out: &Path) {
    let text = std::fs::read_to_string(key_file).unwrap();
    let secret = text.trim().rsplit(':').next().unwrap();
    let seed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(secret)
        .expect("the key's secret is base64url");
    let hrp = bech32::Hrp::parse("age-secret-key-").unwrap();
    let id = bech32::encode::<bech32::Bech32>(hrp, &seed)
        .unwrap()
        .to_uppercase();
    write_private(out, format!("{id}\n").as_bytes());
}

// ---------------------------------------------------------------------------------------------
// Recipients come from the signed state.

#[test]
fn a_recipient_added_to_vault_toml_is_refused_and_can_decrypt_nothing() {
    let fx = Fixture::new();
    let (attacker, recipient) = age_keygen(fx.vault.root(), "attacker.txt");
    let mut doc = fx.toml();
    let mut entry = toml::Table::new();
    entry.insert("recipient".into(), recipient.clone().into());
    entry.insert("added_at".into(), "2026-01-01T00:00:00.000Z".into());
    doc.get_mut("recipients")
        .and_then(|r| r.as_array_mut())
        .expect("recipients")
        .push(entry.into());
    fx.write_toml(&doc);
    let before = fx.vault.snapshot_files();

    // Routine admin commands: refused before anything is written, naming the file and the change.
    let new_value = random_secret();
    for args in [
        &["agent", "add", "other"][..],
        &["grant", AGENT, SECRET, "--actions", "write"][..],
        &["key", "issue", AGENT],
        &["agent", "list"],
        &["status"],
        &["audit", "verify"],
    ] {
        let refused = fx.vault.run(args).code(65);
        assert_short_error(&refused);
        let text = stderr(&refused);
        assert!(
            text.contains("vault.toml") && text.contains(&recipient),
            "{args:?}: {text}"
        );
    }
    fx.vault
        .run_stdin(
            &["secret", "set", SECRET, "--stdin"],
            &format!("{new_value}\n"),
        )
        .code(65);
    assert_eq!(fx.vault.snapshot_files(), before, "a refused command wrote");

    // The attacker's identity opens neither the state nor any envelope.
    assert_age_fails(&attacker, &fx.age_files());
}

#[test]
fn an_admin_recipient_swapped_in_vault_toml_is_refused() {
    let fx = Fixture::new();
    let (attacker, recipient) = age_keygen(fx.vault.root(), "attacker.txt");
    let mut doc = fx.toml();
    doc.insert("admin_recipient".into(), recipient.clone().into());
    fx.write_toml(&doc);
    let before = fx.vault.snapshot_files();
    let refused = fx.vault.run(&["agent", "add", "other"]).code(65);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains("vault.toml") && stderr(&refused).contains("admin_recipient"),
        "{}",
        stderr(&refused)
    );
    fx.vault.run(&["audit", "verify"]).code(65);
    assert_eq!(fx.vault.snapshot_files(), before);
    assert_age_fails(&attacker, &fx.age_files());
}

// ---------------------------------------------------------------------------------------------
// Issuer keys: a chain from the vault id.

/// Forges a token with biscuit-python: the real token's blocks, its authority widened to every
/// action on every resource, rooted at a fresh Ed25519 key of the attacker's. Returns
/// (key id, base64 public key, hex public key, forged token).
fn forge_token(real: &str) -> (String, String, String, String) {
    const SCRIPT: &str = r#"
import base64, hashlib, re, sys
import biscuit_auth as b
token = sys.stdin.read().strip()
kp = b.KeyPair()
pub = bytes(kp.public_key.to_bytes())
key_id = hashlib.sha256(pub).hexdigest()[:16]
real = b.UnverifiedBiscuit.from_base64(token)
authority = re.sub(r'right\(("[^"]*"), [^\n]*\);', r'right(\1, "*", "prefix", "");', real.block_source(0))
builder = b.BiscuitBuilder(authority)
builder.set_root_key_id(int(key_id[:8], 16))
forged = builder.build(kp.private_key)
for i in range(1, real.block_count()):
    forged = forged.append(b.BlockBuilder(real.block_source(i)))
print(key_id)
print(base64.b64encode(pub).decode().rstrip("="))
print(pub.hex())
print(forged.to_base64())
"#;
    let out = run_python(&["-c", SCRIPT], real);
    let lines: Vec<String> = out.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{out}");
    (
        lines[0].clone(),
        lines[1].clone(),
        lines[2].clone(),
        lines[3].clone(),
    )
}

fn run_python(args: &[&str], stdin: &str) -> String {
    use std::io::Write as _;
    let mut child = Command::new("python3")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3 (biscuit-python: pip install biscuit-python==0.4.0)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{stdin}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The forged token is a valid Biscuit for any right under the attacker's key: the second
/// implementation says so, so a refusal by agentcred is about the key, not the token.
fn assert_forgery_is_valid_under(token: &str, public_hex: &str) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/external/verify_biscuit.py"
    );
    let out = run_python(
        &[
            script,
            "--root-key",
            public_hex,
            "--operation",
            "write",
            "--resource",
            "orders",
            "-",
        ],
        token,
    );
    assert!(out.starts_with("ok:"), "{out}");
}

#[test]
fn an_issuer_key_appended_to_vault_toml_cannot_sign_tokens() {
    let fx = Fixture::new();
    let real = fx.mint_token();
    let (id, public_b64, public_hex, forged) = forge_token(&real);
    assert_forgery_is_valid_under(&forged, &public_hex);
    let original = std::fs::read_to_string(fx.vault.path("vault.toml")).unwrap();
    // Appended as the attacker would: a plain [[issuer_keys]] entry, unsigned...
    let appended = format!(
        "{original}\n[[issuer_keys]]\nid = \"{id}\"\npublic_key = \"{public_b64}\"\ncreated_at = \"2026-01-01T00:00:00.000Z\"\n"
    );
    // ...or claiming a signature (its own, over the chain message: not the predecessor's).
    let signed = format!(
        "{appended}predecessors_retire_at = \"2026-01-01T00:00:00.000Z\"\nsignature = \"{}\"\n",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode([7u8; 64])
    );
    for text in [&appended, &signed] {
        std::fs::write(fx.vault.path("vault.toml"), text).unwrap();
        for args in [
            &[
                "verify",
                &forged,
                "--action",
                "write",
                "--resource",
                "orders",
            ][..],
            &["verify", &forged],
        ] {
            let refused = fx.vault.run(args).code(65);
            assert_short_error(&refused);
            let text = stderr(&refused);
            assert!(text.contains("vault.toml") && text.contains(&id), "{text}");
        }
    }
    // Without touching vault.toml the forged root is simply unknown (65, a forged token).
    std::fs::write(fx.vault.path("vault.toml"), &original).unwrap();
    let refused = fx
        .vault
        .run(&[
            "verify",
            &forged,
            "--action",
            "write",
            "--resource",
            "orders",
        ])
        .code(65);
    assert!(
        stderr(&refused).contains("unknown issuer key"),
        "{}",
        stderr(&refused)
    );
    fx.vault
        .run(&[
            "verify",
            &real,
            "--action",
            "read",
            "--resource",
            "customers",
        ])
        .code(0);
}

#[test]
fn the_vault_id_commits_to_the_first_issuer_key() {
    use sha2::{Digest, Sha256};
    let fx = Fixture::new();
    let doc = fx.toml();
    let first = &doc["issuer_keys"].as_array().unwrap()[0];
    let public = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(first["public_key"].as_str().unwrap())
        .unwrap();
    let mut h = Sha256::new();
    h.update(b"agentcred-vault-id-v1");
    h.update(&public);
    assert_eq!(
        doc["vault_id"].as_str().unwrap(),
        util::hex(&h.finalize()[..16])
    );
    assert!(first.get("signature").is_none());

    // Another vault id in the same file: the chain no longer starts at it.
    let token = fx.mint_token();
    let mut edited = doc.clone();
    edited.insert("vault_id".into(), "00112233445566778899aabbccddeeff".into());
    fx.write_toml(&edited);
    let refused = fx.vault.run(&["verify", &token]).code(65);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains("vault id"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn a_chain_link_with_a_bad_signature_is_refused_by_every_command_that_reads_keys() {
    let fx = Fixture::new();
    fx.vault
        .run(&["identity", "rotate-issuer", "--overlap", "1h"])
        .code(0);
    let token = fx.mint_token();
    fx.vault.run(&["verify", &token]).code(0);
    let good = fx.toml();
    let keys = good["issuer_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[1]["signature"].is_str(), "{good}");

    type Edit = Box<dyn Fn(&mut toml::Table)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a flipped signature",
            Box::new(|d: &mut toml::Table| {
                let k = &mut d["issuer_keys"].as_array_mut().unwrap()[1];
                let sig = k["signature"].as_str().unwrap();
                let flipped = format!(
                    "{}{}",
                    if sig.starts_with('A') { "B" } else { "A" },
                    &sig[1..]
                );
                k.as_table_mut()
                    .unwrap()
                    .insert("signature".into(), flipped.into());
            }),
        ),
        (
            "a later overlap for the old key",
            Box::new(|d: &mut toml::Table| {
                let k = &mut d["issuer_keys"].as_array_mut().unwrap()[0];
                k.as_table_mut()
                    .unwrap()
                    .insert("retire_at".into(), "2099-01-01T00:00:00.000Z".into());
            }),
        ),
        (
            "no signature",
            Box::new(|d: &mut toml::Table| {
                let k = &mut d["issuer_keys"].as_array_mut().unwrap()[1];
                k.as_table_mut().unwrap().remove("signature");
            }),
        ),
    ];
    let key = fx.key.to_str().unwrap().to_string();
    for (what, edit) in &edits {
        let mut doc = good.clone();
        edit(&mut doc);
        fx.write_toml(&doc);
        let before = fx.vault.snapshot_files();
        for args in [
            &["verify", &token][..],
            &["agent", "list"],
            &["status"],
            &["audit", "verify"],
            &["agent", "add", "other"],
        ] {
            let refused = fx.vault.run(args).code(65);
            assert_short_error(&refused);
            assert!(
                stderr(&refused).contains("vault.toml"),
                "{what}, {args:?}: {}",
                stderr(&refused)
            );
        }
        // The key holder too.
        let mut holder = fx.vault.with_key_file(Path::new(&key));
        let refused = holder.args(["mint", "--format", "token"]).assert().code(65);
        assert!(stderr(&refused).contains("vault.toml"), "{what}");
        assert_eq!(
            fx.vault.snapshot_files(),
            before,
            "{what}: something was written"
        );
    }
    fx.write_toml(&good);
    fx.vault.run(&["verify", &token]).code(0);
}

#[test]
fn a_replaced_vault_toml_with_a_chain_of_its_own_is_refused_when_pinned_and_by_admin_commands() {
    let fx = Fixture::new();
    let token = fx.mint_token();
    let pinned = fx.toml()["vault_id"].as_str().unwrap().to_string();
    // The attacker's own vault supplies a complete, self-consistent vault.toml.
    let other = TestVault::new();
    let theirs = std::fs::read_to_string(other.path("vault.toml")).unwrap();
    std::fs::write(fx.vault.path("vault.toml"), &theirs).unwrap();
    let before = fx.vault.snapshot_files();

    let refused = fx
        .vault
        .run(&["verify", &token, "--vault-id", &pinned])
        .code(65);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains("vault.toml") && stderr(&refused).contains(&pinned),
        "{}",
        stderr(&refused)
    );
    let mut by_env = fx.vault.cmd();
    by_env
        .env("AGENTCRED_VAULT_ID", &pinned)
        .args(["verify", &token]);
    by_env.assert().code(65);
    // The admin's next command notices too: the signed state is not this chain's.
    fx.vault.run(&["agent", "add", "other"]).code(65);
    fx.vault.run(&["audit", "verify"]).code(65);
    // Only the verify attempts were logged, if anything: no state or envelope was written.
    let after = fx.vault.snapshot_files();
    for (path, bytes) in &before {
        if !path.ends_with("audit.jsonl") {
            assert_eq!(after.get(path), Some(bytes), "{} changed", path.display());
        }
    }

    // Unpinned, verify trusts the replaced file's own chain: the pin is what catches it there.
    drop(other);
}

#[test]
fn verify_with_the_right_pin_accepts_and_a_malformed_pin_is_a_usage_error() {
    let fx = Fixture::new();
    let token = fx.mint_token();
    let id = fx.toml()["vault_id"].as_str().unwrap().to_string();
    fx.vault.run(&["verify", &token, "--vault-id", &id]).code(0);
    fx.vault
        .run(&["verify", &token, "--vault-id", "not-an-id"])
        .code(2);
}

// ---------------------------------------------------------------------------------------------
// Recipients add|remove re-encrypt every envelope.

#[test]
fn a_removed_recipient_opens_no_envelope_afterwards() {
    let fx = Fixture::new();
    let (team, recipient) = age_keygen(fx.vault.root(), "team.txt");
    fx.vault.run(&["recipients", "add", &recipient]).code(0);
    // Added: it opens the state and every envelope (each was re-encrypted to it).
    for f in fx.age_files() {
        assert!(
            stock_age(&team, &f).is_some(),
            "recipients add left {} without the new recipient",
            f.display()
        );
    }
    fx.vault
        .run(&["recipients", "remove", &recipient, "--yes"])
        .code(0);
    assert_age_fails(&team, &fx.age_files());
    // Later changes do not bring it back, for old agents or new ones.
    fx.vault.run(&["agent", "add", "later"]).code(0);
    fx.vault.issue_key("later", &[]);
    fx.vault.set_secret(SECRET, &random_secret()).code(0);
    assert_age_fails(&team, &fx.age_files());
    // The agent's own key still opens its envelope, and holds the value.
    let id = fx.vault.root().join("etl-age.txt");
    key_as_age_identity(&fx.key, &id);
    let env = stock_age(&id, &fx.vault.path("agents/etl.age")).expect("the key opens it");
    assert!(!env.is_empty());
    let _ = &fx.value;
}

// ---------------------------------------------------------------------------------------------
// An expired key stops opening its envelope at the next admin change.

#[test]
fn an_expired_key_no_longer_opens_its_envelope_after_the_next_admin_command() {
    let fx = Fixture::new();
    let short = fx.vault.issue_key(AGENT, &["--expires", "2s"]);
    let issued = std::time::Instant::now();
    let short_id = fx.vault.root().join("short-age.txt");
    key_as_age_identity(&short, &short_id);
    let long_id = fx.vault.root().join("long-age.txt");
    key_as_age_identity(&fx.key, &long_id);
    let envelope = fx.vault.path("agents/etl.age");
    let plain = stock_age(&short_id, &envelope).expect("a live key opens its envelope");
    assert!(
        String::from_utf8_lossy(&plain).contains(&fx.value),
        "the envelope holds the granted value"
    );

    // Past the key's expiry, on the binary's clock (the stock age CLI has none to move).
    fx.vault
        .advance(Duration::from_millis(2300).saturating_sub(issued.elapsed()));
    // An admin command that does not concern this agent, and changes nothing itself.
    fx.vault.run(&["status"]).code(0);
    assert!(
        stock_age(&short_id, &envelope).is_none(),
        "the expired key still opens the envelope"
    );
    assert!(stock_age(&long_id, &envelope).is_some());

    // Nothing further expired: the next change leaves the envelope alone.
    let bytes = std::fs::read(&envelope).unwrap();
    fx.vault.run(&["agent", "add", "another"]).code(0);
    assert_eq!(std::fs::read(&envelope).unwrap(), bytes);
}

// ---------------------------------------------------------------------------------------------
// KDF parameters are bounded.

#[test]
fn kdf_parameters_out_of_bounds_are_refused_before_any_key_derivation() {
    let fx = Fixture::new();
    let good = fx.toml();
    let token = fx.mint_token();
    for (field, value) in [
        ("iterations", 4_294_967_295_i64),
        ("iterations", 65),
        ("iterations", 0),
        ("memory_kib", 4 * 1024 * 1024 + 1),
        ("memory_kib", 4),
        ("parallelism", 65),
        ("parallelism", 0),
    ] {
        let mut doc = good.clone();
        doc["kdf"]
            .as_table_mut()
            .unwrap()
            .insert(field.into(), value.into());
        fx.write_toml(&doc);
        for args in [&["agent", "list"][..], &["verify", &token]] {
            let started = std::time::Instant::now();
            let refused = fx.vault.run(args).code(65);
            assert!(started.elapsed() < Duration::from_secs(5));
            assert_short_error(&refused);
            let text = stderr(&refused);
            assert!(
                text.contains("vault.toml") && text.contains(&format!("kdf.{field}")),
                "{field}={value}: {text}"
            );
        }
    }
    fx.write_toml(&good);
    fx.vault.run(&["agent", "list"]).code(0);

    let fresh = TestVault::empty();
    for flags in [
        ["--kdf-iterations", "65"],
        ["--kdf-parallelism", "65"],
        ["--kdf-memory-kib", "4194305"],
    ] {
        fresh.run(&[&["init"][..], &flags].concat()).code(2);
    }
}

// ---------------------------------------------------------------------------------------------
// A retired issuer key stays retired for verify.

/// Forges a token with biscuit-python under a known issuer key: `real`'s blocks, its authority
/// widened to every action on every resource, signed by the Ed25519 seed `seed_b64` (base64, as
/// the vault state stores it), rooted at `key_id`.
fn forge_token_with(real: &str, seed_b64: &str, key_id: &str) -> String {
    const SCRIPT: &str = r#"
import base64, re, sys
import biscuit_auth as b
seed, key_id, token = sys.stdin.read().split()
seed = base64.b64decode(seed + "=" * (-len(seed) % 4))
kp = b.KeyPair.from_private_key(b.PrivateKey.from_bytes(seed, b.Algorithm.Ed25519))
real = b.UnverifiedBiscuit.from_base64(token)
authority = re.sub(r'right\(("[^"]*"), [^\n]*\);', r'right(\1, "*", "prefix", "");', real.block_source(0))
builder = b.BiscuitBuilder(authority)
builder.set_root_key_id(int(key_id[:8], 16))
forged = builder.build(kp.private_key)
for i in range(1, real.block_count()):
    forged = forged.append(b.BlockBuilder(real.block_source(i)))
print(forged.to_base64())
"#;
    run_python(&["-c", SCRIPT], &format!("{seed_b64} {key_id} {real}"))
        .trim()
        .to_string()
}

/// A recipient that was removed kept an old copy of `vault.age`, and so the issuer key of that
/// time. The admin rotated the issuer key (with no overlap) as the removal's note advises. Putting
/// back the `vault.toml` of before the rotation, or cutting the newer keys off the chain, leaves a
/// chain that is valid on its own and still starts at the pinned vault id, with the old key never
/// retired: `verify` must still refuse tokens that key signs.
/// The issuer key a removed recipient takes along: a vault with a token of the first issuer key,
/// a recipient that keeps a copy of `vault.age` and is removed, and an issuer rotation with no
/// overlap. Returns the fixture, the `vault.toml` of before the rotation, and the old key
/// (its id and seed, base64) with a token it forged for every right.
struct RetiredKey {
    fx: Fixture,
    old_toml: Vec<u8>,
    id: String,
    seed: String,
    forged: String,
}

fn retired_key_taken_along() -> RetiredKey {
    let fx = Fixture::new();
    let (team, recipient) = age_keygen(fx.vault.root(), "team.txt");
    fx.vault.run(&["recipients", "add", &recipient]).code(0);
    let real = fx.mint_token();
    // What the team member keeps: the public vault.toml and the state they could decrypt.
    let old_toml = std::fs::read(fx.vault.path("vault.toml")).unwrap();
    let old_state = stock_age(&team, &fx.vault.path("vault.age")).expect("a recipient opens it");
    fx.vault
        .run(&["recipients", "remove", &recipient, "--yes"])
        .code(0);
    fx.vault
        .run(&["identity", "rotate-issuer", "--overlap", "0s"])
        .code(0);
    let body = String::from_utf8(old_state).unwrap();
    let state: serde_json::Value =
        serde_json::from_str(body.lines().next().unwrap()).expect("the state is JSON");
    let id = state["issuer_keys"][0]["id"].as_str().unwrap().to_string();
    let seed = state["issuer_keys"][0]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let forged = forge_token_with(&real, &seed, &id);
    RetiredKey {
        fx,
        old_toml,
        id,
        seed,
        forged,
    }
}

/// A recipient that was removed kept an old copy of `vault.age`, and so the issuer key of that
/// time. The admin rotated the issuer key (with no overlap) as the removal's note advises. Putting
/// back the `vault.toml` of before the rotation, or cutting the newer keys off the chain, leaves a
/// chain that is valid on its own and still starts at the pinned vault id, with the old key never
/// retired: `verify` must still refuse tokens that key signs.
#[test]
fn a_vault_toml_rolled_back_to_before_an_issuer_rotation_does_not_revive_the_old_key() {
    let RetiredKey {
        fx,
        old_toml,
        forged,
        ..
    } = retired_key_taken_along();
    let pinned = fx.toml()["vault_id"].as_str().unwrap().to_string();
    let verify = |fx: &Fixture| {
        fx.vault.run(&[
            "verify",
            &forged,
            "--vault-id",
            &pinned,
            "--action",
            "write",
            "--resource",
            "orders",
        ])
    };
    // Against the current vault.toml the old key is retired.
    verify(&fx).code(65);

    // The newer keys cut off the chain (the old key's retire_at dropped with them)...
    let mut truncated = fx.toml();
    {
        let keys = truncated["issuer_keys"].as_array_mut().unwrap();
        keys.truncate(1);
        keys[0].as_table_mut().unwrap().remove("retire_at");
    }
    let current = std::fs::read(fx.vault.path("vault.toml")).unwrap();
    fx.write_toml(&truncated);
    let refused = verify(&fx).code(65);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains("vault.toml"),
        "{}",
        stderr(&refused)
    );
    // ...or the whole file of before the rotation put back.
    std::fs::write(fx.vault.path("vault.toml"), &old_toml).unwrap();
    let refused = verify(&fx).code(65);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains("vault.toml"),
        "{}",
        stderr(&refused)
    );

    // Restored, real tokens of the new key verify again.
    std::fs::write(fx.vault.path("vault.toml"), &current).unwrap();
    let fresh = fx.mint_token();
    fx.vault
        .run(&["verify", &fresh, "--vault-id", &pinned])
        .code(0);
}

/// A recipient deleted from vault.toml's copy only is still one in the signed state: removing it
/// must not answer "not a recipient" (which tells the admin it is gone while it still opens the
/// vault), but refuse the edited copy.
#[test]
fn a_recipient_hidden_from_vault_toml_is_not_reported_gone_by_remove() {
    let fx = Fixture::new();
    let (team, recipient) = age_keygen(fx.vault.root(), "team.txt");
    fx.vault.run(&["recipients", "add", &recipient]).code(0);
    let mut doc = fx.toml();
    doc.insert("recipients".into(), toml::Value::Array(vec![]));
    fx.write_toml(&doc);
    let before = fx.vault.snapshot_files();

    let refused = fx
        .vault
        .run(&["recipients", "remove", &recipient, "--yes"])
        .code(65);
    assert_short_error(&refused);
    let text = stderr(&refused);
    assert!(
        text.contains("vault.toml") && text.contains(&recipient),
        "{text}"
    );
    assert_eq!(fx.vault.snapshot_files(), before, "something was written");
    assert!(stock_age(&team, &fx.vault.path("vault.age")).is_some());
}

// ---------------------------------------------------------------------------------------------
// vault.toml's generation is not what dates the state.

/// The generation in vault.toml is what a put-back `vault.age` is compared with, and nothing signs
/// it: lowered to an old copy's, the old state (the key not yet revoked) would be accepted and
/// written forward by the admin's next change. The signed index, rewritten with the state, is
/// newer than that state, and that is refused.
#[test]
fn an_old_vault_age_put_back_with_vault_toml_generation_lowered_is_refused() {
    let fx = Fixture::new();
    let old_state = std::fs::read(fx.vault.path("vault.age")).unwrap();
    let old_generation = fx.toml()["generation"].as_integer().unwrap();
    let keys = fx.vault.json(&["--json", "key", "list", AGENT]);
    let key_id = keys["keys"][0]["id"].as_str().unwrap().to_string();
    fx.vault.run(&["key", "revoke", &key_id]).code(0);
    let mut holder = fx.vault.with_key_file(&fx.key);
    holder.args(["mint", "--format", "token"]).assert().code(77);

    std::fs::write(fx.vault.path("vault.age"), &old_state).unwrap();
    let mut doc = fx.toml();
    doc.insert("generation".into(), old_generation.into());
    fx.write_toml(&doc);
    let before = fx.vault.snapshot_files();
    for args in [
        &["agent", "add", "other"][..],
        &["key", "list", AGENT],
        &["agent", "list"],
        &["secret", "set", SECRET, "--stdin"],
    ] {
        let refused = fx.vault.run_stdin(args, "new-value\n").code(65);
        assert_short_error(&refused);
        assert!(
            stderr(&refused).contains("rolled back"),
            "{args:?}: {}",
            stderr(&refused)
        );
    }
    assert_eq!(fx.vault.snapshot_files(), before, "something was written");
    // The revoked key stays revoked.
    let mut holder = fx.vault.with_key_file(&fx.key);
    holder.args(["mint", "--format", "token"]).assert().code(77);
}

// ---------------------------------------------------------------------------------------------
// A whole vault swapped for the attacker's own.

/// The attacker makes a vault of its own that lists the victim admin's public recipient as an
/// extra recipient, and puts its files in place of the victim's. Every file is consistent with
/// every other and opens with the victim's identity file. The exported identity names the vault
/// it unlocks, so it must refuse another one: else the admin's next `secret set` stores the new
/// value where the attacker reads it.
#[test]
fn an_identity_file_refuses_a_vault_swapped_for_one_of_the_attackers() {
    let fx = Fixture::new();
    let identity = fx.vault.export_identity();
    let victim_id = fx.toml()["vault_id"].as_str().unwrap().to_string();
    let text = std::fs::read_to_string(&identity).unwrap();
    let victim_recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    let theirs = TestVault::new();
    theirs
        .run(&["recipients", "add", &victim_recipient])
        .code(0);
    let their_identity = theirs.export_identity();
    let their_id =
        toml::from_str::<toml::Table>(&std::fs::read_to_string(theirs.path("vault.toml")).unwrap())
            .unwrap()["vault_id"]
            .as_str()
            .unwrap()
            .to_string();
    // The swap: every file of the victim's vault directory replaced by the attacker's.
    std::fs::remove_dir_all(fx.vault.path("agents")).unwrap();
    for f in theirs.files() {
        let rel = f.strip_prefix(theirs.dir()).unwrap();
        let to = fx.vault.dir().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        // The attacker copies the directories private, as agentcred made them.
        std::fs::set_permissions(to.parent().unwrap(), std::fs::Permissions::from_mode(0o700))
            .unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    let before = fx.vault.snapshot_files();

    let new_value = random_secret();
    let mut admin = fx.vault.command_without_unlock();
    admin
        .arg("--identity")
        .arg(&identity)
        .args(["secret", "set", "new_api_key", "--stdin"]);
    let out = assert_cmd::Command::from_std(admin)
        .write_stdin(format!("{new_value}\n"))
        .assert()
        .code(65);
    assert_short_error(&out);
    let text = stderr(&out);
    assert!(
        text.contains(&victim_id) && text.contains(&their_id),
        "{text}"
    );
    assert_eq!(fx.vault.snapshot_files(), before, "something was written");
    let opened = stock_age(&their_identity, &fx.vault.path("vault.age")).unwrap();
    assert!(!String::from_utf8_lossy(&opened).contains(&new_value));
}

/// The identity `init --no-passphrase` writes names its vault too: it unlocks that vault, and not
/// another one that the attacker encrypted to it.
#[test]
fn the_identity_written_by_init_names_its_vault_and_unlocks_no_other() {
    let mine = TestVault::empty();
    let identity = mine.root().join("admin.txt");
    let identity_arg = identity.to_str().unwrap();
    mine.run(&["init", "--no-passphrase", "--identity-out", identity_arg])
        .code(0);
    let id =
        toml::from_str::<toml::Table>(&std::fs::read_to_string(mine.path("vault.toml")).unwrap())
            .unwrap()["vault_id"]
            .as_str()
            .unwrap()
            .to_string();
    let text = std::fs::read_to_string(&identity).unwrap();
    assert!(
        text.contains(&format!("# agentcred admin identity for vault {id}\n")),
        "{text}"
    );
    let as_admin = |vault: &TestVault, args: &[&str]| {
        let mut cmd = vault.command_without_unlock();
        cmd.arg("--identity").arg(&identity).args(args);
        assert_cmd::Command::from_std(cmd).assert()
    };
    as_admin(&mine, &["agent", "add", "etl"]).code(0);

    // Another vault that lists this identity's recipient opens with it, but is refused.
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    let theirs = TestVault::new();
    theirs.run(&["recipients", "add", &recipient]).code(0);
    let refused = as_admin(&theirs, &["agent", "add", "other"]).code(65);
    assert_short_error(&refused);
    assert!(stderr(&refused).contains(&id), "{}", stderr(&refused));
}

/// A team member unlocks with an age identity of their own, which names no vault: the same swap
/// opens with it. A pinned `AGENTCRED_VAULT_ID` is refused by every command then, for them and for
/// an agent key holder alike, and nothing is written.
#[test]
fn a_pinned_vault_id_refuses_a_swapped_vault_for_every_command() {
    let fx = Fixture::new();
    let pinned = fx.toml()["vault_id"].as_str().unwrap().to_string();
    let (team, recipient) = age_keygen(fx.vault.root(), "team.txt");
    fx.vault.run(&["recipients", "add", &recipient]).code(0);
    let theirs = TestVault::new();
    theirs.run(&["recipients", "add", &recipient]).code(0);
    std::fs::remove_dir_all(fx.vault.path("agents")).unwrap();
    for f in theirs.files() {
        let to = fx.vault.dir().join(f.strip_prefix(theirs.dir()).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        // The attacker copies the directories private, as agentcred made them.
        std::fs::set_permissions(to.parent().unwrap(), std::fs::Permissions::from_mode(0o700))
            .unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    let before = fx.vault.snapshot_files();
    let value = random_secret();
    let team_cmd = |pin: Option<&str>| {
        let mut cmd = fx.vault.command_without_unlock();
        if let Some(p) = pin {
            cmd.env("AGENTCRED_VAULT_ID", p);
        }
        cmd.arg("--identity")
            .arg(&team)
            .args(["secret", "set", "new_api_key", "--stdin"]);
        assert_cmd::Command::from_std(cmd)
            .write_stdin(format!("{value}\n"))
            .assert()
    };
    let refused = team_cmd(Some(&pinned)).code(65);
    assert_short_error(&refused);
    assert!(stderr(&refused).contains(&pinned), "{}", stderr(&refused));
    let mut holder = fx.vault.with_key_file(&fx.key);
    holder
        .env("AGENTCRED_VAULT_ID", &pinned)
        .args(["mint", "--format", "token"])
        .assert()
        .code(65);
    assert_eq!(fx.vault.snapshot_files(), before, "something was written");
    // Unpinned, the team member's identity cannot tell: that is what the pin is for.
    team_cmd(None).code(0);
}

/// Holding the retired key, the attacker signs the index too (or a successor key of its own): a
/// chain from the right vault id, consistent in every file verify reads. Only a verifier that
/// pinned the issuer key of after the rotation refuses it; with the pin every command does.
#[test]
fn a_pinned_issuer_key_refuses_a_chain_forged_with_a_retired_key() {
    use ed25519_dalek::Signer as _;
    use sha2::{Digest, Sha256};
    let RetiredKey {
        fx,
        id,
        seed,
        forged,
        ..
    } = retired_key_taken_along();
    let current = fx.toml();
    let vault_id = current["vault_id"].as_str().unwrap().to_string();
    let newest = current["issuer_keys"].as_array().unwrap()[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let generation = current["generation"].as_integer().unwrap().to_string();
    // The chain cut back to the old key, and the index re-signed by it.
    let mut truncated = current.clone();
    {
        let keys = truncated["issuer_keys"].as_array_mut().unwrap();
        keys.truncate(1);
        keys[0].as_table_mut().unwrap().remove("retire_at");
    }
    fx.write_toml(&truncated);
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let key =
        ed25519_dalek::SigningKey::from_bytes(&b64.decode(&seed).unwrap().try_into().unwrap());
    let index = fx.vault.path("agents/index");
    let text = std::fs::read_to_string(&index).unwrap();
    let body = text.split_once('\n').unwrap().1;
    let digest = Sha256::new()
        .chain_update(format!("{vault_id}\n{generation}\n{body}"))
        .finalize();
    let mut message = b"agentcred-index-v1\0".to_vec();
    message.extend_from_slice(&digest);
    let sig = b64.encode(key.sign(&message).to_bytes());
    std::fs::write(
        &index,
        format!("agentcred-index-v1 {vault_id} {generation} {id} {sig}\n{body}"),
    )
    .unwrap();

    let request = [
        "verify",
        &forged,
        "--vault-id",
        &vault_id,
        "--action",
        "write",
        "--resource",
        "orders",
    ];
    // Pinned to the vault id only, the fork is indistinguishable from the vault.
    fx.vault.run(&request).code(0);
    // Pinned to the issuer key of after the rotation, it is refused, by flag or environment.
    let refused = fx
        .vault
        .run(&[&request[..], &["--issuer-key", &newest]].concat())
        .code(65);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains(&newest) && stderr(&refused).contains("vault.toml"),
        "{}",
        stderr(&refused)
    );
    let mut by_env = fx.vault.cmd();
    by_env.env("AGENTCRED_ISSUER_KEY", &newest).args(request);
    by_env.assert().code(65);
    let mut holder = fx.vault.with_key_file(&fx.key);
    holder
        .env("AGENTCRED_ISSUER_KEY", &newest)
        .args(["mint", "--format", "token"])
        .assert()
        .code(65);

    // The real chain with the pin: a later rotation keeps the pinned key on it, so it verifies.
    fx.write_toml(&current);
    fx.vault
        .run(&["identity", "rotate-issuer", "--overlap", "1h"])
        .code(0);
    let token = fx.mint_token();
    fx.vault
        .run(&["verify", &token, "--issuer-key", &newest])
        .code(0);
}

// --- the grant files: pinned by the signed state ----------------------------------------------

/// The grants live in `grants/XX.age`, beside the sealed state rather than in it: the state records
/// each file's SHA-256, so a file put back from an older copy, edited, swapped for another agent's
/// or deleted is refused (exit 65), by a list of the grants and by a change to them alike.
#[test]
fn a_grant_file_rolled_back_edited_swapped_or_deleted_is_refused() {
    let fx = Fixture::new();
    // `etl` and `loader` hash to different grant files (63 and d4).
    fx.vault.run(&["agent", "add", "loader"]).code(0);
    fx.vault.run(&["grant", "loader", SECRET]).code(0);
    let file = fx.vault.path("grants/63.age");
    let other = std::fs::read(fx.vault.path("grants/d4.age")).expect("loader's grant file");
    let old = std::fs::read(&file).expect("etl's grant file");
    fx.vault
        .run(&[
            "grant",
            AGENT,
            SECRET,
            "--actions",
            "write",
            "--resources",
            "orders",
        ])
        .code(0);
    let new = std::fs::read(&file).unwrap();
    assert_ne!(old, new, "a grant rewrites its agent's file");
    let listed = fx.vault.json(&["--json", "grant", "list"]);
    assert_eq!(listed["grants"].as_array().unwrap().len(), 3, "{listed}");

    let refused = |what: &str| {
        for args in [
            &["grant", "list"][..],
            &["grant", AGENT, SECRET, "--actions", "delete"][..],
        ] {
            let out = fx.vault.run(args).code(65);
            assert!(
                stderr(&out).contains("does not match the signed vault state"),
                "{what}: {}",
                stderr(&out)
            );
            assert_short_error(&out);
        }
    };
    write_private(&file, &old);
    refused("put back");
    let mut edited = new.clone();
    let at = edited.len() - 20;
    edited[at] ^= 1;
    write_private(&file, &edited);
    refused("edited");
    write_private(&file, &other);
    refused("swapped");
    std::fs::remove_file(&file).unwrap();
    refused("deleted");

    // The real file back: everything works again, and the refused grants were never made.
    write_private(&file, &new);
    let listed = fx.vault.json(&["--json", "grant", "list"]);
    assert_eq!(listed["grants"].as_array().unwrap().len(), 3, "{listed}");
    // The agent still mints what it was granted.
    let minted = fx
        .vault
        .with_key_file(&fx.key)
        .args(["mint", "--format", "env"])
        .assert()
        .code(0);
    assert!(stdout(&minted).contains(&fx.value));
}

// ---------------------------------------------------------------------------------------------
// An agent gets its envelope when it first needs one.

/// An agent nobody holds a key for has no envelope (the signed index says so), until the admin
/// acts as it. The index's word for it is authenticated, and a key from an earlier agent of the
/// same name opens nothing.
#[test]
fn an_agent_without_a_key_has_no_envelope_until_the_admin_acts_as_it() {
    let fx = Fixture::new();
    fx.vault.run(&["agent", "add", "idle"]).code(0);
    fx.vault.run(&["grant", "idle", SECRET]).code(0);
    let envelope = fx.vault.path("agents/idle.age");
    let index = || std::fs::read_to_string(fx.vault.path("agents/index")).unwrap();
    assert!(!envelope.exists(), "an agent without a key got an envelope");
    assert!(index().lines().any(|l| l == "idle -"), "{}", index());

    // The admin acting as it writes it first, then mints from it as a key holder would.
    let out = fx
        .vault
        .run(&["mint", "--agent", "idle", "--format", "env"])
        .code(0);
    assert!(stdout(&out).contains(&fx.value), "{}", stdout(&out));
    assert!(envelope.exists());
    assert_eq!(
        fx.vault
            .audit_lines()
            .iter()
            .filter(|e| e["action"] == "agent.envelope" && e["agent"] == "idle")
            .count(),
        1,
        "the change that wrote it is on the log"
    );
    assert!(
        !index().lines().any(|l| l.starts_with("idle -")),
        "{}",
        index()
    );
    fx.vault.run(&["audit", "verify"]).code(0);

    // A key of an agent that was removed and added again opens nothing: the new agent has had
    // no key, so no envelope.
    fx.vault.run(&["agent", "add", "gone"]).code(0);
    fx.vault.run(&["grant", "gone", SECRET]).code(0);
    let old_key = fx.vault.issue_key("gone", &[]);
    fx.vault.run(&["agent", "remove", "gone", "--yes"]).code(0);
    fx.vault.run(&["agent", "add", "gone"]).code(0);
    fx.vault.run(&["grant", "gone", SECRET]).code(0);
    assert!(!fx.vault.path("agents/gone.age").exists());
    let mut holder = fx.vault.with_key_file(&old_key);
    let refused = holder.args(["mint", "--format", "env"]).assert().code(77);
    assert_short_error(&refused);
    assert!(
        stderr(&refused).contains("no key of its own"),
        "{}",
        stderr(&refused)
    );
    assert!(!stdout(&refused).contains(&fx.value));

    // The index's `-` is signed: written over a live agent's generation, it is refused.
    let real = index();
    let forged: String = real
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{AGENT} ")) {
                format!("{AGENT} -\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(forged, real);
    std::fs::write(fx.vault.path("agents/index"), &forged).unwrap();
    let mut holder = fx.vault.with_key_file(&fx.key);
    let refused = holder.args(["mint", "--format", "env"]).assert().code(65);
    assert_short_error(&refused);
    std::fs::write(fx.vault.path("agents/index"), &real).unwrap();
    // And a live agent's envelope deleted is a damaged vault, not an agent without a key.
    std::fs::remove_file(fx.vault.path(&format!("agents/{AGENT}.age"))).unwrap();
    let mut holder = fx.vault.with_key_file(&fx.key);
    let refused = holder.args(["mint", "--format", "env"]).assert().code(65);
    assert!(stderr(&refused).contains("missing"), "{}", stderr(&refused));
}
