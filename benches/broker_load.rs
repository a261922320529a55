//! Load and latency measurements for the credential broker (`benches/broker.sh` drives it).
//!
//! One client for every path measured, so the figures compare like with like:
//!
//! ```text
//! broker_load serve --cert leaf.pem --key leaf.key          # a fast HTTPS upstream; prints its port
//! broker_load run --url https://localhost:PORT/v1/x --ca CA.pem [--proxy http://u:p@127.0.0.1:P]
//!                 [--header 'Authorization: Bearer …'] --connections 64 --seconds 5 [--requests N]
//! ```
//!
//! `run` opens `--connections` keep-alive connections (through the proxy with CONNECT when one is
//! given, then TLS to the upstream name trusting `--ca`), each sending requests back to back, and
//! prints one JSON line: requests, seconds, requests per second, p50/p90/p99 latency in
//! microseconds. With `--requests N` each connection sends N requests instead of running for a
//! time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; this tool only runs when asked for a mode.
    match args.first().map(String::as_str) {
        Some("serve") => serve(&args),
        Some("run") => run(&args),
        _ => eprintln!("broker_load: run through benches/broker.sh (serve | run)"),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn serve(args: &[String]) {
    let cert = arg(args, "--cert").expect("--cert");
    let key = arg(args, "--key").expect("--key");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .expect("cert file")
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_file(&key).expect("key");
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let auth = req
                            .headers()
                            .get("authorization")
                            .map(|v| v.len())
                            .unwrap_or(0);
                        let _ = req.into_body().collect().await;
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from(format!("{{\"ok\":true,\"auth_len\":{auth}}}")),
                        )))
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
}

struct Target {
    host: String,
    port: u16,
    path: String,
    proxy: Option<(SocketAddr, Option<String>)>,
    headers: Vec<(String, String)>,
    tls: tokio_rustls::TlsConnector,
}

fn run(args: &[String]) {
    let url = arg(args, "--url").expect("--url");
    let rest = url.strip_prefix("https://").expect("an https:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = authority.rsplit_once(':').expect("host:port");
    let proxy = arg(args, "--proxy").map(|p| {
        let rest = p.strip_prefix("http://").expect("an http:// proxy");
        let (auth, addr) = match rest.rsplit_once('@') {
            Some((auth, addr)) => (
                Some(base64::engine::general_purpose::STANDARD.encode(auth)),
                addr,
            ),
            None => (None, rest),
        };
        (
            addr.trim_end_matches('/').parse().expect("proxy address"),
            auth,
        )
    });
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(arg(args, "--ca").expect("--ca")).expect("ca file") {
        let _ = roots.add(c.expect("a certificate"));
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let headers = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--header")
        .filter_map(|(i, _)| args.get(i + 1))
        .map(|h| {
            let (k, v) = h.split_once(':').expect("Name: value");
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let target = Arc::new(Target {
        host: host.to_string(),
        port: port.parse().expect("port"),
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        proxy,
        headers,
        tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
    });
    let connections: usize = arg(args, "--connections").map_or(1, |c| c.parse().unwrap());
    let seconds: f64 = arg(args, "--seconds").map_or(5.0, |c| c.parse().unwrap());
    let requests: Option<usize> = arg(args, "--requests").map(|c| c.parse().unwrap());
    let warmup: usize = arg(args, "--warmup").map_or(20, |c| c.parse().unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (latencies, elapsed, failures) = rt.block_on(async move {
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(seconds);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let target = Arc::clone(&target);
            tasks.push(tokio::spawn(async move {
                one_connection(&target, requests, warmup, deadline).await
            }));
        }
        let mut all = Vec::new();
        let mut failures = 0;
        for t in tasks {
            let (lat, failed) = t.await.unwrap();
            all.extend(lat);
            failures += failed;
        }
        (all, start.elapsed(), failures)
    });
    let mut sorted = latencies.clone();
    sorted.sort_unstable();
    let pct = |p: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{}",
        serde_json::json!({
            "requests": sorted.len(),
            "failures": failures,
            "seconds": elapsed.as_secs_f64(),
            "rps": sorted.len() as f64 / elapsed.as_secs_f64(),
            "p50_us": pct(0.5),
            "p90_us": pct(0.9),
            "p99_us": pct(0.99),
        })
    );
}

/// One keep-alive connection sending requests back to back; returns each request's latency in
/// microseconds (after `warmup` unmeasured ones) and how many failed.
async fn one_connection(
    target: &Target,
    requests: Option<usize>,
    warmup: usize,
    deadline: Instant,
) -> (Vec<u64>, usize) {
    let tcp = match target.proxy {
        Some((addr, ref auth)) => {
            let mut tcp = TcpStream::connect(addr).await.expect("proxy reachable");
            let mut connect = format!(
                "CONNECT {h}:{p} HTTP/1.1\r\nHost: {h}:{p}\r\n",
                h = target.host,
                p = target.port
            );
            if let Some(auth) = auth {
                connect.push_str(&format!("Proxy-Authorization: Basic {auth}\r\n"));
            }
            connect.push_str("\r\n");
            tcp.write_all(connect.as_bytes()).await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if tcp.read(&mut byte).await.unwrap() == 0 {
                    panic!("the proxy closed the connection");
                }
                head.push(byte[0]);
            }
            assert!(
                head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"),
                "CONNECT refused: {}",
                String::from_utf8_lossy(&head)
            );
            tcp
        }
        None => TcpStream::connect((target.host.as_str(), target.port))
            .await
            .expect("upstream reachable"),
    };
    let _ = tcp.set_nodelay(true);
    let name = ServerName::try_from(target.host.clone()).expect("a server name");
    let tls = target.tls.connect(name, tcp).await.expect("TLS handshake");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("HTTP handshake");
    tokio::spawn(conn);
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut sent = 0usize;
    loop {
        match requests {
            Some(n) if sent >= n + warmup => break,
            None if Instant::now() >= deadline => break,
            _ => {}
        }
        let mut req =
            Request::get(&target.path).header("host", format!("{}:{}", target.host, target.port));
        for (k, v) in &target.headers {
            req = req.header(k, v);
        }
        let req = req.body(Empty::<Bytes>::new()).unwrap();
        let t = Instant::now();
        match sender.send_request(req).await {
            Ok(resp) => {
                let ok = resp.status().is_success();
                let _ = resp.into_body().collect().await;
                if !ok {
                    failures += 1;
                }
            }
            Err(_) => {
                failures += 1;
                break;
            }
        }
        if sent >= warmup {
            latencies.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
        }
        sent += 1;
    }
    (latencies, failures)
}
