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

/// How much serialised JSON [`Gather`] collects before passing it on.
const GATHER: usize = 64 * 1024;

/// Collects serde_json's many small writes (a field name, a quote, a comma) into pieces of
/// [`GATHER`] bytes before they are hashed and encrypted, each of which costs something per call.
/// The buffer holds plaintext, so it is zeroed when dropped.
struct Gather<W: Write> {
    inner: W,
    buf: zeroize::Zeroizing<Vec<u8>>,
}

impl<W: Write> Write for Gather<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > GATHER {
            self.inner.write_all(&self.buf)?;
            self.buf.clear();
        }
        if data.len() >= GATHER {
            self.inner.write_all(data)?;
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
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
    {
        let mut gathered = Gather {
            inner: &mut tee,
            buf: zeroize::Zeroizing::new(Vec::with_capacity(GATHER)),
        };
        serde_json::to_writer(&mut gathered, body).map_err(|e| failed(&e))?;
        gathered.flush().map_err(|e| failed(&e))?;
    }
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
    let (header, body, key) = split(bytes, kind, keys, what)?;
    let parse = || {
        serde_json::from_slice(body)
            .map_err(|e| tampered(what, &format!("unreadable contents ({e})")))
    };
    // A large body (the state of a big vault) is hashed on the second core while this one parses
    // it; the parse is discarded unless the signature holds. Parsing first is safe: serde only
    // builds values, and the plaintext came out of age's authenticated decryption.
    let (signed, parsed) = if body.len() > 256 * 1024 {
        std::thread::scope(|scope| {
            let signed = scope.spawn(|| is_signed(&header, body, &key, kind));
            let parsed = parse();
            (signed.join().expect("hashing does not panic"), parsed)
        })
    } else if is_signed(&header, body, &key, kind) {
        (true, parse())
    } else {
        (false, Err(tampered(what, "bad signature")))
    };
    if !signed {
        return Err(tampered(what, "bad signature"));
    }
    Ok((header, parsed?))
}

/// Checks the seal's kind and signature without parsing the body; returns both.
pub fn verify<'a>(
    bytes: &'a [u8],
    kind: &str,
    keys: &dyn Fn(&str) -> Option<PublicKey>,
    what: &str,
) -> Result<(Header, &'a [u8])> {
    let (header, body, key) = split(bytes, kind, keys, what)?;
    if !is_signed(&header, body, &key, kind) {
        return Err(tampered(what, "bad signature"));
    }
    Ok((header, body))
}

fn tampered(what: &str, why: &str) -> Error {
    Error::bad_data(format!("{what} failed its integrity check: {why}"))
        .hint("it was modified or replaced outside agentcred; restore it from a backup")
}

/// Separates body and seal, checks the seal's kind and finds its key.
fn split<'a>(
    bytes: &'a [u8],
    kind: &str,
    keys: &dyn Fn(&str) -> Option<PublicKey>,
    what: &str,
) -> Result<(Header, &'a [u8], PublicKey)> {
    let split = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .ok_or_else(|| tampered(what, "not a sealed document"))?;
    let (body, seal) = (&bytes[..split], &bytes[split + 1..]);
    let header: Header =
        serde_json::from_slice(seal).map_err(|_| tampered(what, "not a sealed document"))?;
    if header.format != 1 || header.kind != kind {
        return Err(tampered(what, "wrong document kind"));
    }
    let key =
        keys(&header.key_id).ok_or_else(|| tampered(what, "signed by an unknown issuer key"))?;
    Ok((header, body, key))
}

fn is_signed(header: &Header, body: &[u8], key: &PublicKey, kind: &str) -> bool {
    let mut hash = hasher(&header.vault_id, header.generation);
    hash.update(body);
    key.verify_digest(kind, &hash.finalize().into(), &header.signature)
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

    #[test]
    fn a_large_body_is_checked_too() {
        let key = KeyPair::generate();
        let keys = |id: &str| (id == key.public().key_id()).then(|| key.public());
        let big = serde_json::json!({ "pad": "y".repeat(400_000) });
        let sealed = seal_to(Vec::new(), "k", &key, "v", 1, &big).unwrap();
        assert!(open::<serde_json::Value>(&sealed, "k", &keys, "doc").is_ok());
        let mut edited = sealed;
        edited[1000] = b'z';
        assert_eq!(
            open::<serde_json::Value>(&edited, "k", &keys, "doc")
                .unwrap_err()
                .exit_code(),
            65
        );
    }
}
