//! How results reach people and programs: tables on a terminal, JSON (`"schema": 1`) under
//! `--json`, diagnostics on stderr, colour only where it helps and is wanted (docs/DESIGN.md,
//! "Output conventions").

use std::io::{IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

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

    /// A table: bordered on a terminal, plain aligned columns in a pipe.
    pub fn table(&self, headers: &[&str], rows: Vec<Vec<String>>) {
        if rows.is_empty() {
            self.note("(none)");
            return;
        }
        let mut table = Table::new();
        if self.stdout_tty {
            table
                .load_preset(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            table.load_preset(presets::NOTHING);
        }
        table.set_header(headers.iter().copied());
        for row in rows {
            table.add_row(row);
        }
        let text = table.to_string();
        let text: String = text
            .lines()
            .map(|l| format!("{}\n", l.trim_end()))
            .collect();
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
