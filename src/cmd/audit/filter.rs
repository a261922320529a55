//! The filters of `audit` (list): by agent, action (a refusal matches the action it refused),
//! result and time, tested on the raw line first and on the parsed entry only when that passes.

use chrono::{DateTime, Utc};

use crate::audit::read::{has_field, ts_of};
use crate::audit::{Entry, Outcome};
use crate::cli::{AuditListArgs, AuditResult};
use crate::error::Result;

/// The list filters, compiled.
pub(super) struct Filter {
    agent: Option<String>,
    action: Option<(String, bool)>,
    result: Option<Outcome>,
    since: Option<String>,
    until: Option<String>,
}

impl Filter {
    pub(super) fn new(a: &AuditListArgs, now: DateTime<Utc>) -> Result<Filter> {
        if let Some(agent) = &a.agent {
            crate::agent::validate_name(agent)?;
        }
        let action = a.action.as_ref().map(|x| match x.strip_suffix('*') {
            Some(prefix) => (prefix.to_string(), true),
            None => (x.clone(), false),
        });
        Ok(Filter {
            agent: a.agent.clone(),
            action,
            result: a.result.map(|r| match r {
                AuditResult::Ok => Outcome::Ok,
                AuditResult::Denied => Outcome::Denied,
                AuditResult::Error => Outcome::Error,
            }),
            since: a.since.map(|t| crate::clock::rfc3339(t.resolve(now))),
            until: a.until.map(|t| crate::clock::rfc3339(t.resolve(now))),
        })
    }

    /// Cheap tests on the raw line first; the entry is parsed only if they pass.
    pub(super) fn matches(&self, line: &[u8]) -> Option<Option<Entry>> {
        if self.since.is_some() || self.until.is_some() {
            let ts = ts_of(line)?;
            if self.since.as_deref().is_some_and(|s| ts < s)
                || self.until.as_deref().is_some_and(|u| ts >= u)
            {
                return None;
            }
        }
        if let Some(agent) = &self.agent
            && !has_field(line, "agent", agent)
        {
            return None;
        }
        if let Some((action, _)) = &self.action {
            // A refusal matches the action it refused, which it names as attempted.
            let named = format!("\"action\":\"{action}");
            let attempted = format!("\"attempted\":\"{action}");
            if !std::str::from_utf8(line)
                .is_ok_and(|l| l.contains(&named) || l.contains(&attempted))
            {
                return None;
            }
        }
        if self.agent.is_none() && self.action.is_none() && self.result.is_none() {
            return Some(None);
        }
        let e = Entry::parse(line)?;
        if self
            .agent
            .as_ref()
            .is_some_and(|a| e.agent.as_ref() != Some(a))
        {
            return None;
        }
        if let Some((action, prefix)) = &self.action {
            let fits = |name: &str| {
                if *prefix {
                    name.starts_with(action.as_str())
                } else {
                    name == action
                }
            };
            if !fits(&e.action) && !e.attempted().is_some_and(fits) {
                return None;
            }
        }
        if self.result.is_some_and(|r| e.result != Some(r)) {
            return None;
        }
        Some(Some(e))
    }
}
