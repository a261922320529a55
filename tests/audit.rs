//! The audit log acceptance list (docs/DESIGN.md, "The audit log"): `audit verify` over a real log
//! of a few hundred entries names the first bad `seq` of every kind of tampering (an edited,
//! deleted, swapped, duplicated or inserted entry, a tail cut below the last checkpoint, a
//! self-consistent rewrite) and exits 65; external checkpoints catch a rolled-back vault; no secret
//! value or argv element ever enters the log; a log that cannot be written fails closed; the list
//! filters, `tail` and `tail -f`; and a torn last line is tolerated and cleaned up by the next
//! append.
//!
//! Every test runs the built binary in its own cheap-KDF vault. Tampering is done on the bytes of
//! `audit.jsonl` the way an attacker with write access to the vault directory would, recomputing
//! entry hashes where that makes the forgery self-consistent.

mod util;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::assert::Assert;
use serde_json::Value;

use util::{
    PASSPHRASE, TestVault, assert_no_leak, assert_output_no_leak, assert_output_no_leaks,
    assert_short_error, assert_unbroken_chain, audit_entry_hash, random_secret, stderr, stdout,
};

/// Bad data: a tampered audit log or checkpoint (docs/DESIGN.md, "Exit codes").
const BAD_DATA: i32 = 65;
/// agentcred failed before the child started (docs/DESIGN.md, "Exec exit status").
const EXEC_FAILED: i32 = 125;

const AGENT: &str = "alpha";
const OTHER: &str = "bravo";
const SECRET: &str = "db";

/// An admin command that must succeed.
fn admin(vault: &TestVault, args: &[&str]) -> Assert {
    vault.run(args).code(0)
}

/// The log's lines as stored (without their newlines).
fn log_lines(vault: &TestVault) -> Vec<String> {
    vault.audit_text().lines().map(str::to_string).collect()
}

/// Number of complete entries in the log now.
fn log_len(vault: &TestVault) -> u64 {
    log_lines(vault).len() as u64
}

/// Writes `lines` as the whole log, each with its newline.
fn write_log(vault: &TestVault, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    // Written the way agentcred keeps it (0600: it refuses a log others can read).
    vault.write_private(&vault.path("audit.jsonl"), text.as_bytes());
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// The stored `hash` of a line.
fn hash_of(line: &str) -> String {
    parse(line)["hash"].as_str().expect("a hash").to_string()
}

/// `line` with its `hash` member recomputed over its (possibly edited) contents: a forgery that is
/// consistent with itself.
fn rehash(line: &str) -> String {
    let cut = line.rfind(",\"hash\":\"").expect("a hash member");
    format!("{},\"hash\":\"{}\"}}", &line[..cut], audit_entry_hash(line))
}

/// `line` with its `prev` member replaced (hash not recomputed).
fn with_prev(line: &str, prev: &str) -> String {
    let old = parse(line)["prev"].as_str().expect("a prev").to_string();
    let from = format!(",\"prev\":\"{old}\"");
    assert_eq!(line.matches(&from).count(), 1, "one prev member: {line}");
    line.replacen(&from, &format!(",\"prev\":\"{prev}\""), 1)
}

/// `line` with its `seq` replaced (hash not recomputed).
fn with_seq(line: &str, seq: u64) -> String {
    let old = parse(line)["seq"].as_u64().expect("a seq");
    let from = format!("{{\"seq\":{old},");
    assert!(line.starts_with(&from), "seq comes first: {line}");
    format!("{{\"seq\":{seq},{}", &line[from.len()..])
}

/// `line` with the first character of the string value of `field` changed to another character of
/// the same class (a letter or a digit): still valid JSON, one byte different.
fn flip_value_char(line: &str, field: &str) -> String {
    let key = format!("\"{field}\":\"");
    let at = line.find(&key).expect("the field is present") + key.len();
    let mut bytes = line.as_bytes().to_vec();
    // The value's first letter or digit (its first character for every field edited here).
    let i = (at..bytes.len())
        .find(|&i| bytes[i].is_ascii_alphanumeric())
        .expect("an alphanumeric character in the value");
    bytes[i] = match bytes[i] {
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        b => b + 1,
    };
    let edited = String::from_utf8(bytes).expect("still UTF-8");
    parse(&edited);
    assert_ne!(edited, line);
    edited
}

/// Copies a directory tree, keeping the files' and directories' modes (agentcred checks them).
fn copy_dir(from: &Path, to: &Path) {
    let mode = std::fs::metadata(from).expect("stat").permissions().mode();
    std::fs::DirBuilder::new()
        .mode(mode & 0o7777)
        .create(to)
        .expect("create directory copy");
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode & 0o7777))
        .expect("chmod copy");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("directory entry");
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy file");
        }
    }
}

/// `audit verify --json [EXTRA]` with the exit code expected; returns the report on stdout.
fn verify_json(vault: &TestVault, extra: &[&str], code: i32) -> Value {
    let out = vault
        .run(&[&["--json", "audit", "verify"], extra].concat())
        .code(code);
    serde_json::from_slice(&out.get_output().stdout).unwrap_or_else(|e| {
        panic!(
            "audit verify --json printed invalid JSON ({e}):\n{}",
            stdout(&out)
        )
    })
}

/// `audit verify` on an untampered log: exit 0, "N entries (seq 1 to N), the hash chain is intact".
#[track_caller]
fn assert_verifies(vault: &TestVault, extra: &[&str], entries: u64) -> String {
    let out = vault.run(&[&["audit", "verify"], extra].concat()).code(0);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "audit log: {entries} entries (seq 1 to {entries}), the hash chain is intact\n"
        )),
        "audit verify said:\n{text}"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    text
}

/// `audit verify` (text and `--json`) exits 65 and names `seq` (on `line`) as the first bad entry,
/// with `why` in the message.
#[track_caller]
fn assert_fails_at(vault: &TestVault, case: &str, extra: &[&str], seq: u64, line: u64, why: &str) {
    let out = vault
        .run(&[&["audit", "verify"], extra].concat())
        .code(BAD_DATA);
    assert_short_error(&out);
    let err = stderr(&out);
    let first = err.lines().next().unwrap_or_default();
    let prefix = format!("error: the audit log fails verification at seq {seq}: ");
    assert!(
        first.starts_with(&prefix) && first.contains(why),
        "{case}: expected `{prefix}…{why}…`, got:\n{err}"
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("audit log: the chain holds from seq 1 to "),
        "{case}: stdout:\n{text}"
    );
    assert!(!text.contains("unanchored"), "{case}: stdout:\n{text}");

    let report = verify_json(vault, extra, BAD_DATA);
    assert_eq!(report["ok"], false, "{case}: {report:#}");
    assert_eq!(report["problem"]["seq"], seq, "{case}: {report:#}");
    assert_eq!(report["problem"]["line"], line, "{case}: {report:#}");
    let message = report["problem"]["message"].as_str().expect("a message");
    assert!(message.contains(why), "{case}: {message}");
    assert!(
        first.ends_with(message),
        "{case}: stderr and --json disagree:\n{first}\n{message}"
    );
    assert_eq!(report["unanchored"], Value::Null, "{case}: {report:#}");
    if let Some(to) = report["authenticated"]["to"].as_u64() {
        assert!(
            to <= seq,
            "{case}: authenticated past the problem: {report:#}"
        );
    }
}

/// A vault whose log has a few hundred entries, with a checkpoint at every admin change.
struct BigLog {
    vault: TestVault,
    /// The log size each admin change signed, in order.
    checkpoints: Vec<u64>,
}

impl BigLog {
    fn build() -> BigLog {
        let vault = TestVault::new();
        let mut log = BigLog {
            checkpoints: vec![log_len(&vault)],
            vault,
        };
        log.admin(&["agent", "add", AGENT, OTHER]);
        log.vault.set_secret(SECRET, &random_secret()).code(0);
        log.checkpoints.push(log_len(&log.vault));
        log.admin(&["grant", AGENT, SECRET]);
        // The agent has no key, so no envelope yet: the admin's first exec as it writes one first,
        // in an admin change of its own (its `agent.envelope` entry, and a checkpoint after it).
        log.checkpoints.push(log_len(&log.vault) + 1);
        // Each exec writes three entries (cred.mint, exec.start, exec.end); an admin change between
        // rounds signs a checkpoint in the middle of the log.
        const ROUNDS: usize = 4;
        for round in 0..ROUNDS {
            for _ in 0..25 {
                log.vault
                    .run(&["exec", "--agent", AGENT, "--", "true"])
                    .code(0);
            }
            if round + 1 < ROUNDS {
                log.admin(&["agent", "add", &format!("extra-{round}")]);
            }
        }
        log
    }

    /// An admin change: it signs a checkpoint of the log as it then is.
    fn admin(&mut self, args: &[&str]) {
        admin(&self.vault, args);
        self.checkpoints.push(log_len(&self.vault));
    }

    /// The checkpoint sizes in `[lo, hi]`.
    fn checkpoints_in(&self, lo: u64, hi: u64) -> Vec<u64> {
        self.checkpoints
            .iter()
            .copied()
            .filter(|c| (lo..=hi).contains(c))
            .collect()
    }

    /// A `seq` in the middle of exec entries: no checkpoint at or next to it.
    fn quiet_seq_after(&self, after: u64) -> u64 {
        (after..)
            .find(|k| self.checkpoints_in(k - 2, k + 3).is_empty())
            .expect("a seq with no checkpoint nearby")
    }
}

#[test]
fn verify_names_the_first_bad_seq_of_every_kind_of_tampering() {
    let mut log = BigLog::build();
    let vault = &log.vault;
    let n = log_len(vault);
    assert!(n >= 300, "expected a few hundred entries, got {n}");
    assert_unbroken_chain(&vault.audit_text());

    // Before the last checkpoint: the end is intact but unanchored.
    let last_admin = *log.checkpoints.last().expect("checkpoints");
    assert!(last_admin < n);
    let text = assert_verifies(vault, &[], n);
    assert!(
        text.contains(&format!(
            "\nauthenticated: seq 1 to {last_admin} by the checkpoint"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("\nunanchored: seq {} to {n} (", last_admin + 1)),
        "{text}"
    );
    let report = verify_json(vault, &[], 0);
    assert_eq!(report["unanchored"]["from"], last_admin + 1, "{report:#}");
    assert_eq!(report["unanchored"]["to"], n, "{report:#}");

    // `audit checkpoint` anchors the end.
    log.admin(&["audit", "checkpoint"]);
    let vault = &log.vault;
    let n = log_len(vault);
    assert_eq!(log.checkpoints.last(), Some(&n));
    let before = vault.snapshot_files();
    let text = assert_verifies(vault, &[], n);
    assert!(
        text.contains(&format!("\nauthenticated: seq 1 to {n} by the checkpoint")),
        "{text}"
    );
    assert!(!text.contains("unanchored"), "{text}");
    let report = verify_json(vault, &[], 0);
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["entries"], n, "{report:#}");
    assert_eq!(report["authenticated"]["from"], 1, "{report:#}");
    assert_eq!(report["authenticated"]["to"], n, "{report:#}");
    assert_eq!(report["unanchored"], Value::Null, "{report:#}");
    assert_eq!(report["problem"], Value::Null, "{report:#}");
    assert_eq!(report["checkpoints"], log.checkpoints.len(), "{report:#}");
    assert_eq!(report["checkpoints_matched"], log.checkpoints.len());
    assert_eq!(
        vault.snapshot_files(),
        before,
        "audit verify changed the vault"
    );

    let original = log_lines(vault);
    let line = |seq: u64| original[(seq - 1) as usize].clone();
    // Two places in the middle of exec entries, far from any checkpoint.
    let k = log.quiet_seq_after(log.checkpoints[3] + 10);
    let j = log.quiet_seq_after(n / 2);
    let tamper = |name: &str, lines: Vec<String>, seq: u64, line_no: u64, why: &str| {
        write_log(vault, &lines);
        assert_fails_at(vault, name, &[], seq, line_no, why);
    };

    // One byte changed in a field of entry k.
    for (seq, field) in [(k, "action"), (j, "ts"), (j, "actor"), (n, "action")] {
        let mut lines = original.clone();
        lines[(seq - 1) as usize] = flip_value_char(&line(seq), field);
        tamper(
            &format!("{field} of seq {seq} edited"),
            lines,
            seq,
            seq,
            &format!("seq {seq} was altered: its hash does not match its contents"),
        );
    }
    // The seq number itself changed.
    let mut lines = original.clone();
    lines[(k - 1) as usize] = with_seq(&line(k), k + 7);
    tamper(
        "seq renumbered",
        lines,
        k,
        k,
        &format!("seq {k} was altered (the line now claims seq {})", k + 7),
    );

    // Entry k deleted; two entries deleted.
    for (seq, count) in [(k, 1), (j, 2)] {
        let mut lines = original.clone();
        lines.drain((seq - 1) as usize..(seq - 1 + count) as usize);
        let what = if count == 1 {
            format!("seq {seq} is missing")
        } else {
            format!("seq {seq} to {} are missing", seq + count - 1)
        };
        tamper(&format!("{count} deleted at {seq}"), lines, seq, seq, &what);
    }

    // Entries k and k+1 swapped.
    let mut lines = original.clone();
    lines.swap((k - 1) as usize, k as usize);
    tamper(
        "swapped",
        lines,
        k,
        k,
        &format!("seq {k} and seq {} are swapped", k + 1),
    );

    // Entry k written twice in a row; the last entry written twice.
    for seq in [k, n] {
        let mut lines = original.clone();
        lines.insert(seq as usize, line(seq));
        tamper(
            &format!("seq {seq} duplicated"),
            lines,
            seq,
            seq + 1,
            &format!("seq {seq} appears twice"),
        );
    }

    // A forged copy of entry k (another action, hash recomputed) placed right after it.
    let mut lines = original.clone();
    let forged = rehash(&flip_value_char(&line(k), "action"));
    lines.insert(k as usize, forged);
    tamper(
        "forged copy of seq k after it",
        lines,
        k,
        k + 1,
        &format!("two different entries claim seq {k}"),
    );

    // A forged entry claiming seq k+1 that links correctly to entry k (prev = hash of k, its own
    // hash right), inserted between k and k+1: it chains, so the genuine k+1 after it is the
    // second entry claiming k+1.
    let mut lines = original.clone();
    let forged = rehash(&with_prev(
        &flip_value_char(&line(k + 1), "action"),
        &hash_of(&line(k)),
    ));
    assert_eq!(parse(&forged)["seq"], k + 1);
    lines.insert(k as usize, forged);
    tamper(
        "forged seq k+1 linked to k",
        lines,
        k + 1,
        k + 2,
        &format!("two different entries claim seq {}", k + 1),
    );

    // A forged entry with the right seq and its own hash right, but not linked to entry k.
    let mut lines = original.clone();
    let forged = rehash(&with_prev(
        &flip_value_char(&line(k + 1), "action"),
        &hash_of(&line(k - 1)),
    ));
    lines.insert(k as usize, forged);
    tamper(
        "forged seq k+1 not linked",
        lines,
        k + 1,
        k + 1,
        &format!("seq {} does not follow seq {k}", k + 1),
    );

    // A line that is not an audit entry at all.
    let mut lines = original.clone();
    lines.insert(k as usize, "{\"note\":\"hello\"}".to_string());
    tamper(
        "junk line",
        lines,
        k + 1,
        k + 1,
        &format!(
            "line {} (where seq {} belongs) is not an audit entry",
            k + 1,
            k + 1
        ),
    );

    // The tail cut below the last checkpoint: the first cut seq is named.
    let keep = n - 5;
    tamper(
        "tail cut",
        original[..keep as usize].to_vec(),
        keep + 1,
        keep + 1,
        &format!("seq {} to {n} were cut off", keep + 1),
    );
    // The log deleted.
    std::fs::remove_file(vault.path("audit.jsonl")).expect("remove the log");
    assert_fails_at(
        vault,
        "log deleted",
        &[],
        1,
        1,
        "the audit log is missing, but a checkpoint signed at",
    );

    // A self-consistent rewrite from entry `edit` on (every hash and prev recomputed): the chain is
    // intact, but the first checkpoint at or after the edit no longer matches.
    for edit in [n - 20, k] {
        let mut lines = original.clone();
        let mut prev = hash_of(&line(edit - 1));
        for (i, entry) in lines.iter_mut().enumerate().skip((edit - 1) as usize) {
            let mut l = with_prev(entry, &prev);
            if i == (edit - 1) as usize {
                l = flip_value_char(&l, "action");
            }
            *entry = rehash(&l);
            prev = hash_of(entry);
        }
        assert!(
            util::chain_break(&format!("{}\n", lines.join("\n"))).is_none(),
            "the rewrite is self-consistent"
        );
        let caught = log.checkpoints_in(edit, n)[0];
        let before = log.checkpoints_in(1, edit - 1).last().copied().unwrap_or(0);
        write_log(vault, &lines);
        assert_fails_at(
            vault,
            &format!("rewrite from seq {edit}"),
            &[],
            caught,
            caught,
            &format!("the log up to seq {caught} does not match the checkpoint signed at"),
        );
        let report = verify_json(vault, &[], BAD_DATA);
        let message = report["problem"]["message"].as_str().unwrap_or_default();
        assert!(
            message.ends_with(&format!("entries after seq {before} were rewritten")),
            "{message}"
        );
        assert_eq!(report["authenticated"]["to"], before, "{report:#}");
    }

    // The original bytes back: it verifies again (and nothing above was repaired behind our back).
    write_log(vault, &original);
    assert_verifies(vault, &[], n);
}

#[test]
fn no_secret_value_or_argv_element_enters_the_log() {
    let vault = TestVault::new();
    let value = random_secret();
    let rotated = random_secret();
    admin(&vault, &["agent", "add", AGENT, OTHER]);
    let set = vault.set_secret(SECRET, &value).code(0);
    assert_output_no_leak(&set, &value);
    admin(&vault, &["grant", AGENT, SECRET]);
    // The one output meant to carry the value does (so the value is really in play).
    let env = admin(&vault, &["mint", "--agent", AGENT, "--format", "env"]);
    assert!(stdout(&env).contains(&value), "{}", stdout(&env));
    assert_no_leak(&env.get_output().stderr, &value);
    admin(&vault, &["mint", "--agent", AGENT, "--format", "token"]);
    admin(&vault, &["--json", "mint", "--agent", AGENT]);
    let exec = admin(
        &vault,
        &[
            "exec",
            "--agent",
            AGENT,
            "--",
            "sh",
            "-c",
            "test -n \"$DB\"",
        ],
    );
    assert_output_no_leak(&exec, &value);
    // A denial names the secret, not its value.
    vault
        .run(&["mint", "--agent", OTHER, "--secret", SECRET])
        .code(3);
    // A new version stored over the old one.
    let set = vault.set_secret(SECRET, &rotated).code(0);
    assert_output_no_leaks(&set, &[value.clone(), rotated.clone()]);
    admin(&vault, &["mint", "--agent", AGENT, "--format", "token"]);

    let log = vault.audit_text();
    assert_unbroken_chain(&log);
    let actions: Vec<String> = vault
        .audit_lines()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    for action in [
        "secret.set",
        "grant.add",
        "cred.mint",
        "exec.start",
        "exec.end",
        "deny",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "no {action} entry: {actions:?}"
        );
    }
    for s in [value.as_str(), rotated.as_str(), PASSPHRASE] {
        assert_no_leak(log.as_bytes(), s);
    }
    assert!(log.contains("\"secrets\":[\"db\"]"), "{log}");
}

#[test]
fn audit_hash_matches_the_argv_hmac_of_exec_start() {
    let vault = TestVault::new();
    admin(&vault, &["agent", "add", AGENT]);
    vault.set_secret(SECRET, &random_secret()).code(0);
    admin(&vault, &["grant", AGENT, SECRET]);

    let hash = |value: &str| -> String {
        let out = admin(&vault, &["audit", "hash", "--", value]);
        let text = stdout(&out);
        let h = text.strip_suffix('\n').expect("one line").to_string();
        let hex = h.strip_prefix("hmac-sha256:").expect("hmac-sha256: prefix");
        assert!(
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "not hmac-sha256:<64 hex>: {h}"
        );
        h
    };
    let marker = "marker-arg-123";
    let h = hash(marker);
    // The same from stdin, with or without one trailing newline.
    for input in [marker.to_string(), format!("{marker}\n")] {
        let out = vault
            .run_stdin(&["audit", "hash", "--stdin"], &input)
            .code(0);
        assert_eq!(stdout(&out), format!("{h}\n"));
    }
    assert_ne!(hash("marker-arg-124"), h);

    admin(
        &vault,
        &["exec", "--agent", AGENT, "--", "sh", "-c", "true", marker],
    );
    let starts: Vec<Value> = vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["action"] == "exec.start")
        .collect();
    assert_eq!(starts.len(), 1, "{starts:#?}");
    let expected: Vec<String> = ["sh", "-c", "true", marker]
        .iter()
        .map(|a| hash(a))
        .collect();
    assert_eq!(starts[0]["argv_hmac"], serde_json::json!(expected));
    assert_no_leak(vault.audit_text().as_bytes(), marker);

    // What `audit hash` is for: finding the entry that ran a known argument.
    let all = admin(&vault, &["--json", "audit"]);
    let found: Vec<&str> = stdout(&all)
        .lines()
        .filter(|l| l.contains(&h))
        .map(|l| {
            if l.contains("\"action\":\"exec.start\"") {
                "exec.start"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(found, ["exec.start"]);
}

#[test]
fn when_the_log_cannot_be_written_mint_and_exec_fail_closed() {
    let vault = TestVault::new();
    let value = random_secret();
    admin(&vault, &["agent", "add", AGENT]);
    vault.set_secret(SECRET, &value).code(0);
    admin(&vault, &["grant", AGENT, SECRET]);
    let active = |vault: &TestVault| -> usize {
        vault.json(&["--json", "creds", "list", "--active"])["credentials"]
            .as_array()
            .expect("a credentials array")
            .len()
    };
    let before = active(&vault);

    std::fs::remove_file(vault.path("audit.jsonl")).expect("remove the log");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(vault.path("audit.jsonl"))
        .expect("a directory in its place");

    for format in ["env", "json", "token", "dotenv"] {
        let out = vault.run(&["mint", "--agent", AGENT, "--format", format]);
        let code = out.get_output().status.code();
        assert!(
            code.is_some_and(|c| c != 0),
            "mint --format {format} with an unwritable log exited {code:?}"
        );
        assert_output_no_leak(&out, &value);
        assert!(stdout(&out).is_empty(), "mint printed: {}", stdout(&out));
        assert!(stderr(&out).contains("audit"), "{}", stderr(&out));
    }

    let marker = vault.root().join("MARKER");
    let out = vault
        .cmd()
        .args(["exec", "--agent", AGENT, "--", "sh", "-c"])
        .arg(format!("touch '{}'; echo \"$DB\"", marker.display()))
        .write_stdin("")
        .assert()
        .code(EXEC_FAILED);
    assert_output_no_leak(&out, &value);
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(!marker.exists(), "the program ran without an audit entry");

    // Nothing was left minted behind the failures.
    assert_eq!(active(&vault), before);
}

/// A vault with two agents, one granted, a few mints and execs, and one denial.
fn listed_vault() -> TestVault {
    let vault = TestVault::new();
    admin(&vault, &["agent", "add", AGENT, OTHER]);
    vault.set_secret(SECRET, &random_secret()).code(0);
    admin(&vault, &["grant", AGENT, SECRET]);
    admin(&vault, &["mint", "--agent", AGENT, "--format", "token"]);
    admin(&vault, &["exec", "--agent", AGENT, "--", "true"]);
    admin(&vault, &["mint", "--agent", AGENT, "--format", "token"]);
    vault
        .run(&["mint", "--agent", OTHER, "--secret", SECRET])
        .code(3);
    admin(&vault, &["mint", "--agent", AGENT, "--format", "token"]);
    vault
}

/// `audit --json ARGS`: its lines, which must be lines of audit.jsonl byte for byte.
fn listed(vault: &TestVault, args: &[&str]) -> Vec<String> {
    let out = vault.run(&[&["--json", "audit"], args].concat()).code(0);
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn audit_list_filters_and_prints_the_stored_lines() {
    let vault = listed_vault();
    let lines = log_lines(&vault);
    let entries: Vec<Value> = lines.iter().map(|l| parse(l)).collect();
    let select = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        lines
            .iter()
            .zip(&entries)
            .filter(|(_, e)| keep(e))
            .map(|(l, _)| l.clone())
            .collect()
    };

    // No filter: the whole file, byte for byte; `audit` and `audit list` are the same.
    let all = admin(&vault, &["--json", "audit"]);
    assert_eq!(stdout(&all), vault.audit_text());
    assert_eq!(listed(&vault, &["list"]), lines);

    let by_agent = listed(&vault, &["--agent", OTHER]);
    assert_eq!(by_agent, select(&|e| e["agent"] == OTHER));
    assert!(
        by_agent.len() >= 2,
        "agent.add and the denial: {by_agent:#?}"
    );

    // A refusal matches the action it refused (its `attempted`).
    let mints = listed(&vault, &["--action", "cred.mint"]);
    assert_eq!(
        mints,
        select(&|e| e["action"] == "cred.mint"
            || (e["action"] == "deny" && e["details"]["attempted"] == "cred.mint"))
    );
    assert_eq!(
        mints.len(),
        5,
        "3 mints, 1 exec and the refused mint: {mints:#?}"
    );

    let cred = |a: &Value| a.as_str().is_some_and(|a| a.starts_with("cred."));
    let family = listed(&vault, &["list", "--action", "cred.*"]);
    assert_eq!(
        family,
        select(
            &|e| cred(&e["action"]) || (e["action"] == "deny" && cred(&e["details"]["attempted"]))
        )
    );
    let denied_mints = listed(&vault, &["--action", "cred.*", "--result", "denied"]);
    assert_eq!(denied_mints.len(), 1, "{denied_mints:#?}");
    assert_eq!(parse(&denied_mints[0])["details"]["attempted"], "cred.mint");
    assert_eq!(
        listed(&vault, &["--action", "cred.mint", "--result", "denied"]),
        denied_mints
    );
    let exec_family = listed(&vault, &["--action", "exec.*"]);
    assert_eq!(exec_family.len(), 2, "{exec_family:#?}");

    let denied = listed(&vault, &["--result", "denied"]);
    assert_eq!(denied, select(&|e| e["result"] == "denied"));
    assert_eq!(denied.len(), 1, "{denied:#?}");
    let denial = parse(&denied[0]);
    assert_eq!(denial["agent"], OTHER);
    assert_eq!(denial["secrets"], serde_json::json!([SECRET]));
    assert_eq!(
        listed(&vault, &["--agent", AGENT, "--result", "denied"]),
        Vec::<String>::new()
    );

    // Times: everything is within the last hour, nothing is in the future.
    assert_eq!(listed(&vault, &["--since", "1h"]), lines);
    assert!(listed(&vault, &["--since", "2999-01-01T00:00:00Z"]).is_empty());
    assert!(listed(&vault, &["--until", "1h"]).is_empty());
    assert_eq!(listed(&vault, &["--until", "2999-01-01T00:00:00Z"]), lines);
    // At an entry's own time: --since includes it, --until excludes it.
    let denial_ts = denial["ts"].as_str().expect("a ts");
    let ts = |e: &Value| e["ts"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        listed(&vault, &["--since", denial_ts]),
        select(&|e| ts(e).as_str() >= denial_ts)
    );
    assert_eq!(
        listed(&vault, &["--until", denial_ts]),
        select(&|e| ts(e).as_str() < denial_ts)
    );
    assert!(listed(&vault, &["--since", denial_ts]).contains(&denied[0]));
    assert!(!listed(&vault, &["--until", denial_ts]).contains(&denied[0]));

    // --limit: the last N matching, oldest first.
    assert_eq!(listed(&vault, &["--limit", "2"]), lines[lines.len() - 2..]);
    assert_eq!(
        listed(&vault, &["--action", "cred.mint", "--limit", "2"]),
        mints[mints.len() - 2..]
    );
    assert_eq!(listed(&vault, &["--limit", "1000"]), lines);

    // The table: a header and one row per match.
    let table = admin(&vault, &["audit", "--result", "denied"]);
    let text = stdout(&table);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[0].contains("SEQ") && rows[0].contains("ACTION"),
        "{text}"
    );
    for part in [denial["seq"].to_string().as_str(), "deny", OTHER, "denied"] {
        assert!(rows[1].contains(part), "{part} not in {text}");
    }

    // The log is public: listing needs no unlock input at all.
    let out = vault
        .command_without_unlock()
        .args(["--json", "audit", "list", "--agent", OTHER])
        .stdin(Stdio::null())
        .output()
        .expect("run agentcred");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .collect::<Vec<_>>(),
        by_agent
    );
    // …but verifying does (the checkpoints are in the encrypted state).
    let out = vault
        .command_without_unlock()
        .args(["audit", "verify"])
        .stdin(Stdio::null())
        .output()
        .expect("run agentcred");
    assert_eq!(out.status.code(), Some(77));
}

#[test]
fn audit_tail_prints_the_last_entries_and_follows_new_ones() {
    let vault = listed_vault();
    let lines = log_lines(&vault);
    let n = lines.len();

    assert_eq!(listed(&vault, &["tail", "-n", "3"]), lines[n - 3..]);
    // The same table as `audit`: a header, then one row per entry.
    let text = stdout(&admin(&vault, &["audit", "tail", "-n", "3"]));
    let (header, shown) = text.split_once('\n').expect("a header");
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "SEQ", "TIME", "ACTOR", "ACTION", "AGENT", "RESULT", "DETAIL"
        ],
        "{text}"
    );
    let shown: Vec<&str> = shown.lines().collect();
    assert_eq!(shown.len(), 3, "{text}");
    for (row, line) in shown.iter().zip(&lines[n - 3..]) {
        let e = parse(line);
        let mut words = row.split_whitespace();
        assert_eq!(words.next(), Some(e["seq"].to_string().as_str()), "{row}");
        assert_eq!(words.next(), e["ts"].as_str(), "{row}");
        assert!(
            row.contains(e["action"].as_str().unwrap_or_default()),
            "{row}"
        );
    }

    // -f: an entry appended by another process shows up.
    let follow = Follow::start(&vault);
    assert_eq!(follow.next().as_deref(), Some(lines[n - 1].as_str()));
    vault.run(&["agent", "add", "late"]).code(0);
    let late = follow
        .next()
        .expect("tail -f printed the new entry within 10 s");
    drop(follow);
    // It prints the stored line itself.
    let now = log_lines(&vault);
    assert_eq!(now.len(), n + 1);
    assert_eq!(late, now[n]);
    assert_eq!(parse(&late)["action"], "agent.add");
    assert_eq!(parse(&late)["agent"], "late");
}

/// `agentcred --json audit tail -f -n 1`, running in the background; killed when dropped.
struct Follow {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

impl Follow {
    fn start(vault: &TestVault) -> Follow {
        let mut child = vault
            .command()
            .args(["--json", "audit", "tail", "-f", "-n", "1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn audit tail -f");
        let (tx, lines) = mpsc::channel::<String>();
        let reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follow { child, lines }
    }

    /// The next line it prints, if any within 10 s.
    fn next(&self) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(10)).ok()
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn audit_tail_f_prints_the_stored_entry_after_a_torn_fragment_is_replaced() {
    let vault = listed_vault();
    let n = log_len(&vault);
    let follow = Follow::start(&vault);
    assert!(follow.next().is_some());
    // An interrupted write leaves a fragment; tail -f (polling every 200 ms) reads it…
    let fragment = format!(
        "{{\"seq\":{},\"ts\":\"2026-01-01T00:00:00.000Z\",\"actor\":\"adm",
        n + 1
    );
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(vault.path("audit.jsonl"))
        .expect("open the log");
    file.write_all(fragment.as_bytes())
        .expect("append a torn line");
    drop(file);
    std::thread::sleep(Duration::from_millis(700));
    // …then the next append cuts the fragment off and writes a whole entry in its place.
    vault.run(&["agent", "add", "late"]).code(0);
    let printed = follow
        .next()
        .expect("tail -f printed the new entry within 10 s");
    drop(follow);
    let stored = log_lines(&vault);
    assert_eq!(stored.len() as u64, n + 1);
    assert_eq!(
        printed, stored[n as usize],
        "tail -f printed a line that is not in the log"
    );
}

#[test]
fn an_external_checkpoint_catches_a_rolled_back_vault() {
    let vault = TestVault::new();
    admin(&vault, &["agent", "add", AGENT]);
    vault.set_secret(SECRET, &random_secret()).code(0);
    admin(&vault, &["grant", AGENT, SECRET]);
    admin(&vault, &["exec", "--agent", AGENT, "--", "true"]);
    let old = vault.root().join("vault-before");
    copy_dir(&vault.dir(), &old);
    let old_len = log_len(&vault);

    let out = admin(&vault, &["audit", "checkpoint"]);
    let file = vault.root().join("checkpoint.json");
    std::fs::write(&file, &out.get_output().stdout).expect("write the checkpoint file");
    let checkpoint = parse(stdout(&out).trim_end());
    assert_eq!(checkpoint["size"], old_len + 1, "{checkpoint:#}");
    assert_eq!(
        checkpoint["head"].as_str(),
        Some(hash_of(log_lines(&vault).last().expect("a line")).as_str())
    );
    let file_arg = file.to_str().expect("UTF-8 path");
    // The same checkpoint under --json (a pretty document with "schema": 1) is accepted as well.
    let json_file = vault.root().join("checkpoint-json.json");
    let doc = vault.json(&["--json", "audit", "checkpoint"]);
    assert_eq!(doc["schema"], 1, "{doc:#}");
    assert_eq!(doc["size"], old_len + 2, "{doc:#}");
    std::fs::write(&json_file, doc.to_string()).expect("write the checkpoint file");
    let json_arg = json_file.to_str().expect("UTF-8 path");

    // More entries after it: still verifies, with the file among the checkpoints.
    admin(&vault, &["exec", "--agent", AGENT, "--", "true"]);
    admin(&vault, &["agent", "add", OTHER]);
    let n = log_len(&vault);
    assert_verifies(&vault, &["--checkpoint", file_arg], n);
    let both = ["--checkpoint", file_arg, "--checkpoint", json_arg];
    assert_verifies(&vault, &both, n);
    let report = verify_json(&vault, &both, 0);
    assert_eq!(
        report["checkpoints"], report["checkpoints_matched"],
        "{report:#}"
    );

    // The whole vault put back as it was before the checkpoint: consistent with itself…
    std::fs::remove_dir_all(vault.dir()).expect("remove the vault");
    copy_dir(&old, &vault.dir());
    assert_verifies(&vault, &[], old_len);
    // …but not with the checkpoint kept outside.
    assert_fails_at(
        &vault,
        "rolled back",
        &["--checkpoint", file_arg],
        old_len + 1,
        old_len + 1,
        &format!(
            "the log ends at seq {old_len}, but the checkpoint signed at {} ({file_arg}) covers {} entries",
            checkpoint["ts"].as_str().unwrap_or_default(),
            old_len + 1
        ),
    );
    // Nor once the rolled-back vault has grown past the checkpoint's size: the entry at that size
    // is not the one signed.
    admin(&vault, &["exec", "--agent", AGENT, "--", "true"]);
    admin(&vault, &["exec", "--agent", AGENT, "--", "true"]);
    let grown = log_len(&vault);
    assert!(grown > old_len + 1);
    assert_verifies(&vault, &[], grown);
    assert_fails_at(
        &vault,
        "rolled back and grown",
        &["--checkpoint", file_arg],
        old_len + 1,
        old_len + 1,
        &format!(
            "the log up to seq {} does not match the checkpoint signed at {} ({file_arg})",
            old_len + 1,
            checkpoint["ts"].as_str().unwrap_or_default(),
        ),
    );

    // A checkpoint whose signature was changed by one character is refused.
    let mut forged = checkpoint.clone();
    let sig = forged["signature"]
        .as_str()
        .expect("a signature")
        .to_string();
    let flipped = match sig.as_bytes()[0] {
        b'A' => format!("B{}", &sig[1..]),
        _ => format!("A{}", &sig[1..]),
    };
    forged["signature"] = Value::String(flipped);
    // And one whose size was changed.
    let mut grown = checkpoint.clone();
    grown["size"] = Value::from(old_len);
    for (name, doc) in [("bad-signature", forged), ("bad-size", grown)] {
        let path = vault.root().join(format!("{name}.json"));
        std::fs::write(&path, doc.to_string()).expect("write");
        let path_arg = path.to_str().expect("UTF-8 path");
        let out = vault
            .run(&["audit", "verify", "--checkpoint", path_arg])
            .code(BAD_DATA);
        assert_short_error(&out);
        assert!(
            stderr(&out).starts_with(&format!(
                "error: the checkpoint {path_arg} is not signed by this vault's issuer key"
            )),
            "{name}: {}",
            stderr(&out)
        );
    }
    // Not a checkpoint at all.
    let junk = vault.root().join("junk.json");
    std::fs::write(&junk, "hello\n").expect("write");
    let out = vault
        .run(&[
            "audit",
            "verify",
            "--checkpoint",
            junk.to_str().expect("UTF-8"),
        ])
        .code(BAD_DATA);
    assert_short_error(&out);
    assert!(
        stderr(&out).contains("is not an agentcred checkpoint"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_torn_last_line_verifies_with_a_note_and_the_next_append_removes_it() {
    let vault = TestVault::new();
    admin(&vault, &["agent", "add", AGENT]);
    admin(&vault, &["audit", "checkpoint"]);
    let n = log_len(&vault);
    let fragment = format!(
        "{{\"seq\":{},\"ts\":\"2026-01-01T00:00:00.000Z\",\"actor\":\"adm",
        n + 1
    );
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(vault.path("audit.jsonl"))
        .expect("open the log");
    file.write_all(fragment.as_bytes())
        .expect("append a torn line");
    drop(file);

    let text = assert_verifies(&vault, &[], n);
    assert!(
        text.contains("note: the last line is an entry cut short by an interrupted write"),
        "{text}"
    );
    let report = verify_json(&vault, &[], 0);
    assert_eq!(report["torn_tail"], true, "{report:#}");
    assert_eq!(report["entries"], n, "{report:#}");
    // Readers skip it.
    assert_eq!(listed(&vault, &[]).len() as u64, n);

    admin(&vault, &["agent", "add", "x"]);
    let log = vault.audit_text();
    assert!(
        !log.contains(&fragment),
        "the fragment is still there:\n{log}"
    );
    assert_unbroken_chain(&log);
    let lines = vault.audit_lines();
    assert_eq!(lines.len() as u64, n + 1);
    assert_eq!(lines[n as usize]["agent"], "x");
    let text = assert_verifies(&vault, &[], n + 1);
    assert!(!text.contains("note:"), "{text}");
    let report = verify_json(&vault, &[], 0);
    assert_eq!(report["torn_tail"], false, "{report:#}");
    assert_eq!(report["authenticated"]["to"], n + 1, "{report:#}");
}

// --- entries signed by their writer, rollback and the witness -----------------------------------

/// Recomputes `prev` and `hash` of every line from index `from` on: the forger's chain repair.
fn rechain(lines: &mut [String], from: usize) {
    for i in from..lines.len() {
        let prev = if i == 0 {
            "0".repeat(64)
        } else {
            hash_of(&lines[i - 1])
        };
        lines[i] = rehash(&with_prev(&lines[i], &prev));
    }
    assert!(
        util::chain_break(&format!("{}\n", lines.join("\n"))).is_none(),
        "the forged chain is consistent with itself"
    );
}

/// A vault where agents alpha and bravo, each with a key, minted after the last checkpoint.
/// Returns it with the keys and the seq of the last checkpoint.
fn signed_vault() -> (TestVault, std::path::PathBuf, std::path::PathBuf, u64) {
    let vault = TestVault::new();
    vault.set_secret(SECRET, &random_secret()).code(0);
    for agent in [AGENT, OTHER] {
        admin(&vault, &["agent", "add", agent]);
        admin(&vault, &["grant", agent, SECRET]);
    }
    let alpha = vault.issue_key(AGENT, &[]);
    let bravo = vault.issue_key(OTHER, &[]);
    let anchored = log_len(&vault);
    for key in [&alpha, &bravo, &alpha, &bravo, &alpha] {
        vault.with_key_file(key).arg("mint").assert().code(0);
    }
    assert!(log_len(&vault) >= anchored + 5);
    assert_verifies(&vault, &[], log_len(&vault));
    (vault, alpha, bravo, anchored)
}

/// The index of the first `cred.mint` line of `agent` after `after` entries.
fn mint_of(lines: &[String], agent: &str, after: u64) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(after as usize)
        .find(|(_, l)| {
            let e = parse(l);
            e["action"] == "cred.mint" && e["agent"] == agent
        })
        .map(|(i, _)| i)
        .expect("a mint after the checkpoint")
}

#[test]
fn an_entry_edited_after_the_last_checkpoint_fails_naming_its_seq() {
    let (vault, _, _, anchored) = signed_vault();
    let mut lines = log_lines(&vault);
    let i = mint_of(&lines, AGENT, anchored);
    lines[i] = flip_value_char(&lines[i], "credential_id");
    rechain(&mut lines, i);
    write_log(&vault, &lines);
    let seq = i as u64 + 1;
    assert_fails_at(
        &vault,
        "edited",
        &[],
        seq,
        seq,
        &format!("seq {seq} is not signed by its writer"),
    );
}

#[test]
fn an_entry_deleted_after_the_last_checkpoint_fails_also_when_the_rest_is_renumbered() {
    let (vault, _, _, anchored) = signed_vault();
    let original = log_lines(&vault);
    let i = mint_of(&original, AGENT, anchored);
    let seq = i as u64 + 1;
    // Cut out: the chain shows the gap.
    let mut lines = original.clone();
    lines.remove(i);
    write_log(&vault, &lines);
    assert_fails_at(&vault, "deleted", &[], seq, seq, "is missing");
    // Cut out and everything after renumbered and re-chained: the signatures show it.
    for (j, line) in lines.iter_mut().enumerate().skip(i) {
        *line = with_seq(line, j as u64 + 1);
    }
    rechain(&mut lines, i);
    write_log(&vault, &lines);
    assert_fails_at(
        &vault,
        "deleted and renumbered",
        &[],
        seq,
        seq,
        "is not signed by its writer",
    );
}

#[test]
fn an_entry_reattributed_to_another_agent_fails() {
    let (vault, _, _, anchored) = signed_vault();
    let mut lines = log_lines(&vault);
    let i = mint_of(&lines, AGENT, anchored);
    let from = format!("\"agent\":\"{AGENT}\"");
    assert_eq!(lines[i].matches(&from).count(), 1, "{}", lines[i]);
    lines[i] = lines[i].replacen(&from, &format!("\"agent\":\"{OTHER}\""), 1);
    rechain(&mut lines, i);
    write_log(&vault, &lines);
    let seq = i as u64 + 1;
    assert_fails_at(
        &vault,
        "re-attributed",
        &[],
        seq,
        seq,
        &format!("is signed with agent {AGENT}'s key but is attributed to {OTHER}"),
    );
}

#[test]
fn a_forged_admin_grant_with_a_recomputed_hash_fails() {
    let (vault, _, _, _) = signed_vault();
    let original = log_lines(&vault);
    let last = parse(original.last().expect("a line"));
    let seq = original.len() as u64 + 1;
    let body = format!(
        "{{\"seq\":{seq},\"ts\":{},\"actor\":\"admin\",\"action\":\"grant.add\",\"agent\":\"{OTHER}\",\"secrets\":[\"other\"],\"result\":\"ok\",\"gen\":{},\"prev\":\"{}\",\"hash\":\"{}\"}}",
        last["ts"],
        last["gen"],
        last["hash"].as_str().expect("hash"),
        "0".repeat(64)
    );
    // Unsigned.
    let mut lines = original.clone();
    lines.push(rehash(&body));
    write_log(&vault, &lines);
    assert_fails_at(&vault, "unsigned grant.add", &[], seq, seq, "is not signed");
    // With the issuer's signature lifted from another admin entry.
    let admin_sig = original
        .iter()
        .rev()
        .map(|l| parse(l))
        .find(|e| e["actor"] == "admin" && e["sig"].is_string())
        .expect("a signed admin entry")["sig"]
        .as_str()
        .expect("sig")
        .to_string();
    let signed = body.replacen(
        ",\"prev\":",
        &format!(",\"sig\":\"{admin_sig}\",\"prev\":"),
        1,
    );
    let mut lines = original.clone();
    lines.push(rehash(&signed));
    write_log(&vault, &lines);
    assert_fails_at(
        &vault,
        "grant.add with a lifted signature",
        &[],
        seq,
        seq,
        &format!("seq {seq} is not signed by its writer"),
    );
    // Appended after an external checkpoint: caught the same way.
    write_log(&vault, &original);
    let out = admin(&vault, &["audit", "checkpoint"]);
    let file = vault.root().join("checkpoint.json");
    std::fs::write(&file, &out.get_output().stdout).expect("write the checkpoint file");
    let mut lines = log_lines(&vault);
    let seq = lines.len() as u64 + 1;
    let last = parse(lines.last().expect("a line"));
    let body = format!(
        "{{\"seq\":{seq},\"ts\":{},\"actor\":\"admin\",\"action\":\"grant.add\",\"agent\":\"{OTHER}\",\"secrets\":[\"other\"],\"result\":\"ok\",\"gen\":{},\"prev\":\"{}\",\"hash\":\"{}\"}}",
        last["ts"],
        last["gen"],
        last["hash"].as_str().expect("hash"),
        "0".repeat(64)
    );
    lines.push(rehash(&body));
    write_log(&vault, &lines);
    let file_arg = file.to_str().expect("UTF-8 path");
    assert_fails_at(
        &vault,
        "after an external checkpoint",
        &["--checkpoint", file_arg],
        seq,
        seq,
        "is not signed",
    );
}

#[test]
fn a_torn_tail_is_reported_as_one_not_as_tampering() {
    let (vault, _, _, _) = signed_vault();
    let lines = log_lines(&vault);
    let n = lines.len() as u64;
    let mut text = format!("{}\n", lines.join("\n"));
    let last = lines.last().expect("a line");
    text.push_str(&last[..last.len() / 2]);
    vault.write_private(&vault.path("audit.jsonl"), text.as_bytes());
    let out = vault.run(&["audit", "verify"]).code(0);
    let said = stdout(&out);
    assert!(
        said.starts_with(&format!(
            "audit log: {n} entries (seq 1 to {n}), the hash chain is intact\n"
        )) && said.contains("cut short by an interrupted write"),
        "{said}"
    );
    let report = verify_json(&vault, &[], 0);
    assert_eq!(report["torn_tail"], true, "{report:#}");
}

/// The example witness, keeping its checkpoints in `store` (outside the vault).
fn witness_command(store: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/witness.sh");
    format!("{} {}", script.display(), store.display())
}

fn write_config(vault: &TestVault, text: &str) {
    vault.write_private(&vault.path("config.toml"), text.as_bytes());
}

#[test]
fn the_witness_catches_a_vault_rolled_back_with_its_log() {
    let vault = TestVault::new();
    let store = vault.root().join("witness-store.jsonl");
    let witness = witness_command(&store);
    write_config(&vault, &format!("[audit]\nwitness = \"{witness}\"\n"));
    admin(&vault, &["agent", "add", AGENT]);
    vault.set_secret(SECRET, &random_secret()).code(0);
    admin(&vault, &["grant", AGENT, SECRET]);
    let key = vault.issue_key(AGENT, &[]);
    let old = vault.root().join("vault-before");
    copy_dir(&vault.dir(), &old);
    let old_len = log_len(&vault);

    let key_text = std::fs::read_to_string(&key).expect("read the key");
    let key_id = key_text
        .trim()
        .split(':')
        .nth(2)
        .expect("a key id")
        .to_string();
    admin(&vault, &["key", "revoke", &key_id]);
    admin(&vault, &["agent", "add", OTHER]);
    let n = log_len(&vault);
    let held: Value = parse(
        std::fs::read_to_string(&store)
            .expect("the witness kept checkpoints")
            .lines()
            .last()
            .expect("a checkpoint"),
    );
    assert_eq!(held["size"], n, "{held:#}");
    let head = held["head"].as_str().expect("head").to_string();
    assert_verifies(&vault, &["--witness"], n);

    // Everything put back together, log included: consistent with itself...
    std::fs::remove_dir_all(vault.dir()).expect("remove the vault");
    copy_dir(&old, &vault.dir());
    assert_verifies(&vault, &[], old_len);
    // ...but behind the witness, from config.toml or named on the command line.
    let why = format!("held by the witness: size {n}, head {head}");
    assert_fails_at(
        &vault,
        "witness",
        &["--witness"],
        old_len + 1,
        old_len + 1,
        &why,
    );
    write_config(&vault, "");
    assert_fails_at(
        &vault,
        "witness named on the command line",
        &["--witness", &witness],
        old_len + 1,
        old_len + 1,
        &why,
    );
    // The revoked key stays revoked as far as the witness is concerned: nothing is minted
    // silently, the rollback is on record.
    let out = vault.run(&["audit", "verify", "--witness"]).code(78);
    assert_short_error(&out);
}

#[test]
fn a_torn_tail_behind_the_witness_is_a_failure() {
    let vault = TestVault::new();
    let store = vault.root().join("witness-store.jsonl");
    let witness = witness_command(&store);
    admin(&vault, &["agent", "add", AGENT]);
    let lines = log_lines(&vault);
    let n = lines.len() as u64;
    admin(&vault, &["audit", "verify", "--witness", &witness]);
    // The witness takes a checkpoint only when configured; give it this one by hand.
    write_config(&vault, &format!("[audit]\nwitness = \"{witness}\"\n"));
    admin(&vault, &["audit", "checkpoint"]);
    let lines = log_lines(&vault);
    assert_eq!(lines.len() as u64, n + 1);
    let mut text = format!("{}\n", lines[..lines.len() - 1].join("\n"));
    let last = lines.last().expect("a line");
    text.push_str(&last[..last.len() / 2]);
    vault.write_private(&vault.path("audit.jsonl"), text.as_bytes());
    assert_fails_at(
        &vault,
        "torn tail behind the witness",
        &["--witness"],
        n + 1,
        n + 1,
        "were cut off (its last line is cut short)",
    );
}

#[test]
fn vault_files_rolled_back_beside_an_intact_log_are_refused_everywhere() {
    let vault = TestVault::new();
    let value = random_secret();
    vault.set_secret(SECRET, &value).code(0);
    admin(&vault, &["agent", "add", AGENT]);
    admin(&vault, &["grant", AGENT, SECRET]);
    let key = vault.issue_key(AGENT, &[]);
    vault.with_key_file(&key).arg("mint").assert().code(0);
    let saved = vault.root().join("saved");
    std::fs::create_dir(&saved).expect("mkdir");
    for f in ["vault.toml", "vault.age"] {
        std::fs::copy(vault.path(f), saved.join(f)).expect("save");
    }
    copy_dir(&vault.path("agents"), &saved.join("agents"));

    let key_text = std::fs::read_to_string(&key).expect("read the key");
    let key_id = key_text
        .trim()
        .split(':')
        .nth(2)
        .expect("a key id")
        .to_string();
    admin(&vault, &["key", "revoke", &key_id]);
    let refused = vault.with_key_file(&key).arg("mint").assert();
    assert_ne!(refused.get_output().status.code(), Some(0));

    // The attacker puts the three back together; the log stays as it is.
    for f in ["vault.toml", "vault.age"] {
        std::fs::copy(saved.join(f), vault.path(f)).expect("restore");
    }
    std::fs::remove_dir_all(vault.path("agents")).expect("rm agents");
    copy_dir(&saved.join("agents"), &vault.path("agents"));

    let out = vault
        .with_key_file(&key)
        .arg("mint")
        .assert()
        .code(BAD_DATA);
    assert!(out.get_output().stdout.is_empty());
    assert_output_no_leak(&out, &value);
    assert!(stderr(&out).contains("was rolled back"), "{}", stderr(&out));
    assert_short_error(&out);
    for args in [
        &["secret", "list"][..],
        &["agent", "list"],
        &["grant", AGENT, SECRET],
    ] {
        let out = vault.run(args).code(BAD_DATA);
        assert!(
            stderr(&out).contains("was rolled back"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = vault.run(&["audit", "verify"]).code(BAD_DATA);
    assert!(stderr(&out).contains("was rolled back"), "{}", stderr(&out));
}

#[test]
fn a_nested_exec_writes_unsigned_entries_that_verify_counts_apart() {
    let vault = TestVault::new();
    vault.set_secret(SECRET, &random_secret()).code(0);
    admin(&vault, &["agent", "add", AGENT]);
    admin(&vault, &["grant", AGENT, SECRET]);
    // The child holds only its credential token: a nested run that does not go through its
    // supervisor's socket (as under `exec --replace`, or a token handed over by hand) has no key
    // to sign with. Such a run reads the vault directory itself, so the outer one is unsandboxed.
    vault
        .cmd()
        .args(["exec", "--no-sandbox", "--agent", AGENT, "--", "sh", "-c"])
        .arg(r#"env -u AGENTCRED_RUN_SOCKET "$ACBIN" exec --ttl 1m -- true"#)
        .env("ACBIN", util::bin())
        .assert()
        .code(0);
    let unsigned: Vec<Value> = vault
        .audit_lines()
        .into_iter()
        .filter(|e| e["sig"].is_null())
        .collect();
    assert!(
        !unsigned.is_empty()
            && unsigned
                .iter()
                .all(|e| e["actor"] == format!("agent:{AGENT}")),
        "{unsigned:#?}"
    );
    let n = log_len(&vault);
    let text = assert_verifies(&vault, &[], n);
    assert!(
        text.contains(&format!(
            "\nunsigned: {} entries written without a key",
            unsigned.len()
        )),
        "{text}"
    );
    let report = verify_json(&vault, &[], 0);
    assert_eq!(report["unsigned"], unsigned.len(), "{report:#}");
    // The same claim "by admin", or as a grant, is refused.
    let mut lines = log_lines(&vault);
    let i = lines
        .iter()
        .position(|l| parse(l)["sig"].is_null())
        .expect("an unsigned line");
    lines[i] = lines[i].replacen(
        &format!("\"actor\":\"agent:{AGENT}\""),
        "\"actor\":\"admin\"",
        1,
    );
    rechain(&mut lines, i);
    write_log(&vault, &lines);
    let seq = i as u64 + 1;
    assert_fails_at(&vault, "unsigned by admin", &[], seq, seq, "is not signed");
}

// --- checkpoints vouch for the signatures before them --------------------------------------------

/// The vault's files an admin change rewrites, as bytes.
fn vault_files(vault: &TestVault) -> Vec<Vec<u8>> {
    ["audit.jsonl", "vault.age", "vault.toml"]
        .iter()
        .map(|f| std::fs::read(vault.path(f)).expect("read a vault file"))
        .collect()
}

#[test]
fn an_entry_forged_before_an_admin_change_fails_that_change_and_is_not_checkpointed() {
    let (vault, _, _, anchored) = signed_vault();
    let original = log_lines(&vault);
    // A grant "by admin" appended by hand, unsigned, with a recomputed hash.
    let seq = original.len() as u64 + 1;
    let last = parse(original.last().expect("a line"));
    let body = format!(
        "{{\"seq\":{seq},\"ts\":{},\"actor\":\"admin\",\"action\":\"grant.add\",\"agent\":\"{OTHER}\",\"secrets\":[\"other\"],\"result\":\"ok\",\"gen\":{},\"prev\":\"{}\",\"hash\":\"{}\"}}",
        last["ts"],
        last["gen"],
        last["hash"].as_str().expect("hash"),
        "0".repeat(64)
    );
    let mut forged = original.clone();
    forged.push(rehash(&body));
    // An agent's mint re-attributed to another agent, in the middle of the entries since the
    // last checkpoint, the rest re-chained.
    let mut reattributed = original.clone();
    let i = mint_of(&reattributed, AGENT, anchored);
    reattributed[i] = reattributed[i].replacen(
        &format!("\"agent\":\"{AGENT}\""),
        &format!("\"agent\":\"{OTHER}\""),
        1,
    );
    rechain(&mut reattributed, i);
    let cases = [
        ("forged grant.add", forged, seq, "is not signed"),
        (
            "re-attributed mint",
            reattributed,
            i as u64 + 1,
            "is attributed to",
        ),
    ];
    for (case, lines, seq, why) in cases {
        write_log(&vault, &lines);
        let before = vault_files(&vault);
        for command in [
            &["agent", "add", "charlie"][..],
            &["audit", "checkpoint"],
            &["grant", OTHER, SECRET],
        ] {
            let out = vault.run(command).code(BAD_DATA);
            assert_short_error(&out);
            let err = stderr(&out);
            assert!(
                err.starts_with(&format!(
                    "error: the audit log fails verification at seq {seq}: "
                )) && err.contains(why),
                "{case}, {command:?}: {err}"
            );
            assert!(stdout(&out).is_empty(), "{case}, {command:?}");
            assert!(
                vault_files(&vault) == before,
                "{case}, {command:?}: the refused change wrote to the vault"
            );
        }
        // No checkpoint was signed over it: verify names it, nothing after the last admin change
        // is authenticated.
        assert_fails_at(&vault, case, &[], seq, seq, why);
        let report = verify_json(&vault, &[], BAD_DATA);
        assert_eq!(
            report["authenticated"]["to"], anchored,
            "{case}: {report:#}"
        );
        assert!(
            !stdout(&vault.run(&["--json", "agent", "list"]).code(0)).contains("charlie"),
            "{case}"
        );
    }
    // The genuine log back: the same admin change goes through and anchors it.
    write_log(&vault, &original);
    admin(&vault, &["agent", "add", "charlie"]);
    let n = log_len(&vault);
    assert_eq!(verify_json(&vault, &[], 0)["authenticated"]["to"], n);
}

#[test]
fn audit_verify_checks_the_signatures_after_the_last_checkpoint_and_all_with_full() {
    let (vault, _, _, anchored) = signed_vault();
    let n = log_len(&vault);
    let report = verify_json(&vault, &[], 0);
    assert_eq!(
        report["signatures"]["checked"]["from"],
        anchored + 1,
        "{report:#}"
    );
    assert_eq!(report["signatures"]["checked"]["to"], n, "{report:#}");
    assert_eq!(report["signatures"]["vouched"]["from"], 1, "{report:#}");
    assert_eq!(
        report["signatures"]["vouched"]["to"], anchored,
        "{report:#}"
    );
    let text = assert_verifies(&vault, &[], n);
    assert!(
        text.contains(&format!(
            "signatures: checked for seq {} to {n}; seq 1 to {anchored} were checked before the checkpoint signed at ",
            anchored + 1
        )),
        "{text}"
    );
    let report = verify_json(&vault, &["--full"], 0);
    assert_eq!(report["signatures"]["checked"]["from"], 1, "{report:#}");
    assert_eq!(report["signatures"]["checked"]["to"], n, "{report:#}");
    assert_eq!(report["signatures"]["vouched"], Value::Null, "{report:#}");
    let text = assert_verifies(&vault, &["--full"], n);
    assert!(
        text.contains(&format!("signatures: checked for seq 1 to {n}\n")),
        "{text}"
    );
    // After `audit checkpoint` every signature is vouched for.
    admin(&vault, &["audit", "checkpoint"]);
    let n = log_len(&vault);
    let report = verify_json(&vault, &[], 0);
    assert_eq!(report["signatures"]["checked"], Value::Null, "{report:#}");
    assert_eq!(report["signatures"]["vouched"]["to"], n, "{report:#}");
    let text = assert_verifies(&vault, &[], n);
    assert!(
        text.contains("signatures: none checked; seq 1 to "),
        "{text}"
    );
}

/// `status` says what to do about entries after the last checkpoint, and doing it clears them.
#[test]
fn status_says_how_to_anchor_an_unanchored_tail() {
    let vault = TestVault::new();
    vault.run(&["agent", "add", "alpha"]).code(0);
    vault.set_secret("db", "v4lue-for-anchoring").code(0);
    vault.run(&["grant", "alpha", "db"]).code(0);
    vault.run(&["mint", "--agent", "alpha"]).code(0);
    vault.run(&["mint", "--agent", "alpha"]).code(0);
    let said = stderr(&vault.run(&["status"]).code(0));
    assert!(
        said.contains("2 audit entries after the last checkpoint")
            && said.contains("`agentcred audit checkpoint`"),
        "{said}"
    );
    vault.run(&["audit", "checkpoint"]).code(0);
    let said = stderr(&vault.run(&["status"]).code(0));
    assert!(!said.contains("not anchored"), "{said}");
}
