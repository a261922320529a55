//! One step of the demo: a command line shown, then run as a separate process.

use std::process::{Command, Stdio};

use crate::cmd::Ctx;
use crate::error::{Error, Result};

use super::say;

pub(super) struct Demo<'a> {
    pub(super) ctx: &'a Ctx,
    pub(super) exe: std::path::PathBuf,
    pub(super) vault: std::path::PathBuf,
    pub(super) passphrase_file: std::path::PathBuf,
}

impl Demo<'_> {
    /// Runs `agentcred ARGS` as the admin, with nothing on stdin, showing the command line.
    pub(super) fn admin(&self, args: &[&str]) -> Result<String> {
        self.run(args, None, &[], true)
    }

    /// Runs `agentcred ARGS` as the holder of the agent key in `key_file`, nothing on stdin.
    pub(super) fn as_key(&self, args: &[&str], key_file: &str) -> Result<String> {
        self.run(args, None, &[("AGENTCRED_KEY_FILE", key_file)], false)
    }

    /// Runs `agentcred ARGS` as the admin (or with `env` overrides), showing the command line.
    pub(super) fn run(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
        admin: bool,
    ) -> Result<String> {
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.contains(' ') {
                    format!("'{a}'")
                } else {
                    (*a).to_string()
                }
            })
            .collect();
        let prefix: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        say(
            self.ctx,
            &format!("$ {prefix}agentcred {}", shown.join(" ")),
        );
        let mut cmd = Command::new(&self.exe);
        cmd.args(args)
            .env("AGENTCRED_HOME", &self.vault)
            .env("NO_COLOR", "1")
            .env_remove("AGENTCRED_PASSPHRASE")
            .env_remove("AGENTCRED_IDENTITY")
            .env_remove("AGENTCRED_KEY")
            .env_remove("AGENTCRED_KEY_FILE")
            .env_remove("AGENTCRED_CREDENTIAL_ID")
            .env_remove("AGENTCRED_TOKEN")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if admin {
            cmd.env("AGENTCRED_PASSPHRASE_FILE", &self.passphrase_file);
        } else {
            cmd.env_remove("AGENTCRED_PASSPHRASE_FILE");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::other(format!("cannot run agentcred again: {e}")).with_source(e))?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(text.as_bytes())
                .map_err(|e| Error::other(format!("cannot feed the demo: {e}")).with_source(e))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| Error::other(format!("cannot run agentcred again: {e}")).with_source(e))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        for line in stdout.lines().chain(stderr.lines()) {
            say(self.ctx, &format!("  {line}"));
        }
        let code = out.status.code().unwrap_or(1);
        say(self.ctx, &format!("  (exit {code})"));
        Ok(stdout)
    }
}
