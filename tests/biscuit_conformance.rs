//! Conformance of the Biscuit implementation behind agentcred's tokens (the pinned `biscuit-auth`
//! crate, with the features agentcred compiles) against the Biscuit specification's sample tokens,
//! vendored in `fixtures/biscuit-samples/` (see its NOTICE).
//!
//! For every sample in `samples.json` the token is parsed with the samples' root public key and
//! its blocks are compared with what the samples print (symbols, public keys, external key,
//! version, Datalog source). Then, for every validation, its authorizer code is run against the
//! token and compared with the expected outcome: the matching policy index on success; on failure
//! the error class and the exact error (decoded from the samples' serde form and compared with
//! `==`), the revocation ids, and the authorizer world after evaluation (facts with their origins,
//! rules, checks, policies), as the crate's own sample generator (`examples/testcases.rs` of
//! biscuit-auth 6.0.0) prints them.
//!
//! Nothing is skipped: every sample's features are compiled in (Ed25519 and secp256r1 signatures,
//! third-party blocks, v3-v6 blocks, regular expressions). `test035_ffi` calls an external
//! function, `extern::test`, which a verifier must supply: it is registered here with the
//! semantics the samples were generated with (the `ffi` case of the generator). `test018`'s
//! authorizer code is absent from `samples.json` because the sample fails while the authorizer is
//! built (the token carries a rule with an unbound variable); any code gives that error, so the
//! empty code listed is used.
//!
//! The limits are generous (`AuthorizerBuilder::set_limits`): the samples test semantics, not run
//! limits, and a debug build on a slow machine must not time out where the reference did not.
//! `authorize_with_limits` is not used: it mishandles limits in 6.0.0.
//!
//! The test prints one summary line (`cargo test -- --nocapture` shows it) and fails listing every
//! mismatch.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use biscuit_auth::builder::{Algorithm, Term};
use biscuit_auth::datalog::{ExternFunc, SymbolTable};
use biscuit_auth::error::{
    Base64Error, Expression, FailedAuthorizerCheck, FailedBlockCheck, FailedCheck, Format, Logic,
    MatchedPolicy, RunLimit, Signature, Token,
};
use biscuit_auth::format::convert;
use biscuit_auth::format::schema::origin::Content;
use biscuit_auth::{Authorizer, AuthorizerBuilder, AuthorizerLimits, Biscuit, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Samples not run, with the reason. Empty: see the module documentation for how the samples that
/// need more than a token and authorizer code (`test035_ffi`, `test018`) are run.
const SKIPPED: &[(&str, &str)] = &[];

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/biscuit-samples")
}

// --- samples.json ------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Samples {
    #[allow(dead_code)]
    root_private_key: String,
    root_public_key: String,
    testcases: Vec<TestCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    title: String,
    filename: String,
    token: Vec<BlockContent>,
    validations: BTreeMap<String, Validation>,
}

#[derive(Deserialize, PartialEq, Eq, Debug)]
#[serde(deny_unknown_fields)]
struct BlockContent {
    symbols: Vec<String>,
    public_keys: Vec<String>,
    external_key: Option<String>,
    code: String,
    version: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Validation {
    world: Option<Value>,
    result: Value,
    authorizer_code: String,
    revocation_ids: Vec<String>,
}

// --- the authorizer world, in the generator's form ---------------------------------------------

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Facts {
    origin: BTreeSet<Option<usize>>,
    facts: Vec<String>,
}

#[derive(Serialize)]
struct Rules {
    origin: usize,
    rules: Vec<String>,
}

#[derive(Serialize)]
struct Checks {
    origin: usize,
    checks: Vec<String>,
}

#[derive(Serialize)]
struct World {
    facts: Vec<Facts>,
    rules: Vec<Rules>,
    checks: Vec<Checks>,
    policies: Vec<String>,
}

/// The world after `authorize`, printed as the sample generator prints it (origin `usize::MAX`
/// is the authorizer's own block).
fn world(authorizer: &Authorizer) -> Result<Value, String> {
    let (_, _, _, policies) = authorizer.dump();
    let snapshot = authorizer
        .snapshot()
        .map_err(|e| format!("snapshot: {e}"))?;
    let w = snapshot.world;
    let version = w.version.ok_or("the snapshot has no version")?;
    let keys = w
        .public_keys
        .iter()
        .map(PublicKey::from_proto)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("snapshot public keys: {e}"))?;
    let symbols = SymbolTable::from_symbols_and_public_keys(w.symbols, keys)
        .map_err(|e| format!("snapshot symbols: {e}"))?;
    let print_rules =
        |rules: &[biscuit_auth::format::schema::Rule]| -> Result<Vec<String>, String> {
            let mut out = rules
                .iter()
                .map(|r| {
                    convert::proto_rule_to_token_rule(r, version)
                        .map(|(rule, _)| symbols.print_rule(&rule))
                        .map_err(|e| format!("snapshot rule: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.sort();
            Ok(out)
        };
    let print_checks =
        |checks: &[biscuit_auth::format::schema::Check]| -> Result<Vec<String>, String> {
            let mut out = checks
                .iter()
                .map(|c| {
                    convert::proto_check_to_token_check(c, version)
                        .map(|check| symbols.print_check(&check))
                        .map_err(|e| format!("snapshot check: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.sort();
            Ok(out)
        };

    let mut rules = Vec::new();
    let mut checks = Vec::new();
    let blocks = w
        .blocks
        .iter()
        .enumerate()
        .chain(std::iter::once((usize::MAX, &w.authorizer_block)));
    for (origin, block) in blocks {
        let r = print_rules(&block.rules)?;
        if !r.is_empty() {
            rules.push(Rules { origin, rules: r });
        }
        let c = print_checks(&block.checks)?;
        if !c.is_empty() {
            checks.push(Checks { origin, checks: c });
        }
    }

    let mut facts = Vec::new();
    for set in &w.generated_facts {
        let origin = set
            .origins
            .iter()
            .map(|o| match o.content {
                Some(Content::Authorizer(_)) => Ok(None),
                Some(Content::Origin(i)) => Ok(Some(i as usize)),
                None => Err("a fact origin without content".to_string()),
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        let mut printed = set
            .facts
            .iter()
            .map(|f| {
                convert::proto_fact_to_token_fact(f)
                    .map(|fact| symbols.print_fact(&fact))
                    .map_err(|e| format!("snapshot fact: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !printed.is_empty() {
            printed.sort();
            facts.push(Facts {
                origin,
                facts: printed,
            });
        }
    }
    facts.sort();

    serde_json::to_value(World {
        facts,
        rules,
        checks,
        policies: policies.iter().map(|p| p.to_string()).collect(),
    })
    .map_err(|e| e.to_string())
}

// --- expected errors ---------------------------------------------------------------------------
//
// samples.json holds errors in serde's externally tagged form (the crate's `serde-error` feature,
// which agentcred does not compile): a unit variant is `"Name"`, any other `{"Name": payload}`.
// They are decoded into `biscuit_auth::error::Token` and compared with `==`.

fn variant(v: &Value) -> Result<(&str, &Value), String> {
    match v {
        Value::String(name) => Ok((name, &Value::Null)),
        Value::Object(map) if map.len() == 1 => {
            let (name, payload) = map.iter().next().expect("one entry");
            Ok((name, payload))
        }
        other => Err(format!("not an enum variant: {other}")),
    }
}

fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("not a string: {v}"))
}

fn number<T: TryFrom<u64>>(v: &Value) -> Result<T, String> {
    v.as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| format!("not a number in range: {v}"))
}

fn pair(v: &Value) -> Result<(&Value, &Value), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((a, b)),
        _ => Err(format!("not a pair: {v}")),
    }
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("no field {name} in {v}"))
}

fn unsupported(kind: &str, name: &str) -> String {
    format!("unknown {kind} variant {name}: extend the decoder in tests/biscuit_conformance.rs")
}

fn decode_token_error(v: &Value) -> Result<Token, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "InternalError" => Token::InternalError,
        "Format" => Token::Format(decode_format(p)?),
        "AppendOnSealed" => Token::AppendOnSealed,
        "AlreadySealed" => Token::AlreadySealed,
        "FailedLogic" => Token::FailedLogic(decode_logic(p)?),
        "RunLimit" => Token::RunLimit(decode_run_limit(p)?),
        "ConversionError" => Token::ConversionError(string(p)?),
        "Base64" => Token::Base64(decode_base64(p)?),
        "Execution" => Token::Execution(decode_expression(p)?),
        _ => return Err(unsupported("Token", name)),
    })
}

fn decode_format(v: &Value) -> Result<Format, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "Signature" => Format::Signature(decode_signature(p)?),
        "SealedSignature" => Format::SealedSignature,
        "EmptyKeys" => Format::EmptyKeys,
        "UnknownPublicKey" => Format::UnknownPublicKey,
        "DeserializationError" => Format::DeserializationError(string(p)?),
        "SerializationError" => Format::SerializationError(string(p)?),
        "BlockDeserializationError" => Format::BlockDeserializationError(string(p)?),
        "BlockSerializationError" => Format::BlockSerializationError(string(p)?),
        "Version" => Format::Version {
            maximum: number(field(p, "maximum")?)?,
            minimum: number(field(p, "minimum")?)?,
            actual: number(field(p, "actual")?)?,
        },
        "InvalidKeySize" => Format::InvalidKeySize(number(p)?),
        "InvalidSignatureSize" => Format::InvalidSignatureSize(number(p)?),
        "InvalidKey" => Format::InvalidKey(string(p)?),
        "SignatureDeserializationError" => Format::SignatureDeserializationError(string(p)?),
        "BlockSignatureDeserializationError" => {
            Format::BlockSignatureDeserializationError(string(p)?)
        }
        "InvalidBlockId" => Format::InvalidBlockId(number(p)?),
        "ExistingPublicKey" => Format::ExistingPublicKey(string(p)?),
        "SymbolTableOverlap" => Format::SymbolTableOverlap,
        "PublicKeyTableOverlap" => Format::PublicKeyTableOverlap,
        "UnknownExternalKey" => Format::UnknownExternalKey,
        "UnknownSymbol" => Format::UnknownSymbol(number(p)?),
        _ => return Err(unsupported("Format", name)),
    })
}

fn decode_signature(v: &Value) -> Result<Signature, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "InvalidFormat" => Signature::InvalidFormat,
        "InvalidSignature" => Signature::InvalidSignature(string(p)?),
        "InvalidSignatureGeneration" => Signature::InvalidSignatureGeneration(string(p)?),
        _ => return Err(unsupported("Signature", name)),
    })
}

fn decode_logic(v: &Value) -> Result<Logic, String> {
    let (name, p) = variant(v)?;
    let checks = |p: &Value| -> Result<Vec<FailedCheck>, String> {
        field(p, "checks")?
            .as_array()
            .ok_or_else(|| format!("checks is not a list: {p}"))?
            .iter()
            .map(decode_failed_check)
            .collect()
    };
    Ok(match name {
        "InvalidBlockRule" => {
            let (id, rule) = pair(p)?;
            Logic::InvalidBlockRule(number(id)?, string(rule)?)
        }
        "Unauthorized" => Logic::Unauthorized {
            policy: decode_policy(field(p, "policy")?)?,
            checks: checks(p)?,
        },
        "AuthorizerNotEmpty" => Logic::AuthorizerNotEmpty,
        "NoMatchingPolicy" => Logic::NoMatchingPolicy { checks: checks(p)? },
        _ => return Err(unsupported("Logic", name)),
    })
}

fn decode_policy(v: &Value) -> Result<MatchedPolicy, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "Allow" => MatchedPolicy::Allow(number(p)?),
        "Deny" => MatchedPolicy::Deny(number(p)?),
        _ => return Err(unsupported("MatchedPolicy", name)),
    })
}

fn decode_failed_check(v: &Value) -> Result<FailedCheck, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "Block" => FailedCheck::Block(FailedBlockCheck {
            block_id: number(field(p, "block_id")?)?,
            check_id: number(field(p, "check_id")?)?,
            rule: string(field(p, "rule")?)?,
        }),
        "Authorizer" => FailedCheck::Authorizer(FailedAuthorizerCheck {
            check_id: number(field(p, "check_id")?)?,
            rule: string(field(p, "rule")?)?,
        }),
        _ => return Err(unsupported("FailedCheck", name)),
    })
}

fn decode_run_limit(v: &Value) -> Result<RunLimit, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "TooManyFacts" => RunLimit::TooManyFacts,
        "TooManyIterations" => RunLimit::TooManyIterations,
        "Timeout" => RunLimit::Timeout,
        "UnexpectedQueryResult" => {
            let (a, b) = pair(p)?;
            RunLimit::UnexpectedQueryResult(number(a)?, number(b)?)
        }
        _ => return Err(unsupported("RunLimit", name)),
    })
}

fn decode_base64(v: &Value) -> Result<Base64Error, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "InvalidByte" => {
            let (a, b) = pair(p)?;
            Base64Error::InvalidByte(number(a)?, number(b)?)
        }
        "InvalidLength" => Base64Error::InvalidLength,
        "InvalidLastSymbol" => {
            let (a, b) = pair(p)?;
            Base64Error::InvalidLastSymbol(number(a)?, number(b)?)
        }
        _ => return Err(unsupported("Base64Error", name)),
    })
}

fn decode_expression(v: &Value) -> Result<Expression, String> {
    let (name, p) = variant(v)?;
    Ok(match name {
        "UnknownSymbol" => Expression::UnknownSymbol(number(p)?),
        "UnknownVariable" => Expression::UnknownVariable(number(p)?),
        "InvalidType" => Expression::InvalidType,
        "Overflow" => Expression::Overflow,
        "DivideByZero" => Expression::DivideByZero,
        "InvalidStack" => Expression::InvalidStack,
        "ShadowedVariable" => Expression::ShadowedVariable,
        "UndefinedExtern" => Expression::UndefinedExtern(string(p)?),
        "ExternEvalError" => {
            let (a, b) = pair(p)?;
            Expression::ExternEvalError(string(a)?, string(b)?)
        }
        _ => return Err(unsupported("Expression", name)),
    })
}

/// The top-level class of an error, as named in samples.json (`Format`, `FailedLogic`, …).
fn class(e: &Token) -> &'static str {
    match e {
        Token::InternalError => "InternalError",
        Token::Format(_) => "Format",
        Token::AppendOnSealed => "AppendOnSealed",
        Token::AlreadySealed => "AlreadySealed",
        Token::FailedLogic(_) => "FailedLogic",
        Token::Language(_) => "Language",
        Token::RunLimit(_) => "RunLimit",
        Token::ConversionError(_) => "ConversionError",
        Token::Base64(_) => "Base64",
        Token::Execution(_) => "Execution",
    }
}

/// Compares an outcome with `{"Ok": policy index}` or `{"Err": error}`.
fn compare_result(expected: &Value, actual: &Result<usize, Token>) -> Result<(), String> {
    let (tag, payload) = variant(expected)?;
    match (tag, actual) {
        ("Ok", Ok(index)) => {
            let want: usize = number(payload)?;
            if want == *index {
                Ok(())
            } else {
                Err(format!("allowed by policy {index}, expected policy {want}"))
            }
        }
        ("Ok", Err(e)) => Err(format!("failed ({e:?}), expected success")),
        ("Err", Ok(index)) => Err(format!(
            "allowed by policy {index}, expected the error {payload}"
        )),
        ("Err", Err(e)) => {
            let (want_class, _) = variant(payload)?;
            if class(e) != want_class {
                return Err(format!(
                    "error class {} ({e:?}), expected {want_class} ({payload})",
                    class(e)
                ));
            }
            let want = decode_token_error(payload)?;
            if want == *e {
                Ok(())
            } else {
                Err(format!("error {e:?}, expected {want:?}"))
            }
        }
        _ => Err(format!("unknown expected result {expected}")),
    }
}

// --- running the samples -----------------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn limits() -> AuthorizerLimits {
    AuthorizerLimits {
        max_facts: 100_000,
        max_iterations: 10_000,
        max_time: Duration::from_secs(30),
    }
}

/// `extern::test`, as the samples were generated (biscuit-auth 6.0.0 `examples/testcases.rs`,
/// `fn ffi`): unary, the identity; binary on two strings, "equal strings" or "different strings".
/// Registered for every validation: tokens that call no external function are unaffected.
fn extern_funcs() -> HashMap<String, ExternFunc> {
    HashMap::from([(
        "test".to_string(),
        ExternFunc::new(Arc::new(|left, right| match (left, right) {
            (t, None) => Ok(t),
            (Term::Str(l), Some(Term::Str(r))) if l == r => Ok(Term::Str("equal strings".into())),
            (Term::Str(_), Some(Term::Str(_))) => Ok(Term::Str("different strings".into())),
            _ => Err("unsupported operands".to_string()),
        })),
    )])
}

fn token_blocks(token: &Biscuit) -> Result<Vec<BlockContent>, Token> {
    (0..token.block_count())
        .map(|i| {
            Ok(BlockContent {
                symbols: token.block_symbols(i)?,
                public_keys: token
                    .block_public_keys(i)?
                    .into_inner()
                    .iter()
                    .map(PublicKey::print)
                    .collect(),
                external_key: token.block_external_key(i)?.map(|k| k.print()),
                code: token.print_block_source(i)?,
                version: token.block_version(i)?,
            })
        })
        .collect()
}

/// Runs one validation on a parsed token; returns its mismatches.
fn check_validation(token: &Biscuit, v: &Validation) -> Vec<String> {
    let mut problems = Vec::new();

    let ids: Vec<String> = token
        .revocation_identifiers()
        .iter()
        .map(|id| hex(id))
        .collect();
    if ids != v.revocation_ids {
        problems.push(format!(
            "revocation ids {ids:?}, expected {:?}",
            v.revocation_ids
        ));
    }

    let builder = match AuthorizerBuilder::new()
        .set_extern_funcs(extern_funcs())
        .code(v.authorizer_code.as_str())
    {
        Ok(b) => b.set_limits(limits()),
        Err(e) => {
            problems.push(format!("the authorizer code does not parse: {e}"));
            return problems;
        }
    };
    let code = builder.dump_code();
    if !v.authorizer_code.is_empty() && code != v.authorizer_code {
        problems.push(format!(
            "authorizer code prints as {code:?}, expected {:?}",
            v.authorizer_code
        ));
    }

    let (result, world) = match builder.build(token) {
        Ok(mut authorizer) => {
            let result = authorizer.authorize();
            (result, Some(world(&authorizer)))
        }
        Err(e) => (Err(e), None),
    };
    if let Err(why) = compare_result(&v.result, &result) {
        problems.push(why);
    }
    match (world, &v.world) {
        (None, None) => {}
        (Some(Ok(actual)), Some(expected)) => {
            if actual != *expected {
                problems.push(format!(
                    "authorizer world differs:\n  actual:   {actual}\n  expected: {expected}"
                ));
            }
        }
        (Some(Err(e)), _) => problems.push(format!("cannot print the authorizer world: {e}")),
        (Some(_), None) => problems.push("an authorizer was built, expected none".into()),
        (None, Some(_)) => problems.push("no authorizer was built, expected one".into()),
    }
    problems
}

#[test]
fn biscuit_specification_samples() {
    let started = Instant::now();
    let dir = samples_dir();
    let text = std::fs::read_to_string(dir.join("samples.json")).expect("read samples.json");
    let samples: Samples = serde_json::from_str(&text).expect("samples.json has the known shape");
    let root = PublicKey::from_bytes_hex(&samples.root_public_key, Algorithm::Ed25519)
        .expect("the samples' root public key");

    // Every vendored token is a sample and every sample is vendored.
    let listed: BTreeSet<&str> = samples
        .testcases
        .iter()
        .map(|t| t.filename.as_str())
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("read the samples directory")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".bc"))
        .collect();
    assert_eq!(
        listed,
        on_disk.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        "fixtures/biscuit-samples: samples.json and the .bc files disagree"
    );

    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for case in &samples.testcases {
        if let Some((_, why)) = SKIPPED.iter().find(|(name, _)| *name == case.filename) {
            eprintln!("skipped {}: {why}", case.filename);
            skipped += case.validations.len();
            continue;
        }
        let data = std::fs::read(dir.join(&case.filename)).expect("read a sample token");
        let parsed = Biscuit::from(&data, root);

        let mut token_problems = Vec::new();
        if let Ok(token) = &parsed {
            match token_blocks(token) {
                Ok(blocks) if blocks == case.token => {}
                Ok(blocks) => token_problems.push(format!(
                    "blocks differ:\n  actual:   {blocks:?}\n  expected: {:?}",
                    case.token
                )),
                Err(e) => token_problems.push(format!("cannot print the blocks: {e}")),
            }
        }

        for (name, v) in &case.validations {
            let mut problems = token_problems.clone();
            match &parsed {
                Ok(token) => problems.extend(check_validation(token, v)),
                Err(e) => {
                    // Parsing failed: the expected result is that error, with no ids or world.
                    if let Err(why) = compare_result(&v.result, &Err(e.clone())) {
                        problems.push(format!("parsing: {why}"));
                    }
                    if !v.revocation_ids.is_empty() || v.world.is_some() {
                        problems.push(format!(
                            "parsing failed ({e:?}), but the sample expects a parsed token"
                        ));
                    }
                }
            }
            if problems.is_empty() {
                passed += 1;
            } else {
                failed += 1;
                failures.push(format!(
                    "{} ({}), validation {name:?}:\n  {}",
                    case.filename,
                    case.title,
                    problems.join("\n  ")
                ));
            }
        }
    }

    println!(
        "biscuit conformance: {} samples, {} validations: {passed} passed, {failed} failed, \
         {skipped} skipped ({} ms)",
        samples.testcases.len(),
        passed + failed + skipped,
        started.elapsed().as_millis()
    );
    assert!(
        failures.is_empty(),
        "{failed} sample validation(s) do not conform:\n\n{}",
        failures.join("\n\n")
    );
    assert!(passed > 0, "no sample ran");
}
