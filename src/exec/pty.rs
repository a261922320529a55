//! `exec --mask` on a terminal: the program runs on a pseudo-terminal of its own, so that it still
//! sees a terminal (`isatty`, its window size, colours, job control) while everything it prints
//! passes through the mask on its way to ours.
//!
//! The pair is opened before the program starts (before the sandbox is cloned, which must hand
//! the program its end). The program becomes the leader of a new session with the pseudo-terminal
//! as its controlling terminal, on its stdout and stderr, and on its stdin when ours is a
//! terminal. When this process is in that terminal's foreground, our terminal is put in raw mode
//! while the program runs and every keystroke (Ctrl-C, Ctrl-Z and Ctrl-\ included) is passed on
//! for the program's own terminal to act on, exactly as ours would have; in the background,
//! nothing is read from it, so the program cannot take input meant for the shell. A stdin that is
//! not a terminal is passed to the program as it is (a pipe stays a pipe, its end of file
//! included), and our terminal is left alone.
//!
//! Our terminal's modes and window size are copied to the program's when it starts, the size
//! again on every SIGWINCH. Our modes are restored when the program ends, whatever ended it, and
//! from the panic hook (a release build aborts on panic, running no destructor).

use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::pty::OpenptFlags;
use rustix::termios::{OptionalActions, Termios};

use super::mask::Masker;
use crate::error::{Error, Result};

/// Our terminal's modes from before it was put in raw mode, while it is.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// How long the program's terminal may stay silent, once the program has ended, before what
/// still holds it open (a process the program left behind) is given up on.
const LINGER: Duration = Duration::from_millis(100);

/// The largest amount of typed input held for a program that is not reading it.
const MAX_INPUT: usize = 64 * 1024;

/// A pseudo-terminal for a program, opened and waiting for it.
pub struct Pty {
    master: OwnedFd,
    /// The program's end, until the program has it.
    slave: Option<OwnedFd>,
    /// Our stdin is a terminal: the program's stdin is its own terminal too.
    stdin_tty: bool,
    /// And we are in its foreground: keystrokes go to the program.
    interactive: bool,
}

/// A pseudo-terminal for the program when our stdout is a terminal; none otherwise.
pub fn open_if_terminal() -> Result<Option<Pty>> {
    if !rustix::termios::isatty(std::io::stdout()) {
        return Ok(None);
    }
    Pty::open().map(Some).map_err(|e| {
        Error::other(format!(
            "cannot open a pseudo-terminal for the program: {e}"
        ))
        .hint("run without --mask, or with stdout redirected, to do without one")
    })
}

impl Pty {
    fn open() -> std::io::Result<Pty> {
        let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
        let master = rustix::pty::openpt(flags)?;
        rustix::pty::grantpt(&master)?;
        rustix::pty::unlockpt(&master)?;
        let slave = match rustix::pty::ioctl_tiocgptpeer(&master, flags) {
            Ok(s) => s,
            // Kernels before 4.13: by its name.
            Err(_) => {
                let name = rustix::pty::ptsname(&master, Vec::new())?;
                rustix::fs::open(
                    name.as_c_str(),
                    rustix::fs::OFlags::RDWR
                        | rustix::fs::OFlags::NOCTTY
                        | rustix::fs::OFlags::CLOEXEC,
                    rustix::fs::Mode::empty(),
                )?
            }
        };
        let stdin = std::io::stdin();
        let stdin_tty = rustix::termios::isatty(&stdin);
        let interactive = stdin_tty
            && rustix::termios::tcgetpgrp(&stdin).ok() == Some(rustix::process::getpgrp());
        let pty = Pty {
            master,
            slave: Some(slave),
            stdin_tty,
            interactive,
        };
        pty.copy_modes();
        Ok(pty)
    }

    /// The terminal the program's modes are taken from: the one keystrokes come from, else the
    /// one its output goes to.
    fn ours(&self) -> BorrowedFd<'static> {
        if self.interactive {
            rustix::stdio::stdin()
        } else {
            rustix::stdio::stdout()
        }
    }

    /// Gives the program's terminal our modes and window size.
    fn copy_modes(&self) {
        if let Ok(modes) = rustix::termios::tcgetattr(self.ours()) {
            let _ = rustix::termios::tcsetattr(&self.master, OptionalActions::Now, &modes);
        }
        resize(&self.master);
    }

    /// The program's end of the pair, for its stdin (see [`Pty::stdin`]), stdout and stderr,
    /// and as its controlling terminal.
    pub fn slave(&self) -> Option<BorrowedFd<'_>> {
        self.slave.as_ref().map(AsFd::as_fd)
    }

    /// The raw descriptor of [`Pty::slave`], for the sandbox's clone; -1 once given away.
    pub fn slave_raw(&self) -> RawFd {
        self.slave.as_ref().map_or(-1, AsRawFd::as_raw_fd)
    }

    /// Our end, which the sandbox's processes close.
    pub fn master_raw(&self) -> RawFd {
        self.master.as_raw_fd()
    }

    /// Whether the program's stdin is the pseudo-terminal too (else it is ours, as it is).
    pub fn stdin(&self) -> bool {
        self.stdin_tty
    }

    /// The program has its end: ours is closed, so that the end of the program's output shows.
    pub fn started(&mut self) {
        self.slave = None;
    }

    /// Starts passing the program's terminal to ours, through the mask of `values`: our terminal
    /// goes raw (when keystrokes are passed on) until [`Session::finish`].
    pub fn begin(mut self, values: &[String]) -> Session {
        self.slave = None;
        self.copy_modes();
        if self.interactive {
            enter_raw();
        }
        let master = Arc::new(self.master);
        let (ended_r, ended_w) = match rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC) {
            Ok((r, w)) => (Some(r), Some(w)),
            Err(_) => (None, None),
        };
        let masker = Masker::new(values.iter().map(String::as_str));
        let copier = {
            let master = Arc::clone(&master);
            let interactive = self.interactive;
            std::thread::spawn(move || copy(&master, interactive, masker, ended_r))
        };
        Session {
            master,
            ended: ended_w,
            copier: Some(copier),
        }
    }
}

/// A program running on its pseudo-terminal: the copying in both directions and our terminal's
/// raw mode, both ended by [`Session::finish`] (or when dropped).
pub struct Session {
    master: Arc<OwnedFd>,
    /// Closed when the program has ended: the copy drains what is left and stops.
    ended: Option<OwnedFd>,
    copier: Option<std::thread::JoinHandle<()>>,
}

impl Session {
    /// What the signal forwarding uses to pass a new window size on.
    pub fn resizer(&self) -> Arc<OwnedFd> {
        Arc::clone(&self.master)
    }

    /// `say`, with our terminal's output processing back on for the message (in raw mode a line
    /// end would not return the cursor to the start of the line).
    pub fn wrap(say: crate::session::Say) -> crate::session::Say {
        Arc::new(move |m: &str| {
            let saved = SAVED.lock().map(|s| s.clone()).unwrap_or_default();
            let Some(saved) = saved else {
                return say(m);
            };
            let stdin = rustix::stdio::stdin();
            let raw = rustix::termios::tcgetattr(stdin).ok();
            if let Some(raw) = &raw {
                let mut cooked = raw.clone();
                cooked.output_modes = saved.output_modes;
                let _ = rustix::termios::tcsetattr(stdin, OptionalActions::Now, &cooked);
            }
            say(m);
            if let Some(raw) = &raw {
                let _ = rustix::termios::tcsetattr(stdin, OptionalActions::Now, raw);
            }
        })
    }

    /// The program has ended: the rest of its output is shown, and our terminal restored.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.ended = None;
        if let Some(copier) = self.copier.take() {
            let _ = copier.join();
        }
        restore();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Copies our terminal's window size to the program's: the kernel then sends SIGWINCH to the
/// program's foreground process group.
pub fn resize(master: &OwnedFd) {
    let size = rustix::termios::tcgetwinsize(rustix::stdio::stdout())
        .or_else(|_| rustix::termios::tcgetwinsize(rustix::stdio::stdin()));
    if let Ok(size) = size {
        let _ = rustix::termios::tcsetwinsize(master, size);
    }
}

/// Puts our terminal (stdin) in raw mode, keeping its modes to restore.
fn enter_raw() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    let stdin = rustix::stdio::stdin();
    let Ok(original) = rustix::termios::tcgetattr(stdin) else {
        return;
    };
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
    let mut raw = original.clone();
    raw.make_raw();
    if let Ok(mut saved) = SAVED.lock() {
        *saved = Some(original);
    }
    let _ = rustix::termios::tcsetattr(stdin, OptionalActions::Now, &raw);
}

/// Gives our terminal back the modes it had before [`enter_raw`]; nothing if it was not raw.
pub fn restore() {
    let saved = match SAVED.lock() {
        Ok(mut s) => s.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    if let Some(modes) = saved {
        let _ = rustix::termios::tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &modes);
    }
}

/// The copying, on a thread of its own: the program's output through the mask to our stdout,
/// our keystrokes (when `interactive`) to the program. Ends when the program's terminal is closed
/// by all its processes, or, once `ended` is closed, when it has been silent for [`LINGER`].
fn copy(master: &OwnedFd, interactive: bool, mut masker: Masker, ended: Option<OwnedFd>) {
    let _ = rustix::fs::fcntl_setfl(master, rustix::fs::OFlags::NONBLOCK);
    let stdin = rustix::stdio::stdin();
    let mut reading = interactive;
    let mut ended = ended;
    let mut draining = ended.is_none();
    let mut input: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = std::io::stdout();
    let mut shown = true;
    let linger = Timespec {
        tv_sec: 0,
        tv_nsec: i64::try_from(LINGER.as_nanos()).unwrap_or(100_000_000),
    };
    loop {
        let mut wanted = PollFlags::IN;
        if !input.is_empty() {
            wanted |= PollFlags::OUT;
        }
        let mut fds = vec![PollFd::new(master, wanted)];
        let stdin_at = (reading && input.len() < MAX_INPUT).then(|| {
            fds.push(PollFd::new(&stdin, PollFlags::IN));
            fds.len() - 1
        });
        let ended_at = ended.as_ref().map(|e| {
            fds.push(PollFd::new(e, PollFlags::IN));
            fds.len() - 1
        });
        let timeout = draining.then_some(&linger);
        match rustix::event::poll(&mut fds, timeout) {
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
        let revents: Vec<PollFlags> = fds.iter().map(PollFd::revents).collect();
        drop(fds);
        if ended_at.is_some_and(|i| !revents[i].is_empty()) {
            ended = None;
            draining = true;
        }
        if let Some(i) = stdin_at
            && !revents[i].is_empty()
        {
            match rustix::io::read(stdin, &mut buf) {
                Ok(0) => reading = false,
                Ok(n) => input.extend_from_slice(&buf[..n]),
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                Err(_) => reading = false,
            }
        }
        if revents[0].contains(PollFlags::OUT) && !input.is_empty() {
            match rustix::io::write(master, &input) {
                Ok(n) => {
                    input.drain(..n);
                }
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                Err(_) => input.clear(),
            }
        }
        if revents[0].intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR) {
            match rustix::io::read(master, &mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let masked = masker.feed(&buf[..n]);
                    if shown {
                        shown = out.write_all(&masked).and_then(|()| out.flush()).is_ok();
                    }
                }
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                // EIO: every process of the program has closed its terminal.
                Err(_) => break,
            }
        }
    }
    if shown {
        let _ = out.write_all(&masker.finish());
        let _ = out.flush();
    }
    buf.fill(0);
    input.fill(0);
}
