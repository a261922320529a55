//! Rollback of the vault's files beside an intact log: every entry carries the highest vault
//! generation any writer had seen (see [`super::sign`]), so files older than the log's last entry
//! were put back from a copy. Reading the log's tail keeps the check O(1) for every command.
//!
//! A commit appends its entries (the commit point) before it renames the new files into place, so
//! a reader that does not hold the lock can see the log one generation ahead for a moment. Before
//! refusing, such a reader waits for the lock (finishing an interrupted commit) and reads again.

use std::path::Path;

use crate::error::{Error, Result};

/// The log's head when it has seen a newer generation than `generation`.
pub fn behind(dir: &Path, generation: u64) -> Result<Option<super::Head>> {
    let head = super::head(dir)?;
    Ok((head.generation > generation).then_some(head))
}

/// Waits for any commit in progress to finish (or recovers one a crash interrupted), unless this
/// process holds the lock itself, in which case no commit can be in progress.
pub fn settle(dir: &Path) -> Result<()> {
    if crate::vault::lock::held() {
        return Ok(());
    }
    let _lock = crate::vault::lock::VaultLock::acquire(dir)?;
    crate::vault::recover(dir, |seq, hash| super::committed(dir, seq, hash)).map(drop)
}

/// Finishes or undoes an admin change a crash interrupted, if there is one. Call with the vault
/// lock held, before reading the log to act on it.
pub fn recover_locked(dir: &Path) -> Result<()> {
    if !dir.join(crate::vault::fsio::JOURNAL).exists() {
        return Ok(());
    }
    crate::vault::recover(dir, |seq, hash| super::committed(dir, seq, hash)).map(drop)
}

/// The refusal for `what` (a file at `generation`) older than the log's `head`.
pub fn rolled_back(what: &str, generation: u64, head: &super::Head) -> Error {
    Error::bad_data(format!(
        "{what} was rolled back: it is generation {generation}, but the audit log records generation {} (seq {})",
        head.generation, head.seq
    ))
    .hint("older copies of the vault files were put back; restore the newest backup, and run `agentcred audit verify`")
}

/// Reads something at a generation with `read`, and refuses it if the log has seen a newer one
/// (after waiting for a commit in progress, then reading once more).
pub fn checked<T>(dir: &Path, what: &str, mut read: impl FnMut() -> Result<(T, u64)>) -> Result<T> {
    let (value, generation) = read()?;
    if behind(dir, generation)?.is_none() {
        return Ok(value);
    }
    settle(dir)?;
    let (value, generation) = read()?;
    match behind(dir, generation)? {
        None => Ok(value),
        Some(head) => Err(rolled_back(what, generation, &head)),
    }
}
