//! The per-run socket: how a program under `exec` reaches its supervisor without reaching the
//! vault. The supervising `agentcred exec` makes a private directory outside the vault (under
//! `$XDG_RUNTIME_DIR` when that is ours and private and the sandbox does not cover it, else the
//! temporary directory), binds a Unix
//! socket in it, and names the socket to the program in `AGENTCRED_RUN_SOCKET`. Both are removed
//! when the run ends.
//!
//! This module is only the transport: the directory, the peer check and the framing (one JSON
//! document per line, each at most [`MAX_LINE`] bytes). What is asked and answered lives with
//! `exec` itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The variable that names the socket to the program.
pub const ENV: &str = "AGENTCRED_RUN_SOCKET";

/// The longest request or answer, newline excluded.
pub const MAX_LINE: usize = 64 * 1024;

/// A Unix socket path must fit in `sun_path` (108 bytes on Linux, with its terminating NUL).
const MAX_PATH: usize = 100;

/// The run's directory and the listening socket in it; both are removed on drop.
pub struct RunDir {
    dir: PathBuf,
    path: PathBuf,
    pub listener: UnixListener,
}

impl RunDir {
    /// Makes the directory (0700) and binds the socket in it (0600), outside the directories a
    /// sandbox covers (`covered`, real paths), where the program could not reach it.
    pub fn create(covered: &[PathBuf]) -> Result<RunDir> {
        let mut bases: Vec<PathBuf> = Vec::with_capacity(3);
        if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute() && private_to_us(p))
        {
            bases.push(runtime);
        }
        bases.push(std::env::temp_dir());
        bases.push(PathBuf::from("/tmp"));
        bases.retain(|b| {
            let real = std::fs::canonicalize(b).unwrap_or_else(|_| b.clone());
            !covered.iter().any(|c| real.starts_with(c))
        });
        let mut last = None;
        for base in &bases {
            match RunDir::create_in(base) {
                Ok(run) => return Ok(run),
                Err(e) => last = Some(Error::io("cannot create the run socket in", base, e)),
            }
        }
        let last = last.unwrap_or_else(|| {
            Error::other("every directory for the run socket is one the sandbox hides")
        });
        Err(last.hint("set TMPDIR (or XDG_RUNTIME_DIR) to a short, writable directory the sandbox does not hide"))
    }

    fn create_in(base: &Path) -> std::io::Result<RunDir> {
        for _ in 0..8 {
            let name: String = crate::crypto::random_bytes::<8>()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let dir = base.join(format!("agentcred-run-{name}"));
            let path = dir.join("s");
            if path.as_os_str().len() > MAX_PATH {
                return Err(std::io::Error::other("the path is too long for a socket"));
            }
            // A fresh name each time: in a shared directory such as /tmp nobody can have made it
            // ready for us, and if one exists all the same it is not ours, so try another.
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
            let bound = UnixListener::bind(&path).and_then(|listener| {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                Ok(listener)
            });
            return match bound {
                Ok(listener) => Ok(RunDir {
                    dir,
                    path,
                    listener,
                }),
                Err(e) => {
                    let _ = std::fs::remove_file(&path);
                    let _ = std::fs::remove_dir(&dir);
                    Err(e)
                }
            };
        }
        Err(std::io::Error::other("no free name for the run directory"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run's private directory (0700), which holds the socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Ours and closed to everyone else, as a runtime directory must be to hold a socket.
pub fn private_to_us(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| {
        m.is_dir() && m.uid() == rustix::process::geteuid().as_raw() && m.mode() & 0o077 == 0
    })
}

/// Whether the process at the other end runs as our user (in a user namespace the kernel maps the
/// id into ours, so a sandboxed program of the same user passes).
pub fn same_user(stream: &UnixStream) -> bool {
    rustix::net::sockopt::socket_peercred(stream)
        .is_ok_and(|c| c.uid.as_raw() == rustix::process::geteuid().as_raw())
}

/// Whether the process at the other end is `root` or a descendant of it: its parent chain, read
/// from `/proc`, reaches `root`. A process that left the tree (reparented to init or a subreaper
/// after its parent exited) is no longer answered, and neither is one whose chain cannot be read.
pub fn from_descendant(stream: &UnixStream, root: u32) -> bool {
    let Ok(cred) = rustix::net::sockopt::socket_peercred(stream) else {
        return false;
    };
    let Ok(mut pid) = u32::try_from(cred.pid.as_raw_nonzero().get()) else {
        return false;
    };
    // Deeper trees than this are not a run's program and its helpers.
    for _ in 0..64 {
        if root != 0 && pid == root {
            return true;
        }
        match parent_of(pid) {
            Some(parent) if parent > 1 => pid = parent,
            _ => return false,
        }
    }
    false
}

/// The parent of `pid`, from `/proc/PID/stat` (the field after the parenthesised command name,
/// which may itself hold spaces and parentheses, so the last `)` is where it ends).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// One end of a connection, read and written a line at a time.
pub struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Conn {
    pub fn new(stream: UnixStream) -> std::io::Result<Conn> {
        let writer = stream.try_clone()?;
        Ok(Conn {
            reader: BufReader::new(stream),
            writer,
        })
    }

    pub fn connect(path: &Path) -> std::io::Result<Conn> {
        Conn::new(UnixStream::connect(path)?)
    }

    /// The next line without its newline; `None` at a clean end of the connection. A line longer
    /// than [`MAX_LINE`], or one cut short by the end, is an `InvalidData` error.
    pub fn read_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        (&mut self.reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if line.is_empty() {
            return Ok(None);
        }
        if line.last() != Some(&b'\n') {
            let what = if line.len() > MAX_LINE {
                "a line longer than 64 KiB"
            } else {
                "a line cut short"
            };
            zero(&mut line);
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, what));
        }
        line.pop();
        Ok(Some(line))
    }

    /// Sends one JSON document as a line; the buffer it was written through is cleared after.
    pub fn write_json(&mut self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let sent = self.writer.write_all(&line);
        zero(&mut line);
        sent
    }

    /// Sends a line as it is (a relay passing on what it read).
    pub fn write_raw(&mut self, line: &[u8]) -> std::io::Result<()> {
        let mut framed = Vec::with_capacity(line.len() + 1);
        framed.extend_from_slice(line);
        framed.push(b'\n');
        let sent = self.writer.write_all(&framed);
        zero(&mut framed);
        sent
    }

    pub fn stream(&self) -> &UnixStream {
        &self.writer
    }
}

/// Overwrites a buffer that may have held a value before it is freed.
pub fn zero(buf: &mut Vec<u8>) {
    zeroize::Zeroize::zeroize(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_private_and_gone_after_drop() {
        let run = RunDir::create(&[]).unwrap();
        let dir = run.path().parent().unwrap().to_path_buf();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(run.path()), 0o600);
        drop(run);
        assert!(!dir.exists());
    }

    #[test]
    fn lines_are_bounded() {
        let (a, b) = UnixStream::pair().unwrap();
        let mut reader = Conn::new(a).unwrap();
        let mut writer = Conn::new(b).unwrap();
        writer.write_raw(b"{}").unwrap();
        assert_eq!(reader.read_line().unwrap().unwrap(), b"{}");
        writer.write_raw(&vec![b'x'; MAX_LINE + 10]).unwrap();
        assert!(reader.read_line().is_err());
    }
}
