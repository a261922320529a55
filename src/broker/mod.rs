//! The credential broker: a local HTTP forward proxy that puts secret values into requests on
//! their way out, so the program it serves holds only placeholders.
//!
//! A client reaches it through `HTTPS_PROXY`/`HTTP_PROXY` with the per-run proxy token. For a
//! CONNECT to a bound host the broker answers with a certificate from a per-run CA the client
//! trusts through the bundle this module writes, reads each request, asks the caller's [`Gate`]
//! whether it may go, replaces placeholders in the request target and header values, and
//! forwards it over a pooled, verified TLS connection (HTTP/2 where the upstream offers it).
//! Bodies stream both ways; responses can pass through a [`BodyFilter`] (the output masker).
//! CONNECTs to other hosts are tunnelled untouched, or refused when egress is bound.
//!
//! Threading: [`Broker::start`] builds a tokio runtime with two worker threads of its own, so a
//! synchronous caller keeps its own threads. The gate's [`Gate::admit`] and [`Gate::finish`]
//! run on the runtime's blocking pool (they may write and sync an audit entry), unless the gate
//! says they do not block ([`Gate::ADMIT_BLOCKS`]); [`Gate::unbound`] and the body filter run on
//! the broker's workers and must not block. Nothing here is touched unless a broker is started.
//!
//! Ordering invariant: a request is forwarded only after `admit` returned `Ok`, and values are
//! put only into the forwarded copy, after that.
//!
//! Limits, by design: bodies are never searched for placeholders; an `Upgrade` (WebSocket)
//! inside a bound host's connection is not passed on (the header is dropped as hop-by-hop); when
//! a response filter is set, the upstream is asked for `Accept-Encoding: identity`, since a
//! filter can only see uncompressed bytes. A value, once in the forwarded request, lives in
//! hyper's buffers, which are not zeroized; the broker's own copies are.

mod auth;
mod body;
pub(crate) mod bundle;
mod ca;
pub mod gate;
mod hosts;
mod proxy;
mod replace;
mod upstream;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub use body::BodyFilter;
pub use hosts::HostPattern;
pub use replace::Substitution;

use crate::{Error, Result};

/// What happens to a CONNECT (or plain request) for a host no pattern covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Egress {
    /// Tunnelled untouched (the broker never sees inside).
    #[default]
    Open,
    /// Refused with 403 `egress_bound`.
    Bound,
}

/// Makes a fresh filter for one response (body, and header values first: see [`BodyFilter`]).
pub type ResponseFilter = Arc<dyn Fn() -> Box<dyn BodyFilter> + Send + Sync>;

pub struct Config {
    /// The hosts whose TLS the broker terminates and whose requests it may inject into.
    pub hosts: Vec<HostPattern>,
    pub egress: Egress,
    pub substitutions: Vec<Substitution>,
    /// Default 127.0.0.1:0 (any free port). Must be a loopback address.
    pub listen: SocketAddr,
    /// A PEM file of roots trusted for upstreams besides the system's (a private or test CA).
    pub upstream_ca: Option<PathBuf>,
    /// The system roots' PEM bundle; default: `SSL_CERT_FILE`, else the distribution's bundle.
    pub system_roots: Option<PathBuf>,
    /// Where the private directory holding the trust bundle is made; default: `XDG_RUNTIME_DIR`
    /// when set, else the temporary directory.
    pub bundle_parent: Option<PathBuf>,
    /// How long the per-run CA and its leaves are valid (default 24 hours; give the run's TTL).
    pub ca_validity: Duration,
    pub response_filter: Option<ResponseFilter>,
    /// Refuse connections from sockets owned by another user (default on).
    pub same_user_only: bool,
    /// Addresses to use instead of DNS for some names, for tunnels and upstream connections
    /// alike (like curl's `--resolve`): lets tests name a local server `api.bound.test`.
    pub resolve: HashMap<String, IpAddr>,
    /// Worker threads of the broker's runtime (default 2).
    pub workers: usize,
}

impl Config {
    pub fn new(hosts: Vec<HostPattern>) -> Config {
        Config {
            hosts,
            egress: Egress::Open,
            substitutions: Vec::new(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream_ca: None,
            system_roots: None,
            bundle_parent: None,
            ca_validity: Duration::from_secs(24 * 3600),
            response_filter: None,
            same_user_only: true,
            resolve: HashMap::new(),
            workers: 2,
        }
    }
}

/// Who is on the other end of a client connection.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    pub addr: SocketAddr,
    /// The user owning the client socket, when it was looked up (`same_user_only`).
    pub uid: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// A request to a bound host, as the gate sees it before it is forwarded.
#[derive(Debug)]
pub struct RequestInfo {
    pub host: String,
    pub port: u16,
    pub scheme: Scheme,
    pub method: http::Method,
    /// The path without the query, as the client sent it (placeholders not replaced).
    pub path: String,
    /// The raw query (without `?`), as the client sent it; hash it before storing it.
    pub query: Option<String>,
    /// The ids of the substitutions whose placeholders the request carries, each once.
    pub placeholders: Vec<String>,
    pub peer: Peer,
}

/// A CONNECT or plain request for a host no pattern covers.
#[derive(Debug)]
pub struct UnboundTarget {
    pub host: String,
    pub port: u16,
    /// `Https` for a CONNECT tunnel, `Http` for a plain request.
    pub scheme: Scheme,
    /// Ids of placeholders a plain request carried (always refused: `host_not_bound`).
    pub placeholders: Vec<String>,
    pub peer: Peer,
}

/// How an admitted request ended.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The upstream's status, when its response headers arrived.
    pub status: Option<u16>,
    /// Why the exchange failed, when it did (no values in it).
    pub error: Option<String>,
    /// Request body bytes sent upstream.
    pub bytes_up: u64,
    /// Response body bytes received from upstream.
    pub bytes_down: u64,
    /// From forwarding to the response headers.
    pub headers_after: Option<Duration>,
    /// From forwarding to the end of the response body.
    pub total: Duration,
}

/// A refusal: answered with `status` and `{"error": message, "reason": reason}`.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub status: u16,
    /// A machine-readable code (`egress_bound`, `revoked`, `path_not_granted`, …).
    pub reason: String,
    pub message: String,
}

impl Refusal {
    pub fn forbidden(reason: impl Into<String>, message: impl Into<String>) -> Refusal {
        Refusal {
            status: 403,
            reason: reason.into(),
            message: message.into(),
        }
    }
}

/// The caller's policy and audit, asked about every request to a bound host.
pub trait Gate: Send + Sync + 'static {
    /// What `admit` hands to `finish` (an audit entry's id, a rate-limit slot, …).
    type Ticket: Send + 'static;

    /// Whether `admit` may block. When it may (the default), it is called on the runtime's
    /// blocking pool, which costs two thread hand-offs per request; a gate that only looks at
    /// memory sets this to `false` and is called on the broker's worker thread instead.
    const ADMIT_BLOCKS: bool = true;

    /// The same for `finish` (a gate that queues its response entry can set it to `false`).
    const FINISH_BLOCKS: bool = true;

    /// Decides a request before it is forwarded; `Ok` lets it go. It may block (to make an
    /// audit entry durable) when `ADMIT_BLOCKS`: the request waits, other requests do not.
    fn admit(&self, request: &RequestInfo) -> Result<Self::Ticket, Refusal>;

    /// Reports how an admitted request ended: once per `Ok` from `admit`, when the response
    /// body ended or failed or the client went away.
    fn finish(&self, ticket: Self::Ticket, outcome: &Outcome);

    /// A host outside the binding: tunnelled or forwarded untouched when `allowed`, else
    /// refused. Runs on a broker thread: it must not block.
    fn unbound(&self, target: &UnboundTarget, allowed: bool) {
        let _ = (target, allowed);
    }
}

/// A gate shared with whoever else must reach it (the supervisor closes it on a revocation).
impl<G: Gate> Gate for Arc<G> {
    type Ticket = G::Ticket;
    const ADMIT_BLOCKS: bool = G::ADMIT_BLOCKS;
    const FINISH_BLOCKS: bool = G::FINISH_BLOCKS;

    fn admit(&self, request: &RequestInfo) -> Result<Self::Ticket, Refusal> {
        G::admit(self, request)
    }

    fn finish(&self, ticket: Self::Ticket, outcome: &Outcome) {
        G::finish(self, ticket, outcome);
    }

    fn unbound(&self, target: &UnboundTarget, allowed: bool) {
        G::unbound(self, target, allowed);
    }
}

/// Starts brokers.
pub struct Broker;

impl Broker {
    /// Generates the per-run CA, writes the trust bundle, binds the listener and starts serving
    /// on a runtime of its own. Returns once the listener accepts connections.
    pub fn start<G: Gate>(config: Config, gate: G) -> Result<Running> {
        proxy::start(config, gate)
    }
}

/// A running broker. Dropping it stops it (see [`Running::shutdown`]) and removes the bundle.
/// Must not be dropped from inside an async runtime.
pub struct Running {
    addr: SocketAddr,
    proxy_url: SecretString,
    ca_pem: String,
    control: Arc<proxy::Control>,
    // Order matters: the runtime stops before the bundle is removed.
    runtime: Option<tokio::runtime::Runtime>,
    bundle: bundle::TrustBundle,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://agentcred:TOKEN@127.0.0.1:PORT`, for `HTTPS_PROXY` and `HTTP_PROXY`.
    pub fn proxy_url(&self) -> &SecretString {
        &self.proxy_url
    }

    /// The per-run CA's certificate (PEM). Its key never leaves the broker's memory.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The system roots and the per-run CA, for `SSL_CERT_FILE` and the like; a 0600 file.
    pub fn bundle_path(&self) -> &Path {
        self.bundle.path()
    }

    /// The private directory the bundle is in: remove it recursively where destructors do not
    /// run (a signal handler about to exit).
    pub fn bundle_dir(&self) -> &Path {
        self.bundle.dir()
    }

    /// From now on every request (and every new CONNECT) is refused with `refusal`, without
    /// asking the gate; requests already forwarded finish. Takes effect at once.
    pub fn close_gate(&self, refusal: Refusal) {
        self.control.close(refusal);
    }

    /// Stops accepting, drops every connection (in-flight exchanges end abruptly) and waits up
    /// to 200 ms for gate calls under way to return; then removes the bundle. An exchange cut
    /// here may not reach [`Gate::finish`]: its admitted entry is the record that it started.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(200));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .field("proxy_url", &"[redacted]")
            .field("bundle", &self.bundle.path())
            .finish_non_exhaustive()
    }
}

impl Running {
    fn new(
        addr: SocketAddr,
        token: &SecretString,
        ca_pem: String,
        control: Arc<proxy::Control>,
        runtime: tokio::runtime::Runtime,
        bundle: bundle::TrustBundle,
    ) -> Running {
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let proxy_url = SecretString::from(format!(
            "http://{}:{}@{host}:{}",
            auth::USER,
            token.expose_secret(),
            addr.port()
        ));
        Running {
            addr,
            proxy_url,
            ca_pem,
            control,
            runtime: Some(runtime),
            bundle,
        }
    }
}

/// The one crypto provider the broker uses, ring (no build tools beyond a C compiler).
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn config_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::config(format!("cannot start the broker: {what}: {e}"))
}
