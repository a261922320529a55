//! The cryptographic building blocks, each a thin wrapper over an audited crate.
//!
//! - Confidentiality: age (X25519 recipients). The passphrase never becomes an age scrypt stanza;
//!   Argon2id turns it into an X25519 identity, so `vault.age` is an ordinary recipient-encrypted age
//!   file that stock `age -d -i` can open with the exported identity (docs/DESIGN.md, "Unlocking").
//! - Authenticity: Ed25519 (issuer and agent keys). age does not authenticate the writer, so every
//!   document that decides access is signed, with a domain-separation prefix per document kind.
//! - Audit privacy: HMAC-SHA256 with a per-vault key (docs/DESIGN.md, "Audit entries").

use std::io::{Read, Write};

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use hmac::Mac;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::sensitive::SecretText;

/// Fills `buf` from the operating system's random source (in one read: one system call).
fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    fill_random(&mut buf);
    buf
}

/// `len` random bytes in one read of the operating system's random source, in memory wiped when
/// dropped. Each read is a system call, and on some virtual machines a slow one (tens of
/// microseconds): a change that draws 100,000 grant ids draws them all at once.
pub fn random_vec(len: usize) -> Zeroizing<Vec<u8>> {
    let mut buf = Zeroizing::new(vec![0u8; len]);
    fill_random(&mut buf);
    buf
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

pub fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

pub fn unb64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The bytes of lower- or upper-case hex; `None` for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

// ---------------------------------------------------------------------------------------------
// Argon2id

/// Argon2id cost bounds: what `init` accepts and what a stored vault may name. Below them argon2
/// refuses to run; above them a single unlock takes minutes or more memory than a machine has,
/// which an edited `vault.toml` must not be able to impose on whoever unlocks next.
pub const KDF_MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
pub const KDF_MAX_ITERATIONS: u32 = 64;
pub const KDF_MAX_PARALLELISM: u32 = 64;

/// Argon2id cost parameters, stored per vault in `vault.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106, section 4, second recommended option: 64 MiB, t=3, p=4.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };

    pub fn is_weaker_than_default(&self) -> bool {
        self.memory_kib < Self::DEFAULT.memory_kib || self.iterations < Self::DEFAULT.iterations
    }

    /// The first parameter outside the accepted bounds (see [`KDF_MAX_MEMORY_KIB`]), as (field,
    /// value, accepted range); the lower bounds are argon2's own (8 KiB of memory per lane).
    pub fn out_of_bounds(&self) -> Option<(&'static str, u32, String)> {
        if !(1..=KDF_MAX_PARALLELISM).contains(&self.parallelism) {
            return Some((
                "parallelism",
                self.parallelism,
                format!("1 to {KDF_MAX_PARALLELISM}"),
            ));
        }
        if !(1..=KDF_MAX_ITERATIONS).contains(&self.iterations) {
            return Some((
                "iterations",
                self.iterations,
                format!("1 to {KDF_MAX_ITERATIONS}"),
            ));
        }
        let min_memory = 8 * self.parallelism;
        if !(min_memory..=KDF_MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return Some((
                "memory_kib",
                self.memory_kib,
                format!("{min_memory} to {KDF_MAX_MEMORY_KIB} (8 KiB per lane, at most 4 GiB)"),
            ));
        }
        None
    }

    /// Refuses parameters outside the bounds `init` accepts, naming the first one.
    pub fn validate(&self) -> Result<()> {
        match self.out_of_bounds() {
            None => Ok(()),
            Some((field, value, range)) => Err(Error::usage(format!(
                "invalid Argon2id parameters: {field} {value} is outside the accepted {range}"
            ))
            .hint("the default (64 MiB, 3 iterations, 4 lanes) suits most machines")),
        }
    }
}

/// Derives the 32-byte admin identity seed from a passphrase. The salt is public (vault.toml).
pub fn derive_seed(
    passphrase: &SecretText,
    salt: &[u8],
    p: KdfParams,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = argon2::Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
        .map_err(|e| Error::config(format!("vault.toml has invalid Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose_secret().as_bytes(), salt, out.as_mut())
        .map_err(|e| Error::other(format!("key derivation failed: {e}")))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// age

/// An X25519 identity built from 32 secret bytes (an Argon2id output or an agent key).
pub fn identity_from_seed(seed: &[u8; 32]) -> age::x25519::Identity {
    use bech32::{Bech32, Hrp};
    let hrp = Hrp::parse_unchecked("age-secret-key-");
    let encoded = Zeroizing::new(bech32::encode::<Bech32>(hrp, seed).expect("32 bytes fit bech32"));
    encoded
        .to_uppercase()
        .parse()
        .expect("a well-formed age identity")
}

pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    text.trim().parse().map_err(|e: &str| {
        Error::usage(format!("'{}' is not an age recipient ({e})", text.trim()))
            .hint("age recipients look like age1… (create one with age-keygen)")
    })
}

/// Encrypts whatever `write` writes, to every recipient, into `out`.
pub fn age_encrypt_to<W: Write>(
    recipients: &[age::x25519::Recipient],
    out: W,
    write: impl FnOnce(&mut age::stream::StreamWriter<W>) -> Result<()>,
) -> Result<W> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| Error::other(format!("cannot encrypt: {e}")))?;
    let mut writer = encryptor
        .wrap_output(out)
        .map_err(|e| Error::other(format!("cannot encrypt: {e}")))?;
    write(&mut writer)?;
    writer
        .finish()
        .map_err(|e| Error::other(format!("cannot encrypt: {e}")))
}

/// Why an age file could not be opened: the caller turns this into 77 or 65 with the file's name.
pub enum OpenError {
    /// None of the identities is a recipient of the file.
    NoMatchingKey,
    /// Not an age file, or a corrupted or truncated one.
    Corrupt(String),
}

/// Decrypts a whole age file into a zeroized buffer. The whole plaintext is read before it is
/// parsed, because age's STREAM detects truncation only at the end.
pub fn age_decrypt(
    ciphertext: &[u8],
    identity: &dyn age::Identity,
) -> std::result::Result<Zeroizing<Vec<u8>>, OpenError> {
    age_decrypt_from(ciphertext, &[identity], ciphertext.len())
}

/// Decrypts an age file streamed from `input` with the first of `identities` that matches.
/// `size_hint` sizes the output (the ciphertext's length is a good one).
pub fn age_decrypt_from<R: std::io::BufRead>(
    input: R,
    identities: &[&dyn age::Identity],
    size_hint: usize,
) -> std::result::Result<Zeroizing<Vec<u8>>, OpenError> {
    let decryptor =
        age::Decryptor::new_buffered(input).map_err(|e| OpenError::Corrupt(e.to_string()))?;
    let mut reader = decryptor
        .decrypt(identities.iter().copied())
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => OpenError::NoMatchingKey,
            other => OpenError::Corrupt(other.to_string()),
        })?;
    let mut out = Zeroizing::new(Vec::with_capacity(size_hint));
    reader
        .read_to_end(&mut out)
        .map_err(|e| OpenError::Corrupt(e.to_string()))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Ed25519

/// An Ed25519 key pair whose secret half is serialised only inside encrypted documents.
#[derive(Clone)]
pub struct KeyPair(SigningKey);

impl KeyPair {
    pub fn generate() -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        fill_random(&mut *seed);
        KeyPair(SigningKey::from_bytes(&seed))
    }

    /// `n` new key pairs, their seeds drawn in one read of the random source and their public
    /// halves derived on every core.
    pub fn generate_many(n: usize) -> Vec<Self> {
        let seeds = random_vec(32 * n);
        crate::parallel::map(seeds.chunks_exact(32).collect(), |seed: &[u8]| {
            let mut bytes = Zeroizing::new([0u8; 32]);
            bytes.copy_from_slice(seed);
            KeyPair(SigningKey::from_bytes(&bytes))
        })
    }

    pub fn from_secret(secret: &SecretText) -> Result<Self> {
        Ok(KeyPair(SigningKey::from_bytes(&*Self::seed_of(secret)?)))
    }

    /// The seed `secret` holds, without deriving its public key ([`KeyPair::seed`] of
    /// [`KeyPair::from_secret`]).
    pub fn seed_of(secret: &SecretText) -> Result<Zeroizing<[u8; 32]>> {
        let bytes = Zeroizing::new(unb64(secret.expose_secret()).unwrap_or_default());
        if bytes.len() != 32 {
            return Err(Error::bad_data("a signing key in the vault is malformed"));
        }
        // Copied straight into the wiped buffer: no plain copy of the seed is left behind.
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes);
        Ok(seed)
    }

    pub fn secret(&self) -> SecretText {
        SecretText::new(b64(self.0.as_bytes()))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub fn sign(&self, domain: &str, message: &[u8]) -> String {
        self.sign_digest(domain, &sha256(&[message]))
    }

    /// Signs a message by its SHA-256 digest (for documents hashed as they are written).
    pub fn sign_digest(&self, domain: &str, digest: &[u8; 32]) -> String {
        b64(&self.0.sign(&signed_message(domain, digest)).to_bytes())
    }

    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair(public: {})", self.public())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub VerifyingKey);

impl PublicKey {
    pub fn parse(text: &str) -> Option<Self> {
        let bytes: [u8; 32] = unb64(text)?.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes).ok().map(PublicKey)
    }

    pub fn verify(&self, domain: &str, message: &[u8], signature: &str) -> bool {
        self.verify_digest(domain, &sha256(&[message]), signature)
    }

    /// Verifies a signature made with [`KeyPair::sign_digest`].
    pub fn verify_digest(&self, domain: &str, digest: &[u8; 32], signature: &str) -> bool {
        let Some(sig) = unb64(signature).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        self.0
            .verify_strict(&signed_message(domain, digest), &sig)
            .is_ok()
    }

    /// Checks many signatures made with [`KeyPair::sign_digest`] at once: Ed25519 batch
    /// verification, several times cheaper per signature than one by one. True only if every one
    /// is valid; a caller that needs to know which failed checks them one by one after.
    pub fn verify_digests(domain: &str, items: &[(PublicKey, [u8; 32], &str)]) -> bool {
        let mut messages = Vec::with_capacity(items.len());
        let mut signatures = Vec::with_capacity(items.len());
        let mut keys = Vec::with_capacity(items.len());
        for (key, digest, signature) in items {
            let Some(sig) = unb64(signature).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
                return false;
            };
            messages.push(signed_message(domain, digest));
            signatures.push(ed25519_dalek::Signature::from_bytes(&sig));
            keys.push(key.0);
        }
        let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    }

    /// A short stable identifier: the first 8 bytes of SHA-256 of the key, in hex.
    pub fn key_id(&self) -> String {
        hex(&sha256(&[self.0.as_bytes()])[..8])
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&b64(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// What is actually signed: the domain, a NUL, and the SHA-256 of the message. Domain separation
/// keeps a signature made for one kind of document from verifying as another; hashing first keeps
/// signing and verifying a large state to one SHA-256 pass (SHA-NI where the CPU has it) instead
/// of Ed25519's two SHA-512 passes over the whole document.
fn signed_message(domain: &str, digest: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(domain.len() + 33);
    m.extend_from_slice(domain.as_bytes());
    m.push(0);
    m.extend_from_slice(digest);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(unhex("000fa5FF"), Some(vec![0x00, 0x0f, 0xa5, 0xff]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("+1"), None);
    }

    #[test]
    fn signatures_are_bound_to_their_domain() {
        let k = KeyPair::generate();
        let sig = k.sign("agentcred-state-v1", b"doc");
        assert!(k.public().verify("agentcred-state-v1", b"doc", &sig));
        assert!(!k.public().verify("agentcred-envelope-v1", b"doc", &sig));
        assert!(!k.public().verify("agentcred-state-v1", b"doc2", &sig));
    }

    #[test]
    fn seed_identity_round_trips_through_age() {
        let id = identity_from_seed(&[7u8; 32]);
        let ct = age_encrypt_to(&[id.to_public()], Vec::new(), |w| {
            w.write_all(b"hello")
                .map_err(|e| Error::other(e.to_string()))
        })
        .unwrap();
        assert_eq!(&age_decrypt(&ct, &id).ok().unwrap()[..], b"hello");
        let other = identity_from_seed(&[8u8; 32]);
        assert!(matches!(
            age_decrypt(&ct, &other),
            Err(OpenError::NoMatchingKey)
        ));
    }

    #[test]
    fn argon2_is_deterministic_per_salt() {
        let p = KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let pw = SecretText::new("pw".into());
        assert_eq!(
            *derive_seed(&pw, b"0123456789abcdef", p).unwrap(),
            *derive_seed(&pw, b"0123456789abcdef", p).unwrap()
        );
        assert_ne!(
            *derive_seed(&pw, b"0123456789abcdef", p).unwrap(),
            *derive_seed(&pw, b"fedcba9876543210", p).unwrap()
        );
    }
}
