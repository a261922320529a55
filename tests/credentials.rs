//! The credentials acceptance list: an agent key that mints only its own grants and can change
//! nothing, TTL clamping, scopes and explicit denies, offline `verify`, substituted and rolled-back
//! envelopes, revocation and suspension, the `env` and `token` output formats, and no secret value,
//! key or token in any listing, log or error (docs/DESIGN.md).
//!
//! Every test runs the built binary in its own temporary vault holding two agents, `alpha` and
//! `bravo`, each with one secret of its own. A [`Fixture`] remembers every secret a test creates
//! (values, agent keys, tokens, the passphrase) and scans every captured output and, at the end,
//! every file of the vault for them: an output may carry a secret only where it is the output's
//! purpose (the values and token `mint` prints).
//!
//! Sleeps are used only where a real expiry is the behaviour under test (2-3 s each); the tests
//! run in parallel, so the file stays fast.

mod util;

use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use chrono::{DateTime, Utc};
use serde_json::Value;

use util::{
    PASSPHRASE, TestVault, assert_no_leak, assert_short_error, assert_unbroken_chain,
    random_secret, stderr, stdout, write_private,
};

const ALPHA: &str = "alpha";
const BRAVO: &str = "bravo";
const ALPHA_SECRET: &str = "alpha_db";
const BRAVO_SECRET: &str = "bravo_db";
/// The variables `alpha_db` and `bravo_db` are injected as (the secret name, upper-cased).
const ALPHA_VAR: &str = "ALPHA_DB";
const BRAVO_VAR: &str = "BRAVO_DB";

/// An agent key issued into a file with `key issue AGENT --out FILE`.
struct Key {
    id: String,
    file: PathBuf,
    text: String,
}

impl Key {
    /// The secret part of `agentcred-key-v1:AGENT:ID:SECRET` (the rest is public).
    fn secret_part(&self) -> &str {
        self.text.rsplit(':').next().expect("a key has parts")
    }
}

/// How a key holder hands its key to agentcred.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// `AGENTCRED_KEY_FILE=FILE`
    File,
    /// `AGENTCRED_KEY=<the key text>`
    Env,
}

/// A credential minted in the default JSON format.
struct Minted {
    json: Value,
    id: String,
    token: String,
}

struct Fixture {
    vault: TestVault,
    alpha_value: String,
    bravo_value: String,
    /// Everything that must appear in no output (except the one meant to carry it) and no file.
    secrets: RefCell<Vec<String>>,
}

impl Fixture {
    /// Agents `alpha` and `bravo`, secrets `alpha_db` and `bravo_db`, nothing granted yet.
    fn new() -> Fixture {
        let vault = TestVault::new();
        let alpha_value = random_secret();
        let bravo_value = random_secret();
        let fx = Fixture {
            vault,
            alpha_value: alpha_value.clone(),
            bravo_value: bravo_value.clone(),
            secrets: RefCell::new(vec![
                alpha_value.clone(),
                bravo_value.clone(),
                PASSPHRASE.to_string(),
                "AGE-SECRET-KEY-1".to_string(),
            ]),
        };
        fx.admin(&["agent", "add", ALPHA, BRAVO], 0);
        let set = fx.vault.set_secret(ALPHA_SECRET, &alpha_value).code(0);
        fx.check_clean(&set);
        let set = fx.vault.set_secret(BRAVO_SECRET, &bravo_value).code(0);
        fx.check_clean(&set);
        fx
    }

    /// The same, with `alpha` granted `alpha_db` and `bravo` granted `bravo_db` (read on `*`).
    fn granted() -> Fixture {
        let fx = Fixture::new();
        fx.admin(&["grant", ALPHA, ALPHA_SECRET], 0);
        fx.admin(&["grant", BRAVO, BRAVO_SECRET], 0);
        fx
    }

    fn forbid(&self, secret: &str) {
        let mut secrets = self.secrets.borrow_mut();
        secrets.push(secret.to_string());
        // A token's tail holds the key that extends it: a partial leak is a leak too.
        if secret.len() > 96 {
            secrets.push(secret[secret.len() - 48..].to_string());
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.secrets.borrow().clone()
    }

    /// Fails if stdout or stderr carries any secret.
    #[track_caller]
    fn check_clean(&self, assert: &Assert) {
        util::assert_output_no_leaks(assert, &self.secrets());
    }

    /// Runs `cmd`, expects exit `code`, and checks that no secret reached either stream.
    #[track_caller]
    fn expect(&self, cmd: &mut Command, code: i32) -> Assert {
        let assert = cmd.assert().code(code);
        self.check_clean(&assert);
        assert
    }

    /// A refusal: exit `code`, nothing on stdout, a one- or two-line error, no secret anywhere.
    #[track_caller]
    fn refused(&self, cmd: &mut Command, code: i32) -> Assert {
        let assert = self.expect(cmd, code);
        assert!(
            assert.get_output().stdout.is_empty(),
            "a refusal printed data on stdout:\n{}",
            stdout(&assert)
        );
        assert_short_error(&assert);
        assert
    }

    /// `agentcred ARGS` as the admin (passphrase), with exit `code` and no secret in its output.
    #[track_caller]
    fn admin(&self, args: &[&str], code: i32) -> Assert {
        self.expect(self.vault.cmd().args(args), code)
    }

    /// `agentcred ARGS --json` as the admin, expecting success; stdout parsed.
    #[track_caller]
    fn admin_json(&self, args: &[&str]) -> Value {
        let assert = self.admin(&[args, &["--json"]].concat(), 0);
        serde_json::from_slice(&assert.get_output().stdout).expect("--json prints JSON")
    }

    /// A mint that must succeed in the default JSON format. Its stdout may carry the values it
    /// injects and its own token, and nothing else secret; its stderr carries no secret at all.
    #[track_caller]
    fn mint(&self, cmd: &mut Command) -> Minted {
        let assert = cmd.assert().code(0);
        let out = assert.get_output();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "mint printed invalid JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        let token = json["credential"]["token"]
            .as_str()
            .expect("credential.token is a string")
            .to_string();
        let id = json["credential"]["id"]
            .as_str()
            .expect("credential.id is a string")
            .to_string();
        assert!(id.starts_with("cr_"), "credential id {id}");
        let injected: Vec<String> = json["env"]
            .as_object()
            .expect("env is an object")
            .values()
            .map(|v| v.as_str().expect("values are strings").to_string())
            .collect();
        for secret in self.secrets() {
            if !injected.contains(&secret) {
                assert_no_leak(&out.stdout, &secret);
            }
            assert_no_leak(&out.stderr, &secret);
        }
        assert_no_leak(&out.stderr, &token);
        self.forbid(&token);
        Minted { json, id, token }
    }

    /// `mint --agent AGENT [ARGS]` as the admin.
    #[track_caller]
    fn admin_mint(&self, agent: &str, args: &[&str]) -> Minted {
        self.mint(self.vault.cmd().args(["mint", "--agent", agent]).args(args))
    }

    /// `key issue AGENT --out FILE [EXTRA]`; the key is remembered as a secret.
    #[track_caller]
    fn issue_key(&self, agent: &str, extra: &[&str]) -> Key {
        let file = self.vault.issue_key(agent, extra);
        let text = std::fs::read_to_string(&file)
            .expect("read the key file")
            .trim()
            .to_string();
        let parts: Vec<&str> = text.split(':').collect();
        assert_eq!(parts.len(), 4, "unexpected key format");
        assert_eq!(parts[1], agent, "the key names its agent");
        let key = Key {
            id: parts[2].to_string(),
            file,
            text: text.clone(),
        };
        self.forbid(&text);
        self.forbid(key.secret_part());
        key
    }

    /// `agentcred` holding only `key`, handed over `via` a file or the environment.
    fn holder(&self, key: &Key, via: Via) -> Command {
        match via {
            Via::File => self.vault.with_key_file(&key.file),
            Via::Env => self.vault.with_key_text(&key.text),
        }
    }

    /// `verify - [ARGS]` with the token on stdin, expecting exit `code`.
    #[track_caller]
    fn verify(&self, token: &str, args: &[&str], code: i32) -> Assert {
        let assert = self.expect(
            self.vault
                .cmd()
                .args(["verify", "-"])
                .args(args)
                .write_stdin(format!("{token}\n")),
            code,
        );
        if code != 0 {
            assert_short_error(&assert);
        }
        assert
    }

    /// Audit entries recording a denial for `agent`.
    fn denials(&self, agent: &str) -> Vec<Value> {
        self.vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == "deny" && e["result"] == "denied" && e["agent"] == agent)
            .collect()
    }

    /// The ids of `creds list [ARGS] --json`, with their states.
    fn creds(&self, args: &[&str]) -> Vec<(String, String)> {
        let list = self.admin_json(&[&["creds", "list"], args].concat());
        list["credentials"]
            .as_array()
            .expect("credentials is an array")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().expect("id").to_string(),
                    c["state"].as_str().expect("state").to_string(),
                )
            })
            .collect()
    }

    /// No secret in any file of the vault, and the audit chain unbroken.
    #[track_caller]
    fn finish(&self) {
        for file in self.vault.files() {
            let bytes = std::fs::read(&file).expect("read vault file");
            for secret in self.secrets() {
                assert_no_leak(&bytes, &secret);
            }
        }
        assert_unbroken_chain(&self.vault.audit_text());
    }
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().expect("a time is a string");
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// The token with one character in the middle replaced by another base64url character.
fn flip_middle(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

// --- an agent key mints only its grants, and administers nothing (DESIGN.md, "Agent keys") ---

fn a_key_holder_mints_only_its_own_grants_and_cannot_administer(via: Via) {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);

    let minted = fx.mint(fx.holder(&key, via).arg("mint"));
    assert_eq!(minted.json["credential"]["agent"], ALPHA);
    assert_eq!(
        minted.json["env"],
        serde_json::json!({ ALPHA_VAR: fx.alpha_value }),
        "the key holder gets alpha's value and nothing else"
    );
    let actors: Vec<Value> = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "cred.mint" && e["credential_id"] == minted.id.as_str())
        .map(|e| e["actor"].clone())
        .collect();
    assert_eq!(
        actors,
        [Value::from(format!("key:{}", key.id))],
        "the mint is audited under the key"
    );

    let other = fx.refused(
        fx.holder(&key, via)
            .args(["mint", "--secret", BRAVO_SECRET]),
        3,
    );
    assert!(stderr(&other).contains(BRAVO_SECRET), "{}", stderr(&other));
    let as_bravo = fx.refused(fx.holder(&key, via).args(["mint", "--agent", BRAVO]), 3);
    assert!(stderr(&as_bravo).contains(BRAVO), "{}", stderr(&as_bravo));

    // Admin commands: refused with 3 before anything is written, not even an audit entry.
    let grant_id = fx.admin_json(&["grant", "list", "--agent", BRAVO])["grants"][0]["id"]
        .as_str()
        .expect("bravo's grant id")
        .to_string();
    let before = fx.vault.snapshot_files();
    let new_value = random_secret();
    fx.forbid(&new_value);
    let admin_commands: &[&[&str]] = &[
        &["agent", "add", "x"],
        &["agent", "list"],
        &["agent", "suspend", BRAVO],
        &["grant", ALPHA, BRAVO_SECRET],
        &["grant", "list"],
        &["grant", "revoke", &grant_id],
        &["identity", "export"],
        &["key", "issue", ALPHA],
        &["key", "list"],
        &["creds", "revoke", "--agent", BRAVO],
        &["secret", "list"],
    ];
    for args in admin_commands {
        let run = fx.refused(fx.holder(&key, via).args(*args), 3);
        assert!(stderr(&run).contains("admin"), "{args:?}: {}", stderr(&run));
    }
    let set = fx.refused(
        fx.holder(&key, via)
            .args(["secret", "set", "s", "--stdin"])
            .write_stdin(format!("{new_value}\n")),
        3,
    );
    assert!(stderr(&set).contains("admin"), "{}", stderr(&set));
    assert_eq!(
        fx.vault.snapshot_files(),
        before,
        "a refused admin command changed the vault"
    );
    fx.finish();
}

#[test]
fn a_key_file_mints_only_its_own_grants_and_cannot_administer() {
    a_key_holder_mints_only_its_own_grants_and_cannot_administer(Via::File);
}

#[test]
fn a_key_in_agentcred_key_mints_only_its_own_grants_and_cannot_administer() {
    a_key_holder_mints_only_its_own_grants_and_cannot_administer(Via::Env);
}

/// The agent key as a stock age identity. The key's text form (`agentcred-key-v1:AGENT:ID:SECRET`,
/// src/key.rs) carries a raw X25519 secret, which is exactly what an `AGE-SECRET-KEY-1…` encodes.
fn age_identity_of(key: &Key) -> String {
    use base64::Engine as _;
    let seed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key.secret_part())
        .expect("the key's secret is base64url");
    let hrp = bech32::Hrp::parse("age-secret-key-").expect("a valid hrp");
    bech32::encode::<bech32::Bech32>(hrp, &seed)
        .expect("32 bytes fit bech32")
        .to_uppercase()
}

#[test]
fn stock_age_with_an_agent_key_opens_its_envelope_but_not_the_vault_or_other_envelopes() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let identity = fx.vault.root().join("alpha-age-identity.txt");
    write_private(&identity, format!("{}\n", age_identity_of(&key)).as_bytes());
    let age = |file: &str| {
        StdCommand::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&identity)
            .arg(fx.vault.path(file))
            .output()
            .expect("run age (Debian package `age`)")
    };

    // The control: the conversion is right, the key opens its own envelope with stock age.
    let own = age("agents/alpha.age");
    assert!(
        own.status.success(),
        "the key cannot open its own envelope: {}",
        String::from_utf8_lossy(&own.stderr)
    );
    assert!(String::from_utf8_lossy(&own.stdout).contains("agentcred-envelope-v1"));

    for file in ["vault.age", "agents/bravo.age"] {
        let out = age(file);
        assert!(!out.status.success(), "an agent key decrypts {file}");
        assert_no_leak(&out.stdout, &fx.bravo_value);
    }

    // And agentcred itself refuses the key holder the admin state.
    fx.refused(fx.holder(&key, Via::File).args(["agent", "list"]), 3);
    fx.finish();
}

// --- TTLs are clamped, and the response says by what (DESIGN.md, "TTL clamps") ---------------

#[test]
fn a_mint_is_clamped_to_the_grant_max_ttl_and_says_so() {
    let fx = Fixture::new();
    fx.admin(&["grant", ALPHA, ALPHA_SECRET, "--max-ttl", "15m"], 0);

    let minted = fx.admin_mint(ALPHA, &["--ttl", "2h"]);
    let cred = &minted.json["credential"];
    let issued = time(&cred["issued_at"]);
    let expires = time(&cred["expires_at"]);
    assert!(
        expires <= issued + chrono::Duration::minutes(15),
        "{issued} + 15m < {expires}"
    );
    assert_eq!(expires - issued, chrono::Duration::minutes(15));
    assert_eq!(cred["ttl"], "15m");
    assert_eq!(cred["ttl_seconds"], 900);
    assert_eq!(cred["limited_by"], "grant max_ttl");
    assert_eq!(cred["requested_ttl"], "2h");

    // Below the bound, the request is what is granted.
    let short = fx.admin_mint(ALPHA, &["--ttl", "5m"]);
    assert_eq!(short.json["credential"]["ttl"], "5m");
    assert_eq!(short.json["credential"]["limited_by"], "request");
    fx.finish();
}

#[test]
fn an_expired_key_is_refused_with_3_saying_it_expired() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &["--expires", "1s"]);
    fx.vault.advance(Duration::from_secs(2));

    let denials = fx.denials(ALPHA).len();
    let mint = fx.refused(fx.holder(&key, Via::File).arg("mint"), 3);
    let text = stderr(&mint);
    assert!(text.contains("expired"), "{text}");
    assert!(text.contains(&key.id), "{text}");
    assert_eq!(
        fx.denials(ALPHA).len(),
        denials + 1,
        "the refusal is audited"
    );

    let keys = fx.admin_json(&["key", "list", ALPHA]);
    assert_eq!(keys["keys"][0]["id"], key.id.as_str());
    assert_eq!(keys["keys"][0]["state"], "expired");
    fx.finish();
}

// --- scope, and an explicit deny beats any allow (DESIGN.md, "Grants and scope") -------------

#[test]
fn minting_an_action_outside_the_grant_exits_3_and_is_audited_as_a_denial() {
    let fx = Fixture::granted();
    assert!(fx.denials(ALPHA).is_empty());

    let mint = fx.refused(
        fx.vault
            .cmd()
            .args(["mint", "--agent", ALPHA, "--actions", "write"]),
        3,
    );
    assert!(stderr(&mint).contains("write"), "{}", stderr(&mint));

    let denials = fx.denials(ALPHA);
    assert_eq!(
        denials.len(),
        1,
        "one deny entry:\n{}",
        fx.vault.audit_text()
    );
    let deny = &denials[0];
    assert_eq!(deny["actor"], "admin");
    assert!(
        deny["reason"].as_str().is_some_and(|r| r.contains("write")),
        "{deny}"
    );

    // The granted action is fine.
    let read = fx.admin_mint(ALPHA, &["--actions", "read"]);
    assert_eq!(
        read.json["credential"]["scope"]["actions"],
        serde_json::json!(["read"])
    );
    fx.finish();
}

#[test]
fn a_deny_on_a_resource_beats_an_allow_on_everything() {
    let fx = Fixture::new();
    fx.admin(&["grant", ALPHA, ALPHA_SECRET], 0);
    fx.admin(
        &[
            "grant",
            ALPHA,
            ALPHA_SECRET,
            "--deny",
            "--resources",
            "customers",
        ],
        0,
    );

    fx.refused(
        fx.vault.cmd().args([
            "mint",
            "--agent",
            ALPHA,
            "--resources",
            "customers",
            "--actions",
            "read",
        ]),
        3,
    );
    assert_eq!(fx.denials(ALPHA).len(), 1);

    let minted = fx.admin_mint(ALPHA, &[]);
    let denied = fx.verify(
        &minted.token,
        &["--action", "read", "--resource", "customers"],
        3,
    );
    assert!(stderr(&denied).contains("denied"), "{}", stderr(&denied));
    fx.verify(
        &minted.token,
        &["--action", "read", "--resource", "orders"],
        0,
    );
    fx.finish();
}

/// A mint that names no secret and that a deny grant refuses says so, naming that grant, as a
/// mint with `--secret` does: not "no secret granted covers it" with a hint to grant one.
#[test]
fn a_mint_refused_by_a_deny_grant_names_the_grant_with_or_without_secret() {
    let fx = Fixture::new();
    fx.admin(
        &["grant", ALPHA, ALPHA_SECRET, "--actions", "read,write"],
        0,
    );
    let deny = fx.admin_json(&[
        "grant",
        ALPHA,
        ALPHA_SECRET,
        "--deny",
        "--actions",
        "write",
        "--resources",
        "cust*",
    ]);
    let id = deny["grant"]["id"].as_str().expect("the deny grant's id");
    for secret in [&[][..], &["--secret", ALPHA_SECRET][..]] {
        let mut cmd = fx.vault.cmd();
        cmd.args([
            "mint",
            "--agent",
            ALPHA,
            "--action",
            "write",
            "--resource",
            "customers",
        ])
        .args(secret);
        let refused = fx.refused(&mut cmd, 3);
        let err = stderr(&refused);
        assert!(
            err.contains(&format!(
                "write on customers is explicitly denied to agent {ALPHA} by deny grant {id}"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("agentcred grant revoke {id}")),
            "{err}"
        );
        assert!(!err.contains("grant one first"), "{err}");
    }
    fx.finish();
}

/// A deny grant that covers everything an allow grants leaves nothing to release: a mint that
/// names no scope is refused too, and the value is printed nowhere (deny wins).
#[test]
fn a_secret_whose_every_right_is_denied_is_not_released() {
    let fx = Fixture::new();
    fx.admin(&["grant", ALPHA, ALPHA_SECRET], 0);
    let deny = fx.admin_json(&[
        "grant",
        ALPHA,
        ALPHA_SECRET,
        "--deny",
        "--actions",
        "*",
        "--resources",
        "*",
    ]);
    let id = deny["grant"]["id"].as_str().expect("the deny grant's id");
    for secret in [&[][..], &["--secret", ALPHA_SECRET][..]] {
        let mut cmd = fx.vault.cmd();
        cmd.args(["mint", "--agent", ALPHA, "--format", "env"])
            .args(secret);
        let refused = fx.refused(&mut cmd, 3);
        let err = stderr(&refused);
        assert!(err.contains(&format!("deny grant {id}")), "{err}");
    }
    let mut cmd = fx.vault.cmd();
    cmd.args(["exec", "--agent", ALPHA, "--", "env"]);
    fx.refused(&mut cmd, 125);
    fx.finish();
}

// --- verify (DESIGN.md, "Verifying a token", "Exit codes") -----------------------------------

#[test]
fn verify_accepts_a_fresh_token_and_refuses_a_flipped_or_foreign_one() {
    let fx = Fixture::granted();
    let minted = fx.admin_mint(ALPHA, &[]);

    let ok = fx.verify(&minted.token, &[], 0);
    let said = format!("{}{}", stdout(&ok), stderr(&ok));
    assert!(
        said.contains(&minted.id),
        "verify names the credential: {said}"
    );
    let doc: Value =
        serde_json::from_slice(&fx.verify(&minted.token, &["--json"], 0).get_output().stdout)
            .expect("verify --json prints JSON");
    assert_eq!(doc["allowed"], true);
    assert_eq!(doc["token"]["agent"], ALPHA);
    assert_eq!(doc["token"]["credential_id"], minted.id.as_str());

    let flipped = flip_middle(&minted.token);
    assert_ne!(flipped, minted.token);
    fx.forbid(&flipped);
    fx.verify(&flipped, &[], 65);

    // A token from another vault, checked against this one.
    let other = Fixture::granted();
    let foreign = other.admin_mint(ALPHA, &[]);
    fx.forbid(&foreign.token);
    fx.forbid(&other.alpha_value);
    let run = fx
        .vault
        .cmd()
        .args(["verify", "-"])
        .write_stdin(foreign.token.clone())
        .assert();
    let code = run.get_output().status.code();
    assert!(
        matches!(code, Some(3 | 65)),
        "a foreign token gave {code:?}"
    );
    fx.check_clean(&run);
    assert_short_error(&run);
    fx.finish();
    other.finish();
}

#[test]
fn a_short_lived_token_expires_and_leaves_creds_list_active() {
    let fx = Fixture::granted();
    let short = fx.admin_mint(ALPHA, &["--ttl", "2s"]);
    assert_eq!(short.json["credential"]["ttl"], "2s");
    let revoked = fx.admin_mint(ALPHA, &[]);
    let live = fx.admin_mint(ALPHA, &[]);
    fx.verify(&short.token, &[], 0);
    fx.admin(&["creds", "revoke", &revoked.id], 0);

    fx.vault.advance(Duration::from_secs(3));
    let expired = fx.verify(&short.token, &[], 3);
    assert!(stderr(&expired).contains("expired"), "{}", stderr(&expired));
    fx.verify(&live.token, &[], 0);

    let all = fx.creds(&[]);
    let state = |id: &str| {
        all.iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| s.as_str())
            .unwrap_or_else(|| panic!("{id} is not in creds list: {all:?}"))
    };
    assert_eq!(state(&short.id), "expired");
    assert_eq!(state(&revoked.id), "revoked");
    assert_eq!(state(&live.id), "active");
    assert_eq!(
        fx.creds(&["--active"]),
        [(live.id.clone(), "active".to_string())]
    );
    let table = fx.admin(&["creds", "list", "--active"], 0);
    let text = stdout(&table);
    assert!(text.contains(&live.id), "{text}");
    assert!(!text.contains(&short.id), "{text}");
    assert!(!text.contains(&revoked.id), "{text}");
    fx.finish();
}

#[test]
fn creds_revoke_makes_that_token_fail_verify_with_3_and_no_other() {
    let fx = Fixture::granted();
    let first = fx.admin_mint(ALPHA, &[]);
    let second = fx.admin_mint(ALPHA, &[]);

    fx.admin(&["creds", "revoke", &first.id], 0);
    let run = fx.verify(&first.token, &[], 3);
    assert!(stderr(&run).contains("revoked"), "{}", stderr(&run));
    fx.verify(&second.token, &[], 0);
    fx.finish();
}

#[test]
fn creds_revoke_agent_ends_every_earlier_token_of_that_agent_only() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let first = fx.admin_mint(ALPHA, &[]);
    let second = fx.mint(fx.holder(&key, Via::File).arg("mint"));
    let bravo = fx.admin_mint(BRAVO, &[]);

    fx.admin(&["creds", "revoke", "--agent", ALPHA], 0);
    let run = fx.verify(&first.token, &[], 3);
    assert!(stderr(&run).contains("revoked"), "{}", stderr(&run));
    fx.verify(&second.token, &[], 3);
    fx.verify(&bravo.token, &[], 0);

    // Credentials minted afterwards work.
    let later = fx.mint(fx.holder(&key, Via::File).arg("mint"));
    fx.verify(&later.token, &[], 0);
    fx.finish();
}

/// Issuing a key re-signs the agent's authority token (its expiry follows the keys) without
/// revoking the old one, and `creds revoke --agent` revokes only the current authority: tokens
/// minted before the key was issued stay valid.
#[test]

fn creds_revoke_agent_also_ends_tokens_minted_before_a_key_was_issued() {
    let fx = Fixture::granted();
    let before = fx.admin_mint(ALPHA, &[]);
    fx.issue_key(ALPHA, &[]);

    fx.admin(&["creds", "revoke", "--agent", ALPHA], 0);
    fx.verify(&before.token, &[], 3);
    fx.finish();
}

/// The same gap through `grant revoke`, which promises "the agent's outstanding credentials were
/// revoked": a token minted before a `key issue` keeps verifying for the revoked secret.
#[test]

fn grant_revoke_also_ends_tokens_minted_before_a_key_was_issued() {
    let fx = Fixture::granted();
    let before = fx.admin_mint(ALPHA, &[]);
    fx.issue_key(ALPHA, &[]);

    let grants = fx.admin_json(&["grant", "list", "--agent", ALPHA]);
    let grant_id = grants["grants"][0]["id"].as_str().expect("grant id");
    fx.admin(&["grant", "revoke", grant_id], 0);
    fx.verify(&before.token, &[], 3);
    fx.finish();
}

// --- substituted and rolled-back envelopes (DESIGN.md, "Rollback detection") -----------------

#[test]
fn another_agents_envelope_copied_over_is_refused() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    fx.issue_key(BRAVO, &[]);
    let alpha = fx.vault.path("agents/alpha.age");
    let saved = std::fs::read(&alpha).expect("read alpha.age");

    std::fs::copy(fx.vault.path("agents/bravo.age"), &alpha).expect("copy bravo over alpha");
    let mint = fx.refused(fx.holder(&key, Via::File).arg("mint"), 77);
    assert!(stderr(&mint).contains(&key.id), "{}", stderr(&mint));

    // The control: the genuine envelope put back works.
    std::fs::write(&alpha, &saved).expect("restore alpha.age");
    fx.mint(fx.holder(&key, Via::File).arg("mint"));
    fx.finish();
}

#[test]
fn an_older_envelope_put_back_after_a_grant_revoke_exits_65() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    fx.mint(fx.holder(&key, Via::File).arg("mint"));
    let alpha = fx.vault.path("agents/alpha.age");
    let saved = std::fs::read(&alpha).expect("read alpha.age");

    let grants = fx.admin_json(&["grant", "list", "--agent", ALPHA]);
    let grant_id = grants["grants"][0]["id"].as_str().expect("grant id");
    fx.admin(&["grant", "revoke", grant_id], 0);
    fx.refused(fx.holder(&key, Via::File).arg("mint"), 3);

    std::fs::write(&alpha, &saved).expect("put the old alpha.age back");
    let mint = fx.refused(fx.holder(&key, Via::File).arg("mint"), 65);
    let text = stderr(&mint);
    assert!(text.contains("alpha.age"), "{text}");
    assert!(text.contains("rolled back"), "{text}");
    fx.finish();
}

// --- revocation and suspension (DESIGN.md, "Revocation") -------------------------------------

#[test]
fn a_revoked_key_cannot_mint_and_its_credentials_end_with_it() {
    let fx = Fixture::granted();
    let alpha_key = fx.issue_key(ALPHA, &[]);
    let bravo_key = fx.issue_key(BRAVO, &[]);
    let keys = fx.admin_json(&["key", "list"]);
    let alpha_ids: Vec<&str> = keys["keys"]
        .as_array()
        .expect("keys is an array")
        .iter()
        .filter(|k| k["agent"] == ALPHA)
        .map(|k| k["id"].as_str().expect("key id"))
        .collect();
    assert_eq!(alpha_ids, [alpha_key.id.as_str()], "{keys}");
    let key_id = alpha_ids[0];

    let before = fx.mint(fx.holder(&alpha_key, Via::File).arg("mint"));
    let bravo_before = fx.mint(fx.holder(&bravo_key, Via::File).arg("mint"));
    fx.admin(&["key", "revoke", key_id], 0);

    let mint = fx.refused(fx.holder(&alpha_key, Via::File).arg("mint"), 77);
    assert!(stderr(&mint).contains(key_id), "{}", stderr(&mint));
    fx.verify(&before.token, &[], 3);
    let state = fx.admin_json(&["key", "list", ALPHA]);
    assert_eq!(state["keys"][0]["state"], "revoked");

    // Bravo is untouched.
    fx.verify(&bravo_before.token, &[], 0);
    fx.mint(fx.holder(&bravo_key, Via::File).arg("mint"));
    fx.finish();
}

#[test]
fn a_revoked_grant_stops_the_next_mint_of_that_secret() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let bravo_key = fx.issue_key(BRAVO, &[]);
    let before = fx.admin_mint(ALPHA, &["--secret", ALPHA_SECRET]);

    let grants = fx.admin_json(&["grant", "list", "--agent", ALPHA]);
    let grant_id = grants["grants"][0]["id"].as_str().expect("grant id");
    fx.admin(&["grant", "revoke", grant_id], 0);

    let admin = fx.refused(
        fx.vault
            .cmd()
            .args(["mint", "--agent", ALPHA, "--secret", ALPHA_SECRET]),
        3,
    );
    assert!(stderr(&admin).contains(ALPHA_SECRET), "{}", stderr(&admin));
    fx.refused(
        fx.holder(&key, Via::File)
            .args(["mint", "--secret", ALPHA_SECRET]),
        3,
    );
    fx.verify(&before.token, &[], 3);

    let bravo = fx.mint(fx.holder(&bravo_key, Via::File).arg("mint"));
    assert_eq!(
        bravo.json["env"],
        serde_json::json!({ BRAVO_VAR: fx.bravo_value })
    );
    fx.finish();
}

#[test]
fn a_suspended_agent_cannot_mint_and_others_still_can() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let bravo_key = fx.issue_key(BRAVO, &[]);
    let alpha_before = fx.admin_mint(ALPHA, &[]);
    let bravo_before = fx.admin_mint(BRAVO, &[]);

    fx.admin(&["agent", "suspend", ALPHA], 0);
    fx.verify(&alpha_before.token, &[], 3);
    let admin = fx.refused(fx.vault.cmd().args(["mint", "--agent", ALPHA]), 3);
    assert!(stderr(&admin).contains("suspended"), "{}", stderr(&admin));
    let holder = fx.refused(fx.holder(&key, Via::Env).arg("mint"), 3);
    assert!(stderr(&holder).contains("suspended"), "{}", stderr(&holder));

    // Revoking everything of alpha's too leaves bravo alone.
    fx.admin(&["creds", "revoke", "--agent", ALPHA], 0);
    fx.admin(&["key", "revoke", &key.id], 0);
    fx.verify(&bravo_before.token, &[], 0);
    fx.admin_mint(BRAVO, &[]);
    fx.mint(fx.holder(&bravo_key, Via::Env).arg("mint"));

    // The control: resumed, alpha mints again (as the admin: its key is revoked).
    fx.admin(&["agent", "resume", ALPHA], 0);
    fx.admin_mint(ALPHA, &[]);
    fx.finish();
}

// --- output formats (DESIGN.md, "Credentials and tokens") ------------------------------------

#[test]
fn mint_format_env_evaluates_to_the_exact_value_in_a_posix_shell() {
    let fx = Fixture::new();
    let value = format!("it's a \"$HOME\" `id` \\ {}", random_secret());
    fx.forbid(&value);
    let set = fx.vault.set_secret("quoted", &value).code(0);
    fx.check_clean(&set);
    fx.admin(&["grant", ALPHA, "quoted"], 0);

    let mint = fx
        .vault
        .cmd()
        .args(["mint", "--agent", ALPHA, "--format", "env"])
        .assert()
        .code(0);
    let out = mint.get_output();
    for secret in fx.secrets() {
        assert_no_leak(&out.stderr, &secret);
        if secret != value {
            assert_no_leak(&out.stdout, &secret);
        }
    }
    let script = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
    assert!(script.contains("export QUOTED="), "{script}");

    let script_file = fx.vault.root().join("mint.env");
    write_private(&script_file, script.as_bytes());
    let shell = |var: &str| {
        StdCommand::new("sh")
            .args(["-c", &format!("eval \"$(cat)\"; printf %s \"${var}\"")])
            .stdin(std::fs::File::open(&script_file).expect("open mint.env"))
            .output()
            .expect("run sh")
    };
    let printed = shell("QUOTED");
    assert!(printed.status.success(), "{printed:?}");
    assert_eq!(String::from_utf8_lossy(&printed.stdout), value);

    // The token it exports is a valid token, and nothing else is on that line.
    let token = String::from_utf8(shell("AGENTCRED_TOKEN").stdout).expect("UTF-8 token");
    fx.forbid(&token);
    assert_no_leak(&out.stderr, &token);
    fx.verify(&token, &[], 0);
    fx.finish();
}

#[test]
fn mint_format_token_prints_only_the_token() {
    let fx = Fixture::granted();
    let mint = fx
        .vault
        .cmd()
        .args(["mint", "--agent", ALPHA, "--format", "token"])
        .assert()
        .code(0);
    let text = stdout(&mint);
    let token = text.strip_suffix('\n').unwrap_or(&text).to_string();
    assert!(
        !token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=')),
        "stdout is not just one token:\n{text:?}"
    );
    fx.check_clean(&mint);
    fx.forbid(&token);
    assert_no_leak(&mint.get_output().stderr, &token);

    let doc: Value = serde_json::from_slice(&fx.verify(&token, &["--json"], 0).get_output().stdout)
        .expect("verify --json prints JSON");
    let id = doc["token"]["credential_id"]
        .as_str()
        .expect("credential id");
    assert!(
        stderr(&mint).contains(id),
        "the note names the credential: {}",
        stderr(&mint)
    );
    fx.finish();
}

// --- no secret in listings or the log (DESIGN.md, "Output conventions") ----------------------

#[test]
fn no_value_key_or_token_appears_in_listings_or_the_audit_log() {
    let fx = Fixture::granted();
    fx.admin(
        &[
            "grant",
            ALPHA,
            ALPHA_SECRET,
            "--deny",
            "--resources",
            "customers",
        ],
        0,
    );
    let key = fx.issue_key(ALPHA, &[]);
    let bravo_key = fx.issue_key(BRAVO, &[]);
    let minted = [
        fx.admin_mint(ALPHA, &["--ttl", "5m"]),
        fx.mint(fx.holder(&key, Via::File).arg("mint")),
        fx.mint(fx.holder(&bravo_key, Via::Env).arg("mint")),
    ];
    fx.refused(
        fx.holder(&key, Via::File)
            .args(["mint", "--secret", BRAVO_SECRET]),
        3,
    );
    let verbose = fx.mint(fx.holder(&key, Via::File).args(["--verbose", "mint"]));
    fx.admin(&["creds", "revoke", &minted[0].id], 0);
    fx.verify(&minted[0].token, &[], 3);
    fx.verify(&verbose.token, &[], 0);

    let listings: &[&[&str]] = &[
        &["grant", "list"],
        &["grant", "list", "--json"],
        &["key", "list"],
        &["key", "list", "--json"],
        &["creds", "list"],
        &["creds", "list", "--json"],
        &["creds", "list", "--active"],
        &["creds", "list", "--active", "--json"],
        &["status"],
        &["status", "--json"],
    ];
    let mut all = String::new();
    for args in listings {
        let run = fx.admin(args, 0);
        all.push_str(&stdout(&run));
        all.push_str(&stderr(&run));
    }
    // The listings did list something: ids, which are public.
    for public in [&key.id, &bravo_key.id, &minted[1].id, &minted[2].id] {
        assert!(
            all.contains(public.as_str()),
            "{public} missing from the listings"
        );
    }

    let audit = fx.vault.audit_text();
    for secret in fx.secrets() {
        assert_no_leak(audit.as_bytes(), &secret);
    }
    assert!(
        fx.vault
            .audit_lines()
            .iter()
            .any(|e| e["action"] == "cred.mint" && e["credential_id"] == minted[2].id.as_str()),
        "the mint is on the log by id"
    );
    fx.finish();
}

// --- Revocations cannot be deleted ------------------------------------------------------------

/// Removing a line from `revoked.jsonl`, emptying it, deleting it, or cutting a prefix off behind
/// a base record no issuer signed, does not make a revoked credential verify again: the list is
/// refused (65) and named, by `verify` and by a key holder's `exec` (which exits 125, as for
/// anything that stops it before the program starts). Put back, it works again.
#[test]
fn deleting_revocations_is_refused_with_65_naming_the_list() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let first = fx.admin_mint(ALPHA, &[]);
    let second = fx.admin_mint(ALPHA, &[]);
    let live = fx.admin_mint(ALPHA, &[]);
    fx.admin(&["creds", "revoke", &first.id], 0);
    fx.admin(&["creds", "revoke", &second.id], 0);
    fx.verify(&second.token, &[], 3);
    let path = fx.vault.path("revoked.jsonl");
    let original = std::fs::read_to_string(&path).expect("read the list");
    let lines: Vec<&str> = original.lines().collect();
    let last = lines.last().expect("a revocation").to_string();
    assert!(last.contains(&second.id), "{last}");

    let base = |count: u64, head: &str| {
        format!(
            "{{\"base\":{{\"count\":{count},\"head\":\"{head}\",\"at\":\"2026-01-01T00:00:00Z\",\"key_id\":\"x\",\"sig\":\"x\"}}}}\n"
        )
    };
    let prev_of = |line: &str| {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        (
            v["n"].as_u64().expect("a chained line"),
            v["prev"].as_str().expect("prev").to_string(),
        )
    };
    let (n, prev) = prev_of(&last);
    let attacks: Vec<(&str, Option<String>)> = vec![
        (
            "the last line removed",
            Some(lines[..lines.len() - 1].join("\n") + "\n"),
        ),
        (
            "a middle line removed",
            Some(
                lines
                    .iter()
                    .filter(|l| !l.contains(&first.id))
                    .map(|l| format!("{l}\n"))
                    .collect(),
            ),
        ),
        ("emptied", Some(String::new())),
        ("deleted", None),
        (
            "a prefix cut behind an unsigned base",
            Some(format!("{}{last}\n", base(n, &prev))),
        ),
    ];
    for (what, content) in attacks {
        match &content {
            Some(text) => util::write_private(&path, text.as_bytes()),
            None => std::fs::remove_file(&path).expect("delete the list"),
        }
        let refused = fx.verify(&second.token, &[], 65);
        let text = stderr(&refused);
        assert!(text.contains("revoked.jsonl"), "{what}: {text}");
        let exec = fx.expect(
            fx.holder(&key, Via::File)
                .args(["exec", "--on-behalf-of"])
                .arg(&second.token)
                .args(["--", "true"]),
            125,
        );
        assert!(stdout(&exec).is_empty(), "{what}: exec printed data");
        assert!(
            stderr(&exec).contains("revoked.jsonl failed its integrity check"),
            "{what}: {}",
            stderr(&exec)
        );
        // A credential no line revokes is refused as well: the list as a whole is untrusted.
        fx.verify(&live.token, &[], 65);
    }

    std::fs::write(&path, &original).expect("restore the list");
    fx.verify(&second.token, &[], 3);
    fx.verify(&first.token, &[], 3);
    fx.verify(&live.token, &[], 0);
    fx.finish();
}

// --- The ledger is an index of the audit log ----------------------------------------------------

/// `creds list --json` as the admin: (id, state) of every credential, and stderr.
fn listed(fx: &Fixture) -> (Vec<(String, String)>, String) {
    let assert = fx.admin(&["creds", "list", "--json"], 0);
    let doc: Value = serde_json::from_slice(&assert.get_output().stdout).expect("JSON");
    let rows = doc["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                c["state"].as_str().expect("state").to_string(),
            )
        })
        .collect();
    (rows, stderr(&assert))
}

/// A line deleted from `credentials.jsonl` or edited to look expired hides no live credential:
/// `creds list` shows it from the audit log, with a warning, and `creds revoke ID` finds it there.
#[test]
fn an_edited_ledger_hides_no_live_credential_from_list_or_revoke() {
    let fx = Fixture::granted();
    let hidden = fx.admin_mint(ALPHA, &[]);
    let aged = fx.admin_mint(BRAVO, &[]);
    let path = fx.vault.path("credentials.jsonl");
    let text = std::fs::read_to_string(&path).expect("read the ledger");
    let edited: String = text
        .lines()
        .filter(|l| !l.contains(&hidden.id))
        .map(|l| {
            if l.contains(&aged.id) {
                let mut v: Value = serde_json::from_str(l).expect("a ledger line");
                v["expires_at"] = "2020-01-01T00:00:00.000Z".into();
                format!("{v}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&path, edited).expect("edit the ledger");

    let (rows, warning) = listed(&fx);
    assert!(
        rows.contains(&(hidden.id.clone(), "active".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&(aged.id.clone(), "active".into())),
        "{rows:?}"
    );
    assert!(warning.contains("warning"), "{warning}");
    assert!(warning.contains("credentials.jsonl"), "{warning}");

    fx.admin(&["creds", "revoke", &hidden.id], 0);
    fx.verify(&hidden.token, &[], 3);
    let (rows, _) = listed(&fx);
    assert!(
        rows.contains(&(hidden.id.clone(), "revoked".into())),
        "{rows:?}"
    );
    fx.verify(&aged.token, &[], 0);
    fx.finish();
}

/// When the ledger cannot be written (here it is a directory; a full disk fails the same way),
/// the mint still succeeds (it is on the audit log) but says so on stderr, and the credential is
/// still listed and revocable.
#[test]
fn a_ledger_that_cannot_be_written_is_a_warning_not_silence() {
    let fx = Fixture::granted();
    let path = fx.vault.path("credentials.jsonl");
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir(&path).expect("a directory in the ledger's place");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
    let assert = fx
        .vault
        .cmd()
        .args(["mint", "--agent", ALPHA])
        .assert()
        .code(0);
    let text = stderr(&assert);
    assert!(
        text.contains("warning") && text.contains("credential ledger"),
        "{text}"
    );
    let doc: Value = serde_json::from_slice(&assert.get_output().stdout).expect("JSON");
    let id = doc["credential"]["id"].as_str().expect("id").to_string();
    fx.forbid(doc["credential"]["token"].as_str().expect("token"));
    let (rows, warning) = listed(&fx);
    assert!(rows.contains(&(id.clone(), "active".into())), "{rows:?}");
    assert!(warning.contains("warning"), "{warning}");
    fx.admin(&["creds", "revoke", &id], 0);
    let (rows, _) = listed(&fx);
    assert!(rows.contains(&(id, "revoked".into())), "{rows:?}");
}

// --- verify on a read-only vault --------------------------------------------------------------

/// `verify` needs only to read the vault: on a read-only bind mount of it (made in a user and
/// mount namespace with `unshare`) it gives the same verdicts, warns once that the verification
/// was not recorded, and changes nothing.
#[test]
fn verify_works_on_a_read_only_vault_and_warns_it_was_not_recorded() {
    let probe = StdCommand::new("unshare").args(["-rm", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: this kernel or container refuses `unshare -rm` (no user namespaces)");
        return;
    }
    let fx = Fixture::granted();
    let good = fx.admin_mint(ALPHA, &[]);
    let revoked = fx.admin_mint(ALPHA, &[]);
    fx.admin(&["creds", "revoke", &revoked.id], 0);
    let before = fx.vault.snapshot_files();
    let dir = fx.vault.dir();
    let dir = dir.to_str().expect("a UTF-8 path");
    let read_only = |token: &str| {
        let mut cmd = fx.vault.command();
        let agentcred = util::bin().to_str().expect("UTF-8").to_string();
        let script = format!(
            "mount --bind {dir} {dir} && mount -o remount,bind,ro {dir} && \
             if touch {dir}/probe 2>/dev/null; then echo writable >&2; exit 99; fi && \
             exec {agentcred} verify -"
        );
        let envs: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)> = cmd
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
            .collect();
        let mut run = StdCommand::new("unshare");
        run.args(["-rm", "sh", "-c", &script]);
        for (k, v) in envs {
            match v {
                Some(v) => run.env(k, v),
                None => run.env_remove(k),
            };
        }
        cmd = run;
        Command::from_std(cmd)
            .write_stdin(format!("{token}\n"))
            .assert()
    };
    let ok = read_only(&good.token).code(0);
    fx.check_clean(&ok);
    let warning = stderr(&ok);
    assert_eq!(
        warning.matches("not recorded").count(),
        1,
        "one warning: {warning}"
    );
    let refused = read_only(&revoked.token).code(3);
    fx.check_clean(&refused);
    assert!(stdout(&refused).is_empty());
    assert!(stderr(&refused).contains("revoked"), "{}", stderr(&refused));
    assert_eq!(
        fx.vault.snapshot_files(),
        before,
        "nothing in the vault changed"
    );
    fx.finish();
}

/// The attacker's entry appended to the audit log: well chained (the hash recomputed, as anyone
/// who can write the file can), unsigned, as the keyless `verify` writes its entries, and
/// recording the revocation list's head at `count` lines.
fn forge_revocations_record(fx: &Fixture, count: u64, head: &str) {
    let audit = fx.vault.path("audit.jsonl");
    let text = std::fs::read_to_string(&audit).expect("read the log");
    let last: Value = serde_json::from_str(text.lines().last().expect("an entry")).expect("JSON");
    let body = format!(
        "{{\"seq\":{},\"ts\":\"{}\",\"actor\":\"verify\",\"action\":\"verify\",\"result\":\"ok\",\"details\":{{\"revocations\":{{\"count\":{count},\"head\":\"{head}\"}}}},\"gen\":{},\"prev\":\"{}\"}}",
        last["seq"].as_u64().expect("seq") + 1,
        last["ts"].as_str().expect("ts"),
        last["gen"].as_u64().expect("gen"),
        last["hash"].as_str().expect("hash"),
    );
    let hash = util::audit_entry_hash(&format!("{},\"hash\":\"\"}}", &body[..body.len() - 1]));
    let line = format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1]);
    let mut all = text;
    all.push_str(&line);
    util::write_private(&audit, all.as_bytes());
}

/// Cutting the admin's last revocations off the end of `revoked.jsonl` leaves a whole chain; an
/// entry appended to the audit log recording that shorter list's head (by a process holding no
/// key, or an agent's key) does not make them disappear: the issuer signs the list's head into
/// the agent index with every change, and every reader holds the list to it (65).
#[test]
fn a_forged_audit_record_of_a_shortened_revocation_list_is_refused_with_65() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let live = fx.admin_mint(ALPHA, &[]);
    let revoked = fx.admin_mint(ALPHA, &[]);
    let held = fx.mint(fx.holder(&key, Via::File).arg("mint"));
    fx.admin(&["creds", "revoke", &revoked.id], 0);
    fx.verify(&revoked.token, &[], 3);
    let path = fx.vault.path("revoked.jsonl");
    let original = std::fs::read_to_string(&path).expect("read the list");
    let lines: Vec<&str> = original.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(&revoked.id))
        .expect("the revocation is listed");
    let cut: Value = serde_json::from_str(lines[at]).expect("a JSON line");
    let (n, prev) = (
        cut["n"].as_u64().expect("a chained line"),
        cut["prev"].as_str().expect("prev").to_string(),
    );
    let shortened: String = lines[..at].iter().map(|l| format!("{l}\n")).collect();
    util::write_private(&path, shortened.as_bytes());
    forge_revocations_record(&fx, n, &prev);

    let refused = fx.verify(&revoked.token, &[], 65);
    assert!(
        stderr(&refused).contains("revoked.jsonl"),
        "{}",
        stderr(&refused)
    );
    let exec = fx.expect(
        fx.holder(&key, Via::File)
            .args(["exec", "--on-behalf-of"])
            .arg(&revoked.token)
            .args(["--", "true"]),
        125,
    );
    assert!(stdout(&exec).is_empty());
    fx.verify(&live.token, &[], 65);
    // The admin's next change does not build on the shortened list either.
    let admin = fx.refused(fx.vault.cmd().args(["creds", "revoke", &live.id]), 65);
    assert!(
        stderr(&admin).contains("revoked.jsonl"),
        "{}",
        stderr(&admin)
    );

    // The same after a key revocation, which the key's holder would most like to undo.
    util::write_private(&path, original.as_bytes());
    fx.verify(&revoked.token, &[], 3);
    fx.admin(&["key", "revoke", &key.id], 0);
    fx.verify(&held.token, &[], 3);
    let text = std::fs::read_to_string(&path).expect("read the list");
    let lines: Vec<&str> = text.lines().collect();
    let first_new = lines.len() - (lines.len() - original.lines().count());
    let cut: Value = serde_json::from_str(lines[first_new]).expect("a JSON line");
    let shortened: String = lines[..first_new]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    util::write_private(&path, shortened.as_bytes());
    forge_revocations_record(
        &fx,
        cut["n"].as_u64().expect("n"),
        cut["prev"].as_str().expect("prev"),
    );
    let refused = fx.verify(&held.token, &[], 65);
    assert!(
        stderr(&refused).contains("revoked.jsonl"),
        "{}",
        stderr(&refused)
    );

    util::write_private(&path, text.as_bytes());
    fx.verify(&held.token, &[], 3);
    fx.verify(&revoked.token, &[], 3);
}

/// A revocation the agent side made after the last admin change (a key holder's `creds revoke`)
/// is pinned only by the audit log's records. Cutting it off the list and appending a record of
/// the shorter list (unsigned, as anyone who can write the log can) is found by `audit verify`:
/// the list no longer holds the longest list the log ever recorded (65, naming that entry).
#[test]
fn audit_verify_finds_a_revocation_list_shorter_than_the_log_ever_recorded() {
    let fx = Fixture::granted();
    let key = fx.issue_key(ALPHA, &[]);
    let minted = fx.mint(fx.holder(&key, Via::File).arg("mint"));
    fx.expect(
        fx.holder(&key, Via::File)
            .args(["creds", "revoke"])
            .arg(&minted.id),
        0,
    );
    fx.verify(&minted.token, &[], 3);
    fx.admin(&["audit", "verify"], 0);
    let recorded = fx
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["details"]["revocations"].is_object())
        .map(|e| e["seq"].as_u64().expect("seq"))
        .max()
        .expect("a recorded head");

    let path = fx.vault.path("revoked.jsonl");
    let original = std::fs::read_to_string(&path).expect("read the list");
    let lines: Vec<&str> = original.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(&minted.id))
        .expect("the revocation is listed");
    let cut: Value = serde_json::from_str(lines[at]).expect("a JSON line");
    let shortened: String = lines[..at].iter().map(|l| format!("{l}\n")).collect();
    util::write_private(&path, shortened.as_bytes());
    forge_revocations_record(
        &fx,
        cut["n"].as_u64().expect("n"),
        cut["prev"].as_str().expect("prev"),
    );

    let found = fx.expect(fx.vault.cmd().args(["audit", "verify"]), 65);
    let text = stderr(&found);
    assert!(text.contains("revoked.jsonl"), "{text}");
    assert!(text.contains(&format!("seq {recorded}")), "{text}");
    util::write_private(&path, original.as_bytes());
    fx.verify(&minted.token, &[], 3);
}
