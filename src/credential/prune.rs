//! When to prune the append-only line files `credentials.jsonl` and `revoked.jsonl`.
//!
//! Both drop lines once what they describe has expired. Lines still live cannot be dropped, so a
//! file can stay over its size limit after pruning; it must then not be read and rewritten again
//! on the next append, or a busy agent (thousands of short credentials an hour) would pay for the
//! whole file on every `mint` and `exec`. A pruned file therefore starts with a header line
//! recording its size just after pruning, and the next pruning waits until the file has doubled
//! from there: each appended byte is read and rewritten a bounded number of times.
//!
//! Readers skip the header: it parses as neither a ledger entry nor a revocation.

use std::io::Read;
use std::path::Path;

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    pruned: Pruned,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Pruned {
    /// The file's size, header included, when it was last pruned.
    size: u64,
}

/// Is the file at `path`, now `len` bytes long, due for pruning? Past `limit` and at least twice
/// its size after the last pruning.
pub fn due(path: &Path, len: u64, limit: u64) -> bool {
    len > limit && len >= last_size(path).saturating_mul(2)
}

/// The size recorded by the header of the file at `path`, or 0.
fn last_size(path: &Path) -> u64 {
    let mut first = [0u8; 128];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut first)) else {
        return 0;
    };
    let line = first[..n].split(|b| *b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<Header>(line).map_or(0, |h| h.pruned.size)
}

/// The contents of a pruned file: the header, then `kept` (whole lines).
pub fn with_header(kept: &str) -> String {
    // The header counts its own length, which depends on the number it holds: settle it.
    let mut header_len = 0;
    let mut text = loop {
        let line = serde_json::to_string(&Header {
            pruned: Pruned {
                size: kept.len() as u64 + header_len,
            },
        })
        .expect("headers serialise")
            + "\n";
        if line.len() as u64 == header_len {
            break line;
        }
        header_len = line.len() as u64;
    };
    text.push_str(kept);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_waits_until_the_file_has_doubled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.jsonl");
        std::fs::write(&path, "x\n".repeat(600)).unwrap();
        assert!(
            due(&path, 1200, 1000),
            "a file without a header is pruned past its limit"
        );
        assert!(!due(&path, 900, 1000));
        let text = with_header(&"y\n".repeat(550));
        std::fs::write(&path, &text).unwrap();
        let size = text.len() as u64;
        assert_eq!(last_size(&path), size, "{text:.60}");
        assert!(!due(&path, size + 100, 1000));
        assert!(!due(&path, 2 * size - 1, 1000));
        assert!(due(&path, 2 * size, 1000));
    }
}
