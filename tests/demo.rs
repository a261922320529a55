//! `agentcred demo` is the README's first command on a fresh machine: it must work with nothing set
//! up and leave nothing behind.

mod util;

use std::path::Path;

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn demo_runs_end_to_end_and_touches_nothing_outside_its_temporary_directory() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(util::bin());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AGENTCRED_") {
            cmd.env_remove(&k);
        }
    }
    let out = cmd
        .arg("demo")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "agentcred init",
        "agentcred exec",
        "agent=coder",
        "passphrase visible to me: no",
        "(exit 3)",
        "exec.end",
        "Removed",
    ] {
        assert!(
            stdout.contains(step),
            "the demo output lacks {step:?}:\n{stdout}"
        );
    }
    for (at, _) in stdout.match_indices("sk-demo-") {
        assert!(
            stdout[at + 8..].starts_with('…'),
            "the demo printed more of its fake secret than a prefix:\n{stdout}"
        );
    }
    assert!(
        entries(tmp.path()).is_empty(),
        "left behind in TMPDIR: {:?}",
        entries(tmp.path())
    );
    assert!(
        entries(home.path()).is_empty(),
        "wrote to HOME: {:?}",
        entries(home.path())
    );
}
