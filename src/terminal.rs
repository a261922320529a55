//! The controlling terminal (`/dev/tty`), where agentcred asks for a passphrase, a value or a
//! confirmation, as `age` does: stdin may be a pipe carrying data (`printf v | agentcred secret
//! set x --stdin`) while the person who can answer sits at the terminal.
//!
//! A terminal counts only when `/dev/tty` opens, is a terminal, and this process is in its
//! foreground process group. The last condition keeps a background job (`agentcred … &`), and a
//! test harness that starts agentcred in its own process group, from ever waiting on a terminal
//! that cannot answer: with no terminal, a command that needs an answer fails as it would in CI.
//!
//! Only the command layer asks questions; the core only asks [`available`].

use std::fs::File;
use std::io::Write;

use rustix::termios::{LocalModes, OptionalActions, QueueSelector};
use zeroize::Zeroizing;

/// The longest line read from the terminal.
const MAX_LINE: usize = 4096;

/// The controlling terminal, opened for reading and writing.
pub struct Tty {
    file: File,
}

/// Whether a question can be asked at all (see the module docs).
pub fn available() -> bool {
    Tty::open().is_some()
}

impl Tty {
    /// Opens the controlling terminal, if there is one this process may read.
    pub fn open() -> Option<Tty> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        if !rustix::termios::isatty(&file) {
            return None;
        }
        let foreground = rustix::termios::tcgetpgrp(&file).ok()?;
        (foreground == rustix::process::getpgrp()).then_some(Tty { file })
    }

    /// Writes a line (a reason, a prompt) to the terminal.
    pub fn say(&mut self, text: &str) {
        let _ = self.file.write_all(text.as_bytes());
        let _ = self.file.flush();
    }

    /// Asks for a hidden line: echo is off while it is typed and back on after, whatever happens.
    /// Input typed ahead is kept (a passphrase typed before the prompt appears still counts).
    /// `None` at end of input (Ctrl-D).
    pub fn read_hidden(&mut self, prompt: &str) -> std::io::Result<Option<Zeroizing<String>>> {
        // Echo goes off before the prompt shows, so nothing typed in answer to it is echoed.
        let original = rustix::termios::tcgetattr(&self.file)?;
        let mut quiet = original.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        rustix::termios::tcsetattr(&self.file, OptionalActions::Now, &quiet)?;
        self.say(prompt);
        let line = self.read_line();
        rustix::termios::tcsetattr(&self.file, OptionalActions::Now, &original)?;
        line
    }

    /// Asks for a visible answer. Anything typed before the question appeared is discarded
    /// first, so that keys meant for an earlier prompt (a passphrase typed ahead) never answer it.
    pub fn read_answer(&mut self, prompt: &str) -> std::io::Result<Option<Zeroizing<String>>> {
        rustix::termios::tcflush(&self.file, QueueSelector::IFlush)?;
        self.say(prompt);
        self.read_line()
    }

    /// One line, its end of line dropped; `None` at end of input. Read straight into a buffer
    /// that is zeroed when dropped and never grows: no copy of a passphrase is left in a reader's
    /// buffer or in memory a reallocation gave back. A line longer than the buffer is refused.
    fn read_line(&mut self) -> std::io::Result<Option<Zeroizing<String>>> {
        use std::io::Read;
        let mut buf = Zeroizing::new([0u8; MAX_LINE]);
        let mut len = 0;
        // The terminal hands over one line per read in canonical mode.
        while len < buf.len() && !buf[..len].contains(&b'\n') {
            match (&self.file).read(&mut buf[len..]) {
                Ok(0) => return Ok(None),
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let Some(end) = buf[..len].iter().position(|b| *b == b'\n') else {
            return Err(std::io::Error::other("the line typed is too long"));
        };
        let text = std::str::from_utf8(&buf[..end])
            .map_err(|_| std::io::Error::other("the line typed is not UTF-8"))?;
        let mut line = Zeroizing::new(String::with_capacity(end));
        line.push_str(text.trim_end_matches('\r'));
        Ok(Some(line))
    }
}
