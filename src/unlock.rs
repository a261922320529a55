//! Unlock inputs (docs/DESIGN.md, "Unlocking"), first found wins:
//! `--identity`/`AGENTCRED_IDENTITY`, then an agent key
//! (`--key-file`/`AGENTCRED_KEY_FILE`/`AGENTCRED_KEY`), then `AGENTCRED_PASSPHRASE_FILE`, then
//! `AGENTCRED_PASSPHRASE`, then a prompt on the controlling terminal, only when there is one
//! (`/dev/tty`, whatever stdin is: see [`crate::terminal`]).
//!
//! The variables named here are exactly those `exec` strips from a child's environment.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// Every environment variable agentcred reads to unlock: never passed on to a child.
pub const UNLOCK_VARS: &[&str] = &[
    "AGENTCRED_IDENTITY",
    "AGENTCRED_KEY",
    "AGENTCRED_KEY_FILE",
    "AGENTCRED_PASSPHRASE",
    "AGENTCRED_PASSPHRASE_FILE",
    "AGENTCRED_SESSION",
];

pub enum Input {
    IdentityFile(PathBuf),
    AgentKeyFile(PathBuf),
    AgentKey(SecretText),
    Passphrase(SecretText),
    /// Nothing given; a prompt is possible.
    Prompt,
    /// Nothing given and no terminal to ask on.
    Nothing,
}

/// Finds the first unlock input. `identity` and `key_file` are the flags (clap already folded in
/// their environment variables).
pub fn find(identity: Option<&Path>, key_file: Option<&Path>) -> Result<Input> {
    if let Some(path) = identity {
        return Ok(Input::IdentityFile(path.to_path_buf()));
    }
    if let Some(path) = key_file {
        return Ok(Input::AgentKeyFile(path.to_path_buf()));
    }
    if let Some(key) = std::env::var_os("AGENTCRED_KEY").filter(|v| !v.is_empty()) {
        let key = key
            .into_string()
            .map_err(|_| Error::cannot_unlock("AGENTCRED_KEY is not valid UTF-8"))?;
        return Ok(Input::AgentKey(SecretText::new(key)));
    }
    if let Some(path) = std::env::var_os("AGENTCRED_PASSPHRASE_FILE").filter(|v| !v.is_empty()) {
        return Ok(Input::Passphrase(read_secret_file(
            Path::new(&path),
            "passphrase file",
        )?));
    }
    if let Some(pass) = std::env::var_os("AGENTCRED_PASSPHRASE").filter(|v| !v.is_empty()) {
        let pass = pass
            .into_string()
            .map_err(|_| Error::cannot_unlock("AGENTCRED_PASSPHRASE is not valid UTF-8"))?;
        return Ok(Input::Passphrase(SecretText::new(pass)));
    }
    // On the controlling terminal, not stdin: stdin may carry data (`--stdin`).
    if crate::terminal::available() {
        Ok(Input::Prompt)
    } else {
        Ok(Input::Nothing)
    }
}

/// Reads a secret from a file, dropping one trailing newline (as `$(cat file)` would).
/// Read with a bound (a key or passphrase file is a few hundred bytes), so that a wrong path
/// such as a device cannot grow memory without end.
pub fn read_secret_file(path: &Path, what: &str) -> Result<SecretText> {
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::not_found(format!("{what} {} does not exist", path.display()))
        } else {
            Error::io("cannot read", path, e)
        }
    })?;
    let label = format!("{what} {}", path.display());
    let bytes = crate::secret::read_bounded(file, crate::secret::DEFAULT_MAX_SIZE, &label)
        .map_err(|e| match e {
            e if e.kind() == crate::error::Kind::BadData => e
                .hint("check that it names the right file: this one is far larger than any key or passphrase"),
            other => other,
        })?;
    secret_from_bytes(&bytes, &label)
}

/// Turns raw input into a secret: UTF-8, no NUL, one trailing newline dropped, not empty.
pub fn secret_from_bytes(bytes: &[u8], what: &str) -> Result<SecretText> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::bad_data(format!("{what} is not valid UTF-8"))
            .hint("secrets are stored and injected as text")
    })?;
    let text = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    if text.is_empty() {
        return Err(Error::bad_data(format!("{what} is empty")).hint("give a non-empty value"));
    }
    if text.contains('\0') {
        return Err(Error::bad_data(format!("{what} contains a NUL byte"))
            .hint("environment variables cannot hold NUL bytes"));
    }
    Ok(SecretText::new(text.to_string()))
}
