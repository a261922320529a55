//! The unlock session: `agentcred unlock` leaves a small process behind that holds the vault's
//! unlocked admin identity in memory, so that the admin commands after it need neither the KDF nor
//! a prompt, as ssh-agent does for SSH keys.
//!
//! The process is agentcred itself, started again as `agentcred __session` with the identity on
//! a pipe (never in its arguments or environment). It makes itself a session leader, closes what
//! it inherited, turns off core dumps and ptrace by the same user, locks its memory where the
//! limits allow, and listens on a Unix socket, mode 0600 in a directory of mode 0700:
//! `/run/user/UID/agentcred/` when that runtime directory is the user's own and private, else the
//! vault directory. Both are places the exec sandbox covers, and neither depends on the
//! environment of whoever runs `unlock` or `exec`.
//!
//! Only a shell that ran `eval "$(agentcred unlock)"` uses the session: `unlock` prints
//! `AGENTCRED_SESSION=TOKEN:SOCKET`, and a command finds the session through that variable alone
//! (it never goes looking for one). The token is a random 256-bit key that both sides prove they
//! hold with an HMAC over a fresh nonce, so neither ever sends it: a process that puts a session of
//! its own where the real one was (with a vault of its own beside it) learns nothing from a client
//! and cannot answer it. `exec` removes the variable from a program's environment.
//!
//! The session answers only peers of its own uid (`SO_PEERCRED` on every connection, also when
//! the file modes were loosened), gives the identity only for the vault it was unlocked for, and
//! ends at its deadline (`--for`), after `--idle` without an identity request, on `agentcred lock`,
//! on SIGTERM, or when its socket is removed or replaced, removing its socket as it goes.
//!
//! The protocol is one JSON request and one JSON answer per connection, each a line:
//! `{"op":"identity","vault_id":ID,"nonce":N,"mac":M}`, `{"op":"status"}` and `{"op":"lock"}`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// The hidden subcommand the session process runs as.
pub const SERVE: &str = "__session";

/// The variable that names the session to the commands of one shell: `TOKEN:SOCKET`.
pub const ENV: &str = "AGENTCRED_SESSION";

/// The longest request or answer line.
const MAX_LINE: usize = 4096;

/// How long a client waits for the session to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

const REQUEST_DOMAIN: &str = "agentcred-session-request-v1";
const ANSWER_DOMAIN: &str = "agentcred-session-answer-v1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Request {
    Identity {
        vault_id: String,
        nonce: String,
        mac: String,
    },
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
    /// How long it may go without an identity request before it ends.
    pub idle_secs: u64,
}

#[derive(Serialize, Deserialize)]
struct Answer<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    identity: Option<std::borrow::Cow<'a, str>>,
    /// The HMAC of the nonce and the identity under the token: the session holds the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    info: Option<Info>,
}

impl Answer<'_> {
    fn about(info: &Info) -> Answer<'static> {
        Answer {
            error: None,
            identity: None,
            proof: None,
            info: Some(info.clone()),
        }
    }

    fn refusal(why: &str) -> Answer<'static> {
        Answer {
            error: Some(why.to_string()),
            identity: None,
            proof: None,
            info: None,
        }
    }
}

fn mac(token: &[u8], domain: &str, parts: &[&str]) -> String {
    let mut message = Zeroizing::new(format!("{domain}\n"));
    for p in parts {
        message.push_str(p);
        message.push('\n');
    }
    crate::crypto::hex(&crate::crypto::hmac_sha256(token, message.as_bytes()))
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Where the session socket of vault `vault_id` in `vault_dir` is made: the user's private
/// runtime directory under /run/user, else the vault directory (absolute: the session process
/// runs in `/`).
pub fn socket_path(vault_dir: &Path, vault_id: &str) -> PathBuf {
    let name = format!("session-{vault_id}");
    let runtime = PathBuf::from(format!("/run/user/{}", rustix::process::geteuid().as_raw()));
    if crate::exec::socket::private_to_us(&runtime) {
        return runtime.join("agentcred").join(name);
    }
    std::path::absolute(vault_dir)
        .unwrap_or_else(|_| vault_dir.to_path_buf())
        .join(name)
}

/// The session this shell was given (`AGENTCRED_SESSION`): its token and socket.
fn named() -> Option<(Zeroizing<Vec<u8>>, PathBuf)> {
    let value = Zeroizing::new(std::env::var(ENV).ok()?);
    let (token, socket) = value.split_once(':')?;
    let token = Zeroizing::new(crate::crypto::unhex(token)?);
    (token.len() == 32 && socket.starts_with('/')).then(|| (token, PathBuf::from(socket)))
}

/// Reads one line of at most [`MAX_LINE`] bytes into a buffer that is zeroed when dropped.
fn read_line(stream: &UnixStream) -> Option<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; MAX_LINE]);
    let mut len = 0;
    while len < buf.len() {
        let n = (&*stream).read(&mut buf[len..]).ok()?;
        if n == 0 {
            break;
        }
        len += n;
        if buf[..len].contains(&b'\n') {
            break;
        }
    }
    let end = buf[..len].iter().position(|b| *b == b'\n').unwrap_or(len);
    let mut line = Zeroizing::new(Vec::with_capacity(end));
    line.extend_from_slice(&buf[..end]);
    Some(line)
}

/// Sends `bytes` and a newline, from a buffer zeroed when dropped.
fn write_line(stream: &UnixStream, bytes: &[u8]) -> Option<()> {
    let mut line = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
    line.extend_from_slice(bytes);
    line.push(b'\n');
    (&*stream).write_all(&line).ok()
}

/// Connects to the session at `socket` and sends `request`. `None` when nothing of this user
/// answers there (no session, or one that has ended and left its socket behind).
fn ask(socket: &Path, request: &Request) -> Option<Zeroizing<Vec<u8>>> {
    let stream = UnixStream::connect(socket).ok()?;
    // Only a session of this user is trusted with the question (and with the answer).
    if !crate::exec::socket::same_user(&stream) {
        return None;
    }
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    write_line(
        &stream,
        &serde_json::to_vec(request).expect("requests serialise"),
    )?;
    read_line(&stream)
}

/// The admin identity from the session `AGENTCRED_SESSION` names, if it runs, holds the token and
/// unlocks the vault `vault_id`.
pub fn identity(vault_id: &str) -> Option<(SecretText, Info)> {
    let (token, socket) = named()?;
    let nonce = crate::crypto::hex(&crate::crypto::random_bytes::<16>());
    let request = Request::Identity {
        vault_id: vault_id.to_string(),
        mac: mac(&token, REQUEST_DOMAIN, &[vault_id, &nonce]),
        nonce: nonce.clone(),
    };
    let line = ask(&socket, &request)?;
    let answer: Answer<'_> = serde_json::from_slice(&line).ok()?;
    let identity = answer.identity?;
    let expected = mac(&token, ANSWER_DOMAIN, &[&nonce, &identity]);
    if !answer.proof.is_some_and(|p| same(&p, &expected)) {
        return None;
    }
    Some((SecretText::new(identity.into_owned()), answer.info?))
}

/// What the session of this vault says about itself, if one runs: the one this shell was given,
/// else the one at this vault's socket.
pub fn status(vault_dir: &Path, vault_id: &str) -> Option<Info> {
    let socket = named().map_or_else(|| socket_path(vault_dir, vault_id), |(_, s)| s);
    let line = ask(&socket, &Request::Status)?;
    let answer: Answer<'_> = serde_json::from_slice(&line).ok()?;
    answer.info.filter(|i| i.vault_id == vault_id)
}

/// Ends the session of this vault (the one this shell was given, else the one at this vault's
/// socket); what it was, if one ran.
pub fn lock(vault_dir: &Path, vault_id: &str) -> Option<Info> {
    let mut ended = None;
    let mut sockets = vec![socket_path(vault_dir, vault_id)];
    sockets.extend(named().map(|(_, s)| s));
    for socket in sockets {
        let Some(line) = ask(&socket, &Request::Lock) else {
            continue;
        };
        let answer: Option<Answer<'_>> = serde_json::from_slice(&line).ok();
        ended = ended.or(answer.and_then(|a| a.info));
        // It removes its socket as it exits: wait a moment, so the next command finds none.
        let until = Instant::now() + Duration::from_secs(2);
        while socket.exists() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    ended
}

/// What `unlock` hands the session process on its stdin: one JSON line.
#[derive(Serialize, Deserialize)]
struct Handover<'a> {
    #[serde(borrow)]
    identity: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    token: std::borrow::Cow<'a, str>,
    vault_id: String,
    vault_dir: PathBuf,
    lifetime_secs: u64,
    idle_secs: u64,
}

/// A started session: what it says about itself, and the value of `AGENTCRED_SESSION` for it.
pub struct Started {
    pub info: Info,
    pub variable: SecretText,
}

/// Starts a session for the vault in `vault_dir` holding `identity` (an `AGE-SECRET-KEY-1…`),
/// ending one that runs at the same socket already.
pub fn start(
    vault_dir: &Path,
    vault_id: &str,
    identity: &SecretText,
    lifetime: Duration,
    idle: Duration,
) -> Result<Started> {
    use std::process::{Command, Stdio};
    let _ = lock(vault_dir, vault_id);
    let exe = std::env::current_exe().map_err(|e| {
        Error::other(format!(
            "cannot find the agentcred binary to run the session: {e}"
        ))
    })?;
    let token = SecretText::new(crate::crypto::hex(&crate::crypto::random_bytes::<32>()));
    let mut child = Command::new(exe)
        .arg(SERVE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/")
        .env_clear()
        .envs(
            ["HOME", "PATH"]
                .iter()
                .filter_map(|k| std::env::var_os(k).map(|v| (*k, v))),
        )
        .spawn()
        .map_err(|e| Error::other(format!("cannot start the session process: {e}")))?;
    let handover = Handover {
        identity: identity.expose_secret().into(),
        token: token.expose_secret().into(),
        vault_id: vault_id.to_string(),
        vault_dir: std::path::absolute(vault_dir).unwrap_or_else(|_| vault_dir.to_path_buf()),
        lifetime_secs: lifetime.as_secs().max(1),
        idle_secs: idle.as_secs().max(1),
    };
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    serde_json::to_writer(&mut *line, &handover).expect("handovers serialise");
    line.push(b'\n');
    let mut stdin = child.stdin.take().expect("piped stdin");
    let sent = stdin.write_all(&line);
    drop(stdin);
    let mut ready = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| BufReader::new(out.take(MAX_LINE as u64)).read_line(&mut ready));
    let info: Option<Info> = serde_json::from_str(ready.trim()).ok();
    match (sent, read, info) {
        (Ok(()), Some(Ok(_)), Some(info)) => {
            let variable = SecretText::new(format!(
                "{}:{}",
                token.expose_secret(),
                info.socket.display()
            ));
            Ok(Started { info, variable })
        }
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
    // Whatever the caller left open (a CI step's pipe, say) would stay open as long as the session
    // and keep a reader waiting for its end.
    crate::harden::close_inherited_files();
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    std::io::stdin()
        .lock()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::other(format!("cannot read the session's handover: {e}")))?;
    let handover: Handover<'_> = serde_json::from_slice(&line)
        .map_err(|_| Error::usage("agentcred __session is started by `agentcred unlock` only"))?;
    let identity = SecretText::new(handover.identity.to_string());
    let token = Zeroizing::new(
        crate::crypto::unhex(&handover.token)
            .filter(|t| t.len() == 32)
            .ok_or_else(|| Error::usage("the session's handover has no token"))?,
    );
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
    if let Ok(null) = std::fs::File::open("/dev/null") {
        let _ = rustix::stdio::dup2_stdout(null);
    }
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
        match answer(stream, &identity, &token, &info) {
            Served::Identity => last = Instant::now(),
            Served::Other => {}
            Served::Lock => break,
        }
    }
    let _ = std::fs::remove_file(&socket);
    Ok(())
}

/// What one connection was.
enum Served {
    /// The identity was handed out: the session is in use.
    Identity,
    /// A status, a refusal, or nothing.
    Other,
    /// `lock`: the session ends.
    Lock,
}

/// Answers one connection.
fn answer(stream: UnixStream, identity: &SecretText, token: &[u8], info: &Info) -> Served {
    if !crate::exec::socket::same_user(&stream) {
        return Served::Other;
    }
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
    let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
    let Some(line) = read_line(&stream) else {
        return Served::Other;
    };
    let (answer, served) = match serde_json::from_slice::<Request>(&line) {
        Ok(Request::Identity {
            vault_id,
            nonce,
            mac: asked,
        }) => {
            let expected = mac(token, REQUEST_DOMAIN, &[&vault_id, &nonce]);
            if !same(&asked, &expected) {
                (Answer::refusal("not this session's token"), Served::Other)
            } else if vault_id != info.vault_id {
                (
                    Answer::refusal("this session unlocks another vault"),
                    Served::Other,
                )
            } else {
                let identity = identity.expose_secret();
                (
                    Answer {
                        error: None,
                        proof: Some(mac(token, ANSWER_DOMAIN, &[&nonce, identity])),
                        identity: Some(identity.into()),
                        info: Some(info.clone()),
                    },
                    Served::Identity,
                )
            }
        }
        Ok(Request::Status) => (Answer::about(info), Served::Other),
        Ok(Request::Lock) => (Answer::about(info), Served::Lock),
        Err(_) => (
            Answer::refusal("not a request this session understands"),
            Served::Other,
        ),
    };
    let mut out = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    serde_json::to_writer(&mut *out, &answer).expect("answers serialise");
    let _ = write_line(&stream, &out);
    served
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
    if !crate::exec::socket::private_to_us(dir) {
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
/// limit fail, and end the session. Pages of those mappings are locked as they are touched, not
/// all at once: the allocator reserves a large arena it uses little of.
fn lock_memory() {
    use rustix::mm::{MlockAllFlags, mlockall};
    // A kernel before 4.4 does not know ONFAULT: everything mapped, then.
    if mlockall(MlockAllFlags::CURRENT | MlockAllFlags::ONFAULT) == Err(rustix::io::Errno::INVAL) {
        let _ = mlockall(MlockAllFlags::CURRENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_bind_the_token_the_domain_and_every_part() {
        let t = [7u8; 32];
        let m = mac(&t, REQUEST_DOMAIN, &["vault", "nonce"]);
        assert_eq!(m, mac(&t, REQUEST_DOMAIN, &["vault", "nonce"]));
        assert_ne!(m, mac(&[8u8; 32], REQUEST_DOMAIN, &["vault", "nonce"]));
        assert_ne!(m, mac(&t, ANSWER_DOMAIN, &["vault", "nonce"]));
        assert_ne!(m, mac(&t, REQUEST_DOMAIN, &["vaultn", "once"]));
        assert!(same(&m, &m.clone()));
        assert!(!same(&m, &m[1..]));
    }
}
