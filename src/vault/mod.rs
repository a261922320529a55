//! Storage: the vault directory (docs/DESIGN.md, "Files in a vault"), its writer lock, its
//! private and durable file I/O, the admin state in `vault.age` and the grants beside it, and the
//! journaled commit that replaces a set of files as one.
//!
//! This module reads, writes and commits files, and knows nothing of what is built on it: which
//! files an admin change derives from the state (envelopes, index, roster), the audit log that is
//! a commit's commit point, and the rotation sweep are the business of `admin`, which drives
//! [`fsio::Batch::commit_journaled`] (see its documentation for the durability order). So that no
//! cycle of imports runs through storage, the one question storage must ask of the log, whether
//! an interrupted commit reached its commit point, comes in as a function ([`recover`]).

pub mod config;
pub mod fsio;
pub mod grants;
pub mod lock;
pub mod state;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

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

/// Where best-effort warnings go: the command layer prints them.
pub type Warn = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

pub struct Vault {
    pub dir: PathBuf,
    pub config: VaultToml,
    /// Show a progress bar on stderr for long rewrites (set for a terminal only).
    pub progress: bool,
    /// Where a change's best-effort warnings go (the command layer sets it; none: dropped).
    pub warn: Option<Warn>,
}

impl Vault {
    pub fn config_path(dir: &Path) -> PathBuf {
        dir.join(CONFIG_FILE)
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Opens an existing vault: checks it exists and is private, finishes or undoes a commit a
    /// crash interrupted (`committed(seq, hash)` says whether its commit point, an audit entry, is
    /// on the log), and reads `vault.toml`.
    pub fn open_with(dir: &Path, committed: impl Fn(u64, &str) -> Result<bool>) -> Result<Vault> {
        let config_path = Self::config_path(dir);
        if !config_path.exists() {
            return Err(Error::not_found(format!("no vault at {}", dir.display()))
                .hint("create one with `agentcred init`, or point --vault / AGENTCRED_HOME at an existing one"));
        }
        fsio::check_private(dir)?;
        fsio::check_vault_dir(dir)?;
        for file in [CONFIG_FILE, STATE_FILE, "lock"] {
            fsio::check_private(&dir.join(file))?;
        }
        // Everything else agentcred keeps here, checked up front so that a loose mode or a link
        // is named by whichever command comes next (each open checks its own descriptor again).
        for file in FILES_ABOVE.iter().chain([&grants::DIR, &fsio::STAGING]) {
            fsio::check_private(&dir.join(file))?;
        }
        if dir.join(fsio::JOURNAL).exists() {
            // A writer died mid-commit: finish or undo it before reading anything.
            let _lock = lock::VaultLock::acquire(dir)?;
            recover(dir, committed)?;
        }
        let config = VaultToml::read(&config_path)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            config,
            progress: false,
            warn: None,
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

    /// Creates the directory of a new vault with its first state and settings, under the writer
    /// lock (returned): the caller commits them, with the files derived from them.
    pub fn create(
        dir: &Path,
        opts: InitOptions,
        now: DateTime<Utc>,
    ) -> Result<(Vault, State, lock::VaultLock)> {
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
        let lock = lock::VaultLock::acquire(dir)?;
        // An interrupted `init` left a commit half done: finished or undone first, so that this
        // one finds the directory as it was.
        crate::audit::rollback::recover_locked(dir)?;
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
        let state = State {
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
            grant_files: Default::default(),
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
        let vault = Vault {
            dir: dir.to_path_buf(),
            config,
            progress: false,
            warn: None,
        };
        Ok((vault, state, lock))
    }

    /// Reads and authenticates the admin state: its seal, its vault id, and a generation no older
    /// than `vault.toml` and `index_generation` (the signed index's, read before the state: a commit
    /// renames the state into place before the index, so a state read after the index is never
    /// older than it unless it was put back). Whether the audit log has seen a newer generation is
    /// for the caller to check.
    pub fn read_state(&self, admin: &AdminKey, index_generation: u64) -> Result<State> {
        let plain = self.decrypt_state(admin)?;
        let what = self.state_path().display().to_string();
        let (header, state): (_, State) =
            crate::sealed::open(&plain, STATE_KIND, &|id| self.config.issuer_key(id), &what)?;
        self.check_state_header(&header, index_generation, &what)?;
        if state.vault_id != header.vault_id || state.generation != header.generation {
            return Err(Error::bad_data(format!(
                "{what} failed its integrity check: its header and contents disagree"
            )));
        }
        self.config
            .check_against(&state.trusted(), &Self::config_path(&self.dir))?;
        Ok(state)
    }

    /// [`Vault::read_state`] without parsing the state: proves that `admin` opens this vault's
    /// authentic state, and returns its generation.
    pub fn verify_state(&self, admin: &AdminKey, index_generation: u64) -> Result<u64> {
        let what = self.state_path().display().to_string();
        let plain = self.decrypt_state(admin)?;
        let (header, body) =
            crate::sealed::verify(&plain, STATE_KIND, &|id| self.config.issuer_key(id), &what)?;
        self.check_state_header(&header, index_generation, &what)?;
        self.config
            .check_against(&state::trusted_fields(body)?, &Self::config_path(&self.dir))?;
        Ok(header.generation)
    }

    /// Stages the state, encrypted to `recipients` and sealed by `issuer`, and `vault.toml` into
    /// `batch`.
    pub fn stage_state(
        &self,
        batch: &mut fsio::Batch,
        state: &State,
        recipients: &[age::x25519::Recipient],
        issuer: &KeyPair,
    ) -> Result<()> {
        batch.write_with(&self.state_path(), |file| {
            crypto::age_encrypt_to(recipients, file, |w| {
                crate::sealed::seal_to(
                    w,
                    STATE_KIND,
                    issuer,
                    &state.vault_id,
                    state.generation,
                    state,
                )
                .map(drop)
            })
            .map(drop)
        })
    }

    /// Stages `vault.toml` into `batch`.
    pub fn stage_config(&self, batch: &mut fsio::Batch) -> Result<()> {
        batch.write(
            &Self::config_path(&self.dir),
            self.config.to_toml().as_bytes(),
        )
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
}

/// The files and directories the layers above storage keep in the vault (each named by a constant
/// in the module that owns it), checked for private modes and links when the vault is opened.
pub const FILES_ABOVE: [&str; 12] = [
    "audit.jsonl",
    "config.toml",
    "revoked.jsonl",
    "credentials.jsonl",
    "agents",
    "agents/index",
    "agents/roster",
    "agents/secrets",
    "activity",
    "suspended",
    "running",
    "openbao",
];

/// Completes or undoes a commit a crash interrupted (the caller holds the lock); `committed(seq,
/// hash)` says whether the commit point it names is on the audit log.
pub fn recover(dir: &Path, committed: impl Fn(u64, &str) -> Result<bool>) -> Result<bool> {
    fsio::recover(dir, committed)
}
