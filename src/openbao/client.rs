//! A small blocking client for OpenBao's HTTP API: the calls agentcred makes and nothing else.
//!
//! Built on the same hyper and rustls stack as the broker (no second TLS library, no `bao`
//! binary), on a single-threaded runtime that lives as long as the client. agentcred signs in
//! with a token read from a file or through AppRole; an AppRole token that expires or is revoked
//! underneath a long-running command is replaced by signing in again, once per call.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Value, json};

use super::Settings;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;

type Http = HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The largest answer read from OpenBao.
const MAX_BODY: usize = 1 << 20;

/// A signed-in connection to one OpenBao.
pub struct Client {
    address: String,
    namespace: Option<String>,
    http: Http,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
    auth: Auth,
    token: Mutex<Option<SecretText>>,
}

enum Auth {
    TokenFile(std::path::PathBuf),
    AppRole {
        mount: String,
        role_id: String,
        secret_id_file: std::path::PathBuf,
    },
}

/// An answer: the HTTP status and the JSON body (`null` when there is none).
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// OpenBao's own words for a refusal: its `errors` list, joined, never a value.
    pub fn errors(&self) -> String {
        match self.body.get("errors").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => {
                let text = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.lines().next().unwrap_or(s).to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                // Shown on a terminal and written to the log: no control characters, and short.
                let clean: String = text
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .take(300)
                    .collect();
                clean
            }
            _ => format!("HTTP {}", self.status),
        }
    }
}

impl Client {
    /// Reads the sign-in material and builds the connection; nothing is sent yet.
    pub fn new(settings: &Settings) -> Result<Client> {
        let address = settings.address()?.trim_end_matches('/').to_string();
        let uri: http::Uri = address.parse().map_err(|_| {
            Error::config(format!("[openbao] address {address:?} is not a URL"))
                .hint("for example address = \"https://bao.example.com:8200\"")
        })?;
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if is_loopback(uri.host().unwrap_or("")) => {}
            _ => {
                return Err(Error::config(format!(
                    "[openbao] address {address} must be https:// (http:// only on loopback)"
                ))
                .hint("OpenBao's answers carry tokens and values: use TLS, with ca_file for a private CA"));
            }
        }
        let auth = match (
            &settings.token_file,
            &settings.role_id,
            &settings.secret_id_file,
        ) {
            (Some(f), None, None) => Auth::TokenFile(f.clone()),
            (None, Some(role), Some(f)) => Auth::AppRole {
                mount: settings
                    .approle_mount
                    .clone()
                    .unwrap_or_else(|| "approle".into()),
                role_id: role.clone(),
                secret_id_file: f.clone(),
            },
            _ => {
                return Err(Error::config(
                    "[openbao] needs token_file, or role_id and secret_id_file (not both)",
                )
                .hint("token_file = \"~/.config/agentcred/bao-token\", or role_id = \"…\" and secret_id_file = \"…\""));
            }
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::other(format!("cannot start the OpenBao client: {e}")))?;
        let mut roots = rustls::RootCertStore::empty();
        if uri.scheme_str() == Some("https") {
            let system = crate::broker::bundle::SystemRoots::load(None)
                .map(|r| r.pem)
                .unwrap_or_default();
            roots.add_parsable_certificates(
                CertificateDer::pem_slice_iter(&system).filter_map(std::result::Result::ok),
            );
            if let Some(ca) = &settings.ca_file {
                let ca = expand(ca);
                let pem = std::fs::read(&ca)
                    .map_err(|e| Error::io("cannot read the OpenBao CA file", &ca, e))?;
                let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
                    .filter_map(std::result::Result::ok)
                    .collect();
                if certs.is_empty() {
                    return Err(Error::config(format!(
                        "{} holds no PEM certificate",
                        ca.display()
                    ))
                    .hint("[openbao] ca_file names the PEM file of the CA that signed OpenBao's certificate"));
                }
                roots.add_parsable_certificates(certs);
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(crate::broker::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::config(format!("TLS client for OpenBao: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let timeout = Duration::from_secs(settings.timeout_secs.unwrap_or(10).max(1));
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let http = {
            let _guard = runtime.enter();
            HyperClient::builder(TokioExecutor::new()).build(https)
        };
        Ok(Client {
            address,
            namespace: settings.namespace.clone().filter(|n| !n.is_empty()),
            http,
            runtime,
            timeout,
            auth,
            token: Mutex::new(None),
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The namespace calls are made in, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// `what` failed at OpenBao: exit 1, naming the address.
    pub fn failed(&self, what: &str, why: impl std::fmt::Display) -> Error {
        super::unavailable(&self.address, what, why)
    }

    /// Calls `method path` signed in, signing in again once if an AppRole token was refused.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Reply> {
        let token = self.token()?;
        let reply = self.send(method, path, body, Some(&token))?;
        if reply.status == 403 && matches!(self.auth, Auth::AppRole { .. }) {
            *self.lock_token() = None;
            let token = self.token()?;
            return self.send(method, path, body, Some(&token));
        }
        Ok(reply)
    }

    /// [`Client::call`], with any answer but 2xx turned into an error about `what`.
    pub fn ok(&self, method: &str, path: &str, body: Option<&Value>, what: &str) -> Result<Value> {
        let reply = self.call(method, path, body)?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(self.failed(what, reply.errors()))
        }
    }

    /// Renews agentcred's own token from its token file, at most once an hour (a stamp file
    /// says when it last was), so that a renewable token in daily use does not run out. An
    /// AppRole token is new in each process and needs none. Best effort: a failure is retried
    /// the next time.
    pub fn keep_alive(&self, stamp: &std::path::Path) {
        if !matches!(self.auth, Auth::TokenFile(_)) {
            return;
        }
        let fresh = std::fs::metadata(stamp)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < Duration::from_secs(3600));
        if fresh {
            return;
        }
        if let Some(dir) = stamp.parent()
            && crate::vault::fsio::private_subdir(dir).is_err()
        {
            return;
        }
        if let Ok(reply) = self.call("POST", "auth/token/renew-self", Some(&json!({})))
            && (reply.status == 200 || reply.errors().contains("not renewable"))
        {
            let _ = crate::vault::fsio::write_atomic(stamp, b"");
        }
    }

    fn lock_token(&self) -> std::sync::MutexGuard<'_, Option<SecretText>> {
        self.token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// agentcred's own token: read from its file, or from an AppRole sign-in.
    fn token(&self) -> Result<SecretText> {
        if let Some(t) = self.lock_token().as_ref() {
            return Ok(t.clone());
        }
        let token = match &self.auth {
            Auth::TokenFile(path) => {
                let path = expand(path);
                crate::vault::fsio::check_private(&path)?;
                let text = crate::unlock::read_secret_file(&path, "the OpenBao token file")?;
                let t = text.expose_secret().trim().to_string();
                if t.is_empty() {
                    return Err(Error::config(format!("{} is empty", path.display()))
                        .hint("write agentcred's OpenBao token into it"));
                }
                SecretText::new(t)
            }
            Auth::AppRole {
                mount,
                role_id,
                secret_id_file,
            } => {
                let path = expand(secret_id_file);
                crate::vault::fsio::check_private(&path)?;
                let secret_id =
                    crate::unlock::read_secret_file(&path, "the OpenBao AppRole secret id file")?;
                let body = json!({
                    "role_id": role_id,
                    "secret_id": secret_id.expose_secret().trim(),
                });
                let reply = self.send("POST", &format!("auth/{mount}/login"), Some(&body), None)?;
                if reply.status != 200 {
                    return Err(self.failed("AppRole sign-in", reply.errors()));
                }
                let t = reply
                    .body
                    .pointer("/auth/client_token")
                    .and_then(Value::as_str)
                    .ok_or_else(|| self.failed("AppRole sign-in", "no token in the answer"))?;
                SecretText::new(t.to_string())
            }
        };
        *self.lock_token() = Some(token.clone());
        Ok(token)
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        token: Option<&SecretText>,
    ) -> Result<Reply> {
        let uri = format!("{}/v1/{}", self.address, path.trim_start_matches('/'));
        let mut req = http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("X-Vault-Request", "true")
            .header("Content-Type", "application/json");
        if let Some(ns) = &self.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        if let Some(t) = token {
            let mut v = http::HeaderValue::from_str(t.expose_secret())
                .map_err(|_| Error::config("agentcred's OpenBao token is not a header value"))?;
            v.set_sensitive(true);
            req = req.header("X-Vault-Token", v);
        }
        let bytes = match body {
            Some(b) => Bytes::from(serde_json::to_vec(b).expect("JSON serialises")),
            None => Bytes::new(),
        };
        let req = req
            .body(Full::new(bytes))
            .map_err(|e| Error::other(format!("OpenBao request {path}: {e}")))?;
        let what = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let fut = async {
            let resp = self.http.request(req).await?;
            let status = resp.status().as_u16();
            // Every answer agentcred asks for is a few kilobytes: a larger one is refused.
            let body = http_body_util::Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await?
                .to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, body))
        };
        let (status, raw) = match self
            .runtime
            .block_on(async { tokio::time::timeout(self.timeout, fut).await })
        {
            Err(_) => {
                return Err(self.failed(
                    &what,
                    format!("no answer within {} s", self.timeout.as_secs()),
                ));
            }
            Ok(Err(e)) => return Err(self.failed(&what, reason(e.as_ref()))),
            Ok(Ok(r)) => r,
        };
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).map_err(|_| {
                self.failed(&what, format!("HTTP {status} with a body that is not JSON"))
            })?
        };
        Ok(Reply { status, body })
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Values and tokens the pool may still hold go with the runtime; ours is zeroized.
        *self.lock_token() = None;
    }
}

/// The innermost reason of a connection failure (`connection refused`), not hyper's wrapper.
fn reason(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        last = s.to_string();
        cur = s.source();
    }
    last
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `~/` at the start of a configured path is the home directory.
pub(super) fn expand(path: &std::path::Path) -> std::path::PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(address: &str) -> Settings {
        Settings {
            address: Some(address.into()),
            token_file: Some("/nonexistent".into()),
            ..Default::default()
        }
    }

    #[test]
    fn cleartext_is_refused_except_on_loopback() {
        assert!(Client::new(&settings("http://127.0.0.1:8200")).is_ok());
        assert!(Client::new(&settings("http://localhost:8200")).is_ok());
        let e = Client::new(&settings("http://bao.example:8200"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("https://"), "{e}");
    }

    #[test]
    fn one_way_to_sign_in_is_needed() {
        let mut s = settings("https://bao.example");
        s.token_file = None;
        assert!(Client::new(&s).is_err());
        s.role_id = Some("r".into());
        assert!(
            Client::new(&s).is_err(),
            "a role id without a secret id file"
        );
        s.secret_id_file = Some("/x".into());
        assert!(Client::new(&s).is_ok());
    }

    #[test]
    fn nothing_listening_is_an_error_naming_the_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("t");
        std::fs::write(&token, "root").unwrap();
        std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let c = Client::new(&Settings {
            address: Some(format!("http://127.0.0.1:{port}")),
            token_file: Some(token),
            ..Default::default()
        })
        .unwrap();
        let e = c.call("GET", "sys/health", None).err().unwrap();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    }
}
