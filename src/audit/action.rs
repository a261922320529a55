//! The vocabulary of the audit log: every `action` a writer records, one name each. The names
//! are the log's format (docs/DESIGN.md, "The audit log"); readers compare against these
//! variants rather than spell the strings again, and a line with a name not here still reads.

use serde::{Serialize, Serializer};

macro_rules! actions {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// What an audit entry records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        pub enum Action {
            #[default]
            $($variant),*
        }

        impl Action {
            /// The name the log stores.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name),*
                }
            }

            /// The action a stored name stands for, if agentcred knows it.
            pub fn parse(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    VaultInit => "vault.init",
    IdentityExport => "identity.export",
    SessionUnlock => "session.unlock",
    IdentityRotateIssuer => "identity.rotate-issuer",
    IssuerRetire => "issuer.retire",
    RecipientAdd => "recipient.add",
    RecipientRemove => "recipient.remove",
    AgentAdd => "agent.add",
    AgentRemove => "agent.remove",
    AgentSuspend => "agent.suspend",
    AgentResume => "agent.resume",
    AgentEdit => "agent.edit",
    AgentEnvelope => "agent.envelope",
    SecretSet => "secret.set",
    SecretEdit => "secret.edit",
    SecretRotate => "secret.rotate",
    SecretRemove => "secret.remove",
    SecretRetire => "secret.retire",
    GrantAdd => "grant.add",
    GrantRevoke => "grant.revoke",
    GrantEdit => "grant.edit",
    PolicyApply => "policy.apply",
    KeyIssue => "key.issue",
    KeyRotate => "key.rotate",
    KeyRevoke => "key.revoke",
    KeyRetire => "key.retire",
    CredMint => "cred.mint",
    CredRevoke => "cred.revoke",
    Delegate => "delegate",
    Deny => "deny",
    Verify => "verify",
    ExecStart => "exec.start",
    ExecExpire => "exec.expire",
    ExecEnd => "exec.end",
    BrokerRequest => "broker.request",
    BrokerResponse => "broker.response",
    Anomaly => "anomaly",
    AuditCheckpoint => "audit.checkpoint",
    OpenbaoRevoke => "openbao.revoke",
    OpenbaoError => "openbao.error",
}

impl Action {
    /// One of the `exec.*` entries of a run.
    pub fn is_exec(self) -> bool {
        matches!(
            self,
            Action::ExecStart | Action::ExecExpire | Action::ExecEnd
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<Action> for str {
    fn eq(&self, other: &Action) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Action> for &str {
    fn eq(&self, other: &Action) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Action> for String {
    fn eq(&self, other: &Action) -> bool {
        self == other.as_str()
    }
}

/// What a refused call was attempting, as a `deny` entry's `details.attempted` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Mint,
    Exec,
    Delegate,
    SecretSet,
}

impl Attempt {
    pub fn as_str(self) -> &'static str {
        match self {
            Attempt::Mint => Action::CredMint.as_str(),
            Attempt::Exec => "exec",
            Attempt::Delegate => Action::Delegate.as_str(),
            Attempt::SecretSet => Action::SecretSet.as_str(),
        }
    }
}

impl Serialize for Attempt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn every_name_reads_back_as_its_action() {
        for a in [
            Action::VaultInit,
            Action::CredMint,
            Action::ExecEnd,
            Action::Deny,
        ] {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
        }
        assert_eq!(Action::parse("exec"), None);
    }
}
