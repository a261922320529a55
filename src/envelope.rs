//! Agent envelopes (`agents/<name>.age`; docs/DESIGN.md, "The vault's files"): everything one
//! agent needs to mint, encrypted to that agent's keys and the admin recipients, and signed by the
//! issuer key.
//!
//! A key holder can decrypt only its own agent's envelope. Because age does not authenticate the
//! writer, the envelope is a sealed document (see `sealed`) naming its agent and generation, and
//! the signed index `agents/index` records every envelope's generation, so that an envelope copied
//! from another agent, edited, or put back from an older copy is refused (exit 65).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agent::{Policy, Status};
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
/// What the index lists for an agent without an envelope.
const NO_ENVELOPE: &str = "-";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub vault_id: String,
    pub agent: String,
    pub generation: u64,
    pub status: Status,
    #[serde(flatten, serialize_with = "Policy::serialize_always")]
    pub policy: Policy,
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
    /// Ids of every authority the agent's live credentials may descend from (the current one and
    /// those it superseded): what a suspension by the live checks revokes.
    #[serde(default)]
    pub authorities: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnvelopeSecret {
    pub env: String,
    pub versions: Vec<Version>,
    /// The secret's binding and delivery (none in an envelope written before they existed).
    #[serde(flatten)]
    pub destination: crate::destination::Declared,
    /// Where the value comes from when the vault does not keep it (OpenBao).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openbao: Option<crate::openbao::Source>,
}

pub use crate::agent::{Authority, Superseded};

pub fn path(dir: &Path, agent: &str) -> PathBuf {
    dir.join(DIR).join(format!("{agent}.age"))
}

impl Envelope {
    pub fn rights(&self) -> Rights {
        Rights::of(&self.grants)
    }

    /// The envelope of `agent` as the admin state describes it, with its grants already picked
    /// out and its freshly issued authority token.
    pub fn from_parts(
        state: &State,
        agent: &str,
        grants: Vec<Grant>,
        authority: SecretText,
    ) -> Result<Envelope> {
        let a = state.agent(agent)?;
        let mut secrets = BTreeMap::new();
        for g in grants.iter().filter(|g| g.effect == Effect::Allow) {
            let Some(s) = state.secrets.get(&g.secret) else {
                continue;
            };
            let versions = s
                .versions
                .iter()
                .filter(|v| {
                    matches!(v.stage, Stage::Current | Stage::Previous)
                        && (v.value.is_some() || s.openbao.is_some())
                })
                .cloned()
                .collect();
            let entry = secrets
                .entry(g.secret.clone())
                .or_insert_with(|| EnvelopeSecret {
                    env: s.env.clone(),
                    versions,
                    destination: s.destination.clone(),
                    openbao: s.openbao.clone(),
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
            policy: a.policy,
            vault_max_ttl_secs: state.settings.max_ttl_secs,
            default_ttl_secs: state.settings.default_ttl_secs,
            signing_key: a.signing_key.clone(),
            public_key: a.public_key.clone(),
            keys: a.keys.clone(),
            grants,
            secrets,
            audit_key: state.audit_key.clone(),
            authority,
            authorities: a
                .authority
                .iter()
                .map(|x| x.id.clone())
                .chain(a.superseded_authorities.iter().map(|x| x.id.clone()))
                .collect(),
        })
    }

    /// Opens `agent`'s envelope as the admin (every envelope is also encrypted to the admin
    /// recipients), with the same integrity checks a key holder gets. An agent that has no
    /// envelope yet (it has had no key) gets one first, in an admin change of its own.
    pub fn open_as_admin(
        vault: &Vault,
        admin: &crate::vault::AdminKey,
        agent: &str,
        now: DateTime<Utc>,
    ) -> Result<Envelope> {
        let mut index = Index::read_current(&vault.dir, &vault.config)?;
        let listed = index
            .generation_of(agent)
            .ok_or_else(|| crate::vault::state::unknown_agent(agent))?;
        if listed.is_none() {
            // A command the vault's settings stop (a malformed config.toml) changes nothing: read
            // them before the change, as the command would after it.
            crate::settings::Settings::load(&vault.dir)?;
            let mut writer = Vault::open(&vault.dir)?;
            // Its warnings (a witness that did not take the checkpoint) are the command's.
            writer.warn = vault.warn.clone();
            // The change signs with the issuer key; the command goes on with only what it held.
            let issuer = crate::audit::sign::held_issuer();
            let written = writer.update(admin, now, |c| {
                if c.state.agent(agent)?.envelope_generation > 0 {
                    // Another command wrote it in the meantime.
                    c.abandon();
                    return Ok(((), vec![]));
                }
                c.write_envelope(agent);
                let event =
                    crate::audit::Event::admin(crate::audit::Action::AgentEnvelope).agent(agent);
                Ok(((), vec![event]))
            });
            crate::audit::sign::restore_issuer(issuer);
            written?;
            index = Index::read_current(&vault.dir, &writer.config)?;
        }
        let expected = index
            .generation_of(agent)
            .flatten()
            .ok_or_else(|| crate::vault::state::unknown_agent(agent))?;
        let file = path(&vault.dir, agent);
        let bytes = read_envelope(&file)?;
        let plain = admin.decrypt(&bytes, &file, &vault.config)?;
        let what = file.display().to_string();
        let (_, env): (_, Envelope) =
            crate::sealed::open(&plain, KIND, &|id| vault.config.issuer_key(id), &what)?;
        env.check_identity(&vault.config, agent, expected, &what)?;
        env.hold_for_audit(index.generation)?;
        Ok(env)
    }

    /// Opens `key`'s agent envelope as a key holder: decrypts it, checks the issuer signature, that
    /// it is this agent's, and that it is not older than the signed index says.
    pub fn open_with_key(vault: &Vault, key: &AgentKey) -> Result<Envelope> {
        let index = Index::read_current(&vault.dir, &vault.config)?;
        let Some(expected) = index.generation_of(&key.agent) else {
            return Err(Error::cannot_unlock(format!(
                "agent {} does not exist in the vault at {}",
                key.agent,
                vault.dir.display()
            ))
            .hint("it was removed, or the key belongs to another vault"));
        };
        // An agent without an envelope has had no key since it was added: this key is from an
        // agent of the same name that was removed, or from another vault.
        let Some(expected) = expected else {
            return Err(Error::cannot_unlock(format!(
                "key {} cannot open agent {}'s envelope: the agent has no key of its own (it was removed and added again, or the key belongs to another vault)",
                key.id, key.agent
            ))
            .hint("ask the vault admin for a new key (`agentcred key issue`)"));
        };
        let file = path(&vault.dir, &key.agent);
        let bytes = read_envelope(&file)?;
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
        let (_, env): (_, Envelope) =
            crate::sealed::open(&plain, KIND, &|id| vault.config.issuer_key(id), &what)?;
        env.check_identity(&vault.config, &key.agent, expected, &what)?;
        env.hold_for_audit(index.generation)?;
        Ok(env)
    }

    /// The audit entries this process writes for the agent are signed with its key.
    fn hold_for_audit(&self, generation: u64) -> Result<()> {
        let key = KeyPair::from_secret(&self.signing_key)?;
        crate::audit::sign::hold_agent(&self.agent, key, generation);
        Ok(())
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

fn read_envelope(file: &Path) -> Result<Vec<u8>> {
    crate::vault::fsio::check_private(file)?;
    crate::vault::fsio::read(file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::bad_data(format!("{} is missing", file.display()))
                .hint("the admin can rewrite it with any change to the agent")
        } else {
            Error::io("cannot read", file, e)
        }
    })
}

/// An authority id to revoke, and from when (`None`: now).
pub type Stale = (String, Option<DateTime<Utc>>);

/// Issues `agent` a fresh authority token for its current grants and keys: called whenever its
/// envelope is rewritten, so the token in the envelope always states the agent's rights now.
///
/// The authority it replaces is remembered as superseded: credentials minted from it may still be
/// live. Returns the ids that must now be revoked: with `revoke_outstanding`, every earlier
/// authority; otherwise only superseded ones older than the vault's `max_ttl`, which no
/// legitimately minted credential can still depend on (revoked rather than forgotten, so that a
/// copy of an old envelope cannot be used to mint from them). An authority a key could read that
/// stops working before the authority expires is revoked from that key's end (see
/// [`Authority::readable_until`]): the second of each pair returned is when a revocation takes
/// effect, `None` for now.
pub fn refresh_authority(
    state: &mut State,
    agent: &str,
    grants: &[Grant],
    issuer: &KeyPair,
    revoke_outstanding: bool,
    now: DateTime<Utc>,
) -> Result<(SecretText, Vec<Stale>)> {
    let issuer = crate::token::Issuer::new(issuer)?;
    let (token, fresh) = new_authority(state, agent, grants, &issuer, now)?;
    let stale = install_authority(state, agent, fresh, revoke_outstanding, now)?;
    Ok((token, stale))
}

/// The first half of [`refresh_authority`], which changes nothing: the token for `agent`'s
/// rights now and its record. The work (a Biscuit signed by the issuer) is independent for each
/// agent, so a commit that rewrites many envelopes builds them on every core.
pub fn new_authority(
    state: &State,
    agent: &str,
    grants: &[Grant],
    issuer: &crate::token::Issuer,
    now: DateTime<Utc>,
) -> Result<(SecretText, Authority)> {
    let rights = Rights::of(grants);
    let vault_max_ttl = state.settings.max_ttl_secs;
    let a = state.agent(agent)?;
    let usable = || {
        a.keys
            .iter()
            .filter(|k| k.usable_at(now))
            .map(KeyRecord::end)
    };
    let expires_at = usable().max();
    let readable_until = usable()
        .min()
        .filter(|t| expires_at.is_some_and(|e| *t < e));
    let public = crypto::PublicKey::parse(&a.public_key)
        .ok_or_else(|| Error::bad_data(format!("agent {agent} has a malformed public key")))?;
    let lifetimes = crate::token::Lifetimes {
        vault_secs: vault_max_ttl,
        agent_secs: a.policy.max_ttl_secs,
        grant_secs: grant_lifetimes(grants, vault_max_ttl),
    };
    let (token, id) = crate::token::authority(
        issuer,
        &state.vault_id,
        agent,
        &public,
        &rights,
        &lifetimes,
        expires_at,
    )?;
    Ok((
        SecretText::new(token),
        Authority {
            id,
            expires_at,
            readable_until,
        },
    ))
}

/// The second half of [`refresh_authority`]: `fresh` becomes `agent`'s authority, the one it
/// replaces is superseded, and the ids to revoke are returned.
pub fn install_authority(
    state: &mut State,
    agent: &str,
    fresh: Authority,
    revoke_outstanding: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Stale>> {
    let max_ttl = chrono::Duration::seconds(state.settings.max_ttl_secs);
    let a = state.agent_mut(agent)?;
    let mut revoke = Vec::new();
    if let Some(old) = a.authority.replace(fresh) {
        match old.readable_until {
            // A key that could read it has stopped: revoked now, nothing left to supersede.
            Some(t) if t <= now => revoke.push((old.id, None)),
            Some(t) => {
                revoke.push((old.id.clone(), Some(t)));
                a.superseded_authorities.push(Superseded {
                    id: old.id,
                    at: now,
                    expires_at: old.expires_at,
                });
            }
            None => a.superseded_authorities.push(Superseded {
                id: old.id,
                at: now,
                expires_at: old.expires_at,
            }),
        }
    }
    if revoke_outstanding {
        revoke.retain(|(_, from)| from.is_none());
        revoke.extend(a.superseded_authorities.drain(..).map(|s| (s.id, None)));
    } else {
        let (old, keep): (Vec<Superseded>, Vec<Superseded>) = a
            .superseded_authorities
            .drain(..)
            .partition(|s| s.at + max_ttl < now || s.expires_at.is_some_and(|e| e <= now));
        a.superseded_authorities = keep;
        revoke.extend(
            old.into_iter()
                .filter(|s| s.expires_at.is_none_or(|e| e > now))
                .map(|s| (s.id, None)),
        );
    }
    Ok(revoke)
}

/// Per granted secret, the longest credential its allow grants permit: the most generous
/// `max_ttl`, or the vault's when one of them has none.
fn grant_lifetimes(
    grants: &[Grant],
    vault_max_ttl: i64,
) -> std::collections::BTreeMap<String, i64> {
    let mut out = std::collections::BTreeMap::new();
    for g in grants.iter().filter(|g| g.effect == Effect::Allow) {
        let secs = g.max_ttl_secs.unwrap_or(vault_max_ttl).min(vault_max_ttl);
        out.entry(g.secret.clone())
            .and_modify(|m: &mut i64| *m = (*m).max(secs))
            .or_insert(secs);
    }
    out
}

/// Encrypts an envelope to the agent's usable keys and every admin recipient (`admin`: the
/// recipient list of the signed state, never `vault.toml`'s copy).
///
/// The agent's keys come first, newest first: X25519 stanzas do not say whom they are for, so a key holder tries
/// each in turn, and every stanza before its own costs a Diffie-Hellman (this file is opened by
/// every `mint` and `exec`; the admin reads it rarely).
pub fn seal(
    env: &Envelope,
    admin: &[age::x25519::Recipient],
    issuer: &KeyPair,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let mut recipients = Vec::new();
    for k in env.keys.iter().rev().filter(|k| k.usable_at(now)) {
        recipients.push(crypto::parse_recipient(&k.recipient)?);
    }
    recipients.extend(admin.iter().cloned());
    crypto::age_encrypt_to(&recipients, Vec::with_capacity(4096), |w| {
        crate::sealed::seal_to(w, KIND, issuer, &env.vault_id, env.generation, env).map(drop)
    })
}

/// A small public file of lines, signed by the issuer with the vault id and generation: the
/// envelope index and the agent roster.
pub(crate) mod signed_lines {
    use std::path::Path;

    use crate::crypto::KeyPair;
    use crate::error::{Error, Result};
    use crate::vault::VaultToml;

    pub fn render(
        domain: &str,
        vault_id: &str,
        generation: u64,
        issuer: &KeyPair,
        body: &str,
    ) -> String {
        let sig = issuer.sign_digest(domain, &digest(vault_id, &generation.to_string(), body));
        format!(
            "{domain} {vault_id} {generation} {} {sig}\n{body}",
            issuer.public().key_id()
        )
    }

    /// Reads and authenticates the file; returns its generation and body. A file older than the
    /// generation `vault.toml` records was put back from a copy and is refused.
    pub fn read(path: &Path, domain: &str, config: &VaultToml) -> Result<(u64, String)> {
        read_since(path, domain, config, config.generation)
    }

    /// [`read`], refusing only a file older than `oldest` (a commit in progress reads the files
    /// it is replacing, older than the generation it is writing).
    pub fn read_since(
        path: &Path,
        domain: &str,
        config: &VaultToml,
        oldest: u64,
    ) -> Result<(u64, String)> {
        let mut text = crate::vault::fsio::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::bad_data(format!("{} is missing", path.display()))
                    .hint("restore it from a backup of the vault directory")
            } else {
                Error::io("cannot read", path, e)
            }
        })?;
        let tampered = || {
            Error::bad_data(format!("{} failed its integrity check", path.display()))
                .hint("it was modified outside agentcred; restore it from a backup of the vault directory")
        };
        let (header, body) = text.split_once('\n').ok_or_else(tampered)?;
        let fields: Vec<&str> = header.split(' ').collect();
        let [d, vault_id, generation, key_id, sig] = fields.as_slice() else {
            return Err(tampered());
        };
        if *d == domain && *vault_id == config.vault_id && config.issuer_key(key_id).is_none() {
            // Signed by a key of this vault that vault.toml does not list: the file is newer
            // than the chain, which was put back from an older copy or cut short.
            return Err(Error::bad_data(format!(
                "{} is signed by issuer key {key_id}, which vault.toml does not list: vault.toml \
                 was rolled back or its issuer keys cut short",
                path.display()
            ))
            .hint("restore the newest vault.toml from a backup"));
        }
        let key = config.issuer_key(key_id).ok_or_else(tampered)?;
        if *d != domain
            || *vault_id != config.vault_id
            || !(already_verified(&key, &text)
                || key.verify_digest(domain, &digest(vault_id, generation, body), sig)
                    && remember_verified(&key, &text))
        {
            return Err(tampered());
        }
        let generation = generation.parse::<u64>().map_err(|_| tampered())?;
        if generation < oldest {
            return Err(Error::bad_data(format!(
                "{} was rolled back to an older copy",
                path.display()
            ))
            .hint("restore the newest one from a backup of the vault directory"));
        }
        // In place: the index and roster of a large vault are hundreds of kilobytes, and each
        // fresh copy is that many more page faults for every `mint` and `exec`.
        let start = header.len() + 1;
        text.drain(..start);
        Ok((generation, text))
    }

    /// The last file this process authenticated, and the key that signed it: a command that
    /// reads the same file twice (`verify` reads the index for its pins and for the revocation
    /// head it carries) checks the signature once. The whole text is compared, so any change is
    /// checked afresh.
    static VERIFIED: std::sync::Mutex<Option<(crate::crypto::PublicKey, String)>> =
        std::sync::Mutex::new(None);

    fn already_verified(key: &crate::crypto::PublicKey, text: &str) -> bool {
        VERIFIED
            .lock()
            .ok()
            .is_some_and(|v| v.as_ref().is_some_and(|(k, t)| k == key && t == text))
    }

    fn remember_verified(key: &crate::crypto::PublicKey, text: &str) -> bool {
        if let Ok(mut v) = VERIFIED.lock() {
            *v = Some((*key, text.to_string()));
        }
        true
    }

    /// What the signature covers, `VAULT_ID \n GENERATION \n BODY`, hashed without copying the
    /// body into one message first.
    fn digest(vault_id: &str, generation: &str, body: &str) -> [u8; 32] {
        crate::crypto::sha256(&[
            vault_id.as_bytes(),
            b"\n",
            generation.as_bytes(),
            b"\n",
            body.as_bytes(),
        ])
    }
}

/// The first line of the index's body: the revocation list's head at the last admin change.
const REVOCATIONS_LINE: &str = "~revocations";

/// The signed list of envelope generations.
pub struct Index {
    /// The generation of the state it was written with.
    pub generation: u64,
    body: String,
}

impl Index {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(DIR).join(INDEX_FILE)
    }

    /// Renders the index for `state` and signs it, with the revocation list's head as it stands
    /// after this change (readers hold the list to it: see `credential::revocation`).
    pub fn render(
        state: &State,
        issuer: &KeyPair,
        revocations: &crate::credential::revocation::Head,
    ) -> String {
        use std::fmt::Write as _;
        let mut body = String::with_capacity(state.agents.len() * 24 + 96);
        // Not an agent name (those never start with `~`), so no agent's lookup can match it.
        let _ = writeln!(
            body,
            "{REVOCATIONS_LINE} {} {}",
            revocations.count, revocations.head
        );
        for a in state.agents.values() {
            if a.envelope_generation == 0 {
                let _ = writeln!(body, "{} {NO_ENVELOPE}", a.name);
            } else {
                let _ = writeln!(body, "{} {}", a.name, a.envelope_generation);
            }
        }
        signed_lines::render(
            INDEX_DOMAIN,
            &state.vault_id,
            state.generation,
            issuer,
            &body,
        )
    }

    pub fn read(dir: &Path, config: &VaultToml) -> Result<Index> {
        let (generation, body) = signed_lines::read(&Self::path(dir), INDEX_DOMAIN, config)?;
        Ok(Index { generation, body })
    }

    /// The index as signed, whatever its generation: for the revocation head it carries, which
    /// an older index can only make weaker, never wrong (rollback is refused elsewhere).
    pub fn read_any_generation(dir: &Path, config: &VaultToml) -> Result<Index> {
        let (generation, body) =
            signed_lines::read_since(&Self::path(dir), INDEX_DOMAIN, config, 0)?;
        Ok(Index { generation, body })
    }

    /// [`Index::read`], refused (with the files it vouches for) when the audit log has seen a
    /// newer vault generation: `vault.toml`, `vault.age` and `agents/` were put back together.
    pub fn read_current(dir: &Path, config: &VaultToml) -> Result<Index> {
        let what = Self::path(dir).display().to_string();
        crate::audit::rollback::checked(dir, &what, || {
            let index = Self::read(dir, config)?;
            let g = index.generation;
            Ok((index, g))
        })
    }

    /// The revocation list's head the issuer signed (none in an index written before it did).
    pub fn revocations(&self) -> Option<crate::credential::revocation::Head> {
        let rest = self.body.lines().next()?.strip_prefix(REVOCATIONS_LINE)?;
        let (count, head) = rest.trim_start().split_once(' ')?;
        Some(crate::credential::revocation::Head {
            count: count.parse().ok()?,
            head: head.to_string(),
        })
    }

    /// The generation of `agent`'s envelope, `Some(None)` if the agent has none yet (it has had
    /// no key, and the admin has not acted as it), `None` if there is no such agent.
    pub fn generation_of(&self, agent: &str) -> Option<Option<u64>> {
        self.body.lines().find_map(|l| {
            let (name, generation) = l.split_once(' ')?;
            if name != agent {
                return None;
            }
            if generation == NO_ENVELOPE {
                return Some(None);
            }
            generation.parse().ok().map(Some)
        })
    }
}
