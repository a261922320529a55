//! Signed documents: the plaintext inside `vault.age` and every agent envelope.
//!
//! age encrypts but does not authenticate the writer: anybody who knows a recipient can produce a
//! valid age file. So the plaintext is a small JSON wrapper whose `body` is signed by the vault's
//! issuer key with a per-kind domain string. The signature covers the exact bytes of `body`
//! (kept as a raw JSON value), so no canonical re-serialisation is needed to check it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::crypto::{KeyPair, PublicKey};
use crate::error::{Error, Result};

#[derive(Serialize)]
struct SealedOut<'a> {
    format: u32,
    kind: &'a str,
    key_id: &'a str,
    signature: &'a str,
    body: &'a RawValue,
}

#[derive(Deserialize)]
struct SealedIn<'a> {
    format: u32,
    kind: String,
    key_id: String,
    signature: String,
    #[serde(borrow)]
    body: &'a RawValue,
}

/// Serialises `body`, signs it with `key` under `kind`, and returns the wrapper's bytes.
pub fn seal<T: Serialize>(kind: &str, key: &KeyPair, body: &T) -> Result<Vec<u8>> {
    let raw = serde_json::to_string(body)
        .map_err(|e| Error::other(format!("cannot serialise {kind}: {e}")))?;
    let raw = zeroize::Zeroizing::new(raw);
    let signature = key.sign(kind, raw.as_bytes());
    let key_id = key.public().key_id();
    let body = RawValue::from_string((*raw).clone()).map_err(|e| Error::other(e.to_string()))?;
    let out = serde_json::to_vec(&SealedOut {
        format: 1,
        kind,
        key_id: &key_id,
        signature: &signature,
        body: &body,
    })
    .map_err(|e| Error::other(e.to_string()))?;
    Ok(out)
}

/// Checks the wrapper's kind and signature, then parses the body. `keys` maps a key id to the
/// issuer public key that may have signed it; `what` names the file for error messages.
pub fn open<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    kind: &str,
    keys: &dyn Fn(&str) -> Option<PublicKey>,
    what: &str,
) -> Result<T> {
    let tampered = |why: &str| {
        Error::bad_data(format!("{what} failed its integrity check: {why}"))
            .hint("it was modified or replaced outside agentcred; restore it from a backup")
    };
    let sealed: SealedIn<'_> =
        serde_json::from_slice(bytes).map_err(|_| tampered("not a sealed document"))?;
    if sealed.format != 1 || sealed.kind != kind {
        return Err(tampered("wrong document kind"));
    }
    let key = keys(&sealed.key_id).ok_or_else(|| tampered("signed by an unknown issuer key"))?;
    if !key.verify(kind, sealed.body.get().as_bytes(), &sealed.signature) {
        return Err(tampered("bad signature"));
    }
    serde_json::from_str(sealed.body.get())
        .map_err(|e| tampered(&format!("unreadable contents ({e})")))
}
