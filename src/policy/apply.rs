//! Applying a plan inside one admin change (`Vault::update`): every step, or, if any fails,
//! none, since a change that returns an error writes nothing. Removals go through the same
//! `Change` calls as `agent remove` and `grant revoke`, so they revoke what they did.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::admin::Change;
use crate::agent::{Agent, Status};
use crate::audit::{Action, Event};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::grant::{Effect, Grant};

use super::plan::{Op, Plan, Step};
use super::{AgentSpec, GrantSpec};

/// What an apply did beyond its audit entries: the agents it removed (whose activity files the
/// caller forgets once the change is committed).
#[derive(Default)]
pub struct Applied {
    pub removed_agents: Vec<String>,
}

/// Refuses a plan that names secrets the vault does not hold: their values must be stored first.
pub fn check_missing(plan: &Plan) -> Result<()> {
    if plan.missing.is_empty() {
        return Ok(());
    }
    let first = &plan.missing[0];
    Err(Error::not_found(format!(
        "the policy names {} the vault does not hold: {}",
        crate::output::plural(plan.missing.len(), "secret"),
        plan.missing.join(", ")
    ))
    .hint(format!(
        "store each first (`agentcred secret set {first}`), then apply again; nothing was changed"
    )))
}

/// Applies `plan`, made against the state `c` holds, and returns its audit entries: one per
/// step, then `policy.apply` with the file's name and SHA-256.
pub fn apply(
    c: &mut Change<'_>,
    plan: &Plan,
    file: &str,
    sha256: &str,
) -> Result<(Applied, Vec<Event>)> {
    check_missing(plan)?;
    let mut applied = Applied::default();
    let removed_agents: BTreeSet<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::RemoveAgent(a) => Some(a.name.as_str()),
            _ => None,
        })
        .collect();
    let mut revoke: BTreeSet<String> = BTreeSet::new();
    let mut touch: BTreeSet<String> = BTreeSet::new();

    // Grants removed or changed, in one pass over the grant files. A changed grant keeps its id.
    let mut edits: HashMap<&str, &GrantSpec> = HashMap::new();
    let mut drop: HashSet<&str> = HashSet::new();
    for step in &plan.steps {
        match step {
            Step::RemoveGrant { id, old } if !removed_agents.contains(old.agent.as_str()) => {
                drop.insert(id);
                // Fewer rights: what was minted under the old ones ends, as `grant revoke` does.
                if old.deny {
                    touch.insert(old.agent.clone());
                } else {
                    revoke.insert(old.agent.clone());
                }
            }
            Step::EditGrant { id, new, .. } => {
                drop.insert(id);
                edits.insert(id, new);
                // A changed scope may be a narrower one: end what the old one allowed.
                revoke.insert(new.agent.clone());
            }
            _ => {}
        }
    }
    if !drop.is_empty() {
        let removed = c.remove_grants_where(|g| drop.contains(g.id.as_str()))?;
        for mut g in removed {
            if let Some(new) = edits.get(g.id.as_str()) {
                new.apply_to(&mut g);
                c.add_grant(g)?;
            }
        }
    }
    for name in &removed_agents {
        c.remove_agent(name)?;
        applied.removed_agents.push((*name).to_string());
    }

    let adding_grants = plan
        .steps
        .iter()
        .filter(|s| matches!(s, Step::AddGrant(_)))
        .count();
    // New grants' ids, drawn first so that their entries can name them.
    let mut ids = GrantIds::new(c, adding_grants);
    let new_ids: Vec<Option<String>> = plan
        .steps
        .iter()
        .map(|s| matches!(s, Step::AddGrant(_)).then(|| ids.next()))
        .collect();
    let mut events = Vec::with_capacity(plan.steps.len() + 1);
    // Each step's entry details, written on every core (a policy of 100,000 grants has as many).
    let details = crate::parallel::map(
        plan.steps.iter().zip(&new_ids).collect(),
        |(step, id): (&Step, &Option<String>)| {
            serde_json::value::to_raw_value(&step.shown(id.as_deref())).expect("a step serialises")
        },
    );
    // And the new agents' signing keys.
    let adding = plan
        .steps
        .iter()
        .filter(|s| matches!(s, Step::AddAgent(_)))
        .count();
    let mut keys = KeyPair::generate_many(adding).into_iter();
    for ((step, details), id) in plan.steps.iter().zip(details).zip(new_ids) {
        let event = match step {
            Step::AddAgent(a) => {
                let key = add_agent(c, a, keys.next().expect("a key for each new agent"));
                touch.insert(a.name.clone());
                let mut event = Event::admin(Action::AgentAdd).agent(&a.name);
                event.agent_key = Some(key);
                event
            }
            Step::EditAgent { new, .. } => {
                new.apply_to(c.state.agent_mut(&new.name)?);
                touch.insert(new.name.clone());
                Event::admin(Action::AgentEdit).agent(&new.name)
            }
            Step::RemoveAgent(a) => Event::admin(Action::AgentRemove).agent(&a.name),
            Step::EditSecret { old, new } => {
                if old.openbao != new.openbao {
                    return Err(Error::usage(format!(
                        "secret {}: where its value comes from is set by `agentcred secret add`, not by apply",
                        new.name
                    ))
                    .hint(format!(
                        "write openbao = {} in the file as the vault has it (see `agentcred export-policy`), or remove and add the secret; nothing was changed",
                        old.openbao.as_deref().map_or_else(|| "nothing".to_string(), |t| format!("{t:?}"))
                    )));
                }
                let s = c
                    .state
                    .secrets
                    .get_mut(&new.name)
                    .ok_or_else(|| crate::vault::state::unknown_secret(&new.name))?;
                new.apply_to(s);
                s.updated_at = c.now;
                if old.env != new.env {
                    // The variable is in every envelope that carries the secret.
                    c.touch_grantees(&new.name)?;
                }
                Event::admin(Action::SecretEdit).secrets([new.name.as_str()])
            }
            Step::AddGrant(g) => {
                add_grant(c, g, id.expect("an id for each new grant"))?;
                // A new deny narrows what outstanding credentials may do, as `grant --deny` ends them.
                if g.deny {
                    revoke.insert(g.agent.clone());
                } else {
                    touch.insert(g.agent.clone());
                }
                Event::admin(Action::GrantAdd)
                    .agent(&g.agent)
                    .secrets([g.secret.as_str()])
            }
            Step::EditGrant { new: g, .. } => Event::admin(Action::GrantEdit)
                .agent(&g.agent)
                .secrets([g.secret.as_str()]),
            Step::RemoveGrant { old: g, .. } => Event::admin(Action::GrantRevoke)
                .agent(&g.agent)
                .secrets([g.secret.as_str()]),
        };
        events.push(event.details_text(details));
    }
    for agent in &revoke {
        if !removed_agents.contains(agent.as_str()) {
            c.revoke_outstanding(agent);
        }
    }
    for agent in touch.difference(&revoke) {
        if !removed_agents.contains(agent.as_str()) {
            c.touch(agent);
        }
    }
    events.push(
        Event::admin(Action::PolicyApply).details(serde_json::json!({
            "file": file,
            "sha256": sha256,
            "generation": plan.generation,
            "add": plan.count(Op::Add),
            "change": plan.count(Op::Change),
            "remove": plan.count(Op::Remove),
        })),
    );
    Ok((applied, events))
}

/// A new, active agent with its own signing key `key`, as `agent add` makes one; returns its
/// public key.
fn add_agent(c: &mut Change<'_>, spec: &AgentSpec, key: KeyPair) -> String {
    let mut agent = Agent {
        name: spec.name.clone(),
        description: None,
        status: Status::Active,
        created_at: c.now,
        policy: crate::agent::Policy::default(),
        signing_key: key.secret(),
        public_key: key.public().to_string(),
        keys: vec![],
        authority: None,
        superseded_authorities: vec![],
        envelope_generation: 0,
    };
    spec.apply_to(&mut agent);
    c.state.agents.insert(spec.name.clone(), agent);
    key.public().to_string()
}

/// Ids for new grants: `g_` and 40 random bits, as `grant` makes them, drawn for all of them in
/// one read of the random source. An id already taken is drawn again.
struct GrantIds {
    taken: HashSet<String>,
    pool: zeroize::Zeroizing<Vec<u8>>,
    used: usize,
}

impl GrantIds {
    const BYTES: usize = 5;

    fn new(c: &Change<'_>, count: usize) -> GrantIds {
        GrantIds {
            taken: if count == 0 {
                HashSet::new()
            } else {
                c.loaded_grants().map(|g| g.id.clone()).collect()
            },
            pool: crate::crypto::random_vec(Self::BYTES * count),
            used: 0,
        }
    }

    fn next(&mut self) -> String {
        loop {
            let id = match self.pool.get(self.used..self.used + Self::BYTES) {
                Some(bytes) => {
                    self.used += Self::BYTES;
                    format!("g_{}", crate::crypto::hex(bytes))
                }
                None => format!(
                    "g_{}",
                    crate::crypto::hex(&crate::crypto::random_bytes::<{ Self::BYTES }>())
                ),
            };
            if self.taken.insert(id.clone()) {
                return id;
            }
        }
    }
}

fn add_grant(c: &mut Change<'_>, spec: &GrantSpec, id: String) -> Result<()> {
    let mut grant = Grant {
        id,
        agent: String::new(),
        secret: String::new(),
        effect: Effect::Allow,
        actions: vec![],
        resources: vec![],
        max_ttl_secs: None,
        env: None,
        created_at: c.now,
        binding: crate::destination::Binding::default(),
    };
    spec.apply_to(&mut grant);
    c.add_grant(grant)
}
