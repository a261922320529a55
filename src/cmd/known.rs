//! Names checked against the vault's public, signed lists before any unlock: an agent the index
//! does not list, or a secret the public secret list does not, is reported as not found without
//! asking for a passphrase or running the key derivation. What the lists cannot tell (a vault
//! whose secret list was not written yet, a list that cannot be read) is left to the command,
//! which finds it after the unlock as before.

use crate::cmd::Ctx;
use crate::error::Result;
use crate::vault::Vault;
use crate::vault::state::{unknown_agent, unknown_secret};

impl Ctx {
    /// Refuses the first of `agents` the signed envelope index does not list.
    pub fn known_agents<'a>(
        &self,
        vault: &Vault,
        agents: impl IntoIterator<Item = &'a str>,
    ) -> Result<()> {
        let mut agents = agents.into_iter().peekable();
        if agents.peek().is_none() {
            return Ok(());
        }
        let Ok(index) = crate::envelope::Index::read(&vault.dir, &vault.config) else {
            return Ok(());
        };
        match agents.find(|a| index.generation_of(a).is_none()) {
            Some(a) => Err(unknown_agent(a)),
            None => Ok(()),
        }
    }

    /// Refuses the first of `secrets` the signed public secret list does not list.
    pub fn known_secrets<'a>(
        &self,
        vault: &Vault,
        secrets: impl IntoIterator<Item = &'a str>,
    ) -> Result<()> {
        let mut secrets = secrets.into_iter().peekable();
        if secrets.peek().is_none() {
            return Ok(());
        }
        let Ok(Some(names)) = crate::roster::secrets::read(&vault.dir, &vault.config) else {
            return Ok(());
        };
        match secrets.find(|s| !names.iter().any(|n| n == s)) {
            Some(s) => Err(unknown_secret(s)),
            None => Ok(()),
        }
    }
}

impl Ctx {
    /// The agent and secrets `mint`, `exec` and `delegate` name, checked before the unlock.
    pub fn known_scope(&self, vault: &Vault, scope: &crate::cli::ScopeArgs) -> Result<()> {
        self.known_agents(vault, scope.agent.as_deref())?;
        self.known_secrets(vault, scope.secrets.iter().map(String::as_str))
    }
}
