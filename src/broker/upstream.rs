//! Connections to upstreams: one pooled client for every forwarded request (TLS verified against
//! the system roots and the configured extra roots, HTTP/2 when the server offers it through
//! ALPN, plain HTTP for `http://` targets), and plain TCP for tunnels.
//!
//! The client is built on first use: parsing the system's root store costs a few milliseconds
//! that a broker whose client never forwards anything should not pay at start.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs as _};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;

use super::body::Counted;
use crate::{Error, Result};

pub(crate) type Client = HyperClient<HttpsConnector<HttpConnector<Resolver>>, Counted>;

/// The roots upstreams are verified against, as PEM text until the client is built.
pub(crate) struct Roots {
    pub(crate) system: Vec<u8>,
    pub(crate) extra: Vec<CertificateDer<'static>>,
}

impl Roots {
    /// Reads the extra roots now, so that a bad `--upstream-ca` fails the start, not a request.
    pub(crate) fn new(system: Vec<u8>, extra: Option<&std::path::Path>) -> Result<Roots> {
        let extra = match extra {
            None => Vec::new(),
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| Error::io("cannot read the upstream CA", path, e))?;
                let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
                    .collect::<Result<_, _>>()
                    .map_err(|e| super::config_error(&path.display().to_string(), e))?;
                if certs.is_empty() {
                    return Err(Error::config(format!(
                        "{} holds no PEM certificate",
                        path.display()
                    ))
                    .hint("give --upstream-ca a PEM file of CA certificates"));
                }
                certs
            }
        };
        Ok(Roots { system, extra })
    }

    fn store(&self) -> rustls::RootCertStore {
        let mut store = rustls::RootCertStore::empty();
        // A system bundle may hold a certificate rustls cannot use; the others still count.
        store.add_parsable_certificates(
            CertificateDer::pem_slice_iter(&self.system).filter_map(std::result::Result::ok),
        );
        store.add_parsable_certificates(self.extra.iter().cloned());
        store
    }
}

pub(crate) fn client(roots: &Roots, resolver: Resolver) -> Result<Client> {
    let tls = rustls::ClientConfig::builder_with_provider(super::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| super::config_error("TLS client", e))?
        .with_root_certificates(roots.store())
        .with_no_client_auth();
    let mut http = HttpConnector::new_with_resolver(resolver);
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(30)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_all_versions()
        .wrap_connector(http);
    Ok(HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .build(https))
}

/// Name resolution with overrides (see `Config::resolve`); other names go to the system's
/// resolver on a blocking thread.
#[derive(Clone)]
pub(crate) struct Resolver {
    overrides: Arc<HashMap<String, IpAddr>>,
}

impl Resolver {
    pub(crate) fn new(overrides: HashMap<String, IpAddr>) -> Resolver {
        let overrides = overrides
            .into_iter()
            .map(|(k, v)| (super::hosts::normalise(&k), v))
            .collect();
        Resolver {
            overrides: Arc::new(overrides),
        }
    }

    pub(crate) async fn lookup(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        if let Some(ip) = self.overrides.get(&super::hosts::normalise(host)) {
            return Ok(vec![SocketAddr::new(*ip, port)]);
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let host = host.to_string();
        tokio::task::spawn_blocking(move || (host.as_str(), port).to_socket_addrs())
            .await
            .map_err(std::io::Error::other)?
            .map(Iterator::collect)
    }
}

type Lookup = Pin<Box<dyn Future<Output = std::io::Result<std::vec::IntoIter<SocketAddr>>> + Send>>;

impl tower_service::Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Lookup;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Lookup {
        let this = self.clone();
        // The connector puts the request's port on the addresses.
        Box::pin(async move { Ok(this.lookup(name.as_str(), 0).await?.into_iter()) })
    }
}

/// A TCP connection for a tunnel: the first address that answers.
pub(crate) async fn connect(
    resolver: &Resolver,
    host: &str,
    port: u16,
) -> std::io::Result<tokio::net::TcpStream> {
    let mut last = None;
    for addr in resolver.lookup(host, port).await? {
        match tokio::time::timeout(
            Duration::from_secs(30),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Ok(Err(e)) => last = Some(e),
            Err(_) => last = Some(std::io::ErrorKind::TimedOut.into()),
        }
    }
    Err(last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()))
}
