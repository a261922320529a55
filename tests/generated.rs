//! The committed shell completions (`completions/`) and man pages (`man/`) are generated from the
//! clap definitions in `src/cli.rs`, and these tests fail when they are stale.
//!
//! They are committed so packagers and users get them without building anything; the price is
//! that whoever changes the command line regenerates them:
//!
//! ```text
//! BLESS=1 cargo test --test generated
//! ```
//!
//! With `BLESS=1` the files are written (and pages or scripts no longer generated are deleted)
//! instead of compared. Every test here first goes through [`bless_if_asked`], so under `BLESS=1` the
//! other tests check the freshly written files rather than racing the writer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

use clap_complete::Shell;

const BIN_NAME: &str = "agentcred";
const COMPLETIONS_DIR: &str = "completions";
const MAN_DIR: &str = "man";
const BLESS_HINT: &str = "run `BLESS=1 cargo test --test generated` to regenerate them";

/// The shells we ship completions for, and the file name each one's script is committed under
/// (the names each shell's completion loader expects).
const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "agentcred.bash"),
    (Shell::Zsh, "_agentcred"),
    (Shell::Fish, "agentcred.fish"),
    (Shell::Elvish, "agentcred.elv"),
    (Shell::PowerShell, "_agentcred.ps1"),
];

/// The repository root: generated files are committed relative to it.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The completion script for one shell, exactly as `agentcred completions SHELL` prints it.
fn completion(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut agentcred::cli::command(), BIN_NAME, &mut buf);
    buf
}

/// Every man page, keyed by file name: `agentcred.1`, then `agentcred-SUB.1` for each visible
/// subcommand and `agentcred-SUB-SUBSUB.1` for nested ones.
fn man_pages() -> BTreeMap<String, Vec<u8>> {
    // `help` is clap's, not ours, and has no page; building once sets every subcommand's bin name
    // ("agentcred agent add") so each page's synopsis shows the full invocation.
    let mut cmd = agentcred::cli::command().disable_help_subcommand(true);
    cmd.build();
    // Subcommands carry no version, so every page gets the top command's: "agentcred 0.1.0".
    let source = format!(
        "{BIN_NAME} {}",
        cmd.get_version().expect("the top command has a version")
    );
    let mut pages = BTreeMap::new();
    add_man_pages(cmd, BIN_NAME, &source, &mut pages);
    pages
}

fn add_man_pages(
    cmd: clap::Command,
    full_name: &str,
    source: &str,
    pages: &mut BTreeMap<String, Vec<u8>>,
) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub_name = format!("{full_name}-{}", sub.get_name());
        add_man_pages(sub.clone(), &sub_name, source, pages);
    }
    // The page title is the command's display name: `agentcred-agent-add`, not `add`, so the page
    // is titled as what `man agentcred-agent-add` opens. (Building the parent already sets it this
    // way; setting it here keeps the title and the file name in step whatever clap does.)
    let cmd = cmd.display_name(full_name);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(source)
        .render(&mut buf)
        .expect("render a man page into memory");
    pages.insert(format!("{full_name}.1"), buf);
}

/// Everything generated, keyed by path relative to the repository root.
fn generated() -> BTreeMap<PathBuf, Vec<u8>> {
    let completions = SHELLS
        .iter()
        .map(|&(shell, file)| (Path::new(COMPLETIONS_DIR).join(file), completion(shell)));
    let man = man_pages()
        .into_iter()
        .map(|(file, page)| (Path::new(MAN_DIR).join(file), page));
    completions.chain(man).collect()
}

/// The files now in a generated directory, relative to the repository root (none if it is missing).
fn files_in(dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a directory entry"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| Path::new(dir).join(e.file_name()))
        .collect();
    files.sort();
    files
}

/// Files in the generated directories that nothing generates any more (a removed subcommand's page).
fn stale_extras(expected: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    [COMPLETIONS_DIR, MAN_DIR]
        .into_iter()
        .flat_map(files_in)
        .filter(|f| !expected.contains_key(f))
        .collect()
}

/// Writes every generated file that differs and deletes the stale extras.
fn bless() {
    let expected = generated();
    for dir in [COMPLETIONS_DIR, MAN_DIR] {
        std::fs::create_dir_all(root().join(dir)).expect("create a generated directory");
    }
    for (path, bytes) in &expected {
        let full = root().join(path);
        if std::fs::read(&full).ok().as_ref() != Some(bytes) {
            std::fs::write(&full, bytes)
                .unwrap_or_else(|e| panic!("write {}: {e}", full.display()));
        }
    }
    for extra in stale_extras(&expected) {
        let full = root().join(extra);
        std::fs::remove_file(&full).unwrap_or_else(|e| panic!("remove {}: {e}", full.display()));
    }
}

fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v == "1")
}

/// Under `BLESS=1`, regenerates everything, once per test run, before any test reads the files.
fn bless_if_asked() {
    static BLESS: Once = Once::new();
    BLESS.call_once(|| {
        if blessing() {
            bless();
        }
    });
}

/// A committed generated file (freshly regenerated under `BLESS=1`).
fn committed(path: &str) -> PathBuf {
    bless_if_asked();
    root().join(path)
}

/// The first line (1-based) where two texts differ, to point the reader at the change.
fn first_different_line(a: &[u8], b: &[u8]) -> usize {
    let mut a_lines = a.split(|&c| c == b'\n');
    let mut b_lines = b.split(|&c| c == b'\n');
    let mut line = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (None, None) => return line,
            (x, y) if x == y => line += 1,
            _ => return line,
        }
    }
}

#[test]
fn completions_and_man_pages_are_up_to_date() {
    bless_if_asked();
    let expected = generated();
    let mut problems = Vec::new();
    for (path, bytes) in &expected {
        match std::fs::read(root().join(path)) {
            Ok(on_disk) if &on_disk == bytes => {}
            Ok(on_disk) => problems.push(format!(
                "{} is stale (first difference at line {})",
                path.display(),
                first_different_line(&on_disk, bytes)
            )),
            Err(e) => problems.push(format!("{} is missing ({e})", path.display())),
        }
    }
    for extra in stale_extras(&expected) {
        problems.push(format!("{} is no longer generated", extra.display()));
    }
    assert!(
        problems.is_empty(),
        "the committed completions and man pages do not match src/cli.rs:\n  {}\n{BLESS_HINT}",
        problems.join("\n  ")
    );
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let script = committed("completions/agentcred.bash");
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("run bash -n");
    assert!(
        out.status.success(),
        "bash -n {} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_command_prints_the_committed_bash_script() {
    let script = committed("completions/agentcred.bash");
    let committed = std::fs::read(&script)
        .unwrap_or_else(|e| panic!("read {}: {e}\n{BLESS_HINT}", script.display()));
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("agentcred"))
        .args(["completions", "bash"])
        .env_clear()
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        out.stdout == committed,
        "`agentcred completions bash` differs from {} (first difference at line {}); {BLESS_HINT}",
        script.display(),
        first_different_line(&out.stdout, &committed)
    );
}
