//! Agents: the principals (docs/DESIGN.md, "Agents"), each with its own Ed25519 key and status.

use crate::clock::ts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

pub const MAX_NAME_LEN: usize = 63;

/// Checks an agent name: 1-63 chars of `[a-z0-9._-]`, starting with a letter or digit.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(80).collect();
        Err(
            Error::usage(format!("invalid agent name '{}'", shown.escape_default())).hint(
                "use 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            ),
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Suspended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
        }
    }
}

/// A hard call-rate limit: at most `count` mints or execs per `per_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub count: u32,
    pub per_secs: u32,
}

impl RateLimit {
    /// Parses `N/s`, `N/m`, `N/h`.
    pub fn parse(text: &str) -> Result<RateLimit> {
        let bad = || {
            Error::usage(format!("invalid rate limit '{text}'"))
                .hint("write it as N/s, N/m or N/h, e.g. 60/m")
        };
        let (n, unit) = text.split_once('/').ok_or_else(bad)?;
        let count: u32 = n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
        let per_secs = match unit.trim() {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(bad()),
        };
        Ok(RateLimit { count, per_secs })
    }

    pub fn arg(text: &str) -> std::result::Result<RateLimit, String> {
        RateLimit::parse(text).map_err(|e| e.to_string())
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.per_secs {
            1 => "s",
            60 => "m",
            _ => "h",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// An agent's limits: what every credential it holds is held to (docs/DESIGN.md, "Agents").
///
/// One struct, flattened into the agent record of the state, the roster line and the envelope, so
/// that each file reads and writes its fields exactly as before. The agent's status and
/// description are not part of it: they stand apart from the limits, and in a different order, in
/// those files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend_on_anomaly: bool,
}

impl Policy {
    /// Writes the policy with `suspend_on_anomaly` always present, as the envelope has it.
    pub fn serialize_always<S: serde::Serializer>(
        policy: &Policy,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Policy", 3)?;
        if let Some(secs) = policy.max_ttl_secs {
            s.serialize_field("max_ttl_secs", &secs)?;
        }
        if let Some(limit) = &policy.rate_limit {
            s.serialize_field("rate_limit", limit)?;
        }
        s.serialize_field("suspend_on_anomaly", &policy.suspend_on_anomaly)?;
        s.end()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Agent {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: Status,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub policy: Policy,
    /// The agent's Ed25519 signing key (base64), kept only in encrypted files.
    pub signing_key: SecretText,
    pub public_key: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<crate::key::KeyRecord>,
    /// The current issuer-signed root of this agent's tokens (the token itself is only in the
    /// agent's envelope; see `envelope::refresh_authority`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// Earlier authorities, superseded but not revoked: credentials minted from them may still be
    /// live, so "revoke everything outstanding" must reach them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded_authorities: Vec<Superseded>,
    /// The vault generation at which `agents/<name>.age` was last written.
    #[serde(default)]
    pub envelope_generation: u64,
}

/// The agent's current authority, as the admin state records it: its id and what it was made
/// from. The token is in the envelope only, which keeps the state small.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Authority {
    pub id: String,
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When the first of the keys that could open the envelope holding this authority stops
    /// working, if that is before the authority expires (a rotation's overlap, or two keys of
    /// different lifetimes). That key's holder may have kept a copy: once superseded, the authority
    /// is revoked from then on.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub readable_until: Option<DateTime<Utc>>,
}

/// An authority replaced by a newer one, and when.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Superseded {
    pub id: String,
    #[serde(with = "crate::clock::ts")]
    pub at: DateTime<Utc>,
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        for ok in ["a", "coder", "ci-deploy.v2", "0agent", &"a".repeat(63)] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            ".a",
            "_a",
            "Coder",
            "a b",
            "a/b",
            "ä",
            &"a".repeat(64),
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rate_limits() {
        assert_eq!(
            RateLimit::parse("5/m").unwrap(),
            RateLimit {
                count: 5,
                per_secs: 60
            }
        );
        assert!(RateLimit::parse("0/m").is_err());
        assert!(RateLimit::parse("5/d").is_err());
        assert_eq!(RateLimit::parse("60/h").unwrap().to_string(), "60/h");
    }

    #[test]
    fn a_policy_is_written_as_its_three_fields_were() {
        #[derive(Serialize, Deserialize)]
        struct Roster {
            name: String,
            #[serde(flatten)]
            policy: Policy,
            public_key: String,
        }
        #[derive(Serialize)]
        struct Envelope {
            status: Status,
            #[serde(flatten, serialize_with = "Policy::serialize_always")]
            policy: Policy,
        }
        let none = Roster {
            name: "a".into(),
            policy: Policy::default(),
            public_key: "k".into(),
        };
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"name":"a","public_key":"k"}"#
        );
        let all = Policy {
            max_ttl_secs: Some(60),
            rate_limit: Some(RateLimit {
                count: 5,
                per_secs: 60,
            }),
            suspend_on_anomaly: true,
        };
        let text = serde_json::to_string(&Roster {
            policy: all,
            ..none
        })
        .unwrap();
        assert_eq!(
            text,
            r#"{"name":"a","max_ttl_secs":60,"rate_limit":{"count":5,"per_secs":60},"suspend_on_anomaly":true,"public_key":"k"}"#
        );
        assert_eq!(serde_json::from_str::<Roster>(&text).unwrap().policy, all);
        let envelope = Envelope {
            status: Status::Active,
            policy: Policy::default(),
        };
        assert_eq!(
            serde_json::to_string(&envelope).unwrap(),
            r#"{"status":"active","suspend_on_anomaly":false}"#
        );
    }

    proptest! {
        #[test]
        fn valid_names_never_contain_path_separators(name in "[a-z0-9][a-z0-9._-]{0,62}") {
            prop_assert!(validate_name(&name).is_ok());
            prop_assert!(!name.contains('/'));
        }
    }
}
