//! Credentials (leases; docs/DESIGN.md, "Credentials"): what `mint` and `exec` issue. An id, the
//! agent, the secrets and versions it covers, the scope, `issued_at`, `expires_at`, and a token
//! that proves all of it offline.
//!
//! [`plan`] is the pure decision: given an agent's envelope, the key used (if any), the request and
//! the time, it either refuses with a reason (recorded as a `deny` audit entry by the caller) or
//! says exactly what to issue and for how long. The TTL rule (docs/DESIGN.md, "TTL clamps"): the
//! requested TTL is clamped to the minimum of the grants' `max_ttl`, the agent's `max_ttl`, the
//! key's expiry, the vault's `max_ttl` and, for derived credentials, the parent's expiry; the
//! result says what bound it.

pub mod act;
pub mod delegate;
pub mod derive;
mod issue;
pub mod ledger;
pub mod mint;
mod prune;
mod request;
pub mod revocation;

pub use issue::{Issued, Source, Stamp, issue};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::agent::Status;
use crate::destination::Destination;
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::grant::{Effect, Pattern, Rights};
use crate::key::KeyRecord;
use crate::openbao::Source as Provider;
use crate::secret::Stage;
use crate::sensitive::SecretText;

/// What the caller asks for.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Empty: every secret granted (that covers the scope).
    pub secrets: Vec<String>,
    pub ttl: Option<Duration>,
    pub actions: Option<Vec<String>>,
    pub resources: Option<Vec<Pattern>>,
    /// Serve the `PREVIOUS` version (during a rotation's overlap window).
    pub previous: bool,
    /// A derived credential never outlives its parent.
    pub parent_expires_at: Option<DateTime<Utc>>,
}

/// One injected secret: its name, where it goes, which version, and the value.
#[derive(Clone, Debug, Serialize)]
pub struct Injected {
    pub name: String,
    pub env: String,
    pub version: u32,
    #[serde(skip)]
    pub value: SecretText,
    /// How the value reaches the program and where it may be sent: the secret's binding
    /// narrowed by the agent's grants (see [`destination_of`]).
    #[serde(skip)]
    pub destination: Destination,
    /// Where the value is fetched from at issue, for a secret the vault does not keep (the value
    /// is empty until then).
    #[serde(skip)]
    pub source: Option<crate::openbao::Source>,
    /// The lease field this variable takes (a lease injects several).
    #[serde(skip)]
    pub field: Option<String>,
}

/// What bound a credential's TTL (docs/DESIGN.md, "TTL clamps").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitedBy {
    /// The TTL asked for (or the agent's default) stood.
    Request,
    VaultMaxTtl,
    AgentMaxTtl,
    GrantMaxTtl,
    KeyExpiry,
    /// A derived credential never outlives its parent.
    ParentCredential,
    /// A previous version served during an overlap window ends when it retires.
    PreviousVersionRetires,
}

impl LimitedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitedBy::Request => "request",
            LimitedBy::VaultMaxTtl => "vault max_ttl",
            LimitedBy::AgentMaxTtl => "agent max_ttl",
            LimitedBy::GrantMaxTtl => "grant max_ttl",
            LimitedBy::KeyExpiry => "key expiry",
            LimitedBy::ParentCredential => "parent credential",
            LimitedBy::PreviousVersionRetires => "previous version retires",
        }
    }
}

impl std::fmt::Display for LimitedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LimitedBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A decided credential, before its token is built.
#[derive(Clone, Debug)]
pub struct Plan {
    pub agent: String,
    pub secrets: Vec<Injected>,
    pub actions: Option<Vec<String>>,
    pub resources: Option<Vec<Pattern>>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub requested_ttl: Duration,
    pub limited_by: LimitedBy,
}

impl Plan {
    pub fn ttl(&self) -> Duration {
        self.expires_at - self.issued_at
    }

    pub fn scope_json(&self) -> serde_json::Value {
        serde_json::json!({
            "actions": self.actions.clone().unwrap_or_else(|| vec!["*".into()]),
            "resources": self.resources.as_ref().map_or_else(|| vec!["*".to_string()], |r| r.iter().map(ToString::to_string).collect()),
        })
    }
}

/// Decides a mint. `Err` is a denial (exit 3) or bad input (exit 2), with a reason fit for the
/// audit log: names only, never values.
pub fn plan(
    envelope: &Envelope,
    key: Option<&KeyRecord>,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Plan> {
    let agent = &envelope.agent;
    if envelope.status == Status::Suspended {
        return Err(
            Error::denied(format!("agent {agent} is suspended")).hint(format!(
                "an admin can resume it: agentcred agent resume {agent}"
            )),
        );
    }
    if let Some(k) = key
        && !k.usable_at(now)
    {
        return Err(Error::denied(format!(
            "key {} of agent {agent} is {}",
            k.id,
            k.state_at(now)
        ))
        .hint("ask the vault admin for a new key (`agentcred key issue`)"));
    }
    let rights = envelope.rights();
    let actions = req.actions.clone();
    let resources = req.resources.clone();

    let names: Vec<String> = if req.secrets.is_empty() {
        let covering: Vec<String> = envelope
            .secrets
            .keys()
            .filter(|s| covers(&rights, s, actions.as_deref(), resources.as_deref()).is_ok())
            .cloned()
            .collect();
        if covering.is_empty() {
            if let Some(e) = denied_by(envelope, actions.as_deref(), resources.as_deref()) {
                return Err(e);
            }
            let why = if envelope.secrets.is_empty() {
                format!("agent {agent} has no secrets granted")
            } else {
                format!(
                    "no secret granted to agent {agent} covers {}",
                    describe(actions.as_deref(), resources.as_deref())
                )
            };
            return Err(
                Error::denied(why).hint(format!("grant one first: agentcred grant {agent} SECRET"))
            );
        }
        covering
    } else {
        for s in &req.secrets {
            if !envelope.secrets.contains_key(s) {
                return Err(
                    Error::denied(format!("agent {agent} is not granted secret {s}"))
                        .hint("see `agentcred grant list`; an admin can grant it"),
                );
            }
            covers(&rights, s, actions.as_deref(), resources.as_deref()).map_err(|why| {
                denied_by(envelope, actions.as_deref(), resources.as_deref())
                    .unwrap_or_else(|| Error::denied(why))
            })?;
        }
        let mut v = req.secrets.clone();
        v.sort();
        v.dedup();
        v
    };

    let requested = req
        .ttl
        .unwrap_or_else(|| Duration::seconds(envelope.default_ttl_secs));
    if requested <= Duration::zero() {
        return Err(Error::usage("the TTL must be positive"));
    }
    let mut expires_at = now + requested;
    let mut limited_by = LimitedBy::Request;
    let mut clamp = |bound: DateTime<Utc>, why: LimitedBy| {
        if bound < expires_at {
            expires_at = bound;
            limited_by = why;
        }
    };
    clamp(
        now + Duration::seconds(envelope.vault_max_ttl_secs),
        LimitedBy::VaultMaxTtl,
    );
    if let Some(s) = envelope.policy.max_ttl_secs {
        clamp(now + Duration::seconds(s), LimitedBy::AgentMaxTtl);
    }
    for name in &names {
        if let Some(s) = grant_max_ttl(envelope, name, actions.as_deref(), resources.as_deref()) {
            clamp(now + Duration::seconds(s), LimitedBy::GrantMaxTtl);
        }
    }
    if let Some(k) = key {
        clamp(k.end(), LimitedBy::KeyExpiry);
    }
    if let Some(p) = req.parent_expires_at {
        clamp(p, LimitedBy::ParentCredential);
    }

    let serving = |name: &str, stage: Stage| {
        envelope.secrets[name]
            .versions
            .iter()
            .find(|v| v.stage == stage && v.retire_at.is_none_or(|r| r > now))
    };
    // `--secret-version previous` without `--secret`: the previous version of each secret in a
    // rotation's overlap window and the current one of the rest, since the others have nothing
    // older to serve. Refused only when no secret has one; a secret named with `--secret` must.
    let lenient = req.previous && req.secrets.is_empty();
    if lenient && !names.iter().any(|n| serving(n, Stage::Previous).is_some()) {
        let why = match names.as_slice() {
            [one] => format!("secret {one} has no previous version in an overlap window"),
            _ => format!(
                "none of agent {agent}'s secrets ({}) has a previous version in an overlap window",
                names.join(", ")
            ),
        };
        return Err(Error::denied(why)
            .hint("--secret-version previous works only during a rotation's --overlap window"));
    }
    let mut secrets = Vec::with_capacity(names.len());
    for name in &names {
        let s = &envelope.secrets[name];
        // A value created for each credential (an OpenBao token or lease) has no versions.
        if let Some(source @ (Provider::Token { .. } | Provider::Lease { .. })) = &s.openbao {
            if req.previous && !lenient {
                return Err(Error::denied(format!(
                    "secret {name} is created for each credential: it has no previous version"
                )));
            }
            let destination = destination_of(envelope, name);
            let vars: Vec<(String, Option<String>)> = match source {
                Provider::Lease { map, .. } => map
                    .iter()
                    .map(|f| (f.env.clone(), Some(f.field.clone())))
                    .collect(),
                _ => vec![(s.env.clone(), None)],
            };
            for (env, field) in vars {
                secrets.push(Injected {
                    name: name.clone(),
                    env,
                    version: 0,
                    value: SecretText::new(String::new()),
                    destination: destination.clone(),
                    source: Some(source.clone()),
                    field,
                });
            }
            continue;
        }
        let wanted = if req.previous && !(lenient && serving(name, Stage::Previous).is_none()) {
            Stage::Previous
        } else {
            Stage::Current
        };
        let version = serving(name, wanted).ok_or_else(|| {
            if wanted == Stage::Previous {
                Error::denied(format!(
                    "secret {name} has no previous version in an overlap window"
                ))
                .hint("--secret-version previous works only during a rotation's --overlap window")
            } else {
                Error::denied(format!("secret {name} has no current version"))
                    .hint("store one with `agentcred secret set`")
            }
        })?;
        if let Some(r) = version.retire_at {
            clamp(r, LimitedBy::PreviousVersionRetires);
        }
        // A KV secret's value is read at issue: the newest version for CURRENT (another
        // machine may have written it), the version this vault retired for PREVIOUS.
        if let Some(source @ Provider::Kv { .. }) = &s.openbao {
            secrets.push(Injected {
                name: name.clone(),
                env: s.env.clone(),
                version: if wanted == Stage::Previous {
                    version.version
                } else {
                    0
                },
                value: SecretText::new(String::new()),
                destination: destination_of(envelope, name),
                source: Some(source.clone()),
                field: None,
            });
            continue;
        }
        let value = version.value.clone().ok_or_else(|| {
            Error::denied(format!(
                "secret {name} version {} was destroyed",
                version.version
            ))
        })?;
        secrets.push(Injected {
            name: name.clone(),
            env: s.env.clone(),
            version: version.version,
            value,
            destination: destination_of(envelope, name),
            source: None,
            field: None,
        });
    }
    if expires_at <= now {
        return Err(Error::denied(format!(
            "no time left to issue a credential (bound by {limited_by})"
        )));
    }
    Ok(Plan {
        agent: agent.clone(),
        secrets,
        actions,
        resources,
        issued_at: now,
        expires_at,
        requested_ttl: requested,
        limited_by,
    })
}

/// Where `secret` may go for the agent of `envelope`: the secret's delivery and placeholder
/// prefix, and its binding narrowed by every allow grant of it that narrows (a grant can only
/// narrow, so where several do, what applies is what all of them allow).
pub fn destination_of(envelope: &Envelope, secret: &str) -> Destination {
    let Some(s) = envelope.secrets.get(secret) else {
        return Destination::default();
    };
    let binding = envelope
        .grants
        .iter()
        .filter(|g| g.effect == Effect::Allow && g.secret == secret)
        .fold(s.destination.binding(), |b, g| {
            crate::destination::narrow(&b, &g.binding)
        });
    Destination {
        delivery: s.destination.delivery,
        binding,
        placeholder_prefix: s.destination.placeholder_prefix.clone(),
    }
}

/// Refuses a plan that would print a brokered secret's value (`mint --format env|dotenv|json`):
/// such a value never leaves agentcred. A denial, naming the secret.
pub fn refuse_brokered(plan: &Plan) -> Result<()> {
    match plan.secrets.iter().find(|s| s.destination.is_brokered()) {
        None => Ok(()),
        Some(s) => Err(Error::denied(format!(
            "secret {} is delivered only through the broker: its value is never printed",
            s.name
        ))
        .hint(
            "use `agentcred exec` instead (which brokers it), `--format token`, or --secret naming only the others",
        )),
    }
}

/// Does `secret` cover the requested scope? `None` in a dimension means "whatever is granted".
pub fn covers(
    rights: &Rights,
    secret: &str,
    actions: Option<&[String]>,
    resources: Option<&[Pattern]>,
) -> std::result::Result<(), String> {
    match (actions, resources) {
        (Some(a), Some(r)) => rights.covers(secret, a, r),
        // One dimension open: some allow of this secret must survive every deny that covers it.
        (Some(a), None) => {
            for action in a {
                let survives = rights.allow.iter().any(|x| {
                    x.secret == secret
                        && crate::grant::action_covers(&x.action, action)
                        && !rights.deny.iter().any(|d| {
                            crate::grant::action_covers(&d.action, action)
                                && d.pattern.contains(&x.pattern)
                        })
                });
                if !survives {
                    return Err(format!(
                        "{secret} is not granted {action} on any resource that is not denied"
                    ));
                }
            }
            Ok(())
        }
        (None, Some(r)) => {
            for resource in r {
                let survives = rights.allow.iter().any(|x| {
                    x.secret == secret
                        && x.pattern.contains(resource)
                        && !rights.deny.iter().any(|d| {
                            crate::grant::action_covers(&d.action, &x.action)
                                && d.pattern.contains(resource)
                        })
                });
                if !survives {
                    return Err(format!(
                        "{secret} is not granted any action on {resource} that is not denied"
                    ));
                }
            }
            Ok(())
        }
        // Some allow of this secret must not be wholly denied (its every action on its every
        // resource): deny wins, also when the request names no scope.
        (None, None) => {
            let granted = rights.allow.iter().filter(|x| x.secret == secret);
            if granted.clone().next().is_none() {
                return Err(format!("{secret} is not granted"));
            }
            let survives = granted.into_iter().any(|x| {
                !rights.deny.iter().any(|d| {
                    crate::grant::action_covers(&d.action, &x.action)
                        && d.pattern.contains(&x.pattern)
                })
            });
            if survives {
                Ok(())
            } else {
                Err(format!("{secret} is granted only what is denied"))
            }
        }
    }
}

/// The refusal for a request that an explicit deny grant of the agent's matches, naming that
/// grant: called once the request was found not covered, so the deny is why, not a generic "not
/// granted". A deny applies to every secret of the agent, so it is looked for among all of them.
fn denied_by(
    envelope: &Envelope,
    actions: Option<&[String]>,
    resources: Option<&[Pattern]>,
) -> Option<Error> {
    if actions.is_none() && resources.is_none() {
        // No scope asked: the deny that wholly covers an allow (every action of it on every
        // resource of it) is why nothing was left.
        let wholly = |d: &crate::grant::Grant, x: &crate::grant::Grant| {
            x.actions.iter().all(|xa| {
                d.actions
                    .iter()
                    .any(|da| crate::grant::action_covers(da, xa))
            }) && x.resources.iter().all(|xr| {
                Pattern::parse(xr).is_ok_and(|xr| {
                    d.resources
                        .iter()
                        .any(|dr| Pattern::parse(dr).is_ok_and(|dr| dr.contains(&xr)))
                })
            })
        };
        let g = envelope.grants.iter().find(|d| {
            d.effect == Effect::Deny
                && envelope
                    .grants
                    .iter()
                    .any(|x| x.effect == Effect::Allow && wholly(d, x))
        })?;
        return Some(denied_by_grant("everything granted is", g));
    }
    let g = envelope.grants.iter().find(|g| {
        g.effect == Effect::Deny
            && g.actions.iter().any(|d| {
                actions.is_none_or(|a| a.iter().any(|a| crate::grant::action_covers(d, a)))
            })
            && g.resources.iter().any(|d| {
                Pattern::parse(d)
                    .is_ok_and(|d| resources.is_none_or(|r| r.iter().any(|r| d.contains(r))))
            })
    })?;
    Some(denied_by_grant(
        &format!("{} is", describe(actions, resources)),
        g,
    ))
}

/// "WHAT explicitly denied by deny grant ID (…)", naming the grant and how to remove it.
fn denied_by_grant(what: &str, g: &crate::grant::Grant) -> Error {
    Error::denied(format!(
        "{what} explicitly denied to agent {} by deny grant {} ({} on {} of {})",
        g.agent,
        g.id,
        g.actions.join(","),
        g.resources.join(","),
        g.secret
    ))
    .hint(format!(
        "a deny beats every allow; an admin can remove it: agentcred grant revoke {}",
        g.id
    ))
}

/// The most generous `max_ttl` among the allow grants of `secret` that cover the request
/// (`None`: one of them has no limit).
fn grant_max_ttl(
    envelope: &Envelope,
    secret: &str,
    actions: Option<&[String]>,
    resources: Option<&[Pattern]>,
) -> Option<i64> {
    let mut best: Option<Option<i64>> = None;
    for g in envelope
        .grants
        .iter()
        .filter(|g| g.effect == Effect::Allow && g.secret == secret)
    {
        let r = Rights::of([g]);
        if covers(&r, secret, actions, resources).is_ok() {
            best = Some(match (best.flatten(), g.max_ttl_secs) {
                (_, None) => None,
                (None, Some(t)) if best.is_none() => Some(t),
                (None, Some(_)) => None,
                (Some(a), Some(b)) => Some(a.max(b)),
            });
            if best == Some(None) {
                return None;
            }
        }
    }
    best.flatten()
}

fn describe(actions: Option<&[String]>, resources: Option<&[Pattern]>) -> String {
    let a = actions.map_or_else(|| "any action".to_string(), |a| a.join(","));
    let r = resources.map_or_else(
        || "any resource".to_string(),
        |r| {
            r.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        },
    );
    format!("{a} on {r}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::EnvelopeSecret;
    use crate::grant::Grant;
    use crate::secret::Version;

    fn env(grants: Vec<Grant>) -> Envelope {
        let now = Utc::now();
        let secret = EnvelopeSecret {
            openbao: None,
            env: "DB".into(),
            versions: vec![Version {
                version: 1,
                stage: Stage::Current,
                created_at: now,
                retire_at: None,
                value: Some(SecretText::new("v".into())),
            }],
            destination: Default::default(),
        };
        Envelope {
            vault_id: "v".into(),
            agent: "a".into(),
            generation: 1,
            status: Status::Active,
            policy: Default::default(),
            vault_max_ttl_secs: 12 * 3600,
            default_ttl_secs: 900,
            signing_key: SecretText::new(String::new()),
            public_key: String::new(),
            keys: vec![],
            grants,
            secrets: [("db".to_string(), secret)].into(),
            audit_key: SecretText::new(String::new()),
            authority: SecretText::new(String::new()),
            authorities: vec![],
        }
    }

    fn grant(effect: Effect, actions: &[&str], resources: &[&str], max_ttl: Option<i64>) -> Grant {
        Grant {
            id: "g".into(),
            agent: "a".into(),
            secret: "db".into(),
            effect,
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            max_ttl_secs: max_ttl,
            env: None,
            created_at: Utc::now(),
            binding: Default::default(),
        }
    }

    #[test]
    fn the_destination_is_the_secrets_binding_narrowed_by_the_grants() {
        use crate::destination::{Binding, Delivery, HostPattern, Method};
        let mut g = grant(Effect::Allow, &["read"], &["*"], None);
        g.binding = Binding {
            hosts: Some(vec![HostPattern::parse("api.example.com").unwrap()]),
            methods: Some(vec![Method::parse("GET").unwrap()]),
            paths: None,
        };
        let mut e = env(vec![g]);
        let s = e.secrets.get_mut("db").unwrap();
        s.destination.hosts = Some(vec![HostPattern::parse("*.example.com").unwrap()]);
        s.destination.delivery = Delivery::Broker;
        let d = destination_of(&e, "db");
        assert!(d.is_brokered());
        assert!(d.binding.allows("api.example.com", 443, "GET", "/").is_ok());
        assert_eq!(
            d.binding
                .allows("x.example.com", 443, "GET", "/")
                .unwrap_err()
                .kind(),
            "host"
        );
        assert_eq!(
            d.binding
                .allows("api.example.com", 443, "PUT", "/")
                .unwrap_err()
                .kind(),
            "method"
        );
        let p = plan(&e, None, &Request::default(), Utc::now()).unwrap();
        assert_eq!(p.secrets[0].destination, d);
        let err = refuse_brokered(&p).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("db"), "{err}");
    }

    #[test]
    fn ttl_is_clamped_to_the_grant_and_says_so() {
        let e = env(vec![grant(Effect::Allow, &["read"], &["*"], Some(900))]);
        let now = Utc::now();
        let p = plan(
            &e,
            None,
            &Request {
                ttl: Some(Duration::hours(2)),
                ..Request::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(p.ttl(), Duration::minutes(15));
        assert_eq!(p.limited_by, LimitedBy::GrantMaxTtl);
        assert_eq!(p.requested_ttl, Duration::hours(2));
    }

    #[test]
    fn write_against_a_read_grant_is_denied() {
        let e = env(vec![grant(Effect::Allow, &["read"], &["*"], None)]);
        let r = Request {
            actions: Some(vec!["write".into()]),
            ..Request::default()
        };
        assert_eq!(plan(&e, None, &r, Utc::now()).unwrap_err().exit_code(), 3);
    }

    #[test]
    fn deny_on_a_resource_beats_allow_on_everything() {
        let e = env(vec![
            grant(Effect::Allow, &["read"], &["*"], None),
            grant(Effect::Deny, &["read"], &["customers"], None),
        ]);
        let r = Request {
            resources: Some(vec![Pattern::parse("customers").unwrap()]),
            actions: Some(vec!["read".into()]),
            ..Request::default()
        };
        assert_eq!(plan(&e, None, &r, Utc::now()).unwrap_err().exit_code(), 3);
        let r = Request {
            resources: Some(vec![Pattern::parse("orders").unwrap()]),
            ..Request::default()
        };
        assert!(plan(&e, None, &r, Utc::now()).is_ok());
    }

    #[test]
    fn suspended_agents_and_dead_keys_get_nothing() {
        let mut e = env(vec![grant(Effect::Allow, &["read"], &["*"], None)]);
        let now = Utc::now();
        let (_, mut k) = crate::key::AgentKey::generate("a", now, now + Duration::seconds(1));
        assert_eq!(
            plan(
                &e,
                Some(&k),
                &Request::default(),
                now + Duration::seconds(2)
            )
            .unwrap_err()
            .exit_code(),
            3
        );
        let p = plan(
            &e,
            Some(&k),
            &Request {
                ttl: Some(Duration::hours(1)),
                ..Request::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(p.limited_by, LimitedBy::KeyExpiry);
        k.revoked_at = Some(now);
        assert_eq!(
            plan(&e, Some(&k), &Request::default(), now)
                .unwrap_err()
                .exit_code(),
            3
        );
        e.status = Status::Suspended;
        assert_eq!(
            plan(&e, None, &Request::default(), now)
                .unwrap_err()
                .exit_code(),
            3
        );
    }

    #[test]
    fn a_derived_credential_never_outlives_its_parent() {
        let e = env(vec![grant(Effect::Allow, &["read"], &["*"], None)]);
        let now = Utc::now();
        let parent = now + Duration::seconds(30);
        let p = plan(
            &e,
            None,
            &Request {
                ttl: Some(Duration::hours(1)),
                parent_expires_at: Some(parent),
                ..Request::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(p.expires_at, parent);
        assert_eq!(p.limited_by, LimitedBy::ParentCredential);
    }
}
