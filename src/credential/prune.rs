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

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{Error, Result};

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    pruned: Pruned,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Pruned {
    /// The file's size, header included, when it was last pruned.
    size: u64,
}

/// Appends `lines` (whole lines) to the file at `path`, fsynced if `sync`; then, if the file is
/// due for pruning, rewrites it atomically with the lines `keep` selects from it (copied verbatim)
/// under a fresh header. `context` begins any error (`cannot write the …`). Call with the vault
/// lock held.
pub fn append(
    path: &Path,
    lines: &[u8],
    sync: bool,
    limit: u64,
    context: &'static str,
    keep: impl Fn(&str) -> bool,
) -> Result<()> {
    let io_err = |e| Error::io(context, path, e);
    let mut file = crate::vault::fsio::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(crate::vault::fsio::FILE_MODE)
        .open(path)
        .map_err(io_err)?;
    file.write_all(lines)
        .and_then(|()| if sync { file.sync_data() } else { Ok(()) })
        .map_err(io_err)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if !due(&file, len, limit) {
        return Ok(());
    }
    let text = crate::vault::fsio::read_to_string(path).map_err(io_err)?;
    let kept: String = text
        .lines()
        .filter(|l| keep(l))
        .map(|l| format!("{l}\n"))
        .collect();
    crate::vault::fsio::write_atomic(path, with_header(&kept).as_bytes())
}

/// Is the file at `path`, `len` bytes long, due for pruning (see [`due`])?
pub fn is_due(path: &Path, len: u64, limit: u64) -> bool {
    len > limit && File::open(path).is_ok_and(|f| due(&f, len, limit))
}

/// Is `file`, now `len` bytes long, due for pruning? Past `limit` and at least twice its size
/// after the last pruning.
fn due(file: &File, len: u64, limit: u64) -> bool {
    len > limit && len >= last_size(file).saturating_mul(2)
}

/// The size recorded by `file`'s header, or 0.
fn last_size(file: &File) -> u64 {
    let mut first = [0u8; 128];
    let Ok(n) = file.read_at(&mut first, 0) else {
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
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let path = dir.path().join("list.jsonl");
        std::fs::write(&path, "x\n".repeat(600)).unwrap();
        let file = File::open(&path).unwrap();
        assert!(
            due(&file, 1200, 1000),
            "a file without a header is pruned past its limit"
        );
        assert!(!due(&file, 900, 1000));
        let text = with_header(&"y\n".repeat(550));
        std::fs::write(&path, &text).unwrap();
        let file = File::open(&path).unwrap();
        let size = text.len() as u64;
        assert_eq!(last_size(&file), size, "{text:.60}");
        assert!(!due(&file, size + 100, 1000));
        assert!(!due(&file, 2 * size - 1, 1000));
        assert!(due(&file, 2 * size, 1000));
    }
}
