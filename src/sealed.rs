//! Signed documents: the plaintext inside `vault.age` and every agent envelope.
//!
//! age encrypts but does not authenticate the writer: anybody who knows a recipient can produce a
//! valid age file. So the plaintext is the JSON body on one line, then a newline, then a one-line
//! JSON *seal* naming the document kind, the vault, its generation, the issuer key and a
//! signature over the body's exact bytes. The seal comes last so that the body can be serialised
//! straight into the encryptor while it is hashed: a large state is never held as plaintext bytes
//! in memory. The body is parsed once, no canonical re-serialisation is needed to check it, and
//! the decrypted file stays plain JSON Lines for anyone recovering it with stock `age -d`.

use std::io::Write;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{KeyPair, PublicKey};
use crate::error::{Error, Result};

/// The last line. `vault_id` and `generation` are covered by the signature, so a document can be
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

/// The digest the signature covers: the vault id, the generation, then the body.
fn hasher(vault_id: &str, generation: u64) -> Sha256 {
    let mut h = Sha256::new();
    h.update(format!("{vault_id}\n{generation}\n").as_bytes());
    h
}

/// Writes through to `inner` while hashing what passes.
struct Tee<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Serialises `body` into `out`, then the seal line signed with `key` under `kind`.
pub fn seal_to<W: Write, T: Serialize>(
    out: W,
    kind: &str,
    key: &KeyPair,
    vault_id: &str,
    generation: u64,
    body: &T,
) -> Result<W> {
    let failed = |e: &dyn std::fmt::Display| Error::other(format!("cannot write {kind}: {e}"));
    let mut tee = Tee {
        inner: out,
        hash: hasher(vault_id, generation),
    };
    serde_json::to_writer(&mut tee, body).map_err(|e| failed(&e))?;
    let Tee { mut inner, hash } = tee;
    let header = Header {
        format: 1,
        kind: kind.to_string(),
        vault_id: vault_id.to_string(),
        generation,
        key_id: key.public().key_id(),
        signature: key.sign_digest(kind, &hash.finalize().into()),
    };
    inner.write_all(b"\n").map_err(|e| failed(&e))?;
    serde_json::to_writer(&mut inner, &header).map_err(|e| failed(&e))?;
    Ok(inner)
}

/// Checks the seal's kind and signature, then parses the body. `keys` maps a key id to the
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

/// Checks the seal's kind and signature without parsing the body; returns both.
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
        .rposition(|b| *b == b'\n')
        .ok_or_else(|| tampered("not a sealed document"))?;
    let (body, seal) = (&bytes[..split], &bytes[split + 1..]);
    let header: Header =
        serde_json::from_slice(seal).map_err(|_| tampered("not a sealed document"))?;
    if header.format != 1 || header.kind != kind {
        return Err(tampered("wrong document kind"));
    }
    let key = keys(&header.key_id).ok_or_else(|| tampered("signed by an unknown issuer key"))?;
    let mut hash = hasher(&header.vault_id, header.generation);
    hash.update(body);
    if !key.verify_digest(kind, &hash.finalize().into(), &header.signature) {
        return Err(tampered("bad signature"));
    }
    Ok((header, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_body_generation_or_kind_is_refused() {
        let key = KeyPair::generate();
        let keys = |id: &str| (id == key.public().key_id()).then(|| key.public());
        let sealed = seal_to(Vec::new(), "k1", &key, "v", 7, &serde_json::json!({"a": 1})).unwrap();
        let (header, back): (Header, serde_json::Value) =
            open(&sealed, "k1", &keys, "doc").unwrap();
        assert_eq!((back["a"].as_i64(), header.generation), (Some(1), 7));
        let code = |bytes: &[u8], kind| {
            open::<serde_json::Value>(bytes, kind, &keys, "doc")
                .unwrap_err()
                .exit_code()
        };
        assert_eq!(code(&sealed, "k2"), 65);
        let edited = String::from_utf8(sealed.clone())
            .unwrap()
            .replacen("\"a\":1", "\"a\":2", 1);
        assert_eq!(code(edited.as_bytes(), "k1"), 65);
        let older =
            String::from_utf8(sealed)
                .unwrap()
                .replacen("\"generation\":7", "\"generation\":6", 1);
        assert_eq!(code(older.as_bytes(), "k1"), 65);
    }
}
