//! Durable, private file writes, and the rule that every file and directory of the vault is private.
//!
//! Durability order for every replaced file: write a temporary file in the same directory (created
//! 0600), fsync it, rename it over the target, fsync the directory. A crash at any point leaves
//! either the old or the new file, never a torn one.
//!
//! Every file of the vault is opened here, and through no symbolic link: the directory is opened
//! with `O_DIRECTORY|O_NOFOLLOW`, the file relative to it with `O_NOFOLLOW`, temporary files with
//! `O_EXCL`, and renames and removals go through the directory's descriptor. Another process of
//! the same user that puts a link in place of a file or a directory therefore cannot make
//! agentcred read from, or write to, somewhere outside the vault. Type and mode are checked on the
//! descriptor that was opened, not by path, so nothing can be swapped in between check and use:
//! a file or directory that group or others can reach is refused with the `chmod` that fixes it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::error::{Error, Result};

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// A fully written, fsynced temporary file that has not yet replaced its target.
pub struct Staged {
    temp: Temp,
    target: PathBuf,
}

impl Staged {
    /// Renames the staged file over its target and makes the rename durable.
    pub fn commit(mut self) -> Result<()> {
        let name =
            file_name(&self.target).map_err(|e| Error::io("cannot replace", &self.target, e))?;
        rustix::fs::renameat(&self.temp.dir, &self.temp.name, &self.temp.dir, name)
            .map_err(|e| Error::io("cannot replace", &self.target, e.into()))?;
        self.temp.kept = true;
        rustix::fs::fsync(&self.temp.dir).map_err(|e| {
            Error::io(
                "cannot sync directory",
                self.target.parent().unwrap_or(Path::new(".")),
                e.into(),
            )
        })
    }
}

/// Writes `bytes` to a temporary file beside `target`, fsynced, ready to [`Staged::commit`].
pub fn stage(target: &Path, bytes: &[u8]) -> Result<Staged> {
    let dir = parent(target);
    let dir_fd = open_dir(dir).map_err(|e| Error::io("cannot open directory", dir, e))?;
    let mut temp = Temp::create(dir_fd, dir)?;
    temp.file
        .write_all(bytes)
        .and_then(|()| temp.file.sync_all())
        .map_err(|e| Error::io("cannot write", &temp.path(), e))?;
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
    open_dir(dir)
        .and_then(|d| rustix::fs::fsync(&d).map_err(Into::into))
        .map_err(|e| Error::io("cannot sync directory", dir, e))
}

/// Opens and checks the vault directory itself (a real, private directory, not a link): done
/// first by every command, so that the directories inside it are then opened inside the one
/// checked here.
pub fn check_vault_dir(dir: &Path) -> Result<()> {
    open_dir(dir)
        .map(drop)
        .map_err(|e| Error::io("cannot open directory", dir, e))
}

/// Creates a private directory (0700), or checks an existing one.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    // A vault created through a link would be refused by every later command.
    if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(symlink_refusal(dir));
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder
        .create(dir)
        .map_err(|e| Error::io("cannot create directory", dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
        .map_err(|e| Error::io("cannot set permissions on", dir, e))
}

/// Creates `dir` (0700) inside its already existing parent, or checks the one there: a directory
/// inside the vault must be a real, private directory, never a link to somewhere else, and is
/// never silently re-permissioned (a loose mode means someone else may have been in it).
pub fn private_subdir(dir: &Path) -> Result<()> {
    let io_err = |e| Error::io("cannot create directory", dir, e);
    let name = file_name(dir).map_err(io_err)?;
    let parent_fd = open_dir(parent(dir)).map_err(io_err)?;
    match rustix::fs::mkdirat(&parent_fd, name, Mode::from_raw_mode(DIR_MODE)) {
        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
        Err(e) => return Err(io_err(e.into())),
    }
    open_dir(dir).map(drop).map_err(io_err)
}

/// Opens a file of the vault for reading, like [`File::open`], but through no symbolic link
/// (neither the file nor its directory may be one) and only if both are private: checked on the
/// descriptors opened, so nothing can be swapped in between the check and the use.
///
/// A refusal is an `std::io::Error` that [`Error::io`] turns back into agentcred's own error
/// (exit 65 for a link or a file of the wrong type, 78 with the `chmod` to run for a loose mode),
/// so callers keep the shape they had with `std::fs`, `NotFound` included.
pub fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

/// [`std::fs::read`] with the checks of [`open`].
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = open(path)?;
    let mut bytes = Vec::with_capacity(file.metadata().map_or(0, |m| m.len() as usize));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`std::fs::read_to_string`] with the checks of [`open`].
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    utf8(read(path)?)
}

/// [`read`] for a file that is always small: one larger than `max` bytes is refused by its size,
/// not read, so that a huge (or sparse, costing no disk) file put in its place cannot exhaust
/// memory.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = open(path)?;
    let too_large = || {
        Error::bad_data(format!(
            "{} is larger than the {max} bytes agentcred reads from it",
            path.display()
        ))
        .hint("someone replaced it: move it away and restore the real one from a backup")
        .into_io()
    };
    let len = file.metadata()?.len();
    if len > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_to_string`] with the bound of [`read_bounded`].
pub fn read_to_string_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    utf8(read_bounded(path, max)?)
}

fn utf8(bytes: Vec<u8>) -> std::io::Result<String> {
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// The most agentcred reads of a settings file (`vault.toml`, `config.toml`): far more than any
/// real one holds.
pub const MAX_SETTINGS: u64 = 16 << 20;

/// [`std::fs::remove_file`] for a file of the vault: unlinked from its directory opened through
/// no link, so a linked directory cannot make it delete a file elsewhere.
pub fn remove_file(path: &Path) -> std::io::Result<()> {
    let dir = open_dir(parent(path))?;
    rustix::fs::unlinkat(&dir, file_name(path)?, AtFlags::empty()).map_err(Into::into)
}

/// [`std::fs::OpenOptions`] for the files of the vault, with the checks of [`open`]; a file it
/// creates gets [`FILE_MODE`] unless told otherwise.
#[derive(Clone, Copy)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    create: bool,
    truncate: bool,
    mode: u32,
}

impl OpenOptions {
    pub fn new() -> OpenOptions {
        OpenOptions {
            read: false,
            write: false,
            append: false,
            create: false,
            truncate: false,
            mode: FILE_MODE,
        }
    }
    pub fn read(&mut self, on: bool) -> &mut Self {
        self.read = on;
        self
    }
    pub fn write(&mut self, on: bool) -> &mut Self {
        self.write = on;
        self
    }
    pub fn append(&mut self, on: bool) -> &mut Self {
        self.append = on;
        self
    }
    pub fn create(&mut self, on: bool) -> &mut Self {
        self.create = on;
        self
    }
    pub fn truncate(&mut self, on: bool) -> &mut Self {
        self.truncate = on;
        self
    }
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = mode;
        self
    }

    pub fn open(&self, path: impl AsRef<Path>) -> std::io::Result<File> {
        let path = path.as_ref();
        let writes = self.write || self.append;
        // O_NONBLOCK: a FIFO put in a file's place must not hang the open (it is refused below);
        // on a regular file it changes nothing.
        let mut flags = OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        flags |= match (self.read, writes) {
            (true, true) => OFlags::RDWR,
            (false, true) => OFlags::WRONLY,
            _ => OFlags::RDONLY,
        };
        if self.append {
            flags |= OFlags::APPEND;
        }
        if self.create {
            flags |= OFlags::CREATE;
        }
        if self.truncate {
            flags |= OFlags::TRUNC;
        }
        let dir = open_dir(parent(path))?;
        let fd = rustix::fs::openat(
            &dir,
            file_name(path)?,
            flags,
            Mode::from_raw_mode(self.mode),
        )
        .map_err(|e| refuse_link(path, e))?;
        check_fd(&fd, path, false)?;
        if writes {
            refuse_hard_link(&fd, path)?;
        }
        Ok(File::from(fd))
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Opens a directory of the vault through no link, and checks it is a private directory.
///
/// A command opens files in the same few directories many times, so each directory is opened
/// once per process and its descriptor kept: later opens resolve names inside the directory that
/// was checked, even if its path is swapped for a link meanwhile, and only re-check its mode
/// (an `fstat`, no path lookup). A subdirectory whose parent is already open is opened inside
/// that parent's descriptor, not by its path, for the same reason.
fn open_dir(dir: &Path) -> std::io::Result<Arc<OwnedFd>> {
    /// Enough for every directory of a vault; the oldest is forgotten first.
    const KEEP: usize = 16;
    static OPEN: Mutex<Vec<(PathBuf, Arc<OwnedFd>)>> = Mutex::new(Vec::new());
    let cached = |dir: &Path| {
        OPEN.lock().ok().and_then(|open| {
            open.iter()
                .find(|(path, _)| path == dir)
                .map(|(_, fd)| fd.clone())
        })
    };
    let fd = match cached(dir) {
        Some(fd) => fd,
        None => {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let inside = dir.parent().and_then(cached).zip(dir.file_name());
            let fd = match inside {
                Some((parent, name)) => rustix::fs::openat(&parent, name, flags, Mode::empty()),
                None => rustix::fs::open(dir, flags, Mode::empty()),
            }
            .map_err(|e| refuse_link(dir, e))?;
            let fd = Arc::new(fd);
            if let Ok(mut open) = OPEN.lock() {
                if open.len() >= KEEP {
                    open.remove(0);
                }
                open.push((dir.to_path_buf(), fd.clone()));
            }
            fd
        }
    };
    check_fd(&fd, dir, true)?;
    Ok(fd)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> std::io::Result<&std::ffi::OsStr> {
    path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })
}

/// An open that a no-follow flag stopped: if a link is in the way, the refusal names it.
fn refuse_link(path: &Path, e: rustix::io::Errno) -> std::io::Error {
    if (e == rustix::io::Errno::LOOP || e == rustix::io::Errno::NOTDIR)
        && fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return symlink_refusal(path).into_io();
    }
    e.into()
}

fn symlink_refusal(path: &Path) -> Error {
    Error::bad_data(format!(
        "{} is a symbolic link; agentcred does not follow links inside the vault",
        path.display()
    ))
    .hint(format!(
        "someone replaced it: remove the link ({}), restore the real file from a backup, and check what else changed",
        path.display()
    ))
}

/// A file written in place (appended to, or overwritten from its start) must have no other name:
/// a hard link passes a no-follow open, and through one agentcred would write to a file outside
/// the vault. Files replaced by a rename need no check, the rename gives the name a new file.
fn refuse_hard_link(fd: &OwnedFd, path: &Path) -> std::io::Result<()> {
    let links = rustix::fs::fstat(fd)?.st_nlink;
    if links <= 1 {
        return Ok(());
    }
    Err(Error::bad_data(format!(
        "{} has {links} hard links; agentcred does not write to a file that has other names",
        path.display()
    ))
    .hint(format!(
        "someone linked it: find the other names with `find / -xdev -samefile {0}`, then give the vault its own copy (cp -p {0} {0}.copy && mv {0}.copy {0})",
        path.display()
    ))
    .into_io())
}

fn loose_refusal(path: &Path, mode: u32, is_dir: bool) -> Error {
    let fix = if is_dir { "700" } else { "600" };
    Error::config(format!(
        "{} is accessible by group or others (mode {mode:o}); agentcred refuses to use it",
        path.display()
    ))
    .hint(format!("run: chmod {fix} {}", path.display()))
}

/// Checks what `fd` (opened from `path`) is: the expected type, and no access for group or others.
fn check_fd(fd: &OwnedFd, path: &Path, is_dir: bool) -> std::io::Result<()> {
    let st = rustix::fs::fstat(fd)?;
    let kind = FileType::from_raw_mode(st.st_mode);
    let expected = if is_dir {
        FileType::Directory
    } else {
        FileType::RegularFile
    };
    if kind != expected {
        let what = if is_dir {
            "a directory"
        } else {
            "a regular file"
        };
        return Err(Error::bad_data(format!("{} is not {what}", path.display()))
            .hint("someone replaced it: move it away and restore the real one from a backup")
            .into_io());
    }
    let mode = st.st_mode & 0o777;
    if mode & 0o077 != 0 {
        return Err(loose_refusal(path, mode, is_dir).into_io());
    }
    Ok(())
}

/// A private temporary file created inside an already opened (and checked) directory; removed on
/// drop unless kept.
struct Temp {
    dir: Arc<OwnedFd>,
    dir_path: PathBuf,
    name: String,
    file: File,
    kept: bool,
}

impl Temp {
    fn create(dir: Arc<OwnedFd>, dir_path: &Path) -> Result<Temp> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let name = format!(
                ".tmp-{}-{}-{nanos:x}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            // O_EXCL: a name someone else created first (a link included) is never opened.
            match rustix::fs::openat(&dir, &name, flags, Mode::from_raw_mode(FILE_MODE)) {
                Ok(fd) => {
                    return Ok(Temp {
                        dir,
                        dir_path: dir_path.to_path_buf(),
                        name,
                        file: File::from(fd),
                        kept: false,
                    });
                }
                Err(rustix::io::Errno::EXIST) => {}
                Err(e) => {
                    return Err(Error::io(
                        "cannot create a temporary file in",
                        dir_path,
                        e.into(),
                    ));
                }
            }
        }
    }

    fn path(&self) -> PathBuf {
        self.dir_path.join(&self.name)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.kept {
            let _ = rustix::fs::unlinkat(&self.dir, &self.name, AtFlags::empty());
        }
    }
}

/// Creates a new private file; refuses to overwrite.
pub fn create_new_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = fs::OpenOptions::new()
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

/// Refuses a file or directory that group or others can access, like ssh does for private keys,
/// and a symbolic link (agentcred never follows one inside the vault). By path: for the checks
/// at startup; reads and writes check again on the descriptor they open (see [`open`]).
pub fn check_private(path: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("cannot inspect", path, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(symlink_refusal(path));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(loose_refusal(path, mode, meta.is_dir()));
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
    staging_fd: Arc<OwnedFd>,
    staged: Vec<(Temp, PathBuf)>,
    removed: Vec<PathBuf>,
}

/// Stages files for a [`Batch`] on any thread: a commit that rewrites thousands of envelopes
/// writes them on every core.
#[derive(Clone)]
pub struct Stager {
    staging: PathBuf,
    staging_fd: Arc<OwnedFd>,
}

/// A file written into `.staging`, for [`Batch::add`]; deleted if dropped before.
pub struct StagedFile {
    temp: Temp,
    target: PathBuf,
}

impl Stager {
    /// Writes `bytes` into a new file in `.staging`, to become `target` when the batch commits.
    pub fn stage(&self, target: &Path, bytes: &[u8]) -> Result<StagedFile> {
        let mut temp = Temp::create(self.staging_fd.clone(), &self.staging)?;
        temp.file
            .write_all(bytes)
            .map_err(|e| Error::io("cannot write", target, e))?;
        Ok(StagedFile {
            temp,
            target: target.to_path_buf(),
        })
    }
}

impl Batch {
    /// A batch for the vault in `vault_dir`, staging in its `.staging` directory.
    pub fn new(vault_dir: &Path) -> Result<Batch> {
        let staging = vault_dir.join(STAGING);
        private_subdir(&staging)?;
        let staging_fd =
            open_dir(&staging).map_err(|e| Error::io("cannot open directory", &staging, e))?;
        Ok(Batch {
            staging,
            staging_fd,
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
        let mut temp = Temp::create(self.staging_fd.clone(), &self.staging)?;
        {
            let mut buffered = std::io::BufWriter::with_capacity(256 * 1024, &mut temp.file);
            write(&mut buffered)?;
            buffered
                .flush()
                .map_err(|e| Error::io("cannot write", target, e))?;
        }
        self.staged.push((temp, target.to_path_buf()));
        Ok(())
    }

    /// A handle that stages files for this batch from any thread (see [`Stager::stage`]).
    pub fn stager(&self) -> Stager {
        Stager {
            staging: self.staging.clone(),
            staging_fd: self.staging_fd.clone(),
        }
    }

    /// Adds a file staged by [`Stager::stage`] to the batch.
    pub fn add(&mut self, staged: StagedFile) {
        self.staged.push((staged.temp, staged.target));
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
                temp.file
                    .sync_all()
                    .map_err(|e| Error::io("cannot sync", &temp.path(), e))?;
            }
        } else if let Some((first, _)) = self.staged.first() {
            rustix::fs::syncfs(&first.file)
                .map_err(|e| Error::io("cannot sync", &first.path(), e.into()))?;
        }
        if self.staged.is_empty() {
            return Ok(());
        }
        rustix::fs::fsync(&*self.staging_fd)
            .map_err(|e| Error::io("cannot sync directory", &self.staging, e.into()))
    }

    /// Commits the batch through a journal, so that a crash at any point is either rolled back
    /// or rolled forward as a whole (see [`recover`]):
    ///
    /// 1. the staged files are kept on disk (no longer deleted on drop) and synced;
    /// 2. the journal, naming every rename and removal, the audit entry that commits it and where
    ///    on the log the change's entries begin, is written durably;
    /// 3. `commit_point` runs (it appends the change's audit entries): if it fails, the batch is
    ///    rolled back; once it has succeeded, the change has happened;
    /// 4. everything is renamed into place, removals done, directories synced, journal deleted.
    pub fn commit_journaled(
        self,
        vault_dir: &Path,
        audit_head: (u64, &str),
        audit_span: (u64, u64),
        commit_point: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.sync()?;
        let mut renames = Vec::with_capacity(self.staged.len());
        for (mut temp, target) in self.staged {
            temp.kept = true;
            renames.push((temp.path(), target));
        }
        let journal = Journal {
            audit_seq: audit_head.0,
            audit_hash: audit_head.1.to_string(),
            audit_from: Some(audit_span.0),
            audit_to: Some(audit_span.1),
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

/// The most agentcred reads of a journal: a rename names two paths, so this is room for far more
/// files than the largest vault has.
const MAX_JOURNAL: u64 = 256 << 20;

#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    audit_seq: u64,
    audit_hash: String,
    /// Where on the log the change's entries begin and end (absent in journals of older
    /// versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_from: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_to: Option<u64>,
    renames: Vec<(PathBuf, PathBuf)>,
    removes: Vec<PathBuf>,
}

impl Journal {
    /// The journal with every path checked to be a file inside `vault_dir` (one or two plain
    /// names below it, no `..`), and spelled from `vault_dir` as given now. The journal is a file
    /// of the vault like any other: one edited to name files elsewhere would otherwise have
    /// recovery rename or delete them.
    fn inside(self, vault_dir: &Path, journal_path: &Path) -> Result<Journal> {
        let canonical = fs::canonicalize(vault_dir).ok();
        let confine = |p: &Path| -> Result<PathBuf> {
            let rel = p
                .strip_prefix(vault_dir)
                .ok()
                .or_else(|| canonical.as_deref().and_then(|c| p.strip_prefix(c).ok()));
            let plain = rel.filter(|r| {
                let n = r.components().count();
                (1..=2).contains(&n)
                    && r.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)))
            });
            plain.map(|r| vault_dir.join(r)).ok_or_else(|| {
                Error::bad_data(format!(
                    "{} names a file outside the vault ({})",
                    journal_path.display(),
                    p.display()
                ))
                .hint(format!(
                    "it was edited outside agentcred: move {} away, and check the vault against a backup",
                    journal_path.display()
                ))
            })
        };
        let renames = self
            .renames
            .iter()
            .map(|(temp, target)| Ok((confine(temp)?, confine(target)?)))
            .collect::<Result<_>>()?;
        let removes = self
            .removes
            .iter()
            .map(|p| confine(p))
            .collect::<Result<_>>()?;
        Ok(Journal {
            renames,
            removes,
            ..self
        })
    }

    /// Renames and removes through descriptors of the checked directories, so that no step of a
    /// commit goes through a link out of the vault.
    fn roll_forward(&self, journal_path: &Path) -> Result<()> {
        let mut dirs: BTreeMap<PathBuf, Arc<OwnedFd>> = BTreeMap::new();
        for (temp, target) in &self.renames {
            let from = open_cached(&mut dirs, parent(temp))?;
            let to = open_cached(&mut dirs, parent(target))?;
            let io_err = |e| Error::io("cannot replace", target, e);
            match rustix::fs::renameat(
                &dirs[from],
                file_name(temp).map_err(io_err)?,
                &dirs[to],
                file_name(target).map_err(io_err)?,
            ) {
                Ok(()) => {}
                // Already renamed by an earlier, interrupted roll-forward.
                Err(rustix::io::Errno::NOENT) if fs::symlink_metadata(target).is_ok() => {}
                Err(e) => return Err(io_err(e.into())),
            }
        }
        for target in &self.removes {
            let dir = parent(target);
            let name = file_name(target).map_err(|e| Error::io("cannot remove", target, e))?;
            if !dirs.contains_key(dir) {
                match open_dir(dir) {
                    Ok(fd) => {
                        dirs.insert(dir.to_path_buf(), fd);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::io("cannot open directory", dir, e)),
                }
            }
            match rustix::fs::unlinkat(&dirs[dir], name, AtFlags::empty()) {
                Ok(()) | Err(rustix::io::Errno::NOENT) => {}
                Err(e) => return Err(Error::io("cannot remove", target, e.into())),
            }
        }
        for (dir, fd) in &dirs {
            rustix::fs::fsync(fd).map_err(|e| Error::io("cannot sync directory", dir, e.into()))?;
        }
        remove_journal(journal_path)
    }

    fn roll_back(&self, journal_path: &Path) {
        for (temp, _) in &self.renames {
            let _ = remove_file(temp);
        }
        let _ = remove_journal(journal_path);
    }
}

/// The checked descriptor of `dir`, opened once per commit.
fn open_cached<'a>(dirs: &mut BTreeMap<PathBuf, Arc<OwnedFd>>, dir: &'a Path) -> Result<&'a Path> {
    if !dirs.contains_key(dir) {
        let fd = open_dir(dir).map_err(|e| Error::io("cannot open directory", dir, e))?;
        dirs.insert(dir.to_path_buf(), fd);
    }
    Ok(dir)
}

/// Cuts the audit log at `at` if it is longer but ends within `to`, where the interrupted change's
/// entries would have ended: whatever is there is theirs (every writer recovers an interrupted
/// change under the lock before it appends, so nothing follows them; a log that runs past `to`
/// is left as it is).
fn cut_log(path: &Path, at: u64, to: u64) -> Result<()> {
    let file = match OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("cannot repair the audit log", path, e)),
    };
    let len = file
        .metadata()
        .map_err(|e| Error::io("cannot repair the audit log", path, e))?
        .len();
    if len > at && len <= to {
        file.set_len(at)
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::io("cannot repair the audit log", path, e))?;
    }
    Ok(())
}

fn remove_journal(path: &Path) -> Result<()> {
    match remove_file(path) {
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
    let found = match read_bounded(&journal_path, MAX_JOURNAL) {
        Ok(bytes) => {
            match serde_json::from_slice::<Journal>(&bytes) {
                Ok(j) => {
                    let j = j.inside(vault_dir, &journal_path)?;
                    if committed(j.audit_seq, &j.audit_hash)? {
                        j.roll_forward(&journal_path)?;
                    } else {
                        // A kill can cut a large append short after whole lines of it reached
                        // the file: entries of a change that did not happen, cut off with it.
                        if let Some(from) = j.audit_from {
                            let to = j.audit_to.unwrap_or(u64::MAX);
                            cut_log(&vault_dir.join(crate::audit::FILE), from, to)?;
                        }
                        j.roll_back(&journal_path);
                        // Left in place, it would be undone again at every append, each time
                        // cutting what was appended since.
                        if journal_path.exists() {
                            return Err(Error::io(
                                "cannot remove",
                                &journal_path,
                                std::io::Error::other(
                                    "the interrupted change was undone, but its journal remains",
                                ),
                            ));
                        }
                    }
                }
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
                let _ = remove_file(&e.path());
            }
        }
    }
    Ok(found)
}

/// A private temporary directory (0700, as a vault directory is), for tests.
#[cfg(test)]
pub fn private_tempdir() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .permissions(fs::Permissions::from_mode(DIR_MODE))
        .tempdir()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn vault() -> (tempfile::TempDir, PathBuf) {
        let root = private_tempdir().unwrap();
        let dir = root.path().join("vault");
        create_private_dir(&dir).unwrap();
        (root, dir)
    }

    fn refusal(e: std::io::Error, path: &Path) -> Error {
        Error::io("cannot read", path, e)
    }

    #[test]
    fn a_private_file_reads_and_a_missing_one_is_not_found() {
        let (_root, dir) = vault();
        let f = dir.join("list.jsonl");
        assert_eq!(read(&f).unwrap_err().kind(), std::io::ErrorKind::NotFound);
        OpenOptions::new()
            .append(true)
            .create(true)
            .open(&f)
            .unwrap()
            .write_all(b"line\n")
            .unwrap();
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(read_to_string(&f).unwrap(), "line\n");
    }

    #[test]
    fn a_linked_file_is_refused_for_reads_and_writes_and_nothing_reaches_its_target() {
        let (root, dir) = vault();
        let outside = root.path().join("outside.jsonl");
        fs::write(&outside, b"outside\n").unwrap();
        fs::set_permissions(&outside, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.join("list.jsonl");
        symlink(&outside, &link).unwrap();
        let e = refusal(read(&link).unwrap_err(), &link);
        assert_eq!(e.exit_code(), 65, "{e}");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        let e = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&link)
            .unwrap_err();
        assert_eq!(refusal(e, &link).exit_code(), 65);
        assert_eq!(fs::read(&outside).unwrap(), b"outside\n");
        // A dangling link: creating through it would make a file where it points.
        let planted = root.path().join("planted");
        let dangling = dir.join("new.jsonl");
        symlink(&planted, &dangling).unwrap();
        let e = OpenOptions::new()
            .write(true)
            .create(true)
            .open(&dangling)
            .unwrap_err();
        assert_eq!(refusal(e, &dangling).exit_code(), 65);
        assert!(!planted.exists());
    }

    #[test]
    fn a_linked_directory_is_refused_for_reads_writes_replacements_and_removals() {
        let (root, dir) = vault();
        let elsewhere = root.path().join("elsewhere");
        create_private_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join("a.json"), b"{}").unwrap();
        fs::set_permissions(elsewhere.join("a.json"), fs::Permissions::from_mode(0o600)).unwrap();
        let sub = dir.join("activity");
        symlink(&elsewhere, &sub).unwrap();
        let file = sub.join("a.json");
        assert_eq!(refusal(read(&file).unwrap_err(), &file).exit_code(), 65);
        let e = OpenOptions::new().write(true).open(&file).unwrap_err();
        assert_eq!(refusal(e, &file).exit_code(), 65);
        assert_eq!(write_atomic(&file, b"[]").unwrap_err().exit_code(), 65);
        assert_eq!(
            refusal(remove_file(&file).unwrap_err(), &file).exit_code(),
            65
        );
        assert_eq!(private_subdir(&sub).unwrap_err().exit_code(), 65);
        assert_eq!(fs::read(elsewhere.join("a.json")).unwrap(), b"{}");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 1);
    }

    #[test]
    fn a_subdirectory_resolves_inside_the_vault_directory_checked_first_even_after_a_swap() {
        let (root, dir) = vault();
        let real = dir.join("agents");
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(DIR_MODE)).unwrap();
        fs::write(real.join("x"), b"real").unwrap();
        fs::set_permissions(real.join("x"), fs::Permissions::from_mode(FILE_MODE)).unwrap();
        // The command checks the vault directory first, as every command does.
        write_atomic(&dir.join("vault.toml"), b"t").unwrap();
        // Another process moves the vault away and puts a link to a look-alike in its place.
        let moved = root.path().join("moved");
        fs::rename(&dir, &moved).unwrap();
        let fake = root.path().join("fake");
        create_private_dir(&fake.join("agents")).unwrap();
        fs::write(fake.join("agents/x"), b"fake").unwrap();
        fs::set_permissions(fake.join("agents/x"), fs::Permissions::from_mode(FILE_MODE)).unwrap();
        symlink(&fake, &dir).unwrap();
        // Files in the subdirectory are those of the directory that was checked.
        assert_eq!(read(&dir.join("agents/x")).unwrap(), b"real");
        write_atomic(&dir.join("agents/y"), b"new").unwrap();
        assert_eq!(fs::read(moved.join("agents/y")).unwrap(), b"new");
        assert!(!fake.join("agents/y").exists());
    }

    #[test]
    fn loose_modes_are_refused_on_the_descriptor_with_the_chmod_to_run() {
        let (_root, dir) = vault();
        let f = dir.join("index");
        write_atomic(&f, b"x").unwrap();
        for mode in [0o640, 0o644, 0o666, 0o777] {
            fs::set_permissions(&f, fs::Permissions::from_mode(mode)).unwrap();
            let e = refusal(read(&f).unwrap_err(), &f);
            assert_eq!(e.exit_code(), 78, "{e}");
            assert_eq!(
                e.hint_text().unwrap(),
                format!("run: chmod 600 {}", f.display())
            );
        }
        fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let e = refusal(read(&f).unwrap_err(), &f);
        assert_eq!(e.exit_code(), 78, "{e}");
        assert_eq!(
            e.hint_text().unwrap(),
            format!("run: chmod 700 {}", dir.display())
        );
        assert_eq!(write_atomic(&f, b"y").unwrap_err().exit_code(), 78);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        let sub = dir.join("agents");
        private_subdir(&sub).unwrap();
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o777)).unwrap();
        // An existing directory is checked, never silently re-permissioned.
        assert_eq!(private_subdir(&sub).unwrap_err().exit_code(), 78);
    }

    #[test]
    fn a_fifo_in_place_of_a_file_is_refused_without_hanging() {
        let (_root, dir) = vault();
        let f = dir.join("revoked.jsonl");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &f,
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let e = refusal(read(&f).unwrap_err(), &f);
        assert_eq!(e.exit_code(), 65, "{e}");
    }

    #[test]
    fn an_oversized_journal_is_refused_without_being_read() {
        let (_root, dir) = vault();
        let journal = dir.join(JOURNAL);
        write_atomic(&journal, b"{").unwrap();
        File::options()
            .append(true)
            .open(&journal)
            .unwrap()
            .set_len(MAX_JOURNAL + 1)
            .unwrap();
        let e = recover(&dir, |_, _| Ok(true)).unwrap_err();
        assert_eq!(e.exit_code(), 65, "{e}");
        assert!(e.to_string().contains("larger than"), "{e}");
    }

    #[test]
    fn recovery_cuts_off_the_entries_of_a_change_that_did_not_commit() {
        let (_root, dir) = vault();
        let log = dir.join(crate::audit::FILE);
        let interrupted = |committed: bool, to: u64| {
            write_atomic(&log, b"entry 1\nentry 2, of the change\nentry 3, cut sh").unwrap();
            let journal = Journal {
                audit_seq: 3,
                audit_hash: "h".into(),
                audit_from: Some(8),
                audit_to: Some(to),
                renames: vec![],
                removes: vec![],
            };
            write_atomic(&dir.join(JOURNAL), &serde_json::to_vec(&journal).unwrap()).unwrap();
            assert!(recover(&dir, |_, _| Ok(committed)).unwrap());
            assert!(!dir.join(JOURNAL).exists());
            fs::read(&log).unwrap()
        };
        // The whole lines a kill let through belong to a change that never happened.
        assert_eq!(interrupted(false, 60), b"entry 1\n");
        let all = b"entry 1\nentry 2, of the change\nentry 3, cut sh";
        assert_eq!(interrupted(true, 60), all);
        // A log that runs past where the change's entries would end holds someone else's too:
        // left as it is.
        assert_eq!(interrupted(false, 30), all);
    }

    #[test]
    fn a_batch_commits_through_checked_directories_and_leaves_no_temporary_file() {
        let (_root, dir) = vault();
        private_subdir(&dir.join("agents")).unwrap();
        let mut batch = Batch::new(&dir).unwrap();
        batch
            .write(&dir.join("agents").join("index"), b"i")
            .unwrap();
        batch.write(&dir.join("vault.toml"), b"t").unwrap();
        batch
            .commit_journaled(&dir, (1, "h"), (0, 0), || Ok(()))
            .unwrap();
        assert_eq!(fs::read(dir.join("agents/index")).unwrap(), b"i");
        assert_eq!(fs::read(dir.join("vault.toml")).unwrap(), b"t");
        assert_eq!(fs::read_dir(dir.join(STAGING)).unwrap().count(), 0);
        assert!(!dir.join(JOURNAL).exists());
        // Dropped before committing: its files are gone.
        let mut batch = Batch::new(&dir).unwrap();
        batch.write(&dir.join("vault.toml"), b"u").unwrap();
        drop(batch);
        assert_eq!(fs::read_dir(dir.join(STAGING)).unwrap().count(), 0);
        assert_eq!(fs::read(dir.join("vault.toml")).unwrap(), b"t");
    }
}
