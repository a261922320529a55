//! Delegation chains (docs/DESIGN.md, "Tokens and delegation"): `delegate`, `verify` of a chain,
//! and `exec --on-behalf-of`.
//!
//! Each test runs the built binary in its own temporary vault holding agents `a`, `b`, `c` and `d`
//! and the secrets `crm` and `billing`: `a` may read `customers` and `orders` of `crm`, `b` may read
//! and write `customers` of `crm`. Tokens the CLI would never produce (hops that widen, forged,
//! spliced, oversized or too deep tokens) are made in-process, with agentcred's own token library
//! and signing keys read from the vault (the admin passphrase unlocks its state), with
//! `biscuit_auth`, or at the protobuf level through the types `biscuit_auth::format::schema`
//! exposes.
//!
//! The rules under test: scope only narrows, expiry only shortens, only the final holder may
//! present a token, any altered, reordered, grafted or dropped block is refused, a token must be
//! rooted at the issuer key, revoking a link revokes everything below it, and tokens over 16 KiB or
//! 8 blocks are refused quickly. A forged token must exit 65 (malformed) or 3 (denied), never 0.

mod util;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::assert::Assert;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use biscuit_auth::format::schema;
use chrono::{DateTime, Utc};
use prost::Message as _;
use serde_json::Value;

use agentcred::crypto::KeyPair;
use agentcred::sensitive::SecretText;
use agentcred::vault::Vault;

use util::{PASSPHRASE, TestVault, assert_no_leak, assert_short_error, stderr, stdout};

const CRM: &str = "crm";
const BILLING: &str = "billing";

/// A token `delegate --format json` printed, with its delegation id (`dl_…`).
struct Delegated {
    id: String,
    token: String,
    json: Value,
}

struct World {
    vault: TestVault,
    crm_value: String,
    billing_value: String,
    /// Agents' signing keys and the issuer keys, read once, for [`World::presented`].
    signers: std::cell::RefCell<std::collections::HashMap<String, KeyPair>>,
    keys: std::cell::OnceCell<Vec<(u32, agentcred::crypto::PublicKey)>>,
}

impl World {
    /// Agents a, b, c, d; secrets crm and billing; a reads customers and orders of crm, b reads
    /// and writes customers of crm.
    fn new() -> World {
        let vault = TestVault::new();
        let world = World {
            vault,
            crm_value: util::random_secret(),
            billing_value: util::random_secret(),
            signers: Default::default(),
            keys: Default::default(),
        };
        world.admin(&["agent", "add", "a", "b", "c", "d"]).code(0);
        world.vault.set_secret(CRM, &world.crm_value).code(0);
        world
            .vault
            .set_secret(BILLING, &world.billing_value)
            .code(0);
        world.grant("a", CRM, "read", "customers,orders");
        world.grant("b", CRM, "read,write", "customers");
        world.load_signers();
        world
    }

    fn grant(&self, agent: &str, secret: &str, actions: &str, resources: &str) {
        self.admin(&[
            "grant",
            agent,
            secret,
            "--actions",
            actions,
            "--resources",
            resources,
        ])
        .code(0);
    }

    /// `agentcred ARGS` as the admin (passphrase).
    fn admin(&self, args: &[&str]) -> Assert {
        self.vault.run(args)
    }

    /// `delegate ARGS --format json` as the admin, expecting success.
    #[track_caller]
    fn delegate(&self, args: &[&str]) -> Delegated {
        let assert = self
            .admin(&[&["delegate"], args, &["--format", "json"]].concat())
            .code(0);
        delegated(&assert)
    }

    /// `delegate --token - ARGS --format json` with `token` on stdin, as the holder of `key`.
    fn delegate_as(&self, key: &Path, token: &str, args: &[&str]) -> Assert {
        self.vault
            .with_key_file(key)
            .args(["delegate", "--token", "-"])
            .args(args)
            .write_stdin(format!("{token}\n"))
            .assert()
    }

    /// `verify TOKEN ARGS` (the token as an argument), presented first (see [`World::presented`]).
    fn verify(&self, token: &str, args: &[&str]) -> Assert {
        let token = self.presented(token, args);
        self.vault
            .cmd()
            .args(["verify", &token])
            .args(args)
            .assert()
    }

    /// With `--as AGENT` in `args`, `token` followed by a fresh proof that AGENT holds its key
    /// (what `agentcred present` prints; made in-process with AGENT's signing key, which is
    /// quicker than a second process for the tests that race an expiry): `verify --as` wants one.
    /// A token the library cannot parse is returned as it is.
    fn presented(&self, token: &str, args: &[&str]) -> String {
        let Some(agent) = args
            .iter()
            .position(|a| *a == "--as")
            .and_then(|i| args.get(i + 1))
        else {
            return token.to_string();
        };
        if self.signers.borrow().is_empty() {
            self.load_signers();
        }
        let Some(signer) = self.signers.borrow().get(*agent).cloned() else {
            return token.to_string();
        };
        let keys = self.keys.get_or_init(|| {
            let config = self.open().config;
            config
                .issuer_keys
                .iter()
                .map(|k| {
                    (
                        agentcred::token::root_key_number(&k.id),
                        agentcred::crypto::PublicKey::parse(&k.public_key).expect("issuer key"),
                    )
                })
                .collect()
        });
        let lookup = |n: u32| keys.iter().find(|(id, _)| *id == n).map(|(_, k)| *k);
        agentcred::token::present(token, &lookup, &signer, agent, None, self.vault.now())
            .unwrap_or_else(|_| token.to_string())
    }

    /// Every agent's signing key and the issuer keys, at once (one unlock of the state), for
    /// [`World::presented`]: read when the world is made, outside the tests' timed windows.
    fn load_signers(&self) {
        let vault = self.open();
        let admin = vault
            .passphrase_key(&SecretText::new(PASSPHRASE.to_string()))
            .expect("unlock with the passphrase");
        let state = vault.load_state(&admin).expect("load the vault state");
        for (name, a) in &state.agents {
            let key = KeyPair::from_secret(&a.signing_key).expect("a signing key");
            self.signers.borrow_mut().insert(name.clone(), key);
        }
        let keys = vault
            .config
            .issuer_keys
            .iter()
            .map(|k| {
                (
                    agentcred::token::root_key_number(&k.id),
                    agentcred::crypto::PublicKey::parse(&k.public_key).expect("issuer key"),
                )
            })
            .collect();
        let _ = self.keys.set(keys);
    }

    /// `verify - ARGS` with `token` on stdin, and how long the process took.
    fn verify_stdin(&self, token: &str, args: &[&str]) -> (Assert, Duration) {
        let start = Instant::now();
        let assert = self
            .vault
            .cmd()
            .args(["verify", "-"])
            .args(args)
            .write_stdin(self.presented(token, args))
            .assert();
        (assert, start.elapsed())
    }

    /// `verify TOKEN --json`'s `token` object (the token must be valid for `holder`).
    #[track_caller]
    fn info(&self, token: &str, holder: &str) -> Value {
        let assert = self.verify(token, &["--as", holder, "--json"]).code(0);
        let json: Value = serde_json::from_slice(&assert.get_output().stdout).expect("JSON");
        assert_eq!(json["allowed"], true);
        json["token"].clone()
    }

    /// A refused token: exit 65 or 3 (never 0), nothing on stdout, a short error.
    #[track_caller]
    fn assert_refused(&self, token: &str, args: &[&str], what: &str) -> Assert {
        let assert = self.verify(token, args);
        let code = assert.get_output().status.code();
        assert!(
            matches!(code, Some(3 | 65)),
            "{what}: verify {args:?} exited {code:?}, expected 65 or 3\nstdout: {}\nstderr: {}",
            stdout(&assert),
            stderr(&assert)
        );
        assert!(stdout(&assert).is_empty(), "{what}: a refusal printed data");
        assert_short_error(&assert);
        assert
    }

    /// `key issue AGENT` into a file; returns the file and the key id.
    fn issue_key(&self, agent: &str) -> (PathBuf, String) {
        let file = self.vault.issue_key(agent, &[]);
        let text = std::fs::read_to_string(&file).expect("read the key file");
        let id = text.trim().split(':').nth(2).expect("a key id").to_string();
        (file, id)
    }

    /// The vault, opened in-process.
    fn open(&self) -> Vault {
        Vault::open(&self.vault.dir()).expect("open the vault")
    }

    /// The agent's own signing key (its Ed25519 agent key), from the vault state.
    fn signing_key(&self, agent: &str) -> KeyPair {
        let vault = self.open();
        let admin = vault
            .passphrase_key(&SecretText::new(PASSPHRASE.to_string()))
            .expect("unlock with the passphrase");
        let state = vault.load_state(&admin).expect("load the vault state");
        KeyPair::from_secret(&state.agents[agent].signing_key).expect("a signing key")
    }

    /// `agentcred::token::delegate` of `d` onto `token`, signed with `signer`.
    fn library_delegate(
        &self,
        token: &str,
        signer: &KeyPair,
        d: &agentcred::token::Delegation,
    ) -> String {
        let vault = self.open();
        let keys = agentcred::token::issuer_lookup(&vault.config, Utc::now());
        agentcred::token::delegate(token, &keys, signer, d)
            .expect("the library appends a hop")
            .0
    }

    /// The vault's (only) issuer key: its id and its public key, as Biscuit takes it.
    fn issuer(&self) -> (String, biscuit_auth::PublicKey) {
        let vault = self.open();
        let issuer = &vault.config.issuer_keys[0];
        let key = agentcred::crypto::PublicKey::parse(&issuer.public_key).expect("issuer key");
        (issuer.id.clone(), biscuit_public(&key))
    }

    /// `token` parsed by biscuit_auth against the issuer key.
    fn biscuit(&self, token: &str) -> biscuit_auth::Biscuit {
        biscuit_auth::Biscuit::from_base64(token.trim(), self.issuer().1).expect("a valid token")
    }

    /// `token` with a third-party block of Datalog `code` appended, signed with `signer`'s agent
    /// key: what a delegator could sign by hand, outside anything `delegate` would write.
    fn third_party(&self, token: &str, signer: &str, code: &str) -> String {
        let key = self.signing_key(signer);
        let parent = self.biscuit(token);
        let block = parent
            .third_party_request()
            .expect("a third-party request")
            .create_block(
                &biscuit_keypair(&key).private(),
                biscuit_auth::BlockBuilder::new()
                    .code(code)
                    .expect("Datalog"),
            )
            .expect("a signed block");
        parent
            .append_third_party(biscuit_public(&key.public()), block)
            .expect("appended")
            .to_base64()
            .expect("base64")
    }

    /// `token` with a first-party block of Datalog `code` appended (anyone holding it can).
    fn first_party(&self, token: &str, code: &str) -> String {
        self.biscuit(token)
            .append(
                biscuit_auth::BlockBuilder::new()
                    .code(code)
                    .expect("Datalog"),
            )
            .expect("appended")
            .to_base64()
            .expect("base64")
    }

    fn public_key(&self, agent: &str) -> agentcred::crypto::PublicKey {
        self.signing_key(agent).public()
    }
}

#[track_caller]
fn delegated(assert: &Assert) -> Delegated {
    let json: Value = serde_json::from_slice(&assert.get_output().stdout)
        .unwrap_or_else(|e| panic!("delegate printed invalid JSON ({e}):\n{}", stdout(assert)));
    let token = json["delegation"]["token"]
        .as_str()
        .expect("delegation.token")
        .to_string();
    let id = json["delegation"]["id"]
        .as_str()
        .expect("delegation.id")
        .to_string();
    assert!(id.starts_with("dl_"), "a delegation id: {id}");
    Delegated { id, token, json }
}

fn biscuit_public(key: &agentcred::crypto::PublicKey) -> biscuit_auth::PublicKey {
    biscuit_auth::PublicKey::from_bytes(key.0.as_bytes(), biscuit_auth::Algorithm::Ed25519)
        .expect("an Ed25519 key")
}

fn biscuit_keypair(key: &KeyPair) -> biscuit_auth::KeyPair {
    let private = biscuit_auth::PrivateKey::from_bytes(
        key.seed().as_slice(),
        biscuit_auth::Algorithm::Ed25519,
    )
    .expect("an Ed25519 key");
    biscuit_auth::KeyPair::from(&private)
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().expect("a time is a string");
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// A token's protobuf container (`biscuit_auth::format::schema::Biscuit`).
fn decode(token: &str) -> schema::Biscuit {
    let bytes = URL_SAFE.decode(token.trim()).expect("base64url");
    schema::Biscuit::decode(bytes.as_slice()).expect("a Biscuit container")
}

fn encode(container: &schema::Biscuit) -> String {
    URL_SAFE.encode(container.encode_to_vec())
}

/// Every signed block, authority first.
fn signed_blocks(container: &mut schema::Biscuit) -> Vec<&mut schema::SignedBlock> {
    std::iter::once(&mut container.authority)
        .chain(container.blocks.iter_mut())
        .collect()
}

fn flip(bytes: &mut [u8], at: usize) {
    bytes[at] ^= 0x01;
}

/// A→B (read on customers, 5 minutes, task triage) as the admin, then B→C (read on customers,
/// 2 minutes) with B's own key. Returns (A→B, A→B→C, B's key file).
fn chain_abc(world: &World) -> (Delegated, Delegated, PathBuf) {
    let ab = world.delegate(&[
        "--agent",
        "a",
        "--to",
        "b",
        "--action",
        "read",
        "--resource",
        "customers",
        "--ttl",
        "5m",
        "--task",
        "triage",
    ]);
    let (b_key, _) = world.issue_key("b");
    let bc = world.delegate_as(
        &b_key,
        &ab.token,
        &[
            "--to", "c", "--ttl", "2m", "--task", "lookup", "--format", "json",
        ],
    );
    let bc = delegated(&bc.code(0));
    (ab, bc, b_key)
}

// ---------------------------------------------------------------------------------------------
// Acceptance 1: a delegation verifies for its holder, its action and resource, until it expires.

#[test]
fn a_delegation_allows_only_its_holder_action_and_resource_and_is_audited() {
    let world = World::new();
    let assert = world
        .admin(&[
            "delegate",
            "--agent",
            "a",
            "--to",
            "b",
            "--action",
            "read",
            "--resource",
            "customers",
            "--ttl",
            "5m",
            "--task",
            "triage",
        ])
        .code(0);
    let token = stdout(&assert).trim().to_string();
    assert!(!token.is_empty() && !token.contains(char::is_whitespace));
    let note = stderr(&assert);
    assert!(
        note.starts_with("delegation dl_") && note.contains("a → b (read on customers)"),
        "{note}"
    );
    assert_no_leak(note.as_bytes(), &token[token.len() - 48..]);

    let ok = world
        .verify(
            &token,
            &["--as", "b", "--action", "read", "--resource", "customers"],
        )
        .code(0);
    assert!(stdout(&ok).is_empty());
    let done = stderr(&ok);
    assert!(
        done.starts_with("✓ valid: agent a credential cr_") && done.contains("delegated a → b"),
        "{done}"
    );

    let write = world
        .verify(
            &token,
            &["--as", "b", "--action", "write", "--resource", "customers"],
        )
        .code(3);
    assert_short_error(&write);
    assert_eq!(
        stderr(&write).lines().next(),
        Some("error: the token does not allow write on customers")
    );
    let orders = world
        .verify(
            &token,
            &["--as", "b", "--action", "read", "--resource", "orders"],
        )
        .code(3);
    assert_eq!(
        stderr(&orders).lines().next(),
        Some("error: the token does not allow read on orders")
    );
    let not_holder = world
        .verify(
            &token,
            &["--as", "c", "--action", "read", "--resource", "customers"],
        )
        .code(3);
    assert_short_error(&not_holder);
    assert_eq!(
        stderr(&not_holder).lines().next(),
        Some("error: the token belongs to agent b, not c")
    );
    // The delegator itself no longer holds it either.
    world
        .verify(
            &token,
            &["--as", "a", "--action", "read", "--resource", "customers"],
        )
        .code(3);

    let info = world.info(&token, "b");
    assert_eq!(info["agent"], "a");
    assert_eq!(info["holder"], "b");
    assert_eq!(info["holder_signed"], false);
    let hops = info["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 1, "{info}");
    assert_eq!(hops[0]["from"], "a");
    assert_eq!(hops[0]["to"], "b");
    assert_eq!(hops[0]["task"], "triage");
    let id = hops[0]["id"].as_str().expect("hop id").to_string();
    assert!(id.starts_with("dl_"), "{id}");
    assert_eq!(
        info["ids"].as_array().expect("ids").last(),
        Some(&Value::from(id.clone()))
    );
    let expires = time(&info["expires_at"]);
    let left = expires - Utc::now();
    assert!(
        left <= chrono::Duration::minutes(5) && left > chrono::Duration::minutes(4),
        "expires in {left}"
    );

    // The audit log: one `delegate` entry, naming the hop, its scope and its id, never the token.
    let audit = world.vault.audit_text();
    assert_no_leak(audit.as_bytes(), &token[token.len() - 48..]);
    assert_no_leak(audit.as_bytes(), &token[..64]);
    let entries: Vec<Value> = world
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "delegate")
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["result"], "ok");
    assert_eq!(e["actor"], "admin");
    assert_eq!(e["agent"], "a");
    assert_eq!(e["credential_id"], id.as_str());
    assert_eq!(e["details"]["from"], "a");
    assert_eq!(e["details"]["to"], "b");
    assert_eq!(e["details"]["task"], "triage");
    assert_eq!(e["details"]["chain"], serde_json::json!(["a", "b"]));
    assert_eq!(e["scope"]["actions"], serde_json::json!(["read"]));
    assert_eq!(e["scope"]["resources"], serde_json::json!(["customers"]));
    assert_eq!(time(&e["scope"]["expires_at"]), expires);
    util::assert_unbroken_chain(&audit);
}

#[test]
fn a_delegation_expires_at_its_ttl() {
    let world = World::new();
    let d = world.delegate(&[
        "--agent",
        "a",
        "--to",
        "b",
        "--action",
        "read",
        "--resource",
        "customers",
        // Long enough for the checks below to run before it ends on a loaded machine (each
        // `--as` verification also makes a proof), short enough to wait for.
        "--ttl",
        "6s",
    ]);
    let args = ["--as", "b", "--action", "read", "--resource", "customers"];
    world.verify(&d.token, &args).code(0);
    let expires = time(&d.json["delegation"]["scope"]["expires_at"]);
    // Blocks that state an earlier time, to defeat the expiry checks if a verifier read facts
    // from later blocks: one signed by the holder b (a hop to c), one first-party.
    let c_key = world.public_key("c");
    let stale_time = "time(2000-01-01T00:00:00Z);\n";
    let signed = world.third_party(
        &d.token,
        "b",
        &format!(
            "delegation(3, \"b\", \"c\", \"\", \"{c_key}\", {{\"*\"}}, {{\"*\"}});\n{stale_time}"
        ),
    );
    let unsigned = world.first_party(&d.token, stale_time);
    world.verify(&signed, &["--as", "c"]).code(0);
    world.verify(&unsigned, &["--as", "b"]).code(0);
    // Expiries are whole seconds: let time pass until a second past it.
    world
        .vault
        .advance_to(expires + chrono::Duration::milliseconds(1100));
    let expired = world.verify(&d.token, &args).code(3);
    assert_short_error(&expired);
    let text = stderr(&expired);
    assert!(
        text.starts_with("error: the token expired at "),
        "an expiry says so: {text}"
    );
    world.verify(&d.token, &["--as", "b"]).code(3);
    for (token, holder) in [(&signed, "c"), (&unsigned, "b")] {
        let expired = world.verify(token, &["--as", holder]).code(3);
        assert!(
            stderr(&expired).starts_with("error: the token expired at "),
            "{}",
            stderr(&expired)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Acceptance 2: a re-delegation only narrows.

#[test]
fn a_redelegation_can_only_narrow_scope_and_expiry() {
    let world = World::new();
    let ab = world.delegate(&[
        "--agent",
        "a",
        "--to",
        "b",
        "--action",
        "read",
        "--resource",
        "customers",
        "--ttl",
        "5m",
        "--task",
        "triage",
    ]);
    let (b_key, _) = world.issue_key("b");
    // B is granted write on customers itself, but was only delegated read.
    for (args, why) in [
        (&["--action", "write"][..], "cannot delegate write"),
        (
            &["--resource", "orders"][..],
            "cannot delegate access to orders",
        ),
        (
            &["--action", "read", "--resource", "orders"][..],
            "cannot delegate read on orders",
        ),
        (&["--ttl", "1h"][..], "would outlive the parent token"),
    ] {
        let refused = world
            .delegate_as(&b_key, &ab.token, &[&["--to", "c"], args].concat())
            .code(3);
        assert!(
            stdout(&refused).is_empty(),
            "{args:?}: a refused delegation printed a token"
        );
        assert_short_error(&refused);
        let text = stderr(&refused);
        assert!(text.contains(why), "{args:?}: {text}");
    }
    let denials = world
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["result"] == "denied" && e["agent"] == "b")
        .count();
    assert!(denials >= 4, "each refusal is audited ({denials})");

    let narrower = world
        .delegate_as(
            &b_key,
            &ab.token,
            &[
                "--to",
                "c",
                "--action",
                "read",
                "--resource",
                "customers",
                "--ttl",
                "1m",
            ],
        )
        .code(0);
    let bc = stdout(&narrower).trim().to_string();
    let read = ["--action", "read", "--resource", "customers"];
    world
        .verify(&bc, &[&["--as", "c"], &read[..]].concat())
        .code(0);
    world
        .verify(&bc, &[&["--as", "b"], &read[..]].concat())
        .code(3);
    world
        .verify(
            &bc,
            &["--as", "c", "--action", "write", "--resource", "customers"],
        )
        .code(3);
    let info = world.info(&bc, "c");
    let hops: Vec<(&str, &str)> = info["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .map(|h| (h["from"].as_str().unwrap(), h["to"].as_str().unwrap()))
        .collect();
    assert_eq!(hops, [("a", "b"), ("b", "c")]);
    assert!(time(&info["expires_at"]) <= Utc::now() + chrono::Duration::minutes(1));
}

#[test]
fn a_hand_built_hop_that_widens_is_still_held_to_its_parent() {
    let world = World::new();
    let ab = world.delegate(&[
        "--agent",
        "a",
        "--to",
        "b",
        "--action",
        "read",
        "--resource",
        "customers",
        "--ttl",
        "5m",
    ]);
    let parent_expires = time(&world.info(&ab.token, "b")["expires_at"]);
    let b = world.signing_key("b");
    // The library does not check narrowing (the CLI does): B's own key signs a hop naming wider
    // actions and resources and a later expiry.
    let wide = agentcred::token::Delegation {
        from: "b".into(),
        to: "c".into(),
        to_key: world.public_key("c"),
        task: Some("widen".into()),
        actions: Some(vec!["read".into(), "write".into()]),
        resources: Some(vec!["customers".into(), "orders".into()]),
        expires_at: Utc::now() + chrono::Duration::days(1),
    };
    let token = world.library_delegate(&ab.token, &b, &wide);
    for (action, resource) in [
        ("write", "customers"),
        ("read", "orders"),
        ("write", "orders"),
    ] {
        world.assert_refused(
            &token,
            &["--as", "c", "--action", action, "--resource", resource],
            &format!("{action} on {resource}"),
        );
    }
    // What the parent allowed still verifies, and only until the parent's expiry.
    let info = world.info(&token, "c");
    assert_eq!(time(&info["expires_at"]), parent_expires);
    world
        .verify(
            &token,
            &["--as", "c", "--action", "read", "--resource", "customers"],
        )
        .code(0);

    // B's own signed block stating rights and request facts itself: only the authority states
    // rights, and no block's facts reach another block's checks or the verifier's policy.
    let c_key = world.public_key("c");
    let rights = world.third_party(
        &ab.token,
        "b",
        &format!(
            "delegation(3, \"b\", \"c\", \"\", \"{c_key}\", {{\"*\"}}, {{\"*\"}});\n\
             right(\"crm\", \"*\", \"prefix\", \"\");\nright(\"billing\", \"write\", \"exact\", \"orders\");\n\
             operation(\"read\");\nresource(\"customers\");\nagent(\"c\");\n"
        ),
    );
    world
        .verify(
            &rights,
            &["--as", "c", "--action", "read", "--resource", "customers"],
        )
        .code(0);
    for (action, resource) in [
        ("write", "customers"),
        ("read", "orders"),
        ("write", "orders"),
    ] {
        world.assert_refused(
            &rights,
            &["--as", "c", "--action", action, "--resource", resource],
            &format!("signed rights: {action} on {resource}"),
        );
    }

    // A hop signed by the holder that claims to come from someone else, and one signed by a key
    // that does not hold the token, are refused as forgeries.
    let claims_a = agentcred::token::Delegation {
        from: "a".into(),
        ..wide.clone()
    };
    let token = world.library_delegate(&ab.token, &b, &claims_a);
    let forged = world.verify(&token, &["--as", "c"]).code(65);
    assert!(
        stderr(&forged).contains("delegates from a, but b held the token"),
        "{}",
        stderr(&forged)
    );
    let signed_by_a = world.library_delegate(&ab.token, &world.signing_key("a"), &wide);
    let forged = world.verify(&signed_by_a, &["--as", "c"]).code(65);
    assert!(
        stderr(&forged).contains("is not signed by b, who held the token"),
        "{}",
        stderr(&forged)
    );
}

// ---------------------------------------------------------------------------------------------
// Acceptance 3: forgeries.

#[test]
fn a_flipped_bit_in_any_block_of_a_chain_is_refused() {
    let world = World::new();
    let (_, bc, _) = chain_abc(&world);
    let args = ["--as", "c", "--action", "read", "--resource", "customers"];
    world.verify(&bc.token, &args).code(0);
    let original = decode(&bc.token);
    assert_eq!(original.blocks.len(), 3, "authority, credential, a→b, b→c");

    // Inside each block's region: its payload, signature, next key and any third-party
    // signature and key.
    let mut cases: Vec<(String, String)> = Vec::new();
    for i in 0..=original.blocks.len() {
        type Field = fn(&mut schema::SignedBlock) -> Option<&mut Vec<u8>>;
        let fields: [(&str, Field); 5] = [
            ("payload", |b| Some(&mut b.block)),
            ("signature", |b| Some(&mut b.signature)),
            ("next key", |b| Some(&mut b.next_key.key)),
            ("third-party signature", |b| {
                b.external_signature.as_mut().map(|e| &mut e.signature)
            }),
            ("third-party key", |b| {
                b.external_signature.as_mut().map(|e| &mut e.public_key.key)
            }),
        ];
        for (name, field) in fields {
            for at in [0.0, 0.5, 0.99] {
                let mut container = original.clone();
                let mut blocks = signed_blocks(&mut container);
                let Some(bytes) = field(blocks[i]) else {
                    continue;
                };
                let offset = ((bytes.len() as f64 * at) as usize).min(bytes.len() - 1);
                flip(bytes, offset);
                cases.push((
                    format!("block {i} {name} byte {offset}"),
                    encode(&container),
                ));
            }
        }
    }
    // And bit flips spread over the whole serialised token (framing, root key id, proof).
    let raw = URL_SAFE.decode(&bc.token).expect("base64url");
    for k in 0..24 {
        let offset = k * (raw.len() - 1) / 23;
        let mut bytes = raw.clone();
        flip(&mut bytes, offset);
        cases.push((
            format!("raw byte {offset} of {}", raw.len()),
            URL_SAFE.encode(&bytes),
        ));
    }
    assert!(cases.len() > 50, "{} cases", cases.len());
    for (what, token) in &cases {
        world.assert_refused(token, &args, what);
    }
}

#[test]
fn reordered_grafted_skipped_or_dropped_blocks_are_refused() {
    let world = World::new();
    let (ab, bc, b_key) = chain_abc(&world);
    let args = ["--as", "c", "--action", "read", "--resource", "customers"];
    world.verify(&bc.token, &args).code(0);
    let original = decode(&bc.token);

    let malformed = |token: &str, holder: &str, what: &str| {
        let refused = world.verify(token, &["--as", holder]).code(65);
        assert_short_error(&refused);
        assert_eq!(
            stderr(&refused).lines().next(),
            Some("error: the token is malformed or its signatures do not verify"),
            "{what}"
        );
    };

    // Blocks swapped: the two hops, and the credential with the first hop.
    for (x, y) in [(1, 2), (0, 1)] {
        let mut container = original.clone();
        container.blocks.swap(x, y);
        malformed(
            &encode(&container),
            "c",
            &format!("blocks {x} and {y} swapped"),
        );
    }
    // The first hop skipped (A→B removed, B→C kept).
    let mut container = original.clone();
    container.blocks.remove(1);
    malformed(&encode(&container), "c", "a hop skipped");
    // The last block dropped, to present A→B→C as B: the proof no longer matches.
    let mut container = original.clone();
    container.blocks.pop();
    malformed(&encode(&container), "b", "the last block dropped");

    // A hop grafted from another token: a B→C hop made on a second A→B delegation (task "other"),
    // moved with that token's proof onto the first chain.
    let ab2 = world.delegate(&[
        "--agent", "a", "--to", "b", "--action", "read", "--ttl", "5m", "--task", "other",
    ]);
    let bc2 = delegated(
        &world
            .delegate_as(&b_key, &ab2.token, &["--to", "c", "--format", "json"])
            .code(0),
    );
    world.verify(&bc2.token, &["--as", "c"]).code(0);
    let other = decode(&bc2.token);
    let mut grafted = decode(&ab.token);
    grafted.blocks.push(other.blocks[2].clone());
    grafted.proof = other.proof.clone();
    malformed(&encode(&grafted), "c", "a hop grafted onto A→B");
    let mut replaced = original.clone();
    replaced.blocks[2] = other.blocks[2].clone();
    replaced.proof = other.proof.clone();
    malformed(
        &encode(&replaced),
        "c",
        "the last hop replaced by another token's",
    );
    // The first hop of the other chain spliced under the second hop of this one.
    let mut spliced = original.clone();
    spliced.blocks[1] = other.blocks[1].clone();
    malformed(
        &encode(&spliced),
        "c",
        "a middle hop replaced by another token's",
    );
}

#[test]
fn a_token_rooted_at_an_agent_key_is_refused() {
    let world = World::new();
    let ab = world.delegate(&["--agent", "a", "--to", "b", "--ttl", "5m"]);
    let real = world.info(&ab.token, "b");
    let vault_id = real["vault_id"].as_str().expect("vault id").to_string();
    let (issuer_id, _) = world.issuer();
    let a = world.signing_key("a");
    // agentcred's authority facts, with every right, signed by A's agent key instead of the issuer.
    let code = format!(
        "vault(\"{vault_id}\");\nagent(\"a\");\nagent_key(\"a\", \"{}\");\n\
         right(\"crm\", \"*\", \"prefix\", \"\");\nright(\"billing\", \"*\", \"prefix\", \"\");\n",
        a.public()
    );
    let forge = |root_key_id: Option<u32>| {
        let mut builder = biscuit_auth::Biscuit::builder()
            .code(&code)
            .expect("authority facts");
        if let Some(id) = root_key_id {
            builder = builder.root_key_id(id);
        }
        builder
            .build(&biscuit_keypair(&a))
            .expect("a token")
            .to_base64()
            .expect("base64")
    };
    let claimed = forge(Some(agentcred::token::root_key_number(&issuer_id)));
    for args in [
        &["--as", "a"][..],
        &["--as", "a", "--action", "write", "--resource", "orders"][..],
        &[][..],
    ] {
        let refused = world.verify(&claimed, args).code(65);
        assert_short_error(&refused);
        assert_eq!(
            stderr(&refused).lines().next(),
            Some("error: the token is malformed or its signatures do not verify")
        );
    }
    // Without a key id (or with one that is not the issuer's), no issuer key is found at all.
    for id in [None, Some(0x1234_5678)] {
        let refused = world.verify(&forge(id), &["--as", "a"]).code(65);
        assert_eq!(
            stderr(&refused).lines().next(),
            Some("error: the token was not issued by this vault (unknown issuer key)")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Acceptance 4: revocation of a link.

#[test]
fn revoking_a_link_revokes_everything_below_it_and_nothing_else() {
    let world = World::new();
    let (ab, bc, _) = chain_abc(&world);
    let ad = world.delegate(&["--agent", "a", "--to", "d", "--ttl", "5m"]);
    let read = ["--action", "read", "--resource", "customers"];
    let as_c = [&["--as", "c"], &read[..]].concat();
    world.verify(&bc.token, &as_c).code(0);
    // The A→B id as `verify --json` reports it is the one `delegate` printed.
    let info = world.info(&bc.token, "c");
    assert_eq!(info["hops"][0]["id"], ab.id.as_str());
    assert_eq!(info["hops"][1]["id"], bc.id.as_str());

    let revoked = world.admin(&["creds", "revoke", &ad.id]).code(0);
    assert!(stderr(&revoked).contains(&format!("revoked credential {} of d", ad.id)));
    world.verify(&ad.token, &["--as", "d"]).code(3);
    world.verify(&bc.token, &as_c).code(0);
    world.verify(&ab.token, &["--as", "b"]).code(0);

    world.admin(&["creds", "revoke", &ab.id]).code(0);
    for (token, args) in [(&bc.token, &as_c[..]), (&ab.token, &["--as", "b"][..])] {
        let refused = world.verify(token, args).code(3);
        assert_short_error(&refused);
        assert_eq!(
            stderr(&refused).lines().next(),
            Some(format!("error: the token is revoked ({})", ab.id).as_str())
        );
    }
}

#[test]
fn a_delegation_revoked_with_the_delegatees_key_stops_verifying() {
    let world = World::new();
    let (ab, bc, b_key) = chain_abc(&world);
    let revoked = world
        .vault
        .with_key_file(&b_key)
        .args(["creds", "revoke", &ab.id])
        .assert()
        .code(0);
    assert!(stderr(&revoked).contains("and everything derived from it"));
    let after = world.verify(&bc.token, &["--as", "c"]);
    assert_eq!(
        after.get_output().status.code(),
        Some(3),
        "`creds revoke {}` said {:?}, yet A→B→C still verifies",
        ab.id,
        stderr(&revoked)
    );
    world.verify(&ab.token, &["--as", "b"]).code(3);
}

// ---------------------------------------------------------------------------------------------
// Acceptance 5: exec --on-behalf-of.

/// The child's environment as `env` wrote it.
fn env_file(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .expect("the child wrote its environment")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn exec_on_behalf_gets_only_what_was_both_delegated_and_granted() {
    let world = World::new();
    world.grant("a", BILLING, "read", "customers,orders");
    let t = world.delegate(&[
        "--agent",
        "a",
        "--to",
        "b",
        "--action",
        "read",
        "--resource",
        "customers",
        "--ttl",
        "5m",
        "--task",
        "triage",
    ]);
    let t_info = world.info(&t.token, "b");
    let mut delegated: Vec<&str> = t_info["injected"]
        .as_array()
        .expect("injected")
        .iter()
        .map(|p| p[0].as_str().expect("secret"))
        .collect();
    delegated.sort_unstable();
    assert_eq!(
        delegated,
        [BILLING, CRM],
        "the delegated credential covers both"
    );
    let t_expires = time(&t_info["expires_at"]);
    let (b_key, b_key_id) = world.issue_key("b");

    let script = r#"env > env.txt
"$BIN" verify "$AGENTCRED_TOKEN" --action read --resource customers --json > read.json 2> read.err
echo $? > read.code
"$BIN" verify "$AGENTCRED_TOKEN" --action write --resource customers > write.out 2> write.err
echo $? > write.code
"#;
    let assert = world
        .vault
        .with_key_file(&b_key)
        .env("BIN", util::bin())
        // Outside the sandbox: the verify inside reads the vault directory.
        .args([
            "exec",
            "--no-sandbox",
            "--agent",
            "b",
            "--on-behalf-of",
            "-",
            "--",
            "sh",
            "-c",
            script,
        ])
        .write_stdin(format!("{}\n", t.token))
        .assert()
        .code(0);
    assert_no_leak(&assert.get_output().stdout, &world.crm_value);
    assert_no_leak(&assert.get_output().stderr, &world.crm_value);

    let root = world.vault.root();
    let env = env_file(&root.join("env.txt"));
    let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(var("CRM"), Some(world.crm_value.as_str()));
    assert_eq!(
        var("BILLING"),
        None,
        "billing was delegated but not granted to b"
    );
    assert_no_leak(
        &std::fs::read(root.join("env.txt")).unwrap(),
        &world.billing_value,
    );
    assert_eq!(var("AGENTCRED_SECRETS"), Some("CRM"));
    assert_eq!(var("AGENTCRED_AGENT"), Some("b"));
    let expires = DateTime::parse_from_rfc3339(var("AGENTCRED_EXPIRES_AT").expect("expiry"))
        .expect("RFC 3339")
        .with_timezone(&Utc);
    assert!(expires <= t_expires, "{expires} is later than {t_expires}");
    let child_id = var("AGENTCRED_CREDENTIAL_ID")
        .expect("credential id")
        .to_string();

    // The child's own token, as the child verified it while it ran.
    let read_code = std::fs::read_to_string(root.join("read.code")).unwrap();
    assert_eq!(
        read_code.trim(),
        "0",
        "{}",
        std::fs::read_to_string(root.join("read.err")).unwrap()
    );
    let read: Value =
        serde_json::from_slice(&std::fs::read(root.join("read.json")).unwrap()).expect("JSON");
    assert_eq!(read["allowed"], true);
    assert_eq!(read["token"]["holder"], "b");
    assert_eq!(read["token"]["holder_signed"], true);
    assert_eq!(read["token"]["agent"], "a");
    assert_eq!(read["token"]["hops"][0]["id"], t.id.as_str());
    assert_eq!(read["token"]["hops"][0]["task"], "triage");
    assert!(time(&read["token"]["expires_at"]) <= t_expires);
    // b is granted write on customers, but a delegated only read.
    let write_code = std::fs::read_to_string(root.join("write.code")).unwrap();
    assert_eq!(write_code.trim(), "3");
    assert_eq!(
        std::fs::read_to_string(root.join("write.err"))
            .unwrap()
            .lines()
            .next(),
        Some("error: the token does not allow write on customers")
    );
    assert!(std::fs::read(root.join("write.out")).unwrap().is_empty());

    // The audit log names the acting agent (by its key) and the agent it acted for.
    let lines = world.vault.audit_lines();
    for action in ["cred.mint", "exec.start"] {
        let e = lines
            .iter()
            .find(|e| e["action"] == action && e["credential_id"] == child_id.as_str())
            .unwrap_or_else(|| panic!("no {action} entry for {child_id}"));
        assert_eq!(e["actor"], format!("key:{b_key_id}"), "{e}");
        assert_eq!(e["agent"], "b", "{e}");
        assert_eq!(
            e["details"]["on_behalf_of"],
            serde_json::json!(["a"]),
            "{e}"
        );
        assert_eq!(e["result"], "ok");
    }
    let mint = lines
        .iter()
        .find(|e| e["action"] == "cred.mint" && e["credential_id"] == child_id.as_str())
        .unwrap();
    assert_eq!(mint["secrets"], serde_json::json!([CRM]));
    assert_eq!(mint["details"]["delegations"], serde_json::json!([t.id]));
    assert!(
        lines
            .iter()
            .any(|e| e["action"] == "exec.end" && e["credential_id"] == child_id.as_str()),
        "exec.end recorded"
    );
    util::assert_unbroken_chain(&world.vault.audit_text());
}

#[test]
fn exec_on_behalf_with_nothing_granted_in_common_never_runs_the_child() {
    let world = World::new();
    world.vault.set_secret("wiki", "wiki-value").code(0);
    world.grant("d", "wiki", "read", "*");
    let t = world.delegate(&["--agent", "a", "--to", "d", "--ttl", "5m"]);
    let marker = world.vault.root().join("ran");
    let run = |agent: &str, token: &str| {
        world
            .vault
            .cmd()
            .args([
                "exec",
                "--agent",
                agent,
                "--on-behalf-of",
                "-",
                "--",
                "touch",
            ])
            .arg(&marker)
            .write_stdin(format!("{token}\n"))
            .assert()
            .code(125)
    };
    let refused = run("d", &t.token);
    assert!(!marker.exists(), "the child ran");
    assert!(stdout(&refused).is_empty());
    let text = stderr(&refused);
    // exec prefixes its own errors, so they cannot be mistaken for the program's.
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "error: nothing delegated to d is also granted to it (delegated: crm)",
            "  hint: acting on behalf of another agent never adds to what this agent is granted",
        ],
    );
    // Another agent than the holder, and the delegator's own credential, are refused the same way.
    world.grant("c", CRM, "read", "customers");
    let refused = run("c", &t.token);
    assert!(!marker.exists(), "the child ran");
    assert_eq!(
        stderr(&refused).lines().next(),
        Some("error: the token belongs to agent d, not c")
    );
    let denied = world
        .vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["result"] == "denied" && (e["agent"] == "d" || e["agent"] == "c"))
        .count();
    assert!(denied >= 2, "each refusal is audited");
    assert!(
        !world
            .vault
            .audit_lines()
            .iter()
            .any(|e| e["action"] == "exec.start"),
        "no exec.start for a child that never ran"
    );
}

// ---------------------------------------------------------------------------------------------
// Acceptance 6: size and depth limits.

#[test]
fn a_chain_stops_at_8_blocks() {
    let world = World::new();
    world.grant("c", CRM, "read", "customers");
    let keys: std::collections::HashMap<&str, PathBuf> = ["a", "b", "c"]
        .into_iter()
        .map(|a| (a, world.issue_key(a).0))
        .collect();
    // Blocks 0 (authority) and 1 (credential), then hops a→b, b→c, c→a, a→b, b→c, c→a.
    let mut token = world
        .delegate(&["--agent", "a", "--to", "b", "--ttl", "5m"])
        .token;
    let ring = ["a", "b", "c"];
    for hop in 1..6 {
        let (from, to) = (ring[hop % 3], ring[(hop + 1) % 3]);
        let assert = world
            .delegate_as(
                &keys[from],
                &token,
                &["--to", to, "--task", &format!("hop {hop}")],
            )
            .code(0);
        token = stdout(&assert).trim().to_string();
    }
    let info = world.info(&token, "a");
    assert_eq!(info["blocks"], 8);
    assert_eq!(info["hops"].as_array().expect("hops").len(), 6);

    let start = Instant::now();
    let refused = world
        .delegate_as(&keys["a"], &token, &["--to", "b"])
        .code(3);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(
        stdout(&refused).is_empty(),
        "a refused delegation printed a token"
    );
    assert_short_error(&refused);
    let text = stderr(&refused);
    assert!(
        text.starts_with("error: the token already has 8 blocks"),
        "{text}"
    );
    world
        .verify(
            &token,
            &["--as", "a", "--action", "read", "--resource", "customers"],
        )
        .code(0);
}

#[test]
fn a_token_with_more_than_8_blocks_is_refused_quickly() {
    let world = World::new();
    let d = world.delegate(&["--agent", "a", "--to", "b", "--ttl", "5m"]);
    let mut token = world.biscuit(&d.token);
    assert_eq!(token.block_count(), 3);
    while token.block_count() < 8 {
        token = token
            .append(
                biscuit_auth::BlockBuilder::new()
                    .code("check if true;")
                    .unwrap(),
            )
            .unwrap();
    }
    // Eight blocks (first-party narrowing blocks appended by the holder) are still accepted.
    let eight = token.to_base64().unwrap();
    world.verify(&eight, &["--as", "b"]).code(0);
    let nine = token
        .append(
            biscuit_auth::BlockBuilder::new()
                .code("check if true;")
                .unwrap(),
        )
        .unwrap();
    let (refused, elapsed) = world.verify_stdin(&nine.to_base64().unwrap(), &["--as", "b"]);
    let refused = refused.code(65);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert_eq!(
        stderr(&refused).lines().next(),
        Some("error: the token has more than 8 blocks")
    );
}

/// `token` with as many empty first-party blocks appended as fit in 16 KiB (about 137 in all).
fn deepest(world: &World, token: &str) -> biscuit_auth::Biscuit {
    let mut deep = world.biscuit(token);
    loop {
        let next = deep.append(biscuit_auth::BlockBuilder::new()).unwrap();
        if next.to_base64().unwrap().len() > 16 * 1024 * 4 / 3 {
            return deep;
        }
        deep = next;
    }
}

#[test]
fn the_deepest_token_under_16_kib_is_refused_for_its_depth() {
    let world = World::new();
    let d = world.delegate(&["--agent", "a", "--to", "b", "--ttl", "5m"]);
    let deep = deepest(&world, &d.token);
    assert!(deep.block_count() > 100, "{} blocks", deep.block_count());
    let (refused, elapsed) = world.verify_stdin(&deep.to_base64().unwrap(), &["--as", "b"]);
    let refused = refused.code(65);
    assert_eq!(
        stderr(&refused).lines().next(),
        Some("error: the token has more than 8 blocks")
    );
    // Generous: see the ignored test below (about 1.6 s in a debug build, 14 ms in release).
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[test]
fn the_deepest_token_under_16_kib_is_refused_before_its_signatures_are_checked() {
    let world = World::new();
    let d = world.delegate(&["--agent", "a", "--to", "b", "--ttl", "5m"]);
    let deep = deepest(&world, &d.token).to_base64().unwrap();
    let (refused, elapsed) = world.verify_stdin(&deep, &["--as", "b"]);
    refused.code(65);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn a_token_over_16_kib_is_refused_quickly() {
    let world = World::new();
    let d = world.delegate(&["--agent", "a", "--to", "b", "--ttl", "5m"]);
    let too_large = "error: the token is larger than 16 KiB";

    let junk: Vec<u8> = (0..17 * 1024u32).map(|i| (i * 7919 % 251) as u8).collect();
    let (refused, elapsed) = world.verify_stdin(&URL_SAFE.encode(&junk), &["--as", "b"]);
    let refused = refused.code(65);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert_eq!(stderr(&refused).lines().next(), Some(too_large));

    // A real token padded with one large fact: just under the limit it verifies, over it not.
    let padded = |bytes: usize| {
        let block = biscuit_auth::BlockBuilder::new()
            .code(format!("pad(\"{}\");", "x".repeat(bytes)))
            .unwrap();
        world
            .biscuit(&d.token)
            .append(block)
            .unwrap()
            .to_base64()
            .unwrap()
    };
    let fits = padded(14 * 1024);
    assert!(URL_SAFE.decode(&fits).unwrap().len() < 16 * 1024);
    world.verify_stdin(&fits, &["--as", "b"]).0.code(0);
    let over = padded(17 * 1024);
    assert!(URL_SAFE.decode(&over).unwrap().len() > 17 * 1024);
    let (refused, elapsed) = world.verify_stdin(&over, &["--as", "b"]);
    let refused = refused.code(65);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert_eq!(stderr(&refused).lines().next(), Some(too_large));
}

/// `verify --as B` checks that whoever presents the token holds B's key now: a copy of B's token
/// alone is refused (3), as is a proof by another agent's key, a stale proof, a proof for another
/// challenge, and a proof lifted from another of B's tokens. `agentcred present`, run with B's key,
/// makes the proof; run with another agent's key, it refuses.
#[test]
fn verify_as_requires_a_fresh_proof_of_possession_by_the_holder() {
    let world = World::new();
    let d = world.delegate(&[
        "--agent",
        "a",
        "--to",
        "b",
        "--action",
        "read",
        "--resource",
        "customers",
    ]);
    let other = world.delegate(&["--agent", "a", "--to", "b"]);
    let verify = |token: &str, args: &[&str]| {
        world
            .vault
            .cmd()
            .args(["verify", "-", "--as", "b"])
            .args(args)
            .write_stdin(format!("{token}\n"))
            .assert()
    };
    let present = |key: &Path, token: &str, args: &[&str]| {
        world
            .vault
            .with_key_file(key)
            .args(["present", "--token", "-"])
            .args(args)
            .write_stdin(format!("{token}\n"))
            .assert()
    };

    // A copy of the token, as a thief would present it.
    let bare = verify(&d.token, &[]).code(3);
    assert!(stdout(&bare).is_empty());
    assert_short_error(&bare);
    assert!(stderr(&bare).contains("no proof"), "{}", stderr(&bare));

    // b presents it with its own key.
    let (b_key, _) = world.issue_key("b");
    let presented = stdout(&present(&b_key, &d.token, &[]).code(0))
        .trim()
        .to_string();
    assert!(presented.starts_with(&d.token), "the token is unchanged");
    verify(&presented, &["--action", "read", "--resource", "customers"]).code(0);
    // Presenting narrows nothing and widens nothing.
    verify(
        &presented,
        &["--action", "write", "--resource", "customers"],
    )
    .code(3);

    // c's key cannot present b's token, and a proof by a's key in b's name is no proof.
    let (c_key, _) = world.issue_key("c");
    let refused = present(&c_key, &d.token, &[]).code(3);
    assert!(stdout(&refused).is_empty());
    assert!(
        stderr(&refused).contains("belongs to agent b"),
        "{}",
        stderr(&refused)
    );
    let vault = world.open();
    let keys = agentcred::token::issuer_lookup(&vault.config, Utc::now());
    let by_a = agentcred::token::present(
        &d.token,
        &keys,
        &world.signing_key("a"),
        "b",
        None,
        Utc::now(),
    )
    .expect("the library signs anything");
    assert_eq!(verify(&by_a, &[]).code(3).get_output().stdout.len(), 0);

    // Stale: b's own proof, made two minutes ago.
    let b_signer = world.signing_key("b");
    let stale = agentcred::token::present(
        &d.token,
        &keys,
        &b_signer,
        "b",
        None,
        Utc::now() - chrono::Duration::seconds(120),
    )
    .expect("a proof");
    let old = verify(&stale, &[]).code(3);
    assert!(stderr(&old).contains("not fresh"), "{}", stderr(&old));

    // A challenge: only the proof for it passes.
    let challenged = stdout(&present(&b_key, &d.token, &["--challenge", "n-0451"]).code(0))
        .trim()
        .to_string();
    verify(&challenged, &["--challenge", "n-0451"]).code(0);
    verify(&challenged, &["--challenge", "n-9999"]).code(3);
    verify(&presented, &["--challenge", "n-0451"]).code(3);

    // A proof lifted from another of b's tokens.
    let other_presented = stdout(&present(&b_key, &other.token, &[]).code(0))
        .trim()
        .to_string();
    let proof = &other_presented[other.token.len()..];
    assert!(proof.starts_with('~'), "{proof}");
    let grafted = format!("{}{proof}", d.token);
    verify(&grafted, &[]).code(3);
}

/// Removing an agent ends what was delegated to it: whoever kept its signing key (anyone who held
/// one of its keys could open its envelope with stock `age`) presents a delegation made to it
/// before, and `verify --as` refuses it (3), as does `verify` without `--as` for a token whose
/// holder is no longer an agent of the vault.
#[test]
fn a_delegation_to_a_removed_agent_is_refused() {
    let world = World::new();
    let (ab, _bc, _b_key) = chain_abc(&world);
    let b_signer = world.signing_key("b");
    world
        .vault
        .cmd()
        .args(["agent", "remove", "b", "--yes"])
        .assert()
        .code(0);
    let vault = world.open();
    let keys = agentcred::token::issuer_lookup(&vault.config, Utc::now());
    let presented = agentcred::token::present(&ab.token, &keys, &b_signer, "b", None, Utc::now())
        .expect("a proof");
    for args in [&["--as", "b"][..], &[]] {
        let out = world
            .vault
            .cmd()
            .args(["verify", "-"])
            .args(args)
            .write_stdin(format!("{presented}\n"))
            .assert()
            .code(3);
        assert!(out.get_output().stdout.is_empty());
        assert_short_error(&out);
        assert!(stderr(&out).contains("agent b"), "{}", stderr(&out));
    }
}

/// A delegation that names no actions or resources says it passes on the parent's, not "every
/// action on every resource": a delegation only narrows.
#[test]
fn an_unnarrowed_delegation_says_it_passes_on_the_parents_scope() {
    let world = World::new();
    let assert = world
        .admin(&["delegate", "--agent", "a", "--to", "b", "--ttl", "5m"])
        .code(0);
    let note = stderr(&assert);
    assert!(
        note.contains("a → b (the actions the parent allows on the resources the parent allows)"),
        "{note}"
    );
    assert!(!note.contains("every action"), "{note}");
}
