//! The committed shell completions (`completions/`) and man pages (`man/`) are generated from the
//! clap definitions in `src/cli.rs`, and these tests fail when they are stale. Each man page adds
//! to what clap_mangen renders an EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES section (the
//! examples are the command's `--help` ones).
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
    agentcred::cmd::completions::script(shell).into_bytes()
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
    let examples = examples_of(&cmd);
    // The examples get a section of their own (EXAMPLES), not clap_mangen's EXTRA.
    let cmd = cmd.after_long_help(None::<&str>);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .source(source)
        .render(&mut buf)
        .expect("render a man page into memory");
    let page = String::from_utf8(buf).expect("a UTF-8 man page");
    let sections = [
        section("EXIT STATUS", &exit_status(full_name)),
        section("ENVIRONMENT", ENVIRONMENT),
        section("FILES", FILES),
        section("EXAMPLES", &examples),
    ]
    .concat();
    // Before VERSION, the page's last section, where man pages keep these.
    let page = match page.find(".SH VERSION") {
        Some(at) => format!("{}{sections}{}", &page[..at], &page[at..]),
        None => format!("{page}{sections}"),
    };
    pages.insert(format!("{full_name}.1"), page.into_bytes());
}

/// The examples `--help` shows for a command (its `Examples:` section), or for a command with
/// subcommands, the first example of each.
fn examples_of(cmd: &clap::Command) -> String {
    fn own(cmd: &clap::Command) -> Option<String> {
        let texts = [cmd.get_after_long_help(), cmd.get_long_about()];
        texts.into_iter().flatten().find_map(|text| {
            let text = text.to_string();
            let (_, examples) = text.split_once("Examples:\n")?;
            let lines: Vec<&str> = examples
                .lines()
                .take_while(|l| l.starts_with("  "))
                .map(str::trim)
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        })
    }
    own(cmd).unwrap_or_else(|| {
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .filter_map(|s| own(s).or_else(|| Some(examples_of(s))))
            .filter_map(|e| e.lines().next().map(str::to_string))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// A man page section: a heading and lines kept as they are (`.nf`), escaped for roff.
fn section(heading: &str, body: &str) -> String {
    let mut out = format!(".SH \"{heading}\"\n.nf\n");
    for line in body.lines() {
        let line = line.replace('\\', "\\e").replace('-', "\\-");
        if line.starts_with(['.', '\'']) {
            out.push_str("\\&");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(".fi\n");
    out
}

/// The exit codes (docs/DESIGN.md, "Exit codes"), with `exec`'s and `verify`'s own.
fn exit_status(full_name: &str) -> String {
    let own = match full_name {
        "agentcred-exec" => {
            "The program's exit status; 128+N if it died of signal N.\n\
             125  agentcred failed or refused before starting the program\n\
             126  the program cannot be run\n\
             127  the program is not found\n"
        }
        "agentcred-verify" => "0    allowed\n3    denied\n65   malformed or forged\n",
        _ => "",
    };
    format!(
        "{own}0    ok\n\
         1    error: an I/O failure, or anything else\n\
         2    usage: bad arguments, or values that make no sense together\n\
         3    denied: not granted, expired, revoked, suspended, rate-limited, failed verification\n\
         65   bad data: corrupt or tampered vault, envelope, audit log, token or input file\n\
         66   no vault, or an input (file, agent, secret, credential) not found\n\
         73   already exists\n\
         75   lock busy\n\
         77   cannot unlock: wrong passphrase, identity or key, or no unlock input\n\
         78   bad configuration: unsafe permissions, unreadable settings"
    )
}

const ENVIRONMENT: &str = "\
AGENTCRED_HOME             the vault directory (--vault)
AGENTCRED_IDENTITY         unlock with this age identity file (--identity)
AGENTCRED_KEY_FILE         act as an agent, with the agent key in this file (--key-file)
AGENTCRED_KEY              the same, the key itself
AGENTCRED_PASSPHRASE_FILE  read the admin passphrase from this file
AGENTCRED_PASSPHRASE       the admin passphrase itself
AGENTCRED_TOKEN            the credential token (set by exec; read by verify, present, delegate)
AGENTCRED_VAULT_ID         the vault id a verifier trusts (verify --vault-id)
AGENTCRED_ISSUER_KEY       an issuer key a verifier pins (verify --issuer-key)
NO_COLOR                   no colour on the terminal when set and not empty";

const FILES: &str = "\
$AGENTCRED_HOME, else ~/.local/share/agentcred   the vault directory
vault.toml          format, vault id, unlock kind, issuer public keys
vault.age           the admin state (age-encrypted)
grants/XX.age       the grants (age-encrypted)
agents/NAME.age     one agent's envelope (age-encrypted)
agents/roster       the signed public list of agents
audit.jsonl         the tamper-evident audit log; never a secret value
credentials.jsonl   metadata of every credential minted
revoked.jsonl       signed, hash-chained revocations
config.toml         optional settings: anomaly thresholds, alerts, witness, sandbox";

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

#[test]
fn every_man_page_has_examples_exit_status_environment_and_files() {
    let pages = man_pages();
    assert!(pages.len() > 40, "only {} pages", pages.len());
    for (file, page) in &pages {
        let page = String::from_utf8_lossy(page);
        for heading in ["EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "FILES"] {
            assert!(
                page.contains(&format!(".SH \"{heading}\"\n")),
                "{file} has no {heading} section"
            );
        }
        let examples = page
            .split(".SH \"EXAMPLES\"\n.nf\n")
            .nth(1)
            .unwrap_or_default();
        assert!(
            examples
                .lines()
                .next()
                .is_some_and(|l| l.contains("agentcred")),
            "{file}: the EXAMPLES section is empty:\n{examples}"
        );
    }
}
