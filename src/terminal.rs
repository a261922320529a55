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
use std::io::{BufRead, BufReader, Write};

use rustix::termios::{LocalModes, OptionalActions, QueueSelector};
use zeroize::Zeroizing;

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

    /// One line, its end of line dropped; `None` at end of input.
    fn read_line(&mut self) -> std::io::Result<Option<Zeroizing<String>>> {
        let mut line = Zeroizing::new(String::new());
        // The terminal hands over one line per read in canonical mode; the buffer holds no more.
        let n = BufReader::new(&self.file).read_line(&mut line)?;
        if n == 0 || !line.ends_with('\n') {
            return Ok(None);
        }
        let len = line.trim_end_matches(['\r', '\n']).len();
        line.truncate(len);
        Ok(Some(line))
    }
}
