//! Policy as code: the vault's agents, their limits, its secrets' metadata and its grants as one
//! TOML file a team keeps in version control (docs/DESIGN.md, "Policy as code").
//!
//! The file is read into the same records the vault's policy is exported to, both in one normal
//! form (durations in their shortest spelling, lists sorted, defaults filled in, records sorted),
//! so that comparing them is comparing values: `plan` diffs the two, `apply` makes the vault's
//! records those of the file in one admin change, and `export-policy` writes the vault's records
//! as a file that plans to nothing. Secret values never enter a policy: a secret the file names
//! and the vault lacks is reported with the `secret set` command that stores it.
//!
//! Grants have no names of their own: a file's grant is the vault's grant with the same agent,
//! secret, effect and fields. What is left over on both sides for one agent, secret and effect is
//! shown as a change of fields, and the rest as additions and removals.

pub mod apply;
pub mod fields;
pub mod plan;
mod read;
pub mod render;
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::agent::{Agent, RateLimit};
use crate::error::{Error, Result};
use crate::grant::{Effect, Grant, Pattern};
use crate::secret::Secret;

/// The one version of the file format there is.
pub const VERSION: i64 = 1;

/// An agent, as the policy file has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_ttl: Option<String>,
    #[serde(default)]
    pub rate_limit: Option<String>,
    #[serde(default)]
    pub suspend_on_anomaly: bool,
}

/// A secret's metadata (never its value), as the policy file has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub name: String,
    #[serde(default)]
    pub env: Option<String>,
    #[serde(default)]
    pub max_age: Option<String>,
    #[serde(default)]
    pub hosts: Option<Vec<String>>,
    #[serde(default)]
    pub delivery: Option<String>,
    #[serde(default)]
    pub placeholder_prefix: Option<String>,
    #[serde(default)]
    pub openbao: Option<String>,
}

/// A grant, as the policy file has it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantSpec {
    pub agent: String,
    pub secret: String,
    #[serde(default)]
    pub deny: bool,
    #[serde(default = "default_actions")]
    pub actions: Vec<String>,
    #[serde(default = "default_resources")]
    pub resources: Vec<String>,
    #[serde(default)]
    pub max_ttl: Option<String>,
    #[serde(default)]
    pub env: Option<String>,
    #[serde(default)]
    pub hosts: Option<Vec<String>>,
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    #[serde(default)]
    pub paths: Option<Vec<String>>,
}

fn default_actions() -> Vec<String> {
    vec!["read".to_string()]
}

fn default_resources() -> Vec<String> {
    vec!["*".to_string()]
}

/// A whole policy in normal form: each list sorted, names unique.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub agents: Vec<AgentSpec>,
    pub secrets: Vec<SecretSpec>,
    pub grants: Vec<GrantSpec>,
}

/// The vault's side of a comparison: its policy, with each grant's id.
#[derive(Clone, Debug, Default)]
pub struct Current {
    pub generation: u64,
    pub agents: BTreeMap<String, AgentSpec>,
    pub secrets: BTreeMap<String, SecretSpec>,
    pub grants: Vec<(String, GrantSpec)>,
}

/// A binding list as text, sorted (the normal form).
fn texts<T: std::fmt::Display>(list: &Option<Vec<T>>) -> Option<Vec<String>> {
    list.as_ref()
        .map(|l| sorted(l.iter().map(ToString::to_string).collect()))
}

/// A binding list parsed; anything that does not parse was refused when the file was read.
fn parsed<T>(list: &Option<Vec<String>>, parse: impl Fn(&str) -> Result<T>) -> Option<Vec<T>> {
    list.as_ref()
        .map(|l| l.iter().filter_map(|t| parse(t).ok()).collect())
}

/// Parses each of a binding list (naming `what` in the error) and returns its normal form.
fn normal_list<T: std::fmt::Display>(
    list: &Option<Vec<String>>,
    parse: impl Fn(&str) -> Result<T>,
    what: &str,
) -> Result<Option<Vec<String>>> {
    let Some(list) = list else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(list.len());
    for t in list {
        out.push(parse(t).map_err(|e| named(e, what))?.to_string());
    }
    Ok(Some(sorted(out)))
}

fn secs(text: &Option<String>) -> Option<i64> {
    text.as_deref()
        .and_then(|t| crate::duration::parse(t).ok())
        .map(|d| d.num_seconds())
}

fn duration_text(secs: Option<i64>) -> Option<String> {
    secs.map(|s| crate::duration::format(chrono::Duration::seconds(s)))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

impl AgentSpec {
    /// The vault's agent as a policy record.
    pub fn of(a: &Agent) -> AgentSpec {
        AgentSpec {
            name: a.name.clone(),
            description: a.description.clone(),
            max_ttl: duration_text(a.policy.max_ttl_secs),
            rate_limit: a.policy.rate_limit.map(|r| r.to_string()),
            suspend_on_anomaly: a.policy.suspend_on_anomaly,
        }
    }

    /// Writes this record's fields into the vault's agent (the record is in normal form).
    pub fn apply_to(&self, a: &mut Agent) {
        a.description = self.description.clone();
        a.policy.max_ttl_secs = secs(&self.max_ttl);
        a.policy.rate_limit = self
            .rate_limit
            .as_deref()
            .and_then(|r| RateLimit::parse(r).ok());
        a.policy.suspend_on_anomaly = self.suspend_on_anomaly;
    }
}

impl SecretSpec {
    pub fn of(s: &Secret) -> SecretSpec {
        SecretSpec {
            name: s.name.clone(),
            env: Some(s.env.clone()),
            max_age: duration_text(s.max_age_secs),
            hosts: texts(&s.destination.hosts),
            delivery: (!s.destination.delivery.is_env())
                .then(|| s.destination.delivery.as_str().to_string()),
            placeholder_prefix: s.destination.placeholder_prefix.clone(),
            openbao: s.openbao.as_ref().map(crate::openbao::Source::policy_text),
        }
    }

    pub fn apply_to(&self, s: &mut Secret) {
        if let Some(env) = &self.env {
            s.env = env.clone();
        }
        s.max_age_secs = secs(&self.max_age);
        // Checked when the file was read (`normal_secret`): these parse.
        s.destination.hosts = parsed(&self.hosts, crate::destination::HostPattern::parse);
        s.destination.delivery = match self.delivery.as_deref() {
            Some("broker") => crate::destination::Delivery::Broker,
            _ => crate::destination::Delivery::Env,
        };
        s.destination.placeholder_prefix = self.placeholder_prefix.clone();
    }
}

impl GrantSpec {
    pub fn of(g: &Grant) -> GrantSpec {
        GrantSpec {
            agent: g.agent.clone(),
            secret: g.secret.clone(),
            deny: g.effect == Effect::Deny,
            actions: sorted(g.actions.clone()),
            resources: sorted(g.resources.clone()),
            max_ttl: duration_text(g.max_ttl_secs),
            env: g.env.clone(),
            hosts: texts(&g.binding.hosts),
            methods: texts(&g.binding.methods),
            paths: texts(&g.binding.paths),
        }
    }

    pub fn apply_to(&self, g: &mut Grant) {
        g.agent = self.agent.clone();
        g.secret = self.secret.clone();
        g.effect = if self.deny {
            Effect::Deny
        } else {
            Effect::Allow
        };
        g.actions = self.actions.clone();
        g.resources = self.resources.clone();
        g.max_ttl_secs = secs(&self.max_ttl);
        g.env = self.env.clone();
        // Checked when the file was read (`normal_grant`): these parse.
        g.binding = crate::destination::Binding {
            hosts: parsed(&self.hosts, crate::destination::HostPattern::parse),
            methods: parsed(&self.methods, crate::destination::Method::parse),
            paths: parsed(&self.paths, crate::destination::PathPattern::parse),
        };
    }

    /// How a reader tells grants apart: agent, secret, and whether it denies.
    pub fn label(&self) -> String {
        let deny = if self.deny { " (deny)" } else { "" };
        format!("{} {}{deny}", self.agent, self.secret)
    }
}

impl Current {
    /// The vault's policy, from its state and every grant.
    pub fn of<'a>(
        state: &crate::vault::State,
        grants: impl IntoIterator<Item = &'a Grant>,
    ) -> Current {
        Current {
            generation: state.generation,
            agents: state
                .agents
                .values()
                .map(|a| (a.name.clone(), AgentSpec::of(a)))
                .collect(),
            secrets: state
                .secrets
                .values()
                .map(|s| (s.name.clone(), SecretSpec::of(s)))
                .collect(),
            grants: grants
                .into_iter()
                .map(|g| (g.id.clone(), GrantSpec::of(g)))
                .collect(),
        }
    }

    /// The policy a file exported from this vault holds.
    pub fn policy(&self) -> Policy {
        let mut grants: Vec<GrantSpec> = self.grants.iter().map(|(_, g)| g.clone()).collect();
        grants.sort();
        Policy {
            agents: self.agents.values().cloned().collect(),
            secrets: self.secrets.values().cloned().collect(),
            grants,
        }
    }
}

/// The file's SHA-256, in hex: what `policy.apply` records.
pub fn sha256(text: &[u8]) -> String {
    crate::crypto::hex(&crate::crypto::sha256(&[text]))
}

/// The raw document, with the position of each record for error messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: Option<toml::Spanned<i64>>,
    #[serde(default)]
    agents: Vec<toml::Spanned<AgentSpec>>,
    #[serde(default)]
    secrets: Vec<toml::Spanned<SecretSpec>>,
    #[serde(default)]
    grants: Vec<toml::Spanned<GrantSpec>>,
}

/// A record and its offset in the whole text, for a part of it that starts at `base`.
fn located<T>(base: usize, record: toml::Spanned<T>) -> (usize, T) {
    (base + record.span().start, record.into_inner())
}

/// Above this size a file is parsed in two halves at once (TOML parsing is most of the time
/// `plan` and `apply` take for a large policy).
const SPLIT_FROM: usize = 1 << 20;

/// A large file parsed as two documents on two threads, split at an array-of-tables header
/// (`[[…]]` at the start of a line) near its middle, each with its offset in the text. `None`
/// when the file is small, has no such header, could hold a multi-line string (which may contain
/// a line that looks like one), or either half does not parse on its own, or the second half
/// has a `version`: the whole file is then parsed as one, so errors are reported as for any file.
/// The second half starts with a table header, so it has no keys of the top level, and every
/// record's fields are closed (unknown ones refused): a split that parses means what the whole
/// file means.
fn split_parse(text: &str) -> Option<Vec<(usize, Document)>> {
    if text.len() < SPLIT_FROM || text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    // A list given as a key (`grants = [...]`) rather than as `[[grants]]` tables: the whole file
    // would refuse both forms of one list, which two halves cannot see.
    let as_key = text.lines().any(|l| {
        let l = l.trim_start().trim_start_matches(['"', '\'']);
        ["agents", "secrets", "grants"].iter().any(|k| {
            l.strip_prefix(k).is_some_and(|rest| {
                !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-')
            })
        })
    });
    if as_key {
        return None;
    }
    // Searched as bytes: the middle may fall inside a character, a newline never does.
    let mid = text.len() / 2;
    let at = text.as_bytes()[mid..]
        .windows(3)
        .position(|w| w == b"\n[[")?
        + mid
        + 1;
    let (first, second) = text.split_at(at);
    let (a, b) = std::thread::scope(|scope| {
        let b = scope.spawn(|| toml::from_str::<Document>(second).ok());
        (
            toml::from_str::<Document>(first).ok(),
            b.join().ok().flatten(),
        )
    });
    let (a, b) = (a?, b?);
    if b.version.is_some() {
        return None;
    }
    Some(vec![(0, a), (at, b)])
}

/// Line and column (1-based, in characters) of byte `offset` of `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The records of a file outside the plain subset `read` takes, parsed by the `toml` crate (in
/// two halves when it is large), or the offset of its first error and the error.
fn toml_records(text: &str) -> std::result::Result<read::Records, (usize, Error)> {
    let parts = match split_parse(text) {
        Some(parts) => parts,
        None => vec![(
            0,
            toml::from_str::<Document>(text).map_err(|e| {
                let offset = e.span().map_or(0, |s| s.start);
                let message = e.message().trim().replace('\n', "; ");
                (
                    offset,
                    Error::bad_data(message)
                        .hint("see `agentcred policy schema` for the fields each record takes"),
                )
            })?,
        )],
    };
    let mut records = read::Records::default();
    for (base, part) in parts {
        if base == 0 {
            records.version = part.version.map(|v| (v.span().start, v.into_inner()));
        }
        records
            .agents
            .extend(part.agents.into_iter().map(|r| located(base, r)));
        records
            .secrets
            .extend(part.secrets.into_iter().map(|r| located(base, r)));
        records
            .grants
            .extend(part.grants.into_iter().map(|r| located(base, r)));
    }
    Ok(records)
}

/// Reads a policy file's text (`what` names it in errors) into normal form, checking every
/// record and that the records agree with each other. Needs no vault. An invalid file is bad
/// data (exit 65), with the line and column of what is wrong and what was expected.
pub fn parse(text: &str, what: &str) -> Result<Policy> {
    let at = |offset: usize, e: Error| -> Error {
        let (line, col) = line_col(text, offset);
        let hint = e.hint_text();
        let err = Error::bad_data(format!("{what}:{line}:{col}: {e}"));
        match hint {
            Some(h) => err.hint(h),
            None => {
                err.hint("nothing was changed; fix the file and run `agentcred policy check` on it")
            }
        }
    };
    let records = match read::plain(text) {
        Some(records) => records,
        None => toml_records(text).map_err(|(offset, e)| at(offset, e))?,
    };
    match records.version {
        Some((_, v)) if v == VERSION => {}
        Some((offset, v)) => {
            return Err(at(
                offset,
                Error::bad_data(format!("version {v} is not known")).hint("expected `version = 1`"),
            ));
        }
        None => {
            return Err(at(
                0,
                Error::bad_data("the file has no version")
                    .hint("expected `version = 1` at the top of the file"),
            ));
        }
    }
    let (agent_docs, secret_docs, grant_docs) = (records.agents, records.secrets, records.grants);
    let mut policy = Policy::default();
    let mut agents = BTreeSet::new();
    for (start, agent) in agent_docs {
        let a = normal_agent(agent).map_err(|e| at(start, e))?;
        if !agents.insert(a.name.clone()) {
            return Err(at(
                start,
                Error::bad_data(format!("agent '{}' is listed twice", a.name))
                    .hint("expected each agent once"),
            ));
        }
        policy.agents.push(a);
    }
    let mut secrets = BTreeMap::new();
    for (start, secret) in secret_docs {
        let s = normal_secret(secret).map_err(|e| at(start, e))?;
        if secrets.insert(s.name.clone(), s.clone()).is_some() {
            return Err(at(
                start,
                Error::bad_data(format!("secret '{}' is listed twice", s.name))
                    .hint("expected each secret once"),
            ));
        }
        policy.secrets.push(s);
    }
    let mut grants = BTreeSet::new();
    // Per agent, the variable each allowed secret is injected as: two secrets cannot share one.
    let mut vars: BTreeMap<(String, String), String> = BTreeMap::new();
    for (start, grant) in grant_docs {
        let g = normal_grant(grant, &agents, &secrets).map_err(|e| at(start, e))?;
        if !g.deny {
            let var = g
                .env
                .clone()
                .or_else(|| secrets.get(&g.secret).and_then(|s| s.env.clone()))
                .unwrap_or_default();
            if let Some(other) = vars
                .get(&(g.agent.clone(), var.clone()))
                .filter(|s| **s != g.secret)
            {
                return Err(at(start, Error::bad_data(format!("grant of {} to {}: agent {} already gets secret {other} as {var}; two secrets cannot share a variable", g.secret, g.agent, g.agent)).hint("expected another `env` on one of the two grants")));
            }
            vars.insert((g.agent.clone(), var), g.secret.clone());
        }
        if !grants.insert(g.clone()) {
            return Err(at(
                start,
                Error::bad_data(format!(
                    "grant of {} to {} is listed twice",
                    g.secret, g.agent
                ))
                .hint("expected each grant once"),
            ));
        }
    }
    policy.agents.sort();
    policy.secrets.sort();
    policy.grants = grants.into_iter().collect();
    Ok(policy)
}

fn positive(text: &Option<String>, field: &str) -> Result<Option<String>> {
    let Some(t) = text else { return Ok(None) };
    let d = crate::duration::parse(t).map_err(|e| {
        Error::bad_data(format!("{field}: {e}"))
            .hint("expected a duration such as \"90s\", \"15m\", \"1h30m\" or \"7d\"")
    })?;
    if d.num_seconds() <= 0 {
        return Err(
            Error::bad_data(format!("{field} must be positive, not {t}"))
                .hint("expected a duration such as \"15m\""),
        );
    }
    Ok(Some(crate::duration::format(d)))
}

fn named(e: Error, what: &str) -> Error {
    let hint = e.hint_text();
    let err = Error::bad_data(format!("{what}: {e}"));
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}

fn normal_agent(a: AgentSpec) -> Result<AgentSpec> {
    crate::agent::validate_name(&a.name).map_err(|e| named(e, "agent"))?;
    let what = format!("agent {}", a.name);
    let rate_limit = match &a.rate_limit {
        Some(r) => Some(
            RateLimit::parse(r)
                .map_err(|e| named(e, &what))?
                .to_string(),
        ),
        None => None,
    };
    Ok(AgentSpec {
        max_ttl: positive(&a.max_ttl, &format!("{what}: max_ttl"))?,
        rate_limit,
        ..a
    })
}

fn normal_secret(s: SecretSpec) -> Result<SecretSpec> {
    crate::secret::validate_name(&s.name).map_err(|e| named(e, "secret"))?;
    let what = format!("secret {}", s.name);
    let env = s
        .env
        .clone()
        .unwrap_or_else(|| crate::secret::default_env(&s.name));
    crate::secret::validate_env(&env).map_err(|e| named(e, &what))?;
    let hosts = normal_list(&s.hosts, crate::destination::HostPattern::parse, &what)?;
    let delivery = match s.delivery.as_deref() {
        None | Some("env") => None,
        Some("broker") => Some("broker".to_string()),
        Some(other) => {
            return Err(Error::bad_data(format!(
                "{what}: delivery '{other}' is neither env nor broker"
            ))
            .hint("expected delivery = \"env\" or \"broker\""));
        }
    };
    if let Some(prefix) = &s.placeholder_prefix {
        crate::destination::validate_prefix(prefix).map_err(|e| named(e, &what))?;
    }
    if delivery.is_some() && hosts.as_ref().is_none_or(Vec::is_empty) {
        return Err(
            Error::bad_data(format!("{what}: delivery = \"broker\" needs hosts")).hint(
                "expected hosts = [\"api.example.com\"] beside it: a brokered value must be bound",
            ),
        );
    }
    let openbao = match &s.openbao {
        None => None,
        Some(t) => Some(
            crate::openbao::Source::parse_policy_text(t)
                .map_err(|e| named(e, &what))?
                .policy_text(),
        ),
    };
    Ok(SecretSpec {
        openbao,
        env: Some(env),
        max_age: positive(&s.max_age, &format!("{what}: max_age"))?,
        hosts,
        delivery,
        placeholder_prefix: s.placeholder_prefix.clone().filter(|p| !p.is_empty()),
        ..s
    })
}

fn normal_grant(
    g: GrantSpec,
    agents: &BTreeSet<String>,
    secrets: &BTreeMap<String, SecretSpec>,
) -> Result<GrantSpec> {
    let what = format!("grant of {} to {}", g.secret, g.agent);
    if !agents.contains(&g.agent) {
        return Err(
            Error::bad_data(format!("{what}: agent '{}' is not in [[agents]]", g.agent))
                .hint("expected the name of an agent the file lists"),
        );
    }
    if !secrets.contains_key(&g.secret) {
        return Err(Error::bad_data(format!(
            "{what}: secret '{}' is not in [[secrets]]",
            g.secret
        ))
        .hint("expected the name of a secret the file lists"));
    }
    if g.actions.is_empty() || g.resources.is_empty() {
        return Err(
            Error::bad_data(format!("{what}: no actions or no resources")).hint(
                "expected at least one action (e.g. [\"read\"]) and one resource (e.g. [\"*\"])",
            ),
        );
    }
    for a in &g.actions {
        crate::grant::validate_action(a).map_err(|e| named(e, &what))?;
    }
    for r in &g.resources {
        Pattern::parse(r).map_err(|e| named(e, &what))?;
    }
    if let Some(env) = &g.env {
        crate::secret::validate_env(env).map_err(|e| named(e, &what))?;
    }
    if g.deny && (g.max_ttl.is_some() || g.env.is_some()) {
        return Err(Error::bad_data(format!(
            "{what}: max_ttl and env make no sense on a deny grant"
        ))
        .hint("expected a deny grant with only actions and resources"));
    }
    let hosts = normal_list(&g.hosts, crate::destination::HostPattern::parse, &what)?;
    let methods = normal_list(&g.methods, crate::destination::Method::parse, &what)?;
    let paths = normal_list(&g.paths, crate::destination::PathPattern::parse, &what)?;
    if g.deny && (hosts.is_some() || methods.is_some() || paths.is_some()) {
        return Err(Error::bad_data(format!(
            "{what}: hosts, methods and paths make no sense on a deny grant"
        ))
        .hint("expected a deny grant with only actions and resources"));
    }
    // A grant only narrows where the secret's value may go.
    let secret = &secrets[&g.secret];
    if let (Some(ours), Some(theirs)) = (&hosts, &secret.hosts) {
        let parse = |l: &Vec<String>| -> Vec<crate::destination::HostPattern> {
            l.iter()
                .filter_map(|h| crate::destination::HostPattern::parse(h).ok())
                .collect()
        };
        let secret_binding = crate::destination::Binding {
            hosts: Some(parse(theirs)),
            ..Default::default()
        };
        let grant_binding = crate::destination::Binding {
            hosts: Some(parse(ours)),
            ..Default::default()
        };
        crate::destination::check_narrowing(&g.secret, &secret_binding, &grant_binding)
            .map_err(|e| named(e, &what))?;
    }
    Ok(GrantSpec {
        max_ttl: positive(&g.max_ttl, &format!("{what}: max_ttl"))?,
        actions: sorted(g.actions.clone()),
        resources: sorted(g.resources.clone()),
        hosts,
        methods,
        paths,
        ..g
    })
}

#[cfg(test)]
mod tests;
