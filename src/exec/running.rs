//! `running/`: one small record per supervised program, so that a credential whose supervisor
//! died (SIGKILL, a crash, a reboot) does not outlive it.
//!
//! Before the program starts, its supervisor writes `running/<credential id>` (directory 0700,
//! file 0600, created without following symlinks) with its process id, its start time (field 22
//! of `/proc/self/stat`) and the boot id, and removes it once `exec.end` and the revocation are
//! written. A record whose process is gone, or is another process now (a different start time or
//! boot), belongs to a dead supervisor: every later command that opens the vault ends that
//! credential on its behalf (a revocation signed with the record's one-off revocation key, which
//! can revoke this one credential and nothing else, and an `exec.end` with `ended_by:
//! "supervisor-died"`), and `verify` refuses it without writing anything.
//!
//! Nothing is synced: a record lost to a power cut belongs to a credential that dies with its
//! short expiry, and the boot id marks every record from an earlier boot as dead anyway.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{Action, Event, Outcome};
use crate::credential::revocation::{Revocation, RevocationList};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;

pub const DIR: &str = "running";

#[derive(Serialize, Deserialize)]
struct Record {
    id: String,
    agent: String,
    actor: String,
    pid: i32,
    start_time: u64,
    boot_id: String,
    expires_at: String,
    /// The one-off key the credential names as allowed to revoke it (and only it).
    revoke_key: String,
}

/// The record of a running supervisor; removed by [`Guard::remove`].
pub struct Guard {
    path: PathBuf,
}

impl Guard {
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// This process's start time in clock ticks since boot, as /proc shows it.
fn start_time(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Opens (creating it 0700 if need be) `running/` without following a symlink at its place.
fn open_dir(vault_dir: &Path, create: bool) -> std::io::Result<rustix::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let vault = rustix::fs::open(
        vault_dir,
        OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::PATH,
        Mode::empty(),
    )?;
    if create {
        match rustix::fs::mkdirat(&vault, DIR, Mode::from_raw_mode(0o700)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let dir = rustix::fs::openat(
        &vault,
        DIR,
        OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::RDONLY,
        Mode::empty(),
    )?;
    let st = rustix::fs::fstat(&dir)?;
    if st.st_mode & 0o077 != 0 || st.st_uid != rustix::process::geteuid().as_raw() {
        return Err(std::io::Error::other(
            "running/ is not a private directory of this user",
        ));
    }
    Ok(dir)
}

/// Writes the record of this supervisor for credential `id`.
pub fn start(
    vault_dir: &Path,
    id: &str,
    agent: &str,
    actor: &str,
    expires_at: DateTime<Utc>,
    revoke_key: &KeyPair,
) -> Result<Guard> {
    use rustix::fs::{Mode, OFlags};
    let path = vault_dir.join(DIR).join(id);
    let io = |e: std::io::Error| Error::io("cannot write", &path, e);
    let record = Record {
        id: id.to_string(),
        agent: agent.to_string(),
        actor: actor.to_string(),
        pid: i32::try_from(std::process::id()).unwrap_or(0),
        start_time: start_time("self").unwrap_or(0),
        boot_id: boot_id(),
        expires_at: crate::clock::rfc3339(expires_at),
        revoke_key: revoke_key.secret().expose_secret().to_string(),
    };
    let text = SecretText::new(serde_json::to_string(&record).expect("records serialise"));
    let dir = open_dir(vault_dir, true).map_err(io)?;
    let fd = rustix::fs::openat(
        &dir,
        id,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(|e| io(e.into()))?;
    std::fs::File::from(fd)
        .write_all(text.expose_secret().as_bytes())
        .map_err(io)?;
    Ok(Guard { path })
}

/// Is the supervisor of `r` gone?
fn is_dead(r: &Record, boot: &str) -> bool {
    r.boot_id != boot || r.pid <= 0 || start_time(&r.pid.to_string()) != Some(r.start_time)
}

/// The records of dead supervisors. Cheap when there are none: one failed open.
fn dead(vault_dir: &Path) -> Vec<Record> {
    let Ok(dir) = open_dir(vault_dir, false) else {
        return Vec::new();
    };
    let Ok(entries) = rustix::fs::Dir::read_from(&dir) else {
        return Vec::new();
    };
    let mut boot = None;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(text) = read_record(&dir, &name) else {
            continue;
        };
        let Ok(r) = serde_json::from_str::<Record>(text.expose_secret()) else {
            continue;
        };
        if r.id == name && is_dead(&r, boot.get_or_insert_with(boot_id)) {
            found.push(r);
        }
    }
    found
}

fn read_record(dir: &rustix::fd::OwnedFd, name: &str) -> std::io::Result<SecretText> {
    use rustix::fs::{Mode, OFlags};
    use std::io::Read;
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut text = String::new();
    std::fs::File::from(fd)
        .take(4096)
        .read_to_string(&mut text)?;
    Ok(SecretText::new(text))
}

/// The credential ids whose supervisor died: for `verify`, which refuses them without writing.
pub fn dead_ids(vault_dir: &Path) -> HashSet<String> {
    dead(vault_dir).into_iter().map(|r| r.id).collect()
}

/// Ends the credentials of dead supervisors: a revocation and an `exec.end` each, then the record
/// goes. Best effort: whatever fails is left for the next command.
pub fn reap(vault_dir: &Path, config: &crate::vault::VaultToml, now: DateTime<Utc>) {
    let found = dead(vault_dir);
    if found.is_empty() {
        return;
    }
    let Ok(_lock) = crate::vault::lock::VaultLock::acquire(vault_dir) else {
        return;
    };
    let Ok(list) = RevocationList::load(vault_dir, config, now) else {
        return;
    };
    for r in found {
        let path = vault_dir.join(DIR).join(&r.id);
        // Under the lock: another command may have reaped it meanwhile.
        if !path.exists() {
            continue;
        }
        if !list.contains(&r.id) {
            let Ok(key) = KeyPair::from_secret(&SecretText::new(r.revoke_key.clone())) else {
                continue;
            };
            let until = DateTime::parse_from_rfc3339(&r.expires_at)
                .ok()
                .map(|t| t.with_timezone(&Utc));
            let line = Revocation::new(
                crate::credential::revocation::By::Holder,
                &r.id,
                &r.agent,
                until,
                &key,
                now,
            );
            // Written by whichever command finds the record, which need not hold the agent's
            // key: so the entry is the agent's unsigned record of its run's end (as a keyless
            // writer's are), naming who ran it.
            let mut e = Event::new(format!("agent:{}", r.agent), Action::ExecEnd)
                .agent(&r.agent)
                .details(serde_json::json!({
                    "ended_by": "supervisor-died",
                    "supervisor_pid": r.pid,
                    "started_by": r.actor,
                }));
            e.credential_id = Some(r.id.clone());
            e.result = Some(Outcome::Error);
            if crate::session::append_locked(vault_dir, config, now, vec![e], &[line]).is_err() {
                continue;
            }
        }
        let _ = crate::vault::fsio::remove_file(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_dead_once_its_process_is_gone_or_another_process_has_its_pid() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let key = KeyPair::generate();
        let guard = start(dir.path(), "cr_1", "a", "admin", Utc::now(), &key).unwrap();
        assert!(dead_ids(dir.path()).is_empty(), "this process is alive");
        let path = dir.path().join(DIR).join("cr_1");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut r: Record = serde_json::from_str(&text).unwrap();
        let boot = boot_id();
        assert!(!is_dead(&r, &boot));
        r.start_time += 1;
        assert!(is_dead(&r, &boot), "a reused pid");
        r.start_time -= 1;
        assert!(is_dead(&r, "another boot"));
        r.pid = i32::MAX;
        assert!(is_dead(&r, &boot), "no such process");
        guard.remove();
        assert!(!path.exists());
    }
}
