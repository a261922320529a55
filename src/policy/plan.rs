//! What applying a policy file would change in the vault: the steps `apply` takes, in the order a
//! reviewer reads them (agents, secrets, grants, each by name).

use std::collections::{BTreeMap, HashMap};

use serde::ser::{Serialize, SerializeMap, Serializer};

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

    /// The step as `plan --json` shows it.
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self.shown(None)).expect("a step serialises")
    }

    /// The step as `plan --json` and the audit details show it, `id` naming a new grant (the
    /// vault's id of a changed or removed one is shown anyway).
    pub fn shown<'a>(&'a self, id: Option<&'a str>) -> Shown<'a> {
        Shown { step: self, id }
    }
}

/// A step written as JSON (see [`Step::shown`]): its operation, kind and name, the grant's id,
/// its fields (set, or old and new), and for a grant its agent, secret and deny. Written straight
/// from the step, members in sorted order: the audit details of an applied policy are a hundred
/// thousand of these.
pub struct Shown<'a> {
    step: &'a Step,
    id: Option<&'a str>,
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let step = self.step;
        let grant = match step {
            Step::AddGrant(g)
            | Step::RemoveGrant { old: g, .. }
            | Step::EditGrant { new: g, .. } => Some(g),
            _ => None,
        };
        let mut map = serializer.serialize_map(None)?;
        if let Some(g) = grant {
            map.serialize_entry("agent", &g.agent)?;
            map.serialize_entry("deny", &g.deny)?;
        }
        map.serialize_entry("fields", &step.lines())?;
        if let Some(id) = self.id.or_else(|| step.grant_id()) {
            map.serialize_entry("id", id)?;
        }
        map.serialize_entry("kind", step.kind())?;
        map.serialize_entry("name", &step.label())?;
        map.serialize_entry("op", step.op().as_str())?;
        if let Some(g) = grant {
            map.serialize_entry("secret", &g.secret)?;
        }
        map.end()
    }
}

pub enum Lines {
    Set(Vec<(&'static str, fields::Val)>),
    Diff(Vec<Diff>),
}

/// The fields as a JSON object, by name: each value, or for a change `{"new": …, "old": …}`.
impl Serialize for Lines {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self {
            Lines::Set(set) => {
                let mut set: Vec<_> = set.iter().collect();
                set.sort_unstable_by_key(|(name, _)| *name);
                for (name, value) in set {
                    map.serialize_entry(name, value)?;
                }
            }
            Lines::Diff(diffs) => {
                let mut diffs: Vec<_> = diffs.iter().collect();
                diffs.sort_unstable_by_key(|d| d.name);
                for d in diffs {
                    map.serialize_entry(
                        d.name,
                        &OldNew {
                            new: &d.new,
                            old: &d.old,
                        },
                    )?;
                }
            }
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct OldNew<'a> {
    new: &'a fields::Val,
    old: &'a fields::Val,
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

/// Compares the file's policy with the vault's. The file's records become the plan's steps.
pub fn plan(file: Policy, current: &Current) -> Plan {
    let Policy {
        agents,
        secrets,
        grants,
    } = file;
    let mut steps = Vec::new();
    {
        let wanted: BTreeMap<&str, &AgentSpec> =
            agents.iter().map(|a| (a.name.as_str(), a)).collect();
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
    }
    steps.extend(
        agents
            .into_iter()
            .filter(|a| !current.agents.contains_key(&a.name))
            .map(Step::AddAgent),
    );
    let mut missing = Vec::new();
    for s in &secrets {
        match current.secrets.get(&s.name) {
            None => missing.push(s.name.clone()),
            Some(old) if old != s => steps.push(Step::EditSecret {
                old: old.clone(),
                new: s.clone(),
            }),
            Some(_) => {}
        }
    }
    let named: std::collections::BTreeSet<&str> = secrets.iter().map(|s| s.name.as_str()).collect();
    let unmanaged = current
        .secrets
        .keys()
        .filter(|n| !named.contains(n.as_str()))
        .cloned()
        .collect();
    steps.extend(grant_steps(grants, &current.grants));
    steps.sort_by(|a, b| order(a).cmp(&order(b)));
    Plan {
        generation: current.generation,
        steps,
        missing,
        unmanaged,
    }
}

/// Where a step goes in the plan: agents, secrets, then grants, each by name (a grant's by agent,
/// secret and deny); for one name, removals, changes, additions, each by their fields and id.
fn order(step: &Step) -> (u8, (&str, &str, bool), u8, Option<&GrantSpec>, &str) {
    let op = match step.op() {
        Op::Remove => 0,
        Op::Change => 1,
        Op::Add => 2,
    };
    let id = step.grant_id().unwrap_or_default();
    match step {
        Step::AddAgent(a) | Step::RemoveAgent(a) | Step::EditAgent { new: a, .. } => {
            (0, (&a.name, "", false), op, None, id)
        }
        Step::EditSecret { new, .. } => (1, (&new.name, "", false), op, None, id),
        Step::AddGrant(g) | Step::RemoveGrant { old: g, .. } | Step::EditGrant { old: g, .. } => {
            (2, (&g.agent, &g.secret, g.deny), op, Some(g), id)
        }
    }
}

/// What tells grants apart for a reader: agent, secret, and whether it denies.
type GrantName<'a> = (&'a str, &'a str, bool);

/// The grants of the file matched with the vault's: equal ones are left alone; what is left of
/// one agent, secret and effect on both sides is paired up as changes, in order; the rest are
/// additions and removals.
fn grant_steps(wanted: Vec<GrantSpec>, current: &[(String, GrantSpec)]) -> Vec<Step> {
    // First what becomes of each grant, the file's by their place in it; then the steps, which
    // take the file's grants over rather than copy them.
    enum Pairing<'a> {
        Edit(&'a str, &'a GrantSpec, usize),
        Remove(&'a str, &'a GrantSpec),
        Add(usize),
    }
    let mut pairings = Vec::new();
    {
        let mut have: HashMap<&GrantSpec, Vec<&str>> = HashMap::with_capacity(current.len());
        for (id, g) in current {
            have.entry(g).or_default().push(id);
        }
        let mut added: BTreeMap<GrantName<'_>, Vec<usize>> = BTreeMap::new();
        for (i, g) in wanted.iter().enumerate() {
            match have.get_mut(g).and_then(Vec::pop) {
                Some(_) => {}
                None => added
                    .entry((&g.agent, &g.secret, g.deny))
                    .or_default()
                    .push(i),
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
        for (key, mut old) in removed {
            old.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
            let mut new = added.remove(&key).unwrap_or_default().into_iter();
            for (id, o) in old {
                pairings.push(match new.next() {
                    Some(n) => Pairing::Edit(id, o, n),
                    None => Pairing::Remove(id, o),
                });
            }
            pairings.extend(new.map(Pairing::Add));
        }
        for (_, new) in added {
            pairings.extend(new.into_iter().map(Pairing::Add));
        }
    }
    let mut wanted: Vec<Option<GrantSpec>> = wanted.into_iter().map(Some).collect();
    let mut take = |i: usize| {
        wanted[i]
            .take()
            .expect("each grant of the file is taken once")
    };
    pairings
        .into_iter()
        .map(|p| match p {
            Pairing::Edit(id, old, new) => Step::EditGrant {
                id: id.to_string(),
                old: old.clone(),
                new: take(new),
            },
            Pairing::Remove(id, old) => Step::RemoveGrant {
                id: id.to_string(),
                old: old.clone(),
            },
            Pairing::Add(new) => Step::AddGrant(take(new)),
        })
        .collect()
}
