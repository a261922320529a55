//! The vault above storage: opening it (an interrupted commit is finished or undone by asking the
//! audit log), reading the admin state checked against the log, and making an admin change.
//!
//! These are methods of [`Vault`], so that a command reads `vault.update(…)`, but they live here:
//! storage (`vault/`) knows nothing of the files a change derives from the state, of the audit
//! log, or of rotation, and all of them take part in a change.
//!
//! Every change goes through [`Vault::update`], which owns the durability order (docs/DESIGN.md,
//! "Writes and commits"):
//!
//! 1. take the `lock` file; finish or undo a commit a crash interrupted; re-read `vault.toml` and
//!    `vault.age` (another process may have written);
//! 2. close the rotation windows that have ended, apply the change to the in-memory state (reading
//!    only the grant files it asks for), and bump the generation;
//! 3. check the writer signatures of the audit entries since the last checkpoint, chain the
//!    change's audit entries, and sign a checkpoint of the new audit head into the state;
//! 4. stage the grant files the change rewrote, the new `vault.age` (which pins them by hash), the
//!    envelopes the change touched, `agents/index`, `agents/roster` and `vault.toml` in
//!    `.staging/`, sync them, and write `commit.journal` naming their renames;
//! 5. append the change's revocations, then its audit entries, durably: the audit append is the
//!    commit point. If it fails, the staged files are dropped and nothing changed;
//! 6. rename the staged files into place, sync the directories, remove the journal.
//!
//! A crash before the audit append is undone by the next command that opens the vault; a crash
//! after it is rolled forward, since the audit entry the journal names is on the log. Revocations
//! appended before a failed audit append stay (see `commit`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::audit::{self, Event};
use crate::credential::revocation::{self, Revocation};
use crate::envelope;
use crate::error::{Error, Result};
use crate::grant::Grant;
use crate::vault::config::UnlockKind;
use crate::vault::grants::Grants;
use crate::vault::{AdminKey, InitOptions, State, Vault, VaultToml, fsio, lock, state};

impl Vault {
    /// Opens an existing vault: checks it exists and is private, finishes or undoes a commit a
    /// crash interrupted, and reads `vault.toml`.
    pub fn open(dir: &Path) -> Result<Vault> {
        Vault::open_with(dir, |seq, hash| audit::committed(dir, seq, hash))
    }

    /// Creates a new vault in `dir` and returns it with its first state.
    pub fn init(dir: &Path, opts: InitOptions, now: DateTime<Utc>) -> Result<(Vault, State)> {
        let (mut vault, mut state, _lock) = Vault::create(dir, opts, now)?;
        // A leftover log from an interrupted init belongs to no vault: start the chain afresh.
        let _ = std::fs::remove_file(dir.join(audit::FILE));
        let event = Event::admin(crate::audit::Action::VaultInit).details(serde_json::json!({
            "vault_id": vault.config.vault_id,
            "unlock": match vault.config.unlock { UnlockKind::Passphrase => "passphrase", UnlockKind::Identity => "identity" },
            "recipients": vault.config.recipients.len(),
        }));
        let mut grants = Grants::default();
        commit(
            &mut vault,
            &mut state,
            &mut grants,
            Envelopes::default(),
            vec![event],
            now,
        )?;
        Ok((vault, state))
    }

    /// Reads and authenticates the admin state, and refuses one older than the audit log has seen.
    /// The process then holds the issuer key for the audit entries it writes.
    pub fn load_state(&self, admin: &AdminKey) -> Result<State> {
        let what = self.state_path().display().to_string();
        let state = audit::rollback::checked(&self.dir, &what, || {
            let index = envelope::Index::read(&self.dir, &self.config)?.generation;
            self.read_state(admin, index).map(|s| {
                let g = s.generation;
                (s, g)
            })
        })?;
        audit::sign::hold_issuer(state.signing_issuer()?, state.generation);
        Ok(state)
    }

    /// Proves that `admin` opens this vault's current, authentic state, without parsing it: for
    /// commands that read only public, signed files (the roster) but must not run on a vault
    /// whose state was tampered with or rolled back.
    pub fn check_state(&self, admin: &AdminKey) -> Result<()> {
        let what = self.state_path().display().to_string();
        audit::rollback::checked(&self.dir, &what, || {
            let index = envelope::Index::read(&self.dir, &self.config)?.generation;
            Ok(((), self.verify_state(admin, index)?))
        })
    }

    /// The state with every grant, by id: for a list of them all. A grant file that does not match
    /// the state may be one a commit in progress is replacing: the state and the files are read
    /// once more after it has finished.
    pub fn load_grants(&self, admin: &AdminKey) -> Result<(State, BTreeMap<String, Grant>)> {
        let read = || -> Result<(State, BTreeMap<String, Grant>)> {
            let state = self.load_state(admin)?;
            let mut grants = Grants::default();
            grants.load_all(self, admin, &state.grant_files)?;
            Ok((state, grants.into_loaded()))
        };
        match read() {
            Err(e) if e.kind() == crate::error::Kind::BadData => {
                audit::rollback::settle(&self.dir)?;
                read()
            }
            other => other,
        }
    }

    /// Applies `change` to the newest state under the lock and commits it with its audit entries
    /// (see the module documentation for the order). Nothing is written if `change` fails.
    pub fn update<T>(
        &mut self,
        admin: &AdminKey,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Change<'_>) -> Result<(T, Vec<Event>)>,
    ) -> Result<T> {
        let _lock = lock::VaultLock::acquire(&self.dir)?;
        crate::vault::recover(&self.dir, |seq, hash| {
            audit::committed(&self.dir, seq, hash)
        })?;
        self.config = VaultToml::read(&Vault::config_path(&self.dir))?;
        let mut state = self.load_state(admin)?;
        let mut config = self.config.clone();
        let (value, events, plan, mut grants) = {
            let mut c = Change {
                state: &mut state,
                config: &mut config,
                now,
                vault: self,
                admin,
                grants: Grants::default(),
                plan: Envelopes::default(),
                abandoned: false,
            };
            // What rotation windows ended since the last change is destroyed first, and envelopes
            // still open to keys that expired since are rewritten without them.
            let mut events = crate::rotation::sweep(&mut c, &self.dir)?;
            crate::rotation::expire_keys(&mut c);
            let (value, more) = change(&mut c)?;
            if c.abandoned && events.is_empty() && more.is_empty() {
                // Nothing to do, and nothing ended since the last change: nothing is written.
                return Ok(value);
            }
            events.extend(more);
            (value, events, c.plan, c.grants)
        };
        if plan.all {
            // The recipients may have changed: every grant file is encrypted anew.
            grants.load_all(self, admin, &state.grant_files)?;
            grants.mark_all_dirty();
        } else {
            // The commit reads the grants of the envelopes it rewrites: read their files now.
            for agent in &plan.dirty {
                grants.read_agent(self, admin, &state.grant_files, agent)?;
            }
        }
        let previous = std::mem::replace(&mut self.config, config);
        if let Err(e) = commit(self, &mut state, &mut grants, plan, events, now) {
            self.config = previous;
            return Err(e);
        }
        // Grants hold no secret: thousands of them are freed on the side.
        if grants.loaded_count() >= BULK {
            crate::parallel::drop_later(grants);
        }
        Ok(value)
    }

    /// Runs the rotation sweep now if anything is due (a window ended), so that read-only admin
    /// commands destroy what they would otherwise only report. True if it ran.
    pub fn sweep_if_due(
        &mut self,
        admin: &AdminKey,
        state: &State,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if !crate::rotation::due(state, now) {
            return Ok(false);
        }
        self.update(admin, now, |_| Ok(((), vec![])))?;
        Ok(true)
    }

    /// Appends audit entries that change no state (an export, a read of secret values), under the
    /// lock, durably.
    pub fn record(&self, now: DateTime<Utc>, events: &[Event]) -> Result<audit::Head> {
        let _lock = lock::VaultLock::acquire(&self.dir)?;
        audit::append(&self.dir, now, events)
    }
}

/// From this many items on (envelopes rewritten, grants read, entries written) a commit takes
/// its bulk paths: grants sorted out by agent in one pass, large structures freed on the side.
pub(crate) const BULK: usize = 256;

/// How many envelopes a commit builds at a time (on every core) before writing them.
const ENVELOPE_SLICE: usize = 512;

/// Steps 3-6 of the durability order. The caller holds the lock.
fn commit(
    vault: &mut Vault,
    state: &mut State,
    grants: &mut Grants,
    plan: Envelopes,
    mut events: Vec<Event>,
    now: DateTime<Utc>,
) -> Result<()> {
    let dir = vault.dir.clone();
    // The checkpoint signed below vouches for every entry before it, signatures included:
    // those written since the last one are checked first, and a bad one refuses the change.
    let checked = check_unvouched(&dir, state)?;
    state.generation += 1;
    vault.config.generation = state.generation;
    // vault.toml's recipients and issuer keys are copies of the signed state's, rewritten
    // from it with every change; encryption uses the state's only.
    vault.config.copy_from(state.trusted());
    let recipients = state.all_recipients()?;
    let issuer = state.signing_issuer()?;

    // Envelopes of every agent the change touched, with refreshed authority tokens.
    let mut batch = fsio::Batch::new(&dir)?;
    let mut revocations = Vec::new();
    // Agents whose first envelope this change writes, and whether each is active: their calls
    // start here, and so does the activity the live checks count (§7.8 of docs/DESIGN.md).
    let mut first_envelopes: Vec<(String, bool)> = Vec::new();
    // An agent has an envelope once it needs one: once it has a key, or the admin acts as it.
    // Until then the file would be encrypted to the admin alone and hold nothing the state does
    // not (an applied policy of 10,000 agents without keys writes none), and the signed index
    // says it has none.
    let needs_envelope = |name: &String| {
        state.agents.get(name).is_some_and(|a| {
            a.envelope_generation > 0
                || plan.wanted.contains(name)
                || a.keys.iter().any(|k| k.usable_at(now))
        })
    };
    let targets: Vec<String> = if plan.all {
        state
            .agents
            .keys()
            .filter(|n| needs_envelope(n))
            .cloned()
            .collect()
    } else {
        plan.dirty
            .iter()
            .filter(|n| needs_envelope(n))
            .cloned()
            .collect()
    };
    fsio::private_subdir(&dir.join(envelope::DIR))?;
    if !targets.is_empty() || !plan.removed.is_empty() {
        // With many agents rewritten, one pass over the grants, not one per agent (each a scan of
        // its shard): bulk writes stay linear.
        let bulk = plan.all || targets.len() > BULK;
        let mut by_agent: std::collections::HashMap<String, Vec<Grant>> =
            std::collections::HashMap::new();
        if bulk {
            let wanted: std::collections::HashSet<&str> =
                targets.iter().map(String::as_str).collect();
            for g in grants
                .loaded()
                .filter(|g| wanted.contains(g.agent.as_str()))
            {
                by_agent.entry(g.agent.clone()).or_default().push(g.clone());
            }
        }
        let bar = (vault.progress && targets.len() >= 100).then(|| {
            let bar = indicatif::ProgressBar::new(targets.len() as u64)
                .with_message("re-encrypting agent envelopes");
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({eta})")
                    .expect("the template is valid"),
            );
            bar
        });
        let token_issuer = crate::token::Issuer::new(&issuer)?;
        // In slices, each built on every core: the authority tokens (which read the state), their
        // bookkeeping (which changes it), then the envelopes, signed and encrypted.
        for slice in targets.chunks(ENVELOPE_SLICE) {
            if let Some(b) = &bar {
                b.inc(slice.len() as u64);
            }
            let work: Vec<(&String, Vec<Grant>)> = slice
                .iter()
                .map(|name| {
                    let agent_grants = if bulk {
                        by_agent.remove(name.as_str()).unwrap_or_default()
                    } else {
                        grants.of_loaded_agent(name)
                    };
                    (name, agent_grants)
                })
                .collect();
            let issued = {
                let state: &State = state;
                let issuer = &token_issuer;
                crate::parallel::map(work, |(name, agent_grants)| {
                    let fresh = envelope::new_authority(state, name, &agent_grants, issuer, now);
                    (name, agent_grants, fresh)
                })
            };
            let mut sealing = Vec::with_capacity(issued.len());
            for (name, agent_grants, fresh) in issued {
                let (authority, record) = fresh?;
                let force = plan.revoke.contains(name);
                let stale = envelope::install_authority(state, name, record, force, now)?;
                for (old, from) in stale {
                    revocations.push(match from {
                        Some(f) => Revocation::by_admin_from(&old, name, None, f, &issuer, now),
                        None => Revocation::new(
                            crate::credential::revocation::By::Admin,
                            &old,
                            name,
                            None,
                            &issuer,
                            now,
                        ),
                    });
                }
                let generation = state.generation;
                let agent = state.agent_mut(name)?;
                if agent.envelope_generation == 0 {
                    let active = agent.status == crate::agent::Status::Active;
                    first_envelopes.push((name.clone(), active));
                }
                agent.envelope_generation = generation;
                sealing.push((name, agent_grants, authority));
            }
            let stager = batch.stager();
            let sealed = {
                let state: &State = state;
                crate::parallel::map(sealing, |(name, agent_grants, authority)| {
                    let env = envelope::Envelope::from_parts(state, name, agent_grants, authority)?;
                    let bytes = envelope::seal(&env, &recipients, &issuer, now)?;
                    let staged = stager.stage(&envelope::path(&dir, name), &bytes)?;
                    let key_end = env
                        .keys
                        .iter()
                        .filter(|k| k.usable_at(now))
                        .map(|k| k.expires_at)
                        .min();
                    Ok::<_, Error>((staged, key_end))
                })
            };
            for done in sealed {
                let (staged, key_end) = done?;
                batch.add(staged);
                if let Some(end) = key_end {
                    state.key_expiry.note(end);
                }
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        for (name, authority) in &plan.removed {
            batch.remove(&envelope::path(&dir, name));
            for id in authority {
                revocations.push(Revocation::new(
                    crate::credential::revocation::By::Admin,
                    id,
                    name,
                    None,
                    &issuer,
                    now,
                ));
            }
        }
    }
    for (id, agent, until, from) in &plan.credentials {
        revocations.push(match from {
            Some(f) => Revocation::by_admin_from(id, agent, *until, *f, &issuer, now),
            None => Revocation::new(
                crate::credential::revocation::By::Admin,
                id,
                agent,
                *until,
                &issuer,
                now,
            ),
        });
    }
    // The grant files the change rewrote, staged before the state that pins their hashes: renamed
    // into place first, so a reader that sees the new state finds them.
    grants.stage(&dir, &recipients, &mut state.grant_files, &mut batch)?;
    audit::sign::hold_issuer(issuer.clone(), state.generation);
    // The revocations are chained on (and the list pruned when due) now, so that the audit
    // entry can record the head they lead to.
    let revoked = revocation::prepare(&dir, &vault.config, &revocations, Some(&issuer), now)?;
    // The head the issuer signs into the index: every reader holds the list to it.
    let revocations_head = match &revoked {
        Some(r) => r.head.clone(),
        None => revocation::checked_head(&dir, &vault.config)?,
    };
    // Each first envelope on the log as `agent.envelope` (unless the change records it itself),
    // before the change's own last entry: the live checks count the agent's activity from it.
    let marks: Vec<Event> = first_envelopes
        .iter()
        .filter(|(name, _)| {
            !events.iter().any(|e| {
                e.action == audit::Action::AgentEnvelope && e.agent.as_deref() == Some(name)
            })
        })
        .map(|(name, _)| Event::admin(audit::Action::AgentEnvelope).agent(name))
        .collect();
    let at = events.len().saturating_sub(1);
    events.splice(at..at, marks);
    if let (Some(r), Some(last)) = (&revoked, events.last_mut()) {
        r.record_in(last);
    }
    let prepared = audit::prepare_change(&dir, now, &events)?;
    // The checkpoint vouches for what was checked above: nothing may have come in between.
    if (prepared.after.seq, prepared.after.hash.as_str()) != (checked.0, checked.1.as_str()) {
        return Err(Error::bad_data(format!(
            "the audit log changed while this change held the vault lock (seq {} when it was checked, seq {} now); nothing was changed",
            checked.0, prepared.after.seq
        ))
        .hint("something else writes this vault without its lock: stop it, run `agentcred audit verify`, then run the command again"));
    }
    // The activity of an active agent given its first envelope, anchored where this change's
    // entries will end: empty, as a replay of the log makes it (its activity counts from the
    // `agent.envelope` entry, and an active agent is not suspended: only an `agent.suspend`
    // suspends, the admin's is lifted by `agent.resume`, the agent's own needs a call, and
    // `check_unvouched` refuses this change over one signed by any other key). Until now it
    // could make no call: a call opens its envelope, and the admin acting as it writes the
    // envelope first.
    // Written before the append, as every call writes its own: if the change does not commit,
    // the anchor names no entry and the first call rebuilds the summary from the log.
    if first_envelopes.iter().any(|(_, active)| *active) {
        let keys: Vec<(&str, &crate::sensitive::SecretText)> = first_envelopes
            .iter()
            .filter(|(_, active)| *active)
            .filter_map(|(n, _)| state.agents.get(n).map(|a| (n.as_str(), &a.signing_key)))
            .collect();
        for e in audit::activity::reset_many(&dir, keys, &prepared.end_position()) {
            if let Some(warn) = &vault.warn {
                warn(&format!("warning: {e}"));
            }
        }
    }
    if events.len() >= BULK {
        // An applied policy's 100,000 entries (which hold no secret) are freed on the side.
        crate::parallel::drop_later(events);
    }
    let ts = crate::clock::rfc3339(now);
    state.checkpoints.push(state::Checkpoint::sign_checked(
        &state.vault_id,
        (prepared.head.seq, prepared.end_position().end),
        &prepared.head.hash,
        &ts,
        &issuer,
    ));
    if state.checkpoints.len() > state::MAX_CHECKPOINTS {
        let excess = state.checkpoints.len() - state::MAX_CHECKPOINTS;
        state.checkpoints.drain(..excess);
    }
    // The index and the roster carry the generation: rewritten with every change, so that an
    // older copy put back is refused. They are rendered on the second core while this one
    // serialises and encrypts the state.
    let state: &State = state;
    let vault: &Vault = vault;
    let lists = std::thread::scope(|scope| -> Result<(String, String, String)> {
        let lists = scope.spawn(|| {
            (
                envelope::Index::render(state, &issuer, &revocations_head),
                crate::roster::render(state, &issuer),
                crate::roster::secrets::render(state, &issuer),
            )
        });
        vault.stage_state(&mut batch, state, &recipients, &issuer)?;
        Ok(lists
            .join()
            .expect("rendering the index and roster does not panic"))
    })?;
    batch.write(&envelope::Index::path(&dir), lists.0.as_bytes())?;
    batch.write(&crate::roster::path(&dir), lists.1.as_bytes())?;
    batch.write(&crate::roster::secrets::path(&dir), lists.2.as_bytes())?;
    vault.stage_config(&mut batch)?;
    // The audit append is the commit point: before it the change is rolled back, after it
    // rolled forward, whatever stops this process (see `fsio::Batch::commit_journaled`).
    // Revocations go first: if anything after fails, an authority may be revoked while still
    // current, and the next change to that agent replaces it (`refresh_authority`).
    let head = prepared.head.clone();
    batch.commit_journaled(&dir, (head.seq, &head.hash), prepared.span(), || {
        if let Some(r) = revoked {
            r.write()?;
        }
        prepared.write().map(drop)
    })?;
    if let Some(warning) = state
        .checkpoints
        .last()
        .and_then(|c| audit::witness::put(&dir, c))
        && let Some(warn) = &vault.warn
    {
        warn(&format!("warning: {warning}"));
    }
    Ok(())
}

/// Checks the writer signatures (and the chain) of the audit entries that no checked checkpoint in
/// `state` vouches for yet, reading from the last such checkpoint on, and returns where the log
/// ends (seq and hash). The caller holds the lock.
fn check_unvouched(dir: &Path, state: &State) -> Result<(u64, String)> {
    let anchors: Vec<_> = state
        .checkpoints
        .iter()
        // The state is sealed by the issuer: its checkpoints are the ones this vault signed.
        .map(|c| audit::verify::Anchor::of(c, "vault state", c.checked.is_some()))
        .collect();
    let expect = audit::verify::Expect {
        keys: audit::verify::Keys::of_state(state),
        ..Default::default()
    };
    let report = audit::verify::since_checked(dir, &anchors, expect)?;
    match report.problem {
        None => Ok((report.entries, report.head)),
        Some(p) => Err(Error::bad_data(format!(
            "the audit log fails verification at seq {}: {}; nothing was changed, and no checkpoint is signed over it",
            p.seq, p.message
        ))
        .hint("run `agentcred audit verify`, keep a copy of audit.jsonl as it is now, and compare it with a backup")),
    }
}

/// A credential to revoke: id, agent, its expiry, and when the revocation takes effect.
type Credential = (String, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// What a change asks the commit to do beyond the state: envelopes to rewrite or remove, and
/// credentials to revoke.
#[derive(Default)]
struct Envelopes {
    dirty: BTreeSet<String>,
    revoke: BTreeSet<String>,
    removed: Vec<(String, Vec<String>)>,
    all: bool,
    credentials: Vec<Credential>,
    /// Agents whose envelope is written even though no key can open it (see
    /// [`Change::write_envelope`]).
    wanted: BTreeSet<String>,
}

/// What a change may touch: the state, the grants and the public settings, at one instant.
pub struct Change<'a> {
    pub state: &'a mut State,
    pub config: &'a mut VaultToml,
    pub now: DateTime<Utc>,
    vault: &'a Vault,
    admin: &'a AdminKey,
    grants: Grants,
    plan: Envelopes,
    abandoned: bool,
}

impl Change<'_> {
    /// The change found nothing to do and changed nothing: unless the rotation sweep before it
    /// ended something, nothing is committed (the generation stays as it is).
    pub fn abandon(&mut self) {
        self.abandoned = true;
    }

    /// The agent's envelope must be rewritten (its grants, keys, settings or secrets changed).
    pub fn touch(&mut self, agent: &str) {
        self.plan.dirty.insert(agent.to_string());
    }

    /// Writes `agent`'s envelope even if no key can open it yet: the admin is about to act as
    /// the agent, which it does from the agent's envelope like a key holder.
    pub fn write_envelope(&mut self, agent: &str) {
        self.plan.wanted.insert(agent.to_string());
        self.touch(agent);
    }

    /// Rewrite the agent's envelope and revoke every credential minted so far (its rights
    /// narrowed, or it was suspended).
    pub fn revoke_outstanding(&mut self, agent: &str) {
        self.touch(agent);
        self.plan.revoke.insert(agent.to_string());
    }

    /// The grants of `agent`.
    pub fn grants_of(&mut self, agent: &str) -> Result<Vec<Grant>> {
        self.grants
            .of_agent(self.vault, self.admin, &self.state.grant_files, agent)
    }

    /// The agents granted `secret` (by an allow or a deny).
    pub fn grantees(&mut self, secret: &str) -> Result<BTreeSet<String>> {
        Ok(self
            .grants
            .of_secret(self.vault, self.admin, &self.state.grant_files, secret)?
            .into_iter()
            .map(|g| g.agent)
            .collect())
    }

    /// Adds a grant (the caller touches the agent's envelope).
    pub fn add_grant(&mut self, grant: Grant) -> Result<()> {
        self.grants
            .insert(self.vault, self.admin, &self.state.grant_files, grant)
    }

    /// Removes the grant `id`, if there is one (the caller touches the agent's envelope).
    pub fn remove_grant(&mut self, id: &str) -> Result<Option<Grant>> {
        Ok(self
            .grants
            .remove_where(self.vault, self.admin, &self.state.grant_files, None, |g| {
                g.id == id
            })?
            .pop())
    }

    /// Reads every grant file (for a change that compares or rewrites all the grants).
    pub fn load_all_grants(&mut self) -> Result<()> {
        self.grants
            .load_all(self.vault, self.admin, &self.state.grant_files)
    }

    /// Every grant read so far (all of them after [`Change::load_all_grants`]).
    pub fn loaded_grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.loaded()
    }

    /// Removes every grant `remove` picks, in one pass over the grant files (the caller touches
    /// the agents' envelopes).
    pub fn remove_grants_where(&mut self, remove: impl Fn(&Grant) -> bool) -> Result<Vec<Grant>> {
        self.grants.remove_where(
            self.vault,
            self.admin,
            &self.state.grant_files,
            None,
            remove,
        )
    }

    /// Removes every grant of `secret`.
    pub fn remove_grants_of_secret(&mut self, secret: &str) -> Result<()> {
        let shards = self.state.grant_files.shards_of(secret);
        self.grants.remove_where(
            self.vault,
            self.admin,
            &self.state.grant_files,
            Some(shards),
            |g| g.secret == secret,
        )?;
        Ok(())
    }

    /// Every agent granted `secret` gets a fresh envelope (its value changed).
    pub fn touch_grantees(&mut self, secret: &str) -> Result<()> {
        for a in self.grantees(secret)? {
            self.touch(&a);
        }
        Ok(())
    }

    /// Revokes one credential (or any token block) by id, signed by the issuer at commit.
    pub fn revoke_credential(&mut self, id: &str, agent: &str, until: Option<DateTime<Utc>>) {
        self.plan
            .credentials
            .push((id.to_string(), agent.to_string(), until, None));
    }

    /// Revokes one credential from `from` on (the end of an overlap window).
    pub fn revoke_credential_from(
        &mut self,
        id: &str,
        agent: &str,
        until: Option<DateTime<Utc>>,
        from: DateTime<Utc>,
    ) {
        self.plan
            .credentials
            .push((id.to_string(), agent.to_string(), until, Some(from)));
    }

    /// Revokes, from `from` on, every authority `agent` has had so far: a key that could read
    /// them stops working then (the end of a rotation's overlap).
    pub fn retire_authorities(&mut self, agent: &str, from: DateTime<Utc>) -> Result<()> {
        let a = self.state.agent(agent)?;
        let ids: Vec<(String, Option<DateTime<Utc>>)> = a
            .authority
            .iter()
            .map(|x| (x.id.clone(), x.expires_at))
            .chain(
                a.superseded_authorities
                    .iter()
                    .map(|x| (x.id.clone(), x.expires_at)),
            )
            .collect();
        for (id, until) in ids {
            if until.is_none_or(|u| u > from) {
                self.revoke_credential_from(&id, agent, until, from);
            }
        }
        Ok(())
    }

    /// Every envelope is rewritten (recipients or issuer key changed).
    pub fn touch_all(&mut self) {
        self.plan.all = true;
    }

    /// Removes an agent with its grants; its envelope is deleted and its tokens revoked.
    pub fn remove_agent(&mut self, agent: &str) -> Result<()> {
        let removed = self
            .state
            .agents
            .remove(agent)
            .ok_or_else(|| state::unknown_agent(agent))?;
        let shard = crate::vault::grants::shard_of(agent);
        self.grants.remove_where(
            self.vault,
            self.admin,
            &self.state.grant_files,
            Some(vec![shard]),
            |g| g.agent == agent,
        )?;
        self.plan.dirty.remove(agent);
        let mut ids: Vec<String> = removed
            .superseded_authorities
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.extend(removed.authority.map(|a| a.id));
        self.plan.removed.push((agent.to_string(), ids));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// Storage checks the modes of the files the layers above keep in the vault by name: the list
    /// must name every one of them.
    #[test]
    fn storage_checks_every_file_the_layers_above_keep() {
        for file in [
            crate::audit::FILE,
            crate::settings::FILE,
            crate::credential::revocation::FILE,
            crate::credential::ledger::FILE,
            crate::envelope::DIR,
            "agents/index",
            "agents/roster",
            "agents/secrets",
            crate::audit::activity::DIR,
            crate::audit::activity::SUSPENDED_DIR,
            crate::exec::running::DIR,
            crate::openbao::handles::DIR,
        ] {
            assert!(crate::vault::FILES_ABOVE.contains(&file), "{file}");
        }
    }
}
