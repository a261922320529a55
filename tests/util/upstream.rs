//! A local upstream API for the broker tests: `tests/external/upstream.py` behind HTTPS with its
//! own test CA (made here with the stock `openssl` CLI), answering for `localhost` and
//! `127.0.0.1`. The CA is not in the system's roots: clients and agentcred trust it only when a
//! test passes it (`--upstream-ca`), as with a private API.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Upstream {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
    pub tls: bool,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `ca.pem`/`ca.key` and `leaf.pem`/`leaf.key` (for localhost and 127.0.0.1) into `dir`.
pub fn make_test_ca(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=agentcred test upstream CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &args);
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(dir, &args);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,DNS:api.bound.test,DNS:other.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
}

impl Upstream {
    /// An HTTPS upstream with its own CA.
    pub fn https() -> Upstream {
        Upstream::start(true)
    }

    /// A plain-HTTP upstream.
    pub fn http() -> Upstream {
        Upstream::start(false)
    }

    fn start(tls: bool) -> Upstream {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/external/upstream.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .arg("--port-file")
            .arg(dir.path().join("port"))
            .arg("--log")
            .arg(dir.path().join("received.jsonl"))
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if tls {
            make_test_ca(dir.path());
            cmd.arg("--cert")
                .arg(dir.path().join("leaf.pem"))
                .arg("--key")
                .arg(dir.path().join("leaf.key"));
        }
        let child = cmd.spawn().expect("python3 runs the test upstream");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(dir.path().join("port")) {
                break p.trim().parse().expect("a port");
            }
            assert!(Instant::now() < deadline, "the test upstream did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Upstream {
            dir,
            child,
            port,
            tls,
        }
    }

    /// The upstream's CA certificate (PEM), for `--upstream-ca` and for clients that go direct.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `https://localhost:PORT{path}` (or http).
    pub fn url(&self, host: &str, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{host}:{}{path}", self.port)
    }

    /// Every request the upstream received so far, in order.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("received.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Everything the upstream received, as one string, for asserting a value did or did not
    /// reach it.
    pub fn received_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("received.jsonl")).unwrap_or_default()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
