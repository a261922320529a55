//! The fields of each record of a policy file, one table per record: each field's name, what it
//! means, what values it takes, and how to read it from the record in its normal form.
//!
//! Everything that shows or compares a field goes through these tables: the exported file, the
//! plan's `old → new` lines, the audit details of a change and the JSON Schema. A field added to a
//! record is one line in its table (beside one line in the struct, in `of` reading it from the
//! vault, and in `apply_to` writing it back); the tests check the tables against the structs.

use super::{AgentSpec, GrantSpec, SecretSpec};

/// A field's value, in the normal form the plan compares. `None` is "not set" (or the default),
/// which the exported file leaves out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    None,
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

impl Val {
    fn opt(value: &Option<String>) -> Val {
        value.clone().map_or(Val::None, Val::Str)
    }

    fn list(value: &Option<Vec<String>>) -> Val {
        value.clone().map_or(Val::None, Val::List)
    }

    /// The value as TOML writes it (`"1h"`, `true`, `["read", "write"]`), or `(none)`.
    pub fn toml(&self) -> String {
        match self {
            Val::None => "(none)".to_string(),
            Val::Str(s) => quote(s),
            Val::Bool(b) => b.to_string(),
            Val::List(items) => {
                let items: Vec<String> = items.iter().map(|s| quote(s)).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    /// The value as JSON (for `plan --json` and the audit details).
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a value serialises")
    }
}

/// `null`, a string, a boolean or a list of strings.
impl serde::Serialize for Val {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::None => serializer.serialize_unit(),
            Val::Str(s) => serializer.serialize_str(s),
            Val::Bool(b) => serializer.serialize_bool(*b),
            Val::List(items) => items.serialize(serializer),
        }
    }
}

/// A TOML basic string: `"` and `\` escaped, and every control character (TOML allows none
/// unescaped but tab, which is escaped too). Written by hand: a plan or an export quotes hundreds
/// of thousands of values.
fn quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What values a field takes: the JSON Schema of each (see `schema.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    AgentName,
    SecretName,
    Text,
    Duration,
    RateLimit,
    Env,
    Bool,
    Actions,
    Resources,
    Hosts,
    Delivery,
    Methods,
    Paths,
}

pub struct Field<R> {
    pub name: &'static str,
    pub doc: &'static str,
    pub ty: Ty,
    /// Part of the record's identity (its name, or a grant's agent and secret): always written,
    /// never shown as a change.
    pub key: bool,
    pub get: fn(&R) -> Val,
}

#[rustfmt::skip]
pub const AGENT: &[Field<AgentSpec>] = &[
    Field { name: "name", doc: "The agent's name: 1-63 characters of a-z 0-9 . _ -, starting with a letter or digit", ty: Ty::AgentName, key: true, get: |a| Val::Str(a.name.clone()) },
    Field { name: "description", doc: "What the agent is for", ty: Ty::Text, key: false, get: |a| Val::opt(&a.description) },
    Field { name: "max_ttl", doc: "The longest credential the agent may hold, e.g. \"1h\"", ty: Ty::Duration, key: false, get: |a| Val::opt(&a.max_ttl) },
    Field { name: "rate_limit", doc: "At most this many mints and execs: N/s, N/m or N/h, e.g. \"60/m\"", ty: Ty::RateLimit, key: false, get: |a| Val::opt(&a.rate_limit) },
    Field { name: "suspend_on_anomaly", doc: "Suspend the agent when the anomaly detector fires", ty: Ty::Bool, key: false, get: |a| if a.suspend_on_anomaly { Val::Bool(true) } else { Val::None } },
];

#[rustfmt::skip]
pub const SECRET: &[Field<SecretSpec>] = &[
    Field { name: "name", doc: "The secret's name: 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit", ty: Ty::SecretName, key: true, get: |s| Val::Str(s.name.clone()) },
    Field { name: "env", doc: "The environment variable the value is injected as [default: the name, upper-cased, with . and - as _]", ty: Ty::Env, key: false, get: |s| Val::opt(&s.env) },
    Field { name: "max_age", doc: "Flag the secret for rotation after this long, e.g. \"90d\"", ty: Ty::Duration, key: false, get: |s| Val::opt(&s.max_age) },
    Field { name: "hosts", doc: "Where the value may ever be sent: host names or *.domain, each with an optional :port", ty: Ty::Hosts, key: false, get: |s| Val::list(&s.hosts) },
    Field { name: "delivery", doc: "\"env\" (the program holds the value) or \"broker\" (it holds a placeholder; needs hosts) [default: \"env\"]", ty: Ty::Delivery, key: false, get: |s| Val::opt(&s.delivery) },
    Field { name: "placeholder_prefix", doc: "A non-secret prefix the placeholder keeps, e.g. \"sk-\"", ty: Ty::Text, key: false, get: |s| Val::opt(&s.placeholder_prefix) },
    Field { name: "openbao", doc: "Where OpenBao provides the value, as `agentcred secret add` set it: \"token policies=P[,P…] [num_uses=N]\", \"lease PATH FIELD=VAR[,…]\" or \"kv MOUNT/PATH#FIELD [cache=30s]\" (apply does not change it)", ty: Ty::Text, key: false, get: |s| Val::opt(&s.openbao) },
];

#[rustfmt::skip]
pub const GRANT: &[Field<GrantSpec>] = &[
    Field { name: "agent", doc: "The agent granted (one of [[agents]])", ty: Ty::AgentName, key: true, get: |g| Val::Str(g.agent.clone()) },
    Field { name: "secret", doc: "The secret granted (one of [[secrets]])", ty: Ty::SecretName, key: true, get: |g| Val::Str(g.secret.clone()) },
    Field { name: "deny", doc: "An explicit deny, which beats every allow", ty: Ty::Bool, key: true, get: |g| if g.deny { Val::Bool(true) } else { Val::None } },
    Field { name: "actions", doc: "Allowed (or denied) actions: verbs such as read or write, or * [default: [\"read\"]]", ty: Ty::Actions, key: false, get: |g| Val::List(g.actions.clone()) },
    Field { name: "resources", doc: "Resources: names, or prefixes ending in *; * alone is every resource [default: [\"*\"]]", ty: Ty::Resources, key: false, get: |g| Val::List(g.resources.clone()) },
    Field { name: "max_ttl", doc: "The longest credential this grant allows, e.g. \"15m\" (not on a deny)", ty: Ty::Duration, key: false, get: |g| Val::opt(&g.max_ttl) },
    Field { name: "env", doc: "Inject the secret under this variable for this agent [default: the secret's] (not on a deny)", ty: Ty::Env, key: false, get: |g| Val::opt(&g.env) },
    Field { name: "hosts", doc: "Narrow the secret's hosts for this agent (within them; not on a deny)", ty: Ty::Hosts, key: false, get: |g| Val::list(&g.hosts) },
    Field { name: "methods", doc: "Only these HTTP methods through the broker, e.g. [\"GET\"] (not on a deny)", ty: Ty::Methods, key: false, get: |g| Val::list(&g.methods) },
    Field { name: "paths", doc: "Only these paths through the broker: exact, or ending in /* for a subtree (not on a deny)", ty: Ty::Paths, key: false, get: |g| Val::list(&g.paths) },
];

/// A field whose value differs between two records: its name, old and new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    pub name: &'static str,
    pub old: Val,
    pub new: Val,
}

/// The fields that differ between `old` and `new`, in table order.
pub fn diff<R>(table: &[Field<R>], old: &R, new: &R) -> Vec<Diff> {
    table
        .iter()
        .filter(|f| !f.key)
        .filter_map(|f| {
            let (o, n) = ((f.get)(old), (f.get)(new));
            (o != n).then_some(Diff {
                name: f.name,
                old: o,
                new: n,
            })
        })
        .collect()
}

/// Every field of `record` that is set, in table order (the key fields too if `keys`).
pub fn set<R>(table: &[Field<R>], record: &R, keys: bool) -> Vec<(&'static str, Val)> {
    table
        .iter()
        .filter(|f| keys || !f.key)
        .map(|f| (f.name, (f.get)(record)))
        .filter(|(_, v)| *v != Val::None)
        .collect()
}

/// The record's fields as a JSON object (set fields only).
pub fn json<R>(table: &[Field<R>], record: &R) -> serde_json::Value {
    set(table, record, true)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.json()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}
