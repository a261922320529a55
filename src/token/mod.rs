//! Credential tokens (`AGENTCRED_TOKEN`): Biscuit v3, Ed25519 only, rooted at the vault's issuer
//! key (docs/DESIGN.md, "Tokens and delegation").
//!
//! Layout of a token:
//! - block 0, the *authority*, signed by the issuer key when the agent's envelope is written:
//!   `vault`, `agent`, `agent_key`, one `right(secret, action, kind, pattern)` per allow and one
//!   `deny_right(…)` per deny, the lifetime limits `vault_max_ttl(secs)`, `agent_max_ttl(secs)` and
//!   one `grant_max_ttl(secret, secs)` per granted secret, and a time bound at the agent's latest
//!   key expiry.
//! - block 1, the *credential*, appended at mint by whoever holds the agent's envelope: `issued`
//!   and `expiry` facts, a time bound at the credential's expiry and one check that narrows it to
//!   its secrets, actions and resources. Checks can only narrow, so a key holder cannot widen what
//!   the authority allows. Anyone holding the authority can append such a block offline, so the
//!   verifier does not trust its numbers beyond what the authority allows: a token must have a
//!   credential block, and the credential's lifetime (earliest expiry minus issue time) must fit
//!   the authority's lifetime limits, with its issue time not in the future. A credential made
//!   this way outside `mint` is therefore no longer-lived than one `mint` would have issued.
//! - blocks 2…, further narrowing: first-party blocks (nested exec), and *third-party* blocks
//!   signed by an agent's own key (docs/DESIGN.md, "Delegation: narrowing"):
//!   - a delegation hop `from → to`, signed by the key of the token's current holder `from`:
//!     `delegation(i, from, to, task, to_key, actions, resources)`, its expiry, and checks that
//!     narrow the actions and resources. The holder becomes `to`.
//!   - an acting block, signed by the current holder when it uses a delegated token
//!     (`exec --on-behalf-of`): `acting(i, holder)` and checks narrowing to its own grants, so
//!     what it can do is the intersection of what it was delegated and what it was granted.
//!
//! A token may carry a *proof of possession* after it, outside the Biscuit: `TOKEN~AT~SIG`, where
//! SIG is the final holder's agent-key signature over the token's last block signature, the
//! holder, the time AT (Unix seconds) and the verifier's challenge (empty without one). Made by
//! `agentcred present`; `verify --as HOLDER` requires a fresh one. It is bound to the exact token
//! it follows, and adds no block, so it works on a token of any depth.
//!
//!   The verifier walks the chain: every third-party block must be signed by the key of the
//!   holder at that point, and name itself by its index, so blocks cannot be forged, moved,
//!   skipped or grafted from another token (Biscuit binds each to the signature before it).
//!
//! Identifiers: each block's Biscuit revocation id (its signature) is hashed into a short id; the
//! id of block 1 is the credential id, and revoking any id revokes every token that contains that
//! block, so revoking a parent revokes everything derived from it. Ids are prefixed by role:
//! `au_` authority, `cr_` credential, `dl_` derived.
//!
//! Request semantics at `verify`: the verifier states `operation` and `resource`; `*` means "any"
//! (a validity check). An allow needs a matching right of a secret the credential covers; any
//! matching deny refuses, whatever allows (the IAM rule of `grant`).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration as StdDuration;

use biscuit_auth::builder::{Binary, BlockBuilder, Fact, Term};
use biscuit_auth::{Biscuit, KeyPair as BKeyPair, PrivateKey, PublicKey as BPublicKey};
use chrono::{DateTime, Utc};

use crate::crypto::{self, KeyPair, PublicKey};
use crate::error::{Error, Result};
use crate::grant::{Pattern, Rights};

/// Larger or deeper tokens are refused before any parsing work (docs/DESIGN.md, "Token layout").
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
pub const MAX_BLOCKS: usize = 8;

/// The Biscuit root key id of an issuer key: the first 4 bytes of its key id.
pub fn root_key_number(key_id: &str) -> u32 {
    u32::from_str_radix(key_id.get(..8).unwrap_or("0"), 16).unwrap_or(0)
}

fn biscuit_keypair(key: &KeyPair) -> Result<BKeyPair> {
    let private = PrivateKey::from_bytes(
        key.seed().as_slice(),
        biscuit_auth::builder::Algorithm::Ed25519,
    )
    .map_err(|e| Error::other(format!("cannot load a signing key: {e}")).with_source(e))?;
    Ok(BKeyPair::from(&private))
}

fn biscuit_public(key: &PublicKey) -> Result<BPublicKey> {
    BPublicKey::from_bytes(key.0.as_bytes(), biscuit_auth::builder::Algorithm::Ed25519)
        .map_err(|e| Error::other(format!("cannot load a public key: {e}")).with_source(e))
}

fn date(t: DateTime<Utc>) -> Term {
    Term::Date(t.timestamp().max(0) as u64)
}

fn str_term(s: &str) -> Term {
    Term::Str(s.to_string())
}

fn build_err(e: biscuit_auth::error::Token) -> Error {
    Error::other(format!("cannot build a token: {e}"))
}

/// The longest a credential may live, as the authority states it: the vault's and the agent's
/// `max_ttl`, and per granted secret the most generous `max_ttl` of its allow grants (the vault's
/// when one of them has none).
#[derive(Clone, Debug)]
pub struct Lifetimes {
    pub vault_secs: i64,
    pub agent_secs: Option<i64>,
    pub grant_secs: std::collections::BTreeMap<String, i64>,
}

/// The issuer key as Biscuit signs with it: converting it derives the public key again, so a
/// commit that issues thousands of authorities converts it once.
pub struct Issuer {
    key: BKeyPair,
    root: u32,
}

impl Issuer {
    pub fn new(issuer: &KeyPair) -> Result<Issuer> {
        Ok(Issuer {
            key: biscuit_keypair(issuer)?,
            root: root_key_number(&issuer.public().key_id()),
        })
    }
}

/// The authority block for `agent`'s rights, signed by the issuer.
pub fn authority(
    issuer: &Issuer,
    vault_id: &str,
    agent: &str,
    agent_key: &PublicKey,
    rights: &Rights,
    lifetimes: &Lifetimes,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(String, String)> {
    // Facts built as terms, not Datalog text with parameters: binding every parameter to every
    // fact is quadratic in the number of rights, and an applied policy builds thousands of these.
    let mut facts = vec![
        Fact::new("vault".into(), vec![str_term(vault_id)]),
        Fact::new("agent".into(), vec![str_term(agent)]),
        Fact::new(
            "agent_key".into(),
            vec![str_term(agent), str_term(&agent_key.to_string())],
        ),
    ];
    for (tag, set) in [("right", &rights.allow), ("deny_right", &rights.deny)] {
        for r in set {
            facts.push(Fact::new(
                tag.into(),
                vec![
                    str_term(&r.secret),
                    str_term(&r.action),
                    str_term(r.pattern.kind()),
                    str_term(r.pattern.body()),
                ],
            ));
        }
    }
    facts.push(Fact::new(
        "vault_max_ttl".into(),
        vec![Term::Integer(lifetimes.vault_secs)],
    ));
    if let Some(secs) = lifetimes.agent_secs {
        facts.push(Fact::new("agent_max_ttl".into(), vec![Term::Integer(secs)]));
    }
    for (secret, secs) in &lifetimes.grant_secs {
        facts.push(Fact::new(
            "grant_max_ttl".into(),
            vec![str_term(secret), Term::Integer(*secs)],
        ));
    }
    let mut builder = Biscuit::builder();
    for fact in facts {
        builder = builder.fact(fact).map_err(build_err)?;
    }
    if let Some(t) = expires_at {
        builder = builder
            .code_with_params(
                "check if time($t), $t <= {expires};",
                HashMap::from([("expires".to_string(), date(t))]),
                HashMap::new(),
            )
            .map_err(build_err)?;
    }
    let token = builder
        .root_key_id(issuer.root)
        .build(&issuer.key)
        .map_err(build_err)?;
    let id = block_ids(&token.revocation_identifiers()).remove(0);
    Ok((token.to_base64().map_err(build_err)?, id))
}

/// What a credential (or derived credential) block narrows to.
#[derive(Clone, Debug)]
pub struct Narrowing {
    /// When the credential was issued: with `expires_at`, its lifetime, which the verifier checks
    /// against the authority's limits.
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub secrets: Vec<String>,
    /// `None`: every action the rights allow.
    pub actions: Option<Vec<String>>,
    /// `None`: every resource the rights allow.
    pub resources: Option<Vec<Pattern>>,
    /// A key whose holder may revoke this block (the process that minted it: see `revocation`).
    pub revoke_key: Option<PublicKey>,
    /// (secret, environment variable) pairs injected: informational, for nested `exec`.
    pub injected: Vec<(String, String)>,
}

/// One hop of a delegation chain (docs/DESIGN.md, "Delegation: narrowing"): `from` hands `to` a
/// part of what it holds.
#[derive(Clone, Debug)]
pub struct Delegation {
    pub from: String,
    pub to: String,
    /// `to`'s agent public key: the key that must sign the next hop or acting block.
    pub to_key: PublicKey,
    pub task: Option<String>,
    /// Exact actions (`None`: whatever the parent allows).
    pub actions: Option<Vec<String>>,
    /// Exact resource names (`None`: whatever the parent allows).
    pub resources: Option<Vec<String>>,
    pub expires_at: DateTime<Utc>,
}

/// A hop as the verifier found it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    pub id: String,
}

fn signing_key(key: &KeyPair) -> Result<PrivateKey> {
    PrivateKey::from_bytes(
        key.seed().as_slice(),
        biscuit_auth::builder::Algorithm::Ed25519,
    )
    .map_err(|e| Error::other(format!("cannot load a signing key: {e}")).with_source(e))
}

/// Appends a third-party block signed by `signer` (the token's current holder).
fn append_signed(
    token: &str,
    keys: KeyLookup<'_>,
    signer: &KeyPair,
    block: impl FnOnce(usize) -> Result<BlockBuilder>,
) -> Result<(String, Vec<String>)> {
    let parent = parse(token, keys)?;
    room_for_a_block(parent.block_count())?;
    let builder = block(parent.block_count())?;
    let signed = parent
        .third_party_request()
        .map_err(build_err)?
        .create_block(&signing_key(signer)?, builder)
        .map_err(build_err)?;
    let child = parent
        .append_third_party(biscuit_public(&signer.public())?, signed)
        .map_err(build_err)?;
    Ok((
        encode_appended(child.to_base64())?,
        block_ids(&child.revocation_identifiers()),
    ))
}

/// Refuses to append to a token that has [`MAX_BLOCKS`] blocks already.
fn room_for_a_block(blocks: usize) -> Result<()> {
    if blocks >= MAX_BLOCKS {
        return Err(Error::denied(format!(
            "the token already has {MAX_BLOCKS} blocks, the most agentcred accepts"
        ))
        .hint("a delegation chain this long cannot be extended"));
    }
    Ok(())
}

/// A token with a block appended, as text, unless it outgrew [`MAX_TOKEN_BYTES`].
fn encode_appended(
    text: std::result::Result<String, biscuit_auth::error::Token>,
) -> Result<String> {
    let text = text.map_err(build_err)?;
    if text.len() > MAX_TOKEN_BYTES * 4 / 3 + 4 {
        return Err(Error::denied(format!(
            "the token would be larger than {} KiB",
            MAX_TOKEN_BYTES / 1024
        )));
    }
    Ok(text)
}

fn unknown_issuer() -> Error {
    Error::bad_data("the token was not issued by this vault (unknown issuer key)")
        .hint("check --vault, or whether the issuer key was rotated out")
}

/// Appends the delegation hop `d`, signed by `signer` (the current holder's agent key).
pub fn delegate(
    token: &str,
    keys: KeyLookup<'_>,
    signer: &KeyPair,
    d: &Delegation,
) -> Result<(String, Vec<String>)> {
    append_signed(token, keys, signer, |index| {
        let mut params: HashMap<String, Term> = HashMap::new();
        params.insert("i".into(), Term::Integer(index as i64));
        params.insert("from".into(), str_term(&d.from));
        params.insert("to".into(), str_term(&d.to));
        params.insert("task".into(), str_term(d.task.as_deref().unwrap_or("")));
        params.insert("to_key".into(), str_term(&d.to_key.to_string()));
        params.insert("expires".into(), date(d.expires_at));
        params.insert("expiry".into(), Term::Integer(d.expires_at.timestamp()));
        // One fact says it all, so the verifier reads a hop with one query per signer. `*` in a
        // set: not narrowed.
        let set = |v: &Option<Vec<String>>| {
            Term::Set(match v {
                Some(v) => v.iter().map(|x| str_term(x)).collect(),
                None => [str_term("*")].into(),
            })
        };
        params.insert("actions".into(), set(&d.actions));
        params.insert("resources".into(), set(&d.resources));
        let mut code = String::from(
            "delegation({i}, {from}, {to}, {task}, {to_key}, {actions}, {resources});\n\
             expiry({expiry});\ncheck if time($t), $t <= {expires};\n",
        );
        if d.actions.is_some() {
            code.push_str("check if operation($op), ({actions}.contains($op) || $op == \"*\");\n");
        }
        if d.resources.is_some() {
            code.push_str("check if resource($r), ({resources}.contains($r) || $r == \"*\");\n");
        }
        BlockBuilder::new()
            .code_with_params(&code, params, HashMap::new())
            .map_err(build_err)
    })
}

/// Appends the acting block of the current holder `holder` (signed with its agent key): the
/// credential narrowing `n`, and its own grants `rights`, so the token allows only what was
/// both delegated to it and granted to it.
pub fn act(
    token: &str,
    keys: KeyLookup<'_>,
    signer: &KeyPair,
    holder: &str,
    rights: &Rights,
    n: &Narrowing,
) -> Result<(String, Vec<String>)> {
    append_signed(token, keys, signer, |index| {
        let mut block = narrowing_block(n)?;
        let mut params: HashMap<String, Term> = HashMap::new();
        params.insert("i".into(), Term::Integer(index as i64));
        params.insert("holder".into(), str_term(holder));
        let mut code = String::from("acting({i}, {holder});\n");
        // Its own rights: some allow must match, and no deny.
        let mut allows = Vec::new();
        for (j, r) in rights.allow.iter().enumerate() {
            params.insert(format!("a{j}"), str_term(&r.action));
            params.insert(format!("p{j}"), str_term(r.pattern.body()));
            let res = match r.pattern {
                Pattern::Exact(_) => format!("($r == \"*\" || $r == {{p{j}}})"),
                Pattern::Prefix(_) => format!("($r == \"*\" || $r.starts_with({{p{j}}}))"),
            };
            allows.push(format!(
                "(({{a{j}}} == \"*\" || $op == {{a{j}}} || $op == \"*\") && {res})"
            ));
        }
        if allows.is_empty() {
            allows.push("false".into());
        }
        code.push_str(&format!(
            "check if operation($op), resource($r), {};\n",
            allows.join(" || ")
        ));
        for (j, r) in rights.deny.iter().enumerate() {
            params.insert(format!("da{j}"), str_term(&r.action));
            params.insert(format!("dp{j}"), str_term(r.pattern.body()));
            let res = match r.pattern {
                Pattern::Exact(_) => format!("$r == {{dp{j}}}"),
                Pattern::Prefix(_) => format!("$r.starts_with({{dp{j}}})"),
            };
            code.push_str(&format!(
                "check if operation($op), resource($r), !(({{da{j}}} == \"*\" || $op == {{da{j}}}) && {res});\n"
            ));
        }
        block = block
            .code_with_params(&code, params, HashMap::new())
            .map_err(build_err)?;
        Ok(block)
    })
}

/// The block that narrows a token to `n`, built term by term: `exec` and `mint` build one per
/// credential, and parsing its Datalog text cost more than signing it. The text it stands for, in
/// Biscuit's Datalog (the test `narrowing_block_is_the_datalog_it_documents` checks that both give
/// the same block, operation for operation):
///
/// ```text
/// issued({issued});
/// expiry({expiry});
/// revoke_key({revoke_key});                      // with a revoke key
/// injected({secret}, {env});                     // one per injected value
/// check if time($t), $t <= {expires};
/// check if operation($op), resource($r), right($s, $a, $k, $p), {secrets}.contains($s),
///   ($a == "*" || $a == $op || $op == "*"),
///   ($r == "*" || ($k == "exact" && $p == $r) || ($k == "prefix" && $r.starts_with($p))),
///   ({actions}.contains($op) || $op == "*"),      // unless every action
///   ($r == "*" || {exact}.contains($r) || $r.starts_with({prefix0}) || …);  // unless every resource
/// ```
fn narrowing_block(n: &Narrowing) -> Result<BlockBuilder> {
    use datalog::{and, contains, eq, or, paren, pred, starts_with, str, var};
    let mut block = BlockBuilder::new()
        .fact(Fact::new(
            "issued".into(),
            vec![Term::Integer(n.issued_at.timestamp())],
        ))
        .and_then(|b| {
            b.fact(Fact::new(
                "expiry".into(),
                vec![Term::Integer(n.expires_at.timestamp())],
            ))
        });
    if let Some(k) = &n.revoke_key {
        block = block.and_then(|b| {
            b.fact(Fact::new(
                "revoke_key".into(),
                vec![str_term(&k.to_string())],
            ))
        });
    }
    for (secret, env) in &n.injected {
        block = block.and_then(|b| {
            b.fact(Fact::new(
                "injected".into(),
                vec![str_term(secret), str_term(env)],
            ))
        });
    }
    let time = datalog::check(
        vec![pred("time", &["t"])],
        vec![datalog::Expr::Bin(
            Binary::LessOrEqual,
            Box::new(var("t")),
            Box::new(datalog::Expr::Value(date(n.expires_at))),
        )],
    );
    let set = |items: &mut dyn Iterator<Item = &str>| {
        datalog::Expr::Value(Term::Set(items.map(str_term).collect::<BTreeSet<_>>()))
    };
    let mut exprs = vec![
        contains(set(&mut n.secrets.iter().map(String::as_str)), var("s")),
        paren(or(vec![
            eq(var("a"), str("*")),
            eq(var("a"), var("op")),
            eq(var("op"), str("*")),
        ])),
        paren(or(vec![
            eq(var("r"), str("*")),
            paren(and(eq(var("k"), str("exact")), eq(var("p"), var("r")))),
            paren(and(
                eq(var("k"), str("prefix")),
                starts_with(var("r"), var("p")),
            )),
        ])),
    ];
    if let Some(actions) = n.actions.as_ref().filter(|a| !a.iter().any(|x| x == "*")) {
        exprs.push(paren(or(vec![
            contains(set(&mut actions.iter().map(String::as_str)), var("op")),
            eq(var("op"), str("*")),
        ])));
    }
    if let Some(resources) = n
        .resources
        .as_ref()
        .filter(|r| !r.iter().any(|p| *p == Pattern::Prefix(String::new())))
    {
        let exact = resources
            .iter()
            .filter(|p| matches!(p, Pattern::Exact(_)))
            .map(|p| p.body());
        let mut any = vec![
            eq(var("r"), str("*")),
            contains(set(&mut exact.into_iter()), var("r")),
        ];
        for p in resources.iter().filter(|p| matches!(p, Pattern::Prefix(_))) {
            any.push(starts_with(var("r"), str(p.body())));
        }
        exprs.push(paren(or(any)));
    }
    let narrow = datalog::check(
        vec![
            pred("operation", &["op"]),
            pred("resource", &["r"]),
            pred("right", &["s", "a", "k", "p"]),
        ],
        exprs,
    );
    block
        .and_then(|b| b.check(time))
        .and_then(|b| b.check(narrow))
        .map_err(build_err)
}

/// Biscuit Datalog expressions as its parser builds them: `(…)` is an operation of its own, and
/// `||` and `&&` evaluate their right side lazily, as a closure.
mod datalog {
    use biscuit_auth::builder::{Binary, Check, CheckKind, Op, Predicate, Rule, Term, Unary};

    pub enum Expr {
        Value(Term),
        Paren(Box<Expr>),
        Bin(Binary, Box<Expr>, Box<Expr>),
    }

    impl Expr {
        fn ops(self, out: &mut Vec<Op>) {
            match self {
                Expr::Value(t) => out.push(Op::Value(t)),
                Expr::Paren(e) => {
                    e.ops(out);
                    out.push(Op::Unary(Unary::Parens));
                }
                Expr::Bin(op @ (Binary::LazyAnd | Binary::LazyOr), l, r) => {
                    l.ops(out);
                    let mut lazy = Vec::new();
                    r.ops(&mut lazy);
                    out.push(Op::Closure(vec![], lazy));
                    out.push(Op::Binary(op));
                }
                Expr::Bin(op, l, r) => {
                    l.ops(out);
                    r.ops(out);
                    out.push(Op::Binary(op));
                }
            }
        }
    }

    pub fn var(name: &str) -> Expr {
        Expr::Value(Term::Variable(name.into()))
    }

    pub fn str(s: &str) -> Expr {
        Expr::Value(Term::Str(s.into()))
    }

    pub fn paren(e: Expr) -> Expr {
        Expr::Paren(Box::new(e))
    }

    /// `l == r` (Biscuit 3.1's `==`, false across types; `===` is the strict one).
    pub fn eq(l: Expr, r: Expr) -> Expr {
        Expr::Bin(Binary::HeterogeneousEqual, Box::new(l), Box::new(r))
    }

    pub fn and(l: Expr, r: Expr) -> Expr {
        Expr::Bin(Binary::LazyAnd, Box::new(l), Box::new(r))
    }

    /// `a || b || c`, left to right, as the parser associates it.
    pub fn or(terms: Vec<Expr>) -> Expr {
        let mut terms = terms.into_iter();
        let first = terms.next().expect("an `or` of at least one term");
        terms.fold(first, |acc, t| {
            Expr::Bin(Binary::LazyOr, Box::new(acc), Box::new(t))
        })
    }

    /// `set.contains(x)`
    pub fn contains(set: Expr, x: Expr) -> Expr {
        Expr::Bin(Binary::Contains, Box::new(set), Box::new(x))
    }

    /// `s.starts_with(prefix)`
    pub fn starts_with(s: Expr, prefix: Expr) -> Expr {
        Expr::Bin(Binary::Prefix, Box::new(s), Box::new(prefix))
    }

    /// `name($v1, $v2, …)`
    pub fn pred(name: &str, vars: &[&str]) -> Predicate {
        Predicate::new(
            name.into(),
            vars.iter()
                .map(|v| Term::Variable((*v).into()))
                .collect::<Vec<_>>(),
        )
    }

    /// `check if BODY, EXPRS`
    pub fn check(body: Vec<Predicate>, exprs: Vec<Expr>) -> Check {
        let expressions = exprs
            .into_iter()
            .map(|e| {
                let mut ops = Vec::new();
                e.ops(&mut ops);
                biscuit_auth::builder::Expression { ops }
            })
            .collect();
        Check {
            queries: vec![Rule::new(
                Predicate::new("query".into(), Vec::<Term>::new()),
                body,
                expressions,
                vec![],
            )],
            kind: CheckKind::One,
        }
    }
}

/// Looks up the issuer public key for a Biscuit root key id.
pub type KeyLookup<'a> = &'a dyn Fn(u32) -> Option<PublicKey>;

fn parse(text: &str, keys: KeyLookup<'_>) -> Result<Biscuit> {
    // A proof of possession after the token is not part of it.
    let (text, _) = split_proof(text);
    if text.len() > MAX_TOKEN_BYTES * 4 / 3 + 4 {
        return Err(Error::bad_data(format!(
            "the token is larger than {} KiB",
            MAX_TOKEN_BYTES / 1024
        ))
        .hint("agentcred refuses oversized tokens; mint a fresh one"));
    }
    // Count the blocks before any signature work: a deep token costs nothing to refuse.
    let blocks = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE, text)
        .ok()
        .and_then(|raw| {
            <biscuit_auth::format::schema::Biscuit as prost::Message>::decode(raw.as_slice()).ok()
        })
        .map(|b| b.blocks.len() + 1);
    if blocks.is_some_and(|n| n > MAX_BLOCKS) {
        return Err(
            Error::bad_data(format!("the token has more than {MAX_BLOCKS} blocks"))
                .hint("agentcred refuses delegation chains this deep"),
        );
    }
    let provider =
        |id: Option<u32>| -> std::result::Result<BPublicKey, biscuit_auth::error::Format> {
            id.and_then(keys)
                .and_then(|k| biscuit_public(&k).ok())
                .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
        };
    let token = Biscuit::from_base64(text, provider).map_err(|e| match e {
        biscuit_auth::error::Token::Format(biscuit_auth::error::Format::UnknownPublicKey) => {
            unknown_issuer()
        }
        _ => Error::bad_data("the token is malformed or its signatures do not verify")
            .hint("it was corrupted or forged; mint a fresh one"),
    })?;
    if token.block_count() > MAX_BLOCKS {
        return Err(Error::bad_data(format!(
            "the token has more than {MAX_BLOCKS} blocks"
        )));
    }
    Ok(token)
}

/// Appends a narrowing block to a token the caller has authenticated already, and returns the
/// new token with the ids of all its blocks (the last is the new block's). The token is the
/// authority carried in an issuer-signed envelope (whose signature, checked by `sealed::open`,
/// covers it) or a parent token `verify` has just checked; never call this with a token from
/// anywhere else. Its block signatures are not checked a second time (appending needs only the
/// proof key the token carries); its root key must still be one of `keys`, so a token rooted at a
/// retired issuer key is refused.
pub fn narrow_authenticated(
    token: &str,
    keys: KeyLookup<'_>,
    n: &Narrowing,
) -> Result<(String, Vec<String>)> {
    let parent = biscuit_auth::UnverifiedBiscuit::from_base64(split_proof(token).0)
        .map_err(|_| Error::bad_data("the token is malformed").hint("mint a fresh one"))?;
    if parent.root_key_id().and_then(keys).is_none() {
        return Err(unknown_issuer());
    }
    room_for_a_block(parent.block_count())?;
    let child = parent.append(narrowing_block(n)?).map_err(build_err)?;
    Ok((
        encode_appended(child.to_base64())?,
        block_ids(&child.revocation_identifiers()),
    ))
}

/// The issuer keys a token may be rooted at, from `vault.toml`: retired keys stop verifying at the
/// end of their overlap window.
pub fn issuer_lookup(
    config: &crate::vault::VaultToml,
    now: DateTime<Utc>,
) -> impl Fn(u32) -> Option<PublicKey> + '_ {
    move |n| {
        config
            .issuer_keys
            .iter()
            .filter(|k| {
                k.retire_at
                    .as_deref()
                    .and_then(|r| DateTime::parse_from_rfc3339(r).ok())
                    .is_none_or(|r| r > now)
            })
            .find(|k| root_key_number(&k.id) == n)
            .and_then(|k| PublicKey::parse(&k.public_key))
    }
}

/// The short ids of every block, in order (`au_…`, `cr_…`, `dl_…`).
fn block_ids(revocation_ids: &[Vec<u8>]) -> Vec<String> {
    revocation_ids
        .iter()
        .enumerate()
        .map(|(i, rid)| {
            let prefix = match i {
                0 => "au_",
                1 => "cr_",
                _ => "dl_",
            };
            format!(
                "{prefix}{}",
                &crypto::hex(&crypto::sha256(&[b"agentcred-rid-v1\0", rid]))[..24]
            )
        })
        .collect()
}

/// What a verifier asks.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub action: Option<String>,
    pub resource: Option<String>,
    /// The agent presenting the token; it must be the token's final holder.
    pub holder: Option<String>,
    /// The holder must also have signed a fresh proof of possession (see [`present`]): required
    /// when the presenter is someone else, not when agentcred checks a token its holder's own
    /// key has just opened.
    pub proof: Option<ProofWanted>,
}

/// How fresh a proof of possession must be, and for which challenge.
#[derive(Clone, Debug)]
pub struct ProofWanted {
    /// The proof's time must be within this many seconds of the verifier's clock.
    pub window_secs: i64,
    /// The verifier's challenge the proof must name (`None`: a proof without a challenge).
    pub challenge: Option<String>,
}

/// How far a proof of possession may be from the verifier's clock, either way, by default.
pub const PROOF_WINDOW_SECS: i64 = 60;

/// How far in the future a credential's issue time may be (the minting and the verifying
/// machine's clocks differ a little).
const ISSUE_SKEW_SECS: i64 = 60;

/// The agent holding `text` now (the last one it was delegated to), after checking its signatures
/// and its delegation chain; nothing else (expiry, revocation, scope) is checked.
pub fn holder_of(text: &str, keys: KeyLookup<'_>) -> Result<String> {
    let token = parse(text, keys)?;
    let ids = block_ids(&token.revocation_identifiers());
    let mut authorizer = biscuit_auth::AuthorizerBuilder::new()
        .set_limits(limits())
        .build(&token)
        .map_err(|e| {
            Error::bad_data(format!("the token cannot be evaluated: {e}")).with_source(e)
        })?;
    let (_, agent, agent_key) = identity(&mut authorizer)?;
    Ok(walk_chain(&token, &mut authorizer, &agent, agent_key, &ids)?.holder)
}

/// The verifier's run limits.
fn limits() -> biscuit_auth::AuthorizerLimits {
    biscuit_auth::AuthorizerLimits {
        max_facts: 2_000,
        max_iterations: 200,
        max_time: StdDuration::from_millis(250),
    }
}

/// The authority's identity in one query: vault, agent and the agent's key.
fn identity(
    authorizer: &mut biscuit_auth::Authorizer,
) -> Result<(String, String, Option<PublicKey>)> {
    let who: Vec<(String, String, String)> = authorizer
        .query("data($v, $n, $k) <- vault($v), agent($n), agent_key($n, $k)")
        .map_err(|e| {
            Error::bad_data(format!("the token cannot be evaluated: {e}")).with_source(e)
        })?;
    let [(vault_id, agent, agent_key)] = who.as_slice() else {
        return Err(Error::bad_data("the token names no single agent"));
    };
    Ok((vault_id.clone(), agent.clone(), PublicKey::parse(agent_key)))
}

const PROOF_DOMAIN: &str = "agentcred-proof-v1";

/// What a proof of possession signs.
fn proof_message(last_signature: &[u8], holder: &str, at: i64, challenge: &str) -> Vec<u8> {
    let mut m = format!("{}\n{holder}\n{at}\n", crypto::hex(last_signature)).into_bytes();
    m.extend_from_slice(challenge.as_bytes());
    m
}

/// Splits `TOKEN~AT~SIG` into the token and its proof (time, signature), if any.
fn split_proof(text: &str) -> (&str, Option<(&str, &str)>) {
    let text = text.trim();
    match text.split_once('~') {
        Some((token, proof)) => (token, Some(proof.split_once('~').unwrap_or((proof, "")))),
        None => (text, None),
    }
}

/// The token `text` (any proof it carried dropped) followed by a fresh proof that `holder`, whose
/// agent key is `signer`, holds it at `now`, for the verifier's `challenge`.
pub fn present(
    text: &str,
    keys: KeyLookup<'_>,
    signer: &KeyPair,
    holder: &str,
    challenge: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    let (bare, _) = split_proof(text);
    let token = parse(bare, keys)?;
    let ids = token.revocation_identifiers();
    let last = ids.last().expect("a token has blocks");
    let at = now.timestamp();
    let sig = signer.sign(
        PROOF_DOMAIN,
        &proof_message(last, holder, at, challenge.unwrap_or("")),
    );
    Ok(format!("{bare}~{at}~{sig}"))
}

/// What a verified token says.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenInfo {
    pub vault_id: String,
    pub agent: String,
    pub holder: String,
    pub credential_id: Option<String>,
    pub ids: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub blocks: usize,
    /// (secret, env) pairs the minting blocks say were injected.
    pub injected: Vec<(String, String)>,
    #[serde(skip)]
    pub revoke_keys: Vec<PublicKey>,
    /// The delegation chain, first hop first (empty: the agent's own credential).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<Hop>,
    /// Whether the holder has signed the token itself (an acting block): proof it holds its key.
    pub holder_signed: bool,
    /// What the hops narrowed the actions and resources to (`None`: not narrowed).
    #[serde(skip)]
    pub delegated_actions: Option<Vec<String>>,
    #[serde(skip)]
    pub delegated_resources: Option<Vec<String>>,
    /// Every agent that has held the token, with its key: who may revoke a link of it.
    #[serde(skip)]
    pub chain_keys: Vec<(String, PublicKey)>,
}

/// Verifies a token offline: signatures against the issuer keys, structure, revocation of any
/// block, the holder, expiry and the requested action and resource.
pub fn verify(
    text: &str,
    keys: KeyLookup<'_>,
    is_revoked: &dyn Fn(&str, &TokenInfo) -> bool,
    now: DateTime<Utc>,
    request: &Request,
) -> Result<TokenInfo> {
    let (text, proof) = split_proof(text);
    let token = parse(text, keys)?;
    let ids = block_ids(&token.revocation_identifiers());
    let op = request.action.clone().unwrap_or_else(|| "*".into());
    let res = request.resource.clone().unwrap_or_else(|| "*".into());
    if op != "*" {
        crate::grant::validate_action(&op)?;
    }
    let mut params: HashMap<String, Term> = HashMap::new();
    // Expiries are whole seconds, rounded down; the verifier's clock is rounded up, so a token
    // is refused from its expiry second on, never accepted after it.
    let now_up = if now.timestamp_subsec_nanos() > 0 {
        now.timestamp() + 1
    } else {
        now.timestamp()
    };
    params.insert("now".into(), Term::Date(now_up.max(0) as u64));
    params.insert("op".into(), str_term(&op));
    params.insert("res".into(), str_term(&res));
    let code = "time({now});\noperation({op});\nresource({res});\n\
        deny if operation($op), resource($r), deny_right($s, $a, $k, $p), ($a == \"*\" || $a == $op), \
        (($k == \"exact\" && $p == $r) || ($k == \"prefix\" && $r.starts_with($p)));\n\
        allow if operation($op), resource($r), right($s, $a, $k, $p), ($a == \"*\" || $a == $op || $op == \"*\"), \
        ($r == \"*\" || ($k == \"exact\" && $p == $r) || ($k == \"prefix\" && $r.starts_with($p)));\n";
    let mut authorizer = biscuit_auth::AuthorizerBuilder::new()
        .code_with_params(code, params, HashMap::new())
        .map_err(build_err)?
        .set_limits(limits())
        .build(&token)
        .map_err(|e| {
            Error::bad_data(format!("the token cannot be evaluated: {e}")).with_source(e)
        })?;
    let (vault_id, agent, agent_key) = identity(&mut authorizer)?;
    let (vault_id, agent) = (&vault_id, &agent);
    let revoke_keys: Vec<(String,)> = authorizer
        .query_all("data($k) <- revoke_key($k)")
        .unwrap_or_default();
    let injected: Vec<(String, String)> = authorizer
        .query_all("data($s, $e) <- injected($s, $e)")
        .unwrap_or_default();
    let expiry: Vec<(i64,)> = authorizer
        .query_all("data($e) <- expiry($e)")
        .unwrap_or_default();
    let earliest_expiry = expiry.iter().map(|(e,)| *e).min();
    let expires_at = earliest_expiry.and_then(|e| DateTime::from_timestamp(e, 0));
    let chain = walk_chain(&token, &mut authorizer, agent, agent_key, &ids)?;
    let holder = chain.holder.clone();
    if let Some(wanted) = &request.holder
        && *wanted != holder
    {
        return Err(
            Error::denied(format!("the token belongs to agent {holder}, not {wanted}"))
                .hint("only its holder may present it"),
        );
    }
    let lifetime = credential_lifetime(&mut authorizer, earliest_expiry, now_up)?;
    let info = TokenInfo {
        vault_id: vault_id.clone(),
        agent: agent.clone(),
        holder,
        credential_id: ids.get(1).cloned(),
        ids: ids.clone(),
        expires_at,
        blocks: token.block_count(),
        injected,
        revoke_keys: revoke_keys
            .iter()
            .filter_map(|(k,)| PublicKey::parse(k))
            .collect(),
        hops: chain.hops,
        holder_signed: chain.holder_signed,
        delegated_actions: chain.actions,
        delegated_resources: chain.resources,
        chain_keys: chain.keys,
    };
    if let Some(id) = ids.iter().find(|id| is_revoked(id, &info)) {
        return Err(
            Error::denied(format!("the token is revoked ({id})")).hint("mint a new credential")
        );
    }
    if let Some(e) = info.expires_at.filter(|e| e.timestamp() < now_up) {
        return Err(
            Error::denied(format!("the token expired at {}", crate::clock::rfc3339(e)))
                .hint("mint a new credential"),
        );
    }
    check_lifetime(&mut authorizer, lifetime)?;
    if let (Some(wanted), Some(proof_wanted)) = (&request.holder, &request.proof) {
        let last = token.revocation_identifiers();
        let key = info.chain_keys.last().map(|(_, k)| k);
        check_proof(
            proof,
            last.last().expect("a token has blocks"),
            wanted,
            key,
            proof_wanted,
            now,
        )?;
    }
    match authorizer.authorize() {
        Ok(_) => Ok(info),
        Err(biscuit_auth::error::Token::FailedLogic(logic)) => {
            Err(denial(&logic, &op, &res, &info, now))
        }
        Err(biscuit_auth::error::Token::RunLimit(_)) => Err(Error::denied(
            "the token exceeded the verifier's run limits",
        )
        .hint("it is too complex; mint a fresh one")),
        Err(e) => Err(Error::bad_data(format!(
            "the token cannot be evaluated: {e}"
        ))),
    }
}

fn refused_lifetime(why: String) -> Error {
    Error::denied(why).hint("mint a credential with `agentcred mint` (its TTL is clamped for you)")
}

/// The credential's lifetime in seconds: from its (earliest) issue time to the token's earliest
/// expiry. A token with no credential block (the bare authority), no issue time, no expiry or an
/// issue time in the future is refused.
fn credential_lifetime(
    authorizer: &mut biscuit_auth::Authorizer,
    earliest_expiry: Option<i64>,
    now: i64,
) -> Result<i64> {
    let issued: Vec<(i64,)> = authorizer
        .query_all("data($i) <- issued($i)")
        .unwrap_or_default();
    let (Some(issued), Some(expiry)) = (issued.iter().map(|(i,)| *i).min(), earliest_expiry) else {
        return Err(refused_lifetime(
            "the token has no credential block (an issue time and an expiry): it is an authority, not a credential".into(),
        ));
    };
    if issued > now + ISSUE_SKEW_SECS {
        return Err(refused_lifetime(format!(
            "the credential says it was issued in the future ({})",
            DateTime::from_timestamp(issued, 0)
                .map_or_else(|| issued.to_string(), crate::clock::rfc3339)
        )));
    }
    Ok(expiry - issued)
}

/// Refuses a credential that lives longer than the authority allows: the vault's and the agent's
/// `max_ttl`, and the `max_ttl` of some granted secret whose right matches the request.
fn check_lifetime(authorizer: &mut biscuit_auth::Authorizer, lifetime: i64) -> Result<()> {
    let too_long = |limit: i64, whose: &str| {
        refused_lifetime(format!(
            "the credential lives {} but {whose} allows at most {}",
            crate::duration::format(chrono::Duration::seconds(lifetime)),
            crate::duration::format(chrono::Duration::seconds(limit))
        ))
    };
    let limits: Vec<(i64,)> = authorizer
        .query("data($m) <- vault_max_ttl($m)")
        .unwrap_or_default();
    let Some(vault) = limits.iter().map(|(m,)| *m).min() else {
        return Err(Error::denied(
            "the token's authority states no lifetime limits (it predates them)",
        )
        .hint("an admin change to the agent issues a fresh authority; then mint again"));
    };
    if lifetime > vault {
        return Err(too_long(vault, "the vault's max_ttl"));
    }
    let agent: Vec<(i64,)> = authorizer
        .query("data($m) <- agent_max_ttl($m)")
        .unwrap_or_default();
    if let Some(limit) = agent.iter().map(|(m,)| *m).min()
        && lifetime > limit
    {
        return Err(too_long(limit, "the agent's max_ttl"));
    }
    // The grants whose rights could allow this request: one of them must allow this lifetime.
    let grants: Vec<(String, i64)> = authorizer
        .query(
            "data($s, $m) <- operation($op), resource($r), right($s, $a, $k, $p), grant_max_ttl($s, $m), \
             ($a == \"*\" || $a == $op || $op == \"*\"), \
             ($r == \"*\" || ($k == \"exact\" && $p == $r) || ($k == \"prefix\" && $r.starts_with($p)))",
        )
        .unwrap_or_default();
    if let Some(limit) = grants.iter().map(|(_, m)| *m).max()
        && lifetime > limit
    {
        return Err(too_long(limit, "its grant's max_ttl"));
    }
    Ok(())
}

/// Is `proof` (time, signature) a fresh proof of possession by `holder`, whose key is `key`, of
/// the token whose last block signature is `last`?
fn check_proof(
    proof: Option<(&str, &str)>,
    last: &[u8],
    holder: &str,
    key: Option<&PublicKey>,
    wanted: &ProofWanted,
    now: DateTime<Utc>,
) -> Result<()> {
    let refuse = |why: String| {
        Error::denied(why).hint(format!(
            "the holder presents it fresh with its key: agentcred present --token -{}",
            if wanted.challenge.is_some() {
                " --challenge CHALLENGE"
            } else {
                ""
            }
        ))
    };
    let Some((at_text, sig)) = proof else {
        return Err(refuse(format!(
            "the token carries no proof that the caller holds agent {holder}'s key"
        )));
    };
    let challenge = wanted.challenge.as_deref().unwrap_or("");
    let signed = at_text.parse::<i64>().ok().filter(|at| {
        key.is_some_and(|k| {
            k.verify(
                PROOF_DOMAIN,
                &proof_message(last, holder, *at, challenge),
                sig,
            )
        })
    });
    match signed {
        None => Err(refuse(format!(
            "the proof of possession is not agent {holder}'s signature for this token{}",
            if wanted.challenge.is_some() {
                " and challenge"
            } else {
                ""
            }
        ))),
        Some(at) if (now.timestamp() - at).abs() > wanted.window_secs => Err(refuse(format!(
            "agent {holder}'s proof of possession is not fresh (made more than {} s from now)",
            wanted.window_secs
        ))),
        Some(_) => Ok(()),
    }
}

/// The delegation chain of a token, as checked by [`walk_chain`].
struct Chain {
    holder: String,
    hops: Vec<Hop>,
    keys: Vec<(String, PublicKey)>,
    holder_signed: bool,
    actions: Option<Vec<String>>,
    resources: Option<Vec<String>>,
}

/// Checks the chain of third-party blocks (see the module documentation): each is signed by the
/// holder at that point and names its own index; a hop passes the token to its delegatee. Facts
/// are read trusting one signer at a time, one query per signer and kind.
fn walk_chain(
    token: &Biscuit,
    authorizer: &mut biscuit_auth::Authorizer,
    agent: &str,
    agent_key: Option<PublicKey>,
    ids: &[String],
) -> Result<Chain> {
    let forged = |what: String| {
        Error::bad_data(format!("the token's delegation chain is invalid: {what}"))
            .hint("it was altered or assembled by hand; ask its issuer for a new one")
    };
    type HopFact = (
        i64,
        String,
        String,
        String,
        String,
        BTreeSet<String>,
        BTreeSet<String>,
    );
    type ActingFact = (i64, String);
    let externals = token.external_public_keys();
    // Hop facts, one query per signer; acting facts only for a signer whose block is no hop.
    let mut hops_by_key: HashMap<Vec<u8>, Vec<HopFact>> = HashMap::new();
    for key in externals.iter().flatten() {
        let bytes = key.to_bytes().to_vec();
        if hops_by_key.contains_key(&bytes) {
            continue;
        }
        let trust = format!("trusting ed25519/{}", key.to_bytes_hex());
        let hops: Vec<HopFact> = authorizer
            .query(
                format!(
                    "data($i, $f, $t, $k, $key, $a, $r) <- delegation($i, $f, $t, $k, $key, $a, $r) {trust}"
                )
                .as_str(),
            )
            .map_err(|e| forged(e.to_string()))?;
        hops_by_key.insert(bytes, hops);
    }
    let mut acting_of = |key: &BPublicKey| -> Result<Vec<ActingFact>> {
        let trust = format!("trusting ed25519/{}", key.to_bytes_hex());
        authorizer
            .query(format!("data($i, $h) <- acting($i, $h) {trust}").as_str())
            .map_err(|e| forged(e.to_string()))
    };
    let mut chain = Chain {
        holder: agent.to_string(),
        hops: Vec::new(),
        keys: agent_key.iter().map(|k| (agent.to_string(), *k)).collect(),
        holder_signed: false,
        actions: None,
        resources: None,
    };
    let mut holder_key = agent_key;
    let narrowed = |set: &BTreeSet<String>| {
        (!set.contains("*")).then(|| set.iter().cloned().collect::<Vec<_>>())
    };
    let intersect = |a: Option<Vec<String>>, b: Option<Vec<String>>| match (a, b) {
        (Some(a), Some(b)) => Some(a.into_iter().filter(|x| b.contains(x)).collect()),
        (a, None) => a,
        (None, b) => b,
    };
    for (i, external) in externals.iter().enumerate().skip(1) {
        let Some(external) = external else {
            continue;
        };
        let expected = holder_key
            .as_ref()
            .map(biscuit_public)
            .transpose()?
            .ok_or_else(|| forged(format!("{} has no key on record", chain.holder)))?;
        if *external != expected {
            return Err(forged(format!(
                "block {i} is not signed by {}, who held the token",
                chain.holder
            )));
        }
        let hops = &hops_by_key[&external.to_bytes().to_vec()];
        let hop: Vec<&HopFact> = hops.iter().filter(|h| h.0 == i as i64).collect();
        let acting = if hop.is_empty() {
            acting_of(external)?
        } else {
            Vec::new()
        };
        let act: Vec<&ActingFact> = acting.iter().filter(|a| a.0 == i as i64).collect();
        match (hop.as_slice(), act.as_slice()) {
            ([(_, from, to, task, key, actions, resources)], []) => {
                if *from != chain.holder {
                    return Err(forged(format!(
                        "block {i} delegates from {from}, but {} held the token",
                        chain.holder
                    )));
                }
                let key = PublicKey::parse(key)
                    .ok_or_else(|| forged(format!("block {i} names no valid key for {to}")))?;
                chain.actions = intersect(chain.actions.take(), narrowed(actions));
                chain.resources = intersect(chain.resources.take(), narrowed(resources));
                chain.hops.push(Hop {
                    from: from.clone(),
                    to: to.clone(),
                    task: (!task.is_empty()).then(|| task.clone()),
                    id: ids.get(i).cloned().unwrap_or_default(),
                });
                chain.holder = to.clone();
                chain.keys.push((to.clone(), key));
                holder_key = Some(key);
                chain.holder_signed = false;
            }
            ([], [(_, h)]) if *h == chain.holder => chain.holder_signed = true,
            _ => {
                return Err(forged(format!(
                    "block {i} is signed by {} but is neither a delegation nor its acting block",
                    chain.holder
                )));
            }
        }
    }
    Ok(chain)
}

fn denial(
    logic: &biscuit_auth::error::Logic,
    op: &str,
    res: &str,
    info: &TokenInfo,
    now: DateTime<Utc>,
) -> Error {
    use biscuit_auth::error::Logic;
    if info.expires_at.is_some_and(|e| e < now) {
        return Error::denied(format!(
            "the token expired at {}",
            crate::clock::rfc3339(info.expires_at.expect("checked"))
        ))
        .hint("mint a new credential");
    }
    let what = match (op, res) {
        ("*", "*") => "any action".to_string(),
        ("*", r) => format!("any action on {r}"),
        (o, "*") => o.to_string(),
        (o, r) => format!("{o} on {r}"),
    };
    match logic {
        Logic::Unauthorized {
            policy: biscuit_auth::error::MatchedPolicy::Deny(_),
            ..
        } => Error::denied(format!(
            "{what} is explicitly denied to agent {}",
            info.agent
        )),
        Logic::Unauthorized { checks, .. }
            if checks.iter().any(|c| c.to_string().contains("time(")) =>
        {
            Error::denied("the token has expired").hint("mint a new credential")
        }
        _ => Error::denied(format!("the token does not allow {what}")),
    }
}

/// A compact, non-secret summary of a token for `--verbose` and errors: never the token itself.
pub fn describe(info: &TokenInfo) -> String {
    let mut text = format!(
        "agent {} credential {}",
        info.agent,
        info.credential_id.as_deref().unwrap_or("-")
    );
    if let Some(last) = info.hops.last() {
        let mut agents = vec![info.agent.as_str()];
        agents.extend(info.hops.iter().map(|h| h.to.as_str()));
        text.push_str(&format!(
            ", delegated {} ({}){}",
            agents.join(" → "),
            last.id,
            if info.holder_signed {
                ", signed by its holder"
            } else {
                ""
            }
        ));
    }
    text
}

#[cfg(test)]
mod tests;
