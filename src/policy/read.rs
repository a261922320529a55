//! A reader for the plain TOML policy files are written in: `version = 1`, then `[[agents]]`,
//! `[[secrets]]` and `[[grants]]` tables of `key = value` lines whose values are basic strings
//! without escapes, booleans and one-line arrays of such strings, with comments and blank lines
//! between. `export-policy` writes exactly this, and so do most people.
//!
//! It reads such a file about ten times faster than a general TOML parser (a 10,000-agent policy
//! is 11 MB), and gives up on anything else: an escape, a literal or multi-line string, a
//! multi-line array, a dotted or quoted key, a key given twice or unknown, a value of the wrong
//! type, a record without its required fields. The caller then parses the file with the `toml`
//! crate, so every file means what TOML says it means and every error is reported by the same
//! parser. The tests hold the two to the same records, offsets included.

use super::{AgentSpec, GrantSpec, SecretSpec, default_actions, default_resources};

/// What a policy file holds, each record with its offset in the text (where its `[[…]]` header
/// starts) and the version with the offset of its value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub version: Option<(usize, i64)>,
    pub agents: Vec<(usize, AgentSpec)>,
    pub secrets: Vec<(usize, SecretSpec)>,
    pub grants: Vec<(usize, GrantSpec)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Agent,
    Secret,
    Grant,
}

/// A value as the plain subset writes it.
enum Value<'a> {
    Str(&'a str),
    Bool(bool),
    List(Vec<&'a str>),
    Int(i64),
}

/// The record being read: its kind, offset, and fields so far.
struct Open<'a> {
    kind: Kind,
    at: usize,
    fields: Vec<(&'a str, Value<'a>)>,
}

/// `text` read as the plain subset, or `None` if it is not in it (see the module's notes).
pub fn plain(text: &str) -> Option<Records> {
    if text.starts_with('\u{feff}') {
        return None;
    }
    let mut out = Records::default();
    let mut open: Option<Open> = None;
    let mut start = 0;
    while start < text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let mut line = &text[start..end];
        // A carriage return ends a line only before its newline.
        if let Some(l) = line.strip_suffix('\r').filter(|_| end < text.len()) {
            line = l;
        }
        // TOML allows no control character but tab, in comments as anywhere else.
        if line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return None;
        }
        let body = line.trim_start_matches([' ', '\t']);
        let at = start + (line.len() - body.len());
        start = end + 1;
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.starts_with('[') {
            // A header, at the start of its line (where the record's offset is taken).
            if body.len() != line.len() {
                return None;
            }
            let (kind, rest) = if let Some(r) = body.strip_prefix("[[agents]]") {
                (Kind::Agent, r)
            } else if let Some(r) = body.strip_prefix("[[secrets]]") {
                (Kind::Secret, r)
            } else if let Some(r) = body.strip_prefix("[[grants]]") {
                (Kind::Grant, r)
            } else {
                return None;
            };
            if !rest_of_line(rest) {
                return None;
            }
            if let Some(done) = open.take() {
                close(done, &mut out)?;
            }
            open = Some(Open {
                kind,
                at,
                fields: Vec::new(),
            });
            continue;
        }
        let key_len = body
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .unwrap_or(body.len());
        if key_len == 0 {
            return None;
        }
        let key = &body[..key_len];
        let rest = body[key_len..].trim_start_matches([' ', '\t']);
        let rest = rest.strip_prefix('=')?.trim_start_matches([' ', '\t']);
        let value_at = at + (body.len() - rest.len());
        let (value, rest) = value(rest)?;
        if !rest_of_line(rest) {
            return None;
        }
        match &mut open {
            None => {
                // The top level holds the version and nothing else, once.
                let (Value::Int(v), "version", None) = (value, key, &out.version) else {
                    return None;
                };
                out.version = Some((value_at, v));
            }
            Some(record) => {
                if record.fields.iter().any(|(k, _)| *k == key) {
                    return None;
                }
                record.fields.push((key, value));
            }
        }
    }
    if let Some(done) = open {
        close(done, &mut out)?;
    }
    Some(out)
}

/// After a header or a value: nothing but spaces and a comment.
fn rest_of_line(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// A value at the start of `s`, and what follows it.
fn value(s: &str) -> Option<(Value<'_>, &str)> {
    match s.as_bytes().first()? {
        b'"' => {
            let (text, rest) = string(s)?;
            Some((Value::Str(text), rest))
        }
        b'[' => {
            let mut items = Vec::new();
            let mut rest = s[1..].trim_start_matches([' ', '\t']);
            loop {
                if let Some(r) = rest.strip_prefix(']') {
                    return Some((Value::List(items), r));
                }
                let (item, r) = string(rest)?;
                items.push(item);
                rest = r.trim_start_matches([' ', '\t']);
                if let Some(r) = rest.strip_prefix(',') {
                    rest = r.trim_start_matches([' ', '\t']);
                } else if !rest.starts_with(']') {
                    return None;
                }
            }
        }
        b't' => s
            .strip_prefix("true")
            .filter(|r| ends_token(r))
            .map(|r| (Value::Bool(true), r)),
        b'f' => s
            .strip_prefix("false")
            .filter(|r| ends_token(r))
            .map(|r| (Value::Bool(false), r)),
        b'0'..=b'9' => {
            let digits = s.bytes().take_while(u8::is_ascii_digit).count();
            let (n, r) = s.split_at(digits);
            // No leading zero, sign, underscore, exponent or fraction: TOML would read those
            // differently or refuse them.
            if (n.len() > 1 && n.starts_with('0')) || !ends_token(r) {
                return None;
            }
            Some((Value::Int(n.parse().ok()?), r))
        }
        _ => None,
    }
}

/// Whether a bare value ends here (`true` is not `trueish`).
fn ends_token(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with([' ', '\t', '#', ',', ']'])
}

/// A basic string without escapes at the start of `s` (control characters were refused with the
/// line), and what follows it.
fn string(s: &str) -> Option<(&str, &str)> {
    // `"""` opens a multi-line string: left to the TOML parser, as is any escape.
    if s.starts_with("\"\"\"") {
        return None;
    }
    let inner = s.strip_prefix('"')?;
    let end = inner.find(['"', '\\'])?;
    if inner.as_bytes()[end] == b'\\' {
        return None;
    }
    Some((&inner[..end], &inner[end + 1..]))
}

/// The finished record `r` added to `out`, or `None` if it lacks a required field or has one it
/// does not take, or of the wrong type.
fn close(r: Open<'_>, out: &mut Records) -> Option<()> {
    match r.kind {
        Kind::Agent => {
            let mut a = AgentSpec::default();
            let mut named = false;
            for (key, v) in r.fields {
                match (key, v) {
                    ("name", Value::Str(s)) => {
                        a.name = s.to_string();
                        named = true;
                    }
                    ("description", Value::Str(s)) => a.description = Some(s.to_string()),
                    ("max_ttl", Value::Str(s)) => a.max_ttl = Some(s.to_string()),
                    ("rate_limit", Value::Str(s)) => a.rate_limit = Some(s.to_string()),
                    ("suspend_on_anomaly", Value::Bool(b)) => a.suspend_on_anomaly = b,
                    _ => return None,
                }
            }
            named.then(|| out.agents.push((r.at, a)))
        }
        Kind::Secret => {
            let mut s = SecretSpec::default();
            let mut named = false;
            for (key, v) in r.fields {
                match (key, v) {
                    ("name", Value::Str(t)) => {
                        s.name = t.to_string();
                        named = true;
                    }
                    ("env", Value::Str(t)) => s.env = Some(t.to_string()),
                    ("max_age", Value::Str(t)) => s.max_age = Some(t.to_string()),
                    ("hosts", Value::List(l)) => s.hosts = Some(owned(l)),
                    ("delivery", Value::Str(t)) => s.delivery = Some(t.to_string()),
                    ("placeholder_prefix", Value::Str(t)) => {
                        s.placeholder_prefix = Some(t.to_string());
                    }
                    ("openbao", Value::Str(t)) => s.openbao = Some(t.to_string()),
                    _ => return None,
                }
            }
            named.then(|| out.secrets.push((r.at, s)))
        }
        Kind::Grant => {
            let mut g = GrantSpec {
                agent: String::new(),
                secret: String::new(),
                deny: false,
                actions: Vec::new(),
                resources: Vec::new(),
                max_ttl: None,
                env: None,
                hosts: None,
                methods: None,
                paths: None,
            };
            let (mut agent, mut secret, mut actions, mut resources) = (false, false, false, false);
            for (key, v) in r.fields {
                match (key, v) {
                    ("agent", Value::Str(t)) => {
                        g.agent = t.to_string();
                        agent = true;
                    }
                    ("secret", Value::Str(t)) => {
                        g.secret = t.to_string();
                        secret = true;
                    }
                    ("deny", Value::Bool(b)) => g.deny = b,
                    ("actions", Value::List(l)) => {
                        g.actions = owned(l);
                        actions = true;
                    }
                    ("resources", Value::List(l)) => {
                        g.resources = owned(l);
                        resources = true;
                    }
                    ("max_ttl", Value::Str(t)) => g.max_ttl = Some(t.to_string()),
                    ("env", Value::Str(t)) => g.env = Some(t.to_string()),
                    ("hosts", Value::List(l)) => g.hosts = Some(owned(l)),
                    ("methods", Value::List(l)) => g.methods = Some(owned(l)),
                    ("paths", Value::List(l)) => g.paths = Some(owned(l)),
                    _ => return None,
                }
            }
            if !actions {
                g.actions = default_actions();
            }
            if !resources {
                g.resources = default_resources();
            }
            (agent && secret).then(|| out.grants.push((r.at, g)))
        }
    }
}

fn owned(list: Vec<&str>) -> Vec<String> {
    list.into_iter().map(str::to_string).collect()
}
