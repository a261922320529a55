//! Agent keys (docs/DESIGN.md, "Agent keys"): what an agent or CI step holds instead of the vault's
//! master key. A key is 32 random bytes; it is an X25519 identity that can decrypt its agent's
//! envelope and nothing else. The vault keeps only the public half (an age recipient) and a
//! fingerprint; the key itself is shown once.
//!
//! Text form: `agentcred-key-v1:<agent>:<key id>:<base64url secret>`. Agent names never contain
//! `:`, so the form splits unambiguously; the agent and id are public, only the last part is secret.

use crate::clock::ts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;

const PREFIX: &str = "agentcred-key-v1";

/// What the vault stores about a key: public data only.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: String,
    /// The age recipient the agent's envelope is encrypted to.
    pub recipient: String,
    pub fingerprint: String,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::clock::ts")]
    pub expires_at: DateTime<Utc>,
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// End of a rotation's overlap window: the key stops working then.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub retire_at: Option<DateTime<Utc>>,
}

impl KeyRecord {
    /// Can this key open its envelope and mint at `now`?
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now && self.retire_at.is_none_or(|r| r > now)
    }

    /// When the key stops working, whichever comes first.
    pub fn end(&self) -> DateTime<Utc> {
        self.retire_at
            .map_or(self.expires_at, |r| r.min(self.expires_at))
    }

    pub fn state_at(&self, now: DateTime<Utc>) -> &'static str {
        // A key retired at the end of its window is marked revoked then, at that same instant.
        if self.revoked_at.is_some() && self.revoked_at != self.retire_at {
            "revoked"
        } else if self.expires_at <= now {
            "expired"
        } else if self.retire_at.is_some_and(|r| r <= now) {
            "retired"
        } else if self.retire_at.is_some() {
            "retiring"
        } else {
            "active"
        }
    }
}

/// A parsed agent key: the secret half.
pub struct AgentKey {
    pub agent: String,
    pub id: String,
    seed: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AgentKey({}:{}, [redacted])", self.agent, self.id)
    }
}

impl AgentKey {
    /// Makes a new key for `agent`, returning it with its public record.
    pub fn generate(
        agent: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> (AgentKey, KeyRecord) {
        let key = AgentKey {
            agent: agent.to_string(),
            id: format!("k_{}", crypto::hex(&crypto::random_bytes::<6>())),
            seed: Zeroizing::new(crypto::random_bytes::<32>()),
        };
        let recipient = key.identity().to_public().to_string();
        let record = KeyRecord {
            id: key.id.clone(),
            fingerprint: fingerprint(&recipient),
            recipient,
            created_at: now,
            expires_at,
            revoked_at: None,
            retire_at: None,
        };
        (key, record)
    }

    pub fn parse(text: &SecretText) -> Result<AgentKey> {
        let bad = || {
            Error::cannot_unlock("the agent key is malformed")
                .hint("an agent key looks like agentcred-key-v1:AGENT:k_…:…, as printed by `agentcred key issue`")
        };
        let mut parts = text.expose_secret().trim().split(':');
        let (Some(PREFIX), Some(agent), Some(id), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        crate::agent::validate_name(agent).map_err(|_| bad())?;
        if !id.starts_with("k_") || id.len() != 14 {
            return Err(bad());
        }
        let bytes = Zeroizing::new(crypto::unb64url(secret).ok_or_else(bad)?);
        let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad())?;
        Ok(AgentKey {
            agent: agent.to_string(),
            id: id.to_string(),
            seed: Zeroizing::new(seed),
        })
    }

    /// The key's text form: shown once, written to `--out`, or given to a CI secret store.
    pub fn to_text(&self) -> SecretText {
        SecretText::new(format!(
            "{PREFIX}:{}:{}:{}",
            self.agent,
            self.id,
            crypto::b64url(self.seed.as_slice())
        ))
    }

    pub fn identity(&self) -> age::x25519::Identity {
        crypto::identity_from_seed(&self.seed)
    }
}

pub fn fingerprint(recipient: &str) -> String {
    format!(
        "SHA256:{}",
        crypto::b64(&crypto::sha256(&[recipient.as_bytes()]))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_redacted_debug() {
        let now = Utc::now();
        let (key, record) = AgentKey::generate("ci-bot.v2", now, now + chrono::Duration::days(1));
        let text = key.to_text();
        let back = AgentKey::parse(&text).unwrap();
        assert_eq!(back.agent, "ci-bot.v2");
        assert_eq!(back.identity().to_public().to_string(), record.recipient);
        assert!(!format!("{back:?}").contains(text.expose_secret().rsplit(':').next().unwrap()));
    }

    #[test]
    fn malformed_keys_are_refused_with_77() {
        for bad in [
            "",
            "agentcred-key-v1:a:k_1:xx",
            "nope:a:k_000000000000:AAAA",
            "agentcred-key-v1:A:k_000000000000:AAAA",
        ] {
            let err = AgentKey::parse(&SecretText::new(bad.into())).unwrap_err();
            assert_eq!(err.exit_code(), 77, "{bad}");
        }
    }

    #[test]
    fn usability() {
        let now = Utc::now();
        let (_, mut r) = AgentKey::generate("a", now, now + chrono::Duration::seconds(10));
        assert!(r.usable_at(now));
        assert!(!r.usable_at(now + chrono::Duration::seconds(11)));
        r.retire_at = Some(now + chrono::Duration::seconds(5));
        assert!(!r.usable_at(now + chrono::Duration::seconds(6)));
        r.revoked_at = Some(now);
        assert_eq!(r.state_at(now), "revoked");
    }
}
