//! `exec` (docs/DESIGN.md, "exec"): run a program with an agent's short-lived credential in its
//! environment and nothing else of agentcred's, supervise it, and end its credential when it ends.
//!
//! Process semantics follow env(1): the child's exit code; 128+N if it died of signal N; 125 if
//! agentcred failed before starting it; 126 if the program cannot be run; 127 if it is not found.
//! Signals sent to agentcred by another process (INT, TERM, HUP, QUIT, USR1, USR2, WINCH) are
//! forwarded; signals from the terminal already reach the child, which shares our process group,
//! so they are not sent a second time. Under `--mask` on a terminal the program has a terminal of
//! its own (see [`pty`]): keystrokes reach it through that terminal, a new window size is passed
//! to it, and every other signal is forwarded whoever sent it.

pub mod boundary;
pub mod brokered;
pub mod held;
pub mod launch;
pub mod mask;
pub mod pty;
pub mod record;
pub mod revoked;
pub mod running;
#[allow(unsafe_code)]
pub mod sandbox;
pub mod serve;
pub mod socket;
pub mod upstream;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// What a child may keep from our environment under `--clean-env`.
const CLEAN_ENV_ALLOW: &[&str] = &[
    "PATH", "HOME", "USER", "LANG", "TERM", "TZ", "TMPDIR", "SHELL",
];

/// Seconds between SIGTERM and SIGKILL when a credential expires under `--on-expiry term`.
pub const GRACE: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnExpiry {
    Term,
    Kill,
    Ignore,
}

/// Builds the child's environment: ours (or the `--clean-env` allowlist) minus every unlock input
/// and every `AGENTCRED_*` variable but `AGENTCRED_HOME` (so a nested exec finds the vault), plus
/// `vars`. Returns the environment and the names of
/// variables a granted value replaced.
pub fn child_env(
    parent: impl Iterator<Item = (OsString, OsString)>,
    clean: bool,
    vars: &[(String, String)],
) -> Result<(BTreeMap<OsString, OsString>, Vec<String>)> {
    let mut env: BTreeMap<OsString, OsString> = parent
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            (!k.starts_with("AGENTCRED_") || k == "AGENTCRED_HOME")
                && (!clean || CLEAN_ENV_ALLOW.contains(&k.as_ref()) || k.starts_with("LC_"))
        })
        .collect();
    let mut replaced = Vec::new();
    for (k, v) in vars {
        if !k.starts_with("AGENTCRED_") {
            crate::secret::validate_env(k)?;
        }
        let previous = env.insert(OsString::from(k), OsString::from(v));
        if previous.is_some_and(|p| p != OsString::from(v)) && !k.starts_with("AGENTCRED_") {
            replaced.push(k.clone());
        }
    }
    Ok((env, replaced))
}

/// How the child ended.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Ending {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// `exit`, `signal`, `expiry` or `revocation`.
    pub ended_by: &'static str,
    pub duration_ms: u128,
    pub expired: bool,
    /// The block whose revocation ended the credential under the program, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

impl Ending {
    /// The env(1) convention.
    pub fn status(&self) -> u8 {
        match (self.exit_code, self.signal) {
            (Some(c), _) => u8::try_from(c & 0xff).unwrap_or(1),
            (None, Some(s)) => u8::try_from(128 + (s & 0x7f)).unwrap_or(255),
            _ => 1,
        }
    }
}

/// What records the end of the credential under the program, called once, before any signal is
/// sent: at expiry (`None`) or at the revocation found first.
pub type OnEnd = Box<dyn FnOnce(Option<&revoked::Revoked>) + Send>;

/// Options of a supervised run.
pub struct Supervise {
    /// The clock's time as the program starts.
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub on_expiry: OnExpiry,
    pub mask: Option<Vec<String>>,
    /// Called once at expiry or at the revocation found first (which it is given), before any
    /// signal is sent (to record it).
    pub on_expire: OnEnd,
    /// The watch on the revocation list; none where this process cannot read the vault.
    pub watch: Option<revoked::Watch>,
    /// Where the expiry warnings go.
    pub say: crate::session::Say,
}

/// A started program, as its supervisor holds it: directly, or through the sandbox's init.
pub struct Running {
    /// The process the supervisor signals and waits for.
    pub pid: rustix::process::Pid,
    pub stdout: Option<Box<dyn Read + Send>>,
    pub stderr: Option<Box<dyn Read + Send>>,
    /// The program's pseudo-terminal, under `--mask` on a terminal.
    pub pty: Option<pty::Pty>,
    kind: Kind,
}

enum Kind {
    Plain(Child),
    Sandboxed(sandbox::Init),
}

impl Running {
    /// What becomes readable when the program has ended, if not the process's own end: the
    /// sandbox's report, which comes before its namespaces are torn down.
    fn ended(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        match &self.kind {
            Kind::Plain(_) => None,
            Kind::Sandboxed(init) => Some(init.report()),
        }
    }

    /// The program's exit code, or the signal that ended it.
    fn wait(&mut self) -> std::io::Result<(Option<i32>, Option<i32>)> {
        use std::os::unix::process::ExitStatusExt;
        match &mut self.kind {
            Kind::Plain(child) => child.wait().map(|s| (s.code(), s.signal())),
            Kind::Sandboxed(init) => init.wait(),
        }
    }
}

impl From<sandbox::Started> for Running {
    fn from(s: sandbox::Started) -> Running {
        Running {
            pid: s.init.pid,
            stdout: s.stdout.map(|f| Box::new(f) as Box<dyn Read + Send>),
            stderr: s.stderr.map(|f| Box::new(f) as Box<dyn Read + Send>),
            pty: s.pty,
            kind: Kind::Sandboxed(s.init),
        }
    }
}

/// Starts the already resolved `program` outside any sandbox, killed if its supervisor dies. The
/// error carries exit code 126 or 127. Masked, its output is piped back, or, when our stdout is a
/// terminal, it runs on a pseudo-terminal of its own.
pub fn spawn(
    program: &std::path::Path,
    argv: &[OsString],
    env: &BTreeMap<OsString, OsString>,
    masked: bool,
) -> Result<Running> {
    let mut cmd = Command::new(program);
    std::os::unix::process::CommandExt::arg0(&mut cmd, &argv[0]);
    cmd.args(&argv[1..]).env_clear().envs(env);
    let mut pty = if masked {
        pty::open_if_terminal().map_err(Error::before_child)?
    } else {
        None
    };
    if let Some(slave) = pty.as_ref().and_then(pty::Pty::slave) {
        let io = |e: std::io::Error| {
            Error::other(format!("cannot hand the program its terminal: {e}")).with_source(e)
        };
        if pty.as_ref().is_some_and(pty::Pty::stdin) {
            cmd.stdin(slave.try_clone_to_owned().map_err(io)?);
        }
        cmd.stdout(slave.try_clone_to_owned().map_err(io)?)
            .stderr(slave.try_clone_to_owned().map_err(io)?);
        sandbox::own_terminal(&mut cmd);
    } else if masked {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    sandbox::die_with_parent(&mut cmd);
    let spawned = cmd.spawn();
    drop(cmd);
    let mut child = spawned.map_err(|e| spawn_error(&argv[0], &e))?;
    if let Some(p) = pty.as_mut() {
        p.started();
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap_or(0))
        .ok_or_else(|| Error::other("the child has no process id"))?;
    Ok(Running {
        pid,
        stdout: child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        stderr: child
            .stderr
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        pty,
        kind: Kind::Plain(child),
    })
}

/// Finds `program` the way execvp(3) does, in the child's `PATH` (or the default search path):
/// the first executable regular file wins; a match that is not executable is reported as such
/// (126); no match at all is "command not found" (127). Done before any sandbox is entered, so
/// these are reported without a program having run.
pub fn resolve(
    program: &OsString,
    env: &BTreeMap<OsString, OsString>,
) -> Result<std::path::PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    if program.as_bytes().contains(&b'/') {
        let path = std::path::PathBuf::from(program);
        let cannot =
            |reason: String| Error::cannot_run(program.to_string_lossy().into_owned(), reason);
        return match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => Err(cannot(format!("{} is a directory", path.display()))),
            Ok(_) => match rustix::fs::access(&path, rustix::fs::Access::EXEC_OK) {
                Ok(()) => Ok(path),
                Err(e) => Err(cannot(format!("{}: {e}", path.display()))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::command_not_found(
                program.to_string_lossy().into_owned(),
            )),
            Err(e) => Err(cannot(format!("{}: {e}", path.display()))),
        };
    }
    if program.is_empty() {
        return Err(Error::command_not_found(String::new()));
    }
    let path = env
        .get(std::ffi::OsStr::new("PATH"))
        .cloned()
        .unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    let mut denied = None;
    for dir in path.as_bytes().split(|b| *b == b':') {
        let dir = if dir.is_empty() { b"." as &[u8] } else { dir };
        let candidate = std::path::Path::new(std::ffi::OsStr::from_bytes(dir)).join(program);
        match std::fs::metadata(&candidate) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => return Ok(candidate),
            Ok(m) if m.is_file() => denied = denied.or(Some(candidate)),
            _ => {}
        }
    }
    match denied {
        Some(p) => Err(Error::cannot_run(
            program.to_string_lossy().into_owned(),
            format!("{} is not executable (permission denied)", p.display()),
        )),
        None => Err(Error::command_not_found(
            program.to_string_lossy().into_owned(),
        )),
    }
}

/// Replaces this process with the program (`--replace`): no supervision, no end entry.
pub fn replace(argv: &[OsString], env: &BTreeMap<OsString, OsString>) -> Error {
    use std::os::unix::process::CommandExt;
    let e = Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .envs(env)
        .exec();
    spawn_error(&argv[0], &e)
}

fn spawn_error(program: &OsString, e: &std::io::Error) -> Error {
    let name = program.to_string_lossy();
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::command_not_found(name.into_owned()),
        _ => Error::cannot_run(name.into_owned(), e),
    }
}

/// The forwarded signals, caught from before the child starts so that none arriving in between
/// kills agentcred and orphans a child with a live credential.
pub struct Signals(
    signal_hook::iterator::SignalsInfo<signal_hook::iterator::exfiltrator::WithOrigin>,
);

impl Signals {
    pub fn install() -> Result<Signals> {
        use signal_hook::consts::signal::{
            SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
        };
        signal_hook::iterator::SignalsInfo::new([
            SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
        ])
        .map(Signals)
        .map_err(|e| Error::other(format!("cannot install signal handlers: {e}")).with_source(e))
    }
}

/// Supervises a started child until it ends: forwards signals, enforces expiry, filters output.
pub fn supervise(mut child: Running, signals: Signals, opts: Supervise) -> Result<Ending> {
    let started = Instant::now();
    let pid = child.pid;

    // Output filters first, so nothing the child writes escapes unmasked.
    let mut pumps = Vec::new();
    let mut terminal = None;
    let mut say = opts.say;
    if let Some(values) = &opts.mask {
        if let Some(out) = child.stdout.take() {
            pumps.push(pump(out, std::io::stdout(), values));
        }
        if let Some(err) = child.stderr.take() {
            pumps.push(pump(err, std::io::stderr(), values));
        }
        if let Some(pty) = child.pty.take() {
            terminal = Some(pty.begin(values));
            say = pty::Session::wrap(say);
        }
    }

    let Signals(mut signals) = signals;
    let handle = signals.handle();
    let resizer = terminal.as_ref().map(pty::Session::resizer);
    std::thread::spawn(move || {
        for origin in signals.forever() {
            let Some(sig) = rustix::process::Signal::from_named_raw(origin.signal) else {
                continue;
            };
            match &resizer {
                // On a pseudo-terminal of its own, in a session of its own, the program gets
                // nothing from our terminal: a new window size is passed to its terminal (whose
                // kernel side signals it), anything else to the program.
                Some(master) if sig == rustix::process::Signal::WINCH => pty::resize(master),
                Some(_) => {
                    let _ = rustix::process::kill_process(pid, sig);
                }
                // Sent by a process (kill, a supervisor): pass it on. From the kernel (the
                // terminal's ^C, ^\, window size): the child, in our foreground process group,
                // has it already.
                None if origin.process.is_some() => {
                    let _ = rustix::process::kill_process(pid, sig);
                }
                None => {}
            }
        }
    });

    let expired = Arc::new(AtomicBool::new(false));
    let revoked_id = Arc::new(std::sync::Mutex::new(None));
    let mut expiry = Expiry::new(
        pid,
        started,
        (opts.now, opts.expires_at),
        opts.on_expiry,
        (opts.on_expire, say),
        (Arc::clone(&expired), Arc::clone(&revoked_id)),
    );
    expiry.watch = opts.watch;
    let done = Arc::new(AtomicBool::new(false));
    if !wait_with_deadlines(pid, child.ended(), &mut expiry) {
        // No process file descriptor here (a kernel before Linux 5.3, or another Unix): the
        // deadlines run on a thread of their own while this one waits.
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            while let Some(at) = expiry.next_at() {
                sleep_until(at, &done);
                if done.load(Ordering::SeqCst) {
                    return;
                }
                expiry.fire();
            }
        });
    }

    let (exit_code, signal) = child
        .wait()
        .map_err(|e| Error::other(format!("cannot wait for the program: {e}")).with_source(e))?;
    done.store(true, Ordering::SeqCst);
    handle.close();
    for p in pumps {
        let _ = p.join();
    }
    if let Some(t) = terminal {
        t.finish();
    }
    let expired = expired.load(Ordering::SeqCst);
    let revoked = revoked_id.lock().map(|r| r.clone()).unwrap_or_default();
    let enforced = opts.on_expiry != OnExpiry::Ignore && signal.is_some();
    let ended_by = if revoked.is_some() && enforced {
        "revocation"
    } else if expired && enforced {
        "expiry"
    } else if signal.is_some() {
        "signal"
    } else {
        "exit"
    };
    Ok(Ending {
        exit_code,
        signal,
        ended_by,
        duration_ms: started.elapsed().as_millis(),
        expired,
        revoked,
    })
}

/// What happens as the credential's end nears: a warning on stderr, then at expiry `on_expire` and
/// the `--on-expiry` action, and under `term` a SIGKILL once the grace period has passed. A
/// revocation found by the watch is expiry brought forward: the same record and action, at once.
struct Expiry {
    pid: rustix::process::Pid,
    on_expiry: OnExpiry,
    expires_text: String,
    /// The next step and when it is due; `None` once nothing is left to do.
    next: Option<(Instant, Step)>,
    expire_at: Instant,
    on_expire: Option<OnEnd>,
    say: crate::session::Say,
    expired: Arc<AtomicBool>,
    /// The block whose revocation ended the credential, once one has.
    revoked: Arc<std::sync::Mutex<Option<String>>>,
    /// Until the credential has ended one way or the other.
    watch: Option<revoked::Watch>,
}

#[derive(Clone, Copy)]
enum Step {
    Warn,
    Expire,
    Kill,
}

impl Expiry {
    fn new(
        pid: rustix::process::Pid,
        started: Instant,
        (now, expires_at): (DateTime<Utc>, DateTime<Utc>),
        on_expiry: OnExpiry,
        (on_expire, say): (OnEnd, crate::session::Say),
        (expired, revoked): (Arc<AtomicBool>, Arc<std::sync::Mutex<Option<String>>>),
    ) -> Expiry {
        // What is left of the credential, counted from when the program started.
        let ttl = (expires_at - now).to_std().unwrap_or_default();
        let warn_before = Duration::from_secs(60).min(ttl / 2);
        Expiry {
            pid,
            on_expiry,
            expires_text: crate::clock::rfc3339(expires_at),
            next: Some((started + ttl.saturating_sub(warn_before), Step::Warn)),
            expire_at: started + ttl,
            on_expire: Some(on_expire),
            say,
            expired,
            revoked,
            watch: None,
        }
    }

    /// When there is next something to do: a step, or a look at the revocation list.
    fn next_at(&self) -> Option<Instant> {
        let step = self.next.map(|(at, _)| at);
        match (step, self.watch.as_ref().map(revoked::Watch::next_at)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Does what is due: a look at the revocation list, the next step.
    fn fire(&mut self) {
        if let Some(found) = self.watch.as_mut().and_then(revoked::Watch::look) {
            self.revoke(&found);
        }
        if self.next.is_some_and(|(at, _)| at <= Instant::now()) {
            self.step();
        }
    }

    /// The credential was revoked under the program: expiry brought forward.
    fn revoke(&mut self, found: &revoked::Revoked) {
        self.watch = None;
        if let Ok(mut r) = self.revoked.lock() {
            *r = Some(found.id.clone());
        }
        if let Some(record) = self.on_expire.take() {
            record(Some(found));
        }
        let what = format!("the credential was revoked: {}", found.describe());
        let say = Arc::clone(&self.say);
        self.next = match self.on_expiry {
            OnExpiry::Ignore => {
                say(&format!(
                    "{what}; the program runs on, but its credential no longer works (--on-expiry ignore)"
                ));
                None
            }
            OnExpiry::Kill => {
                say(&format!("{what}; killing the program"));
                self.signal(rustix::process::Signal::KILL);
                None
            }
            OnExpiry::Term => {
                say(&format!("{what}; sending SIGTERM"));
                self.signal(rustix::process::Signal::TERM);
                Some((Instant::now() + GRACE, Step::Kill))
            }
        };
    }

    /// Runs the step that is due and schedules the one after it.
    fn step(&mut self) {
        let Some((_, step)) = self.next else { return };
        let say = Arc::clone(&self.say);
        let say = |m: &str| say(m);
        self.next = match step {
            Step::Warn => {
                say(&format!(
                    "the credential expires at {}{}",
                    self.expires_text,
                    match self.on_expiry {
                        OnExpiry::Term => "; the program will be sent SIGTERM then",
                        OnExpiry::Kill => "; the program will be killed then",
                        OnExpiry::Ignore =>
                            "; the program may run on, but its credential will not work",
                    }
                ));
                Some((self.expire_at, Step::Expire))
            }
            Step::Expire => {
                self.expired.store(true, Ordering::SeqCst);
                self.watch = None;
                if let Some(record) = self.on_expire.take() {
                    record(None);
                }
                match self.on_expiry {
                    OnExpiry::Ignore => {
                        say("the credential has expired; the program runs on (--on-expiry ignore)");
                        None
                    }
                    OnExpiry::Kill => {
                        say("the credential has expired; killing the program");
                        self.signal(rustix::process::Signal::KILL);
                        None
                    }
                    OnExpiry::Term => {
                        say("the credential has expired; sending SIGTERM");
                        self.signal(rustix::process::Signal::TERM);
                        Some((Instant::now() + GRACE, Step::Kill))
                    }
                }
            }
            Step::Kill => {
                say("the program did not stop in 10 s; killing it");
                self.signal(rustix::process::Signal::KILL);
                None
            }
        };
    }

    fn signal(&self, sig: rustix::process::Signal) {
        let _ = rustix::process::kill_process(self.pid, sig);
    }
}

/// Waits on this thread until the child has ended (it is left to be reaped), running the expiry
/// steps as they fall due: a poll on the child's process file descriptor, with the next deadline
/// as its timeout. False, with the steps not yet due left in `expiry`, if it cannot.
#[cfg(target_os = "linux")]
fn wait_with_deadlines(
    pid: rustix::process::Pid,
    ended: Option<std::os::fd::BorrowedFd<'_>>,
    expiry: &mut Expiry,
) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let pidfd;
    let fd = match ended {
        Some(fd) => fd,
        None => {
            let Ok(opened) = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
            else {
                return false;
            };
            pidfd = opened;
            std::os::fd::AsFd::as_fd(&pidfd)
        }
    };
    loop {
        let timeout = expiry.next_at().map(|at| {
            let left = at.saturating_duration_since(Instant::now());
            Timespec {
                tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(left.subsec_nanos()),
            }
        });
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match rustix::event::poll(&mut fds, timeout.as_ref()) {
            Ok(0) => expiry.fire(),
            Ok(_) => return true,
            Err(rustix::io::Errno::INTR) => {}
            // Cannot poll: the deadlines left move to a thread of their own.
            Err(_) => return false,
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn wait_with_deadlines(
    _pid: rustix::process::Pid,
    _ended: Option<std::os::fd::BorrowedFd<'_>>,
    _expiry: &mut Expiry,
) -> bool {
    false
}

fn sleep_until(deadline: Instant, done: &AtomicBool) {
    while !done.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(100)));
    }
}

fn pump<R: Read + Send + 'static, W: Write + Send + 'static>(
    mut from: R,
    mut to: W,
    values: &[String],
) -> std::thread::JoinHandle<()> {
    let mut masker = mask::Masker::new(values.iter().map(String::as_str));
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let out = masker.feed(&buf[..n]);
                    if to.write_all(&out).and_then(|()| to.flush()).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = to.write_all(&masker.finish());
        let _ = to.flush();
        buf.fill(0);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlock_inputs_never_reach_the_child() {
        let parent = [
            ("PATH", "/bin"),
            ("AGENTCRED_PASSPHRASE", "pw"),
            ("AGENTCRED_KEY_FILE", "/k"),
            ("AGENTCRED_IDENTITY", "/i"),
            ("OTHER", "x"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let vars = vec![
            ("API_KEY".to_string(), "v".to_string()),
            ("AGENTCRED_AGENT".to_string(), "a".to_string()),
        ];
        let (env, replaced) = child_env(parent.clone().into_iter(), false, &vars).unwrap();
        assert!(
            env.keys()
                .all(|k| !k.to_string_lossy().starts_with("AGENTCRED_P")
                    && k != "AGENTCRED_KEY_FILE"
                    && k != "AGENTCRED_IDENTITY")
        );
        assert_eq!(
            env.get(&OsString::from("OTHER")),
            Some(&OsString::from("x"))
        );
        assert!(replaced.is_empty());
        let (clean, _) = child_env(parent.into_iter(), true, &vars).unwrap();
        assert!(!clean.contains_key(&OsString::from("OTHER")));
        assert!(
            clean.contains_key(&OsString::from("PATH"))
                && clean.contains_key(&OsString::from("API_KEY"))
        );
    }

    #[test]
    fn dangerous_names_are_refused() {
        let vars = vec![("LD_PRELOAD".to_string(), "/evil.so".to_string())];
        assert!(child_env(std::iter::empty(), false, &vars).is_err());
    }

    #[test]
    fn statuses_follow_env1() {
        let e = |c, s| Ending {
            exit_code: c,
            signal: s,
            ended_by: "exit",
            duration_ms: 0,
            expired: false,
            revoked: None,
        };
        assert_eq!(e(Some(7), None).status(), 7);
        assert_eq!(e(None, Some(9)).status(), 137);
    }
}
