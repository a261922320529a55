//! Who may use the proxy: a client presenting the per-run proxy token (HTTP Basic, user
//! `agentcred`), connecting from a socket owned by the same user as the broker.

use std::net::{IpAddr, SocketAddr};

use secrecy::{ExposeSecret, SecretString};

pub(crate) const USER: &str = "agentcred";

pub(crate) struct ProxyAuth {
    token: SecretString,
}

impl ProxyAuth {
    /// A fresh token: 32 random bytes, URL-safe base64 (so it can sit in a proxy URL as it is).
    pub(crate) fn generate() -> ProxyAuth {
        let bytes = zeroize::Zeroizing::new(crate::crypto::random_bytes::<32>());
        ProxyAuth {
            token: SecretString::from(crate::crypto::b64url(bytes.as_slice())),
        }
    }

    pub(crate) fn token(&self) -> &SecretString {
        &self.token
    }

    /// Whether a `Proxy-Authorization` value carries `agentcred:TOKEN`; the token is compared in
    /// constant time.
    pub(crate) fn check(&self, header: Option<&[u8]>) -> bool {
        let Some(credential) = header.and_then(super::replace::basic_credential) else {
            return false;
        };
        let Some((user, token)) = credential
            .iter()
            .position(|&b| b == b':')
            .map(|i| (&credential[..i], &credential[i + 1..]))
        else {
            return false;
        };
        let expected = self.token.expose_secret().as_bytes();
        let same = token.len() == expected.len()
            && token
                .iter()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same & (user == USER.as_bytes())
    }
}

/// The user owning the client end of a loopback connection: the socket whose local address is
/// `peer` and remote address is `ours`, as the kernel lists it in /proc/net/tcp{,6}. `None` if
/// it cannot be told (then the connection is refused).
pub(crate) fn peer_uid(peer: SocketAddr, ours: SocketAddr) -> Option<u32> {
    let (file, local, remote) = match (peer, ours) {
        (SocketAddr::V4(p), SocketAddr::V4(o)) => ("/proc/net/tcp", hex_v4(p), hex_v4(o)),
        (SocketAddr::V6(p), SocketAddr::V6(o)) => ("/proc/net/tcp6", hex_v6(p), hex_v6(o)),
        _ => return None,
    };
    let table = std::fs::read_to_string(file).ok()?;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&local.as_str()) && fields.get(2) == Some(&remote.as_str()))
            .then(|| fields.get(7)?.parse().ok())
            .flatten()
    })
}

/// The kernel prints an address as its 32-bit words in host byte order, then the port.
fn hex_v4(a: std::net::SocketAddrV4) -> String {
    format!(
        "{:08X}:{:04X}",
        u32::from_ne_bytes(a.ip().octets()),
        a.port()
    )
}

fn hex_v6(a: std::net::SocketAddrV6) -> String {
    let o = a.ip().octets();
    let words: String = o
        .chunks(4)
        .map(|w| format!("{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]])))
        .collect();
    format!("{words}:{:04X}", a.port())
}

pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::replace::encode_basic;

    #[test]
    fn only_the_run_token_as_agentcred_is_accepted() {
        let auth = ProxyAuth::generate();
        let token = auth.token().expose_secret().to_string();
        let ok = encode_basic(format!("agentcred:{token}").as_bytes());
        assert!(auth.check(Some(&ok)));
        for bad in [
            encode_basic(format!("other:{token}").as_bytes()),
            encode_basic(format!("agentcred:{token}x").as_bytes()),
            encode_basic(b"agentcred:"),
            encode_basic(token.as_bytes()),
        ] {
            assert!(!auth.check(Some(&bad)));
        }
        assert!(!auth.check(None));
        assert!(!auth.check(Some(format!("Bearer {token}").as_bytes())));
    }

    #[test]
    fn the_owner_of_a_loopback_connection_is_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = listener.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(ours).unwrap();
        let (_, peer) = listener.accept().unwrap();
        let me = rustix::process::getuid().as_raw();
        assert_eq!(peer_uid(peer, ours), Some(me));
    }
}
