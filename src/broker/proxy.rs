//! The proxy itself: the listener, proxy authentication, CONNECT (terminated for bound hosts,
//! tunnelled or refused for others) and the request path every forwarded request takes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use super::auth::{self, ProxyAuth};
use super::body::{Counted, ProxyBody, Tracked};
use super::bundle::{self, SystemRoots, TrustBundle};
use super::ca::PerRunCa;
use super::hosts::{self, HostPattern};
use super::replace::{self, Substitutions};
use super::upstream::{self, Client, Resolver, Roots};
use super::{
    Config, Egress, Gate, Outcome, Peer, Refusal, RequestInfo, ResponseFilter, Running, Scheme,
    UnboundTarget,
};
use crate::{Error, Result};

/// The switch `Running::close_gate` turns: checked before every request and CONNECT.
pub(crate) struct Control {
    closed: AtomicBool,
    refusal: Mutex<Option<Refusal>>,
}

impl Control {
    pub(crate) fn close(&self, refusal: Refusal) {
        *self.refusal.lock().expect("gate switch") = Some(refusal);
        self.closed.store(true, Ordering::Release);
    }

    fn check(&self) -> Option<Refusal> {
        if self.closed.load(Ordering::Acquire) {
            self.refusal.lock().expect("gate switch").clone()
        } else {
            None
        }
    }
}

struct Shared<G: Gate> {
    gate: G,
    hosts: Vec<HostPattern>,
    egress: Egress,
    subs: Substitutions,
    ca: PerRunCa,
    auth: ProxyAuth,
    control: Arc<Control>,
    filter: Option<ResponseFilter>,
    roots: Roots,
    resolver: Resolver,
    client: OnceLock<Client>,
    same_user: bool,
    uid: u32,
}

impl<G: Gate> Shared<G> {
    fn is_bound(&self, host: &str, port: u16) -> bool {
        self.hosts.iter().any(|h| h.matches(host, port))
    }

    fn client(&self) -> &Client {
        self.client.get_or_init(|| {
            upstream::client(&self.roots, self.resolver.clone())
                .expect("ring supports the default TLS versions")
        })
    }
}

pub(crate) fn start<G: Gate>(config: Config, gate: G) -> Result<Running> {
    if !auth::is_loopback(config.listen.ip()) {
        return Err(Error::config(format!(
            "the broker listens on loopback only, not {}",
            config.listen
        ))
        .hint("listen on 127.0.0.1 or [::1]"));
    }
    let system = SystemRoots::load(config.system_roots.as_deref())?;
    let roots = Roots::new(system.pem, config.upstream_ca.as_deref())?;
    let subs = Substitutions::new(config.substitutions)?;
    let ca = PerRunCa::generate(&config.hosts, config.ca_validity)?;
    let parent = config.bundle_parent.unwrap_or_else(bundle::default_parent);
    let trust = TrustBundle::write(&parent, &roots.system, ca.cert_pem())?;
    let ca_pem = ca.cert_pem().to_string();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers.max(1))
        .thread_name("agentcred-broker")
        .enable_all()
        .build()
        .map_err(|e| super::config_error("runtime", e))?;
    let listener = std::net::TcpListener::bind(config.listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| {
            Error::other(format!("cannot listen on {}: {e}", config.listen))
                .hint("choose another --listen address, or port 0 for any free port")
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::other(format!("cannot read the broker's address: {e}")))?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::other(format!("cannot listen on {addr}: {e}")))?
    };

    let control = Arc::new(Control {
        closed: AtomicBool::new(false),
        refusal: Mutex::new(None),
    });
    let shared = Arc::new(Shared {
        gate,
        hosts: config.hosts,
        egress: config.egress,
        subs,
        ca,
        auth: ProxyAuth::generate(),
        control: control.clone(),
        filter: config.response_filter,
        roots,
        resolver: Resolver::new(config.resolve),
        client: OnceLock::new(),
        same_user: config.same_user_only,
        uid: rustix::process::getuid().as_raw(),
    });
    // Build the upstream client off the request path, while the child starts.
    let warm = shared.clone();
    runtime.spawn_blocking(move || {
        warm.client();
    });
    runtime.spawn(accept(shared.clone(), listener));
    Ok(Running::new(
        addr,
        shared.auth.token(),
        ca_pem,
        control,
        runtime,
        trust,
    ))
}

async fn accept<G: Gate>(shared: Arc<Shared<G>>, listener: tokio::net::TcpListener) {
    loop {
        match listener.accept().await {
            Ok((tcp, peer)) => {
                tokio::spawn(serve_client(shared.clone(), tcp, peer));
            }
            // Out of file descriptors or the like: pause rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn serve_client<G: Gate>(shared: Arc<Shared<G>>, mut tcp: TcpStream, addr: SocketAddr) {
    let _ = tcp.set_nodelay(true);
    let mut peer = Peer { addr, uid: None };
    if shared.same_user {
        peer.uid = tcp
            .local_addr()
            .ok()
            .and_then(|ours| auth::peer_uid(addr, ours));
        if peer.uid != Some(shared.uid) {
            let refusal = Refusal::forbidden(
                "foreign_user",
                "this proxy serves only the user who started it",
            );
            let body = refusal_json(&refusal);
            let head = format!(
                "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = tcp.write_all(head.as_bytes()).await;
            let _ = tcp.write_all(&body).await;
            let _ = tcp.shutdown().await;
            return;
        }
    }
    let service = service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(outer(shared, peer, req).await) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(tcp), service)
        .with_upgrades()
        .await;
}

/// A request on the client's connection to the proxy: CONNECT, or an absolute-form request.
async fn outer<G: Gate>(
    shared: Arc<Shared<G>>,
    peer: Peer,
    req: Request<Incoming>,
) -> Response<ProxyBody> {
    let credential = req
        .headers()
        .get(header::PROXY_AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    if !shared.auth.check(credential) {
        let mut resp = refusal_response(&Refusal {
            status: 407,
            reason: "proxy_auth_required".into(),
            message: "the proxy needs the run's credential (user agentcred, the run's token)"
                .into(),
        });
        resp.headers_mut().insert(
            header::PROXY_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"agentcred\""),
        );
        return resp;
    }
    if req.method() == Method::CONNECT {
        return connect(shared, peer, req).await;
    }
    let target = match (req.uri().scheme_str(), req.uri().authority()) {
        (Some("http"), Some(authority)) => authority_target(authority, Scheme::Http, 80),
        _ => None,
    };
    match target {
        Some(target) => {
            let bound = shared.is_bound(&target.host, target.port);
            forward(shared, peer, target, bound, req).await
        }
        None => refusal_response(&Refusal {
            status: 400,
            reason: "not_a_proxy_request".into(),
            message: "send CONNECT, or a request with an absolute http:// URL".into(),
        }),
    }
}

#[derive(Clone)]
struct Target {
    scheme: Scheme,
    /// Without brackets for IPv6.
    host: String,
    port: u16,
}

impl Target {
    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

fn authority_target(
    authority: &http::uri::Authority,
    scheme: Scheme,
    default_port: u16,
) -> Option<Target> {
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    Some(Target {
        scheme,
        host: hosts::normalise(host),
        port: authority.port_u16().unwrap_or(default_port),
    })
}

async fn connect<G: Gate>(
    shared: Arc<Shared<G>>,
    peer: Peer,
    mut req: Request<Incoming>,
) -> Response<ProxyBody> {
    let Some(target) = req
        .uri()
        .authority()
        .and_then(|a| authority_target(a, Scheme::Https, 443))
    else {
        return refusal_response(&Refusal {
            status: 400,
            reason: "bad_connect".into(),
            message: "CONNECT needs a host:port target".into(),
        });
    };
    if let Some(refusal) = shared.control.check() {
        return refusal_response(&refusal);
    }
    let upgrade = hyper::upgrade::on(&mut req);
    if shared.is_bound(&target.host, target.port) {
        let tls = match shared.ca.server_config(&target.host) {
            Ok(tls) => tls,
            Err(e) => {
                return refusal_response(&Refusal {
                    status: 500,
                    reason: "certificate_failed".into(),
                    message: e.to_string(),
                });
            }
        };
        tokio::spawn(async move {
            let Ok(upgraded) = upgrade.await else { return };
            let acceptor = tokio_rustls::TlsAcceptor::from(tls);
            let Ok(stream) = acceptor.accept(TokioIo::new(upgraded)).await else {
                return;
            };
            let service = service_fn(move |req| {
                let (shared, target) = (shared.clone(), target.clone());
                async move { Ok::<_, Infallible>(forward(shared, peer, target, true, req).await) }
            });
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        return Response::new(ProxyBody::empty());
    }
    let unbound = UnboundTarget {
        host: target.host.clone(),
        port: target.port,
        scheme: Scheme::Https,
        placeholders: Vec::new(),
        peer,
    };
    if shared.egress == Egress::Bound {
        shared.gate.unbound(&unbound, false);
        return refusal_response(&Refusal::forbidden(
            "egress_bound",
            format!(
                "{} is not a bound host and this run allows no other destination",
                target.host
            ),
        ));
    }
    shared.gate.unbound(&unbound, true);
    match upstream::connect(&shared.resolver, &target.host, target.port).await {
        Ok(mut remote) => {
            tokio::spawn(async move {
                let Ok(upgraded) = upgrade.await else { return };
                let mut client = TokioIo::new(upgraded);
                let _ = tokio::io::copy_bidirectional(&mut client, &mut remote).await;
            });
            Response::new(ProxyBody::empty())
        }
        Err(e) => refusal_response(&Refusal {
            status: 502,
            reason: "upstream_unreachable".into(),
            message: format!("cannot connect to {}: {e}", target.authority()),
        }),
    }
}

/// Every request the broker reads goes through here: checked, admitted, rewritten, forwarded.
async fn forward<G: Gate>(
    shared: Arc<Shared<G>>,
    peer: Peer,
    target: Target,
    bound: bool,
    req: Request<Incoming>,
) -> Response<ProxyBody> {
    if let Some(refusal) = shared.control.check() {
        return refusal_response(&refusal);
    }
    let (mut parts, body) = req.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str)
        .to_string();
    let mut found = Vec::new();
    if !shared.subs.is_empty() {
        shared.subs.scan(path_and_query.as_bytes(), &mut found);
        for (name, value) in &parts.headers {
            shared.subs.scan(value.as_bytes(), &mut found);
            if name == header::AUTHORIZATION
                && let Some(credential) = replace::basic_credential(value.as_bytes())
            {
                shared.subs.scan(&credential, &mut found);
            }
        }
    }
    let ids: Vec<String> = found
        .iter()
        .map(|&i| shared.subs.id(i).to_string())
        .collect();

    let ticket = if bound {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (path_and_query.clone(), None),
        };
        let info = RequestInfo {
            host: target.host.clone(),
            port: target.port,
            scheme: target.scheme,
            method: parts.method.clone(),
            path,
            query,
            placeholders: ids,
            peer,
        };
        let decision = if G::ADMIT_BLOCKS {
            let gate = shared.clone();
            tokio::task::spawn_blocking(move || gate.gate.admit(&info)).await
        } else {
            Ok(shared.gate.admit(&info))
        };
        match decision {
            Ok(Ok(ticket)) => Some(ticket),
            Ok(Err(refusal)) => return refusal_response(&refusal),
            Err(_) => {
                return refusal_response(&Refusal {
                    status: 500,
                    reason: "gate_failed".into(),
                    message: "the broker's policy check failed".into(),
                });
            }
        }
    } else {
        let unbound = UnboundTarget {
            host: target.host.clone(),
            port: target.port,
            scheme: target.scheme,
            placeholders: ids,
            peer,
        };
        let refusal = if !unbound.placeholders.is_empty() {
            Some(Refusal::forbidden(
                "host_not_bound",
                format!(
                    "{} is not a host this credential may be sent to",
                    target.host
                ),
            ))
        } else if shared.egress == Egress::Bound {
            Some(Refusal::forbidden(
                "egress_bound",
                format!(
                    "{} is not a bound host and this run allows no other destination",
                    target.host
                ),
            ))
        } else {
            None
        };
        shared.gate.unbound(&unbound, refusal.is_none());
        if let Some(refusal) = refusal {
            return refusal_response(&refusal);
        }
        None
    };
    // Closed while the gate was deciding: the gate's answer is already stale.
    if let Some(refusal) = shared.control.check() {
        if let Some(ticket) = ticket {
            report(
                &shared,
                ticket,
                Outcome {
                    error: Some(format!("refused: {}", refusal.reason)),
                    ..Outcome::default()
                },
            );
        }
        return refusal_response(&refusal);
    }

    // The forwarded copy: values in place of placeholders, proxy and hop-by-hop headers gone.
    strip_hop_by_hop(&mut parts.headers);
    parts.headers.remove(header::PROXY_AUTHORIZATION);
    parts.headers.remove(header::HOST);
    if !found.is_empty() && bound {
        for (name, value) in parts.headers.iter_mut() {
            let replaced = if name == header::AUTHORIZATION
                && let Some(credential) = replace::basic_credential(value.as_bytes())
            {
                shared
                    .subs
                    .replace(&credential, &found)
                    .map(|c| replace::encode_basic(&c))
            } else {
                shared.subs.replace(value.as_bytes(), &found)
            };
            if let Some(bytes) = replaced
                && let Ok(v) = HeaderValue::from_bytes(&bytes)
            {
                *value = v;
                value.set_sensitive(true);
            }
        }
    }
    if shared.filter.is_some() {
        // The filter sees bytes as they come: ask for them uncompressed.
        parts.headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    let replaced_pq = if bound {
        shared.subs.replace(path_and_query.as_bytes(), &found)
    } else {
        None
    };
    let mut uri = format!("{}://{}", scheme_str(target.scheme), target.authority()).into_bytes();
    uri.extend_from_slice(
        replaced_pq
            .as_deref()
            .map_or(path_and_query.as_bytes(), |v| v),
    );
    let uri = match Uri::from_maybe_shared(bytes::Bytes::from(uri)) {
        Ok(uri) => uri,
        Err(_) => {
            let refusal = Refusal {
                status: 400,
                reason: "bad_request_target".into(),
                message: "the request target is not a valid URL once values are in place".into(),
            };
            if let Some(ticket) = ticket {
                report(
                    &shared,
                    ticket,
                    Outcome {
                        error: Some(refusal.message.clone()),
                        ..Outcome::default()
                    },
                );
            }
            return refusal_response(&refusal);
        }
    };
    parts.uri = uri;
    parts.version = Version::HTTP_11;
    let bytes_up = Arc::new(AtomicU64::new(0));
    let request = Request::from_parts(parts, Counted::new(body, bytes_up.clone()));

    let started = Instant::now();
    let response = match shared.client().request(request).await {
        Ok(r) => r,
        Err(e) => {
            let message = error_chain(&e);
            let failed = Outcome {
                error: Some(message.clone()),
                bytes_up: bytes_up.load(Ordering::Relaxed),
                total: started.elapsed(),
                ..Outcome::default()
            };
            let message = format!("the request to {} failed: {message}", target.authority());
            return failed_exchange(&shared, ticket, failed, "upstream_failed", message);
        }
    };
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    parts.version = Version::HTTP_11;
    // The filter reads the body as sent: an upstream that compressed it anyway (it was asked for
    // identity) would carry a value past the mask. Refused rather than passed on.
    let encoding = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .filter(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    if shared.filter.is_some()
        && let Some(encoding) = encoding
    {
        let message = format!(
            "{} answered with Content-Encoding {encoding}, which the broker cannot mask",
            target.authority()
        );
        let failed = Outcome {
            status: Some(parts.status.as_u16()),
            error: Some(message.clone()),
            bytes_up: bytes_up.load(Ordering::Relaxed),
            total: started.elapsed(),
            ..Outcome::default()
        };
        return failed_exchange(&shared, ticket, failed, "encoded_response", message);
    }
    let mut filter = shared.filter.as_ref().map(|make| make());
    if let Some(f) = &mut filter {
        parts.headers.remove(header::CONTENT_LENGTH);
        for value in parts.headers.values_mut() {
            let mut out = f.feed(value.as_bytes());
            out.extend(f.finish());
            if out != value.as_bytes()
                && let Ok(v) = HeaderValue::from_bytes(&out)
            {
                *value = v;
            }
        }
    }
    let outcome = Outcome {
        status: Some(parts.status.as_u16()),
        headers_after: Some(started.elapsed()),
        ..Outcome::default()
    };
    let on_end: super::body::OnEnd = match ticket {
        Some(ticket) => {
            let shared = shared.clone();
            Box::new(move |outcome| report(&shared, ticket, outcome))
        }
        None => Box::new(|_| {}),
    };
    let body = Tracked::new(body, filter, started, outcome, bytes_up, on_end);
    Response::from_parts(parts, ProxyBody::Upstream(Box::new(body)))
}

/// An exchange that ended without a response for the client: its outcome to the gate, and a 502
/// naming `reason` to the client.
fn failed_exchange<G: Gate>(
    shared: &Arc<Shared<G>>,
    ticket: Option<G::Ticket>,
    outcome: Outcome,
    reason: &str,
    message: String,
) -> Response<ProxyBody> {
    if let Some(ticket) = ticket {
        report(shared, ticket, outcome);
    }
    refusal_response(&Refusal {
        status: 502,
        reason: reason.into(),
        message,
    })
}

/// Hands an outcome to the gate, on a blocking thread if its `finish` may block (inline if the
/// runtime is gone).
fn report<G: Gate>(shared: &Arc<Shared<G>>, ticket: G::Ticket, outcome: Outcome) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if G::FINISH_BLOCKS => {
            let shared = shared.clone();
            handle.spawn_blocking(move || shared.gate.finish(ticket, &outcome));
        }
        _ => shared.gate.finish(ticket, &outcome),
    }
}

fn scheme_str(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
    }
}

/// Removes the headers that describe one connection rather than the message, and those the
/// `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        HeaderName::from_static("proxy-connection"),
        HeaderName::from_static("keep-alive"),
        header::PROXY_AUTHENTICATE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
    // `TE: trailers` is the one value that is end-to-end (HTTP/2 allows it alone).
    if headers
        .get(header::TE)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"trailers"))
    {
        headers.remove(header::TE);
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn refusal_json(refusal: &Refusal) -> Vec<u8> {
    let mut body = serde_json::to_vec(&serde_json::json!({
        "error": refusal.message,
        "reason": refusal.reason,
    }))
    .expect("a JSON object of strings serialises");
    body.push(b'\n');
    body
}

fn refusal_response(refusal: &Refusal) -> Response<ProxyBody> {
    let mut resp = Response::new(ProxyBody::full(refusal_json(refusal)));
    *resp.status_mut() = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::FORBIDDEN);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_removed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-hop"),
        );
        h.insert("x-hop", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert(header::TE, HeaderValue::from_static("gzip"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key(header::AUTHORIZATION));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        strip_hop_by_hop(&mut h);
        assert!(h.contains_key(header::TE));
    }

    #[test]
    fn targets_keep_ports_and_bracket_ipv6() {
        let a: http::uri::Authority = "[::1]:8443".parse().unwrap();
        let t = authority_target(&a, Scheme::Https, 443).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8443));
        assert_eq!(t.authority(), "[::1]:8443");
        let a: http::uri::Authority = "API.Example.com".parse().unwrap();
        let t = authority_target(&a, Scheme::Https, 443).unwrap();
        assert_eq!(t.authority(), "api.example.com");
    }
}
