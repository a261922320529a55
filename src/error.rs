//! The one error type of agentcred, and its exit codes (docs/DESIGN.md, "Exit codes").
//!
//! An error is a [`Kind`] (which fixes its exit code and its name in `--json` output, from one
//! table), a message naming what failed and on what, a hint saying what to do next, and the error
//! underneath, if any. Messages are built from names, paths and counts only: no constructor here
//! takes a secret, so none can reach a user's terminal, a log or a panic message through an
//! error. A normal exit status (the child's, under `exec`) is a return value, never an error.

use std::path::Path;

/// The documented exit codes (docs/DESIGN.md, "Exit codes").
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const DENIED: u8 = 3;
    pub const DATA: u8 = 65;
    pub const NO_INPUT: u8 = 66;
    pub const EXISTS: u8 = 73;
    pub const LOCK_BUSY: u8 = 75;
    pub const CANNOT_UNLOCK: u8 = 77;
    pub const CONFIG: u8 = 78;
    /// `exec`: agentcred failed or refused before the child started (as env(1)).
    pub const BEFORE_CHILD: u8 = 125;
    /// `exec`: the program exists but cannot be run.
    pub const CANNOT_RUN: u8 = 126;
    /// `exec`: the program was not found.
    pub const COMMAND_NOT_FOUND: u8 = 127;
}

/// What kind of failure an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Arguments that parse but make no sense together, or a malformed value.
    Usage,
    /// Not granted, expired, revoked, suspended, rate-limited, failed verification.
    Denied,
    /// Corrupt or tampered vault, envelope, audit log, token or input file.
    BadData,
    /// No vault, or an input (agent, secret, file) that does not exist.
    NotFound,
    AlreadyExists,
    LockBusy,
    /// Wrong passphrase, identity or key, or no unlock input at all.
    CannotUnlock,
    /// Unsafe permissions, unreadable settings, a vault of another format.
    Config,
    /// A file operation failed.
    Io,
    /// A file operation failed because the file is not there.
    IoNotFound,
    Other,
    /// `exec`: the program exists but cannot be run.
    CannotRun,
    /// `exec`: the program was not found.
    CommandNotFound,
    /// A provider of values (OpenBao) was unreachable, sealed or refused: the same exit code for
    /// `mint` and `exec`, since nothing was decided about the caller, only not fetched.
    Upstream,
}

impl Kind {
    /// The one table: exit code and the stable machine name of `--json` errors.
    pub fn table(self) -> (u8, &'static str) {
        match self {
            Kind::Usage => (exit::USAGE, "usage"),
            Kind::Denied => (exit::DENIED, "denied"),
            Kind::BadData => (exit::DATA, "bad_data"),
            Kind::NotFound => (exit::NO_INPUT, "not_found"),
            Kind::AlreadyExists => (exit::EXISTS, "already_exists"),
            Kind::LockBusy => (exit::LOCK_BUSY, "lock_busy"),
            Kind::CannotUnlock => (exit::CANNOT_UNLOCK, "cannot_unlock"),
            Kind::Config => (exit::CONFIG, "config"),
            Kind::Io => (exit::ERROR, "io"),
            Kind::IoNotFound => (exit::NO_INPUT, "io"),
            Kind::Other => (exit::ERROR, "error"),
            Kind::CannotRun => (exit::CANNOT_RUN, "cannot_run"),
            Kind::CommandNotFound => (exit::COMMAND_NOT_FOUND, "command_not_found"),
            Kind::Upstream => (exit::ERROR, "upstream"),
        }
    }

    pub fn name(self) -> &'static str {
        self.table().1
    }

    /// The kind of a refusal known only by its exit code (as the run socket carries it): one of
    /// the kinds a check can refuse with, else `Other`.
    pub fn of_refusal(code: u8) -> Kind {
        [
            Kind::Usage,
            Kind::Denied,
            Kind::BadData,
            Kind::NotFound,
            Kind::AlreadyExists,
            Kind::CannotUnlock,
            Kind::Config,
        ]
        .into_iter()
        .find(|k| k.table().0 == code)
        .unwrap_or(Kind::Other)
    }
}

type Source = Box<dyn std::error::Error + Send + Sync>;

pub struct Error {
    kind: Kind,
    message: String,
    hint: Option<String>,
    source: Option<Source>,
    /// `exec`: raised before the child started, so the exit code is 125 whatever the kind.
    before_child: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("hint", &self.hint)
            .field("source", &self.source)
            .field("before_child", &self.before_child)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

macro_rules! constructors {
    ($($fn:ident => $kind:ident),* $(,)?) => {
        impl Error {
            $(
                pub fn $fn(message: impl Into<String>) -> Self {
                    Error::new(Kind::$kind, message)
                }
            )*
        }
    };
}

constructors! {
    usage => Usage,
    denied => Denied,
    bad_data => BadData,
    not_found => NotFound,
    exists => AlreadyExists,
    cannot_unlock => CannotUnlock,
    config => Config,
    other => Other,
    upstream => Upstream,
}

/// An [`Error`] carried inside an `std::io::Error`: lets the vault's file helpers keep the
/// signatures of `std::fs` while refusing an unsafe file with agentcred's own kind, which
/// [`Error::io`] takes back out.
#[derive(Debug)]
pub struct Refusal(pub Box<Error>);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refusal {}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            source: None,
            before_child: false,
        }
    }

    /// Keeps the error underneath, for `Debug` and `source()`; the message already says what it
    /// needs to of it.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Wraps this error in an `std::io::Error` (see [`Refusal`]).
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(Refusal(Box::new(self)))
    }

    /// An I/O failure; a [`Refusal`] inside it is returned as itself.
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        if source.get_ref().is_some_and(|e| e.is::<Refusal>()) {
            let inner = source.into_inner().expect("checked above");
            let refusal = inner.downcast::<Refusal>().expect("checked above");
            return *refusal.0;
        }
        let kind = if source.kind() == std::io::ErrorKind::NotFound {
            Kind::IoNotFound
        } else {
            Kind::Io
        };
        let hint = match source.kind() {
            std::io::ErrorKind::PermissionDenied => Some("check the file's owner and permissions"),
            std::io::ErrorKind::StorageFull => Some("free some disk space and retry"),
            _ => None,
        };
        let mut e = Error::new(kind, format!("{action} {}: {source}", path.display()));
        e.hint = hint.map(str::to_string);
        e.with_source(source)
    }

    /// Another agentcred process holds the vault's lock.
    pub fn lock_busy(dir: &Path) -> Self {
        Error::new(
            Kind::LockBusy,
            format!(
                "the vault at {} is locked by another agentcred process",
                dir.display()
            ),
        )
        .hint("wait for it to finish, or raise AGENTCRED_LOCK_TIMEOUT (seconds)")
    }

    /// `exec`: the program exists but cannot be run.
    pub fn cannot_run(program: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Error::new(
            Kind::CannotRun,
            format!("cannot run {}: {reason}", program.into()),
        )
        .hint("check that it is an executable file and that you may run it")
    }

    /// `exec`: the program was not found.
    pub fn command_not_found(program: impl Into<String>) -> Self {
        Error::new(
            Kind::CommandNotFound,
            format!("{}: command not found", program.into()),
        )
        .hint("check the name and PATH; agentcred runs the program directly, not through a shell")
    }

    /// `exec`: this failure came before the child started (exit 125); kind and text unchanged.
    #[must_use]
    pub fn before_child(mut self) -> Self {
        // A provider that could not be reached is exit 1 for `exec` as for `mint`.
        self.before_child = self.kind != Kind::Upstream;
        self
    }

    pub fn is_before_child(&self) -> bool {
        self.before_child
    }

    /// Attaches the "what to do next" line.
    #[must_use]
    pub fn hint(mut self, text: impl Into<String>) -> Self {
        self.hint = Some(text.into());
        self
    }

    pub fn hint_text(&self) -> Option<String> {
        self.hint.clone()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn is_denied(&self) -> bool {
        self.kind == Kind::Denied
    }

    pub fn is_io(&self) -> bool {
        matches!(self.kind, Kind::Io | Kind::IoNotFound)
    }

    pub fn exit_code(&self) -> u8 {
        if self.before_child {
            exit::BEFORE_CHILD
        } else {
            self.kind.table().0
        }
    }

    /// The stable machine name used in `--json` errors.
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_fixes_the_exit_code_and_name() {
        let e = Error::denied("no").hint("ask");
        assert_eq!((e.exit_code(), e.kind_name()), (3, "denied"));
        assert_eq!(e.hint_text().as_deref(), Some("ask"));
        let e = e.before_child();
        assert_eq!((e.exit_code(), e.kind_name()), (125, "denied"));
        let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = Error::io("cannot read", Path::new("/x"), gone);
        assert_eq!((e.exit_code(), e.kind_name()), (66, "io"));
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(Error::command_not_found("x").exit_code(), 127);
        assert_eq!(Error::cannot_run("x", "y").exit_code(), 126);
        assert_eq!(Kind::of_refusal(66), Kind::NotFound);
        assert_eq!(Kind::of_refusal(75), Kind::Other);
    }
}
