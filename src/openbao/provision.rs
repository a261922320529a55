//! Filling a decided credential's OpenBao values: a token created, a lease read, a KV field read,
//! and the record of what must be revoked when the credential ends written before any value is
//! released.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};

use chrono::{DateTime, Utc};

use super::handles::{self, Handle, Record};
use super::{Client, Source};
use crate::credential::Plan;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// What provisioning left in OpenBao: the record written (none when nothing is revocable).
pub struct Held {
    pub record: Option<Record>,
}

/// Who a credential is and how it may be revoked, for the record of what it holds.
pub struct Credential<'a> {
    pub vault_id: &'a str,
    pub id: &'a str,
    pub chain: &'a [String],
    pub revoke_key: Option<String>,
}

/// Fills the values of `plan`'s OpenBao secrets for `credential`. The record of what must be
/// revoked is written as each thing is created, so a crash in between leaves it for the sweep.
/// On an error nothing is kept: whatever was created is revoked (or, if OpenBao cannot be
/// reached for that, recorded as ended for the sweep) and no value is left in the plan.
pub fn provision(
    vault_dir: &std::path::Path,
    credential: &Credential<'_>,
    plan: &mut Plan,
    now: DateTime<Utc>,
) -> Result<Held> {
    if !plan.secrets.iter().any(|s| s.source.is_some()) {
        return Ok(Held { record: None });
    }
    let settings = crate::settings::Settings::load(vault_dir)?.openbao;
    let client = Client::new(&settings)?;
    let mut record = Record {
        credential: credential.id.to_string(),
        agent: plan.agent.clone(),
        vault: credential.vault_id.to_string(),
        expires_at: plan.expires_at,
        chain: credential.chain.to_vec(),
        revoke_key: credential.revoke_key.clone(),
        handles: Vec::new(),
    };
    let result = fill(
        &client,
        settings.token_role.as_deref(),
        vault_dir,
        &mut record,
        plan,
        now,
    );
    if let Err(e) = result {
        for s in plan.secrets.iter_mut().filter(|s| s.source.is_some()) {
            s.value = SecretText::new(String::new());
        }
        if !record.handles.is_empty() {
            if handles::revoke(&client, &record, false).is_ok() {
                let _ = handles::forget(vault_dir, &record.credential);
            } else {
                // Ended now, for the sweep to revoke once OpenBao answers.
                record.expires_at = now;
                let _ = handles::write(vault_dir, &record);
            }
        }
        return Err(e);
    }
    client.keep_alive(&vault_dir.join(handles::DIR).join(".renewed"));
    Ok(Held {
        record: (!record.handles.is_empty()).then_some(record),
    })
}

fn fill(
    client: &Client,
    role: Option<&str>,
    vault_dir: &std::path::Path,
    record: &mut Record,
    plan: &mut Plan,
    now: DateTime<Utc>,
) -> Result<()> {
    // From now, not from the plan's time: what OpenBao creates never outlives the credential.
    let ttl = (plan.expires_at - now).num_seconds().max(1);
    let agent = plan.agent.clone();
    let (vault_id, id) = (record.vault.clone(), record.credential.clone());
    let mut done: Vec<String> = Vec::new();
    for i in 0..plan.secrets.len() {
        let Some(source) = plan.secrets[i].source.clone() else {
            continue;
        };
        let name = plan.secrets[i].name.clone();
        if done.contains(&name) {
            continue;
        }
        done.push(name.clone());
        match source {
            Source::Token { policies, num_uses } => {
                let mut body = json!({
                    "policies": policies,
                    "ttl": format!("{ttl}s"),
                    "explicit_max_ttl": format!("{ttl}s"),
                    "renewable": false,
                    "display_name": format!("agentcred-{agent}"),
                    "meta": {
                        "agentcred_agent": agent,
                        "agentcred_credential": id,
                        "agentcred_vault": vault_id,
                        "agentcred_secret": name,
                    },
                });
                if let Some(n) = num_uses {
                    body["num_uses"] = n.into();
                }
                let path = match role {
                    Some(r) => format!("auth/token/create/{r}"),
                    None => "auth/token/create".into(),
                };
                let mut answer = client.ok(
                    "POST",
                    &path,
                    Some(&body),
                    &format!("creating a token for secret {name}"),
                )?;
                let token = take_text(answer.pointer_mut("/auth/client_token"));
                let accessor = answer.pointer("/auth/accessor").and_then(Value::as_str);
                let (Some(token), Some(accessor)) = (token, accessor) else {
                    return Err(client.failed(
                        &format!("creating a token for secret {name}"),
                        "no token in the answer",
                    ));
                };
                record.handles.push(Handle::Token {
                    secret: name.clone(),
                    accessor: accessor.to_string(),
                });
                handles::write(vault_dir, record)?;
                plan.secrets[i].value = token;
            }
            Source::Lease { path, .. } => {
                let what = format!("reading a lease from {path} for secret {name}");
                let mut answer = client.ok("GET", &path, None, &what)?;
                let lease_id = answer
                    .get("lease_id")
                    .and_then(Value::as_str)
                    .filter(|l| !l.is_empty());
                if let Some(l) = lease_id {
                    let renewable = answer
                        .get("renewable")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    let mut duration = answer
                        .get("lease_duration")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    record.handles.push(Handle::Lease {
                        secret: name.clone(),
                        lease_id: l.to_string(),
                        duration_secs: duration,
                        renewable,
                    });
                    handles::write(vault_dir, record)?;
                    // A lease longer than the credential is brought down to it, so that it ends
                    // with the credential even if nothing is left to revoke it.
                    if renewable && duration > ttl as u64 {
                        let body = json!({ "lease_id": l, "increment": ttl });
                        if let Ok(r) = client.call("PUT", "sys/leases/renew", Some(&body))
                            && r.status == 200
                        {
                            duration = r
                                .body
                                .get("lease_duration")
                                .and_then(Value::as_u64)
                                .unwrap_or(duration);
                            if let Some(Handle::Lease { duration_secs, .. }) =
                                record.handles.last_mut()
                            {
                                *duration_secs = duration;
                            }
                        }
                    }
                } else {
                    return Err(client.failed(
                        &what,
                        format!("{path} gave no lease: use --openbao-kv for static values"),
                    ));
                }
                let mut data = answer
                    .get_mut("data")
                    .map(Value::take)
                    .unwrap_or(Value::Null);
                for s in plan.secrets.iter_mut().filter(|s| s.name == name) {
                    let field = s.field.clone().unwrap_or_default();
                    let v = take_text(data.get_mut(&field)).ok_or_else(|| {
                        client.failed(&what, format!("the lease has no field {field:?}"))
                    })?;
                    s.value = v;
                }
            }
            Source::Kv {
                mount,
                path,
                field,
                cache_secs,
            } => {
                let version = plan.secrets[i].version;
                let (value, read) =
                    read_kv(client, &mount, &path, &field, version, cache_secs, &name)?;
                plan.secrets[i].value = value;
                plan.secrets[i].version = read;
            }
        }
    }
    Ok(())
}

/// A field's value as text, moved out of the answer rather than copied (so the one copy left
/// is the one zeroized on drop): a string as it is, anything else as JSON.
fn take_text(v: Option<&mut Value>) -> Option<SecretText> {
    match v?.take() {
        Value::Null => None,
        Value::String(s) => Some(SecretText::new(s)),
        other => Some(SecretText::new(other.to_string())),
    }
}

type CacheKey = (String, String, String, String, u32);
type Cached = (Instant, SecretText, u32);

/// KV values read by this process, with when they were read: a long-running process (the MCP
/// server, the broker) reads a value at most once per cache time.
static CACHE: Mutex<Option<HashMap<CacheKey, Cached>>> = Mutex::new(None);

/// Reads `field` of `mount/path` at `version` (0: the newest), from the cache when it is fresh.
/// Returns the value and the version read.
pub fn read_kv(
    client: &Client,
    mount: &str,
    path: &str,
    field: &str,
    version: u32,
    cache_secs: u64,
    name: &str,
) -> Result<(SecretText, u32)> {
    let key = (
        format!("{} {}", client.address(), client.namespace().unwrap_or("")),
        mount.to_string(),
        path.to_string(),
        field.to_string(),
        version,
    );
    if cache_secs > 0
        && let Some((at, v, n)) = CACHE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .and_then(|c| c.get(&key))
        && at.elapsed().as_secs() < cache_secs
    {
        return Ok((v.clone(), *n));
    }
    let what = format!("reading {mount}/{path} for secret {name}");
    let query = if version > 0 {
        format!("{mount}/data/{path}?version={version}")
    } else {
        format!("{mount}/data/{path}")
    };
    let reply = client.call("GET", &query, None)?;
    if reply.status == 404 {
        let why = if version > 0 {
            format!("version {version} of {mount}/{path} does not exist or was deleted")
        } else {
            format!("{mount}/{path} does not exist")
        };
        return Err(client.failed(&what, why));
    }
    if reply.status != 200 {
        return Err(client.failed(&what, reply.errors()));
    }
    let read = reply
        .body
        .pointer("/data/metadata/version")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(version);
    let mut body = reply.body;
    let value = take_text(
        body.pointer_mut("/data/data")
            .and_then(|d| d.get_mut(field)),
    )
    .ok_or_else(|| {
        client.failed(
            &what,
            format!("version {read} of {mount}/{path} has no field {field:?}"),
        )
    })?;
    if cache_secs > 0 {
        CACHE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert_with(HashMap::new)
            .insert(key, (Instant::now(), value.clone(), read));
    }
    Ok((value, read))
}

/// The newest version of `mount/path` and its whole data, for a rotation that changes one field.
pub fn read_kv_all(client: &Client, mount: &str, path: &str) -> Result<(u32, Value)> {
    let what = format!("reading {mount}/{path}");
    let body = client.ok("GET", &format!("{mount}/data/{path}"), None, &what)?;
    let version = body
        .pointer("/data/metadata/version")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| client.failed(&what, "no version in the answer"))?;
    let data = body
        .pointer("/data/data")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    Ok((version, data))
}

/// Writes `data` as the version after `read` (check-and-set): refused, exit 3, when someone
/// else wrote a version since. Returns the new version.
pub fn write_kv_cas(
    client: &Client,
    mount: &str,
    path: &str,
    data: Value,
    read: u32,
    name: &str,
) -> Result<u32> {
    let body = json!({ "options": { "cas": read }, "data": data });
    let what = format!("writing {mount}/{path} for secret {name}");
    let reply = client.call("POST", &format!("{mount}/data/{path}"), Some(&body))?;
    if reply.status == 400 && reply.errors().contains("check-and-set") {
        let now = read_kv_all(client, mount, path)
            .map(|(v, _)| v.to_string())
            .unwrap_or_else(|_| "a newer one".into());
        return Err(Error::denied(format!(
            "secret {name}: OpenBao holds version {now} of {mount}/{path}, not version {read} this rotation read: another rotation won"
        ))
        .hint(format!(
            "nothing was written; check the new value, then rotate again if it still needs it (`agentcred secret show {name}`)"
        )));
    }
    if !(200..300).contains(&reply.status) {
        return Err(client.failed(&what, reply.errors()));
    }
    reply
        .body
        .pointer("/data/version")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| client.failed(&what, "no version in the answer"))
}
