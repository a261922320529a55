//! The Model Context Protocol as `agentcred mcp` speaks it: JSON-RPC 2.0 messages, one a line,
//! on stdin and stdout; the version handshake; the two tools' definitions; and the
//! `{{secret:NAME}}` templates an `http_request` names secrets with.
//!
//! Only what a tool server needs is here: `initialize`, `ping`, `tools/list` and `tools/call`
//! answered, notifications accepted and ignored, anything else refused with the JSON-RPC codes.
//! What the tools do is the command's (`cmd/mcp.rs`); the HTTP client is [`client`].

pub mod client;

use serde_json::{Value, json};

/// The protocol revisions this server speaks, newest first: a client asking for one of them
/// gets it, any other client the newest.
pub const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// One message from the client.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// A request: it gets exactly one answer with its id.
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// A notification (`notifications/initialized`, `notifications/cancelled`): no answer.
    Notification { method: String },
    /// An answer to a request of ours: this server sends none, so it is ignored.
    Response,
}

/// Reads one line; `Err` is the error answer to send.
pub fn parse(line: &str) -> Result<Incoming, Value> {
    let value: Value = serde_json::from_str(line)
        .map_err(|_| error(Value::Null, PARSE_ERROR, "Parse error: not JSON"))?;
    let Value::Object(map) = value else {
        return Err(error(
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: a message is one JSON object (batches are not supported)",
        ));
    };
    let id = map.get("id").cloned();
    if map.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(error(
            id.unwrap_or(Value::Null),
            INVALID_REQUEST,
            "Invalid Request: jsonrpc must be \"2.0\"",
        ));
    }
    let id_ok = |id: &Value| id.is_string() || id.is_i64() || id.is_u64();
    match (map.get("method"), id) {
        (Some(Value::String(method)), None) => Ok(Incoming::Notification {
            method: method.clone(),
        }),
        (Some(Value::String(method)), Some(id)) if id_ok(&id) => Ok(Incoming::Request {
            id,
            method: method.clone(),
            params: map.get("params").cloned().unwrap_or(Value::Null),
        }),
        (None, Some(_)) if map.contains_key("result") || map.contains_key("error") => {
            Ok(Incoming::Response)
        }
        (_, id) => Err(error(
            id.filter(id_ok).unwrap_or(Value::Null),
            INVALID_REQUEST,
            "Invalid Request: needs a string method and a string or integer id",
        )),
    }
}

pub fn result(id: Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

pub fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// The answer to `initialize`: the client's revision when this server speaks it, else the newest.
pub fn initialize(params: &Value) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let version = asked
        .filter(|v| VERSIONS.contains(v))
        .unwrap_or(VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": { "name": "agentcred", "version": env!("CARGO_PKG_VERSION") },
        "instructions": "Call list_credentials to see which secrets you may use and where. \
    In http_request, write {{secret:NAME}} where a secret's value belongs (in the URL or a header \
    value); agentcred puts the value in on the way to the secret's bound hosts. You never see the \
    value.",
    })
}

/// The tools, for `tools/list`.
pub fn tools() -> Value {
    json!({ "tools": [
        {
            "name": "http_request",
            "title": "HTTP request with brokered secrets",
            "description": "Send an HTTP request. Write {{secret:NAME}} in the URL or in a header \
    value where the value of secret NAME belongs (e.g. \"Authorization\": \"Bearer {{secret:api}}\"); \
    it is put in only for the hosts the secret is bound to (see list_credentials). The body is sent \
    as is and never searched for templates. Returns the status, headers and body, with any secret \
    value masked. A refused request (a host outside the binding, a method or path the grant does not \
    allow, the rate limit, an expired or revoked credential) is an error naming the reason.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "method": { "type": "string", "description": "GET, POST, PUT, PATCH, DELETE, HEAD, …" },
                    "url": { "type": "string", "description": "An absolute http:// or https:// URL" },
                    "headers": {
                        "type": "object",
                        "additionalProperties": { "type": "string" },
                        "description": "Request headers, name to value"
                    },
                    "body": { "type": "string", "description": "The request body, sent as is" }
                },
                "required": ["method", "url"]
            }
        },
        {
            "name": "list_credentials",
            "title": "The secrets this server may use",
            "description": "The secrets of the current credential (names, variables, the hosts, \
    methods and paths each may be sent to, delivery), its scope and its expiry. Never a value.",
            "inputSchema": { "type": "object", "properties": {} }
        }
    ]})
}

/// A `tools/call` result holding one text.
pub fn tool_text(text: String, is_error: bool) -> Value {
    json!({ "content": [ { "type": "text", "text": text } ], "isError": is_error })
}

/// Replaces each `{{secret:NAME}}` in `text` with `lookup(NAME)`; returns the text and the names
/// used, or the first name `lookup` refused (with its reason).
pub fn fill(
    text: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
    used: &mut Vec<String>,
) -> Result<String, String> {
    const OPEN: &str = "{{secret:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let Some(end) = after.find("}}") else {
            return Err("a {{secret: template has no closing }}".into());
        };
        let name = after[..end].trim();
        out.push_str(&lookup(name)?);
        if !used.iter().any(|u| u == name) {
            used.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_told_apart_and_bad_ones_answered_with_their_codes() {
        let req = parse(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
        assert_eq!(
            req,
            Incoming::Request {
                id: json!(1),
                method: "ping".into(),
                params: Value::Null
            }
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap(),
            Incoming::Notification {
                method: "notifications/initialized".into()
            }
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap(),
            Incoming::Response
        );
        let code = |line: &str| parse(line).unwrap_err()["error"]["code"].as_i64().unwrap();
        assert_eq!(code("{not json"), PARSE_ERROR);
        assert_eq!(code("[]"), INVALID_REQUEST);
        assert_eq!(code(r#"{"id":1,"method":"ping"}"#), INVALID_REQUEST);
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":3}"#),
            INVALID_REQUEST
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#),
            INVALID_REQUEST
        );
    }

    #[test]
    fn the_version_asked_for_is_answered_when_spoken_else_the_newest() {
        for v in VERSIONS {
            assert_eq!(
                initialize(&json!({ "protocolVersion": v }))["protocolVersion"],
                *v
            );
        }
        assert_eq!(
            initialize(&json!({ "protocolVersion": "1999-01-01" }))["protocolVersion"],
            VERSIONS[0]
        );
        assert_eq!(initialize(&Value::Null)["serverInfo"]["name"], "agentcred");
    }

    #[test]
    fn templates_are_filled_and_unknown_names_refused() {
        let lookup = |n: &str| match n {
            "api" => Ok("PH".to_string()),
            other => Err(format!("no {other}")),
        };
        let mut used = Vec::new();
        assert_eq!(
            fill("Bearer {{secret:api}} {{secret: api }}", &lookup, &mut used).unwrap(),
            "Bearer PH PH"
        );
        assert_eq!(used, ["api"]);
        assert_eq!(
            fill("x{{secret:db}}", &lookup, &mut used).unwrap_err(),
            "no db"
        );
        assert!(fill("x{{secret:api", &lookup, &mut used).is_err());
        assert_eq!(fill("{{other}}", &lookup, &mut used).unwrap(), "{{other}}");
    }
}
