//! Secrets: named upstream credentials with immutable numbered versions and rotation stages
//! (SPEC §2, §7). Values are never taken from a flag's value: only a prompt, stdin, a file or
//! `--generate`.

use chrono::{DateTime, Utc};
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

/// Environment names agentcred refuses to inject into (SPEC §5): each changes how the child's
/// program is loaded or started, so a secret there is a code-execution vector.
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
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<DateTime<Utc>>,
    /// `None` once the version is retired: its value is destroyed, not just hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SecretText>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Secret {
    pub name: String,
    pub env: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<i64>,
    pub versions: Vec<Version>,
}

impl Secret {
    pub fn current(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.stage == Stage::Current)
    }

    pub fn latest_version(&self) -> u32 {
        self.versions.iter().map(|v| v.version).max().unwrap_or(0)
    }

    /// Adds `value` as the new `CURRENT` version. The old `CURRENT` is retired and its value destroyed;
    /// overlap windows are `secret rotate`'s job.
    pub fn set_value(&mut self, value: SecretText, now: DateTime<Utc>) -> u32 {
        for v in &mut self.versions {
            if matches!(v.stage, Stage::Current | Stage::Previous) {
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
    fn set_value_keeps_one_current_and_destroys_the_old_value() {
        let now = chrono::Utc::now();
        let mut s = Secret {
            name: "db".into(),
            env: "DB".into(),
            created_at: now,
            updated_at: now,
            max_age_secs: None,
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
