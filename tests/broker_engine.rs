//! The broker engine driven through the library, with real clients (curl, Python's http.client)
//! and a local HTTPS upstream that has its own test CA: what the upstream receives, what the
//! client sees, and what is refused.

use std::collections::HashMap;
use std::io::{BufRead as _, Read as _, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentcred::broker::{
    Broker, Config, Egress, Gate, HostPattern, Outcome, Refusal, RequestInfo, Running,
    Substitution, UnboundTarget,
};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, combinators::BoxBody};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use secrecy::ExposeSecret as _;

const PLACEHOLDER: &str = "sk-acph-4f1d9c2e7b6a5d3c";
const VALUE: &str = "real-secret-value-7Qx9zK2mP5";

// ---------------------------------------------------------------------------------------------
// The upstream: HTTPS (HTTP/2 or HTTP/1.1 by ALPN) and plain HTTP, with a test CA of its own.

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct UpstreamState {
    seen: Mutex<Vec<Seen>>,
    connections: AtomicUsize,
    sse_go: tokio::sync::Notify,
}

struct Upstream {
    tls: SocketAddr,
    plain: SocketAddr,
    ca_path: PathBuf,
    state: Arc<UpstreamState>,
    _rt: tokio::runtime::Runtime,
}

impl Upstream {
    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

type UpBody = BoxBody<Bytes, hyper::Error>;

fn full(text: impl Into<Bytes>) -> UpBody {
    Full::new(text.into()).map_err(|e| match e {}).boxed()
}

/// A body fed from a channel, for server-sent events.
struct Channel(tokio::sync::mpsc::Receiver<Bytes>);

impl Body for Channel {
    type Data = Bytes;
    type Error = hyper::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

async fn upstream_service(
    state: Arc<UpstreamState>,
    req: Request<Incoming>,
) -> Result<Response<UpBody>, hyper::Error> {
    let target = req
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    state.seen.lock().unwrap().push(Seen {
        method: req.method().to_string(),
        target: target.clone(),
        version: format!("{:?}", req.version()),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
            .collect(),
    });
    let path = req.uri().path().to_string();
    let body = match path.as_str() {
        "/echo" => {
            let auth = req
                .headers()
                .get("authorization")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
                .unwrap_or_default();
            let query = req.uri().query().unwrap_or("").to_string();
            let mut resp = Response::new(full(format!("auth={auth}\nquery={query}\n")));
            resp.headers_mut().insert(
                "x-echo",
                auth.parse().unwrap_or(http::HeaderValue::from_static("")),
            );
            return Ok(resp);
        }
        "/upload" => {
            let mut body = req.into_body();
            let mut n = 0u64;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame?.into_data() {
                    n += data.len() as u64;
                }
            }
            full(format!("received={n}\n"))
        }
        "/sse" => {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let state = state.clone();
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from("data: one\n\n")).await;
                state.sse_go.notified().await;
                let _ = tx.send(Bytes::from("data: two\n\n")).await;
            });
            let mut resp = Response::new(Channel(rx).boxed());
            resp.headers_mut()
                .insert("content-type", "text/event-stream".parse().unwrap());
            return Ok(resp);
        }
        _ => full("ok\n"),
    };
    Ok(Response::new(body))
}

fn test_pki(dir: &Path) -> (PathBuf, rustls::ServerConfig) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "test upstream CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf =
        rcgen::CertificateParams::new(vec!["bound.test".to_string(), "unbound.test".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
    let ca_path = dir.join("upstream-ca.pem");
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (ca_path, config)
}

fn start_upstream(dir: &Path) -> Upstream {
    let (ca_path, tls) = test_pki(dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let state = Arc::new(UpstreamState::default());
    let (tls_listener, plain_listener) = rt.block_on(async {
        (
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        )
    });
    let (tls_addr, plain_addr) = (
        tls_listener.local_addr().unwrap(),
        plain_listener.local_addr().unwrap(),
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let s = state.clone();
    rt.spawn(async move {
        loop {
            let (tcp, _) = tls_listener.accept().await.unwrap();
            s.connections.fetch_add(1, Ordering::SeqCst);
            let (acceptor, s) = (acceptor.clone(), s.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                let svc = hyper::service::service_fn(move |req| upstream_service(s.clone(), req));
                let io = TokioIo::new(stream);
                if h2 {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, svc)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, svc)
                        .await;
                }
            });
        }
    });
    let s = state.clone();
    rt.spawn(async move {
        loop {
            let (tcp, _) = plain_listener.accept().await.unwrap();
            s.connections.fetch_add(1, Ordering::SeqCst);
            let s = s.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| upstream_service(s.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    Upstream {
        tls: tls_addr,
        plain: plain_addr,
        ca_path,
        state,
        _rt: rt,
    }
}

// ---------------------------------------------------------------------------------------------
// A gate that records what it is asked and refuses one path.

#[derive(Clone, Debug)]
struct Admitted {
    method: String,
    path: String,
    query: Option<String>,
    ids: Vec<String>,
    host: String,
}

#[derive(Clone, Debug)]
struct Finished {
    status: Option<u16>,
    bytes_up: u64,
    bytes_down: u64,
    error: Option<String>,
}

#[derive(Default, Debug)]
struct Log {
    admitted: Vec<Admitted>,
    finished: Vec<Finished>,
    unbound: Vec<(String, bool)>,
}

struct TestGate {
    log: Arc<Mutex<Log>>,
}

impl Gate for TestGate {
    type Ticket = usize;

    fn admit(&self, r: &RequestInfo) -> Result<usize, Refusal> {
        if r.path == "/forbidden" {
            return Err(Refusal::forbidden(
                "path_not_granted",
                "the grant does not cover /forbidden",
            ));
        }
        let mut log = self.log.lock().unwrap();
        log.admitted.push(Admitted {
            method: r.method.to_string(),
            path: r.path.clone(),
            query: r.query.clone(),
            ids: r.placeholders.clone(),
            host: format!("{}:{}", r.host, r.port),
        });
        Ok(log.admitted.len() - 1)
    }

    fn finish(&self, _ticket: usize, o: &Outcome) {
        self.log.lock().unwrap().finished.push(Finished {
            status: o.status,
            bytes_up: o.bytes_up,
            bytes_down: o.bytes_down,
            error: o.error.clone(),
        });
    }

    fn unbound(&self, t: &UnboundTarget, allowed: bool) {
        self.log
            .lock()
            .unwrap()
            .unbound
            .push((format!("{}:{}", t.host, t.port), allowed));
    }
}

// ---------------------------------------------------------------------------------------------

struct World {
    up: Upstream,
    broker: Running,
    log: Arc<Mutex<Log>>,
    dir: tempfile::TempDir,
}

fn world(tune: impl FnOnce(&mut Config)) -> World {
    let dir = tempfile::tempdir().unwrap();
    let up = start_upstream(dir.path());
    let mut config = Config::new(vec![HostPattern::parse("bound.test").unwrap()]);
    config.upstream_ca = Some(up.ca_path.clone());
    config.bundle_parent = Some(dir.path().to_path_buf());
    let local: IpAddr = [127, 0, 0, 1].into();
    config.resolve = HashMap::from([
        ("bound.test".to_string(), local),
        ("unbound.test".to_string(), local),
    ]);
    config.substitutions = vec![Substitution {
        id: "api-key".into(),
        placeholder: PLACEHOLDER.into(),
        value: secrecy::SecretSlice::from(VALUE.as_bytes().to_vec()),
    }];
    tune(&mut config);
    let log = Arc::new(Mutex::new(Log::default()));
    let broker = Broker::start(config, TestGate { log: log.clone() }).unwrap();
    World {
        up,
        broker,
        log,
        dir,
    }
}

impl World {
    fn proxy(&self) -> String {
        self.broker.proxy_url().expose_secret().to_string()
    }

    fn bound_url(&self, path: &str) -> String {
        format!("https://bound.test:{}{path}", self.up.tls.port())
    }

    /// curl through the broker, trusting the bundle.
    fn curl(&self, args: &[&str]) -> Output {
        curl_with(&self.proxy(), self.broker.bundle_path(), args)
    }

    /// Waits (bounded) until the gate has heard of `n` finished requests.
    fn finished(&self, n: usize) -> Vec<Finished> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let f = self.log.lock().unwrap().finished.clone();
            if f.len() >= n || Instant::now() > deadline {
                return f;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn curl_command(proxy: &str, cacert: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "60", "--proxy", proxy, "--cacert"])
        .arg(cacert)
        .args(args);
    for v in [
        "NO_PROXY",
        "no_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    c
}

fn curl_with(proxy: &str, cacert: &Path, args: &[&str]) -> Output {
    curl_command(proxy, cacert, args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Sends `request` on a fresh connection to the broker and returns the response (head and body).
fn raw(addr: SocketAddr, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let t = text(&buf);
        if let Some((head, body)) = t.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_string)
                })
                .and_then(|l| l.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= len {
                break;
            }
        }
    }
    text(&buf)
}

fn basic(user_token: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_token)
    )
}

fn token_of(w: &World) -> String {
    let url = w.proxy();
    let rest = url.strip_prefix("http://agentcred:").unwrap();
    rest.split('@').next().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn placeholders_in_headers_and_query_reach_the_upstream_as_values() {
    let w = world(|_| {});
    let out = w.curl(&[
        "-H",
        &format!("Authorization: Bearer {PLACEHOLDER}"),
        "-H",
        &format!("X-Api-Key: {PLACEHOLDER}"),
        "-u",
        &format!("user:{PLACEHOLDER}"),
        &w.bound_url(&format!("/v1/models?key={PLACEHOLDER}&x=1")),
        &w.bound_url(&format!("/echo?k={PLACEHOLDER}")),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let seen = w.up.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let first = &seen[0];
    assert_eq!(first.target, format!("/v1/models?key={VALUE}&x=1"));
    assert_eq!(first.header("x-api-key"), Some(VALUE));
    // `-u` came after `-H Authorization`: curl sends its own Basic credential, decoded, replaced.
    let auth = first.header("authorization").unwrap();
    assert!(
        auth == format!("Bearer {VALUE}") || auth == basic(&format!("user:{VALUE}")),
        "{auth}"
    );
    assert_eq!(first.version, "HTTP/2.0", "the upstream offers h2");
    assert!(first.header("proxy-authorization").is_none());
    for s in &seen {
        let all = format!("{s:?}");
        assert!(!all.contains(PLACEHOLDER), "{all}");
    }
    // The gate saw the path without the query, the raw query and the placeholder's id.
    let log = w.log.lock().unwrap();
    let a = &log.admitted[0];
    assert_eq!((a.method.as_str(), a.path.as_str()), ("GET", "/v1/models"));
    assert_eq!(a.query.as_deref(), Some(&*format!("key={PLACEHOLDER}&x=1")));
    assert_eq!(a.ids, ["api-key"]);
    assert_eq!(a.host, format!("bound.test:{}", w.up.tls.port()));
    drop(log);
    let finished = w.finished(2);
    assert_eq!(finished.len(), 2);
    assert!(
        finished
            .iter()
            .all(|f| f.status == Some(200) && f.error.is_none()),
        "{finished:?}"
    );
}

#[test]
fn a_value_echoed_by_the_upstream_reaches_the_client_masked() {
    let w = world(|c| {
        let masker = agentcred::exec::mask::Masker::new([VALUE]);
        c.response_filter = Some(Arc::new(move || Box::new(masker.clone())));
    });
    let out = w.curl(&[
        "-i",
        "-H",
        &format!("Authorization: Bearer {PLACEHOLDER}"),
        &w.bound_url(&format!("/echo?k={PLACEHOLDER}")),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    // The upstream got the value and echoed it in a header and the body.
    assert_eq!(
        w.up.seen()[0].header("authorization"),
        Some(&*format!("Bearer {VALUE}"))
    );
    assert!(stdout.contains("auth=Bearer ********\n"), "{stdout}");
    assert!(stdout.contains("query=k=********\n"), "{stdout}");
    assert!(
        stdout
            .to_ascii_lowercase()
            .contains("x-echo: bearer ********"),
        "{stdout}"
    );
    assert!(!stdout.contains(VALUE) && !stderr.contains(VALUE));
    assert_eq!(
        w.up.seen()[0].header("accept-encoding"),
        Some("identity"),
        "a filtered response is asked for uncompressed"
    );
}

#[test]
fn an_unbound_host_is_tunnelled_with_its_own_certificate() {
    let w = world(|_| {});
    let url = format!(
        "https://unbound.test:{}/echo?k={PLACEHOLDER}",
        w.up.tls.port()
    );
    // Trusting only the test CA works: the tunnel carries the upstream's own certificate.
    let out = curl_with(&w.proxy(), &w.up.ca_path, &[&url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("query=k={PLACEHOLDER}")));
    // Trusting only the bundle fails: the broker did not put itself in between.
    let out = w.curl(&[&url]);
    assert_eq!(out.status.code(), Some(60), "{}", text(&out.stderr));
    // The placeholder went through untouched, worthless to the upstream.
    assert!(
        w.up.seen()
            .iter()
            .all(|s| !format!("{s:?}").contains(VALUE))
    );
    let log = w.log.lock().unwrap();
    assert!(log.admitted.is_empty());
    assert_eq!(
        log.unbound[0],
        (format!("unbound.test:{}", w.up.tls.port()), true)
    );
}

#[test]
fn an_unbound_host_is_refused_under_bound_egress() {
    let w = world(|c| c.egress = Egress::Bound);
    let port = w.up.tls.port();
    let out = w.curl(&[
        "-w",
        "%{http_connect}",
        &format!("https://unbound.test:{port}/"),
    ]);
    assert_eq!(out.status.code(), Some(56), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "403");
    let resp = raw(
        w.broker.addr(),
        &format!(
            "CONNECT unbound.test:{port} HTTP/1.1\r\nHost: unbound.test:{port}\r\nProxy-Authorization: {}\r\n\r\n",
            basic(&format!("agentcred:{}", token_of(&w)))
        ),
    );
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    assert!(resp.contains("\"reason\":\"egress_bound\""), "{resp}");
    assert!(resp.contains("content-type: application/json"), "{resp}");
    // A plain request to an unbound host is refused the same way; bound hosts still work.
    let out = w.curl(&[&format!("http://unbound.test:{}/", w.up.plain.port())]);
    assert!(text(&out.stdout).contains("\"reason\":\"egress_bound\""));
    assert!(w.curl(&[&w.bound_url("/")]).status.success());
    assert_eq!(w.up.seen().len(), 1);
    assert_eq!(w.up.state.connections.load(Ordering::SeqCst), 1);
    assert!(
        w.log
            .lock()
            .unwrap()
            .unbound
            .iter()
            .all(|(_, allowed)| !allowed)
    );
}

#[test]
fn requests_without_the_proxy_credential_get_407() {
    let w = world(|_| {});
    let port = w.up.tls.port();
    for auth in [
        String::new(),
        format!(
            "Proxy-Authorization: {}\r\n",
            basic("agentcred:wrong-token")
        ),
        format!(
            "Proxy-Authorization: {}\r\n",
            basic(&format!("other:{}", token_of(&w)))
        ),
    ] {
        let resp = raw(
            w.broker.addr(),
            &format!("CONNECT bound.test:{port} HTTP/1.1\r\nHost: bound.test:{port}\r\n{auth}\r\n"),
        );
        assert!(resp.starts_with("HTTP/1.1 407"), "{resp}");
        assert!(
            resp.contains("proxy-authenticate: Basic realm=\"agentcred\""),
            "{resp}"
        );
        assert!(
            resp.contains("\"reason\":\"proxy_auth_required\""),
            "{resp}"
        );
    }
    let wrong = format!("http://agentcred:nope@{}", w.broker.addr());
    let out = curl_with(
        &wrong,
        w.broker.bundle_path(),
        &["-w", "%{http_connect}", &w.bound_url("/")],
    );
    assert_eq!(text(&out.stdout), "407");
    let out = curl_with(
        &wrong,
        w.broker.bundle_path(),
        &[
            "-w",
            "%{http_code}",
            &format!("http://bound.test:{}/", w.up.plain.port()),
        ],
    );
    assert!(text(&out.stdout).ends_with("407"));
    assert!(w.up.seen().is_empty());
    assert!(w.log.lock().unwrap().admitted.is_empty());
}

#[test]
fn a_gate_refusal_is_a_403_with_json_and_the_upstream_sees_nothing() {
    let w = world(|_| {});
    let out = w.curl(&[
        "-w",
        "\n%{http_code}",
        "-H",
        &format!("Authorization: Bearer {PLACEHOLDER}"),
        &w.bound_url("/forbidden?x=1"),
    ]);
    let stdout = text(&out.stdout);
    let (body, code) = stdout.rsplit_once('\n').unwrap();
    assert_eq!(code, "403");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["reason"], "path_not_granted");
    assert_eq!(json["error"], "the grant does not cover /forbidden");
    assert!(w.up.seen().is_empty());
    assert_eq!(w.up.state.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn keep_alive_is_reused_on_both_sides() {
    let w = world(|_| {});
    let urls: Vec<String> = (0..5).map(|i| w.bound_url(&format!("/r{i}"))).collect();
    let mut args = vec!["-w", "%{num_connects}\n", "-o", "/dev/null"];
    for u in &urls {
        args.push(u);
        args.push("-o");
        args.push("/dev/null");
    }
    args.truncate(args.len() - 2);
    let out = w.curl(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // One connection from curl to the broker, then none; one from the broker upstream.
    assert_eq!(text(&out.stdout), "1\n0\n0\n0\n0\n");
    assert_eq!(w.up.seen().len(), 5);
    assert_eq!(w.up.state.connections.load(Ordering::SeqCst), 1);
    // A second client reuses the broker's pooled upstream connection.
    assert!(w.curl(&[&w.bound_url("/again")]).status.success());
    assert_eq!(w.up.state.connections.load(Ordering::SeqCst), 1);
}

#[test]
fn a_large_upload_streams_without_being_held() {
    let w = world(|_| {});
    let file = w.dir.path().join("upload.bin");
    let size: u64 = 100 << 20;
    std::fs::File::create(&file).unwrap().set_len(size).unwrap();
    let before = peak_rss_kib();
    let out = w.curl(&["-T", file.to_str().unwrap(), &w.bound_url("/upload")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("received={size}\n"));
    let grown = peak_rss_kib() - before;
    eprintln!("peak RSS grew by {grown} KiB");
    assert!(
        grown < 40 * 1024,
        "the peak RSS grew by {grown} KiB for a 100 MiB upload"
    );
    let finished = w.finished(1);
    assert_eq!(finished[0].bytes_up, size, "{finished:?}");
    assert_eq!(
        finished[0].bytes_down,
        "received=\n".len() as u64 + size.to_string().len() as u64
    );
    assert_eq!(w.up.seen()[0].method, "PUT");
}

fn peak_rss_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn server_sent_events_stream_through() {
    let w = world(|c| {
        let masker = agentcred::exec::mask::Masker::new([VALUE]);
        c.response_filter = Some(Arc::new(move || Box::new(masker.clone())));
    });
    let mut child = curl_command(
        &w.proxy(),
        w.broker.bundle_path(),
        &["-N", &w.bound_url("/sse")],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    // The first event arrives while the upstream still holds the second back.
    let first = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(first, "data: one");
    w.up.state.sse_go.notify_one();
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(rest, ["", "data: two", ""]);
    assert!(child.wait().unwrap().success());
}

#[test]
fn closing_the_gate_refuses_the_next_request_on_a_kept_alive_connection() {
    let w = world(|_| {});
    let script = r#"
import base64, http.client, ssl, sys
port, proxy_port, token, bundle, placeholder = sys.argv[1:]
ctx = ssl.create_default_context(cafile=bundle)
c = http.client.HTTPSConnection("127.0.0.1", int(proxy_port), context=ctx)
c.set_tunnel("bound.test", int(port), headers={"Proxy-Authorization": "Basic " + base64.b64encode(("agentcred:" + token).encode()).decode()})
for i in range(2):
    c.request("GET", "/echo", headers={"Authorization": "Bearer " + placeholder})
    r = c.getresponse()
    print(r.status, r.read().decode().strip().replace("\n", " "), flush=True)
    if i == 0:
        sys.stdin.readline()
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(w.up.tls.port().to_string())
        .arg(w.broker.addr().port().to_string())
        .arg(token_of(&w))
        .arg(w.broker.bundle_path())
        .arg(PLACEHOLDER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, format!("200 auth=Bearer {VALUE} query="));
    w.broker
        .close_gate(Refusal::forbidden("revoked", "the credential was revoked"));
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let second = lines.next().unwrap().unwrap();
    assert_eq!(
        second,
        r#"403 {"error":"the credential was revoked","reason":"revoked"}"#
    );
    assert!(child.wait().unwrap().success());
    assert_eq!(w.up.seen().len(), 1);
    assert_eq!(w.log.lock().unwrap().admitted.len(), 1);
}

#[test]
fn plain_http_goes_through_the_same_path() {
    let w = world(|_| {});
    let port = w.up.plain.port();
    let out = w.curl(&[
        "-H",
        &format!("Authorization: Bearer {PLACEHOLDER}"),
        &format!("http://bound.test:{port}/echo?k={PLACEHOLDER}"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let seen = w.up.seen();
    assert_eq!(seen[0].target, format!("/echo?k={VALUE}"));
    assert_eq!(
        seen[0].header("authorization"),
        Some(&*format!("Bearer {VALUE}"))
    );
    assert_eq!(seen[0].header("host"), Some(&*format!("bound.test:{port}")));
    assert_eq!(w.log.lock().unwrap().admitted.len(), 1);
    // A placeholder sent in the clear to a host outside the binding never leaves.
    let out = w.curl(&[
        "-w",
        "\n%{http_code}",
        "-H",
        &format!("Authorization: Bearer {PLACEHOLDER}"),
        &format!("http://unbound.test:{port}/echo"),
    ]);
    let stdout = text(&out.stdout);
    assert!(stdout.ends_with("\n403"), "{stdout}");
    assert!(stdout.contains("\"reason\":\"host_not_bound\""), "{stdout}");
    assert_eq!(w.up.seen().len(), 1);
    // Without a placeholder it is forwarded untouched under open egress.
    let out = w.curl(&[&format!("http://unbound.test:{port}/")]);
    assert_eq!(text(&out.stdout), "ok\n");
}

#[test]
fn the_bundle_holds_the_roots_and_a_name_constrained_ca_but_no_key() {
    use std::os::unix::fs::PermissionsExt as _;
    let w = world(|_| {});
    let path = w.broker.bundle_path().to_path_buf();
    let dir = w.broker.bundle_dir().to_path_buf();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let bundle = std::fs::read_to_string(&path).unwrap();
    assert!(bundle.ends_with(w.broker.ca_pem()));
    assert!(
        bundle.matches("BEGIN CERTIFICATE").count() > 10,
        "the system roots come first"
    );
    assert!(!bundle.contains("PRIVATE KEY"));
    let ca = w.dir.path().join("ca.pem");
    std::fs::write(&ca, w.broker.ca_pem()).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&ca)
        .output()
        .unwrap();
    let info = text(&out.stdout);
    assert!(info.contains("X509v3 Name Constraints: critical"), "{info}");
    assert!(
        info.contains("Permitted:") && info.contains("DNS:bound.test"),
        "{info}"
    );
    assert!(info.contains("ASN1 OID: prime256v1"), "{info}");
    // Nothing else the broker wrote holds a private key either.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let body = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!text(&body).contains("PRIVATE KEY"));
    }
    let World { broker, .. } = w;
    broker.shutdown();
    assert!(!path.exists() && !dir.exists());
}

#[test]
fn connections_from_another_user_are_refused() {
    if !rustix::process::getuid().is_root() {
        eprintln!("skipped: needs root to run a client as another user");
        return;
    }
    let w = world(|_| {});
    let bundle_copy =
        std::env::temp_dir().join(format!("agentcred-test-bundle-{}", std::process::id()));
    std::fs::copy(w.broker.bundle_path(), &bundle_copy).unwrap();
    std::fs::set_permissions(
        &bundle_copy,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let c = curl_command(
        &w.proxy(),
        &bundle_copy,
        &[
            "-w",
            "\n%{http_code}",
            &format!("http://bound.test:{}/", w.up.plain.port()),
        ],
    );
    let curl = c.get_program().to_owned();
    let args: Vec<_> = c.get_args().map(|a| a.to_owned()).collect();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(curl)
        .args(args)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bundle_copy);
    let stdout = text(&out.stdout);
    assert!(stdout.ends_with("\n403"), "{stdout} {}", text(&out.stderr));
    assert!(stdout.contains("\"reason\":\"foreign_user\""), "{stdout}");
    assert!(w.up.seen().is_empty());
    // The same client as this user goes through.
    let out = w.curl(&[&format!("http://bound.test:{}/", w.up.plain.port())]);
    assert_eq!(text(&out.stdout), "ok\n");
}

#[test]
fn shutdown_ends_open_connections_at_once_and_removes_the_bundle() {
    let w = world(|_| {});
    let mut child = curl_command(
        &w.proxy(),
        w.broker.bundle_path(),
        &["-N", &w.bound_url("/sse")],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "data: one\n");
    // The stream is open, its second event held back by the upstream.
    let bundle = w.broker.bundle_path().to_path_buf();
    let World { broker, up, .. } = w;
    let started = Instant::now();
    broker.shutdown();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // curl: the transfer ended before the response was complete.
    assert_eq!(status.code(), Some(18), "{status:?}");
    assert!(!bundle.exists());
    drop(up);
}

#[test]
fn start_refuses_a_listener_off_loopback_and_an_upstream_ca_without_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let gate = || TestGate {
        log: Arc::new(Mutex::new(Log::default())),
    };
    let mut config = Config::new(vec![HostPattern::parse("bound.test").unwrap()]);
    config.listen = "0.0.0.0:0".parse().unwrap();
    config.bundle_parent = Some(dir.path().to_path_buf());
    let e = Broker::start(config, gate()).unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");

    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let mut config = Config::new(vec![HostPattern::parse("bound.test").unwrap()]);
    config.upstream_ca = Some(empty);
    config.bundle_parent = Some(dir.path().to_path_buf());
    let e = Broker::start(config, gate()).unwrap_err();
    assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
    // Nothing was left behind by the refused starts.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
