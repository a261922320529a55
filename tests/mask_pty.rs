//! `exec --mask` on a terminal: the program runs on a pseudo-terminal of its own, so it still
//! sees a terminal of the right size (and a new size when the window changes), keystrokes reach
//! it, what it prints is masked on the way to ours, its exit status passes through and our
//! terminal is given back as it was. With stdout not a terminal, output is piped and masked as
//! before.
//!
//! Driven on a real pseudo-terminal by Python's `pty` module, with the sandbox on as it is by
//! default; as the user running the tests and, when that is root, as an unprivileged uid through
//! `setpriv`.

mod util;

use util::{as_each_user, shared_bin};

use std::process::Command;

use util::{TestVault, assert_no_leak, random_secret};

const AGENT: &str = "runner";
const SECRET: &str = "api_token";
const VAR: &str = "API_TOKEN";

/// Runs `sh -c COMMAND` on a pseudo-terminal of ROWS x COLS and plays the steps: wait for the
/// text on the left, then either type the text on the right or, for `@resize R C`, change the
/// terminal's size. Prints what the terminal showed, then `[exit N]`.
const DRIVER: &str = r#"
import fcntl, os, pty, select, signal, struct, sys, termios, time
rows, cols, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
steps = list(zip(sys.argv[4::2], sys.argv[5::2]))
pid, fd = pty.fork()
if pid == 0:
    # As a login shell on a terminal has them, whatever the test runner inherited.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp("sh", ["sh", "-c", command])
out = b""
seen = 0
def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    out += data
    return bool(data)
def finish(note=""):
    deadline = time.time() + 30
    while pump(0.1) and time.time() < deadline:
        pass
    if time.time() >= deadline:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace") + note)
    sys.stdout.write("\n[exit %d]\n" % os.waitstatus_to_exitcode(status))
    sys.exit(0)
for expect, reply in steps:
    want = expect.encode()
    deadline = time.time() + 30
    while out.find(want, seen) < 0:
        if time.time() > deadline or not pump(0.1):
            os.kill(pid, signal.SIGKILL)
            finish("\n[timeout waiting for %r]" % expect)
    seen = out.find(want, seen) + len(want)
    if reply.startswith("@resize "):
        r, c = map(int, reply.split()[1:])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
    else:
        os.write(fd, reply.encode())
finish()
"#;

/// A vault with one agent holding one secret, owned by `user` (or whoever runs the tests).
struct Fixture {
    vault: TestVault,
    value: String,
    user: Option<(u32, u32)>,
}

/// What the terminal showed, and the exit status of the command run on it.
struct Shown {
    text: String,
    code: i32,
}

impl Fixture {
    fn new(user: Option<(u32, u32)>) -> Fixture {
        let vault = TestVault::new();
        let value = random_secret();
        vault.run(&["agent", "add", AGENT]).code(0);
        vault.set_secret(SECRET, &value).code(0);
        vault.run(&["grant", AGENT, SECRET]).code(0);
        if let Some((uid, gid)) = user {
            let chown = Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(vault.root())
                .status()
                .expect("run chown");
            assert!(chown.success(), "chown failed");
        }
        Fixture { vault, value, user }
    }

    /// Runs `script` under `sh` on a terminal of `rows` x `cols`, where `agentcred` is this
    /// build's binary (as this fixture's user) with this vault's passphrase file.
    fn on_terminal(&self, (rows, cols): (u16, u16), script: &str, steps: &[(&str, &str)]) -> Shown {
        let runner = match self.user {
            Some((uid, gid)) => format!(
                "setpriv --reuid={uid} --regid={gid} --clear-groups -- '{}'",
                shared_bin().display()
            ),
            None => format!("'{}'", util::bin().display()),
        };
        let script = format!("agentcred() {{ {runner} \"$@\"; }}; {script}");
        let mut cmd = Command::new("python3");
        cmd.arg("-c")
            .arg(DRIVER)
            .arg(rows.to_string())
            .arg(cols.to_string())
            .arg(script);
        for (expect, reply) in steps {
            cmd.args([expect, reply]);
        }
        let inner = self.vault.command();
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.current_dir(self.vault.root());
        let out = cmd.output().expect("run python3");
        assert!(
            out.status.success(),
            "the driver failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (shown, last) = text
            .trim_end()
            .rsplit_once('\n')
            .unwrap_or(("", text.trim_end()));
        let code = last
            .strip_prefix("[exit ")
            .and_then(|c| c.strip_suffix(']'))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no exit status in:\n{text}"));
        assert_no_leak(text.as_bytes(), &self.value);
        Shown {
            text: shown.to_string(),
            code,
        }
    }
}

/// Saves the terminal's modes, runs `inner`, and says whether they are the same afterwards.
fn keeping_modes(inner: &str) -> String {
    format!(
        "before=$(stty -g); {inner}; code=$?; \
         if [ \"$(stty -g)\" = \"$before\" ]; then echo MODES-RESTORED; else echo MODES-CHANGED; fi; \
         exit $code"
    )
}

#[test]
fn under_mask_the_program_sees_a_terminal_of_the_right_size_and_its_value_masked() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        // The value is printed whole, and split across two writes a little apart.
        let program = fx.vault.root().join("program.sh");
        std::fs::write(
            &program,
            format!(
                "test -t 0 && test -t 1 && test -t 2 && echo ALL-TERMINALS; tty\n\
                 echo \"size: $(stty size)\"; echo \"value: ${VAR}\"\n\
                 printf 'split: %s' \"$(printf %s \"${VAR}\" | head -c 9)\"; sleep 0.2\n\
                 printf '%s|\\n' \"$(printf %s \"${VAR}\" | tail -c +10)\"; exit 7\n"
            ),
        )
        .expect("write the program");
        let shown = fx.on_terminal(
            (33, 97),
            &keeping_modes(&format!(
                "agentcred exec --agent {AGENT} --mask -- sh {}",
                program.display()
            )),
            &[],
        );
        let text = &shown.text;
        assert_eq!(shown.code, 7, "{text}");
        assert!(text.contains("ALL-TERMINALS"), "{text}");
        assert!(text.contains("/dev/pts/"), "{text}");
        assert!(text.contains("size: 33 97"), "{text}");
        assert!(text.contains("value: ********"), "{text}");
        assert!(text.contains("split: ********|"), "{text}");
        assert!(text.contains("MODES-RESTORED"), "{text}");
        // The sandbox was on: the run recorded it so.
        let start = fx
            .vault
            .audit_lines()
            .into_iter()
            .rev()
            .find(|e| e["action"] == "exec.start")
            .expect("exec.start");
        let sandbox = start["details"]["sandbox"].as_str().unwrap_or_default();
        assert!(sandbox == "on" || sandbox.starts_with("on"), "{start}");
    });
}

#[test]
fn a_new_window_size_reaches_the_program() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let program = "trap \"echo resized: \\$(stty size); exit 3\" WINCH; \
                       echo \"first: $(stty size)\"; while :; do sleep 0.05; done";
        let shown = fx.on_terminal(
            (33, 97),
            &keeping_modes(&format!(
                "agentcred exec --agent {AGENT} --mask -- sh -c '{program}'"
            )),
            &[("first: 33 97", "@resize 41 123")],
        );
        let text = &shown.text;
        assert!(text.contains("resized: 41 123"), "{text}");
        assert_eq!(shown.code, 3, "{text}");
        assert!(text.contains("MODES-RESTORED"), "{text}");
    });
}

/// Keystrokes reach the program through its terminal: a line it reads, and Ctrl-C, which its
/// terminal turns into SIGINT for it (130), while agentcred's own terminal is in raw mode.
#[test]
fn keystrokes_and_ctrl_c_reach_the_program_and_the_terminal_is_restored() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        // "waiting" is printed by the process Ctrl-C must reach, once it is running.
        let program = fx.vault.root().join("program.sh");
        std::fs::write(
            &program,
            "printf 'ask> '; read -r line; echo \"got: $line\"\n\
             exec /usr/bin/python3 -c 'import signal, time\n\
             signal.signal(signal.SIGINT, signal.SIG_DFL)\n\
             print(\"waiting\", flush=True)\n\
             time.sleep(30)\n\
             print(\"not-interrupted\")'\n",
        )
        .expect("write the program");
        let shown = fx.on_terminal(
            (24, 80),
            &keeping_modes(&format!(
                "agentcred exec --agent {AGENT} --mask -- sh {}",
                program.display()
            )),
            &[("ask> ", "hello there\r"), ("waiting", "\x03")],
        );
        let text = &shown.text;
        assert!(text.contains("got: hello there"), "{text}");
        assert!(!text.contains("not-interrupted"), "{text}");
        assert_eq!(shown.code, 130, "{text}");
        assert!(text.contains("MODES-RESTORED"), "{text}");
        let end = fx
            .vault
            .audit_lines()
            .into_iter()
            .rev()
            .find(|e| e["action"] == "exec.end")
            .expect("exec.end");
        assert_eq!(end["details"]["signal"], 2, "{end}");
    });
}

/// A value typed at the terminal is echoed by the program's terminal: masked too.
#[test]
fn a_value_typed_at_the_terminal_is_masked_in_its_echo() {
    let fx = Fixture::new(None);
    let shown = fx.on_terminal(
        (24, 80),
        &format!(
            "agentcred exec --agent {AGENT} --mask -- sh -c 'printf \"say> \"; read -r l; exit 0'"
        ),
        &[("say> ", &format!("{}\r", fx.value))],
    );
    assert_eq!(shown.code, 0, "{}", shown.text);
    assert!(shown.text.contains("say> ********"), "{}", shown.text);
}

/// stdin piped while stdout is the terminal: the program reads the pipe as it is (its end of
/// file included) and still writes to a terminal.
#[test]
fn a_piped_stdin_stays_a_pipe_while_output_goes_to_a_terminal() {
    let fx = Fixture::new(None);
    let program = "test -t 0 || echo STDIN-NOT-A-TERMINAL; test -t 1 && echo STDOUT-A-TERMINAL; \
                   cat; echo after-eof";
    let shown = fx.on_terminal(
        (24, 80),
        &keeping_modes(&format!(
            "printf \"one\\ntwo\\n\" | agentcred exec --agent {AGENT} --mask -- sh -c '{program}'"
        )),
        &[],
    );
    let text = &shown.text;
    assert_eq!(shown.code, 0, "{text}");
    assert!(text.contains("STDIN-NOT-A-TERMINAL"), "{text}");
    assert!(text.contains("STDOUT-A-TERMINAL"), "{text}");
    assert!(
        text.replace('\r', "").contains("one\ntwo\nafter-eof"),
        "{text}"
    );
    assert!(text.contains("MODES-RESTORED"), "{text}");
}

/// Without --mask nothing changes: the program shares agentcred's terminal, as before.
#[test]
fn without_mask_the_program_shares_the_terminal() {
    let fx = Fixture::new(None);
    let shown = fx.on_terminal(
        (33, 97),
        &format!("tty; agentcred exec --agent {AGENT} -- sh -c 'tty; echo \"size: $(stty size)\"'"),
        &[],
    );
    let text = &shown.text;
    // The name the shell printed, then the same name printed by the program.
    let ttys: Vec<&str> = text
        .match_indices("/dev/pts/")
        .map(|(i, _)| text[i..].split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(ttys.len(), 2, "{text}");
    assert_eq!(ttys[0], ttys[1], "{text}");
    assert!(text.contains("size: 33 97"), "{text}");
}

/// stdout piped (not a terminal): --mask pipes and masks as it always has.
#[test]
fn with_stdout_piped_mask_still_masks() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let shown = fx.on_terminal(
            (24, 80),
            &format!(
                "agentcred exec --agent {AGENT} --mask -- sh -c \
                 'test -t 1 || echo NOT-A-TERMINAL; echo \"value: ${VAR}\"; exit 5' | cat; \
                 exit ${{PIPESTATUS:-0}}"
            ),
            &[],
        );
        let text = &shown.text;
        assert!(text.contains("NOT-A-TERMINAL"), "{text}");
        assert!(text.contains("value: ********"), "{text}");
    });
    // And outside any terminal, the exit status passes through.
    let fx = Fixture::new(None);
    let out = fx
        .vault
        .run(&[
            "exec",
            "--agent",
            AGENT,
            "--mask",
            "--",
            "sh",
            "-c",
            &format!("test -t 1 || echo NOT-A-TERMINAL; echo \"value: ${VAR}\"; exit 5"),
        ])
        .code(5);
    let stdout = util::stdout(&out);
    assert_eq!(stdout, "NOT-A-TERMINAL\nvalue: ********\n");
    assert_no_leak(&out.get_output().stderr, &fx.value);
}

/// SIGTERM sent to agentcred while the program runs on its pseudo-terminal (and our terminal is
/// raw): passed on to the program, whose end (143) agentcred returns, with our terminal's modes
/// given back.
#[test]
fn sigterm_to_agentcred_ends_the_program_and_restores_the_terminal() {
    as_each_user(|user| {
        let fx = Fixture::new(user);
        let ready = fx.vault.root().join("ready");
        let program = format!(
            "trap 'echo got-term; exit 143' TERM; touch {}; while :; do sleep 0.05; done",
            ready.display()
        );
        // agentcred runs in the foreground (its terminal raw); a job of the same shell sends
        // the signal once the program runs.
        let script = keeping_modes(&format!(
            "(until [ -e {ready} ]; do sleep 0.05; done; pkill -TERM -P $$ -x agentcred) & \
             agentcred exec --agent {AGENT} --mask -- sh -c \"{program}\"",
            ready = ready.display()
        ));
        let shown = fx.on_terminal((24, 80), &script, &[]);
        let text = &shown.text;
        assert!(text.contains("got-term"), "{text}");
        assert_eq!(shown.code, 143, "{text}");
        assert!(text.contains("MODES-RESTORED"), "{text}");
    });
}

/// The credential expiring under a program on its pseudo-terminal: the warning shows on our
/// terminal as a whole line, `--on-expiry` acts as it always has, and the modes come back.
#[test]
fn expiry_under_mask_on_a_terminal_acts_as_without_one() {
    let fx = Fixture::new(None);
    let shown = fx.on_terminal(
        (24, 80),
        &keeping_modes(&format!(
            "agentcred exec --agent {AGENT} --mask --ttl 1s --on-expiry kill -- \
             sh -c 'echo started; sleep 20; echo survived'"
        )),
        &[],
    );
    let text = &shown.text;
    assert_eq!(shown.code, 137, "{text}");
    assert!(text.contains("started"), "{text}");
    assert!(!text.contains("survived"), "{text}");
    assert!(
        text.contains("\r\nagentcred: the credential has expired; killing the program\r\n")
            || text.contains("\nagentcred: the credential has expired; killing the program\r\n"),
        "{text:?}"
    );
    assert!(text.contains("MODES-RESTORED"), "{text}");
}

/// In the background of a job-control shell agentcred leaves its terminal alone (no raw mode,
/// nothing read from it): the program still has a terminal of its own, on stdin too.
#[test]
fn in_the_background_the_terminal_is_left_alone() {
    let fx = Fixture::new(None);
    let shown = fx.on_terminal(
        (33, 97),
        &keeping_modes(&format!(
            "set -m; agentcred exec --agent {AGENT} --mask -- sh -c \
             'test -t 0 && test -t 1 && echo ALL-TERMINALS; echo \"size: $(stty size)\"; exit 4' & \
             wait $!"
        )),
        &[],
    );
    let text = &shown.text;
    assert_eq!(shown.code, 4, "{text}");
    assert!(text.contains("ALL-TERMINALS"), "{text}");
    assert!(text.contains("size: 33 97"), "{text}");
    assert!(text.contains("MODES-RESTORED"), "{text}");
}
