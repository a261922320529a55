//! `config.toml`: optional user settings beside the vault (docs/DESIGN.md, "The vault's files").
//! Nothing secret lives here.
//!
//! ```toml
//! [anomaly]
//! warmup = 10          # active minutes before rate checks start
//! z = 3.5              # modified z-score of a burst
//! ratio = 2.0          # × the median, when the baseline has no spread
//! min_calls = 5
//! failure_min = 3
//! denial_burst = 5
//! max_age_days = 90
//! unused_days = 45
//!
//! [alerts]
//! command = "logger -t agentcred"   # receives each anomaly as JSON on stdin
//!
//! [audit]
//! witness = "/usr/local/bin/agentcred-witness"   # `put`: each signed checkpoint on stdin;
//!                                                # `get`: prints the latest it holds
//!
//! [exec]
//! sandbox = "required" # refuse to run a program where the sandbox cannot be set up (default "auto")
//! hide = ["/var/run/docker.sock", "~/.ssh"]  # also out of the program's reach in the sandbox
//!
//! [broker]
//! upstream_ca = "/etc/ssl/private-ca.pem"  # more roots to verify upstreams against (PEM)
//! egress = "bound"     # refuse connections to hosts no secret is bound to (default "open")
//!
//! [helpers]
//! agent = "ci"         # the credential helpers' agent when the admin unlocks and none is named
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::audit::anomaly::Thresholds;
use crate::error::{Error, Result};

pub const FILE: &str = "config.toml";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub anomaly: Thresholds,
    #[serde(default)]
    pub alerts: Alerts,
    #[serde(default)]
    pub audit: AuditSettings,
    #[serde(default)]
    pub exec: ExecSettings,
    #[serde(default)]
    pub broker: BrokerSettings,
    #[serde(default)]
    pub helpers: HelperSettings,
    #[serde(default)]
    pub openbao: crate::openbao::Settings,
}

/// `[broker]`: the defaults of `exec`'s broker (its flags win).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSettings {
    /// A PEM file of more roots to verify upstreams against (a private or test CA), besides
    /// the system's.
    pub upstream_ca: Option<std::path::PathBuf>,
    /// Whether connections to hosts no secret is bound to are tunnelled (`open`, the default)
    /// or refused (`bound`).
    pub egress: Option<Egress>,
}

/// What the broker does with a connection to a host no injected secret is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Egress {
    /// Tunnel it untouched: the program reaches it as without a broker, with no value.
    Open,
    /// Refuse it (403).
    Bound,
}

/// The credential helpers (`git-credential`, `docker-credential`, …).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelperSettings {
    /// The agent a helper mints for when the admin unlocks and neither `--agent` nor
    /// `AGENTCRED_AGENT` names one (docker runs its helper with no options).
    pub agent: Option<String>,
}

/// Where signed checkpoints are also kept, outside the vault (see `audit::witness`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Run with `sh -c` as `COMMAND put` (a checkpoint as JSON on stdin) after every signed
    /// checkpoint, and as `COMMAND get` by `audit verify --witness`.
    pub witness: Option<String>,
    /// Seconds to wait for the command before giving up on it.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecSettings {
    /// `exec`'s default when no `--sandbox` is given. There is no "off": turning the sandbox off
    /// takes `--no-sandbox` on each command line, where the audit entry records it.
    pub sandbox: Option<SandboxSetting>,
    /// More paths the sandbox hides besides the vault, the unlock files and the user's services:
    /// a directory gets an empty read-only tmpfs over it, anything else `/dev/null`. A leading
    /// `~/` is the home directory; a path that does not exist is left alone.
    #[serde(default)]
    pub hide: Vec<String>,
}

impl ExecSettings {
    /// [`ExecSettings::hide`] as paths, `~/` expanded.
    pub fn hide_paths(&self) -> Vec<std::path::PathBuf> {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        self.hide
            .iter()
            .filter_map(|p| match p.strip_prefix("~/") {
                Some(rest) => home.as_ref().map(|h| h.join(rest)),
                None => Some(std::path::PathBuf::from(p)),
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SandboxSetting {
    Auto,
    Required,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// Run with `sh -c`, once per anomaly, with the anomaly as JSON on stdin.
    pub command: Option<String>,
    /// Seconds to wait for the command before giving up on it.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            witness: None,
            timeout_secs: default_timeout(),
        }
    }
}

fn default_timeout() -> u64 {
    10
}

impl Settings {
    /// The vault's settings; defaults when there is no `config.toml`.
    pub fn load(dir: &Path) -> Result<Settings> {
        let path = dir.join(FILE);
        let text = match crate::vault::fsio::read_to_string_bounded(
            &path,
            crate::vault::fsio::MAX_SETTINGS,
        ) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(Error::io("cannot read", &path, e)),
        };
        toml::from_str(&text).map_err(|e| {
            Error::config(format!("{} is not valid: {}", path.display(), e.message())).hint(
                "see the comment at the top of `agentcred audit anomalies --help` for the keys",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_refuse_unknown_keys() {
        let s: Settings =
            toml::from_str("[anomaly]\nwarmup = 3\n[alerts]\ncommand = \"cat\"\n").unwrap();
        assert_eq!(s.anomaly.warmup, 3);
        assert_eq!(s.anomaly.z, 3.5);
        assert_eq!(s.alerts.command.as_deref(), Some("cat"));
        assert!(toml::from_str::<Settings>("[anomaly]\nwarm = 3\n").is_err());
        let s: Settings = toml::from_str("[exec]\nsandbox = \"required\"\n").unwrap();
        assert_eq!(s.exec.sandbox, Some(SandboxSetting::Required));
        assert!(toml::from_str::<Settings>("[exec]\nsandbox = \"off\"\n").is_err());
        let s: Settings =
            toml::from_str("[broker]\negress = \"bound\"\nupstream_ca = \"/ca.pem\"\n").unwrap();
        assert_eq!(s.broker.egress, Some(Egress::Bound));
        assert_eq!(s.broker.upstream_ca.as_deref(), Some(Path::new("/ca.pem")));
        assert!(toml::from_str::<Settings>("[broker]\negress = \"closed\"\n").is_err());
    }
}
