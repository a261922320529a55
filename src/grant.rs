//! Grants and the scope model (docs/DESIGN.md, "Grants and scope").
//!
//! A grant gives one agent one secret for a set of actions (verbs, or `*`) on a set of resources
//! (names, or prefixes ending in `*`; `*` alone is every resource). Default deny: nothing is
//! allowed that no grant allows. A matching explicit deny always wins over any allow (the IAM
//! rule, stricter than Vault's most-specific-pattern rule).
//!
//! The same rules run in two places: here, when `mint` decides what a credential may cover, and in
//! the token's Datalog (see `token`), when `verify` decides a request. The tests below pin the
//! pure rules; the token tests pin that both agree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub agent: String,
    pub secret: String,
    pub effect: Effect,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    #[serde(with = "crate::clock::ts")]
    pub created_at: DateTime<Utc>,
    /// Where the secret's value may be sent under this grant: the secret's own binding,
    /// narrowed (none in an older vault, and on a deny).
    #[serde(flatten)]
    pub binding: crate::destination::Binding,
}

/// A resource pattern: an exact name, or a prefix (written with a trailing `*`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    Exact(String),
    Prefix(String),
}

impl Grant {
    /// A grant for tests: `agent` gets `secret` with these actions and resources.
    #[cfg(test)]
    pub fn sample(
        agent: &str,
        secret: &str,
        effect: Effect,
        actions: &[&str],
        resources: &[&str],
    ) -> Grant {
        Grant {
            id: "g".into(),
            agent: agent.into(),
            secret: secret.into(),
            effect,
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            max_ttl_secs: None,
            env: None,
            created_at: chrono::Utc::now(),
            binding: Default::default(),
        }
    }
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern> {
        let bad = || {
            Error::usage(format!("invalid resource '{}'", text.escape_default()))
                .hint("a resource is a name of A-Z a-z 0-9 . _ : / @ + = -, optionally ending in * for a prefix")
        };
        let (body, prefix) = match text.strip_suffix('*') {
            Some(body) => (body, true),
            None => (text, false),
        };
        if body.len() > 256
            || (!prefix && body.is_empty())
            || !body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:_/@+=-".contains(&b))
        {
            return Err(bad());
        }
        Ok(if prefix {
            Pattern::Prefix(body.to_string())
        } else {
            Pattern::Exact(body.to_string())
        })
    }

    /// Does this pattern cover everything `other` covers?
    pub fn contains(&self, other: &Pattern) -> bool {
        match (self, other) {
            (Pattern::Prefix(p), Pattern::Exact(r) | Pattern::Prefix(r)) => {
                r.starts_with(p.as_str())
            }
            (Pattern::Exact(p), Pattern::Exact(r)) => p == r,
            (Pattern::Exact(_), Pattern::Prefix(_)) => false,
        }
    }

    /// Does this pattern match the concrete resource `name`?
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Exact(p) => p == name,
            Pattern::Prefix(p) => name.starts_with(p.as_str()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Pattern::Exact(_) => "exact",
            Pattern::Prefix(_) => "prefix",
        }
    }

    pub fn body(&self) -> &str {
        match self {
            Pattern::Exact(s) | Pattern::Prefix(s) => s,
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pattern::Exact(s) => f.write_str(s),
            Pattern::Prefix(s) => write!(f, "{s}*"),
        }
    }
}

/// Checks an action verb: `*`, or 1-64 chars of a-z 0-9 . _ -.
pub fn validate_action(action: &str) -> Result<()> {
    let ok = action == "*"
        || (!action.is_empty()
            && action.len() <= 64
            && action
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)));
    if ok {
        Ok(())
    } else {
        Err(
            Error::usage(format!("invalid action '{}'", action.escape_default()))
                .hint("actions are lower-case verbs like read, write, deploy, or * for any"),
        )
    }
}

/// Splits a comma list flag value (`read,write`) into validated items.
pub fn split_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn action_covers(granted: &str, requested: &str) -> bool {
    granted == "*" || granted == requested
}

/// One (secret, action, pattern) triple of an agent's rights.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Right {
    pub secret: String,
    pub action: String,
    pub pattern: Pattern,
}

/// An agent's rights, as the authority block of its tokens states them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rights {
    pub allow: std::collections::BTreeSet<Right>,
    pub deny: std::collections::BTreeSet<Right>,
}

impl Rights {
    pub fn of<'a>(grants: impl IntoIterator<Item = &'a Grant>) -> Rights {
        let mut rights = Rights::default();
        for g in grants {
            for action in &g.actions {
                for resource in &g.resources {
                    let Ok(pattern) = Pattern::parse(resource) else {
                        continue;
                    };
                    let right = Right {
                        secret: g.secret.clone(),
                        action: action.clone(),
                        pattern,
                    };
                    match g.effect {
                        Effect::Allow => rights.allow.insert(right),
                        Effect::Deny => rights.deny.insert(right),
                    };
                }
            }
        }
        rights
    }

    /// Whether every request these rights allow is also allowed by `newer` (so tokens minted from
    /// the old rights need not be revoked when the rights change).
    pub fn is_within(&self, newer: &Rights) -> bool {
        self.allow.is_subset(&newer.allow) && newer.deny.is_subset(&self.deny)
    }

    /// A stable digest of the rights, to notice when they change.
    pub fn digest(&self) -> String {
        let mut text = String::new();
        for (tag, set) in [("allow", &self.allow), ("deny", &self.deny)] {
            for r in set {
                text.push_str(&format!(
                    "{tag}\0{}\0{}\0{}\0{}\n",
                    r.secret,
                    r.action,
                    r.pattern.kind(),
                    r.pattern.body()
                ));
            }
        }
        crate::crypto::hex(&crate::crypto::sha256(&[text.as_bytes()])[..16])
    }

    /// Is the concrete request (`secret` or any, `action`, `resource`) allowed? Deny wins.
    pub fn decide(&self, secret: Option<&str>, action: &str, resource: &str) -> bool {
        let denied = self
            .deny
            .iter()
            .any(|d| action_covers(&d.action, action) && d.pattern.matches(resource));
        !denied
            && self.allow.iter().any(|a| {
                secret.is_none_or(|s| s == a.secret)
                    && action_covers(&a.action, action)
                    && a.pattern.matches(resource)
            })
    }

    /// Does `secret` allow every (action, pattern) of the requested scope, with no deny covering any
    /// of it? Returns the reason it does not.
    pub fn covers(
        &self,
        secret: &str,
        actions: &[String],
        resources: &[Pattern],
    ) -> std::result::Result<(), String> {
        for action in actions {
            for resource in resources {
                if let Some(d) = self
                    .deny
                    .iter()
                    .find(|d| action_covers(&d.action, action) && d.pattern.contains(resource))
                {
                    return Err(format!(
                        "{action} on {resource} is explicitly denied (deny grant on {} {})",
                        d.secret, d.pattern
                    ));
                }
                let allowed = self.allow.iter().any(|a| {
                    a.secret == secret
                        && action_covers(&a.action, action)
                        && a.pattern.contains(resource)
                });
                if !allowed {
                    return Err(format!("{secret} is not granted {action} on {resource}"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grant(secret: &str, effect: Effect, actions: &[&str], resources: &[&str]) -> Grant {
        Grant::sample("a", secret, effect, actions, resources)
    }

    #[test]
    fn patterns() {
        assert_eq!(Pattern::parse("*").unwrap(), Pattern::Prefix(String::new()));
        assert_eq!(
            Pattern::parse("cust*").unwrap(),
            Pattern::Prefix("cust".into())
        );
        assert_eq!(
            Pattern::parse("customers").unwrap(),
            Pattern::Exact("customers".into())
        );
        for bad in ["", "a*b", "**", "a b", "ä"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
        let all = Pattern::parse("*").unwrap();
        let cust = Pattern::parse("cust*").unwrap();
        let customers = Pattern::parse("customers").unwrap();
        assert!(all.contains(&cust) && all.contains(&customers) && cust.contains(&customers));
        assert!(!customers.contains(&cust) && !cust.contains(&all));
    }

    #[test]
    fn default_deny() {
        let r = Rights::of(&[]);
        assert!(!r.decide(None, "read", "customers"));
    }

    #[test]
    fn deny_beats_an_allow_on_everything() {
        let r = Rights::of(&[
            grant("db", Effect::Allow, &["read", "write"], &["*"]),
            grant("db", Effect::Deny, &["write"], &["customers"]),
        ]);
        assert!(r.decide(None, "read", "customers"));
        assert!(!r.decide(None, "write", "customers"));
        assert!(r.decide(None, "write", "orders"));
        let write_all = [Pattern::parse("*").unwrap()];
        assert!(
            r.covers("db", &["write".into()], &write_all).is_ok(),
            "an overlapping deny is carried, not refused"
        );
        assert!(
            r.covers(
                "db",
                &["write".into()],
                &[Pattern::parse("customers").unwrap()]
            )
            .is_err()
        );
    }

    #[test]
    fn read_only_grant_does_not_cover_write() {
        let r = Rights::of(&[grant("db", Effect::Allow, &["read"], &["*"])]);
        assert!(
            r.covers("db", &["read".into()], &[Pattern::parse("orders").unwrap()])
                .is_ok()
        );
        assert!(
            r.covers(
                "db",
                &["write".into()],
                &[Pattern::parse("orders").unwrap()]
            )
            .is_err()
        );
        assert!(
            r.covers(
                "other",
                &["read".into()],
                &[Pattern::parse("orders").unwrap()]
            )
            .is_err()
        );
    }

    #[test]
    fn within() {
        let narrow = Rights::of(&[grant("db", Effect::Allow, &["read"], &["a"])]);
        let wide = Rights::of(&[
            grant("db", Effect::Allow, &["read"], &["a"]),
            grant("db", Effect::Allow, &["write"], &["a"]),
        ]);
        assert!(narrow.is_within(&wide));
        assert!(!wide.is_within(&narrow));
        assert_ne!(narrow.digest(), wide.digest());
    }

    fn arb_pattern() -> impl Strategy<Value = Pattern> {
        prop_oneof![
            "[a-c]{0,3}".prop_map(Pattern::Prefix),
            "[a-c]{1,4}".prop_map(Pattern::Exact)
        ]
    }

    proptest! {
        /// `contains` agrees with `matches` on every concrete name: a pattern that contains another
        /// matches everything the other matches.
        #[test]
        fn containment_is_sound(p in arb_pattern(), q in arb_pattern(), name in "[a-c]{1,5}") {
            if p.contains(&q) && q.matches(&name) {
                prop_assert!(p.matches(&name));
            }
        }

        /// Whatever the grants, a request under a matching deny is refused.
        #[test]
        fn deny_always_wins(allow_all in any::<bool>(), action in "(read|write)", name in "[a-c]{1,4}") {
            let mut grants = vec![grant("s", Effect::Deny, &[action.as_str()], &[name.as_str()])];
            if allow_all { grants.push(grant("s", Effect::Allow, &["*"], &["*"])); }
            let r = Rights::of(&grants);
            prop_assert!(!r.decide(None, &action, &name));
        }

        /// Adding an allow grant never turns an allowed request into a denied one.
        #[test]
        fn allow_is_monotonic(name in "[a-c]{1,4}", extra in "[a-c]{1,4}") {
            let base = Rights::of(&[grant("s", Effect::Allow, &["read"], &[name.as_str()])]);
            let more = Rights::of(&[grant("s", Effect::Allow, &["read"], &[name.as_str()]), grant("s", Effect::Allow, &["read"], &[extra.as_str()])]);
            prop_assert!(base.decide(None, "read", &name));
            prop_assert!(more.decide(None, "read", &name));
        }
    }
}
