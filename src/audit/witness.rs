//! A witness keeps the signed checkpoints somewhere the vault's own files cannot roll back: a log
//! restored together with `vault.toml`, `vault.age` and `agents/` is consistent with itself, and
//! only a copy of a later checkpoint held elsewhere shows that it is behind.
//!
//! The contract: the command (run with `sh -c`, the verb appended as its last argument) is called
//! - as `COMMAND put` after every signed checkpoint (each admin change, `audit checkpoint`), with
//!   the checkpoint as one JSON line on stdin; it keeps it and exits 0;
//! - as `COMMAND get` by `audit verify --witness`; it prints the latest checkpoint it holds (one
//!   JSON line, as given to `put`), or nothing if it holds none, and exits 0.
//!
//! `put` is best effort (the change is already committed; a failure is a warning), `get` is not.
//! Nothing that can unlock the vault reaches the command. `examples/witness.sh` keeps them in a
//! file outside the vault.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::vault::state::Checkpoint;

fn command(witness: &str, verb: &str) -> Command {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c").arg(format!("{witness} {verb}"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AGENTCRED_") && k != "AGENTCRED_HOME" {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs the command to the end or the deadline; returns its stdout.
fn run(mut cmd: Command, input: &[u8], timeout: Duration) -> std::io::Result<Vec<u8>> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(1 << 20).read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            let out = reader.join().unwrap_or_default();
            return if status.success() {
                Ok(out)
            } else {
                Err(std::io::Error::other(format!("it exited with {status}")))
            };
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "it did not finish within {}s and was stopped",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Hands `checkpoint` to the vault's witness, if it has one. Best effort (the change it
/// checkpoints is already committed): a failure comes back as the warning to show.
pub fn put(dir: &Path, checkpoint: &Checkpoint) -> Option<String> {
    let settings = match crate::settings::Settings::load(dir) {
        Ok(s) => s,
        Err(e) => return Some(format!("the checkpoint was not given to a witness: {e}")),
    };
    let witness = settings.audit.witness.as_deref()?;
    let mut line = serde_json::to_vec(checkpoint).expect("checkpoints serialise");
    line.push(b'\n');
    let timeout = Duration::from_secs(settings.audit.timeout_secs);
    run(command(witness, "put"), &line, timeout)
        .err()
        .map(|e| format!("the audit witness did not take the checkpoint: {e}"))
}

/// The latest checkpoint the witness `command` holds (`None`: it holds none yet).
pub fn get(witness: &str, timeout_secs: u64) -> Result<Option<Checkpoint>> {
    let out = run(
        command(witness, "get"),
        b"",
        Duration::from_secs(timeout_secs),
    )
    .map_err(|e| {
        Error::config(format!("the audit witness `{witness}` failed: {e}"))
            .hint("check the command: called with `get` it prints the latest checkpoint it holds")
    })?;
    let text = String::from_utf8_lossy(&out);
    let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) else {
        return Ok(None);
    };
    serde_json::from_str(line).map(Some).map_err(|e| {
        Error::bad_data(format!(
            "the audit witness `{witness}` printed something that is not a checkpoint: {e}"
        ))
        .hint("called with `get` it must print the last JSON line it was given by `put`")
    })
}
