//! The execution boundary of `exec`, attacked the way a program under it would: a shell script
//! that tries to read, list and write the vault directory and the agent key file, to reach them
//! through `/proc/PID/root` and `/proc/PID/cwd` of its supervisor, to unmount or remount what
//! hides them (also from a nested user namespace), and to kill its supervisor; and the supervisor
//! killed from outside. Every attack runs twice: as the user running the tests (root in CI) and,
//! when that is root, as an unprivileged uid through `setpriv`.

mod util;

use util::{as_each_user, shared_bin};

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use util::TestVault;

const AGENT: &str = "runner";
const SECRET: &str = "deploy_token";
/// A vault with one agent, one secret granted to it, and its key in a file outside the vault;
/// owned by `user` (or by whoever runs the tests).
struct Fixture {
    vault: TestVault,
    key_file: PathBuf,
    user: Option<(u32, u32)>,
}

impl Fixture {
    fn new(user: Option<(u32, u32)>) -> Fixture {
        let vault = TestVault::new();
        vault.run(&["agent", "add", AGENT]).code(0);
        vault
            .set_secret(SECRET, "s3cr3t-value-for-the-sandbox")
            .code(0);
        vault.run(&["grant", AGENT, SECRET]).code(0);
        let key_file = vault.issue_key(AGENT, &[]);
        if let Some((uid, gid)) = user {
            let chown = Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(vault.root())
                .status()
                .expect("run chown");
            assert!(chown.success(), "chown failed");
        }
        Fixture {
            vault,
            key_file,
            user,
        }
    }

    /// `agentcred` as this fixture's user, with the vault's environment (passphrase file).
    fn command(&self) -> Command {
        let base = self.vault.command();
        let mut cmd = match self.user {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={uid}"),
                    &format!("--regid={gid}"),
                    "--clear-groups",
                    "--",
                ])
                .arg(shared_bin());
                c
            }
            None => Command::new(util::bin()),
        };
        for (k, v) in base.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.current_dir(self.vault.root()).stdin(Stdio::null());
        cmd
    }

    /// `agentcred exec` with the agent key file as the only unlock input.
    fn exec(&self, args: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.env_remove("AGENTCRED_PASSPHRASE_FILE")
            .env("AGENTCRED_KEY_FILE", &self.key_file)
            .arg("exec")
            .args(args);
        cmd
    }

    fn path(&self, name: &str) -> PathBuf {
        self.vault.root().join(name)
    }

    fn entries(&self, action: &str) -> Vec<Value> {
        self.vault
            .audit_lines()
            .into_iter()
            .filter(|e| e["action"] == action)
            .collect()
    }

    /// `agentcred verify -` of `token` (as this user): its exit code.
    fn verify(&self, token: &str) -> i32 {
        use std::io::Write;
        let mut cmd = self.command();
        cmd.args(["verify", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("run verify");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(token.as_bytes())
            .expect("write the token");
        child.wait().expect("wait for verify").code().unwrap_or(-1)
    }
}

/// Every file under `dir` and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read the vault directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.clone(),
                    std::fs::read(&path).expect("read a vault file"),
                );
            }
        }
    }
    out
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Is `pid` a live process (not gone, not a zombie)?
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rfind(')')
            .and_then(|i| s[i + 1..].split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// The pids of processes whose command line holds `marker`.
fn pids_with(marker: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("read /proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
        })
        .collect()
}

/// What the program tries. Each successful attempt prints a line starting with "BROKE".
/// $1: the vault directory, $2: the key file, $3: a file holding the supervisor's pid (written by
/// the test once it knows it), $4: the report file.
const ATTACK: &str = r#"V=$1; KEY=$2; exec > "$4" 2>/dev/null
while [ ! -s "$3" ]; do sleep 0.02; done
SUP=$(cat "$3")
[ -n "$(ls -A "$V")" ] && echo "BROKE listed the vault: $(ls -A "$V" | tr '\n' ' ')"
for f in vault.age vault.toml audit.jsonl revoked.jsonl credentials.jsonl agents/index; do
  grep -q . "$V/$f" && echo "BROKE read $f"
done
for f in $(ls "$V/agents" 2>/dev/null); do grep -q . "$V/agents/$f" && echo "BROKE read agents/$f"; done
grep -q . "$KEY" && echo "BROKE read the key file"
echo tampered >> "$V/audit.jsonl" && echo "BROKE appended to audit.jsonl"
echo tampered > "$V/vault.age" && echo "BROKE wrote vault.age"
touch "$V/new-file" && echo "BROKE created a file in the vault"
mkdir "$V/agents/new" && echo "BROKE created a directory in the vault"
rm -f "$V/vault.toml"; rm -rf "$V/agents"
echo tampered > "$KEY" && echo "BROKE wrote the key file"
for p in /proc/[0-9]* /proc/$SUP /proc/self; do
  grep -q . "$p/root$V/vault.toml" && echo "BROKE read the vault through $p/root"
  grep -q . "$p/root$KEY" && echo "BROKE read the key through $p/root"
  grep -q . "$p/cwd/vault/vault.toml" && echo "BROKE read the vault through $p/cwd"
  echo tampered >> "$p/root$V/audit.jsonl" && echo "BROKE wrote through $p/root"
done
umount "$V" && echo "BROKE unmounted the vault's cover"
umount -l "$V" && echo "BROKE lazily unmounted the vault's cover"
umount "$KEY" && echo "BROKE unmounted the key's cover"
mount -o remount,rw "$V" && echo "BROKE remounted the cover read-write"
mount -t proc proc /proc && echo "BROKE mounted a proc"
unshare --user --map-root-user --mount sh -c "umount '$V' || umount -l '$V'; grep -q . '$V/vault.toml'" && echo "BROKE unmounted from a nested namespace"
unshare --user --map-root-user --mount sh -c "umount '$KEY'; grep -q . '$KEY'" && echo "BROKE uncovered the key from a nested namespace"
grep -q CapEff:.0000000000000000 /proc/self/status || echo "BROKE kept a capability: $(grep Cap /proc/self/status | tr '\n' ' ')"
kill -9 "$SUP" && echo "BROKE signalled the supervisor"
kill -9 $PPID
sleep 0.2
echo done
"#;

#[test]
fn the_program_can_neither_read_nor_write_the_vault_or_the_key_file_nor_uncover_them() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let before = snapshot(&fx.vault.dir());
        let key_before = std::fs::read(&fx.key_file).expect("read the key file");
        let (sup_file, report) = (fx.path("supervisor.pid"), fx.path("report"));
        let mut run = fx
            .exec(&["--", "sh", "-c", ATTACK, "sh"])
            .arg(fx.vault.dir())
            .arg(&fx.key_file)
            .arg(&sup_file)
            .arg(&report)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start agentcred");
        util::write_private(&sup_file, run.id().to_string().as_bytes());
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&sup_file, Some(uid), Some(gid)).expect("chown");
        }
        let status = run.wait().expect("wait for agentcred");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut run.stderr.take().expect("stderr"), &mut stderr)
            .expect("read stderr");
        assert_eq!(status.code(), Some(0), "{user:?}: {stderr}");
        assert!(
            !stderr.contains("sandbox"),
            "{user:?}: the sandbox was not set up: {stderr}"
        );
        let text = std::fs::read_to_string(&report).expect("the program's report");
        assert!(
            text.ends_with("done\n"),
            "{user:?}: the attack did not run to its end: {text}"
        );
        let broke: Vec<&str> = text.lines().filter(|l| l.starts_with("BROKE")).collect();
        assert!(broke.is_empty(), "{user:?}: {broke:#?}");

        // Checked from outside: nothing changed but the log, which grew by this run's own
        // entries, and the revocation that ended its credential.
        let after = snapshot(&fx.vault.dir());
        for (path, bytes) in &before {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let now = after
                .get(path)
                .unwrap_or_else(|| panic!("{user:?}: {name} is gone"));
            if ["audit.jsonl", "revoked.jsonl", "credentials.jsonl"].contains(&name) {
                assert!(now.starts_with(bytes), "{user:?}: {name} was rewritten");
            } else if !path.starts_with(fx.vault.dir().join("activity")) {
                assert_eq!(now, bytes, "{user:?}: {name} changed");
            }
        }
        assert!(!fx.vault.path("new-file").exists());
        assert!(!fx.vault.audit_text().contains("tampered"));
        assert_eq!(
            std::fs::read(&fx.key_file).expect("read the key file"),
            key_before,
            "{user:?}: the key file changed"
        );
        fx.vault.run(&["audit", "verify"]).code(0);
        let start = fx.entries("exec.start");
        assert_eq!(
            start.last().expect("exec.start")["details"]["sandbox"],
            "on"
        );
    });
}

#[test]
fn a_working_directory_inside_the_vault_does_not_reach_it() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let out = fx
            .exec(&[
                "--",
                "sh",
                "-c",
                "grep -q . vault.toml && echo BROKE; ls -A; pwd; echo done",
            ])
            .current_dir(fx.vault.dir())
            .output()
            .expect("run agentcred");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{user:?}: {text}");
        assert!(!text.contains("BROKE"), "{user:?}: {text}");
        assert!(
            !text.contains("vault.age") && !text.contains("audit.jsonl"),
            "{user:?}: listed the vault: {text}"
        );
        assert!(text.ends_with("done\n"), "{user:?}: {text}");
    });
}

/// Kills the supervisor `pid` and waits until the program (found by `marker`) is gone.
fn assert_dies_with(pids: &[u32], limit: Duration) {
    let deadline = Instant::now() + limit;
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            Instant::now() < deadline,
            "the program outlived its supervisor: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The credential of a dead supervisor: refused by `verify` (without writing), then revoked and
/// its end recorded by the next command.
fn assert_revoked_after_death(fx: &Fixture, token: &str, id: &str) {
    assert!(fx.vault.path(&format!("running/{id}")).exists());
    assert_eq!(
        fx.verify(token),
        3,
        "verify accepted a dead supervisor's credential"
    );
    let mut list = fx.command();
    let out = list
        .args(["creds", "list", "--json"])
        .output()
        .expect("run creds list");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{listed}");
    let creds: Value = serde_json::from_slice(&out.stdout).expect("creds list JSON");
    let cred = creds["credentials"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("{id} not listed: {listed}"));
    assert_eq!(cred["state"], "revoked", "{cred}");
    assert!(
        !fx.vault.path(&format!("running/{id}")).exists(),
        "the record stayed"
    );
    let end = fx
        .entries("exec.end")
        .into_iter()
        .find(|e| e["credential_id"] == id)
        .expect("an exec.end for the dead supervisor's run");
    assert_eq!(end["details"]["ended_by"], "supervisor-died");
    assert_eq!(fx.verify(token), 3);
    fx.vault.run(&["audit", "verify"]).code(0);
}

#[test]
fn killing_the_supervisor_kills_the_sandboxed_program_and_revokes_its_credential() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let marker = format!(
            "98765.{}",
            std::process::id() % 1000 + 1000 * u32::from(user.is_some())
        );
        // The program keeps its token, tries to kill its supervisor (which it cannot see), then
        // waits.
        let script = format!(
            r#"printf '%s\n' "$AGENTCRED_TOKEN" > token; printf '%s\n' "$AGENTCRED_CREDENTIAL_ID" > id
kill -9 $PPID; kill -9 "$(cat supervisor.pid)"; echo tried > tried
exec sleep {marker}"#
        );
        let mut run = fx
            .exec(&["--", "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start agentcred");
        util::write_private(
            &fx.path("supervisor.pid"),
            format!("{}\n", run.id()).as_bytes(),
        );
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(fx.path("supervisor.pid"), Some(uid), Some(gid))
                .expect("chown");
        }
        let token = wait_for_file(&fx.path("token"));
        let id = wait_for_file(&fx.path("id")).trim().to_string();
        wait_for_file(&fx.path("tried"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let program = loop {
            let found = pids_with(&format!("sleep {marker}"));
            if !found.is_empty() {
                break found;
            }
            assert!(Instant::now() < deadline, "the program never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            alive(run.id()),
            "{user:?}: the program killed its supervisor from inside the sandbox"
        );
        assert_eq!(
            fx.verify(token.trim()),
            0,
            "the live credential should verify"
        );

        run.kill().expect("SIGKILL agentcred");
        let _ = run.wait();
        assert_dies_with(&program, Duration::from_secs(5));
        assert_revoked_after_death(&fx, token.trim(), &id);
    });
}

#[test]
fn a_program_that_kills_its_supervisor_dies_with_it_also_without_the_sandbox() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let script = r#"printf '%s\n' "$AGENTCRED_TOKEN" > token; printf '%s\n' "$AGENTCRED_CREDENTIAL_ID" > id
echo $$ > program.pid
kill -9 $PPID
sleep 1
touch survived"#;
        let status = fx
            .exec(&["--no-sandbox", "--", "sh", "-c", script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run agentcred");
        assert_eq!(status.code(), None, "agentcred should have been SIGKILLed");
        let pid: u32 = wait_for_file(&fx.path("program.pid"))
            .trim()
            .parse()
            .expect("a pid");
        assert_dies_with(&[pid], Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !fx.path("survived").exists(),
            "the program outlived its supervisor"
        );
        let token = wait_for_file(&fx.path("token"));
        let id = wait_for_file(&fx.path("id")).trim().to_string();
        assert_revoked_after_death(&fx, token.trim(), &id);
    });
}

#[test]
fn no_sandbox_lets_the_program_see_the_vault_and_the_audit_entry_says_so() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let out = fx
            .exec(&[
                "--no-sandbox",
                "--",
                "sh",
                "-c",
                r#"ls -A "$AGENTCRED_HOME""#,
            ])
            .output()
            .expect("run agentcred");
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("vault.age"));
        let start = fx.entries("exec.start");
        let details = &start.last().expect("exec.start")["details"];
        assert_eq!(details["sandbox"], "off");
        assert!(
            details["warning"]
                .as_str()
                .is_some_and(|w| w.contains("without the sandbox")),
            "{details}"
        );
    });
}

/// How the kernel is made to refuse the sandbox's namespaces.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// Inside a user namespace of its own whose limit on further user namespaces is 0, which
    /// agentcred can read in advance.
    Sysctl,
    /// 33 user namespaces deep, at the kernel's limit: only the clone itself fails.
    Depth,
}

/// Runs `NESTED_SCRIPT N CMD...`: CMD inside N more nested user namespaces.
const NESTED_SCRIPT: &str = r#"#!/bin/sh
n=$1; shift
[ "$n" -eq 0 ] && exec "$@"
exec unshare --user --map-root-user "$0" "$((n - 1))" "$@"
"#;

/// `agentcred ARGS` where the kernel refuses new user namespaces.
fn without_user_namespaces(
    fx: &Fixture,
    args: &[&str],
    config_required: bool,
) -> std::process::Output {
    refused(fx, args, config_required, Refusal::Sysctl)
}

fn refused(
    fx: &Fixture,
    args: &[&str],
    config_required: bool,
    how: Refusal,
) -> std::process::Output {
    if config_required {
        util::write_private(
            &fx.vault.path("config.toml"),
            b"[exec]\nsandbox = \"required\"\n",
        );
        if let Some((uid, gid)) = fx.user {
            std::os::unix::fs::chown(fx.vault.path("config.toml"), Some(uid), Some(gid))
                .expect("chown");
        }
    }
    // The agentcred command line and environment, without the user switch: that comes first.
    let mut inner = fx.vault.command();
    inner
        .env_remove("AGENTCRED_PASSPHRASE_FILE")
        .env("AGENTCRED_KEY_FILE", &fx.key_file)
        .arg("exec")
        .args(args);
    let mut cmd = match fx.user {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={uid}"),
                &format!("--regid={gid}"),
                "--clear-groups",
                "--",
                "unshare",
            ]);
            c
        }
        None => Command::new("unshare"),
    };
    match how {
        Refusal::Sysctl => cmd.args([
            "--user",
            "--map-root-user",
            "sh",
            "-c",
            r#"echo 0 > /proc/sys/user/max_user_namespaces && exec "$@""#,
            "sh",
        ]),
        Refusal::Depth => {
            let script = fx.path("nest.sh");
            std::fs::write(&script, NESTED_SCRIPT).expect("write the script");
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
            // The first namespace is unshare's own; the script adds 32 more.
            cmd.args(["--user", "--map-root-user"])
                .arg(&script)
                .arg("32")
        }
    }
    // Inside a user namespace of its own, even root may not enter a build directory below /root.
    .arg(shared_bin())
    .args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.current_dir(fx.vault.root())
        .stdin(Stdio::null())
        .output()
        .expect("run agentcred")
}

#[test]
fn sandbox_required_refuses_with_125_where_user_namespaces_are_unavailable() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let marker = fx.path("ran");
        let marker = marker.to_str().expect("UTF-8");
        for (args, config) in [
            (vec!["--sandbox", "required", "--", "touch", marker], false),
            (vec!["--", "touch", marker], true),
        ] {
            let starts = fx.entries("exec.start").len();
            let out = without_user_namespaces(&fx, &args, config);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(125), "{user:?} {args:?}: {stderr}");
            assert!(stderr.contains("sandbox is required"), "{stderr}");
            assert!(stderr.lines().count() <= 2, "{stderr}");
            assert!(!Path::new(marker).exists(), "the program ran");
            assert_eq!(
                fx.entries("exec.start").len(),
                starts,
                "a credential was minted"
            );
        }
    });
}

#[test]
fn where_user_namespaces_are_unavailable_exec_says_so_once_and_runs_unsandboxed() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let out = without_user_namespaces(&fx, &["--", "sh", "-c", "echo ran"], false);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "ran\n");
        assert_eq!(
            stderr.matches("sandbox").count(),
            1,
            "said once on stderr: {stderr}"
        );
        let start = fx.entries("exec.start");
        let state = start.last().expect("exec.start")["details"]["sandbox"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(state.starts_with("unavailable: "), "{state}");
    });
}

/// The running/ directory and its records are private to the user.
#[test]
fn the_running_record_is_private() {
    let fx = Fixture::new(None);
    let script = r#"while [ ! -e go ]; do sleep 0.02; done"#;
    let mut run = fx
        .exec(&["--", "sh", "-c", script])
        .spawn()
        .expect("start agentcred");
    let deadline = Instant::now() + Duration::from_secs(10);
    let record = loop {
        if let Some(e) = std::fs::read_dir(fx.vault.path("running"))
            .ok()
            .and_then(|mut d| d.next())
        {
            break e.expect("an entry").path();
        }
        assert!(Instant::now() < deadline, "no record was written");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mode = |p: &Path| {
        std::fs::symlink_metadata(p)
            .expect("stat")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&fx.vault.path("running")), 0o700);
    assert_eq!(mode(&record), 0o600);
    std::fs::write(fx.path("go"), "").expect("write go");
    assert_eq!(run.wait().expect("wait").code(), Some(0));
    assert!(!record.exists(), "the record outlived the run");
}

#[test]
fn a_clone_the_kernel_refuses_is_said_once_recorded_and_refused_under_required() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let out = refused(&fx, &["--", "sh", "-c", "echo ran"], false, Refusal::Depth);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{user:?}: {stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "ran\n");
        assert_eq!(stderr.matches("sandbox").count(), 1, "{stderr}");
        let start = fx.entries("exec.start");
        let state = start.last().expect("exec.start")["details"]["sandbox"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            state.starts_with("unavailable: the kernel refused new namespaces"),
            "{state}"
        );

        let marker = fx.path("ran");
        let marker = marker.to_str().expect("UTF-8");
        let starts = fx.entries("exec.start").len();
        let out = refused(
            &fx,
            &["--sandbox", "required", "--", "touch", marker],
            false,
            Refusal::Depth,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{user:?}: {stderr}");
        assert!(stderr.contains("sandbox is required"), "{stderr}");
        assert!(!Path::new(marker).exists(), "the program ran");
        assert_eq!(
            fx.entries("exec.start").len(),
            starts,
            "a credential was minted"
        );
    });
}

/// What a program tries against the run sockets of the same user's other runs: it looks for them
/// where its own lies and asks each for the other run's secret, a bare narrowing and a delegation.
/// $1: the name of the secret it was not granted, $2: the report file.
const OTHER_RUNS: &str = r#"
import glob, json, os, socket, sys
want, report = sys.argv[1], sys.argv[2]
own = os.environ["AGENTCRED_RUN_SOCKET"]
base = os.path.dirname(os.path.dirname(own))
lines = []
for path in sorted(glob.glob(os.path.join(base, "agentcred-run-*", "s"))):
    if path == own:
        continue
    for ask in ({"op": "exec", "secrets": [want]}, {"op": "exec"},
                {"op": "delegate", "to": "runner", "actions": ["read"], "ttl_ms": 60000}):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.sendall((json.dumps(ask) + "\n").encode())
            answer = s.makefile().readline()
            s.close()
        except OSError as e:
            answer = "refused: %s" % e
        lines.append("TRIED %s: %s" % (path, answer.strip()))
with open(report, "w") as f:
    f.write("\n".join(lines) + "\ndone\n")
"#;

#[test]
fn a_program_cannot_use_the_run_socket_of_another_run() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let other = "deployer";
        let value = "prod-value-only-for-the-deployer-4711";
        fx.vault.run(&["agent", "add", other]).code(0);
        fx.vault.set_secret("prod_key", value).code(0);
        fx.vault.run(&["grant", other, "prod_key"]).code(0);
        let other_key = fx.vault.issue_key(other, &[]);
        if let Some((uid, gid)) = user {
            let chown = Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(fx.vault.root())
                .status()
                .expect("run chown");
            assert!(chown.success(), "chown failed");
        }
        // The other agent's run, waiting with its socket open.
        let ready = fx.path("other-ready");
        let mut victim = fx
            .exec(&[
                "--",
                "sh",
                "-c",
                "echo \"$AGENTCRED_RUN_SOCKET\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"; sleep 30",
                "sh",
            ])
            .arg(&ready)
            .env("AGENTCRED_KEY_FILE", &other_key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the other run");
        wait_for_file(&ready);

        let report = fx.path("other-runs-report");
        let out = fx
            .exec(&["--", "python3", "-c", OTHER_RUNS, "prod_key"])
            .arg(&report)
            .output()
            .expect("run agentcred");
        let _ = Command::new("kill").arg(victim.id().to_string()).status();
        let _ = victim.wait();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{user:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&report).expect("the program's report");
        assert!(text.ends_with("done\n"), "{user:?}: {text}");
        assert!(
            text.contains("TRIED"),
            "{user:?}: the other run's socket was not where the program looked: {text}"
        );
        assert!(
            !text.contains(value),
            "{user:?}: got the other run's secret: {text}"
        );
        assert!(
            !text.contains("\"ok\": true") && !text.contains("\"ok\":true"),
            "{user:?}: the other run answered: {text}"
        );
        util::assert_no_leak(&out.stdout, value);
    });
}

/// Runs `cmd` with a new pseudo-terminal as its controlling terminal (as a shell's job would) and,
/// once it has exited, prints what waits in that terminal's input: what the user's shell would
/// read next and run outside the sandbox.
const ON_A_TERMINAL: &str = r#"
import os, sys, termios, fcntl, select
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execvp(sys.argv[1], sys.argv[1:])
while True:
    r, _, _ = select.select([master], [], [], 0.05)
    if r:
        try:
            os.read(master, 4096)
        except OSError:
            pass
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
fl = fcntl.fcntl(slave, fcntl.F_GETFL)
fcntl.fcntl(slave, fcntl.F_SETFL, fl | os.O_NONBLOCK)
try:
    queued = os.read(slave, 4096)
except BlockingIOError:
    queued = b""
print("exit %d queued %r" % (os.waitstatus_to_exitcode(status), queued))
"#;

/// The program pushes a command into its terminal's input, one character at a time: with the
/// request as it is, and with bits set above the 32 the terminal driver reads.
const INJECT: &str = r#"
import fcntl, sys, termios
for request in (termios.TIOCSTI, (1 << 32) | termios.TIOCSTI):
    try:
        with open("/dev/tty", "rb", buffering=0) as tty:
            for c in b"echo INJECTED\n":
                fcntl.ioctl(tty, request, bytes([c]))
        print("BROKE pushed input into the terminal")
    except (OSError, OverflowError) as e:
        print("refused:", e)
"#;

#[test]
fn a_program_cannot_push_input_into_its_terminal() {
    let legacy = std::fs::read_to_string("/proc/sys/dev/tty/legacy_tiocsti");
    if legacy.is_ok_and(|t| t.trim() == "0") {
        eprintln!("this kernel refuses TIOCSTI to everyone: nothing to test");
        return;
    }
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let exec = fx.exec(&["--", "python3", "-c", INJECT]);
        let mut cmd = Command::new("python3");
        cmd.arg("-c")
            .arg(ON_A_TERMINAL)
            .arg(exec.get_program())
            .args(exec.get_args())
            .current_dir(fx.vault.root());
        for (k, v) in exec.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let out = cmd.output().expect("run agentcred on a terminal");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with("exit 0 queued"), "{user:?}: {text}");
        assert!(
            text.trim_end().ends_with("queued b''"),
            "{user:?}: the program left input for the shell: {text}"
        );
    });
}

/// The program stops every process of its process group, its supervisor included where the kernel
/// lets it, with a helper in a group of its own to wake it again, then runs on past its expiry,
/// appending to $1.
const STOP_THE_SUPERVISOR: &str = r#"
import os, signal, sys, time
report = sys.argv[1]
r, w = os.pipe()
if os.fork() == 0:
    os.setpgid(0, 0)
    os.write(w, b"x")
    time.sleep(0.3)
    os.kill(os.getppid(), signal.SIGCONT)
    os._exit(0)
os.read(r, 1)
os.kill(0, signal.SIGSTOP)
start = time.monotonic()
with open(report, "a", buffering=1) as f:
    while time.monotonic() - start < 20:
        f.write("alive %.1f\n" % (time.monotonic() - start))
        time.sleep(0.1)
    f.write("BROKE outlived its expiry\n")
"#;

/// Whether `pid` is stopped (state T).
fn stopped(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rfind(')')
            .and_then(|i| s[i + 1..].split_whitespace().next())
            .is_some_and(|state| state == "T")
    })
}

#[test]
fn a_program_that_stops_its_supervisor_still_ends_soon_after_its_expiry() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let report = fx.path("stop-report");
        let started = Instant::now();
        let mut run = fx
            .exec(&[
                "--ttl",
                "1s",
                "--on-expiry",
                "kill",
                "--",
                "python3",
                "-c",
                STOP_THE_SUPERVISOR,
            ])
            .arg(&report)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // In a group of its own, as a shell starts a job: the program stops its whole group.
            .process_group(0)
            .spawn()
            .expect("start agentcred");
        let supervisor = run.id();
        let report_text = || std::fs::read_to_string(&report).unwrap_or_default();
        while !report_text().contains("alive") {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{user:?}: the program never ran"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Where the kernel can scope signals to the sandbox, the program cannot stop its
        // supervisor; something outside still can (Ctrl-Z, another process of the user), and it
        // is stopped from here to try the init's backstop all the same.
        let start = fx.entries("exec.start");
        let scoped = start.last().expect("exec.start")["details"]["sandbox"] == "on";
        if scoped {
            assert!(
                !stopped(supervisor),
                "{user:?}: the program stopped its supervisor despite the Landlock scope"
            );
            let _ = Command::new("kill")
                .args(["-STOP", &supervisor.to_string()])
                .status();
        }
        while !stopped(supervisor) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{user:?}: the supervisor was never stopped"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The expiry (1 s), the margin the init allows the supervisor (2 s), and slack.
        std::thread::sleep(Duration::from_secs(6).saturating_sub(started.elapsed()));
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let then = size(&report);
        std::thread::sleep(Duration::from_secs(1));
        let now = size(&report);
        let still_stopped = stopped(supervisor);
        let _ = Command::new("kill")
            .args(["-CONT", &supervisor.to_string()])
            .status();
        let status = run.wait().expect("wait for agentcred");
        let text = std::fs::read_to_string(&report).unwrap_or_default();
        assert!(still_stopped, "{user:?}: the supervisor woke up on its own");
        assert!(
            text.contains("alive"),
            "{user:?}: the program never ran: {text}"
        );
        assert_eq!(
            then, now,
            "{user:?}: the program still runs 6 s after a 1 s credential expired"
        );
        assert!(!text.contains("BROKE"), "{user:?}: {text}");
        assert_ne!(status.code(), Some(0), "{user:?}");
    });
}

/// The children of `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("read /proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
                s.rfind(')')
                    .and_then(|i| s[i + 1..].split_whitespace().nth(1))
                    .and_then(|pp| pp.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

#[test]
fn the_sandbox_init_holds_no_copy_of_a_key_given_in_the_environment() {
    // The init is briefly open to its user's processes while it sets up (to write its user id
    // maps); whatever it holds then, another process of the user can read from /proc. Read from
    // outside, here, as root can at any time.
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let key = std::fs::read_to_string(&fx.key_file).expect("read the key file");
        let key = key.trim();
        let ready = fx.path("init-ready");
        let mut run = fx
            .exec(&["--", "sh", "-c", "echo > \"$1\"; sleep 5", "sh"])
            .arg(&ready)
            .env_remove("AGENTCRED_KEY_FILE")
            .env("AGENTCRED_KEY", key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start agentcred");
        wait_for_file(&ready);
        let supervisor = run.id();
        let inits = children_of(supervisor);
        let environs: Vec<Vec<u8>> = inits
            .iter()
            .filter_map(|p| std::fs::read(format!("/proc/{p}/environ")).ok())
            .collect();
        let _ = Command::new("kill").arg(supervisor.to_string()).status();
        let _ = run.wait();
        assert!(
            !environs.is_empty(),
            "{user:?}: no init under the supervisor"
        );
        for env in &environs {
            util::assert_no_leak(env, key);
        }
    });
}

#[test]
fn the_vault_and_the_key_are_hidden_wherever_else_they_are_mounted() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("needs root to bind-mount the vault's parent elsewhere: skipped");
        return;
    }
    as_each_user(|user| {
        let fx = Fixture::new(user);
        // The directory holding the vault and the key, mounted a second time (as a home or a
        // volume is in a container), in a mount namespace of the test's own.
        let alt = tempfile::tempdir().expect("a mount point");
        std::fs::set_permissions(alt.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let key_name = fx.key_file.file_name().expect("a key file name");
        let exec = fx.exec(&[
            "--",
            "sh",
            "-c",
            "for f in \"$1/vault/vault.toml\" \"$1/vault/vault.age\" \"$1/$2\"; do \
               grep -q . \"$f\" && echo \"BROKE read $f\"; done; ls -A \"$1/vault\"; echo done",
            "sh",
        ]);
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"")
            .arg("sh")
            .arg(fx.vault.root())
            .arg(alt.path())
            .arg(exec.get_program())
            .args(exec.get_args())
            .arg(alt.path())
            .arg(key_name)
            .current_dir(fx.vault.root());
        for (k, v) in exec.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let out = cmd.output().expect("run agentcred");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{user:?}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.ends_with("done\n"), "{user:?}: {text}");
        assert!(!text.contains("BROKE"), "{user:?}: {text}");
        assert!(
            !text.contains("vault.age") && !text.contains("audit.jsonl"),
            "{user:?}: listed the vault: {text}"
        );
    });
}

/// A terminal multiplexer of the same user runs whatever it is told outside the sandbox: the
/// program asks the user's tmux server to read the vault for it. Its socket directory is covered.
#[test]
fn a_program_cannot_have_a_tmux_server_of_its_user_read_the_vault() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("no tmux: skipped");
        return;
    }
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let server = format!("agentcred-test-{}", std::process::id());
        let as_user = |args: &[&str]| {
            let mut c = match user {
                Some((uid, gid)) => {
                    let mut c = Command::new("setpriv");
                    c.args([
                        &format!("--reuid={uid}"),
                        &format!("--regid={gid}"),
                        "--clear-groups",
                        "--",
                        "tmux",
                    ]);
                    c
                }
                None => Command::new("tmux"),
            };
            c.args(["-L", &server]).args(args);
            c.status().expect("run tmux")
        };
        assert!(as_user(&["new-session", "-d", "sleep 60"]).success());
        let out = fx.path("via-tmux");
        let status = fx
            .exec(&[
                "--",
                "sh",
                "-c",
                "tmux -L \"$1\" new-window -d \"cat '$2/vault.toml' > '$3'\"; sleep 1",
                "sh",
                &server,
            ])
            .arg(fx.vault.dir())
            .arg(&out)
            .status()
            .expect("run agentcred");
        let _ = as_user(&["kill-server"]);
        assert_eq!(status.code(), Some(0), "{user:?}");
        let got = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(
            got.is_empty(),
            "{user:?}: read vault.toml through tmux: {got}"
        );
    });
}

/// A service of the same user that runs commands for whoever connects (as the systemd user
/// manager, a D-Bus session bus or a display server do) listens in the runtime directory, at the
/// path the session bus address names, and on an abstract socket. The program tries all three;
/// none answers it inside the sandbox (the same program without the sandbox reaches each, so the
/// service works), and nothing ran for it outside.
#[test]
fn a_program_cannot_reach_a_service_of_its_user_that_runs_commands() {
    const SERVICE: &str = r#"
import os, socket, sys, threading
out, target, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def serve(name, s):
    while True:
        c, _ = s.accept()
        tag = name.replace("/", "_").replace("@", "abstract")
        with open(os.path.join(out, "escaped" + tag), "w") as f:
            f.write(open(target).read())
        c.sendall(b"ran")
        c.close()
for name in names:
    s = socket.socket(socket.AF_UNIX)
    s.bind("\0" + name[1:] if name.startswith("@") else name)
    s.listen()
    threading.Thread(target=serve, args=(name, s), daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"#;
    const CLIENT: &str = r#"
import socket, sys
for name in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect("\0" + name[1:] if name.startswith("@") else name)
        print("REACHED", name, s.recv(8))
    except OSError as e:
        print("refused", name, e.errno)
"#;
    use std::io::BufRead;
    // The system's own, which every user can run (a version manager's shim may not be).
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("python3");
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let runtime = fx.path("runtime");
        let bus_dir = fx.path("dbus-session");
        let caught = fx.path("caught");
        for d in [&runtime, &bus_dir, &caught] {
            std::fs::create_dir(d).unwrap();
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
            if let Some((uid, gid)) = user {
                std::os::unix::fs::chown(d, Some(uid), Some(gid)).unwrap();
            }
        }
        let manager = runtime.join("systemd-private");
        let bus = bus_dir.join("bus");
        let abstract_name = format!("@agentcred-test-service-{}", std::process::id());
        let names = [
            manager.display().to_string(),
            bus.display().to_string(),
            abstract_name.clone(),
        ];
        let mut service = match user {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={uid}"),
                    &format!("--regid={gid}"),
                    "--clear-groups",
                    "--",
                    python,
                ]);
                c
            }
            None => Command::new(python),
        };
        let mut service = service
            .args(["-c", SERVICE])
            .arg(&caught)
            .arg(fx.vault.dir().join("vault.toml"))
            .args(&names)
            .current_dir(fx.vault.root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the service");
        let mut ready = String::new();
        std::io::BufReader::new(service.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "{user:?}");
        let attempt = |extra: &[&str]| {
            let mut args = extra.to_vec();
            args.extend(["--", python, "-c", CLIENT]);
            args.extend(names.iter().map(String::as_str));
            let out = fx
                .exec(&args)
                .env("XDG_RUNTIME_DIR", &runtime)
                .env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}", bus.display()),
                )
                .output()
                .expect("run agentcred");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{user:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };

        let inside = attempt(&[]);
        assert_eq!(inside.matches("refused").count(), 3, "{user:?}: {inside}");
        assert!(!inside.contains("REACHED"), "{user:?}: {inside}");
        let escaped: Vec<_> = std::fs::read_dir(&caught).unwrap().flatten().collect();
        assert!(
            escaped.is_empty(),
            "{user:?}: a service ran for the program: {escaped:?}"
        );
        let start = fx.entries("exec.start");
        assert_eq!(
            start.last().unwrap()["details"]["sandbox"],
            "on",
            "{user:?}"
        );

        let outside = attempt(&["--no-sandbox"]);
        assert_eq!(outside.matches("REACHED").count(), 3, "{user:?}: {outside}");
        assert_eq!(std::fs::read_dir(&caught).unwrap().count(), 3, "{user:?}");

        drop(service.stdin.take());
        let _ = service.kill();
        let _ = service.wait();
    });
}

/// `[exec] hide` names a link to a directory (as dotfile managers leave them): the directory is
/// covered like any other, the run is sandboxed, and the program sees nothing in it.
#[test]
fn a_hidden_path_given_as_a_link_to_a_directory_is_covered() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let private = fx.path("private-notes");
        std::fs::create_dir(&private).unwrap();
        std::fs::write(private.join("note"), "a note the agent must not read").unwrap();
        let link = fx.path("notes-link");
        std::os::unix::fs::symlink(&private, &link).unwrap();
        if let Some((uid, gid)) = user {
            for p in [&private, &private.join("note")] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
            }
            std::os::unix::fs::lchown(&link, Some(uid), Some(gid)).unwrap();
        }
        let config = fx.vault.path("config.toml");
        std::fs::write(
            &config,
            format!("[exec]\nhide = [\"{}\"]\n", link.display()),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&config, Some(uid), Some(gid)).unwrap();
        }
        let out = fx
            .exec(&[
                "--",
                "sh",
                "-c",
                "cat \"$1\"/note; ls -A \"$1\"; echo done",
                "sh",
            ])
            .arg(&private)
            .output()
            .expect("run agentcred");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{user:?}: {said} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!said.contains("must not read"), "{user:?}: {said}");
        assert_eq!(said.trim(), "done", "{user:?}: {said}");
        let start = fx.entries("exec.start");
        assert_eq!(
            start.last().unwrap()["details"]["sandbox"],
            "on",
            "{user:?}"
        );
    });
}

/// Another user leaves a link at /tmp/.X11-unix (pointing at `/`, or at a directory it keeps
/// swapping). The sandbox does not take it for the X11 socket directory: it neither covers `/`
/// (which would leave no place for the run socket) nor fails a mount and runs unsandboxed.
#[test]
fn a_link_another_user_leaves_at_the_x11_directory_changes_nothing() {
    let x11 = Path::new("/tmp/.X11-unix");
    if std::fs::symlink_metadata(x11).is_ok() {
        eprintln!("/tmp/.X11-unix exists here: skipped");
        return;
    }
    if !rustix::process::geteuid().is_root() {
        eprintln!("needs root to act as another user: skipped");
        return;
    }
    let planted = Command::new("setpriv")
        .args([
            "--reuid=65533",
            "--regid=65533",
            "--clear-groups",
            "--",
            "ln",
            "-s",
            "/",
        ])
        .arg(x11)
        .status()
        .expect("run setpriv");
    assert!(planted.success());
    struct Remove;
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file("/tmp/.X11-unix");
        }
    }
    let _remove = Remove;
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let out = fx
            .exec(&["--", "sh", "-c", "cat \"$1\"/vault.toml; echo done", "sh"])
            .arg(fx.vault.dir())
            .output()
            .expect("run agentcred");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{user:?}: {said} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(said.trim(), "done", "{user:?}: read the vault: {said}");
        let start = fx.entries("exec.start");
        assert_eq!(
            start.last().unwrap()["details"]["sandbox"],
            "on",
            "{user:?}"
        );
    });
}
