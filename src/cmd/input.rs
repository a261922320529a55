//! What a command reads from its user: a token (argument, stdin or environment) and a
//! passphrase, a value or a confirmation typed at the controlling terminal (see
//! [`crate::terminal`]). Only the command layer reads input.

use std::io::IsTerminal;

use crate::error::{Error, Kind, Result};
use crate::sensitive::SecretText;
use crate::terminal::Tty;

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

/// How many times a person may type a passphrase (or a value) before agentcred gives up.
pub const TRIES: usize = 3;

/// The controlling terminal, or why a question cannot be asked.
fn tty(what: &str) -> Result<Tty> {
    Tty::open().ok_or_else(|| {
        Error::cannot_unlock(format!("no terminal to ask for {what} on"))
            .hint("set AGENTCRED_PASSPHRASE_FILE, AGENTCRED_PASSPHRASE or AGENTCRED_IDENTITY, or pass --identity FILE")
    })
}

fn read_error(what: &str, e: std::io::Error) -> Error {
    Error::other(format!("cannot read {what} from the terminal: {e}")).with_source(e)
}

/// Asks for a passphrase on the controlling terminal, hidden, and hands it to `check` (which
/// unlocks with it). A wrong one (`check` fails with `CannotUnlock`) or an empty one is asked
/// again, [`TRIES`] times in all, each time saying why; then the last error stands (exit 77).
pub fn with_passphrase<T>(
    prompt: &str,
    mut check: impl FnMut(&SecretText) -> Result<T>,
) -> Result<T> {
    let mut tty = tty("the passphrase")?;
    let mut last = None;
    for left in (0..TRIES).rev() {
        let Some(text) = tty
            .read_hidden(&format!("{prompt}: "))
            .map_err(|e| read_error("the passphrase", e))?
        else {
            return Err(Error::cannot_unlock("no passphrase typed (end of input)"));
        };
        if text.is_empty() {
            tty.say("the passphrase is empty: type it, or press Ctrl-C to stop\n");
            last = Some(Error::cannot_unlock("the passphrase is empty"));
            continue;
        }
        match check(&SecretText::new(text.to_string())) {
            Err(e) if e.kind() == Kind::CannotUnlock => {
                if left > 0 {
                    tty.say(&format!("{e}; try again\n"));
                }
                last = Some(e);
            }
            other => return other,
        }
    }
    Err(last
        .expect("at least one try")
        .hint(format!("{TRIES} tries failed; run the command again")))
}

/// Asks for a new passphrase on the controlling terminal, hidden, twice; an empty one or two
/// that differ are asked again ([`TRIES`] times in all), saying why.
pub fn prompt_new_passphrase(prompt: &str) -> Result<SecretText> {
    let mut tty = tty("the new passphrase")?;
    for _ in 0..TRIES {
        let read = |tty: &mut Tty, prompt: &str| {
            tty.read_hidden(prompt)
                .map_err(|e| read_error("the passphrase", e))?
                .ok_or_else(|| Error::cannot_unlock("no passphrase typed (end of input)"))
        };
        let first = read(&mut tty, &format!("{prompt}: "))?;
        if first.is_empty() {
            tty.say("the passphrase is empty: choose one of several words\n");
            continue;
        }
        let again = read(&mut tty, "Repeat the passphrase: ")?;
        if *first != *again {
            tty.say("the passphrases do not match; try again\n");
            continue;
        }
        return Ok(SecretText::new(first.to_string()));
    }
    Err(Error::usage("no passphrase chosen").hint(format!(
        "{TRIES} tries failed (empty or not matching); run the command again"
    )))
}

/// Asks for a secret's value on the controlling terminal, hidden; an empty one is refused,
/// saying why, and asked again ([`TRIES`] times in all).
pub fn prompt_value(name: &str, max_size: u64) -> Result<SecretText> {
    let mut tty = tty("the value")?;
    for _ in 0..TRIES {
        let Some(text) = tty
            .read_hidden(&format!("Value for {name}: "))
            .map_err(|e| read_error("the value", e))?
        else {
            return Err(Error::usage(format!("no value typed for secret '{name}'"))
                .hint("pass --stdin to read it from standard input, --file F, or --generate"));
        };
        if text.is_empty() {
            tty.say("the value is empty: type the secret, or press Ctrl-C to stop\n");
            continue;
        }
        crate::secret::check_size(text.len(), max_size, "the value")?;
        return crate::unlock::secret_from_bytes(text.as_bytes(), "the value");
    }
    Err(Error::bad_data("the value is empty")
        .hint("type a non-empty value, or pass --stdin, --file F or --generate"))
}
