//! Secrets: named upstream credentials with immutable numbered versions and rotation stages
//! (docs/DESIGN.md, "Secrets" and "Secret rotation"). Values are never taken from a flag's value:
//! only a prompt, stdin, a file or `--generate`.

use crate::clock::ts;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// Checks a secret name: 1-128 chars of `[A-Za-z0-9._-]`, starting with a letter or digit.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(80).collect();
        Err(Error::usage(format!("invalid secret name '{}'", shown.escape_default()))
            .hint("use 1-128 characters of A-Z, a-z, 0-9, '.', '_', '-', starting with a letter or digit"))
    }
}

/// Environment names agentcred refuses to inject into (docs/DESIGN.md, "Secrets"): each changes
/// how the child's program is loaded or started, so a secret there is a code-execution vector, or
/// is agentcred's own.
pub fn is_dangerous_env(name: &str) -> bool {
    matches!(
        name,
        "LD_PRELOAD"
            | "LD_LIBRARY_PATH"
            | "LD_AUDIT"
            | "NODE_OPTIONS"
            | "PYTHONSTARTUP"
            | "BASH_ENV"
            | "ENV"
    ) || name.starts_with("DYLD_")
        || name.starts_with("AGENTCRED_")
}

/// The largest value read from a file, stdin or a prompt unless `--max-size` says otherwise.
pub const DEFAULT_MAX_SIZE: u64 = 1024 * 1024;

/// Parses a size for `--max-size`: bytes, or with a suffix K/KiB, M/MiB, G/GiB (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" | "kb" => 10,
        "m" | "mib" | "mb" => 20,
        "g" | "gib" | "gb" => 30,
        _ => return Err(format!("'{text}' is not a size (try 4096, 64KiB or 2MiB)")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 4096, 64KiB or 2MiB)"))?;
    match n.checked_shl(shift).filter(|v| *v >> shift == n) {
        Some(v) if v > 0 => Ok(v),
        Some(_) => Err("the size must be positive".into()),
        None => Err(format!("'{text}' is too large")),
    }
}

/// Reads a value of at most `max` bytes from `input` (`what` names it in errors): never more than
/// `max + 1` bytes are read, so an endless input (`/dev/zero`) stops at the bound instead of
/// growing without one. The buffer starts small (a key or passphrase fits in it) and grows by
/// copying into a larger one and zeroing the old, so no unzeroed copy of the value is left behind.
pub fn read_bounded(
    mut input: impl std::io::Read,
    max: u64,
    what: &str,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let limit = usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX);
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(4096.min(limit)));
    // Larger than standard input's own 8 KiB buffer, so that reads bypass it and leave no copy
    // of the value there.
    let mut chunk = zeroize::Zeroizing::new([0u8; 16 * 1024]);
    while buf.len() < limit {
        let want = chunk.len().min(limit - buf.len());
        let n = match input.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::other(format!("cannot read {what}: {e}"))),
        };
        if buf.capacity() - buf.len() < n {
            let grown = buf
                .capacity()
                .saturating_mul(2)
                .max(buf.len() + n)
                .min(limit);
            let mut bigger = zeroize::Zeroizing::new(Vec::with_capacity(grown));
            bigger.extend_from_slice(&buf);
            // The old buffer is zeroed as it is dropped here.
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    check_size(buf.len(), max, what)?;
    Ok(buf)
}

/// Refuses a value longer than `max` bytes.
pub fn check_size(len: usize, max: u64, what: &str) -> Result<()> {
    if len as u64 > max {
        return Err(Error::bad_data(format!(
            "{what} is too large: more than {max} bytes"
        ))
        .hint("nothing was stored: store a smaller value, or raise the limit with --max-size (e.g. --max-size 4MiB)"));
    }
    Ok(())
}

/// Checks an environment variable name for injection.
pub fn validate_env(name: &str) -> Result<()> {
    let well_formed = !name.is_empty()
        && name.len() <= 255
        && (name.as_bytes()[0].is_ascii_alphabetic() || name.as_bytes()[0] == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err(Error::usage(format!(
            "invalid environment variable name '{}'",
            name.escape_default()
        ))
        .hint("use letters, digits and '_', not starting with a digit, e.g. OPENAI_API_KEY"));
    }
    if is_dangerous_env(name) {
        return Err(Error::usage(format!("refusing to inject a secret into {name}"))
            .hint("that variable changes how programs load or start, or is agentcred's own; pick another name"));
    }
    Ok(())
}

/// The default environment name for a secret: upper case, with '.' and '-' as '_'.
/// The variable a new secret is injected as when `--env` names none: [`default_env`], refused
/// with a usage error saying so when it is not a variable agentcred injects.
pub fn default_env_checked(name: &str) -> Result<String> {
    let env = default_env(name);
    validate_env(&env).map_err(|e| {
        Error::usage(format!(
            "secret '{name}' would be injected as {env}, which is refused: {e}"
        ))
        .hint("choose an environment name with --env VAR")
    })?;
    Ok(env)
}

pub fn default_env(name: &str) -> String {
    let mut env: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if env.as_bytes()[0].is_ascii_digit() {
        env.insert(0, '_');
    }
    env
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Stage {
    Current,
    Previous,
    Pending,
    Retired,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Current => "CURRENT",
            Stage::Previous => "PREVIOUS",
            Stage::Pending => "PENDING",
            Stage::Retired => "RETIRED",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Version {
    pub version: u32,
    pub stage: Stage,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<DateTime<Utc>>,
    /// `None` once the version is retired: its value is destroyed, not just hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SecretText>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Secret {
    pub name: String,
    pub env: String,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::clock::ts")]
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<i64>,
    /// Set when the current value was generated by agentcred: `rotate --due --apply` can then
    /// generate the next one itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_length: Option<u16>,
    /// Where the value may be sent and how it reaches a program (none in an older vault).
    #[serde(flatten)]
    pub destination: crate::destination::Declared,
    /// Where the value comes from when the vault does not keep it (OpenBao).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openbao: Option<crate::openbao::Source>,
    pub versions: Vec<Version>,
}

impl Secret {
    pub fn current(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.stage == Stage::Current)
    }

    pub fn previous(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.stage == Stage::Previous)
    }

    pub fn pending(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.stage == Stage::Pending)
    }

    /// Rotates to `value` (docs/DESIGN.md, "Secret rotation"): it becomes `CURRENT`; the old
    /// `CURRENT` stays served as `PREVIOUS` until `now + overlap` (retired at once when the overlap
    /// is zero); a `PREVIOUS` still in an earlier window is retired now, so never more than two
    /// versions are valid.
    pub fn rotate(
        &mut self,
        value: SecretText,
        overlap: Duration,
        now: DateTime<Utc>,
    ) -> Promotion {
        self.push_pending(value, now);
        self.promote(overlap, now)
    }

    /// Adds `value` as the next version, `PENDING`; returns its number.
    fn push_pending(&mut self, value: SecretText, now: DateTime<Utc>) -> u32 {
        let version = self.latest_version() + 1;
        self.versions.push(Version {
            version,
            stage: Stage::Pending,
            created_at: now,
            retire_at: None,
            value: Some(value),
        });
        version
    }

    /// Stages `value` as `PENDING`: stored, not served. One rotation in flight per secret.
    pub fn stage(&mut self, value: SecretText, now: DateTime<Utc>) -> Result<u32> {
        if let Some(p) = self.pending() {
            return Err(Error::exists(format!(
                "secret {} already has a staged version ({}); one rotation at a time",
                self.name, p.version
            ))
            .hint(format!(
                "promote it with `agentcred secret rotate {} --finish`, or drop it with --cancel",
                self.name
            )));
        }
        let version = self.push_pending(value, now);
        self.updated_at = now;
        Ok(version)
    }

    /// Promotes the staged version to `CURRENT` (see [`Secret::rotate`] for the old one).
    pub fn finish(&mut self, overlap: Duration, now: DateTime<Utc>) -> Result<Promotion> {
        if self.pending().is_none() {
            return Err(no_pending(&self.name));
        }
        Ok(self.promote(overlap, now))
    }

    /// Drops the staged version, destroying its value.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<u32> {
        let v = self
            .versions
            .iter_mut()
            .find(|v| v.stage == Stage::Pending)
            .ok_or_else(|| no_pending(&self.name))?;
        v.stage = Stage::Retired;
        v.retire_at = Some(now);
        v.value = None;
        Ok(v.version)
    }

    fn promote(&mut self, overlap: Duration, now: DateTime<Utc>) -> Promotion {
        let window = (overlap > Duration::zero()).then(|| now + overlap);
        let mut p = Promotion::default();
        for v in &mut self.versions {
            match v.stage {
                Stage::Previous => {
                    v.stage = Stage::Retired;
                    v.retire_at = Some(now);
                    v.value = None;
                    p.retired.push(v.version);
                }
                Stage::Current => match window {
                    Some(end) => {
                        v.stage = Stage::Previous;
                        v.retire_at = Some(end);
                        p.previous = Some((v.version, end));
                    }
                    None => {
                        v.stage = Stage::Retired;
                        v.retire_at = Some(now);
                        v.value = None;
                        p.retired.push(v.version);
                    }
                },
                Stage::Pending => {
                    v.stage = Stage::Current;
                    p.version = v.version;
                }
                Stage::Retired => {}
            }
        }
        self.updated_at = now;
        p
    }

    /// Records a rotation made elsewhere (OpenBao's KV): version `new` is `CURRENT`, and `read`,
    /// the version it replaced, stays `PREVIOUS` until `now + overlap` (retired at once when the
    /// overlap is zero). No value is kept for either.
    pub fn rotate_external(
        &mut self,
        read: u32,
        new: u32,
        overlap: Duration,
        now: DateTime<Utc>,
    ) -> Promotion {
        let window = (overlap > Duration::zero()).then(|| now + overlap);
        let mut p = Promotion {
            version: new,
            ..Promotion::default()
        };
        for v in &mut self.versions {
            if !matches!(v.stage, Stage::Current | Stage::Previous | Stage::Pending) {
                continue;
            }
            match window {
                Some(end) if v.version == read => {
                    v.stage = Stage::Previous;
                    v.retire_at = Some(end);
                    p.previous = Some((read, end));
                }
                _ => {
                    v.stage = Stage::Retired;
                    v.retire_at = Some(now);
                    v.value = None;
                    p.retired.push(v.version);
                }
            }
        }
        match window {
            Some(end) if p.previous.is_none() => {
                self.versions.push(Version {
                    version: read,
                    stage: Stage::Previous,
                    created_at: now,
                    retire_at: Some(end),
                    value: None,
                });
                p.previous = Some((read, end));
            }
            None if !p.retired.contains(&read) => p.retired.push(read),
            _ => {}
        }
        self.versions.push(Version {
            version: new,
            stage: Stage::Current,
            created_at: now,
            retire_at: None,
            value: None,
        });
        self.updated_at = now;
        p
    }

    /// Retires a `PREVIOUS` whose window has ended, destroying its value. Returns its number.
    pub fn retire_due(&mut self, now: DateTime<Utc>) -> Option<u32> {
        let v = self
            .versions
            .iter_mut()
            .find(|v| v.stage == Stage::Previous && v.retire_at.is_some_and(|r| r <= now))?;
        v.stage = Stage::Retired;
        v.value = None;
        Some(v.version)
    }

    pub fn latest_version(&self) -> u32 {
        self.versions.iter().map(|v| v.version).max().unwrap_or(0)
    }

    /// Adds `value` as the new `CURRENT` version. The old `CURRENT` is retired and its value destroyed;
    /// overlap windows are `secret rotate`'s job.
    pub fn set_value(&mut self, value: SecretText, now: DateTime<Utc>) -> u32 {
        for v in &mut self.versions {
            if matches!(v.stage, Stage::Current | Stage::Previous | Stage::Pending) {
                v.stage = Stage::Retired;
                v.retire_at = Some(now);
                v.value = None;
            }
        }
        let version = self.latest_version() + 1;
        self.versions.push(Version {
            version,
            stage: Stage::Current,
            created_at: now,
            retire_at: None,
            value: Some(value),
        });
        self.updated_at = now;
        version
    }
}

/// What a rotation did: the new `CURRENT`, the versions it retired at once, and the version
/// left `PREVIOUS` with the end of its window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Promotion {
    pub version: u32,
    pub retired: Vec<u32>,
    pub previous: Option<(u32, DateTime<Utc>)>,
}

fn no_pending(name: &str) -> Error {
    Error::not_found(format!("secret {name} has no staged version")).hint(format!(
        "stage one with `agentcred secret rotate {name} --stage --stdin`"
    ))
}

/// Generates a random value of `length` characters from [A-Za-z0-9] (about 5.95 bits each),
/// by rejection sampling so every character is equally likely.
pub fn generate(length: usize) -> SecretText {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(length);
    while out.len() < length {
        for b in crate::crypto::random_bytes::<64>() {
            if out.len() == length {
                break;
            }
            if usize::from(b) < 248 {
                out.push(ALPHABET[usize::from(b) % 62] as char);
            }
        }
    }
    SecretText::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_bytes_and_powers_of_1024() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64KiB"), Ok(64 * 1024));
        assert_eq!(parse_size("2M"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("1gib"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size("17179869184G").is_err());
    }

    #[test]
    fn an_endless_input_stops_at_the_bound() {
        let err = read_bounded(std::io::repeat(b'x'), 1000, "the value").unwrap_err();
        assert_eq!(err.exit_code(), 65);
        assert!(err.to_string().contains("too large"), "{err}");
        assert!(err.hint_text().unwrap().contains("--max-size"));
        let ok = read_bounded(&b"exactly"[..], 7, "the value").unwrap();
        assert_eq!(&ok[..], b"exactly");
        assert!(read_bounded(&b"exactly!"[..], 7, "the value").is_err());
    }

    #[test]
    fn a_value_larger_than_the_first_buffer_is_read_whole() {
        let value: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let got = read_bounded(&value[..], DEFAULT_MAX_SIZE, "the value").unwrap();
        assert_eq!(&got[..], &value[..]);
        let at_bound = read_bounded(&value[..], 100_000, "the value").unwrap();
        assert_eq!(at_bound.len(), 100_000);
        assert!(read_bounded(&value[..], 99_999, "the value").is_err());
    }

    #[test]
    fn env_names() {
        assert_eq!(default_env("openai-api.key"), "OPENAI_API_KEY");
        assert_eq!(default_env("1pass"), "_1PASS");
        assert!(validate_env("OPENAI_API_KEY").is_ok());
        for bad in [
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "NODE_OPTIONS",
            "BASH_ENV",
            "ENV",
            "AGENTCRED_TOKEN",
            "1X",
            "A-B",
            "",
        ] {
            assert!(validate_env(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_secret_stored_before_destinations_existed_is_unbound_and_in_the_environment() {
        let old = r#"{"name":"db","env":"DB","created_at":"2026-01-01T00:00:00Z",
            "updated_at":"2026-01-01T00:00:00Z","versions":[{"version":1,"stage":"CURRENT",
            "created_at":"2026-01-01T00:00:00Z","value":"v"}]}"#;
        let s: Secret = serde_json::from_str(old).unwrap();
        assert_eq!(s.destination, crate::destination::Declared::default());
        assert!(s.destination.binding().is_unbound());
        // Written back, it is what it was: no new field appears until one is set.
        let again = serde_json::to_value(&s).unwrap();
        assert!(again.get("delivery").is_none() && again.get("hosts").is_none());
        let grant = r#"{"id":"g_1","agent":"a","secret":"db","effect":"allow","actions":["read"],
            "resources":["*"],"created_at":"2026-01-01T00:00:00Z"}"#;
        let g: crate::grant::Grant = serde_json::from_str(grant).unwrap();
        assert!(g.binding.is_unbound());
    }

    #[test]
    fn set_value_keeps_one_current_and_destroys_the_old_value() {
        let now = chrono::Utc::now();
        let mut s = Secret {
            name: "db".into(),
            env: "DB".into(),
            created_at: now,
            updated_at: now,
            max_age_secs: None,
            generated_length: None,
            destination: Default::default(),
            openbao: None,
            versions: vec![],
        };
        assert_eq!(s.set_value(SecretText::new("one".into()), now), 1);
        assert_eq!(s.set_value(SecretText::new("two".into()), now), 2);
        assert_eq!(
            s.versions
                .iter()
                .filter(|v| v.stage == Stage::Current)
                .count(),
            1
        );
        assert!(s.versions[0].value.is_none());
        assert_eq!(s.current().unwrap().version, 2);
    }

    #[test]
    fn generated_values_have_the_requested_length_and_alphabet() {
        let v = generate(40);
        assert_eq!(v.len(), 40);
        assert!(v.expose_secret().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(generate(40).expose_secret(), v.expose_secret());
    }
}
