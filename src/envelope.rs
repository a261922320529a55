//! Agent envelopes (`agents/<name>.age`, SPEC §3): everything one agent needs to mint, encrypted
//! to that agent's keys and the admin recipients, and signed by the issuer key.
//!
//! A key holder can decrypt only its own agent's envelope. Because age does not authenticate the
//! writer, the envelope is a sealed document (see `sealed`) naming its agent and generation, and
//! the signed index `agents/index` records every envelope's generation, so that an envelope copied
//! from another agent, edited, or put back from an older copy is refused (exit 65).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agent::{RateLimit, Status};
use crate::crypto::{self, KeyPair};
use crate::error::{Error, Result};
use crate::grant::{Effect, Grant, Rights};
use crate::key::{AgentKey, KeyRecord};
use crate::secret::{Stage, Version};
use crate::sensitive::SecretText;
use crate::vault::{State, Vault, VaultToml};

pub const KIND: &str = "agentcred-envelope-v1";
pub const DIR: &str = "agents";
const INDEX_FILE: &str = "index";
const INDEX_DOMAIN: &str = "agentcred-index-v1";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub vault_id: String,
    pub agent: String,
    pub generation: u64,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub suspend_on_anomaly: bool,
    pub vault_max_ttl_secs: i64,
    pub default_ttl_secs: i64,
    pub signing_key: SecretText,
    pub public_key: String,
    pub keys: Vec<KeyRecord>,
    pub grants: Vec<Grant>,
    /// Granted secrets, with the versions that may be served (CURRENT, PREVIOUS in its window).
    pub secrets: BTreeMap<String, EnvelopeSecret>,
    pub audit_key: SecretText,
    /// The issuer-signed authority token all of this agent's credentials start from.
    pub authority: SecretText,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnvelopeSecret {
    pub env: String,
    pub versions: Vec<Version>,
}

/// The issuer-signed authority token of an agent, and what it was made from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Authority {
    pub token: SecretText,
    pub id: String,
    pub rights_digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn path(dir: &Path, agent: &str) -> PathBuf {
    dir.join(DIR).join(format!("{agent}.age"))
}

impl Envelope {
    pub fn rights(&self) -> Rights {
        Rights::of(&self.grants)
    }

    /// The envelope of `agent` as the admin state describes it now.
    pub fn from_state(state: &State, agent: &str) -> Result<Envelope> {
        let grants: Vec<Grant> = state
            .grants
            .values()
            .filter(|g| g.agent == agent)
            .cloned()
            .collect();
        Self::from_parts(state, agent, grants)
    }

    /// As [`Envelope::from_state`], with the agent's grants already picked out (bulk writes pick
    /// them out for every agent in one pass).
    pub fn from_parts(state: &State, agent: &str, grants: Vec<Grant>) -> Result<Envelope> {
        let a = state.agent(agent)?;
        let authority = a.authority.as_ref().ok_or_else(|| {
            Error::bad_data(format!(
                "agent {agent} has no authority token in the vault state"
            ))
            .hint("run any admin change for it (e.g. `agentcred agent resume`) to repair")
        })?;
        let mut secrets = BTreeMap::new();
        for g in grants.iter().filter(|g| g.effect == Effect::Allow) {
            let Some(s) = state.secrets.get(&g.secret) else {
                continue;
            };
            let versions = s
                .versions
                .iter()
                .filter(|v| {
                    matches!(v.stage, Stage::Current | Stage::Previous) && v.value.is_some()
                })
                .cloned()
                .collect();
            let entry = secrets
                .entry(g.secret.clone())
                .or_insert_with(|| EnvelopeSecret {
                    env: s.env.clone(),
                    versions,
                });
            if let Some(env) = &g.env {
                entry.env = env.clone();
            }
        }
        Ok(Envelope {
            vault_id: state.vault_id.clone(),
            agent: agent.to_string(),
            generation: a.envelope_generation,
            status: a.status,
            max_ttl_secs: a.max_ttl_secs,
            rate_limit: a.rate_limit,
            suspend_on_anomaly: a.suspend_on_anomaly,
            vault_max_ttl_secs: state.settings.max_ttl_secs,
            default_ttl_secs: state.settings.default_ttl_secs,
            signing_key: a.signing_key.clone(),
            public_key: a.public_key.clone(),
            keys: a.keys.clone(),
            grants,
            secrets,
            audit_key: state.audit_key.clone(),
            authority: authority.token.clone(),
        })
    }

    /// Opens `key`'s agent envelope as a key holder: decrypts it, checks the issuer signature, that
    /// it is this agent's, and that it is not older than the signed index says.
    pub fn open_with_key(vault: &Vault, key: &AgentKey) -> Result<Envelope> {
        let index = Index::read(&vault.dir, &vault.config)?;
        let Some(expected) = index.generation_of(&key.agent) else {
            return Err(Error::cannot_unlock(format!(
                "agent {} does not exist in the vault at {}",
                key.agent,
                vault.dir.display()
            ))
            .hint("it was removed, or the key belongs to another vault"));
        };
        let file = path(&vault.dir, &key.agent);
        crate::vault::fsio::check_private(&file)?;
        let bytes = std::fs::read(&file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::bad_data(format!("{} is missing", file.display()))
                    .hint("the admin can rewrite it with any change to the agent")
            } else {
                Error::io("cannot read", &file, e)
            }
        })?;
        let plain = crypto::age_decrypt(&bytes, &key.identity()).map_err(|e| match e {
            crypto::OpenError::NoMatchingKey => Error::cannot_unlock(format!(
                "key {} cannot open agent {}'s envelope: the key was revoked or rotated out, or the envelope was replaced",
                key.id, key.agent
            ))
            .hint("ask the vault admin for a new key (`agentcred key issue`)"),
            crypto::OpenError::Corrupt(why) => Error::bad_data(format!(
                "{} is corrupt or was tampered with: {why}",
                file.display()
            ))
            .hint("the admin can rewrite it with any change to the agent"),
        })?;
        let what = file.display().to_string();
        let env: Envelope =
            crate::sealed::open(&plain, KIND, &|id| vault.config.issuer_key(id), &what)?;
        env.check_identity(&vault.config, &key.agent, expected, &what)?;
        Ok(env)
    }

    fn check_identity(
        &self,
        config: &VaultToml,
        agent: &str,
        expected_generation: u64,
        what: &str,
    ) -> Result<()> {
        let refuse = |why: String| {
            Error::bad_data(format!("{what} failed its integrity check: {why}"))
                .hint("it was replaced outside agentcred; the admin can rewrite it with any change to the agent")
        };
        if self.vault_id != config.vault_id {
            return Err(refuse("it belongs to another vault".into()));
        }
        if self.agent != agent {
            return Err(refuse(format!(
                "it is agent {}'s envelope, not {agent}'s",
                self.agent
            )));
        }
        if self.generation < expected_generation {
            return Err(refuse(format!(
                "it was rolled back (generation {}, the index says {expected_generation})",
                self.generation
            )));
        }
        Ok(())
    }
}

/// How many superseded authorities are remembered for revocation; past this the oldest are
/// revoked at once, so that nothing minted from them escapes a later "revoke everything".
const MAX_SUPERSEDED: usize = 64;

/// Refreshes the authority token of `agent` if its rights or key expiry changed, if
/// `revoke_outstanding`, or if the current one was revoked. Returns the authority ids that must
/// now be revoked: with `revoke_outstanding`, the replaced one and every earlier one still in force.
pub fn refresh_authority(
    state: &mut State,
    agent: &str,
    grants: &[Grant],
    issuer: &KeyPair,
    revoke_outstanding: bool,
    is_revoked: &dyn Fn(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let rights = Rights::of(grants);
    let digest = rights.digest();
    let vault_id = state.vault_id.clone();
    let a = state.agent_mut(agent)?;
    let expires_at = a
        .keys
        .iter()
        .filter(|k| k.usable_at(now))
        .map(KeyRecord::end)
        .max();
    let stale = match &a.authority {
        None => true,
        Some(cur) => {
            revoke_outstanding
                || cur.rights_digest != digest
                || cur.expires_at != expires_at
                || is_revoked(&cur.id)
        }
    };
    if !stale {
        return Ok(vec![]);
    }
    let public = crypto::PublicKey::parse(&a.public_key)
        .ok_or_else(|| Error::bad_data(format!("agent {agent} has a malformed public key")))?;
    let (token, id) =
        crate::token::authority(issuer, &vault_id, agent, &public, &rights, expires_at)?;
    let old = a.authority.replace(Authority {
        token: SecretText::new(token),
        id,
        rights_digest: digest,
        expires_at,
    });
    let mut revoke = Vec::new();
    if revoke_outstanding {
        revoke.append(&mut a.superseded_authorities);
        revoke.extend(old.map(|o| o.id));
    } else {
        a.superseded_authorities
            .extend(old.map(|o| o.id).filter(|id| !is_revoked(id)));
        if a.superseded_authorities.len() > MAX_SUPERSEDED {
            let excess = a.superseded_authorities.len() - MAX_SUPERSEDED;
            revoke.extend(a.superseded_authorities.drain(..excess));
        }
    }
    Ok(revoke)
}

/// Encrypts an envelope to the agent's usable keys and every admin recipient.
pub fn seal(
    env: &Envelope,
    config: &VaultToml,
    issuer: &KeyPair,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let mut recipients = config.all_recipients()?;
    for k in env.keys.iter().filter(|k| k.usable_at(now)) {
        recipients.push(crypto::parse_recipient(&k.recipient)?);
    }
    let sealed = zeroize::Zeroizing::new(crate::sealed::seal(KIND, issuer, env)?);
    crypto::age_encrypt(&recipients, &sealed)
}

/// The signed list of envelope generations.
pub struct Index {
    body: String,
}

impl Index {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(DIR).join(INDEX_FILE)
    }

    /// Renders the index for `state` and signs it.
    pub fn render(state: &State, issuer: &KeyPair) -> String {
        let mut body = String::with_capacity(state.agents.len() * 24);
        for a in state.agents.values() {
            body.push_str(&format!("{} {}\n", a.name, a.envelope_generation));
        }
        let message = format!("{}\n{}\n{body}", state.vault_id, state.generation);
        let sig = issuer.sign(INDEX_DOMAIN, message.as_bytes());
        format!(
            "{INDEX_DOMAIN} {} {} {} {sig}\n{body}",
            state.vault_id,
            state.generation,
            issuer.public().key_id()
        )
    }

    pub fn read(dir: &Path, config: &VaultToml) -> Result<Index> {
        let path = Self::path(dir);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::bad_data(format!("{} is missing", path.display()))
                    .hint("any admin change rewrites it")
            } else {
                Error::io("cannot read", &path, e)
            }
        })?;
        let tampered = || {
            Error::bad_data(format!("{} failed its integrity check", path.display()))
                .hint("it was modified outside agentcred; any admin change rewrites it")
        };
        let (header, body) = text.split_once('\n').ok_or_else(tampered)?;
        let fields: Vec<&str> = header.split(' ').collect();
        let [INDEX_DOMAIN, vault_id, generation, key_id, sig] = fields.as_slice() else {
            return Err(tampered());
        };
        let key = config.issuer_key(key_id).ok_or_else(tampered)?;
        let message = format!("{vault_id}\n{generation}\n{body}");
        if *vault_id != config.vault_id || !key.verify(INDEX_DOMAIN, message.as_bytes(), sig) {
            return Err(tampered());
        }
        Ok(Index {
            body: body.to_string(),
        })
    }

    pub fn generation_of(&self, agent: &str) -> Option<u64> {
        self.body.lines().find_map(|l| {
            let (name, generation) = l.split_once(' ')?;
            (name == agent).then(|| generation.parse().ok()).flatten()
        })
    }
}
