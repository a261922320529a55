//! What a command reads from its user: a token (argument, stdin or environment) and a
//! passphrase typed at the terminal. Only the command layer reads input.

use std::io::IsTerminal;

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// Reads a secret-bearing argument that may be `-` (stdin) or absent (an environment variable,
/// else stdin). Tokens are secrets: `-` keeps them out of argv and shell history.
pub fn read_token(arg: Option<&str>, env: &str) -> Result<SecretText> {
    use std::io::Read;
    let from_stdin = || -> Result<SecretText> {
        // Bounded: a token is at most 16 KiB of Biscuit, so anything much longer on stdin is
        // refused without reading it all into memory.
        let limit = crate::token::MAX_TOKEN_BYTES as u64 * 4;
        let mut buf = zeroize::Zeroizing::new(Vec::new());
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read", std::path::Path::new("stdin"), e))?;
        if buf.len() as u64 > limit {
            return Err(Error::bad_data(format!(
                "the token on stdin is too large: more than {} KiB",
                limit / 1024
            ))
            .hint("pass a token minted by agentcred"));
        }
        let text = String::from_utf8_lossy(&buf).trim().to_string();
        if text.is_empty() {
            return Err(Error::usage("no token given").hint(format!(
                "pass it as an argument, on stdin with -, or in {env}"
            )));
        }
        Ok(SecretText::new(text))
    };
    match arg {
        Some("-") => from_stdin(),
        Some(t) => Ok(SecretText::new(t.trim().to_string())),
        None => match std::env::var(env) {
            Ok(t) if !t.trim().is_empty() => Ok(SecretText::new(t.trim().to_string())),
            _ if std::io::stdin().is_terminal() => Err(Error::usage("no token given").hint(
                format!("pass it as an argument, on stdin with -, or in {env}"),
            )),
            _ => from_stdin(),
        },
    }
}

/// Asks for a passphrase on the terminal, hidden, twice when creating one.
pub fn prompt_passphrase(prompt: &str, confirm: bool) -> Result<SecretText> {
    let mut p = dialoguer::Password::new().with_prompt(prompt);
    if confirm {
        p = p.with_confirmation("Repeat the passphrase", "the passphrases do not match");
    }
    let text = p
        .interact()
        .map_err(|e| Error::other(format!("cannot read the passphrase: {e}")).with_source(e))?;
    if text.is_empty() {
        return Err(
            Error::usage("the passphrase is empty").hint("choose a passphrase of several words")
        );
    }
    Ok(SecretText::new(text))
}
