//! The per-run certificate authority and the leaf certificates it mints.
//!
//! The CA key is an ECDSA P-256 key generated in memory at start; only its certificate leaves
//! the process (in the trust bundle). The certificate carries a critical name-constraints
//! extension permitting only the bound hosts, and a path length of zero, so even a stolen key
//! could vouch for nothing else, and only until the short validity ends.
//!
//! Name constraints permit whole DNS subtrees: a constraint `api.example.com` also admits
//! `x.api.example.com`, and nothing narrower can be written. For `*.example.com` the permitted
//! subtree is `example.com` (which admits `example.com` itself too): the leading-dot form some
//! verifiers read as "subdomains only" is not a DNS name, and RFC 5280 leaves it undefined for
//! DNS constraints, so verifiers disagree on it; the plain subtree is read the same way by every
//! TLS library our clients use. Leaves are only ever minted for hosts a pattern matches, so the
//! wider subtree changes nothing for the run itself; it only bounds what a stolen key could do.
//!
//! DNS constraints leave IP-address names unconstrained, so unless an IP address is bound the
//! CA also excludes every IPv4 and IPv6 address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints, SerialNumber,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::hosts::{HostPattern, Subtree};
use crate::{Error, Result};

/// Clients' clocks may be a little behind ours.
const BACKDATE: Duration = Duration::from_secs(300);

pub struct PerRunCa {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    not_after: SystemTime,
    leaves: Mutex<HashMap<String, Arc<rustls::ServerConfig>>>,
}

impl PerRunCa {
    pub fn generate(hosts: &[HostPattern], validity: Duration) -> Result<PerRunCa> {
        let now = SystemTime::now();
        let not_after = now + validity;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "agentcred per-run CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "agentcred");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = (now - BACKDATE).into();
        params.not_after = not_after.into();
        params.serial_number = Some(serial());
        params.name_constraints = Some(constraints(hosts));
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(cert_error)?;
        let cert = params.self_signed(&key).map_err(cert_error)?;
        Ok(PerRunCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
            not_after,
            leaves: Mutex::new(HashMap::new()),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The TLS server configuration presenting a leaf for `host`, minted on first use and kept
    /// for the run. The caller has checked that a bound pattern covers `host`.
    pub fn server_config(&self, host: &str) -> Result<Arc<rustls::ServerConfig>> {
        let host = super::hosts::normalise(host);
        if let Some(c) = self.leaves.lock().expect("leaf cache").get(&host) {
            return Ok(c.clone());
        }
        let (chain, key) = self.mint_leaf(&host)?;
        let mut config = rustls::ServerConfig::builder_with_provider(super::provider())
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|e| Error::other(format!("cannot build the TLS server for {host}: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let config = Arc::new(config);
        self.leaves
            .lock()
            .expect("leaf cache")
            .entry(host)
            .or_insert(config.clone());
        Ok(config)
    }

    /// A P-256 leaf for `host` (SAN = the host, server authentication only), signed by the CA.
    pub(crate) fn mint_leaf(
        &self,
        host: &str,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        let mut params = CertificateParams::new(vec![host.to_string()]).map_err(cert_error)?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, host);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = (SystemTime::now() - BACKDATE).into();
        params.not_after = self.not_after.into();
        params.serial_number = Some(serial());
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(cert_error)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(cert_error)?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Ok((vec![cert.der().clone()], key_der))
    }
}

fn constraints(hosts: &[HostPattern]) -> NameConstraints {
    let mut permitted = Vec::new();
    let mut any_ip = false;
    for h in hosts {
        let subtree = match h.subtree() {
            Subtree::Dns(name) => GeneralSubtree::DnsName(name),
            Subtree::Ip(ip) => {
                any_ip = true;
                let prefix = if ip.is_ipv4() { 32 } else { 128 };
                GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(ip, prefix))
            }
        };
        if !permitted.contains(&subtree) {
            permitted.push(subtree);
        }
    }
    let excluded = if any_ip {
        Vec::new()
    } else {
        vec![
            GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(IpAddr::from([0u8; 4]), 0)),
            GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(IpAddr::from([0u8; 16]), 0)),
        ]
    };
    NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: excluded,
    }
}

fn serial() -> SerialNumber {
    let mut bytes = crate::crypto::random_bytes::<16>();
    // A positive INTEGER of fixed length.
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

fn cert_error(e: rcgen::Error) -> Error {
    Error::other(format!("cannot create the broker's certificates: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn openssl(args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl").args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    fn pem(der: &CertificateDer<'_>) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn the_ca_is_name_constrained_and_cannot_vouch_for_other_hosts() {
        let hosts = [
            HostPattern::parse("api.bound.test").unwrap(),
            HostPattern::parse("*.wild.test").unwrap(),
        ];
        let ca = PerRunCa::generate(&hosts, Duration::from_secs(3600)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, ca.cert_pem()).unwrap();
        let (ok, text) = openssl(&["x509", "-noout", "-text", "-in", ca_path.to_str().unwrap()]);
        assert!(ok, "{text}");
        assert!(text.contains("X509v3 Name Constraints: critical"), "{text}");
        assert!(text.contains("DNS:api.bound.test"), "{text}");
        assert!(text.contains("DNS:wild.test"), "{text}");
        assert!(text.contains("IP:0.0.0.0/0.0.0.0"), "{text}");
        assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");
        assert!(text.contains("ASN1 OID: prime256v1"), "{text}");

        for (host, good) in [
            ("api.bound.test", true),
            ("a.wild.test", true),
            ("evil.test", false),
            ("127.0.0.1", false),
        ] {
            // Leaves are minted here straight from the CA key, as a thief of the key would.
            let (chain, _) = ca.mint_leaf(host).unwrap();
            let leaf_path = dir.path().join("leaf.pem");
            std::fs::write(&leaf_path, pem(&chain[0])).unwrap();
            let (ok, text) = openssl(&[
                "verify",
                "-CAfile",
                ca_path.to_str().unwrap(),
                leaf_path.to_str().unwrap(),
            ]);
            assert_eq!(ok, good, "{host}: {text}");
            if !good {
                assert!(
                    text.contains("subtree violation") || text.contains("name constraint"),
                    "{host}: {text}"
                );
            }
        }
    }

    #[test]
    fn leaves_are_cached_per_host() {
        let hosts = [HostPattern::parse("*.wild.test").unwrap()];
        let ca = PerRunCa::generate(&hosts, Duration::from_secs(60)).unwrap();
        let a = ca.server_config("a.wild.test").unwrap();
        let b = ca.server_config("A.WILD.TEST.").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &ca.server_config("b.wild.test").unwrap()));
    }
}
