//! Tables on a terminal fit its width: on an 80-column pseudo-terminal the list commands print
//! no line wider than 80, every identifier and time whole, free text cut with an ellipsis, and a
//! block per record when even that is too wide. `--json` is untouched by the terminal.

mod util;

use std::process::Command;

use util::TestVault;

/// Runs `agentcred ARGS` with stdin and stdout on a pseudo-terminal of `cols` columns (python3's
/// `pty`), returning what it printed there with `\r\n` made `\n`.
fn on_terminal(vault: &TestVault, cols: u16, args: &[&str]) -> String {
    const DRIVER: &str = r#"
import fcntl, os, pty, struct, sys, termios
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    # Only the table is measured: the unlock's progress line goes elsewhere.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let template = vault.command();
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(DRIVER)
        .arg(cols.to_string())
        .arg(util::bin())
        .args(args)
        .env("TZ", "UTC");
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if let Some(dir) = template.get_current_dir() {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("run python3 with a pseudo-terminal");
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        out.status.success(),
        "agentcred {args:?} on a terminal failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

const AGENT: &str = "nightly-release-pipeline-coordinator-for-the-payments-team";
const SHORT: &str = "ci-bot";
const OTHER: &str = "db-migrator";
const SECRET: &str = "payments_production_database_primary_password";
const DESCRIPTION: &str = "Builds, signs and publishes the nightly release of the payments \
     service, then posts the changelog to the release channel and pings whoever is on call";

/// A vault with long names and descriptions everywhere a list shows them.
fn busy_vault() -> TestVault {
    let vault = TestVault::new();
    vault
        .run(&["agent", "add", AGENT, "--description", DESCRIPTION])
        .success();
    vault
        .run(&["agent", "add", OTHER, "--description", "Runs migrations"])
        .success();
    vault.set_secret(SECRET, "s3cret-value").success();
    vault.run(&["grant", AGENT, SECRET]).success();
    vault.run(&["grant", OTHER, SECRET]).success();
    vault.issue_key(AGENT, &[]);
    vault.run(&["mint", "--agent", AGENT]).success();
    vault.run(&["mint", "--agent", OTHER]).success();
    vault
}

/// Every line fits in 80 columns, and every identifier appears whole on one line.
fn assert_fits(text: &str, ids: &[String]) {
    if std::env::var_os("SHOW_TABLES").is_some() {
        eprintln!("{text}");
    }
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "a line is {} columns wide:\n{line}\nin:\n{text}",
            line.chars().count()
        );
    }
    for id in ids {
        assert!(
            text.lines().any(|l| l.contains(id.as_str())),
            "{id} does not appear whole in:\n{text}"
        );
    }
}

fn strings(values: &[serde_json::Value], field: &str) -> Vec<String> {
    values
        .iter()
        .map(|v| v[field].as_str().expect(field).to_string())
        .collect()
}

#[test]
fn agent_list_fits_80_columns_and_cuts_descriptions() {
    let vault = busy_vault();
    let text = on_terminal(&vault, 80, &["agent", "list"]);
    assert_fits(&text, &[AGENT.into(), OTHER.into()]);
    assert!(!text.contains(DESCRIPTION), "{text}");
    assert!(
        text.contains('…'),
        "the description is cut with an ellipsis:\n{text}"
    );
}

#[test]
fn creds_list_fits_80_columns() {
    let vault = busy_vault();
    let json = vault.json(&["--json", "creds", "list"]);
    let creds = json["credentials"].as_array().expect("credentials");
    assert_eq!(creds.len(), 2);
    assert!(
        creds[0]["expires_at"].as_str().unwrap().contains('T'),
        "--json keeps RFC 3339: {json}"
    );
    let text = on_terminal(&vault, 80, &["creds", "list"]);
    let mut ids = strings(creds, "id");
    ids.extend([AGENT.into(), OTHER.into()]);
    assert_fits(&text, &ids);
}

#[test]
fn key_list_fits_80_columns() {
    let vault = busy_vault();
    let json = vault.json(&["--json", "key", "list"]);
    let keys = json["keys"].as_array().expect("keys");
    let text = on_terminal(&vault, 80, &["key", "list"]);
    let mut ids = strings(keys, "id");
    ids.extend(strings(keys, "fingerprint"));
    ids.push(AGENT.into());
    assert_fits(&text, &ids);
}

#[test]
fn grant_list_fits_80_columns() {
    let vault = busy_vault();
    let json = vault.json(&["--json", "grant", "list"]);
    let grants = json["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 2);
    let text = on_terminal(&vault, 80, &["grant", "list"]);
    let mut ids = strings(grants, "id");
    ids.extend([AGENT.into(), OTHER.into(), SECRET.into()]);
    assert_fits(&text, &ids);
}

#[test]
fn audit_fits_80_columns_with_short_times() {
    let vault = busy_vault();
    let text = on_terminal(&vault, 80, &["audit"]);
    assert_fits(&text, &[AGENT.into(), OTHER.into()]);
    // Today's times are shown as HH:MM:SS, not as RFC 3339 stamps; --json keeps those.
    let today = chrono::Utc::now().format("%Y-%m-%dT").to_string();
    assert!(
        !text.contains(&today),
        "times are short on a terminal:\n{text}"
    );
    let time = regex_free_time(&text).expect("a time like 17:05:03");
    assert_eq!(time.len(), 8, "{text}");
    let out = vault
        .cmd()
        .args(["audit", "--json", "--limit", "1"])
        .output()
        .expect("run agentcred");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&today));
}

#[test]
fn secret_list_fits_80_columns_with_short_times() {
    let vault = busy_vault();
    vault.set_secret("api", "another-value").success();
    let json = vault.json(&["--json", "secret", "list"]);
    let secrets = json["secrets"].as_array().expect("secrets");
    assert!(
        secrets[0]["updated_at"].as_str().unwrap().contains('T'),
        "--json keeps RFC 3339: {json}"
    );
    let text = on_terminal(&vault, 80, &["secret", "list"]);
    let mut ids = strings(secrets, "name");
    ids.extend(strings(secrets, "env"));
    assert_fits(&text, &ids);
    assert_short_times(&text);
}

#[test]
fn recipients_list_fits_80_columns() {
    let vault = busy_vault();
    let other = TestVault::new();
    let extra = other.json(&["--json", "recipients", "list"])["recipients"][0]["recipient"]
        .as_str()
        .expect("a recipient")
        .to_string();
    vault.run(&["recipients", "add", &extra]).success();
    let json = vault.json(&["--json", "recipients", "list"]);
    let recipients = json["recipients"].as_array().expect("recipients");
    assert_eq!(recipients.len(), 2);
    assert!(
        recipients[1]["added_at"].as_str().unwrap().contains('T'),
        "--json keeps RFC 3339: {json}"
    );
    let text = on_terminal(&vault, 80, &["recipients", "list"]);
    assert_fits(&text, &strings(recipients, "recipient"));
    assert_short_times(&text);
}

#[test]
fn audit_anomalies_fits_80_columns_and_cuts_what_it_says() {
    let vault = busy_vault();
    // Denials in a burst: an anomaly about the long-named agent, with a long message.
    vault.set_secret("other", "not granted").success();
    for _ in 0..6 {
        vault
            .run(&["mint", "--agent", AGENT, "--secret", "other"])
            .code(3);
    }
    let json = vault.json(&["--json", "audit", "anomalies", "--since", "1h"]);
    let found = json["anomalies"].as_array().expect("anomalies");
    assert!(!found.is_empty(), "{json}");
    assert!(found[0]["ts"].as_str().unwrap().contains('T'), "{json}");
    let text = on_terminal(&vault, 80, &["audit", "anomalies", "--since", "1h"]);
    let mut ids = vec![AGENT.to_string()];
    ids.extend(strings(found, "kind"));
    assert_fits(&text, &ids);
    assert_short_times(&text);
}

#[test]
fn audit_tail_has_the_audit_table_and_fits_80_columns() {
    let vault = busy_vault();
    let text = on_terminal(&vault, 80, &["audit", "tail", "-n", "5"]);
    let seqs: Vec<String> = vault
        .audit_lines()
        .iter()
        .rev()
        .take(5)
        .map(|e| e["seq"].to_string())
        .collect();
    let mut ids = seqs;
    ids.extend([AGENT.into(), OTHER.into()]);
    assert_fits(&text, &ids);
    // Headers in a table, labels in blocks (the long agent name is too wide for a table).
    let lower = text.to_lowercase();
    assert!(
        [
            "seq", "time", "actor", "action", "agent", "result", "detail"
        ]
        .iter()
        .all(|h| lower.contains(h)),
        "the columns of `audit`:\n{text}"
    );
    let audit = on_terminal(&vault, 80, &["audit", "--limit", "5"]);
    assert_eq!(text, audit, "`audit tail` shows what `audit` shows");
    // The free text is cut at a word: a credential id in it is whole or left out, never halved.
    let json = vault.json(&["--json", "creds", "list"]);
    let ids = strings(json["credentials"].as_array().expect("credentials"), "id");
    for word in text.split_whitespace().filter(|w| w.starts_with("cr_")) {
        let word = word.trim_end_matches('…');
        assert!(ids.iter().any(|id| id == word), "a cut id {word}:\n{text}");
    }
    assert_short_times(&text);
}

/// Today's times are shown as `HH:MM:SS`, not as RFC 3339 stamps.
fn assert_short_times(text: &str) {
    let today = chrono::Utc::now().format("%Y-%m-%dT").to_string();
    assert!(
        !text.contains(&today),
        "times are short on a terminal:\n{text}"
    );
    assert!(
        regex_free_time(text).is_some(),
        "a time like 17:05:03:\n{text}"
    );
}

#[test]
fn a_table_that_fits_keeps_its_columns_and_cuts_free_text() {
    let vault = TestVault::new();
    vault
        .run(&["agent", "add", SHORT, "--description", DESCRIPTION])
        .success();
    let text = on_terminal(&vault, 80, &["agent", "list"]);
    assert_fits(&text, &[SHORT.into()]);
    assert!(text.contains("DESCRIPTION"), "still a table:\n{text}");
    assert!(text.contains('…'), "{text}");
    let json = vault.json(&["--json", "agent", "list"]);
    assert_eq!(
        json["agents"][0]["description"], DESCRIPTION,
        "--json keeps it whole"
    );
}

#[test]
fn a_narrow_terminal_gets_one_block_per_record() {
    let vault = busy_vault();
    let narrow = on_terminal(&vault, 40, &["agent", "list"]);
    assert!(narrow.contains("name:"), "{narrow}");
    let description = narrow
        .lines()
        .find(|l| l.starts_with("description:") && l.contains("Builds"))
        .unwrap_or_else(|| panic!("{narrow}"));
    assert!(
        description.chars().count() <= 40 && description.ends_with('…'),
        "{narrow}"
    );
    assert!(narrow.lines().any(|l| l.contains(AGENT)), "{narrow}");
}

/// The first `HH:MM:SS` in `text`.
fn regex_free_time(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(7)).find_map(|i| {
        let w = &bytes[i..i + 8];
        let digits = [0, 1, 3, 4, 6, 7].iter().all(|&k| w[k].is_ascii_digit());
        (digits && w[2] == b':' && w[5] == b':').then(|| &text[i..i + 8])
    })
}
