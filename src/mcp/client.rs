//! The HTTP client of `agentcred mcp`: it sends each `http_request` through the run's broker, as
//! any program under `exec --broker` would, so the broker's gate checks and records it. An
//! `https` URL is a CONNECT to the proxy and TLS inside it, trusting the trust bundle (the system
//! roots and the run's CA) and any `--upstream-ca`; an `http` URL is an absolute-form request to
//! the proxy. Connections are kept and reused while they stay open.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most of a response body handed back to the client.
pub const MAX_BODY: usize = 1024 * 1024;

/// How long one request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// A response (or the proxy's refusal of a CONNECT).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than [`MAX_BODY`] and was cut there.
    pub truncated: bool,
}

type Sender = SendRequest<Full<Bytes>>;

/// Where a kept connection goes: a CONNECT tunnel's `(host, port)`, or the proxy itself for
/// plain http (`None`).
type PoolKey = Option<(String, u16)>;

pub struct Client {
    proxy: SocketAddr,
    /// `Basic …` for `Proxy-Authorization`: the run's proxy credential.
    proxy_auth: SecretString,
    tls: tokio_rustls::TlsConnector,
    /// Open connections: through a CONNECT tunnel per `(host, port)`, or to the proxy itself
    /// for plain http (`None`).
    idle: Mutex<HashMap<PoolKey, Vec<Sender>>>,
}

impl Client {
    /// A client of the proxy at `proxy_url` (`http://agentcred:TOKEN@127.0.0.1:PORT`),
    /// trusting the certificates (DER) given.
    pub fn new(proxy_url: &SecretString, roots: &[Vec<u8>]) -> Result<Client, String> {
        let url = proxy_url.expose_secret();
        let rest = url
            .strip_prefix("http://")
            .ok_or("the proxy URL is not http://")?;
        let (auth, addr) = rest
            .rsplit_once('@')
            .ok_or("the proxy URL has no credential")?;
        let proxy: SocketAddr = addr
            .trim_end_matches('/')
            .parse()
            .map_err(|_| "the proxy URL has no address".to_string())?;
        let proxy_auth = SecretString::from(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(auth)
        ));
        let mut store = rustls::RootCertStore::empty();
        for der in roots {
            // A bundle may hold a certificate rustls cannot read; the others still serve.
            let _ = store.add(rustls::pki_types::CertificateDer::from(der.clone()));
        }
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(store)
        .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Client {
            proxy,
            proxy_auth,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            idle: Mutex::new(HashMap::new()),
        })
    }

    /// Sends one request. `Err` is a failure to reach anything (no values in it).
    pub async fn send(
        &self,
        method: http::Method,
        uri: &http::Uri,
        headers: &[(String, String)],
        body: Option<&str>,
    ) -> Result<Response, String> {
        tokio::time::timeout(TIMEOUT, self.send_inner(method, uri, headers, body))
            .await
            .map_err(|_| format!("no response within {} s", TIMEOUT.as_secs()))?
    }

    async fn send_inner(
        &self,
        method: http::Method,
        uri: &http::Uri,
        headers: &[(String, String)],
        body: Option<&str>,
    ) -> Result<Response, String> {
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err("the URL must start with http:// or https://".into()),
        };
        let host = uri.host().ok_or("the URL has no host")?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let key = https.then(|| (host.clone(), port));
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let target = if https {
            uri.path_and_query()
                .map_or("/".to_string(), |p| p.as_str().to_string())
        } else {
            uri.to_string()
        };
        let mut req = http::Request::builder().method(method).uri(target);
        let mut has_host = false;
        for (k, v) in headers {
            has_host |= k.eq_ignore_ascii_case("host");
            req = req.header(k.as_str(), v.as_str());
        }
        if !has_host {
            req = req.header(http::header::HOST, authority);
        }
        if !https {
            req = req.header(
                http::header::PROXY_AUTHORIZATION,
                self.proxy_auth.expose_secret(),
            );
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or("").to_string())))
            .map_err(|_| "the method, a header name or a header value is not valid".to_string())?;
        // A kept connection the other end closed while it was idle fails before the request
        // is written: it is then sent again on a new one.
        let kept = match self.take(&key) {
            Some(mut s) => match s.try_send_request(req).await {
                Ok(resp) => Ok((s, resp)),
                Err(mut e) => match e.take_message() {
                    Some(req) => Err(req),
                    None => {
                        return Err(format!("the request failed: {}", chain(e.error())));
                    }
                },
            },
            None => Err(req),
        };
        let (sender, resp) = match kept {
            Ok(done) => done,
            Err(req) => {
                let mut sender = match self.open(https, &host, port).await? {
                    Ok(s) => s,
                    Err(refused) => return Ok(refused),
                };
                let resp = sender
                    .send_request(req)
                    .await
                    .map_err(|e| format!("the request failed: {}", chain(&e)))?;
                (sender, resp)
            }
        };
        let (parts, mut incoming) = resp.into_parts();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| format!("reading the response failed: {}", chain(&e)))?;
            if let Ok(data) = frame.into_data() {
                let room = MAX_BODY.saturating_sub(body.len());
                if data.len() > room {
                    truncated = true;
                }
                body.extend_from_slice(&data[..data.len().min(room)]);
            }
        }
        if !sender.is_closed() {
            self.put(key, sender);
        }
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            truncated,
        })
    }

    fn take(&self, key: &PoolKey) -> Option<Sender> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = idle.get_mut(key)?;
        while let Some(s) = list.pop() {
            if s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    fn put(&self, key: PoolKey, sender: Sender) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        idle.entry(key).or_default().push(sender);
    }

    /// A new connection; `Ok(Err(response))` when the proxy refused the CONNECT.
    async fn open(
        &self,
        https: bool,
        host: &str,
        port: u16,
    ) -> Result<Result<Sender, Response>, String> {
        let mut tcp = TcpStream::connect(self.proxy)
            .await
            .map_err(|e| format!("cannot reach the broker: {e}"))?;
        let _ = tcp.set_nodelay(true);
        if !https {
            return Ok(Ok(handshake(TokioIo::new(tcp)).await?));
        }
        let authority = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let connect = format!(
            "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nProxy-Authorization: {}\r\n\r\n",
            self.proxy_auth.expose_secret()
        );
        tcp.write_all(connect.as_bytes())
            .await
            .map_err(|e| format!("cannot reach the broker: {e}"))?;
        let (status, headers, mut rest) = read_head(&mut tcp).await?;
        if status != 200 {
            let length = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0)
                .min(MAX_BODY);
            while rest.len() < length {
                let mut buf = [0u8; 4096];
                match tcp.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => rest.extend_from_slice(&buf[..n]),
                }
            }
            rest.truncate(length);
            return Ok(Err(Response {
                status,
                headers,
                body: rest,
                truncated: false,
            }));
        }
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| format!("{host} is not a valid server name"))?;
        let tls = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {authority} failed: {}", chain(&e)))?;
        Ok(Ok(handshake(TokioIo::new(tls)).await?))
    }
}

async fn handshake<T>(io: TokioIo<T>) -> Result<Sender, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake failed: {}", chain(&e)))?;
    tokio::spawn(conn);
    Ok(sender)
}

/// Reads a response head from the proxy; returns the status, the headers and any bytes read past
/// the head.
async fn read_head(tcp: &mut TcpStream) -> Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > 64 * 1024 {
            return Err("the broker's answer to CONNECT is too long".into());
        }
        let mut chunk = [0u8; 1024];
        match tcp.read(&mut chunk).await {
            Ok(0) => return Err("the broker closed the connection".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("cannot read from the broker: {e}")),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let rest = buf[end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("the broker's answer to CONNECT is not HTTP")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok((status, headers, rest))
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
