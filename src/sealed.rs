//! Signed documents: the plaintext inside `vault.age` and every agent envelope.
//!
//! age encrypts but does not authenticate the writer: anybody who knows a recipient can produce a
//! valid age file. So the plaintext is a one-line JSON header naming the document kind, the issuer
//! key and the signature, a newline, then the JSON body the signature covers byte for byte. The
//! body is parsed once, and no canonical re-serialisation is needed to check it; the decrypted
//! file stays plain JSON Lines for anyone recovering it with stock `age -d`.

use serde::{Deserialize, Serialize};

use crate::crypto::{KeyPair, PublicKey};
use crate::error::{Error, Result};

/// The first line. `vault_id` and `generation` are covered by the signature, so a document can be
/// authenticated and placed in time without parsing its body.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    format: u32,
    kind: String,
    pub vault_id: String,
    pub generation: u64,
    key_id: String,
    signature: String,
}

/// What the signature covers, besides the body.
fn prefix(vault_id: &str, generation: u64) -> String {
    format!("{vault_id}\n{generation}\n")
}

/// A sealed document, as the header line and the body: written (encrypted) one after the other,
/// never concatenated in memory.
pub struct Sealed {
    header: Vec<u8>,
    body: zeroize::Zeroizing<Vec<u8>>,
}

impl Sealed {
    pub fn parts(&self) -> [&[u8]; 2] {
        [&self.header, &self.body]
    }
}

/// Serialises `body`, signs it with `key` under `kind`, and returns header and body.
/// `size_hint` sizes the buffer (the previous size of the document, say).
pub fn seal<T: Serialize>(
    kind: &str,
    key: &KeyPair,
    vault_id: &str,
    generation: u64,
    body: &T,
    size_hint: usize,
) -> Result<Sealed> {
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(size_hint));
    serde_json::to_writer(&mut *buf, body)
        .map_err(|e| Error::other(format!("cannot serialise {kind}: {e}")))?;
    let header = Header {
        format: 1,
        kind: kind.to_string(),
        vault_id: vault_id.to_string(),
        generation,
        key_id: key.public().key_id(),
        signature: key.sign_parts(kind, &[prefix(vault_id, generation).as_bytes(), &buf]),
    };
    let mut line = serde_json::to_vec(&header).map_err(|e| Error::other(e.to_string()))?;
    line.push(b'\n');
    Ok(Sealed {
        header: line,
        body: buf,
    })
}

/// Checks the header's kind and signature, then parses the body. `keys` maps a key id to the
/// issuer public key that may have signed it; `what` names the file for error messages.
pub fn open<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    kind: &str,
    keys: &dyn Fn(&str) -> Option<PublicKey>,
    what: &str,
) -> Result<(Header, T)> {
    let (header, body) = verify(bytes, kind, keys, what)?;
    let parsed = serde_json::from_slice(body).map_err(|e| {
        Error::bad_data(format!(
            "{what} failed its integrity check: unreadable contents ({e})"
        ))
        .hint("it was modified or replaced outside agentcred; restore it from a backup")
    })?;
    Ok((header, parsed))
}

/// Checks the header's kind and signature without parsing the body; returns both.
pub fn verify<'a>(
    bytes: &'a [u8],
    kind: &str,
    keys: &dyn Fn(&str) -> Option<PublicKey>,
    what: &str,
) -> Result<(Header, &'a [u8])> {
    let tampered = |why: &str| {
        Error::bad_data(format!("{what} failed its integrity check: {why}"))
            .hint("it was modified or replaced outside agentcred; restore it from a backup")
    };
    let split = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| tampered("not a sealed document"))?;
    let (header, body) = (&bytes[..split], &bytes[split + 1..]);
    let header: Header =
        serde_json::from_slice(header).map_err(|_| tampered("not a sealed document"))?;
    if header.format != 1 || header.kind != kind {
        return Err(tampered("wrong document kind"));
    }
    let key = keys(&header.key_id).ok_or_else(|| tampered("signed by an unknown issuer key"))?;
    let covered = [prefix(&header.vault_id, header.generation).into_bytes()];
    if !key.verify_parts(kind, &[&covered[0], body], &header.signature) {
        return Err(tampered("bad signature"));
    }
    Ok((header, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_body_or_kind_is_refused() {
        let key = KeyPair::generate();
        let keys = |id: &str| (id == key.public().key_id()).then(|| key.public());
        let sealed = seal("k1", &key, "v", 7, &serde_json::json!({"a": 1}), 0)
            .unwrap()
            .parts()
            .concat();
        let (header, back): (Header, serde_json::Value) =
            open(&sealed, "k1", &keys, "doc").unwrap();
        assert_eq!((back["a"].as_i64(), header.generation), (Some(1), 7));
        assert_eq!(
            open::<serde_json::Value>(&sealed, "k2", &keys, "doc")
                .unwrap_err()
                .exit_code(),
            65
        );
        let mut edited = sealed.clone();
        let last = edited.len() - 2;
        edited[last] = b'2';
        assert_eq!(
            open::<serde_json::Value>(&edited, "k1", &keys, "doc")
                .unwrap_err()
                .exit_code(),
            65
        );
    }
}
