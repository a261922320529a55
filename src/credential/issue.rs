//! Issuing: the one way a credential (or a delegation) is recorded before it leaves the process.
//!
//! [`issue`] builds the token block for a decided [`Plan`](super::Plan) and [`record`] writes
//! what every issuance writes: its audit entries, through the live checks (suspension, rate limit,
//! anomalies), durably and under the lock, then its ledger line. Nothing is released unless it
//! is on the log (fail closed).

use chrono::{DateTime, Utc};

use super::{Plan, ledger};
use crate::audit::{Action, Event};
use crate::error::Result;
use crate::sensitive::SecretText;
use crate::session::Session;

/// A credential issued: its id, token, and the ids of every block of the token (authority,
/// parents, itself).
pub struct Issued {
    pub id: String,
    pub token: SecretText,
    pub chain: Vec<String>,
    pub plan: Plan,
    /// What the credential holds in OpenBao that is revoked when it ends (none for most).
    pub openbao: Option<crate::openbao::handles::Record>,
}

impl Issued {
    /// The variables a credential puts in a child's environment, values included.
    pub fn variables(&self) -> Vec<(String, String)> {
        self.variables_with(&std::collections::BTreeMap::new())
    }

    /// [`Issued::variables`], with the placeholder given for a secret (by name) in place of its
    /// value: a brokered value is never copied out.
    pub fn variables_with(
        &self,
        placeholders: &std::collections::BTreeMap<String, SecretText>,
    ) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = self
            .plan
            .secrets
            .iter()
            .map(|s| {
                let shown = placeholders.get(&s.name).unwrap_or(&s.value);
                (s.env.clone(), shown.expose_secret().to_string())
            })
            .collect();
        vars.push(("AGENTCRED_AGENT".into(), self.plan.agent.clone()));
        vars.push(("AGENTCRED_CREDENTIAL_ID".into(), self.id.clone()));
        vars.push((
            "AGENTCRED_EXPIRES_AT".into(),
            crate::clock::rfc3339(self.plan.expires_at),
        ));
        vars.push((
            "AGENTCRED_TOKEN".into(),
            self.token.expose_secret().to_string(),
        ));
        vars.push((
            "AGENTCRED_SECRETS".into(),
            self.plan
                .secrets
                .iter()
                .map(|s| s.env.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ));
        vars
    }
}

/// Where a credential comes from and who asks for it.
pub struct Source<'a> {
    /// The token to narrow, authenticated already: the agent's authority (from its issuer-signed
    /// envelope), or the parent credential's token (checked by `token::verify`).
    pub from: &'a SecretText,
    /// The parent credential's id, for a derived credential.
    pub parent: Option<&'a str>,
    /// The audit actor: `admin`, `key:ID`, `agent:NAME`.
    pub actor: &'a str,
    /// More `details` for the `cred.mint` entry.
    pub extra: Option<serde_json::Value>,
    /// A one-off key whose holder may revoke the credential (see `revocation::Revocation::by_holder`).
    pub revoke_key: Option<crate::crypto::PublicKey>,
    /// What the live checks enforce for the agent (rate limit, suspension).
    pub limits: crate::watch::Limits<'a>,
    /// Acting on a delegated token: the holder's signing key and own grants, which the new block
    /// (signed with that key) narrows to (see `token::act`).
    pub acting: Option<(&'a crate::crypto::KeyPair, &'a crate::grant::Rights)>,
}

/// A credential being issued, as the entries that follow `cred.mint` (an `exec.start`) see it.
pub struct Stamp<'a> {
    pub id: &'a str,
    pub actor: &'a str,
    pub agent: &'a str,
    /// Acting on a delegation: the agents acted for, first the one that delegated first.
    pub on_behalf_of: &'a [String],
}

/// Builds the token for `plan` from `source`, then records `cred.mint` and whatever `following`
/// adds with [`record`] before returning it.
pub fn issue(
    session: &Session<'_>,
    plan: Plan,
    source: Source<'_>,
    on_behalf_of: &[String],
    following: &dyn Fn(&Stamp<'_>) -> Vec<Event>,
) -> Result<Issued> {
    let Source {
        from,
        parent,
        actor,
        extra,
        revoke_key,
        limits,
        acting,
    } = source;
    let vault = session.vault;
    let keys = crate::token::issuer_lookup(&vault.config, session.now);
    let narrowing = crate::token::Narrowing {
        issued_at: plan.issued_at,
        expires_at: plan.expires_at,
        secrets: plan.secrets.iter().map(|s| s.name.clone()).collect(),
        actions: plan.actions.clone(),
        resources: plan.resources.clone(),
        revoke_key,
        injected: plan
            .secrets
            .iter()
            .map(|s| (s.name.clone(), s.env.clone()))
            .collect(),
    };
    let (token, chain) = match acting {
        Some((signer, rights)) => crate::token::act(
            from.expose_secret(),
            &keys,
            signer,
            &plan.agent,
            rights,
            &narrowing,
        )?,
        None => crate::token::narrow_authenticated(from.expose_secret(), &keys, &narrowing)?,
    };
    let id = chain.last().cloned().expect("a token has blocks");
    // Values kept in OpenBao are fetched now that the credential has its id (which their
    // metadata names); a failure is recorded and nothing is released.
    let mut plan = plan;
    let credential = crate::openbao::provision::Credential {
        vault_id: &vault.config.vault_id,
        id: &id,
        chain: &chain,
        revoke_key: revoke_key.map(|k| k.to_string()),
    };
    let held = crate::openbao::provision(&vault.dir, &credential, &mut plan, session.clock().now())
        .inspect_err(|e| {
            let names: Vec<String> = plan
                .secrets
                .iter()
                .filter(|s| s.source.is_some())
                .map(|s| s.name.clone())
                .collect();
            let mut event = Event::new(actor, Action::OpenbaoError)
                .agent(&plan.agent)
                .secrets(names)
                .outcome(crate::audit::Outcome::Error, e.to_string());
            event.credential_id = Some(id.clone());
            if let Err(w) = session.append(vec![event], &[]) {
                (session.say())(&format!("warning: {w}"));
            }
        })?;
    let mut scope = plan.scope_json();
    scope["ttl"] = crate::duration::format(plan.ttl()).into();
    scope["expires_at"] = crate::clock::rfc3339(plan.expires_at).into();
    let mut event = Event::new(actor, Action::CredMint)
        .agent(&plan.agent)
        .secrets(plan.secrets.iter().map(|s| s.name.clone()));
    event.credential_id = Some(id.clone());
    event.scope = Some(scope);
    let mut details = serde_json::json!({
        "requested_ttl": crate::duration::format(plan.requested_ttl),
        "limited_by": plan.limited_by,
        "versions": plan.secrets.iter().map(|s| (s.name.clone(), s.version)).collect::<std::collections::BTreeMap<_, _>>(),
    });
    if let Some(parent_id) = parent {
        details["parent"] = parent_id.into();
    }
    // What the credential holds in OpenBao, counted (never an accessor or lease id): a record
    // that went missing from `openbao/` shows against it.
    if let Some(r) = &held.record {
        let count = |lease: bool| {
            r.handles
                .iter()
                .filter(|h| matches!(h, crate::openbao::handles::Handle::Lease { .. }) == lease)
                .count()
        };
        details["openbao"] = serde_json::json!({ "tokens": count(false), "leases": count(true) });
    }
    if let Some(serde_json::Value::Object(more)) = extra {
        for (k, v) in more {
            details[k] = v;
        }
    }
    event.details = Some(crate::audit::Details::Value(details));
    let entry = ledger::Entry {
        id: id.clone(),
        agent: plan.agent.clone(),
        actor: actor.to_string(),
        secrets: plan
            .secrets
            .iter()
            .map(|s| ledger::SecretRef {
                name: s.name.clone(),
                version: s.version,
            })
            .collect(),
        actions: plan.actions.clone().unwrap_or_else(|| vec!["*".into()]),
        resources: plan.resources.as_ref().map_or_else(
            || vec!["*".into()],
            |r| r.iter().map(ToString::to_string).collect(),
        ),
        issued_at: plan.issued_at,
        expires_at: plan.expires_at,
        parent: parent.map(str::to_string),
        chain: chain.clone(),
    };
    let mut events = vec![event];
    events.extend(following(&Stamp {
        id: &id,
        actor,
        agent: &plan.agent,
        on_behalf_of,
    }));
    let call = crate::watch::Call {
        agent: &plan.agent,
        actor,
        limits,
        authority_id: chain.first().map(String::as_str),
    };
    if let Err(e) = record(session, &call, events, &entry, session.now) {
        // Refused after all (a live check): what OpenBao created for it goes at once.
        if let Some(record) = &held.record {
            let _ = crate::openbao::handles::release(
                &vault.dir,
                &vault.config,
                record,
                "refused",
                session.now,
            );
        }
        return Err(e);
    }
    Ok(Issued {
        id,
        token: SecretText::new(token),
        chain,
        plan,
        openbao: held.record,
    })
}

/// Writes an issuance: `events` (the issuing entry first) through the live checks, and under the
/// same lock, if the call stands, the ledger line. The ledger is an index and the audit entry the
/// record, so a ledger line that cannot be written is said, not refused.
pub fn record(
    session: &Session<'_>,
    call: &crate::watch::Call<'_>,
    events: Vec<Event>,
    entry: &ledger::Entry,
    now: DateTime<Utc>,
) -> Result<()> {
    let vault = session.vault;
    let say = |m: &str| (session.say())(m);
    crate::watch::record(
        vault,
        call,
        events,
        || {
            if let Err(e) = ledger::append(&vault.dir, entry, now) {
                say(&format!("warning: {e}"));
            }
            Ok(())
        },
        &say,
        now,
    )?;
    Ok(())
}
