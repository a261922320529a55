//! The application layer: one call's view of the vault, between the commands and storage.
//!
//! A [`Session`] holds the opened vault, the time the call is decided at and the clock for what
//! is recorded later. Every path that checks a token, records a refusal or appends an agent's
//! records goes through it, so that each of those is written once: [`Session::verify_token`]
//! (issuer keys, revocation list, `token::verify`), [`Session::refuse`] (the `deny` entry and the
//! live checks) and [`append`] (one lock; revocations chained on and written beside their entry).
//! The credential paths built on it are in `credential/`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::audit::{Action, Attempt, Event, Outcome};
use crate::clock::Clock;
use crate::credential::revocation::{self, Revocation, RevocationList};
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::key::{AgentKey, KeyRecord};
use crate::sensitive::SecretText;
use crate::token::{self, TokenInfo};
use crate::vault::{AdminKey, Vault, VaultToml};
use crate::watch::Limits;

/// Who is acting: the admin, or an agent through its key.
pub enum Principal {
    Admin(AdminKey),
    Agent(AgentKey),
}

/// Where the core reports what must not fail a call (a ledger line or an alert that could not be
/// written, a credential about to expire): the command decides how to show it.
pub type Say = Arc<dyn Fn(&str) + Send + Sync>;

/// One call against an opened vault.
pub struct Session<'v> {
    pub vault: &'v Vault,
    /// The time the call is decided at: every check and record of the decision uses it.
    pub now: DateTime<Utc>,
    clock: Arc<dyn Clock>,
    say: Say,
}

/// An agent's envelope opened for a call, the key that opened it (none for the admin) and the
/// audit actor (`admin`, `key:ID`).
pub struct Opened {
    pub envelope: Envelope,
    pub key: Option<KeyRecord>,
    pub actor: String,
}

impl Opened {
    pub fn agent(&self) -> &str {
        &self.envelope.agent
    }

    pub fn limits(&self) -> Limits<'_> {
        Limits::of(&self.envelope, self.key.as_ref())
    }

    pub fn caller(&self) -> Caller<'_> {
        Caller {
            actor: &self.actor,
            agent: &self.envelope.agent,
            limits: self.limits(),
        }
    }
}

/// Whom a refusal is recorded against, and what the live checks enforce for them.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub actor: &'a str,
    pub agent: &'a str,
    pub limits: Limits<'a>,
}

impl<'v> Session<'v> {
    pub fn new(vault: &'v Vault, clock: Arc<dyn Clock>, say: Say) -> Session<'v> {
        Session {
            vault,
            now: clock.now(),
            clock,
            say,
        }
    }

    /// The clock's time now, for what is recorded after the decision (a run's end).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn say(&self) -> &Say {
        &self.say
    }

    /// The envelope to act from: the admin reads the state; an agent key holder opens its own
    /// envelope and nothing else.
    pub fn open_envelope(&self, principal: Principal, agent: Option<&str>) -> Result<Opened> {
        if let Some(a) = agent {
            crate::agent::validate_name(a)?;
        }
        match principal {
            Principal::Admin(admin) => {
                let agent = agent.ok_or_else(|| {
                    Error::usage("which agent? pass --agent NAME")
                        .hint("see `agentcred agent list`")
                })?;
                Ok(Opened {
                    envelope: Envelope::open_as_admin(self.vault, &admin, agent, self.clock.now())?,
                    key: None,
                    actor: "admin".to_string(),
                })
            }
            Principal::Agent(key) => {
                if let Some(a) = agent.filter(|a| *a != key.agent) {
                    return Err(Error::denied(format!(
                        "this key belongs to agent {}, not {a}",
                        key.agent
                    ))
                    .hint("an agent key can act only for its own agent"));
                }
                let envelope = Envelope::open_with_key(self.vault, &key)?;
                let record = envelope
                    .keys
                    .iter()
                    .find(|k| k.id == key.id)
                    .cloned()
                    .ok_or_else(|| {
                        Error::cannot_unlock(format!(
                            "key {} is not a key of agent {}",
                            key.id, key.agent
                        ))
                    })?;
                Ok(Opened {
                    envelope,
                    key: Some(record),
                    actor: format!("key:{}", key.id),
                })
            }
        }
    }

    /// What checks tokens against this vault: its issuer keys and its revocation list, read once.
    pub fn tokens(&self) -> Result<TokenCheck<'v>> {
        TokenCheck::load(self.vault, self.now)
    }

    /// Checks a token: issuer, expiry, revocation, and `request`.
    pub fn verify_token(&self, token: &SecretText, request: &token::Request) -> Result<TokenInfo> {
        self.tokens()?.verify(token.expose_secret(), request)
    }

    /// Records a refusal on the audit log (`deny`, seen by the live anomaly checks), then returns
    /// the refusal itself. Anything but a denial (bad input, a broken file) is returned as it is,
    /// unrecorded.
    pub fn refuse(
        &self,
        caller: Caller<'_>,
        attempted: Attempt,
        secrets: &[String],
        denial: Error,
    ) -> Error {
        if !denial.is_denied() {
            return denial;
        }
        let event = Event::new(caller.actor, Action::Deny)
            .agent(caller.agent)
            .secrets(secrets.iter().cloned())
            .outcome(Outcome::Denied, denial.to_string())
            .details(serde_json::json!({ "attempted": attempted }));
        let call = crate::watch::Call {
            agent: caller.agent,
            actor: caller.actor,
            limits: caller.limits,
            authority_id: None,
        };
        let say = |m: &str| (self.say)(m);
        match crate::watch::record(self.vault, &call, vec![event], || Ok(()), &say, self.now) {
            Ok(_) => denial,
            Err(audit_error) => audit_error,
        }
    }

    /// Appends an agent's records at the clock's time now: see [`append`].
    pub fn append(&self, events: Vec<Event>, revocations: &[Revocation]) -> Result<()> {
        append(
            &self.vault.dir,
            &self.vault.config,
            self.clock.now(),
            events,
            revocations,
        )
    }
}

/// Appends records written on an agent's side (not an admin commit): `events` to the audit log
/// and `revocations` to the revocation list, under the vault lock. See [`append_locked`].
pub fn append(
    dir: &std::path::Path,
    config: &VaultToml,
    now: DateTime<Utc>,
    events: Vec<Event>,
    revocations: &[Revocation],
) -> Result<()> {
    let _lock = crate::vault::lock::VaultLock::acquire(dir)?;
    append_locked(dir, config, now, events, revocations)
}

/// [`append`] for a caller that holds the lock. The revocations are chained on to the list and
/// the last event records the head they lead to; then the two files are written side by side
/// (two fsyncs at once rather than one after the other: a reader that finds the log ahead of the
/// list waits for the lock and looks again).
pub fn append_locked(
    dir: &std::path::Path,
    config: &VaultToml,
    now: DateTime<Utc>,
    mut events: Vec<Event>,
    revocations: &[Revocation],
) -> Result<()> {
    let revoked = if revocations.is_empty() {
        None
    } else {
        revocation::prepare(dir, config, revocations, None, now)?
    };
    let Some(revoked) = revoked else {
        return crate::audit::append(dir, now, &events).map(drop);
    };
    if let Some(last) = events.last_mut() {
        revoked.record_in(last);
    }
    std::thread::scope(|scope| {
        let written = scope.spawn(|| revoked.write());
        let logged = crate::audit::append(dir, now, &events);
        written
            .join()
            .expect("appending a revocation does not panic")?;
        logged.map(drop)
    })
}

/// Checks tokens against one vault's issuer keys and revocation list.
pub struct TokenCheck<'v> {
    vault: &'v Vault,
    now: DateTime<Utc>,
    revoked: RevocationList,
    keys: Box<dyn Fn(u32) -> Option<crate::crypto::PublicKey> + 'v>,
    /// Credentials also to refuse: those of `exec` supervisors that died, not yet on the list.
    dead: std::collections::HashSet<String>,
}

impl<'v> TokenCheck<'v> {
    pub fn load(vault: &'v Vault, now: DateTime<Utc>) -> Result<TokenCheck<'v>> {
        Ok(TokenCheck {
            vault,
            now,
            revoked: RevocationList::load(&vault.dir, &vault.config, now)?,
            keys: Box::new(token::issuer_lookup(&vault.config, now)),
            dead: std::collections::HashSet::new(),
        })
    }

    /// Refuses these credentials too, as if revoked.
    #[must_use]
    pub fn refusing(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        self.dead.extend(ids);
        self
    }

    pub fn verify(&self, token: &str, request: &token::Request) -> Result<TokenInfo> {
        let config = &self.vault.config;
        token::verify(
            token,
            &self.keys,
            &|id, info| self.dead.contains(id) || self.revoked.is_revoked(id, config, info),
            self.now,
            request,
        )
    }

    /// The issuer keys, for building on a token already checked.
    pub fn keys(&self) -> token::KeyLookup<'_> {
        &self.keys
    }

    /// The revocation list's head, as the verdict records it.
    pub fn revocations(&self) -> &RevocationList {
        &self.revoked
    }
}
