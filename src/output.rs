//! How results reach people and programs: tables on a terminal, JSON (`"schema": 1`) under
//! `--json`, diagnostics on stderr, colour only where it helps and is wanted (docs/DESIGN.md,
//! "Output conventions").

use std::io::{IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::cli::ColorChoice;
use crate::error::Error;

pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub verbose: bool,
    color: bool,
    stdout_tty: bool,
    stderr_tty: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool, verbose: bool, color: ColorChoice) -> Output {
        let stderr_tty = std::io::stderr().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stderr_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Output {
            json,
            quiet,
            verbose,
            color,
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty,
        }
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty
    }

    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_tty
    }

    /// Writes data to stdout. A closed pipe (`agentcred … | head`) ends the program quietly.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let result = out.write_all(text.as_bytes()).and_then(|()| {
            if text.ends_with('\n') || text.is_empty() {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        });
        if let Err(e) = result.and_then(|()| out.flush())
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            std::process::exit(0);
        }
    }

    /// Prints a JSON document with `"schema": 1` merged in first (see [`json_text`]).
    pub fn json<T: Serialize>(&self, value: &T) {
        self.data(&json_text(value));
    }

    /// A table of untyped columns (each treated as an identifier: never cut).
    pub fn table(&self, headers: &[&'static str], rows: Vec<Vec<String>>) {
        let columns: Vec<Column> = headers.iter().map(|&h| Column::id(h)).collect();
        self.records(&columns, rows);
    }

    /// A table whose columns say what they hold. In a pipe: plain aligned columns, every value
    /// whole. On a terminal the table fits its width: times shortened (`17:05:03` today,
    /// `Nov 30 17:05` otherwise), free text cut with an ellipsis, identifiers and times never
    /// broken; when even that is too wide, one block of `field: value` lines per record.
    pub fn records(&self, columns: &[Column], mut rows: Vec<Vec<String>>) {
        if rows.is_empty() {
            self.note("(none)");
            return;
        }
        if !self.stdout_tty {
            self.data(&render(presets::NOTHING, columns, rows));
            return;
        }
        shorten(columns, &mut rows);
        let width = usize::from(Table::new().width().unwrap_or(80));
        let text = match fit(columns, &rows, width) {
            Some(widths) => {
                cut(columns, &mut rows, &widths);
                render(presets::UTF8_FULL_CONDENSED, columns, rows)
            }
            None => blocks(columns, &rows, width),
        };
        self.data(&text);
    }

    /// More records of a table already started, as they arrive (`audit tail -f`): the same
    /// columns in a plain layout without a header, since a bordered table cannot be extended once
    /// printed. On a terminal fitted to its width as [`Output::records`] does, and one block per
    /// record when even that is too wide; in a pipe every value whole.
    pub fn more_records(&self, columns: &[Column], mut rows: Vec<Vec<String>>) {
        if rows.is_empty() {
            return;
        }
        if !self.stdout_tty {
            self.data(&render_rows(rows));
            return;
        }
        shorten(columns, &mut rows);
        let width = usize::from(Table::new().width().unwrap_or(80));
        let text = match fit_within(columns, &rows, width, plain_overhead(columns.len())) {
            Some(widths) => {
                cut(columns, &mut rows, &widths);
                render_rows(rows)
            }
            None => format!("\n{}", blocks(columns, &rows, width)),
        };
        self.data(&text);
    }

    /// Key-value lines for one object (`show` commands).
    pub fn fields(&self, pairs: &[(&str, String)]) {
        let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let text: String = pairs
            .iter()
            .map(|(k, v)| format!("{k:<width$}  {v}\n"))
            .collect();
        self.data(&text);
    }

    /// A human note on stderr (suppressed by `--quiet` and `--json`).
    pub fn note(&self, text: &str) {
        if !self.quiet && !self.json {
            eprintln!("{text}");
        }
    }

    /// A success line on stderr, e.g. "added agent coder".
    pub fn done(&self, text: &str) {
        if !self.quiet && !self.json {
            eprintln!("{} {text}", self.paint("32", "✓"));
        }
    }

    pub fn warn(&self, text: &str) {
        if !self.quiet {
            eprintln!("{} {text}", self.paint("33", "warning:"));
        }
    }

    pub fn verbose(&self, text: &str) {
        if self.verbose {
            eprintln!("{} {text}", self.paint("2", "·"));
        }
    }

    pub fn error(&self, e: &Error) {
        if self.json {
            let doc = serde_json::json!({"error": {"code": e.exit_code(), "kind": e.kind_name(), "message": e.to_string(), "hint": e.hint_text()}});
            eprintln!("{doc}");
            return;
        }
        // One prefix for every error, as clap's and the usage errors' (crate::usage).
        eprintln!("{} {e}", self.paint("1;31", "error:"));
        if let Some(hint) = e.hint_text() {
            eprintln!("  {} {hint}", self.paint("2", "hint:"));
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// A JSON document with `"schema": 1` merged in first, and a final newline.
/// `value` must serialise as an object; it is streamed, never built as a `Value` tree first.
pub fn json_text<T: Serialize>(value: &T) -> String {
    #[derive(Serialize)]
    struct WithSchema<'a, T: Serialize> {
        schema: u32,
        #[serde(flatten)]
        doc: &'a T,
    }
    let mut text = serde_json::to_string_pretty(&WithSchema {
        schema: 1,
        doc: value,
    })
    .expect("output serialises");
    text.push('\n');
    text
}

/// `1 agent`, `2 agents`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What a table column holds, which decides how it may be shortened to fit a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// A name, id, number or fixed word: shown whole or the table changes layout.
    Id,
    /// An RFC 3339 time: shortened on a terminal, never broken.
    Time,
    /// Free text (descriptions, details): cut with an ellipsis to fit.
    Text,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub header: &'static str,
    pub kind: ColumnKind,
}

impl Column {
    pub const fn id(header: &'static str) -> Column {
        Column {
            header,
            kind: ColumnKind::Id,
        }
    }

    pub const fn time(header: &'static str) -> Column {
        Column {
            header,
            kind: ColumnKind::Time,
        }
    }

    pub const fn text(header: &'static str) -> Column {
        Column {
            header,
            kind: ColumnKind::Text,
        }
    }
}

/// The narrowest a free-text column is cut to before the table gives way to blocks.
const TEXT_MIN: usize = 8;

/// What a bordered, condensed table adds around its cells: a border and two spaces of padding
/// per column, and the closing border.
fn overhead(columns: usize) -> usize {
    3 * columns + 1
}

/// What plain columns add around their cells: a space of padding on each side.
fn plain_overhead(columns: usize) -> usize {
    2 * columns
}

/// Times shortened and free text kept to one line, for a terminal.
fn shorten(columns: &[Column], rows: &mut [Vec<String>]) {
    let now = chrono::Local::now();
    for row in rows {
        for (cell, column) in row.iter_mut().zip(columns) {
            match column.kind {
                ColumnKind::Time => *cell = short_time(cell, now),
                ColumnKind::Text => *cell = cell.replace(['\n', '\t'], " "),
                ColumnKind::Id => {}
            }
        }
    }
}

/// Free text cut with an ellipsis to the widths [`fit`] decided.
fn cut(columns: &[Column], rows: &mut [Vec<String>], widths: &[usize]) {
    for row in rows {
        for ((cell, column), &w) in row.iter_mut().zip(columns).zip(widths) {
            if column.kind == ColumnKind::Text {
                *cell = ellipsize(cell, w);
            }
        }
    }
}

/// Each column's width when the table fits in `width`: identifiers and times at their widest,
/// free text sharing what is left (never below [`TEXT_MIN`] or its header). `None` when even
/// that is too wide.
fn fit(columns: &[Column], rows: &[Vec<String>], width: usize) -> Option<Vec<usize>> {
    fit_within(columns, rows, width, overhead(columns.len()))
}

/// [`fit`], for a layout that adds `overhead` columns around the cells.
fn fit_within(
    columns: &[Column],
    rows: &[Vec<String>],
    width: usize,
    overhead: usize,
) -> Option<Vec<usize>> {
    let natural: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|cell| cell.width())
                .chain([c.header.width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let text_min = |i: usize| natural[i].min(TEXT_MIN.max(columns[i].header.width()));
    let fixed: usize = (0..columns.len())
        .map(|i| {
            if columns[i].kind == ColumnKind::Text {
                text_min(i)
            } else {
                natural[i]
            }
        })
        .sum();
    if fixed + overhead > width {
        return None;
    }
    // Water-fill the free text: narrowest wants first, each taking at most an even share.
    let mut widths = natural.clone();
    let mut text: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].kind == ColumnKind::Text)
        .collect();
    text.sort_by_key(|&i| natural[i]);
    let used: usize = (0..columns.len())
        .filter(|&i| columns[i].kind != ColumnKind::Text)
        .map(|i| natural[i])
        .sum();
    let mut left = width - overhead - used;
    for (k, &i) in text.iter().enumerate() {
        let share = left / (text.len() - k);
        widths[i] = natural[i].min(share).max(text_min(i));
        left = left.saturating_sub(widths[i]);
    }
    Some(widths)
}

fn render(preset: &str, columns: &[Column], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(preset)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(columns.iter().map(|c| c.header));
    for row in rows {
        table.add_row(row);
    }
    table
        .to_string()
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// Rows in plain columns with no header: the continuation of a table (see
/// [`Output::more_records`]).
fn render_rows(rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    for row in rows {
        table.add_row(row);
    }
    table
        .to_string()
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// One block of `field: value` lines per record, for a terminal too narrow for the table.
fn blocks(columns: &[Column], rows: &[Vec<String>], width: usize) -> String {
    let labels: Vec<String> = columns.iter().map(|c| c.header.to_lowercase()).collect();
    let label_width = labels.iter().map(|l| l.width()).max().unwrap_or(0);
    let mut text = String::new();
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            text.push('\n');
        }
        for ((label, column), cell) in labels.iter().zip(columns).zip(row) {
            let pad = label_width - label.width();
            let room = width.saturating_sub(label_width + 2).max(TEXT_MIN);
            let value = if column.kind == ColumnKind::Text {
                ellipsize(cell, room)
            } else {
                cell.clone()
            };
            text.push_str(&format!("{label}:{:pad$} {value}", ""));
            text.truncate(text.trim_end().len());
            text.push('\n');
        }
    }
    text
}

/// `text` cut to `width` columns, ending in `…` when anything was cut.
fn ellipsize(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut cut_mid_word = false;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            cut_mid_word = !c.is_whitespace()
                && text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|p| !p.is_whitespace());
            break;
        }
        out.push(c);
        used += w;
    }
    // Free text often carries names and ids (an audit entry's secrets and credential): a word
    // cut in two would show half an identifier, so the cut goes back to the last whole word.
    if cut_mid_word && let Some(space) = out.rfind(char::is_whitespace) {
        out.truncate(space);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// An RFC 3339 time as a person reads it at a terminal, in local time: `17:05:03` today,
/// `Nov 30 17:05` this year, `2025-11-30` before. Anything else (`-`) is left as it is.
fn short_time(text: &str, now: chrono::DateTime<chrono::Local>) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) else {
        return text.to_string();
    };
    let t = t.with_timezone(&chrono::Local);
    if t.date_naive() == now.date_naive() {
        t.format("%H:%M:%S").to_string()
    } else if chrono::Datelike::year(&t) == chrono::Datelike::year(&now) {
        t.format("%b %d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsis_keeps_within_the_width() {
        assert_eq!(ellipsize("short", 10), "short");
        assert_eq!(ellipsize("a long description", 8), "a long…");
        assert!(ellipsize("a long description", 8).width() <= 8);
        // Back to a whole word: no half identifier.
        assert_eq!(
            ellipsize("db_password  cr_8bc0b05af0c5557527868fb9", 30),
            "db_password…"
        );
        // One word longer than the room is still cut, with its ellipsis.
        assert_eq!(ellipsize("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn free_text_gives_way_before_identifiers() {
        let columns = [Column::id("NAME"), Column::text("DESCRIPTION")];
        let rows = vec![vec!["a".repeat(40), "word ".repeat(30)]];
        let widths = fit(&columns, &rows, 80).expect("fits");
        assert_eq!(widths[0], 40);
        assert!(widths.iter().sum::<usize>() + overhead(2) <= 80);
        assert_eq!(fit(&columns, &[vec!["a".repeat(75), "b".into()]], 80), None);
    }

    #[test]
    fn times_are_short_today_and_dated_otherwise() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T17:05:03Z")
            .unwrap()
            .with_timezone(&chrono::Local);
        let today = crate::clock::rfc3339(now.to_utc());
        assert_eq!(short_time(&today, now).len(), 8);
        assert!(!short_time("2026-01-02T00:00:00Z", now).contains('T'));
        assert_eq!(short_time("-", now), "-");
    }
}
