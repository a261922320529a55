//! Whether and how a run's program is sandboxed, decided before anything is minted: `off`
//! (`--no-sandbox`, or `--replace`, which leaves no supervisor to hold it), `on`, or where the
//! kernel refuses, `unavailable` (said once) or a refusal when the sandbox is required. The set-up
//! starts before any unlock input is read and runs alongside the unlock.

use std::path::{Path, PathBuf};

use super::record::UNSCOPED;
use super::sandbox::{self, Failure, Hide};
use crate::error::{Error, Result};

/// What the command line asks of the sandbox.
pub struct Wanted {
    /// `--sandbox MODE`: `Some(true)` for `required`.
    pub mode: Option<bool>,
    pub no_sandbox: bool,
    pub replace: bool,
    pub mask: bool,
    /// The unlock files named to this process, hidden from the program.
    pub unlock_files: Vec<PathBuf>,
}

/// The sandbox of a run, as decided.
pub struct Sandbox {
    /// `on`, `off` or `unavailable: REASON`: what exec.start records.
    pub state: String,
    /// The sandbox, being set up or waiting for the program.
    pub pending: Option<sandbox::Pending>,
    required: bool,
}

/// A sandbox decided, and the warning to show if it is not there.
pub type Decided = (Sandbox, Option<String>);

fn unavailable_warning(why: &str) -> String {
    format!("no sandbox ({why}): the program can reach the vault directory")
}

/// Decides the sandbox for a run of the vault at `vault_dir` and starts setting it up.
pub fn decide(vault_dir: &Path, wanted: &Wanted) -> Result<Decided> {
    let settings = crate::settings::Settings::load(vault_dir)?.exec;
    let required = match wanted.mode {
        Some(required) => required,
        None => settings.sandbox == Some(crate::settings::SandboxSetting::Required),
    };
    let off = |state: &str| Sandbox {
        state: state.to_string(),
        pending: None,
        required,
    };
    if wanted.no_sandbox {
        return Ok((off("off"), None));
    }
    if wanted.replace {
        if wanted.mode.is_some() || required {
            return Err(
                refuse_unsandboxed("--replace leaves no supervisor to hold a sandbox")
                    .hint("drop --replace, or pass --no-sandbox to run without the sandbox"),
            );
        }
        return Ok((off("off"), None));
    }
    let unavailable = |why: String| {
        if required {
            return Err(refuse_unsandboxed(&why));
        }
        Ok((
            off(&format!("unavailable: {why}")),
            Some(unavailable_warning(&why)),
        ))
    };
    if let Some(why) = sandbox::precheck() {
        return unavailable(why);
    }
    let hide = Hide::new(vault_dir, &wanted.unlock_files).services(&settings.hide_paths());
    match sandbox::prepare(wanted.mask, &hide) {
        Ok(pending) => Ok((
            Sandbox {
                state: "on".into(),
                pending: Some(pending),
                required,
            },
            None,
        )),
        Err(Failure::Unavailable(why)) => unavailable(why),
        Err(Failure::Other(e)) => Err(e),
    }
}

impl Sandbox {
    /// Waits for the set-up begun in [`decide`], and settles what exec.start records: called
    /// just before minting. Returns the warning to show if the sandbox turned out unavailable.
    pub fn settle(&mut self) -> Result<Option<String>> {
        let Some(pending) = self.pending.as_mut() else {
            return Ok(None);
        };
        match pending.ready() {
            Ok(()) => {
                if !pending.scoped() {
                    if self.required {
                        self.pending = None;
                        return Err(refuse_unsandboxed(
                            "this kernel cannot keep abstract sockets and signals inside it (Landlock scoping needs Linux 6.12)",
                        ));
                    }
                    self.state = UNSCOPED.to_string();
                }
                Ok(None)
            }
            Err(Failure::Unavailable(why)) => {
                self.pending = None;
                if self.required {
                    return Err(refuse_unsandboxed(&why));
                }
                self.state = format!("unavailable: {why}");
                Ok(Some(unavailable_warning(&why)))
            }
            Err(Failure::Other(e)) => {
                self.pending = None;
                Err(e)
            }
        }
    }
}

fn refuse_unsandboxed(why: &str) -> Error {
    Error::other(format!(
        "the sandbox is required but cannot be set up: {why}"
    ))
    .hint("run where user namespaces are allowed, or pass --no-sandbox to run without the sandbox")
}
