//! Finding placeholders in a request and putting the real values in the forwarded copy.
//!
//! Only the request target (path and query) and header values are searched, never bodies. An
//! `Authorization: Basic` value is also searched once decoded, since clients put a token in the
//! password of HTTP Basic (git, Python's `auth=`), where it arrives base64-encoded.
//!
//! Every placeholder shares some run of bytes with the others (agentcred's carry a common
//! marker); the longest such run is looked for first, so a request without any placeholder
//! costs one substring search per header value.

use memchr::memmem::Finder;
use secrecy::{ExposeSecret, SecretSlice};
use zeroize::Zeroizing;

/// One secret the broker may inject: its placeholder, its value and an id the gate knows it by.
pub struct Substitution {
    /// Opaque to the broker; reported in `RequestInfo::placeholders`.
    pub id: String,
    /// What the client sends; at least 8 bytes.
    pub placeholder: String,
    /// What the upstream receives instead.
    pub value: SecretSlice<u8>,
}

impl std::fmt::Debug for Substitution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Substitution")
            .field("id", &self.id)
            .field("placeholder", &self.placeholder)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Substitutions {
    subs: Vec<Substitution>,
    finders: Vec<Finder<'static>>,
    marker: Option<Finder<'static>>,
}

impl Substitutions {
    pub(crate) fn new(subs: Vec<Substitution>) -> crate::Result<Substitutions> {
        for s in &subs {
            if s.placeholder.len() < 8 {
                return Err(crate::Error::config(format!(
                    "the placeholder for {} is shorter than 8 bytes",
                    s.id
                )));
            }
            // A value goes into header values and the request line as it is.
            if s.value
                .expose_secret()
                .iter()
                .any(|&b| b == b'\r' || b == b'\n' || b == 0)
            {
                return Err(crate::Error::config(format!(
                    "the value of {} holds a line break or NUL and cannot go into a request",
                    s.id
                ))
                .hint("a brokered value must be a single line of text"));
            }
        }
        let finders = subs
            .iter()
            .map(|s| Finder::new(s.placeholder.as_bytes()).into_owned())
            .collect();
        let marker = common_run(subs.iter().map(|s| s.placeholder.as_bytes()))
            .filter(|m| m.len() >= 4)
            .map(|m| Finder::new(&m).into_owned());
        Ok(Substitutions {
            subs,
            finders,
            marker,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Adds to `found` (by index, without repeats) every placeholder in `text`.
    pub(crate) fn scan(&self, text: &[u8], found: &mut Vec<usize>) {
        if self.subs.is_empty() || self.marker.as_ref().is_some_and(|m| m.find(text).is_none()) {
            return;
        }
        for (i, f) in self.finders.iter().enumerate() {
            if !found.contains(&i) && f.find(text).is_some() {
                found.push(i);
            }
        }
    }

    pub(crate) fn id(&self, index: usize) -> &str {
        &self.subs[index].id
    }

    /// `text` with every placeholder among `found` replaced by its value; `None` if none occurs.
    pub(crate) fn replace(&self, text: &[u8], found: &[usize]) -> Option<Zeroizing<Vec<u8>>> {
        let mut out: Option<Zeroizing<Vec<u8>>> = None;
        let mut at = 0;
        loop {
            // The earliest occurrence of any placeholder from `at` on.
            let next = found
                .iter()
                .filter_map(|&i| self.finders[i].find(&text[at..]).map(|p| (at + p, i)))
                .min();
            let Some((pos, i)) = next else { break };
            let buf =
                out.get_or_insert_with(|| Zeroizing::new(Vec::with_capacity(text.len() + 64)));
            buf.extend_from_slice(&text[at..pos]);
            buf.extend_from_slice(self.subs[i].value.expose_secret());
            at = pos + self.subs[i].placeholder.len();
        }
        let mut buf = out?;
        buf.extend_from_slice(&text[at..]);
        Some(buf)
    }
}

/// The longest byte run every input contains (inputs are a few short placeholders).
fn common_run<'a>(mut inputs: impl Iterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let first = inputs.next()?;
    let rest: Vec<&[u8]> = inputs.collect();
    for len in (1..=first.len()).rev() {
        for start in 0..=first.len() - len {
            let run = &first[start..start + len];
            if rest.iter().all(|r| memchr::memmem::find(r, run).is_some()) {
                return Some(run.to_vec());
            }
        }
    }
    None
}

/// Decodes an `Authorization: Basic` credential (`None` for any other scheme or bad base64).
pub(crate) fn basic_credential(value: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use base64::Engine as _;
    let rest = value
        .get(..6)
        .filter(|s| s.eq_ignore_ascii_case(b"basic "))
        .map(|_| &value[6..])?;
    let rest = std::str::from_utf8(rest).ok()?.trim();
    base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()
        .map(Zeroizing::new)
}

pub(crate) fn encode_basic(credential: &[u8]) -> Zeroizing<Vec<u8>> {
    use base64::Engine as _;
    let mut out = Zeroizing::new(b"Basic ".to_vec());
    out.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(credential)
            .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, placeholder: &str, value: &str) -> Substitution {
        Substitution {
            id: id.into(),
            placeholder: placeholder.into(),
            value: SecretSlice::from(value.as_bytes().to_vec()),
        }
    }

    fn set() -> Substitutions {
        Substitutions::new(vec![
            sub("a", "sk-acph-AAAA1111", "real-value-a"),
            sub("b", "acph-BBBB2222", "real-value-b"),
        ])
        .unwrap()
    }

    #[test]
    fn finds_and_replaces_every_occurrence() {
        let s = set();
        let text = b"/v1?k=sk-acph-AAAA1111&j=acph-BBBB2222&x=sk-acph-AAAA1111";
        let mut found = Vec::new();
        s.scan(text, &mut found);
        assert_eq!(found, [0, 1]);
        let out = s.replace(text, &found).unwrap();
        assert_eq!(
            out.as_slice(),
            b"/v1?k=real-value-a&j=real-value-b&x=real-value-a"
        );
    }

    #[test]
    fn text_without_placeholders_is_left_alone() {
        let s = set();
        let mut found = Vec::new();
        s.scan(b"Bearer acph-nothing", &mut found);
        assert!(found.is_empty());
        assert!(s.replace(b"plain", &[0, 1]).is_none());
        assert_eq!(
            common_run([b"sk-acph-AAAA1111".as_slice(), b"acph-BBBB2222"].into_iter()).unwrap(),
            b"acph-"
        );
    }

    #[test]
    fn basic_credentials_are_decoded_and_encoded() {
        let header = encode_basic(b"user:sk-acph-AAAA1111");
        let decoded = basic_credential(&header).unwrap();
        assert_eq!(decoded.as_slice(), b"user:sk-acph-AAAA1111");
        assert!(basic_credential(b"Bearer x").is_none());
    }

    #[test]
    fn values_that_cannot_go_into_a_request_are_refused() {
        assert!(Substitutions::new(vec![sub("a", "placeholder", "a\r\nb")]).is_err());
        assert!(Substitutions::new(vec![sub("a", "short", "v")]).is_err());
    }
}
