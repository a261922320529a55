//! `exec --mask` (SPEC §5.7): replaces every injected value, and its base64, hex and URL-encoded
//! forms, with `********` in a stream, also when a value is split across reads.
//!
//! Base64 is found at any offset. A value inside a longer encoded text (HTTP Basic encodes
//! `user:VALUE`) starts 0, 1 or 2 bytes into a 3-byte group, and each alignment encodes it as a
//! different string; in each, only the characters whose six bits all come from the value are
//! fixed, the first and last one or two also carry bits of the bytes around it. So for each
//! alignment the pattern is that stable middle: it is what appears whatever surrounds the value,
//! and it leaves at most a few bits of the value's first and last byte unmasked.
//!
//! Only the shortest tail that could still be the start of a value is held back between reads, so
//! output is otherwise passed through at once and line-buffered programs stay interactive.

use base64::Engine as _;

pub const MASK: &[u8] = b"********";

pub struct Masker {
    patterns: Vec<Vec<u8>>,
    /// The bytes some pattern starts with: anywhere else, no pattern needs to be tried.
    starts: [bool; 256],
    pending: Vec<u8>,
}

impl Masker {
    /// Builds the pattern set: each value; its standard and URL-safe base64 (padded and not) and
    /// the stable middle of both at every alignment (see the module comment); its hex in lower
    /// and upper case; and its percent-encoding. Values shorter than 4 bytes are not masked (they
    /// would mask noise).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        for v in values.into_iter().filter(|v| v.len() >= 4) {
            let b = v.as_bytes();
            patterns.push(b.to_vec());
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                patterns.push(engine.encode(b).into_bytes());
            }
            for offset in 0..3 {
                for url_safe in [false, true] {
                    let core = base64_core(b, offset, url_safe);
                    if core.len() >= 4 {
                        patterns.push(core);
                    }
                }
            }
            let hex = hex_lower(b);
            patterns.push(hex.to_ascii_uppercase().into_bytes());
            patterns.push(hex.into_bytes());
            patterns.push(percent_encode(b).into_bytes());
        }
        patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        patterns.dedup();
        let mut starts = [false; 256];
        for p in &patterns {
            starts[usize::from(p[0])] = true;
        }
        Masker {
            patterns,
            starts,
            pending: Vec::new(),
        }
    }

    /// Feeds a chunk and returns what can be written now.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let (out, keep) = self.scan(false);
        self.pending.drain(..self.pending.len() - keep);
        out
    }

    /// Returns everything still held back (end of stream).
    pub fn finish(&mut self) -> Vec<u8> {
        let (out, _) = self.scan(true);
        self.pending.clear();
        out
    }

    /// Replaces complete matches; returns the output and how many trailing bytes to keep back.
    fn scan(&self, at_end: bool) -> (Vec<u8>, usize) {
        let buf = &self.pending;
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        'outer: while i < buf.len() {
            if !self.starts[usize::from(buf[i])] {
                out.push(buf[i]);
                i += 1;
                continue;
            }
            for p in &self.patterns {
                if buf[i..].starts_with(p) {
                    out.extend_from_slice(MASK);
                    i += p.len();
                    continue 'outer;
                }
            }
            if !at_end
                && self
                    .patterns
                    .iter()
                    .any(|p| p.len() > buf.len() - i && p.starts_with(&buf[i..]))
            {
                return (out, buf.len() - i);
            }
            out.push(buf[i]);
            i += 1;
        }
        (out, 0)
    }
}

/// The base64 characters of `value` that do not depend on what surrounds it when it starts
/// `offset` (0, 1 or 2) bytes into a 3-byte group: character `j` covers bits `6j..6j+6` of the
/// encoded bytes, and is stable when those bits all lie inside the value's `8·offset..8·(offset+n)`.
pub fn base64_core(value: &[u8], offset: usize, url_safe: bool) -> Vec<u8> {
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(value);
    let engine = if url_safe {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let encoded = engine.encode(&bytes).into_bytes();
    let first = (8 * offset).div_ceil(6);
    let end = (8 * (offset + value.len())) / 6;
    encoded
        .get(first..end)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(m: &mut Masker, chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in chunks {
            out.extend(m.feed(c));
        }
        out.extend(m.finish());
        out
    }

    #[test]
    fn masks_plain_base64_and_url_forms() {
        let mut m = Masker::new(["s3cr3t/value+x"]);
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t/value+x");
        let text = format!("a s3cr3t/value+x b {b64} c s3cr3t%2Fvalue%2Bx d\n");
        let out = String::from_utf8(run(&mut m, &[text.as_bytes()])).unwrap();
        assert_eq!(out, "a ******** b ******** c ******** d\n");
    }

    #[test]
    fn passes_other_output_through_unchanged_and_without_holding_it() {
        let mut m = Masker::new(["topsecret"]);
        assert_eq!(m.feed(b"hello\n"), b"hello\n");
        assert_eq!(m.feed(b"top"), b"");
        assert_eq!(m.feed(b"s"), b"");
        assert_eq!(m.feed(b"ide\n"), b"topside\n");
    }

    #[test]
    fn masks_hex_in_either_case() {
        let mut m = Masker::new(["s3cr3t-value"]);
        let lower = hex_lower(b"s3cr3t-value");
        let upper = lower.to_ascii_uppercase();
        let text = format!("x={lower} X={upper}\n");
        let out = String::from_utf8(run(&mut m, &[text.as_bytes()])).unwrap();
        assert_eq!(out, "x=******** X=********\n");
    }

    #[test]
    fn masks_the_value_inside_http_basic_credentials() {
        let value = "s3cr3t-value-42";
        let mut m = Masker::new([value]);
        for user in ["u", "us", "usr", "user", "admin"] {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{value}"));
            let out = run(
                &mut m,
                &[format!("Authorization: Basic {basic}\n").as_bytes()],
            );
            let out = String::from_utf8(out).unwrap();
            assert!(out.contains("********"), "{out}");
            for offset in 0..3 {
                let core = String::from_utf8(base64_core(value.as_bytes(), offset, false)).unwrap();
                assert!(!out.contains(&core), "{out} still holds {core}");
            }
        }
    }

    #[test]
    fn the_stable_core_is_what_every_surrounding_encodes_to() {
        let value = b"value";
        for offset in 0..3 {
            let core = base64_core(value, offset, false);
            for fill in [0u8, 0x5a, 0xff] {
                let mut bytes = vec![fill; offset];
                bytes.extend_from_slice(value);
                bytes.extend_from_slice(&[fill, fill]);
                let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
                assert!(
                    encoded.as_bytes().windows(core.len()).any(|w| w == core),
                    "offset {offset}, fill {fill}"
                );
            }
        }
    }

    proptest! {
        /// For any bytes around the value, the base64 of the whole, masked, holds no stable core
        /// of the value, also when it arrives cut into pieces.
        #[test]
        fn base64_at_any_offset_is_masked(
            prefix in proptest::collection::vec(any::<u8>(), 0..8),
            value in "[ -~]{4,40}",
            suffix in proptest::collection::vec(any::<u8>(), 0..8),
            url_safe in any::<bool>(),
            cut in 0usize..80,
        ) {
            let mut bytes = prefix.clone();
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(&suffix);
            let encoded = if url_safe {
                base64::engine::general_purpose::URL_SAFE.encode(&bytes)
            } else {
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            };
            let cut = cut.min(encoded.len());
            let mut m = Masker::new([value.as_str()]);
            let out = run(&mut m, &[&encoded.as_bytes()[..cut], &encoded.as_bytes()[cut..]]);
            let core = base64_core(value.as_bytes(), prefix.len() % 3, url_safe);
            prop_assert!(!out.windows(core.len()).any(|w| w == core.as_slice()));
        }

        /// Hex of the value in either case never comes out.
        #[test]
        fn hex_is_masked(value in "[ -~]{4,40}", upper in any::<bool>()) {
            let hex = hex_lower(value.as_bytes());
            let hex = if upper { hex.to_ascii_uppercase() } else { hex };
            let mut m = Masker::new([value.as_str()]);
            let out = run(&mut m, &[format!("<{hex}>").as_bytes()]);
            prop_assert_eq!(out, b"<********>".to_vec());
        }
    }

    proptest! {
        /// Wherever the stream is cut, the value never comes out and everything else does.
        #[test]
        fn split_values_are_masked(prefix in "[a-z ]{0,20}", suffix in "[a-z ]{0,20}", cut1 in 0usize..60, cut2 in 0usize..60) {
            let value = "SECRET-value-42";
            let text = format!("{prefix}{value}{suffix}");
            let bytes = text.as_bytes();
            let (a, b) = (cut1.min(bytes.len()), cut2.min(bytes.len()));
            let (a, b) = (a.min(b), a.max(b));
            let mut m = Masker::new([value]);
            let out = String::from_utf8(run(&mut m, &[&bytes[..a], &bytes[a..b], &bytes[b..]])).unwrap();
            prop_assert_eq!(out, format!("{prefix}********{suffix}"));
        }
    }
}
