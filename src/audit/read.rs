//! Reading the log: streamed line by line in large reads, never loaded whole, with the two fields
//! every reader wants (`seq`, `ts`) taken from their fixed place at the start of a line without
//! parsing the rest.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The longest line read from the log, far above any entry agentcred writes: a longer one (or a
/// huge run of bytes with no newline) is refused rather than loaded into memory.
pub(super) const MAX_LINE: u64 = 16 << 20;

/// Forward reader over `audit.jsonl`.
pub struct LogReader {
    path: PathBuf,
    reader: BufReader<File>,
    buf: Vec<u8>,
    /// 1-based number of the line last returned.
    pub line_no: u64,
    /// Bytes consumed so far (for progress).
    pub offset: u64,
    /// The file's size when opened.
    pub len: u64,
}

/// One line as stored, without its newline. `complete` is false for a last line cut short by an
/// interrupted write (it has no newline; the next append removes it).
pub struct Line<'a> {
    /// 1-based line number.
    pub no: u64,
    /// Offset just past the line in the file.
    pub end: u64,
    pub bytes: &'a [u8],
    pub complete: bool,
}

impl LogReader {
    /// `None` when the vault has no log yet.
    pub fn open(dir: &Path) -> Result<Option<LogReader>> {
        let path = dir.join(super::FILE);
        let file = match crate::vault::fsio::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read the audit log", &path, e)),
        };
        let meta = file
            .metadata()
            .map_err(|e| Error::io("cannot read the audit log", &path, e))?;
        if meta.is_dir() {
            return Err(Error::bad_data(format!(
                "the audit log {} is a directory, not a file",
                path.display()
            ))
            .hint("move it aside and restore the log from a backup"));
        }
        Ok(Some(LogReader {
            path,
            reader: BufReader::with_capacity(1 << 20, file),
            buf: Vec::with_capacity(1024),
            line_no: 0,
            offset: 0,
            len: meta.len(),
        }))
    }

    /// `None` when the vault has no log yet; reading starts at `offset` (a line's start).
    pub fn open_at(dir: &Path, offset: u64) -> Result<Option<LogReader>> {
        use std::io::Seek;
        let Some(mut log) = Self::open(dir)? else {
            return Ok(None);
        };
        log.reader
            .seek(std::io::SeekFrom::Start(offset))
            .map_err(|e| Error::io("cannot read the audit log", &log.path, e))?;
        log.offset = offset;
        Ok(Some(log))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        use std::io::Read as _;
        self.buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::io("cannot read the audit log", &self.path, e))?;
        if n == 0 {
            return Ok(None);
        }
        if n as u64 > MAX_LINE {
            return Err(Error::bad_data(format!(
                "line {} of the audit log {} is longer than {MAX_LINE} bytes",
                self.line_no + 1,
                self.path.display()
            ))
            .hint("agentcred never writes such a line: keep a copy of audit.jsonl as it is now, and compare it with a backup"));
        }
        self.offset += n as u64;
        self.line_no += 1;
        let complete = self.buf.last() == Some(&b'\n');
        let bytes = if complete {
            &self.buf[..self.buf.len() - 1]
        } else {
            &self.buf[..]
        };
        Ok(Some(Line {
            no: self.line_no,
            end: self.offset,
            bytes,
            complete,
        }))
    }
}

/// The `seq` of a stored line: every entry starts with `{"seq":N,`.
pub fn seq_of(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// The `ts` of a stored line, which follows `seq`: `{"seq":N,"ts":"…",`. RFC 3339 UTC with
/// milliseconds, so timestamps compare as strings.
pub fn ts_of(line: &[u8]) -> Option<&str> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = rest[digits..].strip_prefix(b",\"ts\":\"")?;
    let end = rest.iter().position(|b| *b == b'"')?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// Does the line contain `"field":"value"` (a cheap test before parsing; values that need JSON
/// escaping never match, so callers confirm on the parsed entry).
pub fn has_field(line: &[u8], field: &str, value: &str) -> bool {
    let needle = format!("\"{field}\":\"{value}\"");
    find(line, needle.as_bytes()).is_some()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let j = hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|b| *b == first)?;
        i += j;
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_fields_are_read_without_parsing() {
        let line = br#"{"seq":42,"ts":"2026-01-01T00:00:00.000Z","actor":"admin","agent":"a-1","prev":"x","hash":"y"}"#;
        assert_eq!(seq_of(line), Some(42));
        assert_eq!(ts_of(line), Some("2026-01-01T00:00:00.000Z"));
        assert!(has_field(line, "agent", "a-1"));
        assert!(!has_field(line, "agent", "a-"));
        assert_eq!(seq_of(b"{\"seq\":x}"), None);
        assert_eq!(ts_of(b"{\"seq\":1}"), None);
    }
}
