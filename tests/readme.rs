//! The README's tour, run as written.
//!
//! Every fenced `sh` block of the README's "A tour" section runs, in order, in one `sh -e` started
//! in the repository (the tour's first lines move to a scratch directory), as a reader would paste
//! them into one terminal: shell variables and the unlock session carry from block to block. A
//! block that stops the shell fails the test, so the README cannot drift into examples that do not
//! run. Then the test checks what the README says a few key commands print, and that no secret
//! value reached a vault file in the clear.
//!
//! In the tour, a fence is `sh` (run) or `text` (shown, not run); anything else fails here, so that
//! a block is never skipped by accident. Blocks outside the tour (set-up, installing) are not run.
//!
//! The environment is a fresh, empty HOME and TMPDIR, stdin that is not a terminal, and the
//! passphrase in `AGENTCRED_PASSPHRASE_FILE`, which is what lets `agentcred init` and the unlock
//! run without a prompt. The `agentcred` first on PATH is a wrapper that execs the binary under
//! test, adding the tests' cheap KDF flags to `agentcred init` (a real-cost KDF would make every
//! admin command of the tour pay for it); nothing else differs from what a reader runs.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const README: &str = include_str!("../README.md");
const TOUR_HEADING: &str = "## A tour";

/// Longer than the tour takes on a slow CI machine (seconds); a block that hangs fails the test.
const TIMEOUT_SECS: u32 = 600;

#[derive(Clone, Copy, Debug)]
enum Stream {
    Stdout,
    Stderr,
}

use Stream::{Stderr, Stdout};

/// What the README says a command prints: (a command, a stream, a text). The output of the tour
/// block running the command must contain the text on that stream (agentcred's messages go to
/// stderr; data, the program's output under `exec` and the tour's `echo`s to stdout).
const PRINTS: &[(&str, Stream, &str)] = &[
    // In a terminal: coder gets its value, reviewer nothing (125), stock age opens the vault.
    ("-- printenv OPENAI_API_KEY", Stdout, "sk-tour-1111"),
    ("--agent reviewer", Stdout, "refused: 125"),
    ("age -d -i recovery.txt", Stdout, "recovery works"),
    ("agentcred unlock", Stdout, "unlock session  unlocked until"),
    // Deny wins: the mint is denied with exit 3.
    ("--resources orders-archive ||", Stdout, "denied: 3"),
    ("--resources orders-archive ||", Stderr, "explicitly denied"),
    // The CI step: its key runs the deployment and no admin command.
    ("./deploy.sh prod", Stdout, "deploying to prod as deployer"),
    ("agent add intruder", Stdout, "refused: 3"),
    // exec's exit status is env(1)'s.
    ("sh -c 'exit 7'", Stdout, "exit status: 7"),
    ("no-such-program", Stdout, "exit status: 127"),
    // The wrapper: the value is masked, and the sandbox shows the program an empty vault.
    ("--mask", Stdout, "debug: OPENAI_API_KEY=********"),
    ("--mask", Stdout, "files it sees in the vault: 0"),
    ("printenv AGENTCRED_CREDENTIAL_ID", Stdout, "dl_"),
    // Offline verification, with and without the holder's proof.
    ("TOKEN=$(", Stderr, "valid: agent coder"),
    ("TOKEN=$(", Stdout, "denied: 3"),
    // The broker: the program holds a placeholder, only the API gets the value, and a
    // placeholder sent elsewhere is refused; mint never prints a brokered value.
    ("cat api.log", Stdout, "the agent holds sk-agentcred-ph-"),
    ("cat api.log", Stdout, "Bearer sk-live-0123456789abcdef"),
    ("cat api.log", Stdout, "host_not_bound"),
    ("cat api.log", Stdout, "refused: 3"),
    ("cat api.log", Stdout, "broker.request"),
    // A credential helper answers git with the secret bound to the host.
    (
        "git-credential --agent coder get",
        Stdout,
        "password=forge-token-value",
    ),
    // Delegation: coder acts on planner's behalf, and the chain verifies until revoked.
    ("--on-behalf-of", Stdout, "crm-tour-2222"),
    ("--on-behalf-of", Stderr, "delegated planner → coder"),
    ("creds revoke", Stdout, "denied: 3"),
    // Rotation: the previous value during its window.
    (
        "--secret-version previous",
        Stdout,
        "export OPENAI_API_KEY='sk-tour-1111'",
    ),
    // The audit log.
    ("audit verify --checkpoint", Stdout, "hash chain is intact"),
    ("audit hash prod", Stdout, "hmac-sha256:"),
    ("--witness", Stdout, "held by the witness"),
    ("--rate-limit 3/m", Stdout, "call 4 refused: 3"),
    ("--rate-limit 3/m", Stderr, "was suspended"),
    ("--rate-limit 3/m", Stdout, "rate_limit"),
    // The team vault: a removed recipient cannot unlock (77).
    ("recipients remove", Stdout, "refused: 77"),
];

/// One fenced `sh` block of the tour.
struct Block {
    /// The README line of its opening fence, for messages.
    line: usize,
    source: String,
}

/// The tour's `sh` blocks, in order. Panics on a fence in the tour that is neither `sh` nor `text`.
fn tour_blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut in_tour = false;
    let mut open: Option<(usize, bool, String)> = None; // (line, runs, source)
    for (i, line) in readme.lines().enumerate() {
        let n = i + 1;
        if let Some((start, runs, mut source)) = open.take() {
            if line.trim_end() == "```" {
                if runs {
                    blocks.push(Block {
                        line: start,
                        source,
                    });
                }
            } else {
                source.push_str(line);
                source.push('\n');
                open = Some((start, runs, source));
            }
            continue;
        }
        if line.starts_with("## ") {
            in_tour = line.trim_end() == TOUR_HEADING;
        } else if let Some(info) = line.strip_prefix("```") {
            let runs = in_tour && info.trim() == "sh";
            assert!(
                !in_tour || runs || info.trim() == "text",
                "README.md line {n}: a fence in the tour must be ```sh (run by tests/readme.rs) \
                 or ```text (shown, not run), not ```{info}"
            );
            open = Some((n, runs, String::new()));
        }
    }
    assert!(open.is_none(), "README.md ends inside a fenced block");
    blocks
}

/// The marker the script prints on both streams before block `index`, to split the output.
fn marker(index: usize) -> String {
    format!("@@ tour block {index} @@")
}

const END_MARKER: &str = "@@ tour end @@";

/// The whole tour as one script: each block after its marker, then the end marker. If the tour
/// stops early, its unlock session is ended on the way out.
fn script(blocks: &[Block]) -> String {
    let mut s = String::from("trap 'agentcred lock > /dev/null 2>&1 || :' EXIT\n");
    for (i, block) in blocks.iter().enumerate() {
        let m = marker(i);
        s.push_str(&format!("echo '{m}'; echo '{m}' >&2\n"));
        s.push_str(&block.source);
    }
    s.push_str(&format!("echo '{END_MARKER}'\n"));
    s
}

/// Quotes `s` for sh.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A directory holding `agentcred`: the binary under test, with the cheap KDF for `init`.
fn wrapper_dir(root: &Path) -> PathBuf {
    let dir = root.join("bin");
    std::fs::create_dir(&dir).unwrap();
    let bin = quote(util::bin().to_str().expect("a UTF-8 path to the binary"));
    let kdf = util::CHEAP_KDF.join(" ");
    let text = format!(
        "#!/bin/sh\n\
         if [ \"$1\" = init ]; then shift; exec {bin} init {kdf} \"$@\"; fi\n\
         exec {bin} \"$@\"\n"
    );
    let path = dir.join("agentcred");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// The text a stream printed for each block, split at the markers.
fn per_block(output: &str, blocks: usize) -> Vec<String> {
    let mut parts = vec![String::new(); blocks];
    let mut current: Option<usize> = None;
    for line in output.lines() {
        if let Some(i) = (0..blocks).find(|&i| line == marker(i)) {
            current = Some(i);
        } else if line == END_MARKER {
            current = None;
        } else if let Some(i) = current {
            parts[i].push_str(line);
            parts[i].push('\n');
        }
    }
    parts
}

/// The values the tour stores (`printf 'VALUE' | agentcred secret …`).
fn stored_values(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|b| b.source.lines())
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("printf '")?;
            let (value, after) = rest.split_once('\'')?;
            after
                .trim_start()
                .starts_with("| agentcred secret")
                .then(|| value.to_string())
        })
        .collect()
}

/// Every regular file under `dir` whose directory holds a `vault.toml`, recursively: the vaults.
fn vault_files(dir: &Path, in_vault: bool, out: &mut Vec<PathBuf>) {
    let in_vault = in_vault || dir.join("vault.toml").is_file();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            vault_files(&entry.path(), in_vault, out);
        } else if kind.is_file() && in_vault {
            out.push(entry.path());
        }
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    let blocks = tour_blocks(README);
    assert!(
        blocks.len() >= 10,
        "README.md: expected the tour's ```sh blocks under `{TOUR_HEADING}`, found {}",
        blocks.len()
    );

    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&home).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    let passphrase = root.path().join("passphrase");
    util::write_private(&passphrase, util::PASSPHRASE.as_bytes());
    let script_path = root.path().join("tour.sh");
    std::fs::write(&script_path, script(&blocks)).unwrap();
    let stdout_path = root.path().join("stdout");
    let stderr_path = root.path().join("stderr");

    let path = std::env::join_paths(std::iter::once(wrapper_dir(root.path())).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let status = Command::new("timeout")
        .args(["-k", "10", &TIMEOUT_SECS.to_string(), "sh", "-e"])
        .arg(&script_path)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("TMPDIR", &tmp)
        .env("AGENTCRED_PASSPHRASE_FILE", &passphrase)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .status()
        .expect("run sh (and coreutils' timeout)");
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    let outs = per_block(&stdout, blocks.len());
    let errs = per_block(&stderr, blocks.len());

    // Every block ran to its end: the last marker printed names the one that stopped the shell.
    if !status.success() || !stdout.lines().any(|l| l == END_MARKER) {
        let failed = (0..blocks.len())
            .rev()
            .find(|&i| stdout.lines().any(|l| l == marker(i)))
            .unwrap_or(0);
        let block = &blocks[failed];
        let why = match status.code() {
            Some(124 | 137) => format!("timed out after {TIMEOUT_SECS} s"),
            _ => format!("stopped the shell ({status})"),
        };
        panic!(
            "the README's tour block at README.md line {} {why}.\n\
             --- block ---\n{}--- its stdout ---\n{}--- its stderr ---\n{}",
            block.line, block.source, outs[failed], errs[failed]
        );
    }

    // What the README says the key commands print.
    for &(command, stream, prints) in PRINTS {
        let index = blocks
            .iter()
            .position(|b| b.source.contains(command))
            .unwrap_or_else(|| {
                panic!(
                    "no tour block in README.md runs `{}` any more; update PRINTS in tests/readme.rs",
                    command
                )
            });
        let (text, name) = match stream {
            Stdout => (&outs[index], "stdout"),
            Stderr => (&errs[index], "stderr"),
        };
        assert!(
            text.contains(prints),
            "README.md line {}: the block running `{}` should print `{}` on {name}.\n\
             --- block ---\n{}--- its stdout ---\n{}--- its stderr ---\n{}",
            blocks[index].line,
            command,
            prints,
            blocks[index].source,
            outs[index],
            errs[index]
        );
    }

    // `--mask` hides the value from the program's output.
    let masked = blocks
        .iter()
        .position(|b| b.source.contains("--mask"))
        .unwrap();
    let values = stored_values(&blocks);
    assert!(
        values.len() >= 2,
        "expected the tour to store values with `printf 'VALUE' | agentcred secret …`, found {values:?}"
    );
    for value in &values {
        util::assert_no_leak(outs[masked].as_bytes(), value);
        util::assert_no_leak(errs[masked].as_bytes(), value);
    }

    // No value is in any vault file in the clear (the log, the ledgers, the index, …).
    let mut files = Vec::new();
    vault_files(&tmp, false, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("audit.jsonl")),
        "the tour left no vault under TMPDIR: {files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for value in &values {
            if bytes.windows(value.len()).any(|w| w == value.as_bytes()) {
                panic!("{value} is in the clear in {}", file.display());
            }
        }
    }
}

#[test]
fn the_tour_blocks_are_found_and_other_fences_are_left_alone() {
    let readme = "\
# x

```sh
not in the tour
```

## A tour

```sh
echo one
```

```text
shown only
```

### A sub-section

```sh
echo two
```

## After the tour

```sh
not run either
```
";
    let blocks = tour_blocks(readme);
    let sources: Vec<&str> = blocks.iter().map(|b| b.source.as_str()).collect();
    assert_eq!(sources, ["echo one\n", "echo two\n"]);
    assert_eq!(blocks[0].line, 9);
}

#[test]
#[should_panic(expected = "a fence in the tour must be")]
fn a_fence_in_the_tour_that_would_be_skipped_silently_is_refused() {
    tour_blocks("## A tour\n\n```bash\necho skipped?\n```\n");
}
