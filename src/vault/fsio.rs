//! Durable, private file writes and the permission rules of SPEC §2.
//!
//! Durability order for every replaced file: write a temporary file in the same directory (created
//! 0600), fsync it, rename it over the target, fsync the directory. A crash at any point leaves
//! either the old or the new file, never a torn one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// A fully written, fsynced temporary file that has not yet replaced its target.
pub struct Staged {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
}

impl Staged {
    /// Renames the staged file over its target and makes the rename durable.
    pub fn commit(self) -> Result<()> {
        let Staged { temp, target } = self;
        temp.persist(&target)
            .map_err(|e| Error::io("cannot replace", &target, e.error))?;
        sync_dir(target.parent().unwrap_or(Path::new(".")))
    }
}

/// Writes `bytes` to a temporary file beside `target`, fsynced, ready to [`Staged::commit`].
pub fn stage(target: &Path, bytes: &[u8]) -> Result<Staged> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(fs::Permissions::from_mode(FILE_MODE))
        .tempfile_in(dir)
        .map_err(|e| Error::io("cannot create a temporary file in", dir, e))?;
    temp.write_all(bytes)
        .map_err(|e| Error::io("cannot write", temp.path(), e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| Error::io("cannot sync", temp.path(), e))?;
    Ok(Staged {
        temp,
        target: target.to_path_buf(),
    })
}

/// Atomically and durably replaces `target` with `bytes`.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    stage(target, bytes)?.commit()
}

pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("cannot sync directory", dir, e))
}

/// Creates a private directory (0700), or checks an existing one.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder
        .create(dir)
        .map_err(|e| Error::io("cannot create directory", dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
        .map_err(|e| Error::io("cannot set permissions on", dir, e))
}

/// Creates a new private file; refuses to overwrite.
pub fn create_new_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::exists(format!("{} already exists", path.display()))
                    .hint("choose another path, or move the existing file away first")
            } else {
                Error::io("cannot create", path, e)
            }
        })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io("cannot write", path, e))
}

/// Refuses a file or directory that group or others can access, like ssh does for private keys.
pub fn check_private(path: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("cannot inspect", path, e)),
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        let fix = if meta.is_dir() { "700" } else { "600" };
        return Err(Error::config(format!(
            "{} is accessible by group or others (mode {mode:o}); agentcred refuses to use it",
            path.display()
        ))
        .hint(format!("run: chmod {fix} {}", path.display())));
    }
    Ok(())
}

/// Where a [`Batch`] stages its files, inside the vault directory: renamed from here into place,
/// so that what a killed writer leaves behind is found without listing `agents/` (10,000 files in
/// a large vault).
pub const STAGING: &str = ".staging";

/// Many files written together: each is written without its own fsync, then one `syncfs` makes
/// them all durable before any is renamed into place. Rotating a secret granted to a thousand
/// agents costs one filesystem sync instead of a thousand.
pub struct Batch {
    staging: PathBuf,
    staged: Vec<(tempfile::NamedTempFile, PathBuf)>,
    removed: Vec<PathBuf>,
}

impl Batch {
    /// A batch for the vault in `vault_dir`, staging in its `.staging` directory.
    pub fn new(vault_dir: &Path) -> Result<Batch> {
        let staging = vault_dir.join(STAGING);
        create_private_dir(&staging)?;
        Ok(Batch {
            staging,
            staged: Vec::new(),
            removed: Vec::new(),
        })
    }

    pub fn write(&mut self, target: &Path, bytes: &[u8]) -> Result<()> {
        self.write_with(target, |w| {
            w.write_all(bytes)
                .map_err(|e| Error::io("cannot write", target, e))
        })
    }

    /// Stages `target` with whatever `write` streams into it (buffered).
    pub fn write_with(
        &mut self,
        target: &Path,
        write: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        let dir = &self.staging;
        let mut temp = tempfile::Builder::new()
            .prefix(".tmp-")
            .permissions(fs::Permissions::from_mode(FILE_MODE))
            .tempfile_in(dir)
            .map_err(|e| Error::io("cannot create a temporary file in", dir, e))?;
        {
            let mut buffered = std::io::BufWriter::with_capacity(256 * 1024, temp.as_file_mut());
            write(&mut buffered)?;
            buffered
                .flush()
                .map_err(|e| Error::io("cannot write", target, e))?;
        }
        self.staged.push((temp, target.to_path_buf()));
        Ok(())
    }

    /// Deletes `target` when the batch commits.
    pub fn remove(&mut self, target: &Path) {
        self.removed.push(target.to_path_buf());
    }

    pub fn is_empty(&self) -> bool {
        self.staged.is_empty() && self.removed.is_empty()
    }

    /// Makes every staged file durable, with its name in `.staging` (before the caller's point of
    /// no return: the journal names these files).
    pub fn sync(&self) -> Result<()> {
        if self.staged.len() <= 4 {
            for (temp, _) in &self.staged {
                temp.as_file()
                    .sync_all()
                    .map_err(|e| Error::io("cannot sync", temp.path(), e))?;
            }
        } else if let Some((first, _)) = self.staged.first() {
            rustix::fs::syncfs(first.as_file())
                .map_err(|e| Error::io("cannot sync", first.path(), e.into()))?;
        }
        if self.staged.is_empty() {
            return Ok(());
        }
        sync_dir(&self.staging)
    }

    /// Commits the batch through a journal, so that a crash at any point is either rolled back
    /// or rolled forward as a whole (see [`recover`]):
    ///
    /// 1. the staged files are kept on disk (no longer deleted on drop) and synced;
    /// 2. the journal, naming every rename and removal and the audit entry that commits it, is
    ///    written durably;
    /// 3. `commit_point` runs (it appends the change's audit entries): if it fails, the batch is
    ///    rolled back; once it has succeeded, the change has happened;
    /// 4. everything is renamed into place, removals done, directories synced, journal deleted.
    pub fn commit_journaled(
        self,
        vault_dir: &Path,
        audit_head: (u64, &str),
        commit_point: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.sync()?;
        let mut renames = Vec::with_capacity(self.staged.len());
        for (temp, target) in self.staged {
            let path = temp
                .into_temp_path()
                .keep()
                .map_err(|e| Error::io("cannot keep", &target, e.error))?;
            renames.push((path, target));
        }
        let journal = Journal {
            audit_seq: audit_head.0,
            audit_hash: audit_head.1.to_string(),
            renames,
            removes: self.removed,
        };
        let journal_path = vault_dir.join(JOURNAL);
        let text = serde_json::to_vec(&journal).expect("journals serialise");
        if let Err(e) = write_atomic(&journal_path, &text) {
            journal.roll_back(&journal_path);
            return Err(e);
        }
        if let Err(e) = commit_point() {
            journal.roll_back(&journal_path);
            return Err(e);
        }
        journal.roll_forward(&journal_path)
    }
}

/// The file naming an interrupted commit's renames (see [`Batch::commit_journaled`]).
pub const JOURNAL: &str = "commit.journal";

#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    audit_seq: u64,
    audit_hash: String,
    renames: Vec<(PathBuf, PathBuf)>,
    removes: Vec<PathBuf>,
}

impl Journal {
    fn roll_forward(&self, journal_path: &Path) -> Result<()> {
        let mut dirs = std::collections::BTreeSet::new();
        for (temp, target) in &self.renames {
            match fs::rename(temp, target) {
                Ok(()) => {}
                // Already renamed by an earlier, interrupted roll-forward.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && target.exists() => {}
                Err(e) => return Err(Error::io("cannot replace", target, e)),
            }
            // Both ends of a rename across directories.
            dirs.insert(target.parent().unwrap_or(Path::new(".")).to_path_buf());
            dirs.insert(temp.parent().unwrap_or(Path::new(".")).to_path_buf());
        }
        for target in &self.removes {
            match fs::remove_file(target) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("cannot remove", target, e)),
            }
            dirs.insert(target.parent().unwrap_or(Path::new(".")).to_path_buf());
        }
        for dir in dirs {
            sync_dir(&dir)?;
        }
        remove_journal(journal_path)
    }

    fn roll_back(&self, journal_path: &Path) {
        for (temp, _) in &self.renames {
            let _ = fs::remove_file(temp);
        }
        let _ = remove_journal(journal_path);
    }
}

fn remove_journal(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(path.parent().unwrap_or(Path::new("."))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot remove", path, e)),
    }
}

/// Finishes or undoes a commit a crash interrupted, then removes staged files nobody will
/// rename. Call with the vault lock held. `committed(seq, hash)` says whether the audit log holds
/// that entry: the commit point of the journal.
pub fn recover(vault_dir: &Path, committed: impl Fn(u64, &str) -> Result<bool>) -> Result<bool> {
    let journal_path = vault_dir.join(JOURNAL);
    let found = match fs::read(&journal_path) {
        Ok(bytes) => {
            match serde_json::from_slice::<Journal>(&bytes) {
                Ok(j) if committed(j.audit_seq, &j.audit_hash)? => j.roll_forward(&journal_path)?,
                Ok(j) => j.roll_back(&journal_path),
                // A journal cut short never reached its commit point.
                Err(_) => remove_journal(&journal_path)?,
            }
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io("cannot read", &journal_path, e)),
    };
    // Staged files of a writer that died before its journal: no one will rename them, and they
    // may hold values since destroyed.
    let staging = vault_dir.join(STAGING);
    let mut dirs = vec![vault_dir.to_path_buf(), staging.clone()];
    if !staging.exists() {
        // A vault last written before files were staged in `.staging` kept them beside their
        // targets: look there once, until the first commit creates `.staging`.
        dirs.push(vault_dir.join("agents"));
    }
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-") {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    Ok(found)
}
