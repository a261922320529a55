//! Credential tokens (`AGENTCRED_TOKEN`): Biscuit v3, Ed25519 only, rooted at the vault's issuer
//! key (SPEC §8, research/delegation.md).
//!
//! Layout of a token:
//! - block 0, the *authority*, signed by the issuer key when the agent's envelope is written:
//!   `vault`, `agent`, `agent_key`, one `right(secret, action, kind, pattern)` per allow and one
//!   `deny_right(…)` per deny, and a time bound at the agent's latest key expiry.
//! - block 1, the *credential*, appended at mint by whoever holds the agent's envelope: a time bound
//!   at the credential's expiry and one check that narrows it to its secrets, actions and
//!   resources. Checks can only narrow, so a key holder cannot widen what the authority allows.
//! - blocks 2…, further narrowing (nested exec, delegation).
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

use biscuit_auth::builder::{BlockBuilder, Term};
use biscuit_auth::{Biscuit, KeyPair as BKeyPair, PrivateKey, PublicKey as BPublicKey};
use chrono::{DateTime, Utc};

use crate::crypto::{self, KeyPair, PublicKey};
use crate::error::{Error, Result};
use crate::grant::{Pattern, Rights};

/// SPEC §8: larger or deeper tokens are refused before any parsing work.
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
    .map_err(|e| Error::other(format!("cannot load a signing key: {e}")))?;
    Ok(BKeyPair::from(&private))
}

fn biscuit_public(key: &PublicKey) -> Result<BPublicKey> {
    BPublicKey::from_bytes(key.0.as_bytes(), biscuit_auth::builder::Algorithm::Ed25519)
        .map_err(|e| Error::other(format!("cannot load a public key: {e}")))
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

/// The authority block for `agent`'s rights, signed by the issuer.
pub fn authority(
    issuer: &KeyPair,
    vault_id: &str,
    agent: &str,
    agent_key: &PublicKey,
    rights: &Rights,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(String, String)> {
    let mut code =
        String::from("vault({vault});\nagent({agent});\nagent_key({agent}, {agent_key});\n");
    let mut params: HashMap<String, Term> = HashMap::new();
    params.insert("vault".into(), str_term(vault_id));
    params.insert("agent".into(), str_term(agent));
    params.insert("agent_key".into(), str_term(&agent_key.to_string()));
    for (tag, set) in [("right", &rights.allow), ("deny_right", &rights.deny)] {
        for (i, r) in set.iter().enumerate() {
            let p = format!("{tag}{i}");
            code.push_str(&format!("{tag}({{{p}s}}, {{{p}a}}, {{{p}k}}, {{{p}p}});\n"));
            params.insert(format!("{p}s"), str_term(&r.secret));
            params.insert(format!("{p}a"), str_term(&r.action));
            params.insert(format!("{p}k"), str_term(r.pattern.kind()));
            params.insert(format!("{p}p"), str_term(r.pattern.body()));
        }
    }
    if let Some(t) = expires_at {
        code.push_str("check if time($t), $t <= {expires};\n");
        params.insert("expires".into(), date(t));
    }
    let token = Biscuit::builder()
        .code_with_params(&code, params, HashMap::new())
        .map_err(build_err)?
        .root_key_id(root_key_number(&issuer.public().key_id()))
        .build(&biscuit_keypair(issuer)?)
        .map_err(build_err)?;
    let id = block_ids(&token).remove(0);
    Ok((token.to_base64().map_err(build_err)?, id))
}

/// What a credential (or derived credential) block narrows to.
#[derive(Clone, Debug)]
pub struct Narrowing {
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

/// The block that narrows a token to `n`.
fn narrowing_block(n: &Narrowing) -> Result<BlockBuilder> {
    let mut params: HashMap<String, Term> = HashMap::new();
    params.insert("expires".into(), date(n.expires_at));
    params.insert("expiry".into(), Term::Integer(n.expires_at.timestamp()));
    params.insert(
        "secrets".into(),
        Term::Set(
            n.secrets
                .iter()
                .map(|s| str_term(s))
                .collect::<BTreeSet<_>>(),
        ),
    );
    let mut check = String::from(
        "check if operation($op), resource($r), right($s, $a, $k, $p), {secrets}.contains($s), \
         ($a == \"*\" || $a == $op || $op == \"*\"), \
         ($r == \"*\" || ($k == \"exact\" && $p == $r) || ($k == \"prefix\" && $r.starts_with($p)))",
    );
    if let Some(actions) = n.actions.as_ref().filter(|a| !a.iter().any(|x| x == "*")) {
        params.insert(
            "actions".into(),
            Term::Set(actions.iter().map(|s| str_term(s)).collect()),
        );
        check.push_str(", ({actions}.contains($op) || $op == \"*\")");
    }
    if let Some(resources) = n
        .resources
        .as_ref()
        .filter(|r| !r.iter().any(|p| *p == Pattern::Prefix(String::new())))
    {
        let exact: BTreeSet<Term> = resources
            .iter()
            .filter(|p| matches!(p, Pattern::Exact(_)))
            .map(|p| str_term(p.body()))
            .collect();
        params.insert("exact".into(), Term::Set(exact));
        check.push_str(", ($r == \"*\" || {exact}.contains($r)");
        for (i, p) in resources
            .iter()
            .filter(|p| matches!(p, Pattern::Prefix(_)))
            .enumerate()
        {
            params.insert(format!("prefix{i}"), str_term(p.body()));
            check.push_str(&format!(" || $r.starts_with({{prefix{i}}})"));
        }
        check.push(')');
    }
    let mut facts = String::from("expiry({expiry});\n");
    if let Some(k) = &n.revoke_key {
        params.insert("revoke_key".into(), str_term(&k.to_string()));
        facts.push_str("revoke_key({revoke_key});\n");
    }
    for (i, (secret, env)) in n.injected.iter().enumerate() {
        params.insert(format!("inj{i}s"), str_term(secret));
        params.insert(format!("inj{i}e"), str_term(env));
        facts.push_str(&format!("injected({{inj{i}s}}, {{inj{i}e}});\n"));
    }
    let code = format!("{facts}check if time($t), $t <= {{expires}};\n{check};\n");
    BlockBuilder::new()
        .code_with_params(&code, params, HashMap::new())
        .map_err(build_err)
}

/// Looks up the issuer public key for a Biscuit root key id.
pub type KeyLookup<'a> = &'a dyn Fn(u32) -> Option<PublicKey>;

fn parse(text: &str, keys: KeyLookup<'_>) -> Result<Biscuit> {
    let text = text.trim();
    if text.len() > MAX_TOKEN_BYTES * 4 / 3 + 4 {
        return Err(Error::bad_data(format!(
            "the token is larger than {} KiB",
            MAX_TOKEN_BYTES / 1024
        ))
        .hint("agentcred refuses oversized tokens; mint a fresh one"));
    }
    let provider =
        |id: Option<u32>| -> std::result::Result<BPublicKey, biscuit_auth::error::Format> {
            id.and_then(keys)
                .and_then(|k| biscuit_public(&k).ok())
                .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
        };
    let token = Biscuit::from_base64(text, provider).map_err(|e| match e {
        biscuit_auth::error::Token::Format(biscuit_auth::error::Format::UnknownPublicKey) => {
            Error::bad_data("the token was not issued by this vault (unknown issuer key)")
                .hint("check --vault, or whether the issuer key was rotated out")
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

/// Appends a narrowing block and returns the new token with the ids of all its blocks (the last
/// is the new block's).
pub fn narrow(token: &str, keys: KeyLookup<'_>, n: &Narrowing) -> Result<(String, Vec<String>)> {
    let parent = parse(token, keys)?;
    let child = parent.append(narrowing_block(n)?).map_err(build_err)?;
    Ok((child.to_base64().map_err(build_err)?, block_ids(&child)))
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
fn block_ids(token: &Biscuit) -> Vec<String> {
    token
        .revocation_identifiers()
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
    pub agent_key: Option<PublicKey>,
    #[serde(skip)]
    pub revoke_keys: Vec<PublicKey>,
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
    let token = parse(text, keys)?;
    let ids = block_ids(&token);
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
    let limits = biscuit_auth::AuthorizerLimits {
        max_facts: 2_000,
        max_iterations: 200,
        max_time: StdDuration::from_millis(250),
    };
    let mut authorizer = biscuit_auth::AuthorizerBuilder::new()
        .code_with_params(code, params, HashMap::new())
        .map_err(build_err)?
        .set_limits(limits)
        .build(&token)
        .map_err(|e| Error::bad_data(format!("the token cannot be evaluated: {e}")))?;
    let agent: Vec<(String,)> = authorizer
        .query("data($n) <- agent($n)")
        .map_err(|e| Error::bad_data(format!("the token cannot be evaluated: {e}")))?;
    let vault: Vec<(String,)> = authorizer
        .query("data($v) <- vault($v)")
        .unwrap_or_default();
    let [(agent,)] = agent.as_slice() else {
        return Err(Error::bad_data("the token names no single agent"));
    };
    let agent_key: Vec<(String, String)> = authorizer
        .query("data($n, $k) <- agent_key($n, $k)")
        .unwrap_or_default();
    let agent_key = agent_key
        .iter()
        .find(|(n, _)| n == agent)
        .and_then(|(_, k)| PublicKey::parse(k));
    let revoke_keys: Vec<(String,)> = authorizer
        .query_all("data($k) <- revoke_key($k)")
        .unwrap_or_default();
    let injected: Vec<(String, String)> = authorizer
        .query_all("data($s, $e) <- injected($s, $e)")
        .unwrap_or_default();
    let expiry: Vec<(i64,)> = authorizer
        .query_all("data($e) <- expiry($e)")
        .unwrap_or_default();
    let expires_at = expiry
        .iter()
        .map(|(e,)| *e)
        .min()
        .and_then(|e| DateTime::from_timestamp(e, 0));
    let holder = agent.clone();
    if let Some(wanted) = &request.holder
        && *wanted != holder
    {
        return Err(
            Error::denied(format!("the token belongs to agent {holder}, not {wanted}"))
                .hint("only its holder may present it"),
        );
    }
    let info = TokenInfo {
        vault_id: vault.first().map(|(v,)| v.clone()).unwrap_or_default(),
        agent: agent.clone(),
        holder,
        credential_id: ids.get(1).cloned(),
        ids: ids.clone(),
        expires_at,
        blocks: token.block_count(),
        injected,
        agent_key,
        revoke_keys: revoke_keys
            .iter()
            .filter_map(|(k,)| PublicKey::parse(k))
            .collect(),
    };
    if let Some(id) = ids.iter().find(|id| is_revoked(id, &info)) {
        return Err(
            Error::denied(format!("the token is revoked ({id})")).hint("mint a new credential")
        );
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
    format!(
        "agent {} credential {}",
        info.agent,
        info.credential_id.as_deref().unwrap_or("-")
    )
}

#[cfg(test)]
mod tests;
