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

use secrecy::SecretString;

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
}

/// What a broker hands back: the variables the program needs to use it (the proxy, the CA
/// bundle) and whatever keeps it running until the run ends.
pub struct Running {
    pub env: Vec<(String, String)>,
    pub guard: Box<dyn std::any::Any>,
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

/// Starts the run's broker if it needs one (a brokered secret, or `--broker`), before the
/// program exists; `None` when it needs none. Refused under `--replace`: nothing would be left
/// to run it.
pub fn start(
    plan: BrokerPlan,
    opts: &Options,
    issued: &Issued,
    replace: bool,
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
    let (egress, upstream_ca) = resolve(opts)?;
    // The broker starts here, with the plan in hand: `plan.entries` (variable, secret,
    // placeholder, binding, value), `egress`, `upstream_ca`, and the credential it enforces
    // (`issued`: id, token, agent, expiry). It returns `Running`: the proxy and CA variables for
    // the program, and its guard, dropped when the run ends.
    let _ = (issued, egress, upstream_ca);
    let why = if plan.is_empty() {
        "--broker".to_string()
    } else {
        format!("brokered secret {}", names())
    };
    Err(Error::other(format!(
        "the broker is not available in this build; {why} cannot be run"
    ))
    .hint("nothing was started; an admin can deliver the secret in the environment instead: agentcred secret edit NAME --delivery env"))
}

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
        // Without a broker in this build such a run is refused, and under --replace always.
        let opts = Options::default();
        let err = start(plan, &opts, &issued, false).err().unwrap();
        assert!(err.to_string().contains("openai"), "{err}");
        let (_, plan) = prepare(&issued);
        assert!(
            start(plan, &opts, &issued, true)
                .err()
                .unwrap()
                .to_string()
                .contains("--replace")
        );
        assert!(
            start(BrokerPlan::default(), &opts, &issued, false)
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
