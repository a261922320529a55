//! `exec --mask` (SPEC §5.7): replaces every injected value, and its base64 and URL-encoded forms,
//! with `********` in a stream, also when a value is split across reads.
//!
//! Only the shortest tail that could still be the start of a value is held back between reads, so
//! output is otherwise passed through at once and line-buffered programs stay interactive.

use base64::Engine as _;

pub const MASK: &[u8] = b"********";

pub struct Masker {
    patterns: Vec<Vec<u8>>,
    pending: Vec<u8>,
}

impl Masker {
    /// Builds the pattern set: each value, its standard and URL-safe base64 (padded and not), and
    /// its percent-encoding. Values shorter than 4 bytes are not masked (they would mask noise).
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
            patterns.push(percent_encode(b).into_bytes());
        }
        patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        patterns.dedup();
        Masker {
            patterns,
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
