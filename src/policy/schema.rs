//! The JSON Schema of the policy file, for editors: generated from the field tables, so that it
//! names exactly the fields the file is read with (the tests check the tables against the
//! records' own fields, and the committed `schema/policy.schema.json` against this).

use serde_json::{Value, json};

use super::fields::{self, Field, Ty};

fn of(ty: Ty) -> Value {
    match ty {
        Ty::AgentName => json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$" }),
        Ty::SecretName => {
            json!({ "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" })
        }
        Ty::Text => json!({ "type": "string" }),
        Ty::Duration => json!({ "type": "string", "pattern": "^\\s*([0-9]+[smhdw])+\\s*$" }),
        Ty::RateLimit => json!({ "type": "string", "pattern": "^\\s*[0-9]+\\s*/\\s*[smh]\\s*$" }),
        Ty::Env => json!({ "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,254}$" }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Actions => json!({
            "type": "array",
            "minItems": 1,
            "items": { "type": "string", "pattern": "^(\\*|[a-z0-9._-]{1,64})$" }
        }),
        Ty::Hosts => json!({
            "type": "array",
            "items": { "type": "string", "pattern": "^(\\*\\.)?[A-Za-z0-9.:\\[\\]_-]+$" },
        }),
        Ty::Delivery => json!({ "enum": ["env", "broker"] }),
        Ty::Methods => json!({
            "type": "array",
            "items": { "type": "string", "pattern": "^[A-Za-z!#$%&'*+.^_`|~0-9-]+$" },
        }),
        Ty::Paths => json!({
            "type": "array",
            "items": { "type": "string", "pattern": "^/" },
        }),
        Ty::Resources => json!({
            "type": "array",
            "minItems": 1,
            "items": { "type": "string", "pattern": "^([A-Za-z0-9.:_/@+=-]{1,256}|[A-Za-z0-9.:_/@+=-]{0,256}\\*)$" }
        }),
    }
}

fn record<R>(description: &str, table: &[Field<R>]) -> Value {
    let properties: serde_json::Map<String, Value> = table
        .iter()
        .map(|f| {
            let mut schema = of(f.ty);
            schema["description"] = f.doc.into();
            (f.name.to_string(), schema)
        })
        .collect();
    let required: Vec<&str> = table
        .iter()
        .filter(|f| f.key && f.ty != Ty::Bool)
        .map(|f| f.name)
        .collect();
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

/// The schema, as `agentcred policy schema` prints it.
pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "agentcred policy",
        "description": "The agents, their limits, the secrets' metadata (never values) and the grants of an agentcred vault, as `agentcred export-policy` writes them and `agentcred plan` and `agentcred apply` read them.",
        "type": "object",
        "additionalProperties": false,
        "required": ["version"],
        "properties": {
            "version": { "const": 1, "description": "The format of the file: 1" },
            "agents": { "type": "array", "items": { "$ref": "#/$defs/agent" }, "description": "The agents, by name" },
            "secrets": { "type": "array", "items": { "$ref": "#/$defs/secret" }, "description": "The secrets' metadata, by name" },
            "grants": { "type": "array", "items": { "$ref": "#/$defs/grant" }, "description": "The grants, joined to agents and secrets by name" },
        },
        "$defs": {
            "agent": record("An agent: a principal credentials are issued to", fields::AGENT),
            "secret": record("A secret's metadata; its value is stored with `agentcred secret set`", fields::SECRET),
            "grant": record("A grant of one secret to one agent, with a scope", fields::GRANT),
        }
    })
}

/// The schema as the committed file holds it.
pub fn text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).expect("a JSON value serialises");
    text.push('\n');
    text
}
