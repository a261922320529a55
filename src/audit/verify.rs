//! `audit verify`: recompute the chain from the first entry, check every checkpoint against it,
//! and say exactly what holds (SPEC §6, research R18-R19).
//!
//! The walk needs no JSON parser: every entry starts with `{"seq":N,` and ends with
//! `,"prev":"…","hash":"…"}` (the writer's fixed order), and the hash covers every other byte. A
//! line that does not have that shape is itself a finding.

use super::chain::ZERO_HASH;
use super::read::{LogReader, seq_of};
use crate::error::Result;

/// A signed statement of the log's size and head, already checked to be signed by this vault.
#[derive(Clone, Debug)]
pub struct Anchor {
    pub size: u64,
    pub head: String,
    pub ts: String,
    /// Where it came from: `state` or the file it was read from.
    pub source: String,
}

/// The first thing found wrong, named by the `seq` a reader should look at.
#[derive(Clone, Debug)]
pub struct Problem {
    pub seq: u64,
    pub line: u64,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Entries read that chain correctly (up to the problem, if any).
    pub entries: u64,
    pub head: String,
    /// The last checkpoint matched: everything up to its size is authenticated.
    pub anchored: Option<Anchor>,
    pub checkpoints_matched: usize,
    /// A last line cut short by an interrupted write (removed by the next append).
    pub torn_tail: bool,
    pub problem: Option<Problem>,
}

/// The parts of a stored line the walk needs.
struct Shape<'a> {
    seq: u64,
    prev: &'a [u8],
    hash: &'a [u8],
    /// Does the stored hash match the line's contents?
    intact: bool,
}

fn shape(line: &[u8]) -> Option<Shape<'_>> {
    const HASH: &[u8] = b",\"hash\":\"";
    const PREV: &[u8] = b",\"prev\":\"";
    let seq = seq_of(line)?;
    let n = line.len();
    // …,"prev":"<64>","hash":"<64>"}
    if n < 2 + 64 + HASH.len() + 1 + 64 + PREV.len() || !line.ends_with(b"\"}") {
        return None;
    }
    let cut = n - 2 - 64 - HASH.len();
    if &line[cut..cut + HASH.len()] != HASH {
        return None;
    }
    let hash = &line[cut + HASH.len()..n - 2];
    let prev_start = cut - 1 - 64;
    if line[cut - 1] != b'"' || &line[prev_start - PREV.len()..prev_start] != PREV {
        return None;
    }
    let prev = &line[prev_start..cut - 1];
    let digest = crate::crypto::sha256(&[&[0u8], &line[..cut], b"}"]);
    let mut hex = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        hex[2 * i] = DIGITS[(b >> 4) as usize];
        hex[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    Some(Shape {
        seq,
        prev,
        hash,
        intact: hex[..] == *hash,
    })
}

/// Walks the whole log. `anchors` may be in any order; `progress` is called with bytes read.
pub fn verify(
    dir: &std::path::Path,
    anchors: &[Anchor],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report> {
    let mut anchors: Vec<&Anchor> = anchors.iter().collect();
    anchors.sort_by_key(|a| a.size);
    let mut next_anchor = 0;
    let mut report = Report {
        head: ZERO_HASH.to_string(),
        ..Report::default()
    };
    let Some(mut log) = LogReader::open(dir)? else {
        if let Some(a) = anchors.iter().find(|a| a.size > 0) {
            report.problem = Some(Problem {
                seq: 1,
                line: 1,
                message: format!(
                    "the audit log is missing, but a checkpoint signed at {} covers {} entries",
                    a.ts, a.size
                ),
            });
        }
        return Ok(report);
    };
    let total = log.len;
    let mut expected: u64 = 1;
    let mut head: Vec<u8> = ZERO_HASH.as_bytes().to_vec();
    // A line the walk could not place, kept for a look at the one after it.
    let mut pending: Option<(Vec<u8>, u64)> = None;
    loop {
        if log.line_no % 65_536 == 0 {
            progress(log.offset, total);
        }
        let Some(line) = log.next_line()? else { break };
        let line_no = line.no;
        if !line.complete {
            report.torn_tail = true;
            break;
        }
        if let Some((held, held_no)) = pending.take() {
            report.problem = Some(diagnose_with_next(
                &held, held_no, line.bytes, expected, &head,
            ));
            return Ok(finish(report, &head));
        }
        let Some(s) = shape(line.bytes) else {
            report.problem = Some(Problem {
                seq: expected,
                line: line_no,
                message: format!(
                    "line {line_no} (where seq {expected} belongs) is not an audit entry: it was damaged or written by something else"
                ),
            });
            return Ok(finish(report, &head));
        };
        if !s.intact {
            let claim = if s.seq == expected {
                String::new()
            } else {
                format!(" (the line now claims seq {})", s.seq)
            };
            report.problem = Some(Problem {
                seq: expected,
                line: line_no,
                message: format!(
                    "seq {expected} was altered{claim}: its hash does not match its contents"
                ),
            });
            return Ok(finish(report, &head));
        }
        if s.seq == expected && s.prev == head.as_slice() {
            head.clear();
            head.extend_from_slice(s.hash);
            report.entries = expected;
            while let Some(a) = anchors.get(next_anchor).filter(|a| a.size <= expected) {
                if a.size == expected && a.head.as_bytes() != head.as_slice() {
                    let after = report.anchored.as_ref().map_or(0, |x| x.size);
                    report.problem = Some(Problem {
                        seq: expected,
                        line: line_no,
                        message: format!(
                            "the log up to seq {expected} does not match the checkpoint signed at {} ({}): entries after seq {after} were rewritten",
                            a.ts, a.source
                        ),
                    });
                    return Ok(finish(report, &head));
                }
                if a.size == expected {
                    report.checkpoints_matched += 1;
                    report.anchored = Some((*a).clone());
                }
                next_anchor += 1;
            }
            expected += 1;
            continue;
        }
        if s.seq > expected {
            // Deleted, or swapped with the next one: the next line tells.
            pending = Some((line.bytes.to_vec(), line_no));
            continue;
        }
        report.problem = Some(misplaced(&s, line_no, expected, &head));
        return Ok(finish(report, &head));
    }
    if let Some((held, held_no)) = pending {
        let s = shape(&held).expect("held lines have the entry shape");
        report.problem = Some(missing(s.seq, held_no, expected));
        return Ok(finish(report, &head));
    }
    progress(total, total);
    let entries = expected - 1;
    if let Some(a) = anchors.iter().rev().find(|a| a.size > entries) {
        report.problem = Some(Problem {
            seq: entries + 1,
            line: entries + 1,
            message: format!(
                "the log ends at seq {entries}, but the checkpoint signed at {} ({}) covers {} entries: seq {} to {} were cut off",
                a.ts,
                a.source,
                a.size,
                entries + 1,
                a.size
            ),
        });
    }
    Ok(finish(report, &head))
}

fn finish(mut report: Report, head: &[u8]) -> Report {
    report.head = String::from_utf8_lossy(head).into_owned();
    report
}

/// A line whose seq is at or below the one expected, or that does not link.
fn misplaced(s: &Shape<'_>, line_no: u64, expected: u64, head: &[u8]) -> Problem {
    let (seq, message) = if s.seq == expected {
        (
            expected,
            format!(
                "seq {expected} does not follow seq {}: its prev is not that entry's hash (an entry was replaced or inserted here)",
                expected - 1
            ),
        )
    } else if s.seq + 1 == expected && s.hash == head {
        (
            s.seq,
            format!(
                "seq {} appears twice (lines {} and {line_no}): an entry was duplicated",
                s.seq,
                line_no - 1
            ),
        )
    } else if s.seq + 1 == expected {
        (
            s.seq,
            format!(
                "two different entries claim seq {} (lines {} and {line_no}): one was inserted",
                s.seq,
                line_no - 1
            ),
        )
    } else {
        (
            expected,
            format!(
                "seq {} appears again at line {line_no}, where seq {expected} belongs: an entry was copied or moved",
                s.seq
            ),
        )
    };
    Problem {
        seq,
        line: line_no,
        message,
    }
}

fn missing(found: u64, line_no: u64, expected: u64) -> Problem {
    let what = if found == expected + 1 {
        format!("seq {expected} is missing")
    } else {
        format!("seq {expected} to {} are missing", found - 1)
    };
    Problem {
        seq: expected,
        line: line_no,
        message: format!("{what} (line {line_no} holds seq {found}): entries were deleted"),
    }
}

/// A line claiming a later seq than expected, judged with the line after it.
fn diagnose_with_next(
    held: &[u8],
    held_no: u64,
    next: &[u8],
    expected: u64,
    head: &[u8],
) -> Problem {
    let s = shape(held).expect("held lines have the entry shape");
    match shape(next) {
        Some(n) if n.intact && n.seq == expected && n.prev == head => {
            if s.prev == n.hash {
                Problem {
                    seq: expected,
                    line: held_no,
                    message: format!(
                        "seq {expected} and seq {} are swapped (lines {held_no} and {}): entries were reordered",
                        s.seq,
                        held_no + 1
                    ),
                }
            } else {
                Problem {
                    seq: expected,
                    line: held_no,
                    message: format!(
                        "line {held_no} holds an entry claiming seq {} before seq {expected}: it was inserted",
                        s.seq
                    ),
                }
            }
        }
        _ => missing(s.seq, held_no, expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: usize) -> (tempfile::TempDir, Vec<String>) {
        let dir = crate::vault::fsio::private_tempdir().unwrap();
        let now = chrono::Utc::now();
        let events: Vec<_> = (0..n)
            .map(|i| super::super::Event::admin("test").details(serde_json::json!({ "i": i })))
            .collect();
        super::super::append(dir.path(), now, &events).unwrap();
        let text = std::fs::read_to_string(dir.path().join(super::super::FILE)).unwrap();
        (dir, text.lines().map(str::to_string).collect())
    }

    fn write(dir: &tempfile::TempDir, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(dir.path().join(super::super::FILE), text).unwrap();
    }

    fn check(dir: &tempfile::TempDir) -> Report {
        verify(dir.path(), &[], &mut |_, _| {}).unwrap()
    }

    #[test]
    fn an_intact_log_verifies() {
        let (dir, _) = log(20);
        let r = check(&dir);
        assert!(r.problem.is_none(), "{:?}", r.problem);
        assert_eq!(r.entries, 20);
    }

    #[test]
    fn every_single_byte_flip_is_caught() {
        let (dir, lines) = log(3);
        let text = format!("{}\n", lines.join("\n"));
        for i in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            if bytes[i] == b'\n' {
                continue;
            }
            bytes[i] ^= 0x01;
            std::fs::write(dir.path().join(super::super::FILE), &bytes).unwrap();
            let r = check(&dir);
            assert!(r.problem.is_some(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn edits_are_named_by_seq() {
        let (dir, lines) = log(10);
        let mut l = lines.clone();
        l.remove(4);
        write(&dir, &l);
        assert_eq!(check(&dir).problem.unwrap().seq, 5);
        let mut l = lines.clone();
        l.swap(4, 5);
        write(&dir, &l);
        let p = check(&dir).problem.unwrap();
        assert_eq!(p.seq, 5, "{}", p.message);
        assert!(p.message.contains("swapped"));
        let mut l = lines.clone();
        l.insert(5, lines[4].clone());
        write(&dir, &l);
        let p = check(&dir).problem.unwrap();
        assert_eq!(p.seq, 5, "{}", p.message);
        assert!(p.message.contains("twice"));
        let mut l = lines.clone();
        l.truncate(9);
        write(&dir, &l);
        let anchor = Anchor {
            size: 10,
            head: lines[9][lines[9].len() - 66..lines[9].len() - 2].to_string(),
            ts: "t".into(),
            source: "test".into(),
        };
        let r = verify(dir.path(), &[anchor], &mut |_, _| {}).unwrap();
        assert_eq!(r.problem.unwrap().seq, 10);
    }
}
