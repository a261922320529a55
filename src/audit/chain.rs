//! Hashing of audit entries, shared by the writer and the verifier.

/// `prev` of the first entry.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// RFC 6962-style leaf hash: `SHA-256(0x00 || entry-without-hash)`, lower-case hex.
pub fn entry_hash(body: &[u8]) -> String {
    crate::crypto::hex(&crate::crypto::sha256(&[&[0u8], body]))
}

/// Splits a stored line into (entry-without-hash, claimed hash). The hash member is always the
/// last one, so the split is exact.
pub fn split_line(line: &str) -> Option<(String, &str)> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let cut = line.rfind(",\"hash\":\"")?;
    let hash = line[cut + 9..].strip_suffix("\"}")?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((format!("{}}}", &line[..cut]), hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_recovers_the_hashed_bytes() {
        let body = r#"{"seq":1,"ts":"t","prev":"00"}"#;
        let h = entry_hash(body.as_bytes());
        let line = format!("{},\"hash\":\"{h}\"}}", &body[..body.len() - 1]);
        let (b, claimed) = split_line(&line).unwrap();
        assert_eq!(b, body);
        assert_eq!(claimed, h);
        assert_eq!(entry_hash(b.as_bytes()), h);
    }

    #[test]
    fn split_refuses_malformed_lines() {
        assert!(split_line("{}").is_none());
        assert!(split_line(r#"{"a":1,"hash":"zz"}"#).is_none());
    }
}
