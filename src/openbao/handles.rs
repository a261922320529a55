//! `openbao/`: what each credential holds in OpenBao that must be revoked when it ends.
//!
//! One file per credential, `openbao/<credential id>`, written before the credential is released
//! and removed once OpenBao confirmed every revocation: the token accessors and the lease ids
//! (never a token or a value; OpenBao treats neither as able to authenticate anything). The file
//! is signed with the agent's signing key, so that nobody who can write the vault directory can
//! make agentcred revoke someone else's tokens; a file whose signature does not check is left
//! alone and reported.
//!
//! Revocation happens where the credential ends: the supervisor of an `exec` (or of a `broker` or
//! `mcp` run) right after the program, with the record it holds ([`release`]); the commands that
//! revoke credentials, through a [`sweep`] before they return. Whatever could not be revoked then
//! (OpenBao down, the supervisor killed, a minted credential that simply expired) is found by the
//! [`sweep`] every command that opens the vault runs: a file whose credential is revoked or
//! expired is revoked and removed, or kept, with the error beside it, for the next command.
//! `status` lists those ([`pending`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Client;
use crate::audit::{Action, Event, Outcome};
use crate::error::{Error, Result};

pub const DIR: &str = "openbao";
const DOMAIN: &str = "agentcred-openbao-handles-v1";
const SIG_PREFIX: &str = "sig ";
/// How long a sweep waits for OpenBao: every command runs one, so a hung server must not hold
/// them up for long.
const SWEEP_TIMEOUT_SECS: u64 = 3;

/// What one credential holds in OpenBao.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub credential: String,
    pub agent: String,
    /// The vault whose credential this is (OpenBao's token metadata names it too).
    pub vault: String,
    #[serde(with = "crate::clock::ts")]
    pub expires_at: DateTime<Utc>,
    /// Every block id of the credential's token: revoking any of them (the agent's authority,
    /// when a grant or key is revoked or the agent suspended) ends it.
    pub chain: Vec<String>,
    /// The one-off public key that may revoke this credential (an `exec`'s), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_key: Option<String>,
    pub handles: Vec<Handle>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Handle {
    Token {
        secret: String,
        accessor: String,
    },
    Lease {
        secret: String,
        lease_id: String,
        /// The lease's TTL when read, and whether it may be renewed (a supervised run renews it).
        duration_secs: u64,
        renewable: bool,
    },
}

impl Handle {
    fn secret(&self) -> &str {
        match self {
            Handle::Token { secret, .. } | Handle::Lease { secret, .. } => secret,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Handle::Token { .. } => "token",
            Handle::Lease { .. } => "lease",
        }
    }
}

fn path(vault_dir: &Path, credential: &str) -> PathBuf {
    vault_dir.join(DIR).join(credential)
}

fn error_path(vault_dir: &Path, credential: &str) -> PathBuf {
    vault_dir.join(DIR).join(format!("{credential}.error"))
}

/// Writes `record`, signed with its agent's key (held since its envelope was opened).
pub fn write(vault_dir: &Path, record: &Record) -> Result<()> {
    let key = crate::audit::sign::agent_key(&record.agent).ok_or_else(|| {
        Error::other(format!(
            "cannot record the OpenBao handles of agent {}: its signing key is not open",
            record.agent
        ))
    })?;
    let body = serde_json::to_string(record).expect("a record serialises");
    let sig = key.sign(DOMAIN, body.as_bytes());
    crate::vault::fsio::private_subdir(&vault_dir.join(DIR))?;
    crate::vault::fsio::write_atomic(
        &path(vault_dir, &record.credential),
        format!("{body}\n{SIG_PREFIX}{sig}\n").as_bytes(),
    )
}

/// Removes the record of `credential` (everything it named was revoked).
pub fn forget(vault_dir: &Path, credential: &str) -> Result<()> {
    let _ = crate::vault::fsio::remove_file(&error_path(vault_dir, credential));
    match crate::vault::fsio::remove_file(&path(vault_dir, credential)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot remove", &path(vault_dir, credential), e)),
    }
}

/// Reads the record of `credential`, if there is one, checking its signature against the
/// agent's public key in the signed roster.
fn read(vault_dir: &Path, credential: &str, keys: &mut Keys<'_>) -> Result<Option<Record>> {
    let p = path(vault_dir, credential);
    let text = match crate::vault::fsio::read_to_string_bounded(&p, 1 << 20) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read", &p, e)),
    };
    let tampered = || {
        Error::bad_data(format!("{} is not a record agentcred signed", p.display()))
            .hint("it was left alone: remove it once you know where it came from")
    };
    let (body, sig) = text.trim_end().split_once('\n').ok_or_else(tampered)?;
    let sig = sig.strip_prefix(SIG_PREFIX).ok_or_else(tampered)?;
    let record: Record = serde_json::from_str(body).map_err(|_| tampered())?;
    if record.credential != credential {
        return Err(tampered());
    }
    let key = keys.of(&record.agent).ok_or_else(tampered)?;
    if !key.verify(DOMAIN, body.as_bytes(), sig) {
        return Err(tampered());
    }
    Ok(Some(record))
}

/// The agents' public keys from the signed roster, read once and only when needed.
struct Keys<'a> {
    vault_dir: &'a Path,
    config: &'a crate::vault::VaultToml,
    roster: Option<Vec<crate::roster::Entry>>,
}

impl Keys<'_> {
    fn of(&mut self, agent: &str) -> Option<crate::crypto::PublicKey> {
        if self.roster.is_none() {
            self.roster =
                Some(crate::roster::read(self.vault_dir, self.config).unwrap_or_default());
        }
        self.roster
            .as_ref()?
            .iter()
            .find(|e| e.name == agent)
            .and_then(|e| crate::crypto::PublicKey::parse(&e.public_key))
    }
}

/// Revokes every handle of `record` at OpenBao. One already gone (expired, revoked by someone
/// else) counts as revoked. With `check`, for a record read from disk, a token is revoked only if
/// OpenBao's own metadata says it was created for this record's credential in this vault: a
/// record signed by one agent's key cannot name another credential's token.
pub fn revoke(client: &Client, record: &Record, check: bool) -> Result<()> {
    for h in &record.handles {
        if let (true, Handle::Token { accessor, .. }) = (check, h) {
            let reply = client.call(
                "POST",
                "auth/token/lookup-accessor",
                Some(&json!({ "accessor": accessor })),
            )?;
            if reply.status == 400 {
                continue;
            }
            if reply.status != 200 {
                return Err(client.failed("looking up a token by accessor", reply.errors()));
            }
            let meta = reply.body.pointer("/data/meta");
            let field = |k: &str| {
                meta.and_then(|m| m.get(k))
                    .and_then(serde_json::Value::as_str)
            };
            if field("agentcred_credential") != Some(record.credential.as_str())
                || field("agentcred_vault") != Some(record.vault.as_str())
            {
                return Err(Error::bad_data(format!(
                    "the OpenBao record of credential {} names a token that was not created for it",
                    record.credential
                ))
                .hint("it was left alone: remove the record once you know where it came from"));
            }
        }
        let (method, path, body) = match h {
            Handle::Token { accessor, .. } => (
                "POST",
                "auth/token/revoke-accessor",
                json!({ "accessor": accessor }),
            ),
            Handle::Lease { lease_id, .. } => {
                ("PUT", "sys/leases/revoke", json!({ "lease_id": lease_id }))
            }
        };
        let reply = client.call(method, path, Some(&body))?;
        let gone = reply.status == 400 && {
            let e = reply.errors().to_ascii_lowercase();
            e.contains("invalid accessor") || e.contains("invalid lease") || e.contains("not found")
        };
        if !(200..300).contains(&reply.status) && !gone {
            return Err(client.failed(
                &format!("revoking the {} of secret {}", h.kind(), h.secret()),
                reply.errors(),
            ));
        }
    }
    Ok(())
}

/// The `openbao.revoke` entry for a credential's handles (kinds and secrets, never an id).
fn entry(record: &Record, ended_by: &str, outcome: std::result::Result<(), &Error>) -> Event {
    let mut e = Event::new(format!("agent:{}", record.agent), Action::OpenbaoRevoke)
        .agent(&record.agent)
        .secrets(record.handles.iter().map(|h| h.secret().to_string()))
        .details(json!({
            "ended_by": ended_by,
            "tokens": record.handles.iter().filter(|h| matches!(h, Handle::Token { .. })).count(),
            "leases": record.handles.iter().filter(|h| matches!(h, Handle::Lease { .. })).count(),
        }));
    e.credential_id = Some(record.credential.clone());
    if let Err(err) = outcome {
        e = e.outcome(Outcome::Error, err.to_string());
    }
    e
}

/// Revokes what `record` (kept in memory since its credential was issued) holds, now that its
/// credential ends (`ended_by`): the record goes once OpenBao confirmed; otherwise it stays, with
/// the error beside it, for [`sweep`].
pub fn release(
    vault_dir: &Path,
    config: &crate::vault::VaultToml,
    record: &Record,
    ended_by: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let result = client(vault_dir).and_then(|c| revoke(&c, record, false));
    finish(vault_dir, config, record, ended_by, result, now)
}

/// A client for revocations: a short timeout, since a command waits for it.
fn client(vault_dir: &Path) -> Result<Client> {
    let mut settings = crate::settings::Settings::load(vault_dir)?.openbao;
    settings.timeout_secs = Some(
        settings
            .timeout_secs
            .unwrap_or(SWEEP_TIMEOUT_SECS)
            .min(SWEEP_TIMEOUT_SECS),
    );
    Client::new(&settings)
}

/// Records the outcome of revoking `record`: the entry, then the file gone or the error kept.
fn finish(
    vault_dir: &Path,
    config: &crate::vault::VaultToml,
    record: &Record,
    ended_by: &str,
    result: Result<()>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let event = entry(record, ended_by, result.as_ref().map(|_| ()));
    let _ = crate::session::append(vault_dir, config, now, vec![event], &[]);
    match result {
        Ok(()) => {
            let _ = crate::vault::fsio::remove_file(&error_path(vault_dir, &record.credential));
            let _ = crate::vault::fsio::remove_file(&path(vault_dir, &record.credential));
            Ok(true)
        }
        Err(e) => {
            let _ = crate::vault::fsio::write_atomic(
                &error_path(vault_dir, &record.credential),
                format!("{}\n{}\n", crate::clock::rfc3339(now), e).as_bytes(),
            );
            Err(e)
        }
    }
}

/// Is there any record in `openbao/`? Cheap when there is none: one failed open.
pub fn any(vault_dir: &Path) -> bool {
    !recorded(vault_dir).is_empty()
}

/// The credential ids with a record in `openbao/`. Cheap when there are none: one failed open.
fn recorded(vault_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(vault_dir.join(DIR)) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.contains('.') && !n.starts_with('~'))
        .collect();
    ids.sort();
    ids
}

/// Revokes, for every record whose credential has ended (revoked, or expired), what it holds in
/// OpenBao. Run by every command that opens the vault; says what it could not do and leaves it
/// for the next. Holds no lock while it talks to OpenBao: two commands that sweep the same record
/// at once both revoke it, which OpenBao takes as one.
pub fn sweep(
    vault_dir: &Path,
    config: &crate::vault::VaultToml,
    now: DateTime<Utc>,
    say: &dyn Fn(&str),
) {
    let ids = recorded(vault_dir);
    if ids.is_empty() {
        return;
    }
    let Ok(revoked) = crate::credential::revocation::RevocationList::load(vault_dir, config, now)
    else {
        return;
    };
    let mut keys = Keys {
        vault_dir,
        config,
        roster: None,
    };
    let mut connected: Option<Result<Client>> = None;
    let mut unreachable = false;
    for id in ids {
        let record = match read(vault_dir, &id, &mut keys) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                say(&format!("warning: {e}"));
                continue;
            }
        };
        let ended_by = if is_revoked(&record, &revoked, &mut keys) {
            "revoked"
        } else if record.expires_at <= now {
            "expired"
        } else {
            continue;
        };
        // Once OpenBao did not answer, the other records wait for the next command: a hung
        // OpenBao costs a command one short timeout, not one per record.
        if unreachable {
            continue;
        }
        let c = connected.get_or_insert_with(|| client(vault_dir));
        let result = match c {
            Ok(c) => revoke(c, &record, true),
            Err(e) => Err(Error::new(e.kind(), e.to_string())),
        };
        unreachable = result
            .as_ref()
            .is_err_and(|e| e.kind() == crate::error::Kind::Upstream);
        if let Err(e) = finish(vault_dir, config, &record, ended_by, result, now) {
            say(&format!(
                "warning: credential {id} ended, but what it holds in OpenBao is not revoked yet: {e}"
            ));
            say("  the next agentcred command tries again; `agentcred status` lists it");
        }
    }
}

/// Is a block of `record`'s credential revoked by an authentic line: one signed by the admin, by
/// the credential's agent (public key from the roster), or by its one-off revoke key?
fn is_revoked(
    record: &Record,
    revoked: &crate::credential::revocation::RevocationList,
    keys: &mut Keys<'_>,
) -> bool {
    let revoke_keys: Vec<crate::crypto::PublicKey> = record
        .revoke_key
        .as_deref()
        .and_then(crate::crypto::PublicKey::parse)
        .into_iter()
        .collect();
    let chain_keys: Vec<(String, crate::crypto::PublicKey)> = keys
        .of(&record.agent)
        .map(|k| (record.agent.clone(), k))
        .into_iter()
        .collect();
    revoked.revokes_any(&record.chain, keys.config, &revoke_keys, &chain_keys)
}

/// A credential that ended with something still to revoke in OpenBao.
#[derive(Clone, Debug, Serialize)]
pub struct Pending {
    pub credential: String,
    pub agent: String,
    pub secrets: Vec<String>,
    /// The last attempt's error, if one was made.
    pub error: Option<String>,
}

/// What [`sweep`] has not managed to revoke yet (records whose signature checks, whose
/// credential was revoked or expired).
pub fn pending(
    vault_dir: &Path,
    config: &crate::vault::VaultToml,
    now: DateTime<Utc>,
) -> Vec<Pending> {
    let ids = recorded(vault_dir);
    if ids.is_empty() {
        return Vec::new();
    }
    let revoked = crate::credential::revocation::RevocationList::load(vault_dir, config, now).ok();
    let mut keys = Keys {
        vault_dir,
        config,
        roster: None,
    };
    ids.into_iter()
        .filter_map(|id| {
            let record = read(vault_dir, &id, &mut keys).ok().flatten()?;
            let ended = record.expires_at <= now
                || revoked
                    .as_ref()
                    .is_some_and(|r| is_revoked(&record, r, &mut keys));
            ended.then(|| Pending {
                error: std::fs::read_to_string(error_path(vault_dir, &id))
                    .ok()
                    .and_then(|t| t.lines().nth(1).map(str::to_string)),
                secrets: record
                    .handles
                    .iter()
                    .map(|h| h.secret().to_string())
                    .collect(),
                credential: id,
                agent: record.agent,
            })
        })
        .collect()
}

/// Renews a supervised run's leases while it lives: each one when less than a third of its
/// last TTL is left, by as much as the credential has left. Stops when dropped.
pub struct Renewer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Renewer {
    /// Nothing to do (no renewable lease) starts nothing.
    pub fn start(
        settings: super::Settings,
        record: &Record,
        clock: std::sync::Arc<dyn crate::clock::Clock>,
    ) -> Option<Renewer> {
        let mut leases: Vec<(String, u64, DateTime<Utc>)> = record
            .handles
            .iter()
            .filter_map(|h| match h {
                Handle::Lease {
                    lease_id,
                    duration_secs,
                    renewable: true,
                    ..
                } => Some((
                    lease_id.clone(),
                    *duration_secs,
                    clock.now() + chrono::Duration::seconds(*duration_secs as i64),
                )),
                _ => None,
            })
            .collect();
        if leases.is_empty() {
            return None;
        }
        let until = record.expires_at;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("openbao-renew".into())
            .spawn(move || {
                let mut settings = settings;
                settings.timeout_secs = Some(SWEEP_TIMEOUT_SECS);
                let Ok(client) = Client::new(&settings) else {
                    return;
                };
                loop {
                    let now = clock.now();
                    let next = leases
                        .iter()
                        .filter(|(_, _, at)| *at < until)
                        .map(|(_, d, at)| *at - chrono::Duration::seconds(*d as i64 / 3))
                        .min()
                        .unwrap_or(until);
                    let wait = (next - now)
                        .to_std()
                        .unwrap_or_default()
                        .max(std::time::Duration::from_millis(200));
                    match rx.recv_timeout(wait) {
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    let now = clock.now();
                    let left = (until - now).num_seconds();
                    if left <= 0 {
                        return;
                    }
                    for (id, duration, at) in &mut leases {
                        if *at - chrono::Duration::seconds(*duration as i64 / 3) > now
                            || *at >= until
                        {
                            continue;
                        }
                        let body = json!({ "lease_id": id, "increment": left });
                        if let Ok(reply) = client.call("PUT", "sys/leases/renew", Some(&body))
                            && reply.status == 200
                        {
                            let granted = reply
                                .body
                                .get("lease_duration")
                                .and_then(serde_json::Value::as_u64)
                                .unwrap_or(0);
                            if granted == 0 {
                                // At its maximum TTL: nothing more to renew.
                                *at = until;
                            } else {
                                *duration = granted;
                                *at = now + chrono::Duration::seconds(granted as i64);
                            }
                        } else {
                            // Tried again at the next wake-up, a little later.
                            *at = now + chrono::Duration::seconds(3 * 2);
                            *duration = 6;
                        }
                    }
                }
            })
            .ok()?;
        Some(Renewer {
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
