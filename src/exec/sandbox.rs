//! The execution boundary of `exec`: the program runs where the vault directory and the unlock
//! files (agent key, admin identity, passphrase file) are out of its reach, and dies with its
//! supervisor.
//!
//! The supervisor clones a first process into a new user, mount and PID namespace. That process
//! maps the caller's uid and gid to themselves, makes every mount private, binds `/dev/null` over
//! each unlock file, lays an empty read-only tmpfs over the vault directory and mounts a fresh
//! `/proc` (so `/proc/PID/root` and `/proc/PID/cwd` of processes outside cannot be used to walk
//! around the mounts). It then gives up every capability (bounding and ambient sets cleared,
//! capset to zero, no new privileges), so nothing inside can unmount or remount what hides the
//! vault: a nested user namespace would only see those mounts locked.
//!
//! That process is PID 1 of the namespace and stays there as a minimal init: it starts the
//! program as PID 2 (PID 1 ignores the signals it has no handler for, which would break
//! `--on-expiry term` and forwarding), passes on the signals other processes send it, reaps, and
//! reports the program's wait status to the supervisor over a pipe, so exit codes are exactly
//! those of an unsandboxed run. When it dies, the kernel kills everything in the namespace; and it
//! dies with the supervisor (parent-death signal, checked against a pipe only the supervisor
//! holds open, for the case where the supervisor died before the signal was armed).
//!
//! Between the clone and the program's execve nothing allocates, locks or panics: the supervisor
//! may have other threads, and all the child does is system calls on data prepared beforehand.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString, OsString};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What the program must not reach.
#[derive(Clone, Debug, Default)]
pub struct Hide {
    /// Directories laid over with an empty read-only tmpfs.
    pub dirs: Vec<PathBuf>,
    /// Files with `/dev/null` bound over them.
    pub files: Vec<PathBuf>,
    /// The user's own services, which would run commands for the program outside the sandbox:
    /// directories laid over with an empty read-only tmpfs (see [`Hide::services`]).
    pub services: Vec<PathBuf>,
    /// Their sockets outside those directories, with `/dev/null` bound over them.
    pub sockets: Vec<PathBuf>,
    /// The mounts as they were read once, for every alias the covers need.
    mounts: Vec<Mount>,
}

impl Hide {
    /// The vault directory and those of `files` that exist outside it, by their real paths (a
    /// file inside the vault directory is hidden with it), and wherever else the same directory
    /// or file is mounted: a bind mount of a directory above the vault (a home directory mounted
    /// twice, a volume shared into a container) would otherwise lead around the cover.
    pub fn new(vault_dir: &Path, files: &[PathBuf]) -> Hide {
        let dir = std::fs::canonicalize(vault_dir).unwrap_or_else(|_| vault_dir.to_path_buf());
        let files: Vec<PathBuf> = files
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .filter(|f| !f.starts_with(&dir) && f.is_file())
            .collect();
        let mounts = mounts();
        let mut dirs = vec![dir.clone()];
        dirs.extend(aliases(&mounts, &dir));
        let files = files
            .iter()
            .flat_map(|f| std::iter::once(f.clone()).chain(aliases(&mounts, f)))
            .collect();
        Hide {
            dirs,
            files,
            services: Vec::new(),
            sockets: Vec::new(),
            mounts,
        }
    }

    /// Also hides the user's services: a terminal multiplexer, the systemd user manager, the
    /// D-Bus session bus or a display server of the same user would otherwise take a command from
    /// the program and run it outside the sandbox, where the vault is in reach. Covered are the
    /// runtime directory (`$XDG_RUNTIME_DIR`, `/run/user/UID`: the user manager, the session bus,
    /// Wayland, rootless container engines), tmux's and screen's socket directories, the X11
    /// socket directory, the sockets `$DBUS_SESSION_BUS_ADDRESS` and `$TMUX` name, and `extra`
    /// (`[exec] hide` in config.toml: a directory is covered, anything else has `/dev/null` bound
    /// over it). Only what exists is covered. Abstract sockets, which have no path, are closed by
    /// the Landlock scope the sandbox sets where the kernel has it.
    pub fn services(mut self, extra: &[PathBuf]) -> Hide {
        use std::os::unix::fs::MetadataExt;
        let uid = rustix::process::getuid().as_raw();
        let env = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let tmp = std::env::temp_dir();
        // Where the user's services keep their sockets. Each is covered only if it is, once links
        // are resolved, a directory of this user: one another user made in /tmp in its place (a
        // link to `/`, say) is left alone.
        let mut candidates = vec![PathBuf::from(format!("/run/user/{uid}"))];
        candidates.extend(env("XDG_RUNTIME_DIR"));
        for base in [env("TMUX_TMPDIR"), Some(tmp.clone()), Some("/tmp".into())]
            .into_iter()
            .flatten()
        {
            candidates.push(base.join(format!("tmux-{uid}")));
            candidates.push(base.join(format!("emacs{uid}")));
        }
        candidates.extend(env("SCREENDIR"));
        for name in ["USER", "LOGNAME"] {
            if let Some(user) = std::env::var_os(name) {
                let mut dir = OsString::from("nvim.");
                dir.push(&user);
                candidates.push(tmp.join(&dir));
                candidates.push(Path::new("/tmp").join(dir));
            }
        }
        for base in ["/run/screen", "/var/run/screen"] {
            if let Ok(entries) = std::fs::read_dir(base) {
                candidates.extend(entries.flatten().map(|e| e.path()));
            }
        }
        let real = |p: &Path| std::fs::canonicalize(p).ok().filter(|r| r.is_absolute());
        let owned_dir = |p: &Path, root_too: bool| {
            std::fs::metadata(p)
                .is_ok_and(|m| m.is_dir() && (m.uid() == uid || (root_too && m.uid() == 0)))
        };
        let mut dirs: Vec<PathBuf> = candidates
            .iter()
            .filter(|c| c.is_absolute())
            .filter_map(|c| real(c))
            .filter(|r| owned_dir(r, false))
            .collect();
        // The X11 socket directory belongs to root; it counts only as a real directory (not a link
        // someone else left in /tmp) of root's or the user's.
        let x11 = Path::new("/tmp/.X11-unix");
        if std::fs::symlink_metadata(x11)
            .is_ok_and(|m| m.is_dir() && (m.uid() == uid || m.uid() == 0))
        {
            dirs.push(x11.to_path_buf());
        }
        // Sockets the environment names: `$TMUX` is `SOCKET,PID,SESSION`; the bus address is
        // `;`-separated transports, a path in `unix:path=…` with `%XX` escapes.
        let mut named: Vec<PathBuf> = Vec::new();
        if let Some(t) = std::env::var_os("TMUX") {
            let t = t.as_bytes();
            let socket = t.split(|b| *b == b',').next().unwrap_or_default();
            named.push(PathBuf::from(OsString::from_vec(socket.to_vec())));
        }
        if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            for address in bus.split(';') {
                let Some(params) = address.strip_prefix("unix:") else {
                    continue;
                };
                named.extend(
                    params
                        .split(',')
                        .filter_map(|kv| kv.strip_prefix("path="))
                        .map(|p| PathBuf::from(OsString::from_vec(unescape_dbus(p)))),
                );
            }
        }
        named.extend(extra.iter().cloned());
        // What a name leads to decides how it is covered: a directory gets a tmpfs, anything else
        // /dev/null (a link to a directory in `[exec] hide` is a directory).
        let mut files: Vec<PathBuf> = Vec::new();
        for r in named
            .iter()
            .filter(|n| n.is_absolute())
            .filter_map(|n| real(n))
        {
            if r.is_dir() {
                dirs.push(r);
            } else {
                files.push(r);
            }
        }
        // Never `/`, nor a directory holding the temporary directory, where the run socket goes.
        dirs.retain(|d| d.parent().is_some() && !tmp.starts_with(d));
        let mounts = &self.mounts;
        let aliased: Vec<PathBuf> = dirs
            .iter()
            .flat_map(|d| std::iter::once(d.clone()).chain(aliases(mounts, d)))
            .collect();
        let mut services: Vec<PathBuf> = Vec::new();
        for d in aliased {
            if !services.contains(&d) && !self.dirs.iter().any(|v| d.starts_with(v)) {
                services.push(d);
            }
        }
        // A directory inside another covered one is hidden with it (and could not be mounted
        // on once that one is covered).
        let all = services.clone();
        services.retain(|d| !all.iter().any(|o| o != d && d.starts_with(o)));
        let covered = |p: &Path| {
            self.dirs.iter().chain(&services).any(|d| p.starts_with(d))
                || self.files.iter().any(|f| f == p)
        };
        let mut sockets: Vec<PathBuf> = Vec::new();
        for f in files
            .iter()
            .flat_map(|f| std::iter::once(f.clone()).chain(aliases(mounts, f)))
        {
            if !covered(&f) && !sockets.contains(&f) {
                sockets.push(f);
            }
        }
        self.services = services;
        self.sockets = sockets;
        self
    }
}

/// A D-Bus address value: `%XX` is the byte XX.
fn unescape_dbus(value: &str) -> Vec<u8> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// A mount as /proc/self/mountinfo lists it: its device, the directory of that filesystem it
/// shows, and where.
#[derive(Clone, Debug, Default)]
struct Mount {
    device: String,
    root: PathBuf,
    point: PathBuf,
}

/// This process's mounts, in the order they were made; none when /proc cannot say.
fn mounts() -> Vec<Mount> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut f = line.split(' ').skip(2);
            Some(Mount {
                device: f.next()?.to_string(),
                root: unescape(f.next()?),
                point: unescape(f.next()?),
            })
        })
        .collect()
}

/// A mountinfo path, whose space, tab, newline and backslash are written as octal escapes.
fn unescape(field: &str) -> PathBuf {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) if b[i] == b'\\' => {
                out.push(d.iter().fold(0u8, |n, c| n.wrapping_mul(8) + (c - b'0')));
                i += 4;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

/// Every other path at which `target` (a real path) is mounted: where a mount of the same
/// filesystem shows a directory above it. Each is checked to be the very same file.
fn aliases(mounts: &[Mount], target: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(target) else {
        return Vec::new();
    };
    // The mount the path is under: the deepest, and of those the last made.
    let Some(home) = mounts
        .iter()
        .filter(|m| target.starts_with(&m.point))
        .max_by_key(|m| m.point.components().count())
    else {
        return Vec::new();
    };
    let Ok(rest) = target.strip_prefix(&home.point) else {
        return Vec::new();
    };
    let inside = home.root.join(rest);
    let mut found: Vec<PathBuf> = Vec::new();
    for m in mounts.iter().filter(|m| m.device == home.device) {
        let Ok(rest) = inside.strip_prefix(&m.root) else {
            continue;
        };
        let alias = m.point.join(rest);
        let same =
            std::fs::metadata(&alias).is_ok_and(|a| a.dev() == meta.dev() && a.ino() == meta.ino());
        if same && alias != target && !found.contains(&alias) {
            found.push(alias);
        }
    }
    found
}

/// Why the kernel will not make the namespaces, when it says so in advance (a sysctl read, no
/// process started). `None` does not promise the sandbox will work; [`spawn`] finds out for sure.
pub fn precheck() -> Option<String> {
    match std::fs::read_to_string("/proc/sys/user/max_user_namespaces") {
        Ok(t) if t.trim() == "0" => {
            Some("user namespaces are disabled (user.max_user_namespaces = 0)".into())
        }
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some("this kernel has no user namespaces".into())
        }
        Err(_) => None,
    }
}

/// A sandbox could not be set up; the reason, for stderr and the audit log.
#[derive(Debug)]
pub enum Failure {
    Unavailable(String),
    Other(Error),
}

/// The sandbox's first process (PID 1 inside), as the supervisor holds it.
pub struct Init {
    pub pid: rustix::process::Pid,
    report: OwnedFd,
}

impl Init {
    /// The pipe the init reports on: readable once the program has ended (or the init died).
    pub fn report(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.report)
    }

    /// Waits for the program's end and returns its exit code or signal, as the init reports it
    /// (before the namespaces are torn down, which is not waited for: the init is reaped when it
    /// is gone already, else by whoever inherits it); the init's own status when it died without
    /// a report (killed, e.g. at expiry).
    pub fn wait(&mut self) -> std::io::Result<(Option<i32>, Option<i32>)> {
        let mut msg = [0u8; 8];
        let reported = read_full(self.report.as_raw_fd(), &mut msg) && msg[0] == b'X';
        let mut status: libc::c_int = 0;
        let flags = if reported { libc::WNOHANG } else { 0 };
        loop {
            // SAFETY: waitpid writes only into `status`, which outlives the call.
            let r =
                unsafe { libc::waitpid(self.pid.as_raw_nonzero().get(), &raw mut status, flags) };
            if r >= 0 {
                break;
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                if reported {
                    break;
                }
                return Err(e);
            }
        }
        if reported {
            status = i32::from_le_bytes([msg[4], msg[5], msg[6], msg[7]]);
        }
        Ok(decode(status))
    }
}

fn decode(status: libc::c_int) -> (Option<i32>, Option<i32>) {
    if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (Some(1), None)
    }
}

/// Reads exactly `buf.len()` bytes; false on end of file or error.
fn read_full(fd: RawFd, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buf.len() {
        let rest = &mut buf[got..];
        // SAFETY: reads into the unfilled tail of `buf`, whose length bounds the read.
        let n = unsafe { libc::read(fd, rest.as_mut_ptr().cast(), rest.len()) };
        if n > 0 {
            got += n.cast_unsigned();
        } else if n == 0
            || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            return false;
        }
    }
    true
}

/// What the started program's supervisor gets back.
pub struct Started {
    pub init: Init,
    pub stdout: Option<std::fs::File>,
    pub stderr: Option<std::fs::File>,
    /// The program's pseudo-terminal, when it runs on one.
    pub pty: Option<super::pty::Pty>,
}

/// The steps of the set-up, named in a failure report.
const STAGES: &[&str] = &[
    "",
    "denying setgroups in the user namespace",
    "mapping the user id",
    "mapping the group id",
    "making the mounts private",
    "hiding an unlock file",
    "hiding the vault directory",
    "mounting a fresh /proc",
    "dropping capabilities",
    "starting the program",
    "filtering terminal ioctls",
    "hiding a socket of the user's services",
    "hiding a directory of the user's services",
    "scoping abstract sockets and signals (Landlock)",
];

/// The stages that hide a path or scope the program: their failure refuses the run.
const HIDING_STAGES: &[u8] = &[5, 6, 11, 12, 13];

/// Everything the cloned process uses, made before the clone.
struct Prepared {
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    dirs: Vec<CString>,
    files: Vec<CString>,
    services: Vec<CString>,
    sockets: Vec<CString>,
    cwd: Option<CString>,
    /// The forwarded signals and SIGCHLD: blocked from before the clone.
    set: libc::sigset_t,
    /// The supervisor's mask before that, restored in the program.
    old: libc::sigset_t,
    report: RawFd,
    /// The read end of the pipe the program and its environment arrive on; its end of file means
    /// the supervisor gave up or died.
    go: RawFd,
    out: Option<RawFd>,
    err: Option<RawFd>,
    /// The program's pseudo-terminal: its controlling terminal, stdout and stderr, and its stdin
    /// when `tty_input`.
    tty: Option<RawFd>,
    tty_input: bool,
    /// Where the kernel keeps this process's original environment (what /proc/PID/environ
    /// shows), to be cleared in the child before it is briefly open to its user.
    environ: Option<(usize, usize)>,
    /// The supervisor's ends of the pipes, closed first thing in the child: its copy of the go
    /// pipe's write end would hide the supervisor's end of file.
    theirs: [RawFd; 5],
}

fn cstring(bytes: &[u8]) -> Result<CString, Failure> {
    CString::new(bytes)
        .map_err(|_| Failure::Other(Error::other("an argument or variable contains a NUL byte")))
}

fn pipe() -> Result<(OwnedFd, OwnedFd), Failure> {
    rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| Failure::Other(Error::other(format!("cannot make a pipe: {e}"))))
}

/// A sandbox set up and waiting for its program. Made before anything secret is read or minted,
/// so the set-up (which briefly needs this process's memory to be open to its user, see
/// `init`) holds nothing worth reading; dropped without [`Pending::start`], its init ends.
pub struct Pending {
    pid: rustix::process::Pid,
    report: Option<OwnedFd>,
    go: Option<OwnedFd>,
    outputs: Option<(std::fs::File, std::fs::File)>,
    pty: Option<super::pty::Pty>,
    /// The init reported its set-up complete.
    ready: bool,
    /// Abstract sockets and signals are scoped to the sandbox (Landlock): known once ready.
    scoped: bool,
    /// The directories of the user's services the sandbox covers: the run socket must be made
    /// outside them.
    covered: Vec<PathBuf>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.go.take().is_some() {
            // SAFETY: reaps the init, which ends on the end of file just caused.
            unsafe { libc::waitpid(self.pid.as_raw_nonzero().get(), std::ptr::null_mut(), 0) };
        }
    }
}

/// The largest program and environment handed to a sandbox (Linux's own limit on an execve's
/// arguments and environment is far below).
const MAX_GO: u64 = 256 << 20;

/// The length of the fixed part of the message that starts the program.
const HEADER: usize = 24;

impl Pending {
    /// Waits for the set-up [`prepare`] began (it runs alongside whatever the supervisor does in
    /// between) and says whether it worked; on failure the init is gone and the pending sandbox
    /// must be dropped.
    pub fn ready(&mut self) -> Result<(), Failure> {
        if self.ready {
            return Ok(());
        }
        let mut msg = [0u8; 8];
        let got = self
            .report
            .as_ref()
            .is_some_and(|r| read_full(r.as_raw_fd(), &mut msg));
        if got && msg[0] == b'R' {
            self.ready = true;
            self.scoped = msg[1] == 1;
            return Ok(());
        }
        if self.go.take().is_some() {
            // SAFETY: reaps the init, which has failed or ends on the end of file just caused.
            unsafe { libc::waitpid(self.pid.as_raw_nonzero().get(), std::ptr::null_mut(), 0) };
        }
        if !(got && msg[0] == b'F') {
            return Err(Failure::Unavailable(
                "its first process ended during set-up".to_string(),
            ));
        }
        let stage = STAGES
            .get(usize::from(msg[1]))
            .copied()
            .unwrap_or("setting up");
        let errno =
            std::io::Error::from_raw_os_error(i32::from_le_bytes([msg[4], msg[5], msg[6], msg[7]]));
        let why = format!("{stage} failed: {errno}");
        // The kernel refusing the namespaces is a machine without a sandbox (said, recorded, and
        // refused only under `required`). Namespaces that came up but could not hide what they
        // must is another matter: something in the way of a mount may have been put there to
        // make the program run unsandboxed, so nothing runs.
        if HIDING_STAGES.contains(&msg[1]) {
            return Err(Failure::Other(
                Error::other(format!("the sandbox could not hide what it must: {why}")).hint(
                    "look at what is mounted or linked at that path; --no-sandbox runs without the sandbox",
                ),
            ));
        }
        Err(Failure::Unavailable(why))
    }

    /// Whether abstract sockets and signals are scoped to the sandbox (after [`Pending::ready`]).
    pub fn scoped(&self) -> bool {
        self.scoped
    }

    /// The directories the sandbox lays over, which the program will not see into.
    pub fn covered(&self) -> &[PathBuf] {
        &self.covered
    }

    /// Starts `program` (already resolved) with `argv` and `env` in the sandbox. After
    /// `backstop`, the init kills everything in the sandbox itself: the supervisor enforces the
    /// credential's expiry, but a program can stop its supervisor (SIGSTOP to the process group
    /// they share) and would then run on unchecked; nothing inside can stop or kill the init.
    pub fn start(
        mut self,
        program: &Path,
        argv: &[OsString],
        env: &BTreeMap<OsString, OsString>,
        backstop: Option<std::time::Duration>,
    ) -> Result<Started, Failure> {
        self.ready()?;
        // The message: its length, the number of arguments and of variables, the backstop in
        // milliseconds (0 for none), then the program, the arguments and `NAME=value` for each
        // variable, each NUL-terminated.
        let mut body = Vec::new();
        let mut push = |bytes: &[&[u8]]| -> Result<(), Failure> {
            for b in bytes {
                if b.contains(&0) {
                    return Err(Failure::Other(Error::other(
                        "an argument or variable contains a NUL byte",
                    )));
                }
                body.extend_from_slice(b);
            }
            body.push(0);
            Ok(())
        };
        push(&[program.as_os_str().as_bytes()])?;
        for a in argv {
            push(&[a.as_bytes()])?;
        }
        for (k, v) in env {
            push(&[k.as_bytes(), b"=", v.as_bytes()])?;
        }
        let mut message = Vec::with_capacity(HEADER + body.len());
        message.extend_from_slice(&(body.len() as u64).to_le_bytes());
        message.extend_from_slice(&u32::try_from(argv.len()).unwrap_or(0).to_le_bytes());
        message.extend_from_slice(&u32::try_from(env.len()).unwrap_or(0).to_le_bytes());
        let backstop_ms = backstop.map_or(0, |b| {
            u64::try_from(b.as_millis()).unwrap_or(u64::MAX).max(1)
        });
        message.extend_from_slice(&backstop_ms.to_le_bytes());
        message.extend_from_slice(&body);
        body.zeroize();
        let go = self.go.take().expect("a pending sandbox has its pipe");
        let sent = std::io::Write::write_all(&mut std::fs::File::from(go), &message);
        message.zeroize();
        let report = self
            .report
            .take()
            .expect("a pending sandbox has its report");
        let init = Init {
            pid: self.pid,
            report,
        };
        if let Err(e) = sent {
            let mut init = init;
            let _ = init.wait();
            return Err(Failure::Other(Error::other(format!(
                "cannot start the program in the sandbox: {e}"
            ))));
        }
        let (stdout, stderr) = match self.outputs.take() {
            Some((o, e)) => (Some(o), Some(e)),
            None => (None, None),
        };
        let mut pty = self.pty.take();
        if let Some(p) = pty.as_mut() {
            p.started();
        }
        Ok(Started {
            init,
            stdout,
            stderr,
            pty,
        })
    }
}

use zeroize::Zeroize;

/// Begins setting up a sandbox hiding `hide` for a program (see [`Pending::ready`]); when
/// `masked`, its stdout and stderr are piped back, or, when our stdout is a terminal, it runs on a
/// pseudo-terminal of its own.
pub fn prepare(masked: bool, hide: &Hide) -> Result<Pending, Failure> {
    let path = |p: &Path| cstring(p.as_os_str().as_bytes());
    let paths = |ps: &[PathBuf]| ps.iter().map(|p| path(p)).collect::<Result<Vec<_>, _>>();
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    let (report_r, report_w) = pipe()?;
    let (go_r, go_w) = pipe()?;
    let pty = if masked {
        super::pty::open_if_terminal().map_err(Failure::Other)?
    } else {
        None
    };
    let outs = if masked && pty.is_none() {
        Some((pipe()?, pipe()?))
    } else {
        None
    };
    let mut p = Prepared {
        uid_map: format!("{uid} {uid} 1\n").into_bytes(),
        gid_map: format!("{gid} {gid} 1\n").into_bytes(),
        dirs: paths(&hide.dirs)?,
        files: paths(&hide.files)?,
        services: paths(&hide.services)?,
        sockets: paths(&hide.sockets)?,
        cwd: std::env::current_dir().ok().and_then(|d| path(&d).ok()),
        // SAFETY: an all-zero sigset_t is a valid (if unspecified) value; both are filled by
        // sigemptyset / pthread_sigmask below before any use.
        set: unsafe { std::mem::zeroed() },
        // SAFETY: as above.
        old: unsafe { std::mem::zeroed() },
        environ: environ_block(),
        report: report_w.as_raw_fd(),
        go: go_r.as_raw_fd(),
        out: outs.as_ref().map(|((_, w), _)| w.as_raw_fd()),
        err: outs.as_ref().map(|(_, (_, w))| w.as_raw_fd()),
        tty: pty.as_ref().map(super::pty::Pty::slave_raw),
        tty_input: pty.as_ref().is_some_and(super::pty::Pty::stdin),
        theirs: [
            report_r.as_raw_fd(),
            go_w.as_raw_fd(),
            outs.as_ref().map_or(-1, |((r, _), _)| r.as_raw_fd()),
            outs.as_ref().map_or(-1, |(_, (r, _))| r.as_raw_fd()),
            pty.as_ref().map_or(-1, super::pty::Pty::master_raw),
        ],
    };
    // SAFETY: sigemptyset and sigaddset only write into `p.set`.
    unsafe {
        libc::sigemptyset(&raw mut p.set);
        for sig in FORWARDED.iter().chain([&libc::SIGCHLD]) {
            libc::sigaddset(&raw mut p.set, *sig);
        }
    }
    // Blocked across the clone, so no signal reaches the child before it waits for them (the
    // supervisor's own handlers, copied into it, must never run there).
    // SAFETY: changes this thread's mask, saving the old one in `p.old`; restored just below.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &raw const p.set, &raw mut p.old) };
    let flags = (libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::SIGCHLD)
        .cast_unsigned() as libc::c_ulong;
    // SAFETY: a raw clone without CLONE_VM is a fork: the child gets a copy of this address
    // space and only this thread, and `init` (which never returns) restricts itself to system
    // calls on the prepared data and memory it maps itself, so no lock another thread held and
    // no allocator state is touched there.
    let pid = unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) };
    if pid == 0 {
        // SAFETY: in the cloned child, see above.
        unsafe { init(&p) }
    }
    let clone_error = std::io::Error::last_os_error();
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &raw const p.old, std::ptr::null_mut()) };
    drop((report_w, go_r));
    let outputs = outs.map(|((out_r, out_w), (err_r, err_w))| {
        drop((out_w, err_w));
        (out_r.into(), err_r.into())
    });
    if pid < 0 {
        return Err(Failure::Unavailable(format!(
            "the kernel refused new namespaces: {clone_error}"
        )));
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap_or(0))
        .ok_or_else(|| Failure::Other(Error::other("clone returned no process id")))?;
    Ok(Pending {
        pid,
        report: Some(report_r),
        go: Some(go_w),
        outputs,
        pty,
        ready: false,
        scoped: false,
        covered: hide.services.clone(),
    })
}

/// The bounds of this process's original environment block, from /proc/self/stat (the 50th and
/// 51st fields, counted after the command name, which may hold spaces).
fn environ_block() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(47);
    let start = fields.next()?.parse().ok()?;
    let end = fields.next()?.parse().ok()?;
    (start > 0 && end > start).then_some((start, end))
}

unsafe extern "C" {
    static mut environ: *mut *mut libc::c_char;
}

/// Overwrites this process's environment: the original block the kernel reports in
/// /proc/PID/environ and every string `environ` points at (copies made by setenv included). It
/// may hold an unlock input (`AGENTCRED_KEY`, `AGENTCRED_PASSPHRASE`).
///
/// # Safety
/// Only in the cloned child, which never reads its environment again.
unsafe fn clear_environment(p: &Prepared) {
    // SAFETY: the block lies in this process's stack mapping, writable, as the kernel reported it
    // for the supervisor this process is a copy of; the strings are NUL-terminated and writable.
    unsafe {
        if let Some((start, end)) = p.environ {
            std::ptr::write_bytes(start as *mut u8, 0, end - start);
        }
        let mut var = environ;
        while !var.is_null() && !(*var).is_null() {
            let len = libc::strlen(*var);
            std::ptr::write_bytes((*var).cast::<u8>(), 0, len);
            var = var.add(1);
        }
    }
}

/// The signals the supervisor forwards, which the init passes on to the program.
const FORWARDED: &[libc::c_int] = &[
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Sends a set-up failure and ends the init.
///
/// # Safety
/// Only in the cloned child.
unsafe fn fail(p: &Prepared, stage: u8) -> ! {
    let e = errno().to_le_bytes();
    let msg = [b'F', stage, 0, 0, e[0], e[1], e[2], e[3]];
    // SAFETY: writes the 8 bytes of `msg`; then ends this process without running destructors.
    unsafe {
        libc::write(p.report, msg.as_ptr().cast(), msg.len());
        libc::_exit(125)
    }
}

/// Writes `data` to `path` (a /proc file); false on failure, with errno set.
///
/// # Safety
/// Only in the cloned child; `path` is NUL-terminated.
unsafe fn write_file(path: &CStr, data: &[u8]) -> bool {
    // SAFETY: open/write/close on a valid C string and a live buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let ok = libc::write(fd, data.as_ptr().cast(), data.len()) == data.len().cast_signed();
        libc::close(fd);
        ok
    }
}

/// The program, its arguments and environment as the init received them, in memory it mapped.
struct Go {
    /// Milliseconds after which the init ends the sandbox; 0 for never.
    backstop_ms: u64,
    program: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
}

/// Reads the supervisor's message into fresh anonymous memory and lays out execve's arrays
/// there. `None` on end of file (the supervisor gave up or died) or a malformed message.
///
/// # Safety
/// Only in the cloned child.
unsafe fn receive(fd: RawFd) -> Option<Go> {
    let mut header = [0u8; HEADER];
    if !read_full(fd, &mut header) {
        return None;
    }
    let backstop_ms = u64::from_le_bytes(header[16..24].try_into().ok()?);
    let len = u64::from_le_bytes(header[..8].try_into().ok()?);
    let argc = u32::from_le_bytes(header[8..12].try_into().ok()?) as usize;
    let envc = u32::from_le_bytes(header[12..16].try_into().ok()?) as usize;
    if len > MAX_GO || argc == 0 {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    let body_len = len.next_multiple_of(8);
    let total = body_len + (argc + envc + 2) * std::mem::size_of::<usize>();
    // SAFETY: a private anonymous mapping of `total` bytes; checked for failure below and only
    // ever accessed within its bounds.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            total,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return None;
    }
    // SAFETY: `base` maps `total` >= `len` bytes.
    let body = unsafe { std::slice::from_raw_parts_mut(base.cast::<u8>(), len) };
    if !read_full(fd, body) || body.last() != Some(&0) {
        return None;
    }
    // SAFETY: the pointer array lies after the body, 8-aligned, inside the mapping.
    let ptrs = unsafe {
        std::slice::from_raw_parts_mut(
            base.cast::<u8>()
                .add(body_len)
                .cast::<*const libc::c_char>(),
            argc + envc + 2,
        )
    };
    // The strings, in order: the program, `argc` arguments, `envc` variables.
    let mut starts = body
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || body[*i - 1] == 0)
        .map(|(i, _)| body[i..].as_ptr().cast::<libc::c_char>());
    let program = starts.next()?;
    for slot in ptrs.iter_mut().take(argc) {
        *slot = starts.next()?;
    }
    ptrs[argc] = std::ptr::null();
    for slot in ptrs.iter_mut().skip(argc + 1).take(envc) {
        *slot = starts.next()?;
    }
    ptrs[argc + envc + 1] = std::ptr::null();
    Some(Go {
        backstop_ms,
        program,
        argv: ptrs.as_ptr(),
        // SAFETY: within the pointer array.
        envp: unsafe { ptrs.as_ptr().add(argc + 1) },
    })
}

/// How a path is hidden: `/dev/null` bound over a file (or socket), an empty read-only tmpfs over
/// a directory.
#[derive(Clone, Copy)]
enum Cover {
    Null,
    Tmpfs,
}

/// Hides `path` as `how` says; false if the mount failed.
///
/// # Safety
/// Only system calls on `path` and static strings: callable in the cloned child.
unsafe fn cover(path: &CStr, how: Cover) -> bool {
    let none = std::ptr::null::<libc::c_char>();
    let hidden = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    // SAFETY: mount(2) on NUL-terminated strings that outlive the calls.
    unsafe {
        match how {
            Cover::Null => {
                if libc::mount(
                    c"/dev/null".as_ptr(),
                    path.as_ptr(),
                    none,
                    libc::MS_BIND,
                    std::ptr::null(),
                ) != 0
                {
                    return false;
                }
                // Read-only as well where the flags /dev was mounted with allow it; a write
                // through the bind goes to /dev/null either way.
                libc::mount(
                    none,
                    path.as_ptr(),
                    none,
                    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | hidden,
                    std::ptr::null(),
                );
                true
            }
            Cover::Tmpfs => {
                libc::mount(
                    c"tmpfs".as_ptr(),
                    path.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_RDONLY | hidden,
                    c"size=4k,nr_inodes=1,mode=0500".as_ptr().cast(),
                ) == 0
            }
        }
    }
}

/// The cloned child: PID 1 of the new namespaces. Never returns.
///
/// # Safety
/// Only right after the clone in [`prepare`], in the child.
unsafe fn init(p: &Prepared) -> ! {
    // SAFETY: every call below is a system call (or a pure libc routine) on the prepared,
    // NUL-terminated data, on stack buffers or on memory mapped here; nothing allocates, and the
    // process ends with _exit, never unwinding into the supervisor's copied frames.
    unsafe {
        for fd in p.theirs {
            if fd >= 0 {
                libc::close(fd);
            }
        }
        // Die with the supervisor; and if it is gone already, the pipe it alone holds open for
        // writing says so.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        let mut alive = libc::pollfd {
            fd: p.go,
            events: libc::POLLIN,
            revents: 0,
        };
        if libc::poll(&raw mut alive, 1, 0) != 0 && alive.revents & libc::POLLHUP != 0 {
            libc::_exit(125);
        }

        // An unprivileged user may write the maps only of a process it may trace, which this
        // one (a copy of the non-dumpable supervisor) is not. It is made so for these three
        // writes alone: the supervisor has read no unlock file and minted nothing yet, and the
        // environment, which may carry a key or passphrase and which any process of the user
        // could read from /proc while this one is dumpable, is cleared first.
        clear_environment(p);
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
        if !write_file(c"/proc/self/setgroups", b"deny") {
            fail(p, 1);
        }
        if !write_file(c"/proc/self/uid_map", &p.uid_map) {
            fail(p, 2);
        }
        if !write_file(c"/proc/self/gid_map", &p.gid_map) {
            fail(p, 3);
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        let none = std::ptr::null::<libc::c_char>();
        if libc::mount(
            none,
            c"/".as_ptr(),
            none,
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            fail(p, 4);
        }
        let hidden = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
        // The vault and the unlock files first: a service directory covered later may hold one.
        for (paths, how, stage) in [
            (&p.files, Cover::Null, 5),
            (&p.dirs, Cover::Tmpfs, 6),
            (&p.sockets, Cover::Null, 11),
            (&p.services, Cover::Tmpfs, 12),
        ] {
            for path in paths {
                if !cover(path, how) {
                    fail(p, stage);
                }
            }
        }
        if libc::mount(
            c"proc".as_ptr(),
            c"/proc".as_ptr(),
            c"proc".as_ptr(),
            hidden,
            std::ptr::null(),
        ) != 0
        {
            fail(p, 7);
        }
        // The working directory is looked up again below the new mounts: one inside the vault
        // directory would otherwise still reach it.
        if p.cwd.as_ref().is_none_or(|c| libc::chdir(c.as_ptr()) != 0) {
            libc::chdir(c"/".as_ptr());
        }

        // No capability left, in any set, for this process or anything it starts.
        for cap in 0..64 {
            libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
        }
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
        let mut header = CapHeader {
            version: 0x2008_0522,
            pid: 0,
        };
        let data = [CapData::default(); 2];
        if libc::syscall(libc::SYS_capset, &raw mut header, data.as_ptr()) != 0
            || libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
        {
            fail(p, 8);
        }
        // Nothing inside may connect to an abstract socket made outside (a display server, a
        // session bus, anything else listening without a path) or signal a process outside.
        // Kernels before Landlock ABI 6 cannot scope: the ready report says so.
        let attr = LandlockRuleset {
            handled_access_fs: 0,
            handled_access_net: 0,
            scoped: LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL,
        };
        let ruleset = libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &raw const attr,
            std::mem::size_of::<LandlockRuleset>(),
            0u32,
        );
        let scoped = ruleset >= 0;
        if scoped {
            let fd = libc::c_int::try_from(ruleset).unwrap_or(-1);
            if libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32) != 0 {
                fail(p, 13);
            }
            libc::close(fd);
        }
        // Nothing inside may push input into the terminal (TIOCSTI) or paste into a console
        // (TIOCLINUX): the program shares the user's terminal, and characters queued there are
        // read and run by the user's shell after the program ends, outside the sandbox.
        let filter = TERMINAL_FILTER;
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr().cast_mut(),
        };
        if libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &raw const prog,
            0,
            0,
        ) != 0
        {
            fail(p, 10);
        }

        let ready = [b'R', u8::from(scoped), 0, 0, 0, 0, 0, 0];
        libc::write(p.report, ready.as_ptr().cast(), ready.len());
        let Some(go) = receive(p.go) else {
            libc::_exit(0);
        };
        libc::close(p.go);

        let child = libc::syscall(
            libc::SYS_clone,
            libc::SIGCHLD.cast_unsigned() as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        );
        if child == 0 {
            program(p, &go);
        }
        if child < 0 {
            report_exit(p, 126 << 8);
        }
        if let Some(fd) = p.out {
            libc::close(fd);
        }
        if let Some(fd) = p.err {
            libc::close(fd);
        }
        if let Some(fd) = p.tty {
            libc::close(fd);
        }
        let child = i32::try_from(child).unwrap_or(-1);
        let deadline = (go.backstop_ms > 0).then(|| monotonic_ms().saturating_add(go.backstop_ms));
        let mut info: libc::siginfo_t = std::mem::zeroed();
        loop {
            let sig = match deadline {
                None => libc::sigwaitinfo(&raw const p.set, &raw mut info),
                Some(deadline) => {
                    let left = deadline.saturating_sub(monotonic_ms());
                    if left == 0 {
                        // The supervisor did not end the program in time: end it here.
                        libc::kill(-1, libc::SIGKILL);
                        report_exit(p, libc::SIGKILL);
                    }
                    let wait = libc::timespec {
                        tv_sec: libc::time_t::try_from(left / 1000).unwrap_or(libc::time_t::MAX),
                        tv_nsec: libc::c_long::try_from((left % 1000) * 1_000_000).unwrap_or(0),
                    };
                    libc::sigtimedwait(&raw const p.set, &raw mut info, &raw const wait)
                }
            };
            if sig == libc::SIGCHLD {
                loop {
                    let mut status = 0;
                    let pid = libc::waitpid(-1, &raw mut status, libc::WNOHANG);
                    if pid == child {
                        report_exit(p, status);
                    }
                    if pid <= 0 {
                        break;
                    }
                }
            } else if sig > 0 && info.si_code <= 0 {
                // Sent by a process (the supervisor, forwarding): pass it on. From the kernel
                // (the terminal), the program, in the same process group, has it already.
                libc::kill(child, sig);
            }
        }
    }
}

/// `struct landlock_ruleset_attr` as of Landlock ABI 6, which added `scoped`.
#[repr(C)]
struct LandlockRuleset {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

const LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const LANDLOCK_SCOPE_SIGNAL: u64 = 1 << 1;

/// Milliseconds on the monotonic clock (which a changed wall clock does not move).
fn monotonic_ms() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into `now`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &raw mut now) };
    u64::try_from(now.tv_sec)
        .unwrap_or(0)
        .saturating_mul(1000)
        .saturating_add(u64::try_from(now.tv_nsec).unwrap_or(0) / 1_000_000)
}

/// Reports the program's wait status and ends the init (and with it the namespace).
///
/// # Safety
/// Only in the cloned child.
unsafe fn report_exit(p: &Prepared, status: libc::c_int) -> ! {
    let s = status.to_le_bytes();
    let msg = [b'X', 0, 0, 0, s[0], s[1], s[2], s[3]];
    // SAFETY: writes the 8 bytes of `msg`, then ends the process.
    unsafe {
        libc::write(p.report, msg.as_ptr().cast(), msg.len());
        libc::_exit(0)
    }
}

/// The program's process (PID 2): restores the signal mask, wires the output pipes, execs.
///
/// # Safety
/// Only in the init's forked child.
unsafe fn program(p: &Prepared, go: &Go) -> ! {
    // SAFETY: system calls on prepared data; ends with execve or _exit.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != 1 {
            libc::_exit(125);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &raw const p.old, std::ptr::null_mut());
        if let Some(fd) = p.out {
            libc::dup2(fd, 1);
        }
        if let Some(fd) = p.err {
            libc::dup2(fd, 2);
        }
        // A session of its own, with the pseudo-terminal as its controlling terminal.
        if let Some(fd) = p.tty {
            libc::setsid();
            if p.tty_input {
                libc::dup2(fd, 0);
            }
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            libc::ioctl(fd, libc::TIOCSCTTY, 0);
        }
        libc::execve(go.program, go.argv, go.envp);
        libc::_exit(if errno() == libc::ENOENT { 127 } else { 126 })
    }
}

const fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jeq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

const LOAD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// The architecture of this build and its 32-bit compatibility mode, as seccomp names them, and
/// the number of ioctl(2) in each (and in the x32 ABI, which x86-64 also accepts).
#[cfg(target_arch = "x86_64")]
const ARCHES: (u32, u32, u32, u32) = (0xC000_003E, 0x4000_0003, 0x4000_0000 | 514, 54);
#[cfg(target_arch = "aarch64")]
const ARCHES: (u32, u32, u32, u32) = (0xC000_00B7, 0x4000_0028, libc::SYS_ioctl as u32, 54);

const TIOCSTI: u32 = 0x5412;
const TIOCLINUX: u32 = 0x541C;

/// A seccomp filter refusing (EPERM) ioctl(2) with TIOCSTI or TIOCLINUX, in the native and the
/// compatibility system call tables; everything else passes. The request is compared on its low
/// 32 bits, as the terminal driver reads it: upper bits set do not slip past.
const TERMINAL_FILTER: [libc::sock_filter; 13] = {
    let (native, compat, x32_ioctl, compat_ioctl) = ARCHES;
    [
        // 0: the architecture (offset 4 of struct seccomp_data).
        stmt(LOAD, 4),
        jeq(native, 0, 3),
        // 2: the system call number (offset 0).
        stmt(LOAD, 0),
        jeq(libc::SYS_ioctl as u32, 4, 0),
        jeq(x32_ioctl, 3, 7),
        // 5: another architecture: its ioctl number, or let it pass.
        jeq(compat, 0, 6),
        stmt(LOAD, 0),
        jeq(compat_ioctl, 0, 4),
        // 8: the low 32 bits of the request, the second argument (offset 24, little-endian).
        stmt(LOAD, 24),
        jeq(TIOCSTI, 1, 0),
        jeq(TIOCLINUX, 0, 1),
        stmt(RET, libc::SECCOMP_RET_ERRNO | libc::EPERM as u32),
        stmt(RET, libc::SECCOMP_RET_ALLOW),
    ]
};

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// For an unsandboxed run on a pseudo-terminal (already its stdout): the program leads a session
/// of its own, with that terminal as its controlling terminal.
pub fn own_terminal(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec, after its stdio is in place, and
    // only makes two system calls (setsid, ioctl); it allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()?;
            rustix::process::ioctl_tiocsctty(rustix::stdio::stdout())?;
            Ok(())
        });
    }
}

/// For an unsandboxed run: the program is killed when the supervisor dies, and does not start if
/// the supervisor died before that was armed.
pub fn die_with_parent(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and only makes two system calls
    // (prctl, getppid); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the init reports when a stage fails, as `Pending::ready` reads it.
    fn failed_at(stage: u8) -> Failure {
        let (r, w) = pipe().unwrap_or_else(|_| panic!("a pipe"));
        let mut msg = [b'F', stage, 0, 0, 0, 0, 0, 0];
        msg[4..].copy_from_slice(&libc::ENOENT.to_le_bytes());
        std::io::Write::write_all(&mut std::fs::File::from(w), &msg).unwrap();
        let mut pending = Pending {
            pid: rustix::process::Pid::from_raw(1).unwrap(),
            report: Some(r),
            go: None,
            outputs: None,
            pty: None,
            ready: false,
            scoped: false,
            covered: Vec::new(),
        };
        pending.ready().expect_err("a failed stage")
    }

    /// A kernel that refuses the namespaces leaves a machine without a sandbox; namespaces that
    /// could not hide what they must refuse the run.
    #[test]
    fn a_failure_to_hide_refuses_the_run_and_a_refused_namespace_does_not() {
        for stage in [1, 2, 3, 4, 7] {
            assert!(
                matches!(failed_at(stage), Failure::Unavailable(_)),
                "{stage}"
            );
        }
        for stage in HIDING_STAGES {
            match failed_at(*stage) {
                Failure::Other(e) => assert!(e.to_string().contains("could not hide"), "{e}"),
                Failure::Unavailable(why) => panic!("stage {stage} is only unavailable: {why}"),
            }
        }
    }

    #[test]
    fn bus_addresses_are_unescaped() {
        assert_eq!(unescape_dbus("/run/user/1000/bus"), b"/run/user/1000/bus");
        assert_eq!(unescape_dbus("/tmp/a%20b%2c"), b"/tmp/a b,");
        assert_eq!(unescape_dbus("/tmp/x%zz%4"), b"/tmp/x%zz%4");
    }
}
