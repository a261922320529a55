//! What applying a policy file would change in the vault: the steps `apply` takes, in the order a
//! reviewer reads them (agents, secrets, grants, each by name).

use std::collections::{BTreeMap, HashMap};

use super::fields::{self, Diff};
use super::{AgentSpec, Current, GrantSpec, Policy, SecretSpec};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    AddAgent(AgentSpec),
    EditAgent {
        old: AgentSpec,
        new: AgentSpec,
    },
    RemoveAgent(AgentSpec),
    EditSecret {
        old: SecretSpec,
        new: SecretSpec,
    },
    AddGrant(GrantSpec),
    EditGrant {
        id: String,
        old: GrantSpec,
        new: GrantSpec,
    },
    RemoveGrant {
        id: String,
        old: GrantSpec,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Change,
    Remove,
}

impl Op {
    pub fn sign(self) -> char {
        match self {
            Op::Add => '+',
            Op::Change => '~',
            Op::Remove => '-',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Change => "change",
            Op::Remove => "remove",
        }
    }
}

impl Step {
    pub fn op(&self) -> Op {
        match self {
            Step::AddAgent(_) | Step::AddGrant(_) => Op::Add,
            Step::EditAgent { .. } | Step::EditSecret { .. } | Step::EditGrant { .. } => Op::Change,
            Step::RemoveAgent(_) | Step::RemoveGrant { .. } => Op::Remove,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Step::AddAgent(_) | Step::EditAgent { .. } | Step::RemoveAgent(_) => "agent",
            Step::EditSecret { .. } => "secret",
            _ => "grant",
        }
    }

    /// The record's name as a reader finds it: the agent's or secret's name, or a grant's agent
    /// and secret.
    pub fn label(&self) -> String {
        match self {
            Step::AddAgent(a) | Step::RemoveAgent(a) | Step::EditAgent { new: a, .. } => {
                a.name.clone()
            }
            Step::EditSecret { new, .. } => new.name.clone(),
            Step::AddGrant(g)
            | Step::RemoveGrant { old: g, .. }
            | Step::EditGrant { new: g, .. } => g.label(),
        }
    }

    /// The vault's id of the grant a step changes or removes.
    pub fn grant_id(&self) -> Option<&str> {
        match self {
            Step::EditGrant { id, .. } | Step::RemoveGrant { id, .. } => Some(id),
            _ => None,
        }
    }

    /// What the step shows under its label: every field set, or for a change, the fields that
    /// differ (old → new).
    pub fn lines(&self) -> Lines {
        match self {
            Step::AddAgent(a) | Step::RemoveAgent(a) => {
                Lines::Set(fields::set(fields::AGENT, a, false))
            }
            Step::AddGrant(g) | Step::RemoveGrant { old: g, .. } => {
                Lines::Set(fields::set(fields::GRANT, g, false))
            }
            Step::EditAgent { old, new } => Lines::Diff(fields::diff(fields::AGENT, old, new)),
            Step::EditSecret { old, new } => Lines::Diff(fields::diff(fields::SECRET, old, new)),
            Step::EditGrant { old, new, .. } => Lines::Diff(fields::diff(fields::GRANT, old, new)),
        }
    }

    /// The step as `plan --json` and the audit details show it.
    pub fn json(&self) -> serde_json::Value {
        let mut out = serde_json::json!({ "op": self.op().as_str(), "kind": self.kind(), "name": self.label() });
        if let Some(id) = self.grant_id() {
            out["id"] = id.into();
        }
        match self.lines() {
            Lines::Set(set) => {
                out["fields"] = set
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.json()))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            Lines::Diff(diffs) => {
                out["fields"] = diffs
                    .into_iter()
                    .map(|d| {
                        (
                            d.name.to_string(),
                            serde_json::json!({ "old": d.old.json(), "new": d.new.json() }),
                        )
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
        }
        match self {
            Step::AddGrant(g)
            | Step::RemoveGrant { old: g, .. }
            | Step::EditGrant { new: g, .. } => {
                out["agent"] = g.agent.clone().into();
                out["secret"] = g.secret.clone().into();
                out["deny"] = g.deny.into();
            }
            _ => {}
        }
        out
    }
}

pub enum Lines {
    Set(Vec<(&'static str, fields::Val)>),
    Diff(Vec<Diff>),
}

/// The changes from the vault's policy to a file's.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The vault's generation the plan was made at.
    pub generation: u64,
    pub steps: Vec<Step>,
    /// Secrets the file names that the vault does not hold: `secret set` must store them first.
    pub missing: Vec<String>,
    /// Secrets the vault holds that the file does not name: left as they are.
    pub unmanaged: Vec<String>,
}

impl Plan {
    /// Nothing to apply and nothing missing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.missing.is_empty()
    }

    pub fn count(&self, op: Op) -> usize {
        self.steps.iter().filter(|s| s.op() == op).count()
    }
}

/// Compares the file's policy with the vault's.
pub fn plan(file: &Policy, current: &Current) -> Plan {
    let mut steps = Vec::new();
    let wanted: BTreeMap<&str, &AgentSpec> =
        file.agents.iter().map(|a| (a.name.as_str(), a)).collect();
    for (name, old) in &current.agents {
        match wanted.get(name.as_str()) {
            None => steps.push(Step::RemoveAgent(old.clone())),
            Some(new) if *new != old => steps.push(Step::EditAgent {
                old: old.clone(),
                new: (*new).clone(),
            }),
            Some(_) => {}
        }
    }
    for a in &file.agents {
        if !current.agents.contains_key(&a.name) {
            steps.push(Step::AddAgent(a.clone()));
        }
    }
    let mut missing = Vec::new();
    for s in &file.secrets {
        match current.secrets.get(&s.name) {
            None => missing.push(s.name.clone()),
            Some(old) if old != s => steps.push(Step::EditSecret {
                old: old.clone(),
                new: s.clone(),
            }),
            Some(_) => {}
        }
    }
    let named: std::collections::BTreeSet<&str> =
        file.secrets.iter().map(|s| s.name.as_str()).collect();
    let unmanaged = current
        .secrets
        .keys()
        .filter(|n| !named.contains(n.as_str()))
        .cloned()
        .collect();
    steps.extend(grant_steps(&file.grants, &current.grants));
    steps.sort_by_cached_key(order);
    Plan {
        generation: current.generation,
        steps,
        missing,
        unmanaged,
    }
}

/// Where a step goes in the plan: agents, secrets, then grants, each by name; for one grant name,
/// removals, changes, additions, each by their fields.
fn order(step: &Step) -> (u8, String, u8, Option<GrantSpec>, String) {
    let kind = match step.kind() {
        "agent" => 0,
        "secret" => 1,
        _ => 2,
    };
    let op = match step.op() {
        Op::Remove => 0,
        Op::Change => 1,
        Op::Add => 2,
    };
    let grant = match step {
        Step::AddGrant(g) | Step::RemoveGrant { old: g, .. } | Step::EditGrant { old: g, .. } => {
            Some(g.clone())
        }
        _ => None,
    };
    let name = match step {
        Step::AddGrant(g) | Step::RemoveGrant { old: g, .. } | Step::EditGrant { old: g, .. } => {
            format!("{}\0{}\0{}", g.agent, g.secret, u8::from(g.deny))
        }
        _ => step.label(),
    };
    (
        kind,
        name,
        op,
        grant,
        step.grant_id().unwrap_or_default().to_string(),
    )
}

/// What tells grants apart for a reader: agent, secret, and whether it denies.
type GrantName<'a> = (&'a str, &'a str, bool);

/// The grants of the file matched with the vault's: equal ones are left alone; what is left of
/// one agent, secret and effect on both sides is paired up as changes, in order; the rest are
/// additions and removals.
fn grant_steps(wanted: &[GrantSpec], current: &[(String, GrantSpec)]) -> Vec<Step> {
    let mut have: HashMap<&GrantSpec, Vec<&str>> = HashMap::with_capacity(current.len());
    for (id, g) in current {
        have.entry(g).or_default().push(id);
    }
    let mut added: BTreeMap<GrantName<'_>, Vec<&GrantSpec>> = BTreeMap::new();
    for g in wanted {
        match have.get_mut(g).and_then(Vec::pop) {
            Some(_) => {}
            None => added
                .entry((&g.agent, &g.secret, g.deny))
                .or_default()
                .push(g),
        }
    }
    let mut removed: BTreeMap<GrantName<'_>, Vec<(&str, &GrantSpec)>> = BTreeMap::new();
    for (g, ids) in have {
        for id in ids {
            removed
                .entry((&g.agent, &g.secret, g.deny))
                .or_default()
                .push((id, g));
        }
    }
    let mut steps = Vec::new();
    for (key, mut old) in removed {
        old.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        let new = added.remove(&key).unwrap_or_default();
        let mut new = new.into_iter();
        for (id, o) in old {
            match new.next() {
                Some(n) => steps.push(Step::EditGrant {
                    id: id.to_string(),
                    old: o.clone(),
                    new: n.clone(),
                }),
                None => steps.push(Step::RemoveGrant {
                    id: id.to_string(),
                    old: o.clone(),
                }),
            }
        }
        steps.extend(new.map(|n| Step::AddGrant(n.clone())));
    }
    for (_, new) in added {
        steps.extend(new.into_iter().map(|n| Step::AddGrant(n.clone())));
    }
    steps
}
