//! The credential helpers' command lines: the protocols git, the AWS SDKs, docker and kubectl use
//! to ask a program for a credential on each call.

use clap::{Args, ValueEnum};

use crate::duration;

/// The agent a helper mints for: `--agent`, else `AGENTCRED_AGENT`, else (for the admin unlock)
/// `[helpers] agent` in the vault's config.toml; an agent key needs none of them.
#[derive(Debug, Args)]
pub struct HelperAgentArgs {
    /// The agent (with an agent key: the key's agent, the default) [default: $AGENTCRED_AGENT,
    /// else `[helpers] agent` in config.toml]
    #[arg(long, value_name = "AGENT", env = "AGENTCRED_AGENT")]
    pub agent: Option<String>,
    /// Lifetime of each credential minted, e.g. 1h [default: the agent's default TTL]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub ttl: Option<chrono::Duration>,
}

#[derive(Debug, Args)]
pub struct GitCredentialArgs {
    #[command(flatten)]
    pub who: HelperAgentArgs,
    /// Serve this secret for every host git asks about (scope the helper to a URL in git's
    /// config) [default: the granted secret bound to the host, else named after it]
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
    /// The user name to answer with [default: the one git sends, else x-access-token]
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// What git asks: get (answered), store and erase (accepted, nothing changes); any other
    /// word is ignored, as git's protocol asks
    #[arg(value_name = "OPERATION")]
    pub operation: String,
}

#[derive(Debug, Args)]
pub struct AwsCredentialArgs {
    #[command(flatten)]
    pub who: HelperAgentArgs,
    /// The secret holding the key pair, as JSON: {"AccessKeyId": …, "SecretAccessKey": …,
    /// "SessionToken": … (optional)}
    #[arg(long, value_name = "SECRET")]
    pub secret: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DockerAction {
    /// The credential for the registry whose server URL is on stdin
    Get,
    /// Accepted; nothing is stored
    Store,
    /// Accepted; nothing is erased
    Erase,
    /// The registries served, as {"SERVER": "USERNAME"}
    List,
}

#[derive(Debug, Args)]
pub struct DockerCredentialArgs {
    #[command(flatten)]
    pub who: HelperAgentArgs,
    /// The user name to answer with [default: x-access-token]
    #[arg(long, value_name = "NAME", env = "AGENTCRED_DOCKER_USERNAME")]
    pub username: Option<String>,
    /// What docker asks
    #[arg(value_enum, value_name = "ACTION")]
    pub action: DockerAction,
}

#[derive(Debug, Args)]
pub struct KubeCredentialArgs {
    #[command(flatten)]
    pub who: HelperAgentArgs,
    /// The secret holding the bearer token
    #[arg(long, value_name = "SECRET")]
    pub secret: String,
}
