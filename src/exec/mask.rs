//! `exec --mask`: replaces every injected value, and its base64, hex and URL-encoded
//! forms, with `********` in a stream, also when a value is split across reads.
//!
//! Base64 is found at any offset. A value inside a longer encoded text (HTTP Basic encodes
//! `user:VALUE`) starts 0, 1 or 2 bytes into a 3-byte group, and each alignment encodes it as a
//! different string; in each, only the characters whose six bits all come from the value are
//! fixed, the first and last one or two also carry bits of the bytes around it. So for each
//! alignment the pattern is that stable middle: it is what appears whatever surrounds the value,
//! and it leaves at most a few bits of the value's first and last byte unmasked.
//!
//! Base64 is also found broken over lines (`base64` and PEM wrap it), and values that overlap in
//! the output, or begin with one another, are masked whole.
//!
//! Only the shortest tail that could still be the start of a value is held back between reads, so
//! output is otherwise passed through at once and line-buffered programs stay interactive.

use base64::Engine as _;

pub const MASK: &[u8] = b"********";

/// Cloning copies the compiled patterns (and any held-back bytes): build once, clone per stream.
#[derive(Clone)]
pub struct Masker {
    /// Longest first, so that the longest pattern matching at a position is found first.
    patterns: Vec<Pattern>,
    /// The bytes some pattern starts with: anywhere else, no pattern needs to be tried.
    starts: [bool; 256],
    pending: Vec<u8>,
}

#[derive(Clone, PartialEq, Eq)]
struct Pattern {
    bytes: Vec<u8>,
    /// Base64: found also when broken over lines, as `base64` (76 columns) and PEM (64) print it.
    wrapped: bool,
}

/// What a pattern makes of the bytes from some position on.
enum Found {
    /// It matches, over this many bytes (line breaks included).
    Match(usize),
    /// The bytes end while they still match: more may complete it.
    Incomplete,
    None,
}

impl Pattern {
    fn find(&self, rest: &[u8]) -> Found {
        let (mut k, mut n, mut breaks) = (0, 0, 0);
        while k < self.bytes.len() {
            let Some(&b) = rest.get(n) else {
                return Found::Incomplete;
            };
            if b == self.bytes[k] {
                (k, n, breaks) = (k + 1, n + 1, 0);
            } else if self.wrapped && k >= 4 && breaks < 2 && (b == b'\n' || b == b'\r') {
                // One line break (`\n` or `\r\n`) between two characters, once four have
                // matched: an ordinary line that merely ends in the pattern's first character is
                // not held back waiting for the next one.
                (n, breaks) = (n + 1, breaks + 1);
            } else {
                return Found::None;
            }
        }
        Found::Match(n)
    }
}

impl Masker {
    /// Builds the pattern set: each value; its standard and URL-safe base64 (padded and not) and
    /// the stable middle of both at every alignment (see the module comment); its hex in lower
    /// and upper case; and its percent-encoding, with upper- or lower-case hex and with `/` left
    /// as it is (as Python's `quote` does). Values shorter than 4 bytes are not masked (they
    /// would mask noise).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut add = |bytes: Vec<u8>, wrapped: bool| patterns.push(Pattern { bytes, wrapped });
        for v in values.into_iter().filter(|v| v.len() >= 4) {
            let b = v.as_bytes();
            add(b.to_vec(), false);
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                add(engine.encode(b).into_bytes(), true);
            }
            for offset in 0..3 {
                for url_safe in [false, true] {
                    let core = base64_core(b, offset, url_safe);
                    if core.len() >= 4 {
                        add(core, true);
                    }
                }
            }
            let hex = hex_lower(b);
            add(hex.to_ascii_uppercase().into_bytes(), false);
            add(hex.into_bytes(), false);
            for keep_slash in [false, true] {
                let upper = percent_encode(b, keep_slash);
                add(lower_case_escapes(&upper).into_bytes(), false);
                add(upper.into_bytes(), false);
            }
        }
        patterns.sort_by(|a, b| {
            b.bytes
                .len()
                .cmp(&a.bytes.len())
                .then(a.bytes.cmp(&b.bytes))
        });
        patterns.dedup();
        let mut starts = [false; 256];
        for p in &patterns {
            starts[usize::from(p.bytes[0])] = true;
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

    /// The longest match at `buf[i..]`; `Incomplete` if, before the stream ends, a longer one
    /// may still come (a value that begins with another must not be cut to the shorter one
    /// because a read ended between them).
    fn longest_at(&self, buf: &[u8], i: usize, at_end: bool) -> Found {
        if !self.starts[usize::from(buf[i])] {
            return Found::None;
        }
        for p in &self.patterns {
            match p.find(&buf[i..]) {
                Found::Match(n) => return Found::Match(n),
                Found::Incomplete if !at_end => return Found::Incomplete,
                _ => {}
            }
        }
        Found::None
    }

    /// Replaces complete matches; returns the output and how many trailing bytes to keep back.
    /// A match is extended over every match that starts inside it, so that values which overlap
    /// in the output are masked together, not the first and the rest of the second left shown.
    fn scan(&self, at_end: bool) -> (Vec<u8>, usize) {
        let buf = &self.pending;
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        while i < buf.len() {
            let mut end = match self.longest_at(buf, i, at_end) {
                Found::Match(n) => i + n,
                Found::Incomplete => return (out, buf.len() - i),
                Found::None => {
                    out.push(buf[i]);
                    i += 1;
                    continue;
                }
            };
            let mut j = i + 1;
            while j < end {
                match self.longest_at(buf, j, at_end) {
                    Found::Match(n) => end = end.max(j + n),
                    Found::Incomplete => return (out, buf.len() - i),
                    Found::None => {}
                }
                j += 1;
            }
            out.extend_from_slice(MASK);
            i = end;
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

fn percent_encode(bytes: &[u8], keep_slash: bool) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(b) || (keep_slash && *b == b'/') {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `%2F` as `%2f`: the same escapes with lower-case hex.
fn lower_case_escapes(encoded: &str) -> String {
    let mut out = encoded.as_bytes().to_vec();
    for i in 0..out.len() {
        if out[i] == b'%' {
            for c in out.iter_mut().skip(i + 1).take(2) {
                c.make_ascii_lowercase();
            }
        }
    }
    String::from_utf8(out).expect("ASCII stays ASCII")
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

    #[test]
    fn a_value_that_starts_with_another_is_masked_whole_wherever_a_read_ends() {
        let (short, long) = ("token", "token-extended-secret");
        let text = format!("a {long} b\n");
        for cut in 0..=text.len() {
            let mut m = Masker::new([short, long]);
            let out = run(&mut m, &[&text.as_bytes()[..cut], &text.as_bytes()[cut..]]);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "a ******** b\n",
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn overlapping_values_are_masked_together() {
        let text = b"abcd1234-second-secret\n";
        for values in [
            ["abcd1234", "1234-second-secret"],
            ["1234-second-secret", "abcd1234"],
        ] {
            for cut in 0..=text.len() {
                let mut m = Masker::new(values);
                let out = run(&mut m, &[&text[..cut], &text[cut..]]);
                assert_eq!(out, b"********\n", "cut at {cut}");
            }
        }
    }

    #[test]
    fn base64_wrapped_over_lines_is_masked() {
        // `base64` wraps at 76 columns, PEM at 64: a long value's encoding spans lines.
        let value = "s3cr3t-".repeat(20);
        let mut m = Masker::new([value.as_str()]);
        for width in [64, 76] {
            for prefix in ["", "u:", "us:"] {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{value}"));
                let wrapped: Vec<u8> = encoded
                    .as_bytes()
                    .chunks(width)
                    .flat_map(|line| line.iter().copied().chain(*b"\n"))
                    .collect();
                for cut in [0, 1, width - 1, width, width + 1, wrapped.len() / 2] {
                    let out = run(&mut m, &[&wrapped[..cut], &wrapped[cut..]]);
                    let out = String::from_utf8(out).unwrap();
                    let flat: String = out.split('\n').collect();
                    for window in encoded.as_bytes()[4..encoded.len() - 4].chunks(12) {
                        let window = std::str::from_utf8(window).unwrap();
                        assert!(!flat.contains(window), "width {width}, cut {cut}: {out}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_line_ending_in_the_first_characters_of_an_encoding_is_not_held_back() {
        let value = "s3cr3t-value-42";
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        let mut m = Masker::new([value]);
        let line = format!("x {}\n", &encoded[..3]);
        assert_eq!(m.feed(line.as_bytes()), line.as_bytes());
    }

    #[test]
    fn every_covered_form_is_masked_wherever_two_reads_cut_it() {
        let value = "Tok3n/with+bits~";
        let mut forms = vec![
            value.to_string(),
            hex_lower(value.as_bytes()),
            hex_lower(value.as_bytes()).to_ascii_uppercase(),
            percent_encode(value.as_bytes(), false),
        ];
        for prefix in ["", "u:", "us:"] {
            let text = format!("{prefix}{value}");
            forms.push(base64::engine::general_purpose::STANDARD.encode(&text));
            forms.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&text));
        }
        for form in forms {
            let text = format!("[{form}]");
            let bytes = text.as_bytes();
            for a in 0..=bytes.len() {
                for b in a..=bytes.len() {
                    let mut m = Masker::new([value]);
                    let out = run(&mut m, &[&bytes[..a], &bytes[a..b], &bytes[b..]]);
                    let out = String::from_utf8(out).unwrap();
                    assert!(out.starts_with('[') && out.ends_with(']'), "{form}: {out}");
                    assert!(out.contains("********"), "{form} cut {a},{b}: {out}");
                    // At most the few characters carrying bits of the surrounding bytes remain.
                    assert!(
                        out.len() <= "[********]".len() + 4,
                        "{form} cut {a},{b}: {out}"
                    );
                }
            }
        }
    }

    #[test]
    fn url_encodings_that_keep_slashes_or_use_lower_case_are_masked() {
        let value = "s3cr3t/value+x y";
        let mut m = Masker::new([value]);
        // Python's `quote` leaves `/` alone; some encoders write lower-case hex.
        for form in ["s3cr3t/value%2Bx%20y", "s3cr3t%2fvalue%2bx%20y"] {
            let out = run(&mut m, &[format!("<{form}>").as_bytes()]);
            assert_eq!(String::from_utf8(out).unwrap(), "<********>", "{form}");
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
