//! The writer lock (the file `lock`): an advisory lock on a separate file, because renames replace
//! the inodes of `vault.age` and the envelopes. Every read-modify-write of vault files and every
//! audit append happens while it is held, so concurrent commands never lose an update or an entry.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

pub struct VaultLock {
    file: File,
}

/// How many locks this process holds now: a reader that must wait for a writer to finish does so
/// only when it does not hold the lock itself (it would wait for itself).
static HELD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Does this process hold a vault lock?
pub fn held() -> bool {
    HELD.load(std::sync::atomic::Ordering::SeqCst) > 0
}

impl VaultLock {
    /// Waits for the lock, up to `AGENTCRED_LOCK_TIMEOUT` seconds (default 30), then gives up with
    /// exit code 75.
    pub fn acquire(dir: &Path) -> Result<VaultLock> {
        let path = dir.join("lock");
        let file = super::fsio::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .mode(super::fsio::FILE_MODE)
            .open(&path)
            .map_err(|e| Error::io("cannot open", &path, e))?;
        let timeout = std::env::var("AGENTCRED_LOCK_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .map_or(Duration::from_secs(30), Duration::from_secs_f64);
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    HELD.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return Ok(VaultLock { file });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed() >= timeout {
                        return Err(Error::lock_busy(dir));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(25));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io("cannot lock", &path, e));
                }
            }
        }
    }
}

impl Drop for VaultLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
        HELD.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
