//! The vault directory (docs/DESIGN.md, "Files in a vault"): opening it, unlocking its state, and
//! changing it safely.
//!
//! Every change goes through [`Vault::update`], which owns the durability order (docs/DESIGN.md,
//! "Writes and commits"):
//!
//! 1. take the `lock` file; finish or undo a commit a crash interrupted; re-read `vault.toml` and
//!    `vault.age` (another process may have written);
//! 2. close the rotation windows that have ended, apply the change to the in-memory state, and bump
//!    the generation;
//! 3. check the writer signatures of the audit entries since the last checkpoint, chain the
//!    change's audit entries, and sign a checkpoint of the new audit head into the state;
//! 4. stage the new `vault.age`, the envelopes the change touched, `agents/index`, `agents/roster`
//!    and `vault.toml` in `.staging/`, sync them, and write `commit.journal` naming their renames;
//! 5. append the change's revocations, then its audit entries, durably: the audit append is the
//!    commit point. If it fails, the staged files are dropped and nothing changed;
//! 6. rename the staged files into place, sync the directories, remove the journal.
//!
//! A crash before the audit append is undone by the next command that opens the vault; a crash
//! after it is rolled forward, since the audit entry the journal names is on the log. Revocations
//! appended before a failed audit append stay (see `Vault::commit`).

pub mod config;
pub mod fsio;
pub mod lock;
pub mod state;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::audit::{self, Event};
use crate::crypto::{self, KdfParams, KeyPair};
use crate::error::{Error, Result};
use crate::sensitive::SecretText;
pub use config::VaultToml;
use config::{Kdf, Recipient, UnlockKind};
pub use state::State;

pub const STATE_FILE: &str = "vault.age";
pub const CONFIG_FILE: &str = "vault.toml";
pub const STATE_KIND: &str = "agentcred-state-v1";

/// The directory a vault lives in: `--vault`, else `AGENTCRED_HOME`, else the platform data dir
/// under `$HOME`.
///
/// Without `HOME` there is no default: the platform crate would then ask the system's user
/// database, which can load NSS modules (LDAP, sssd) into a process that holds keys, and which a
/// statically linked build cannot load safely at all.
pub fn locate(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os("AGENTCRED_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let no_default = || {
        Error::config("no default vault: HOME is not set")
            .hint("pass --vault DIR or set AGENTCRED_HOME")
    };
    if std::env::var_os("HOME").is_none_or(|h| h.is_empty()) {
        return Err(no_default());
    }
    directories::ProjectDirs::from("", "", "agentcred")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(no_default)
}

/// What can open the admin state: the identities that decrypt `vault.age`.
pub struct AdminKey {
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
    /// The X25519 identity, when the unlock input was one (passphrase or a plain identity file):
    /// what `identity export` prints.
    exportable: Option<age::x25519::Identity>,
    /// The vaults an identity file says it is the admin identity of ([`IDENTITY_VAULT_LINE`]).
    vault_ids: Vec<String>,
}

/// The comment line that names the vault an admin identity file belongs to, followed by its id:
/// `identity export` and `init --identity-out` write it. Anybody who can write the vault
/// directory can swap it for a vault of their own that is also encrypted to this identity (it only
/// takes the public recipient), so a file that names its vault unlocks no other.
pub const IDENTITY_VAULT_LINE: &str = "# agentcred admin identity for vault ";

impl AdminKey {
    /// Is this key one of the vault's recipients? Then a file it cannot open was tampered with,
    /// not opened with the wrong key.
    fn is_recipient_of(&self, config: &VaultToml) -> bool {
        self.exportable.as_ref().is_some_and(|id| {
            let public = id.to_public().to_string();
            config.admin_recipient == public
                || config.recipients.iter().any(|r| r.recipient == public)
        })
    }
}

impl AdminKey {
    pub fn from_x25519(identity: age::x25519::Identity) -> AdminKey {
        AdminKey {
            identities: vec![Box::new(identity.clone())],
            exportable: Some(identity),
            vault_ids: vec![],
        }
    }

    pub fn from_identity_file(path: &Path) -> Result<AdminKey> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("cannot read identity file", path, e))?;
        let file = age::IdentityFile::from_buffer(text.as_bytes()).map_err(|_| {
            Error::cannot_unlock(format!("{} is not an age identity file", path.display()))
                .hint("an identity file holds lines like AGE-SECRET-KEY-1… (see age-keygen)")
        })?;
        let identities = file.into_identities().map_err(|_| {
            Error::cannot_unlock(format!(
                "{} holds an identity agentcred cannot use",
                path.display()
            ))
        })?;
        let exportable = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .and_then(|l| l.parse().ok());
        if identities.is_empty() {
            return Err(Error::cannot_unlock(format!(
                "{} holds no identity",
                path.display()
            )));
        }
        let vault_ids = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix(IDENTITY_VAULT_LINE))
            .map(|id| id.trim().to_string())
            .collect();
        Ok(AdminKey {
            identities,
            exportable,
            vault_ids,
        })
    }

    /// Refuses a vault other than the one an identity file names (see [`IDENTITY_VAULT_LINE`]);
    /// a file that names none (a team member's own age identity) is not checked.
    pub fn check_vault(&self, config: &VaultToml, path: &Path) -> Result<()> {
        if self.vault_ids.is_empty() || self.vault_ids.contains(&config.vault_id) {
            return Ok(());
        }
        Err(Error::bad_data(format!(
            "{} is the admin identity of vault {}, but the vault here is {}",
            path.display(),
            self.vault_ids.join(", "),
            config.vault_id
        ))
        .hint("the vault directory was replaced, or --vault points at another vault; restore it from a backup"))
    }

    pub fn exportable(&self) -> Option<&age::x25519::Identity> {
        self.exportable.as_ref()
    }

    /// Decrypts an age file addressed to the admin.
    pub fn decrypt(
        &self,
        bytes: &[u8],
        path: &Path,
        config: &VaultToml,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.decrypt_from(bytes, bytes.len(), path, config)
    }

    /// Decrypts an age file streamed from `input` (`size_hint`: its length).
    pub fn decrypt_from(
        &self,
        input: impl std::io::BufRead,
        size_hint: usize,
        path: &Path,
        config: &VaultToml,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let identities: Vec<&dyn age::Identity> = self
            .identities
            .iter()
            .map(|i| i.as_ref() as &dyn age::Identity)
            .collect();
        let last = match crypto::age_decrypt_from(input, &identities, size_hint) {
            Ok(plain) => return Ok(plain),
            Err(e) => Some(e),
        };
        Err(match last {
            Some(crypto::OpenError::NoMatchingKey) if self.is_recipient_of(config) => Error::bad_data(format!(
                "{} is corrupt or was tampered with: it is no longer encrypted to this vault's admin identity",
                path.display()
            ))
            .hint("restore it from a backup"),
            Some(crypto::OpenError::Corrupt(why)) => Error::bad_data(format!(
                "{} is corrupt or was tampered with: {why}",
                path.display()
            ))
            .hint("restore it from a backup"),
            _ => Error::cannot_unlock(format!(
                "cannot unlock {}: wrong passphrase or identity",
                path.display()
            ))
            .hint("check AGENTCRED_PASSPHRASE_FILE, AGENTCRED_PASSPHRASE or --identity"),
        })
    }
}

/// Options of `init`.
pub struct InitOptions {
    pub admin: InitAdmin,
    pub recipients: Vec<String>,
    pub kdf: KdfParams,
}

pub enum InitAdmin {
    Passphrase(SecretText),
    /// A freshly generated identity, to be written to a file by the caller.
    Identity(age::x25519::Identity),
}

pub struct Vault {
    pub dir: PathBuf,
    pub config: VaultToml,
    /// Show a progress bar on stderr for long rewrites (set for a terminal only).
    pub progress: bool,
}

impl Vault {
    pub fn config_path(dir: &Path) -> PathBuf {
        dir.join(CONFIG_FILE)
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Opens an existing vault: checks it exists and is private, and reads `vault.toml`.
    pub fn open(dir: &Path) -> Result<Vault> {
        let config_path = Self::config_path(dir);
        if !config_path.exists() {
            return Err(Error::not_found(format!("no vault at {}", dir.display()))
                .hint("create one with `agentcred init`, or point --vault / AGENTCRED_HOME at an existing one"));
        }
        fsio::check_private(dir)?;
        fsio::check_vault_dir(dir)?;
        for file in [CONFIG_FILE, STATE_FILE, audit::FILE, "lock", "config.toml"] {
            fsio::check_private(&dir.join(file))?;
        }
        // Everything else agentcred keeps here, checked up front so that a loose mode or a link
        // is named by whichever command comes next (each open checks its own descriptor again).
        for file in [
            crate::credential::revocation::FILE,
            crate::credential::ledger::FILE,
            crate::envelope::DIR,
            "agents/index",
            "agents/roster",
            audit::activity::DIR,
            audit::activity::SUSPENDED_DIR,
            crate::exec::running::DIR,
            fsio::STAGING,
        ] {
            fsio::check_private(&dir.join(file))?;
        }
        if dir.join(fsio::JOURNAL).exists() {
            // A writer died mid-commit: finish or undo it before reading anything.
            let _lock = lock::VaultLock::acquire(dir)?;
            recover(dir)?;
        }
        let config = VaultToml::read(&config_path)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            config,
            progress: false,
        })
    }

    /// Refuses this vault unless its id is `expected`: a caller that pins the id
    /// (`AGENTCRED_VAULT_ID`, `verify --vault-id`) is not fooled by a vault directory replaced with
    /// another, self-consistent one. `vault.toml`'s issuer keys chain back to its id when it is
    /// read, and every signed file is checked against those keys.
    pub fn check_vault_id(&self, expected: &str) -> Result<()> {
        let expected = expected.trim();
        if expected.len() != 32 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::usage(format!(
                "'{}' is not a vault id (32 hex digits)",
                expected.escape_default()
            ))
            .hint("`agentcred status --json` prints the vault id"));
        }
        if expected.eq_ignore_ascii_case(&self.config.vault_id) {
            return Ok(());
        }
        Err(Error::bad_data(format!(
            "{} is for vault {}, not the pinned vault {expected}",
            Self::config_path(&self.dir).display(),
            self.config.vault_id
        ))
        .hint(
            "the vault directory was replaced, or --vault / AGENTCRED_HOME points at another vault",
        ))
    }

    /// Refuses this vault unless `pinned` is one of its issuer keys. The chain is linear and keys
    /// never leave it, so a verifier that pinned the newest key of its time accepts every later
    /// rotation, but no chain rolled back or cut short to before that key, nor one forked from an
    /// older key: whoever holds a retired (and perhaps leaked) key can sign a successor of their
    /// own and a fresh index with it, and the vault id alone cannot tell that fork apart.
    pub fn check_issuer_key(&self, pinned: &str) -> Result<()> {
        let pinned = pinned.trim();
        if self.config.issuer_keys.iter().any(|k| k.id == pinned) {
            return Ok(());
        }
        Err(Error::bad_data(format!(
            "{}'s issuer keys do not include the pinned key {}",
            Self::config_path(&self.dir).display(),
            pinned.escape_default()
        ))
        .hint("its chain was rolled back, cut short or forked from an older key; restore vault.toml from a backup"))
    }

    /// Derives the admin identity from a passphrase and checks it against `vault.toml` before any
    /// file is opened: a wrong passphrase fails fast (exit 77) and touches nothing.
    pub fn passphrase_key(&self, passphrase: &SecretText) -> Result<AdminKey> {
        let kdf = self.config.kdf.as_ref().ok_or_else(|| {
            Error::cannot_unlock(format!(
                "the vault at {} has no passphrase",
                self.dir.display()
            ))
            .hint("unlock it with its identity file: --identity FILE or AGENTCRED_IDENTITY")
        })?;
        let salt = crypto::unb64(&kdf.salt)
            .ok_or_else(|| Error::bad_data("vault.toml has a malformed KDF salt"))?;
        let seed = crypto::derive_seed(passphrase, &salt, kdf.params())?;
        let identity = crypto::identity_from_seed(&seed);
        if identity.to_public().to_string() != self.config.admin_recipient {
            if self.opens_state(&identity)? {
                // The passphrase is right and the copy in vault.toml is not.
                return Err(Error::bad_data(format!(
                    "{} disagrees with the signed vault state: admin_recipient is {}, the state's is {}",
                    Self::config_path(&self.dir).display(),
                    self.config.admin_recipient,
                    identity.to_public()
                ))
                .hint("it was edited outside agentcred; restore vault.toml from a backup"));
            }
            return Err(Error::cannot_unlock(format!(
                "wrong passphrase for the vault at {}",
                self.dir.display()
            ))
            .hint("check AGENTCRED_PASSPHRASE_FILE or AGENTCRED_PASSPHRASE and try again"));
        }
        Ok(AdminKey::from_x25519(identity))
    }

    /// Does `identity` unwrap `vault.age`'s file key? (Reads the header only.)
    fn opens_state(&self, identity: &age::x25519::Identity) -> Result<bool> {
        let path = self.state_path();
        let file = match fsio::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::io("cannot read", &path, e)),
        };
        Ok(
            age::Decryptor::new_buffered(std::io::BufReader::new(file)).is_ok_and(|d| {
                d.decrypt(std::iter::once(identity as &dyn age::Identity))
                    .is_ok()
            }),
        )
    }

    /// Creates a new vault in `dir` and returns it with its first state.
    pub fn init(dir: &Path, opts: InitOptions, now: DateTime<Utc>) -> Result<(Vault, State)> {
        if Self::config_path(dir).exists() {
            return Err(
                Error::exists(format!("a vault already exists at {}", dir.display()))
                    .hint("use it, or choose another directory with --vault"),
            );
        }
        let extra: Vec<age::x25519::Recipient> = opts
            .recipients
            .iter()
            .map(|r| crypto::parse_recipient(r))
            .collect::<Result<_>>()?;
        fsio::create_private_dir(dir)?;
        fsio::check_vault_dir(dir)?;
        let _lock = lock::VaultLock::acquire(dir)?;
        if Self::config_path(dir).exists() {
            return Err(Error::exists(format!(
                "a vault already exists at {}",
                dir.display()
            )));
        }

        let (unlock, admin_recipient, kdf) = match &opts.admin {
            InitAdmin::Passphrase(passphrase) => {
                opts.kdf.validate()?;
                let salt = crypto::random_bytes::<16>();
                let seed = crypto::derive_seed(passphrase, &salt, opts.kdf)?;
                let kdf = Kdf {
                    algorithm: "argon2id".into(),
                    memory_kib: opts.kdf.memory_kib,
                    iterations: opts.kdf.iterations,
                    parallelism: opts.kdf.parallelism,
                    salt: crypto::b64(&salt),
                };
                (
                    UnlockKind::Passphrase,
                    crypto::identity_from_seed(&seed).to_public(),
                    Some(kdf),
                )
            }
            InitAdmin::Identity(identity) => (UnlockKind::Identity, identity.to_public(), None),
        };
        let issuer = KeyPair::generate();
        // The vault id commits to the first issuer key: the root of the chain of issuer keys.
        let vault_id = config::vault_id_for(&issuer.public());
        let ts = crate::clock::rfc3339(now);
        let recipients: Vec<Recipient> = extra
            .iter()
            .map(|r| Recipient {
                recipient: r.to_string(),
                added_at: ts.clone(),
            })
            .collect();
        let mut state = State {
            vault_id: vault_id.clone(),
            generation: 0,
            created_at: now,
            issuer_keys: vec![state::IssuerKey {
                id: issuer.public().key_id(),
                secret: issuer.secret(),
                public_key: issuer.public().to_string(),
                created_at: now,
                retire_at: None,
                predecessors_retire_at: None,
                signature: None,
            }],
            admin_recipient: admin_recipient.to_string(),
            recipients: recipients.clone(),
            audit_key: SecretText::new(crypto::b64(&crypto::random_bytes::<32>())),
            settings: state::Settings::default(),
            agents: Default::default(),
            secrets: Default::default(),
            grants: Default::default(),
            checkpoints: vec![],
            key_expiry: Default::default(),
        };
        let config = VaultToml {
            format: config::FORMAT,
            vault_id: vault_id.clone(),
            created_at: ts.clone(),
            generation: 0,
            unlock,
            admin_recipient: admin_recipient.to_string(),
            kdf,
            recipients,
            issuer_keys: state
                .issuer_keys
                .iter()
                .map(state::IssuerKey::public)
                .collect(),
        };
        let mut vault = Vault {
            dir: dir.to_path_buf(),
            config,
            progress: false,
        };
        // A leftover log from an interrupted init belongs to no vault: start the chain afresh.
        let _ = std::fs::remove_file(dir.join(audit::FILE));
        let event = Event::admin(crate::audit::Action::VaultInit).details(serde_json::json!({
            "vault_id": vault_id,
            "unlock": match unlock { UnlockKind::Passphrase => "passphrase", UnlockKind::Identity => "identity" },
            "recipients": vault.config.recipients.len(),
        }));
        let plan = Envelopes {
            dirty: Default::default(),
            revoke: Default::default(),
            removed: vec![],
            all: false,
            credentials: vec![],
        };
        vault.commit(&mut state, plan, &[event], now)?;
        Ok((vault, state))
    }

    /// Reads and authenticates the admin state, and refuses one older than the audit log has seen.
    /// The process then holds the issuer key for the audit entries it writes.
    pub fn load_state(&self, admin: &AdminKey) -> Result<State> {
        let what = self.state_path().display().to_string();
        let state = audit::rollback::checked(&self.dir, &what, || {
            self.load_state_unchecked(admin).map(|s| {
                let g = s.generation;
                (s, g)
            })
        })?;
        audit::sign::hold_issuer(state.signing_issuer()?, state.generation);
        Ok(state)
    }

    fn load_state_unchecked(&self, admin: &AdminKey) -> Result<State> {
        let index = self.index_generation()?;
        let plain = self.decrypt_state(admin)?;
        let what = self.state_path().display().to_string();
        let (header, state): (_, State) =
            crate::sealed::open(&plain, STATE_KIND, &|id| self.config.issuer_key(id), &what)?;
        self.check_state_header(&header, index, &what)?;
        if state.vault_id != header.vault_id || state.generation != header.generation {
            return Err(Error::bad_data(format!(
                "{what} failed its integrity check: its header and contents disagree"
            )));
        }
        self.config
            .check_against(&state.trusted(), &Self::config_path(&self.dir))?;
        Ok(state)
    }

    /// Proves that `admin` opens this vault's current, authentic state, without parsing it: for
    /// commands that read only public, signed files (the roster) but must not run on a vault
    /// whose state was tampered with or rolled back.
    pub fn check_state(&self, admin: &AdminKey) -> Result<()> {
        let what = self.state_path().display().to_string();
        audit::rollback::checked(&self.dir, &what, || {
            let index = self.index_generation()?;
            let plain = self.decrypt_state(admin)?;
            let (header, body) =
                crate::sealed::verify(&plain, STATE_KIND, &|id| self.config.issuer_key(id), &what)?;
            self.check_state_header(&header, index, &what)?;
            self.config
                .check_against(&state::trusted_fields(body)?, &Self::config_path(&self.dir))?;
            Ok(((), header.generation))
        })
    }

    fn decrypt_state(&self, admin: &AdminKey) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let path = self.state_path();
        let file = fsio::open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::bad_data(format!("{} is missing", path.display()))
                    .hint("restore it from a backup")
            } else {
                Error::io("cannot read", &path, e)
            }
        })?;
        let len = file.metadata().map_or(0, |m| m.len() as usize);
        admin.decrypt_from(
            std::io::BufReader::with_capacity(128 * 1024, file),
            len,
            &path,
            &self.config,
        )
    }

    /// The generation of the signed envelope index. `vault.toml`'s own generation is not signed,
    /// so it alone cannot date the state: the index is written with every state, by its issuer
    /// key. It is read before the state: a commit renames the state into place before the index,
    /// so a state read after the index is never older than it unless it was put back.
    fn index_generation(&self) -> Result<u64> {
        Ok(crate::envelope::Index::read(&self.dir, &self.config)?.generation)
    }

    fn check_state_header(
        &self,
        header: &crate::sealed::Header,
        index_generation: u64,
        what: &str,
    ) -> Result<()> {
        if header.vault_id != self.config.vault_id {
            return Err(
                Error::bad_data(format!("{what} belongs to another vault")).hint(
                    "it was copied from another vault directory; restore this vault's own file",
                ),
            );
        }
        if header.generation < self.config.generation {
            return Err(Error::bad_data(format!(
                "{what} was rolled back: it is generation {}, the vault is at generation {}",
                header.generation, self.config.generation
            ))
            .hint("an older copy was put back; restore the newest backup"));
        }
        if header.generation < index_generation {
            return Err(Error::bad_data(format!(
                "{what} was rolled back: it is generation {}, the signed agents/index is at generation {index_generation}",
                header.generation
            ))
            .hint("an older copy was put back; restore the newest backup"));
        }
        Ok(())
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
        recover(&self.dir)?;
        self.config = VaultToml::read(&Self::config_path(&self.dir))?;
        let mut state = self.load_state(admin)?;
        let mut config = self.config.clone();
        let mut c = Change {
            state: &mut state,
            config: &mut config,
            now,
            dirty: Default::default(),
            revoke: Default::default(),
            removed: Default::default(),
            all_envelopes: false,
            credentials: Default::default(),
        };
        // What rotation windows ended since the last change is destroyed first, and envelopes
        // still open to keys that expired since are rewritten without them.
        let mut events = crate::rotation::sweep(&mut c, &self.dir)?;
        crate::rotation::expire_keys(&mut c);
        let (value, more) = change(&mut c)?;
        events.extend(more);
        let plan = Envelopes {
            dirty: c.dirty,
            revoke: c.revoke,
            removed: c.removed,
            all: c.all_envelopes,
            credentials: c.credentials,
        };
        let previous = std::mem::replace(&mut self.config, config);
        if let Err(e) = self.commit(&mut state, plan, &events, now) {
            self.config = previous;
            return Err(e);
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

    /// Steps 3-6 of the durability order. The caller holds the lock.
    fn commit(
        &mut self,
        state: &mut State,
        plan: Envelopes,
        events: &[Event],
        now: DateTime<Utc>,
    ) -> Result<()> {
        use crate::credential::revocation::{self, Revocation};
        use crate::envelope;

        // The checkpoint signed below vouches for every entry before it, signatures included:
        // those written since the last one are checked first, and a bad one refuses the change.
        check_unvouched(&self.dir, state)?;
        state.generation += 1;
        self.config.generation = state.generation;
        // vault.toml's recipients and issuer keys are copies of the signed state's, rewritten
        // from it with every change; encryption uses the state's only.
        self.config.copy_from(state.trusted());
        let recipients = state.all_recipients()?;
        let issuer = state.signing_issuer()?;

        // Envelopes of every agent the change touched, with refreshed authority tokens.
        let mut batch = fsio::Batch::new(&self.dir)?;
        let mut revocations = Vec::new();
        let targets: Vec<String> = if plan.all {
            state.agents.keys().cloned().collect()
        } else {
            plan.dirty
                .iter()
                .filter(|n| state.agents.contains_key(*n))
                .cloned()
                .collect()
        };
        fsio::private_subdir(&self.dir.join(crate::envelope::DIR))?;
        if !targets.is_empty() || !plan.removed.is_empty() {
            // One pass over the grants, not one per agent: bulk writes stay linear.
            let mut by_agent: std::collections::HashMap<String, Vec<crate::grant::Grant>> =
                std::collections::HashMap::new();
            for g in state.grants.values() {
                by_agent.entry(g.agent.clone()).or_default().push(g.clone());
            }
            let bar = (self.progress && targets.len() >= 100).then(|| {
                let bar = indicatif::ProgressBar::new(targets.len() as u64)
                    .with_message("re-encrypting agent envelopes");
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({eta})")
                        .expect("the template is valid"),
                );
                bar
            });
            for name in &targets {
                if let Some(b) = &bar {
                    b.inc(1);
                }
                let force = plan.revoke.contains(name);
                let grants = by_agent.remove(name.as_str()).unwrap_or_default();
                let (authority, stale) =
                    envelope::refresh_authority(state, name, &grants, &issuer, force, now)?;
                for (old, from) in stale {
                    revocations.push(match from {
                        Some(f) => Revocation::by_admin_from(&old, name, None, f, &issuer, now),
                        None => Revocation::by_admin(&old, name, None, &issuer, now),
                    });
                }
                state.agent_mut(name)?.envelope_generation = state.generation;
                let env = envelope::Envelope::from_parts(state, name, grants, authority)?;
                batch.write(
                    &envelope::path(&self.dir, name),
                    &envelope::seal(&env, &recipients, &issuer, now)?,
                )?;
                if let Some(end) = env
                    .keys
                    .iter()
                    .filter(|k| k.usable_at(now))
                    .map(|k| k.expires_at)
                    .min()
                {
                    state.key_expiry.note(end);
                }
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            for (name, authority) in &plan.removed {
                batch.remove(&envelope::path(&self.dir, name));
                for id in authority {
                    revocations.push(Revocation::by_admin(id, name, None, &issuer, now));
                }
            }
        }
        for (id, agent, until, from) in &plan.credentials {
            revocations.push(match from {
                Some(f) => Revocation::by_admin_from(id, agent, *until, *f, &issuer, now),
                None => Revocation::by_admin(id, agent, *until, &issuer, now),
            });
        }
        audit::sign::hold_issuer(issuer.clone(), state.generation);
        // The revocations are chained on (and the list pruned when due) now, so that the audit
        // entry can record the head they lead to.
        let revoked =
            revocation::prepare(&self.dir, &self.config, &revocations, Some(&issuer), now)?;
        // The head the issuer signs into the index: every reader holds the list to it.
        let revocations_head = match &revoked {
            Some(r) => r.head.clone(),
            None => revocation::checked_head(&self.dir, &self.config)?,
        };
        let mut events = events.to_vec();
        if let (Some(r), Some(last)) = (&revoked, events.last_mut()) {
            r.record_in(last);
        }
        let prepared = audit::prepare(&self.dir, now, &events)?;
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
        let lists = std::thread::scope(|scope| -> Result<(String, String)> {
            let lists = scope.spawn(|| {
                (
                    envelope::Index::render(state, &issuer, &revocations_head),
                    crate::roster::render(state, &issuer),
                )
            });
            batch.write_with(&self.state_path(), |file| {
                crypto::age_encrypt_to(&recipients, file, |w| {
                    crate::sealed::seal_to(
                        w,
                        STATE_KIND,
                        &issuer,
                        &state.vault_id,
                        state.generation,
                        state,
                    )
                    .map(drop)
                })
                .map(drop)
            })?;
            Ok(lists
                .join()
                .expect("rendering the index and roster does not panic"))
        })?;
        batch.write(&envelope::Index::path(&self.dir), lists.0.as_bytes())?;
        batch.write(&crate::roster::path(&self.dir), lists.1.as_bytes())?;
        batch.write(
            &Self::config_path(&self.dir),
            self.config.to_toml().as_bytes(),
        )?;
        // The audit append is the commit point: before it the change is rolled back, after it
        // rolled forward, whatever stops this process (see `fsio::Batch::commit_journaled`).
        // Revocations go first: if anything after fails, an authority may be revoked while still
        // current, and the next change to that agent replaces it (`refresh_authority`).
        let head = prepared.head.clone();
        batch.commit_journaled(&self.dir, (head.seq, &head.hash), || {
            if let Some(r) = revoked {
                r.write()?;
            }
            prepared.write().map(drop)
        })?;
        if let Some(c) = state.checkpoints.last() {
            audit::witness::put(&self.dir, c);
        }
        Ok(())
    }
}

/// Checks the writer signatures (and the chain) of the audit entries that no checked checkpoint in
/// `state` vouches for yet, reading from the last such checkpoint on. The caller holds the lock.
fn check_unvouched(dir: &Path, state: &State) -> Result<()> {
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
    match audit::verify::since_checked(dir, &anchors, expect)?.problem {
        None => Ok(()),
        Some(p) => Err(Error::bad_data(format!(
            "the audit log fails verification at seq {}: {}; nothing was changed, and no checkpoint is signed over it",
            p.seq, p.message
        ))
        .hint("run `agentcred audit verify`, keep a copy of audit.jsonl as it is now, and compare it with a backup")),
    }
}

/// Completes or undoes a commit a crash interrupted (the caller holds the lock).
pub fn recover(dir: &Path) -> Result<bool> {
    fsio::recover(dir, |seq, hash| {
        Ok(audit::hash_of(dir, seq)?.is_some_and(|h| h == hash))
    })
}

/// A credential to revoke: id, agent, its expiry, and when the revocation takes effect.
type Credential = (String, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

struct Envelopes {
    dirty: std::collections::BTreeSet<String>,
    revoke: std::collections::BTreeSet<String>,
    removed: Vec<(String, Vec<String>)>,
    all: bool,
    credentials: Vec<Credential>,
}

/// What a change may touch: the state and the public settings, at one instant.
pub struct Change<'a> {
    pub state: &'a mut State,
    pub config: &'a mut VaultToml,
    pub now: DateTime<Utc>,
    dirty: std::collections::BTreeSet<String>,
    revoke: std::collections::BTreeSet<String>,
    removed: Vec<(String, Vec<String>)>,
    all_envelopes: bool,
    credentials: Vec<Credential>,
}

impl Change<'_> {
    /// The agent's envelope must be rewritten (its grants, keys, settings or secrets changed).
    pub fn touch(&mut self, agent: &str) {
        self.dirty.insert(agent.to_string());
    }

    /// Rewrite the agent's envelope and revoke every credential minted so far (its rights
    /// narrowed, or it was suspended).
    pub fn revoke_outstanding(&mut self, agent: &str) {
        self.touch(agent);
        self.revoke.insert(agent.to_string());
    }

    /// Every agent granted `secret` gets a fresh envelope (its value changed).
    pub fn touch_grantees(&mut self, secret: &str) {
        let agents: Vec<String> = self
            .state
            .grants
            .values()
            .filter(|g| g.secret == secret)
            .map(|g| g.agent.clone())
            .collect();
        for a in agents {
            self.touch(&a);
        }
    }

    /// Revokes one credential (or any token block) by id, signed by the issuer at commit.
    pub fn revoke_credential(&mut self, id: &str, agent: &str, until: Option<DateTime<Utc>>) {
        self.credentials
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
        self.credentials
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
        self.all_envelopes = true;
    }

    /// Removes an agent with its grants; its envelope is deleted and its tokens revoked.
    pub fn remove_agent(&mut self, agent: &str) -> Result<()> {
        let removed = self
            .state
            .agents
            .remove(agent)
            .ok_or_else(|| state::unknown_agent(agent))?;
        self.state.grants.retain(|_, g| g.agent != agent);
        self.dirty.remove(agent);
        let mut ids: Vec<String> = removed
            .superseded_authorities
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.extend(removed.authority.map(|a| a.id));
        self.removed.push((agent.to_string(), ids));
        Ok(())
    }
}
