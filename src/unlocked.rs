//! The unlock session: `agentcred unlock` leaves a small process behind that holds the vault's
//! unlocked admin identity in memory, so that the admin commands after it need neither the KDF nor
//! a prompt, as ssh-agent does for SSH keys.
//!
//! The process is agentcred itself, started again as `agentcred __session` with the identity on
//! a pipe (never in its arguments or environment). It makes itself a session leader, turns off
//! core dumps and ptrace by the same user, locks its memory where the limits allow, and listens
//! on a Unix socket, mode 0600 in a directory of mode 0700: `$XDG_RUNTIME_DIR/agentcred/` when
//! that is the user's own private runtime directory, else the vault directory. It answers only
//! peers of its own uid (checked with `SO_PEERCRED` on every connection, also when the file
//! modes were loosened), and only for the vault it was unlocked for. It ends at its deadline
//! (`--for`), after `--idle` without a request, on `agentcred lock`, or on SIGTERM, and removes
//! its socket as it goes.
//!
//! Anything of the same user that reaches the socket can use the session while it lasts: that is
//! what a session is. The exec sandbox covers both places the socket can be, so a program under
//! `exec` cannot.
//!
//! The protocol is one JSON request and one JSON answer per connection, each a line:
//! `{"op":"identity","vault_id":ID}`, `{"op":"status"}` and `{"op":"lock"}`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// The hidden subcommand the session process runs as.
pub const SERVE: &str = "__session";

/// The longest request or answer line.
const MAX_LINE: u64 = 4096;

/// How long a client waits for the session to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Request {
    Identity { vault_id: String },
    Status,
    Lock,
}

/// What a session says about itself (`status`, `unlock`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Info {
    pub pid: u32,
    pub vault_id: String,
    pub socket: PathBuf,
    #[serde(with = "crate::clock::ts")]
    pub started_at: DateTime<Utc>,
    /// When it ends at the latest (`--for`).
    #[serde(with = "crate::clock::ts")]
    pub expires_at: DateTime<Utc>,
    /// How long it may go without a request before it ends.
    pub idle_secs: u64,
}

#[derive(Serialize, Deserialize)]
struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    info: Option<Info>,
}

/// Where the session socket of the vault `vault_id` in `vault_dir` lives.
pub fn socket_path(vault_dir: &Path, vault_id: &str) -> PathBuf {
    let name = format!("session-{vault_id}");
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && private_to_us(p))
    {
        let path = runtime.join("agentcred").join(&name);
        // A Unix socket path must fit in 108 bytes with its NUL.
        if path.as_os_str().len() < 100 {
            return path;
        }
    }
    // Absolute: the session process runs in `/`.
    std::path::absolute(vault_dir)
        .unwrap_or_else(|_| vault_dir.to_path_buf())
        .join(name)
}

fn private_to_us(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| {
        m.is_dir() && m.uid() == rustix::process::geteuid().as_raw() && m.mode() & 0o077 == 0
    })
}

/// Asks the session at `socket` one question. `None` when nothing answers there (no session, or
/// one that has ended and left its socket behind).
fn ask(socket: &Path, request: &Request) -> Option<Answer> {
    let stream = UnixStream::connect(socket).ok()?;
    // Only a session of this user is trusted with the question (and with the answer).
    if !crate::exec::socket::same_user(&stream) {
        return None;
    }
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    let mut line = serde_json::to_vec(request).expect("requests serialise");
    line.push(b'\n');
    (&stream).write_all(&line).ok()?;
    let mut answer = zeroize::Zeroizing::new(String::new());
    BufReader::new((&stream).take(MAX_LINE))
        .read_line(&mut answer)
        .ok()?;
    serde_json::from_str(&answer).ok()
}

/// The admin identity from the session of this vault, if one runs and answers.
pub fn identity(vault_dir: &Path, vault_id: &str) -> Option<(SecretText, Info)> {
    let socket = socket_path(vault_dir, vault_id);
    let answer = ask(
        &socket,
        &Request::Identity {
            vault_id: vault_id.to_string(),
        },
    )?;
    Some((SecretText::new(answer.identity?), answer.info?))
}

/// What the session of this vault says about itself, if one runs.
pub fn status(vault_dir: &Path, vault_id: &str) -> Option<Info> {
    ask(&socket_path(vault_dir, vault_id), &Request::Status)?.info
}

/// Ends the session of this vault; what it was, if one ran.
pub fn lock(vault_dir: &Path, vault_id: &str) -> Option<Info> {
    let socket = socket_path(vault_dir, vault_id);
    let info = ask(&socket, &Request::Lock)?.info;
    // It removes its socket as it exits: wait a moment for that, so the next command finds none.
    let until = Instant::now() + Duration::from_secs(2);
    while socket.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    info
}

/// What `unlock` hands the session process on its stdin: one JSON line.
#[derive(Serialize, Deserialize)]
struct Handover {
    identity: String,
    vault_id: String,
    vault_dir: PathBuf,
    lifetime_secs: u64,
    idle_secs: u64,
}

/// Starts a session for the vault in `vault_dir` holding `identity` (an `AGE-SECRET-KEY-1…`),
/// replacing one that runs already; returns what it says about itself once it listens.
pub fn start(
    vault_dir: &Path,
    vault_id: &str,
    identity: &SecretText,
    lifetime: Duration,
    idle: Duration,
) -> Result<Info> {
    use std::process::{Command, Stdio};
    let _ = lock(vault_dir, vault_id);
    let exe = std::env::current_exe().map_err(|e| {
        Error::other(format!(
            "cannot find the agentcred binary to run the session: {e}"
        ))
    })?;
    let mut child = Command::new(exe)
        .arg(SERVE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/")
        .env_clear()
        .envs(
            ["XDG_RUNTIME_DIR", "HOME", "PATH"]
                .iter()
                .filter_map(|k| std::env::var_os(k).map(|v| (*k, v))),
        )
        .spawn()
        .map_err(|e| Error::other(format!("cannot start the session process: {e}")))?;
    let handover = Handover {
        identity: identity.expose_secret().to_string(),
        vault_id: vault_id.to_string(),
        vault_dir: std::path::absolute(vault_dir).unwrap_or_else(|_| vault_dir.to_path_buf()),
        lifetime_secs: lifetime.as_secs().max(1),
        idle_secs: idle.as_secs().max(1),
    };
    let mut line =
        zeroize::Zeroizing::new(serde_json::to_vec(&handover).expect("handovers serialise"));
    drop(handover);
    line.push(b'\n');
    let mut stdin = child.stdin.take().expect("piped stdin");
    let sent = stdin.write_all(&line);
    drop(stdin);
    drop(line);
    let mut ready = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| BufReader::new(out.take(MAX_LINE)).read_line(&mut ready));
    let info: Option<Info> = serde_json::from_str(ready.trim()).ok();
    match (sent, read, info) {
        (Ok(()), Some(Ok(_)), Some(info)) => Ok(info),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            Err(Error::other("the session process did not start"))
        }
    }
}

/// The session process (`agentcred __session`): reads its [`Handover`] from stdin, listens, says
/// so on stdout as one line of [`Info`], and serves until it ends.
pub fn serve() -> Result<()> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .take(MAX_LINE)
        .read_line(&mut line)
        .map_err(|e| Error::other(format!("cannot read the session's handover: {e}")))?;
    let handover: Handover = serde_json::from_str(&line)
        .map_err(|_| Error::usage("agentcred __session is started by `agentcred unlock` only"))?;
    drop(line);
    let identity = SecretText::new(handover.identity);
    let _ = rustix::process::setsid();
    lock_memory();
    let socket = socket_path(&handover.vault_dir, &handover.vault_id);
    let listener = bind(&socket)?;
    let started = Instant::now();
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let lifetime = Duration::from_secs(handover.lifetime_secs);
    let idle = Duration::from_secs(handover.idle_secs);
    let info = Info {
        pid: std::process::id(),
        vault_id: handover.vault_id.clone(),
        socket: socket.clone(),
        started_at: now,
        expires_at: now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX),
        idle_secs: handover.idle_secs,
    };
    let terminated = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register(sig, terminated.clone());
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, &info);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }
    // Nothing more is said on stdout; a closed pipe there must not end the session.
    let _ = rustix::stdio::dup2_stdout(
        std::fs::File::open("/dev/null").map_err(|e| Error::other(e.to_string()))?,
    );
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::other(e.to_string()))?;
    let inode = std::fs::symlink_metadata(&socket).map(|m| m.ino()).ok();
    let mut last = Instant::now();
    loop {
        let deadline = (started + lifetime).min(last + idle);
        let now = Instant::now();
        if now >= deadline || terminated.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        // A socket removed or replaced (the directory cleaned up, another session started) leaves
        // this one unreachable: it ends rather than hold the key for nobody.
        if std::fs::symlink_metadata(&socket).map(|m| m.ino()).ok() != inode {
            return Ok(());
        }
        // Woken by a connection, or every 250 ms to look at the clock and the signals.
        let wait = (deadline - now).min(Duration::from_millis(250));
        let mut fds = [rustix::event::PollFd::new(
            &listener,
            rustix::event::PollFlags::IN,
        )];
        let timeout = rustix::event::Timespec {
            tv_sec: wait.as_secs() as i64,
            tv_nsec: i64::from(wait.subsec_nanos()),
        };
        if rustix::event::poll(&mut fds, Some(&timeout)).unwrap_or(0) == 0 {
            continue;
        }
        let Ok((stream, _)) = listener.accept() else {
            continue;
        };
        if answer(stream, &identity, &info) {
            break;
        }
        last = Instant::now();
    }
    let _ = std::fs::remove_file(&socket);
    drop(identity);
    Ok(())
}

/// Answers one connection; true when it asked the session to end.
fn answer(stream: UnixStream, identity: &SecretText, info: &Info) -> bool {
    if !crate::exec::socket::same_user(&stream) {
        return false;
    }
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
    let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
    let mut line = String::new();
    if BufReader::new((&stream).take(MAX_LINE))
        .read_line(&mut line)
        .is_err()
    {
        return false;
    }
    let (answer, end) = match serde_json::from_str::<Request>(&line) {
        Ok(Request::Identity { vault_id }) if vault_id == info.vault_id => (
            Answer {
                error: None,
                identity: Some(identity.expose_secret().to_string()),
                info: Some(info.clone()),
            },
            false,
        ),
        Ok(Request::Identity { .. }) => (refusal("this session unlocks another vault"), false),
        Ok(request @ (Request::Status | Request::Lock)) => (
            Answer {
                error: None,
                identity: None,
                info: Some(info.clone()),
            },
            matches!(request, Request::Lock),
        ),
        Err(_) => (refusal("not a request this session understands"), false),
    };
    let mut out = zeroize::Zeroizing::new(serde_json::to_vec(&answer).expect("answers serialise"));
    drop(answer);
    out.push(b'\n');
    let _ = (&stream).write_all(&out);
    end
}

fn refusal(why: &str) -> Answer {
    Answer {
        error: Some(why.to_string()),
        identity: None,
        info: None,
    }
}

/// Makes the socket's directory (0700, ours) and binds the socket (0600); a socket left by a
/// session that died is replaced.
fn bind(socket: &Path) -> Result<UnixListener> {
    let dir = socket.parent().expect("the socket is in a directory");
    let io = |e: std::io::Error| Error::io("cannot make the session socket", socket, e);
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(io)?;
    if !meta.is_dir()
        || meta.uid() != rustix::process::geteuid().as_raw()
        || meta.mode() & 0o077 != 0
    {
        return Err(Error::bad_data(format!(
            "{} is not a private directory of this user",
            dir.display()
        ))
        .hint("make it mode 0700 and yours, or remove it"));
    }
    if let Ok(m) = std::fs::symlink_metadata(socket) {
        use std::os::unix::fs::FileTypeExt;
        if !m.file_type().is_socket() {
            return Err(Error::bad_data(format!(
                "{} is in the way of the session socket",
                socket.display()
            ))
            .hint("move it away and run `agentcred unlock` again"));
        }
        let _ = std::fs::remove_file(socket);
    }
    // Created 0600 from the start: no moment in which another user could connect.
    let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let bound = UnixListener::bind(socket);
    rustix::process::umask(old);
    let listener = bound.map_err(io)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    Ok(listener)
}

/// Keeps the identity, already in memory, out of swap where the memory-lock limit allows (best
/// effort). Only what is mapped now: locking future mappings too would make an allocation past the
/// limit fail, and end the session.
fn lock_memory() {
    let _ = rustix::mm::mlockall(rustix::mm::MlockAllFlags::CURRENT);
}
