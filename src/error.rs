//! The one error type of agentcred, and its exit codes (docs/DESIGN.md, "Exit codes").
//!
//! Every message names what failed and on what; `hint` says what to do next. Messages are built from
//! names, paths and counts only: no constructor here takes a secret, so none can reach a user's
//! terminal, a log or a panic message through an error.

use std::path::{Path, PathBuf};

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
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Arguments that parse but make no sense together, or a malformed value.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    /// Not granted, expired, revoked, suspended, rate-limited, failed verification.
    #[error("{message}")]
    Denied {
        message: String,
        hint: Option<String>,
    },

    /// Corrupt or tampered vault, envelope, audit log, token or input file.
    #[error("{message}")]
    BadData {
        message: String,
        hint: Option<String>,
    },

    /// No vault, or an input (agent, secret, file) that does not exist.
    #[error("{message}")]
    NotFound {
        message: String,
        hint: Option<String>,
    },

    #[error("{message}")]
    AlreadyExists {
        message: String,
        hint: Option<String>,
    },

    #[error("the vault at {} is locked by another agentcred process", path.display())]
    LockBusy { path: PathBuf },

    /// Wrong passphrase, identity or key, or no unlock input at all.
    #[error("{message}")]
    CannotUnlock {
        message: String,
        hint: Option<String>,
    },

    /// Unsafe permissions, unreadable settings, a vault of another format.
    #[error("{message}")]
    Config {
        message: String,
        hint: Option<String>,
    },

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{message}")]
    Other {
        message: String,
        hint: Option<String>,
    },

    /// `exec`: agentcred failed or refused before the child started (env(1): 125).
    #[error("{0}")]
    BeforeChild(Box<Error>),

    /// `exec`: the program exists but cannot be run (env(1): 126).
    #[error("cannot run {program}: {reason}")]
    CannotRun { program: String, reason: String },

    /// `exec`: the program was not found (env(1): 127).
    #[error("{program}: command not found")]
    CommandNotFound { program: String },

    /// A clean exit with this status (the child's, under `exec`): not an error to print.
    #[error("exit status {0}")]
    Exit(u8),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! constructors {
    ($($fn:ident => $variant:ident),* $(,)?) => {
        impl Error {
            $(
                pub fn $fn(message: impl Into<String>) -> Self {
                    Error::$variant { message: message.into(), hint: None }
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
        Error::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// Attaches the "what to do next" line.
    #[must_use]
    pub fn hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Error::Usage { hint, .. }
            | Error::Denied { hint, .. }
            | Error::BadData { hint, .. }
            | Error::NotFound { hint, .. }
            | Error::AlreadyExists { hint, .. }
            | Error::CannotUnlock { hint, .. }
            | Error::Config { hint, .. }
            | Error::Other { hint, .. } => *hint = Some(text.into()),
            Error::LockBusy { .. }
            | Error::Io { .. }
            | Error::BeforeChild(_)
            | Error::CannotRun { .. }
            | Error::CommandNotFound { .. }
            | Error::Exit(_) => {}
        }
        self
    }

    pub fn hint_text(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. }
            | Error::Denied { hint, .. }
            | Error::BadData { hint, .. }
            | Error::NotFound { hint, .. }
            | Error::AlreadyExists { hint, .. }
            | Error::CannotUnlock { hint, .. }
            | Error::Config { hint, .. }
            | Error::Other { hint, .. } => hint.clone(),
            Error::BeforeChild(inner) => inner.hint_text(),
            Error::CannotRun { .. } => {
                Some("check that it is an executable file and that you may run it".to_string())
            }
            Error::CommandNotFound { .. } => Some(
                "check the name and PATH; agentcred runs the program directly, not through a shell"
                    .to_string(),
            ),
            Error::Exit(_) => None,
            Error::LockBusy { .. } => {
                Some("wait for it to finish, or raise AGENTCRED_LOCK_TIMEOUT (seconds)".to_string())
            }
            Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::PermissionDenied => {
                    Some("check the file's owner and permissions".to_string())
                }
                std::io::ErrorKind::StorageFull => {
                    Some("free some disk space and retry".to_string())
                }
                _ => None,
            },
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. } => exit::USAGE,
            Error::Denied { .. } => exit::DENIED,
            Error::BadData { .. } => exit::DATA,
            Error::NotFound { .. } => exit::NO_INPUT,
            Error::AlreadyExists { .. } => exit::EXISTS,
            Error::LockBusy { .. } => exit::LOCK_BUSY,
            Error::CannotUnlock { .. } => exit::CANNOT_UNLOCK,
            Error::Config { .. } => exit::CONFIG,
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                exit::NO_INPUT
            }
            Error::Io { .. } | Error::Other { .. } => exit::ERROR,
            Error::BeforeChild(_) => 125,
            Error::CannotRun { .. } => 126,
            Error::CommandNotFound { .. } => 127,
            Error::Exit(code) => *code,
        }
    }

    /// The stable machine name used in `--json` errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage { .. } => "usage",
            Error::Denied { .. } => "denied",
            Error::BadData { .. } => "bad_data",
            Error::NotFound { .. } => "not_found",
            Error::AlreadyExists { .. } => "already_exists",
            Error::LockBusy { .. } => "lock_busy",
            Error::CannotUnlock { .. } => "cannot_unlock",
            Error::Config { .. } => "config",
            Error::Io { .. } => "io",
            Error::Other { .. } => "error",
            Error::BeforeChild(inner) => inner.kind(),
            Error::CannotRun { .. } => "cannot_run",
            Error::CommandNotFound { .. } => "command_not_found",
            Error::Exit(_) => "exit",
        }
    }
}
