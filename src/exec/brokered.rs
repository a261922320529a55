//! Where `exec` hands a run to the broker: the plan of what it must swap in (each brokered
//! secret's variable, placeholder, binding and value), the options it runs with (`--broker`,
//! `--egress`, `--upstream-ca`, and `[broker]` in `config.toml`), and [`start`], called with the
//! credential issued and before the program exists.
//!
//! A program whose secret is brokered gets a placeholder under the secret's variable, never the
//! value: the placeholder is worth something only to the broker of this run, which swaps it for
//! the value in requests its binding allows. So a run with a brokered secret and no broker must
//! not start at all: it would hold a placeholder nothing can redeem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use secrecy::{ExposeSecret, SecretString};

use crate::broker::Refusal;
use crate::broker::gate::{Bound, RunGate, RunInfo};
use crate::clock::Clock;

use crate::credential::Issued;
use crate::destination::Binding;
use crate::error::{Error, Result};
use crate::sensitive::SecretText;
pub use crate::settings::Egress;

/// One brokered secret of a run.
#[derive(Debug)]
pub struct Entry {
    /// The variable the program finds the placeholder in.
    pub variable: String,
    /// The secret's name, for the audit log and refusals.
    pub secret: String,
    /// What the program holds instead of the value: unique to this run's credential and secret.
    pub placeholder: SecretText,
    /// Where the value may be sent: the secret's hosts, narrowed by the agent's grants.
    pub binding: Binding,
    /// The value the broker puts in place of the placeholder.
    pub value: SecretString,
}

/// What the broker of a run must swap in.
#[derive(Debug, Default)]
pub struct BrokerPlan {
    pub entries: Vec<Entry>,
}

impl BrokerPlan {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// An extra root to verify upstreams against (`--upstream-ca`, `[broker] upstream_ca`).
#[derive(Clone, Debug)]
pub struct UpstreamCa {
    pub path: PathBuf,
    /// The certificates the file holds, DER.
    pub certificates: Vec<Vec<u8>>,
}

/// How the broker of a run is asked for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--broker`: start one even when no injected secret is brokered.
    pub requested: bool,
    /// `--egress`; `None`: the setting in `config.toml`, else `open`.
    pub egress: Option<Egress>,
    /// `--upstream-ca`, read and checked; `None`: the setting in `config.toml`, if any.
    pub upstream_ca: Option<UpstreamCa>,
    /// The vault whose `config.toml` holds the `[broker]` defaults (none in a nested run).
    pub vault_dir: Option<PathBuf>,
    /// Where the proxy listens (`broker --listen`); any free loopback port by default.
    pub listen: Option<std::net::SocketAddr>,
}

/// The program's variables (placeholders in place of the brokered values) and the plan that
/// redeems them. Nothing is generated for a run without a brokered secret.
pub fn prepare(issued: &Issued) -> (Vec<(String, String)>, BrokerPlan) {
    let mut plan = BrokerPlan::default();
    let mut placeholders = BTreeMap::new();
    for s in issued
        .plan
        .secrets
        .iter()
        .filter(|s| s.destination.is_brokered())
    {
        let placeholder =
            crate::destination::placeholder(s.destination.placeholder_prefix.as_deref());
        placeholders.insert(s.name.clone(), placeholder.clone());
        plan.entries.push(Entry {
            variable: s.env.clone(),
            secret: s.name.clone(),
            placeholder,
            binding: s.destination.binding.clone(),
            value: SecretString::from(s.value.expose_secret().to_string()),
        });
    }
    (issued.variables_with(&placeholders), plan)
}

impl Options {
    /// The options the command-line flags give (`--broker`, `--egress`, `--upstream-ca`): the CA
    /// file is read and checked here, before anything is opened or minted (missing: 66; no
    /// certificate: 78).
    pub fn from_flags(
        requested: bool,
        egress: Option<crate::cli::EgressMode>,
        upstream_ca: Option<&Path>,
    ) -> Result<Options> {
        Ok(Options {
            requested,
            egress: egress.map(|e| match e {
                crate::cli::EgressMode::Open => Egress::Open,
                crate::cli::EgressMode::Bound => Egress::Bound,
            }),
            upstream_ca: upstream_ca.map(read_upstream_ca).transpose()?,
            vault_dir: None,
            listen: None,
        })
    }
}

/// Who a run's broker works for: where it records, whose limits it enforces.
pub struct Context<'a> {
    pub vault: &'a crate::vault::Vault,
    pub actor: &'a str,
    pub clock: Arc<dyn Clock>,
    /// The agent's `--rate-limit`, which counts the requests the broker forwards.
    pub rate_limit: Option<crate::agent::RateLimit>,
    /// The agent's audit key: request queries are recorded as its HMAC.
    pub audit_key: SecretText,
    /// Where the trust bundle's private directory is made: the run's own directory, which the
    /// sandbox leaves in view (default: the runtime or temporary directory).
    pub bundle_parent: Option<PathBuf>,
    /// Whether the injected values' echo in a response is masked too (`--mask`): the brokered
    /// ones always are.
    pub mask_injected: bool,
}

/// A run's broker, running.
pub struct Running {
    /// The variables the program needs to use it: the proxy, the CA bundle.
    pub env: Vec<(String, String)>,
    broker: Option<crate::broker::Running>,
    gate: Arc<RunGate>,
}

impl Running {
    /// What closes the gate when the watch finds the credential revoked: every request from
    /// then on is refused, whatever `--on-expiry` does to the program.
    pub fn closer(&self) -> impl Fn(Option<&super::revoked::Revoked>) + Send + 'static {
        let gate = Arc::clone(&self.gate);
        move |revoked| {
            let refusal = match revoked {
                Some(r) => Refusal::forbidden("revoked", r.describe()),
                None => Refusal::forbidden("expired", "the credential expired"),
            };
            gate.close(refusal);
        }
    }

    /// The proxy's URL with its credential (`http://agentcred:TOKEN@127.0.0.1:PORT`), for a
    /// client of agentcred's own that sends requests through it (`agentcred mcp`).
    pub fn proxy_url(&self) -> Option<&SecretString> {
        self.broker.as_ref().map(crate::broker::Running::proxy_url)
    }

    /// The trust bundle: the system roots and the run's CA.
    pub fn bundle_path(&self) -> Option<&Path> {
        self.broker
            .as_ref()
            .map(crate::broker::Running::bundle_path)
    }

    /// Refuses, and records as the gate records any refusal, a request carrying the
    /// placeholders of `secrets` for a host outside their binding that the client of
    /// agentcred's own caught before it was sent (the proxy would only have tunnelled it).
    pub fn refuse_unbound(&self, host: &str, port: u16, https: bool, secrets: Vec<String>) {
        use crate::broker::Gate as _;
        let target = crate::broker::UnboundTarget {
            host: host.to_string(),
            port,
            scheme: if https {
                crate::broker::Scheme::Https
            } else {
                crate::broker::Scheme::Http
            },
            placeholders: secrets,
            peer: crate::broker::Peer {
                addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                uid: None,
            },
        };
        self.gate.unbound(&target, false);
    }

    /// Stops the proxy, writes what the gate still holds, and says what it did, for `exec.end`.
    pub fn stop(mut self) -> serde_json::Value {
        if let Some(broker) = self.broker.take() {
            broker.shutdown();
        }
        self.gate.wait();
        self.gate.log().close();
        let c = &self.gate.counts;
        serde_json::json!({
            "forwarded": c.forwarded.load(Ordering::Relaxed),
            "refused": c.refused.load(Ordering::Relaxed),
            "tunnelled": c.tunnelled.load(Ordering::Relaxed),
        })
    }
}

/// The loopback names clients reach directly (`NO_PROXY`), less any a secret is bound to: a
/// value bound to a local API must go through the broker like any other.
fn no_proxy(bound: &[crate::destination::HostPattern]) -> String {
    ["localhost", "127.0.0.1", "::1"]
        .into_iter()
        .filter(|name| !bound.iter().any(|h| h.host_text() == *name))
        .collect::<Vec<_>>()
        .join(",")
}

/// Names to resolve to given addresses instead of asking DNS (`name=address,…`), for tests that
/// name a local upstream `api.bound.test`. Read by debug builds only: what a process's
/// environment says must not redirect where a release build sends a secret.
#[cfg(debug_assertions)]
fn test_resolve() -> std::collections::HashMap<String, std::net::IpAddr> {
    std::env::var("AGENTCRED_TEST_RESOLVE")
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| {
            let (name, ip) = pair.split_once('=')?;
            Some((name.trim().to_ascii_lowercase(), ip.trim().parse().ok()?))
        })
        .collect()
}

#[cfg(not(debug_assertions))]
fn test_resolve() -> std::collections::HashMap<String, std::net::IpAddr> {
    std::collections::HashMap::new()
}

/// Starts the run's broker if it needs one (a brokered secret, or `--broker`), before the
/// program exists; `None` when it needs none. Refused under `--replace`: nothing would be left
/// to run it.
pub fn start(
    plan: BrokerPlan,
    opts: &Options,
    issued: &Issued,
    replace: bool,
    cx: Option<Context<'_>>,
) -> Result<Option<Running>> {
    if plan.is_empty() && !opts.requested {
        return Ok(None);
    }
    let names = || {
        plan.entries
            .iter()
            .map(|e| e.secret.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if replace {
        return Err(Error::usage(format!(
            "--replace cannot broker ({}): nothing would be left to run the broker",
            if plan.is_empty() {
                "--broker".to_string()
            } else {
                names()
            }
        ))
        .hint("drop --replace"));
    }
    let Some(cx) = cx else {
        return Err(Error::usage(
            "a nested exec cannot start a broker of its own: its program uses the outer run's",
        )
        .hint("ask for the brokered secret in the outer exec"));
    };
    let (egress, upstream_ca) = resolve(opts)?;
    let mut hosts: Vec<crate::destination::HostPattern> = Vec::new();
    for e in &plan.entries {
        for h in e.binding.hosts.iter().flatten() {
            if !hosts.contains(h) {
                hosts.push(h.clone());
            }
        }
    }
    let broker_hosts = hosts
        .iter()
        .map(|h| crate::broker::HostPattern::parse(&h.to_string()))
        .collect::<Result<Vec<_>>>()?;
    let mut config = crate::broker::Config::new(broker_hosts);
    config.egress = match egress {
        Egress::Open => crate::broker::Egress::Open,
        Egress::Bound => crate::broker::Egress::Bound,
    };
    config.upstream_ca = upstream_ca.map(|ca| ca.path);
    config.bundle_parent = cx.bundle_parent.clone();
    if let Some(listen) = opts.listen {
        config.listen = listen;
    }
    let now = cx.clock.now();
    config.ca_validity = (issued.plan.expires_at - now).to_std().unwrap_or_default()
        + std::time::Duration::from_secs(300);
    config.resolve = test_resolve();
    let injected = issued
        .plan
        .secrets
        .iter()
        .filter(|_| cx.mask_injected)
        .map(|s| s.value.expose_secret());
    let masker = super::mask::Masker::new(
        plan.entries
            .iter()
            .map(|e| e.value.expose_secret())
            .chain(injected),
    );
    config.response_filter = Some(Arc::new(move || {
        Box::new(masker.clone()) as Box<dyn crate::broker::BodyFilter>
    }));
    let mut bound = Vec::new();
    for e in plan.entries {
        config.substitutions.push(crate::broker::Substitution {
            id: e.secret.clone(),
            placeholder: e.placeholder.expose_secret().to_string(),
            value: secrecy::SecretSlice::from(e.value.expose_secret().as_bytes().to_vec()),
        });
        bound.push(Bound {
            name: e.secret,
            binding: e.binding,
        });
    }
    let vault = cx.vault;
    let settings = crate::settings::Settings::load(&vault.dir)?;
    let agent = issued.plan.agent.clone();
    let activity = crate::audit::activity::load(&vault.dir, &agent, &settings.anomaly, &|id| {
        vault.config.issuer_key(id)
    })?
    .activity;
    let run = RunInfo {
        dir: vault.dir.clone(),
        vault_id: vault.config.vault_id.clone(),
        actor: cx.actor.to_string(),
        agent,
        credential_id: issued.id.clone(),
        expires_at: issued.plan.expires_at,
        rate_limit: cx.rate_limit,
        audit_key: cx.audit_key,
    };
    let gate = Arc::new(RunGate::new(run, cx.clock, bound, activity, settings));
    let broker = crate::broker::Broker::start(config, Arc::clone(&gate))?;
    let proxy = broker.proxy_url().expose_secret().to_string();
    let bundle = broker.bundle_path().display().to_string();
    let no_proxy = no_proxy(&hosts);
    let mut env: Vec<(String, String)> = Vec::new();
    for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
        env.push((var.into(), proxy.clone()));
    }
    for var in ["NO_PROXY", "no_proxy"] {
        env.push((var.into(), no_proxy.clone()));
    }
    for var in CA_VARIABLES {
        env.push(((*var).into(), bundle.clone()));
    }
    // Node 24 and later use the proxy variables when this is set; older ones need a dispatcher
    // (see the README), and ignore it.
    env.push(("NODE_USE_ENV_PROXY".into(), "1".into()));
    Ok(Some(Running {
        env,
        broker: Some(broker),
        gate,
    }))
}

/// The variables clients read a CA bundle from: OpenSSL and Go (`SSL_CERT_FILE`), Python's
/// requests, curl, Node (added to its own roots), git, and the AWS SDKs.
pub const CA_VARIABLES: &[&str] = &[
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
    "AWS_CA_BUNDLE",
];

/// The options a broker runs with: the flags, else `[broker]` in the vault's `config.toml`.
pub fn resolve(opts: &Options) -> Result<(Egress, Option<UpstreamCa>)> {
    let settings = match &opts.vault_dir {
        Some(dir) => crate::settings::Settings::load(dir)?.broker,
        None => crate::settings::BrokerSettings::default(),
    };
    let egress = opts.egress.or(settings.egress).unwrap_or(Egress::Open);
    let ca = match (&opts.upstream_ca, &settings.upstream_ca) {
        (Some(ca), _) => Some(ca.clone()),
        (None, Some(path)) => Some(read_upstream_ca(path)?),
        (None, None) => None,
    };
    Ok((egress, ca))
}

/// Reads `path` as PEM certificates: missing is 66, anything but certificates 78.
pub fn read_upstream_ca(path: &Path) -> Result<UpstreamCa> {
    let shown = path.display();
    let text = match std::fs::read(path) {
        Ok(bytes) if bytes.len() > 4 * 1024 * 1024 => {
            return Err(Error::config(format!(
                "upstream CA file {shown} is larger than 4 MiB"
            )));
        }
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                Error::not_found(format!("upstream CA file {shown} does not exist"))
                    .hint("give the PEM file of the CA that signed the upstream's certificate"),
            );
        }
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    let certificates = parse_pem_certificates(&text).map_err(|why| {
        Error::config(format!("upstream CA file {shown} is not usable: {why}"))
            .hint("it must hold one or more -----BEGIN CERTIFICATE----- blocks (PEM)")
    })?;
    Ok(UpstreamCa {
        path: path.to_path_buf(),
        certificates,
    })
}

/// The certificates of a PEM file, DER. Anything between blocks is ignored (as OpenSSL does);
/// a private key or another kind of block is refused, as is a file with no certificate.
fn parse_pem_certificates(bytes: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    use base64::Engine as _;
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not text".to_string())?;
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        if label != "CERTIFICATE" && label != "TRUSTED CERTIFICATE" {
            return Err(format!("it holds a {label} block, not only certificates"));
        }
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        loop {
            let Some(l) = lines.next() else {
                return Err(format!("a {label} block has no END line"));
            };
            let l = l.trim();
            if l == end {
                break;
            }
            body.push_str(l);
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(&body)
            .map_err(|_| format!("certificate {} is not valid base64", out.len() + 1))?;
        if !is_der_sequence(&der) {
            return Err(format!("certificate {} is not DER", out.len() + 1));
        }
        out.push(der);
    }
    if out.is_empty() {
        return Err("it holds no certificate".into());
    }
    Ok(out)
}

/// Is `der` one DER SEQUENCE spanning exactly the bytes, starting with another (a
/// certificate's outer structure and its to-be-signed part)?
fn is_der_sequence(der: &[u8]) -> bool {
    fn header(b: &[u8]) -> Option<(usize, usize)> {
        if *b.first()? != 0x30 {
            return None;
        }
        let first = *b.get(1)?;
        if first < 0x80 {
            return Some((2, usize::from(first)));
        }
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let len = b
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |acc, x| (acc << 8) | usize::from(*x));
        Some((2 + n, len))
    }
    match header(der) {
        Some((h, len)) => h + len == der.len() && header(&der[h..]).is_some(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBejCCAR+gAwIBAgIUTcf0K0n39KB8nxV6+bbU9P+rjV8wCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHdGVzdC1jYTAeFw0yNjEyMDEyMDA0NTlaFw0zNjExMjgyMDA0
NTlaMBIxEDAOBgNVBAMMB3Rlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AARfi0RcAZp94fAHjT5iwnNndj79jHEdVDCq1w96i1VeQa0BFTic6Noa0weh8l3r
Mhc5U4cLsXOo66boin5kOpWPo1MwUTAdBgNVHQ4EFgQUTdKbJNoFOYa4sVNJVB/F
cuz+C58wHwYDVR0jBBgwFoAUTdKbJNoFOYa4sVNJVB/Fcuz+C58wDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAhtK0Y1olqB4FX1M/KiR0uqQayJ60
VOQJ3R5VlrVY+BsCIQDTqClUsKnzYvkvz0wGrCzyZNFG3d1ydZ7W3PZi3RceIw==
-----END CERTIFICATE-----
";

    fn issued() -> Issued {
        use crate::credential::{Injected, LimitedBy, Plan};
        use crate::destination::{Delivery, Destination, HostPattern};
        let now = chrono::Utc::now();
        let secret = |name: &str, env: &str, value: &str, delivery| Injected {
            source: None,
            field: None,
            name: name.into(),
            env: env.into(),
            version: 1,
            value: SecretText::new(value.into()),
            destination: Destination {
                delivery,
                binding: Binding {
                    hosts: Some(vec![HostPattern::parse("api.example.com").unwrap()]),
                    ..Binding::default()
                },
                placeholder_prefix: Some("sk-".into()),
            },
        };
        Issued {
            id: "cr_1".into(),
            token: SecretText::new("token".into()),
            chain: vec![],
            plan: Plan {
                agent: "a".into(),
                secrets: vec![
                    secret("db", "DB", "db-value", Delivery::Env),
                    secret("openai", "OPENAI", "openai-value", Delivery::Broker),
                ],
                actions: None,
                resources: None,
                issued_at: now,
                expires_at: now + chrono::Duration::minutes(5),
                requested_ttl: chrono::Duration::minutes(5),
                limited_by: LimitedBy::Request,
            },
            openbao: None,
        }
    }

    #[test]
    fn a_brokered_value_is_replaced_by_its_placeholder_and_kept_in_the_plan() {
        use secrecy::ExposeSecret;
        let issued = issued();
        let (vars, plan) = prepare(&issued);
        let var = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(var("DB").as_deref(), Some("db-value"));
        let shown = var("OPENAI").unwrap();
        assert!(shown.starts_with("sk-agentcred-ph-"), "{shown}");
        assert!(vars.iter().all(|(_, v)| !v.contains("openai-value")));
        assert_eq!(plan.entries.len(), 1);
        let e = &plan.entries[0];
        assert_eq!(
            (e.variable.as_str(), e.secret.as_str()),
            ("OPENAI", "openai")
        );
        assert_eq!(e.placeholder.expose_secret(), shown);
        assert_eq!(e.value.expose_secret(), "openai-value");
        assert!(e.binding.allows("api.example.com", 443, "GET", "/").is_ok());
        assert!(
            !format!("{plan:?}").contains("openai-value"),
            "Debug is redacted"
        );
        // A second run gets another placeholder.
        let (again, _) = prepare(&issued);
        assert_ne!(again.iter().find(|(n, _)| n == "OPENAI").unwrap().1, shown);
        // Without a vault to record in (a nested run) such a run is refused, and under
        // --replace always.
        let opts = Options::default();
        let err = start(plan, &opts, &issued, false, None).err().unwrap();
        assert!(err.to_string().contains("nested"), "{err}");
        let (_, plan) = prepare(&issued);
        assert!(
            start(plan, &opts, &issued, true, None)
                .err()
                .unwrap()
                .to_string()
                .contains("--replace")
        );
        assert!(
            start(BrokerPlan::default(), &opts, &issued, false, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn pem_certificates_are_read_and_anything_else_refused() {
        let certs = parse_pem_certificates(CERT.as_bytes()).unwrap();
        assert_eq!(certs.len(), 1);
        let two = format!("comment\n{CERT}\n{CERT}");
        assert_eq!(parse_pem_certificates(two.as_bytes()).unwrap().len(), 2);
        assert!(parse_pem_certificates(b"").is_err());
        assert!(parse_pem_certificates(b"not a certificate").is_err());
        let key = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert!(
            parse_pem_certificates(key.as_bytes())
                .unwrap_err()
                .contains("PRIVATE KEY")
        );
        let truncated = CERT.replace("-----END CERTIFICATE-----\n", "");
        assert!(parse_pem_certificates(truncated.as_bytes()).is_err());
        let garbage = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert!(parse_pem_certificates(garbage.as_bytes()).is_err());
    }
}
