//! Revocation reaching a running program (docs/DESIGN.md, "Revocation during a run"): the
//! supervisor watches the revocation list and treats a revocation of any block of its run's
//! credential like expiry brought forward.
//!
//! Every way of revoking ends up as a line of `revoked.jsonl` (`creds revoke`, `key revoke`,
//! `grant revoke`, `agent suspend` and a suspension by the live checks revoke authorities or
//! credentials; the end of a rotation's overlap window is a line that takes effect from a time),
//! so that file is all there is to watch. Watching costs a `stat` of it every [`EVERY`]; only when
//! its size, modification time or inode changed, or a line read earlier falls due, is the list
//! loaded and checked the way `verify` checks it: with its chain held to the heads the audit log
//! and the agent index record, and each line's signature by a key entitled to revoke that block.
//! Nothing of this runs before the program starts, so a short run pays nothing for it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::credential::revocation::RevocationList;
use crate::sensitive::SecretText;
use crate::token::{self, TokenInfo};
use crate::vault::VaultToml;

/// How often the supervisor looks at the revocation list: a revocation reaches the program within
/// this (plus the time to load the list), well inside a second.
pub const EVERY: Duration = Duration::from_millis(250);

/// A revocation of the run's credential, as the supervisor found it.
#[derive(Clone, Debug)]
pub struct Revoked {
    /// The block revoked: the credential itself, one it was derived from, or its authority.
    pub id: String,
    /// Who signed the line: `admin`, `agent:NAME` or `holder`.
    pub by: String,
    /// The time the line took effect from, if it was written to take effect later.
    pub from: Option<String>,
    /// Whether `id` is the run's own credential (else its authority or a parent credential).
    pub own: bool,
}

impl Revoked {
    /// What the warning and the audit entry say revoked the credential.
    pub fn describe(&self) -> String {
        let what = match self.id.get(..3) {
            _ if self.own => "the credential",
            Some("au_") => "the agent's authority",
            _ => "a credential it was derived from",
        };
        let who = match self.by.as_str() {
            "admin" => "the admin".to_string(),
            "holder" => "the run that held it".to_string(),
            other => other
                .strip_prefix("agent:")
                .map_or_else(|| other.to_string(), |agent| format!("agent {agent}")),
        };
        match &self.from {
            Some(from) => format!(
                "{what} {} was revoked by {who} from {from} (the end of a rotation's overlap window)",
                self.id
            ),
            None => format!("{what} {} was revoked by {who}", self.id),
        }
    }
}

/// Watches the vault's revocation list for one run's credential.
pub struct Watch {
    dir: PathBuf,
    config: VaultToml,
    clock: Arc<dyn Clock>,
    /// The run's credential: its id, token and issue time.
    id: String,
    token: SecretText,
    issued_at: DateTime<Utc>,
    /// The token as `verify` reads it: its block ids, and the keys entitled to revoke them. Read
    /// on the first change, not before the program starts.
    info: Option<TokenInfo>,
    /// The list's size, modification time and inode when it was last loaded.
    seen: Option<(u64, Option<std::time::SystemTime>, u64)>,
    /// When a line already on the list takes effect for this credential.
    due: Option<DateTime<Utc>>,
    next_look: Instant,
}

impl Watch {
    /// A watch, from now, on `vault`'s list for the credential `issued`.
    pub fn of(
        vault: &crate::vault::Vault,
        clock: Arc<dyn Clock>,
        issued: &crate::credential::Issued,
    ) -> Watch {
        Watch::new(
            vault.dir.clone(),
            vault.config.clone(),
            clock,
            (
                issued.id.clone(),
                issued.token.clone(),
                issued.plan.issued_at,
            ),
            Instant::now(),
        )
    }

    /// A watch on `dir`'s list for the credential `id` (its `token`, issued at `issued_at`).
    pub fn new(
        dir: PathBuf,
        config: VaultToml,
        clock: Arc<dyn Clock>,
        (id, token, issued_at): (String, SecretText, DateTime<Utc>),
        started: Instant,
    ) -> Watch {
        let seen = stat(&RevocationList::path(&dir));
        // A line for one of this credential's blocks that takes effect later is on the list
        // already when the run starts inside a rotation's overlap window: look once at the start.
        let due = seen.map(|_| clock.now());
        Watch {
            dir,
            config,
            clock,
            id,
            token,
            issued_at,
            info: None,
            seen,
            due,
            next_look: started + EVERY,
        }
    }

    pub fn next_at(&self) -> Instant {
        self.next_look
    }

    /// Looks now, whether due or not (before a request an MCP client asked for).
    pub fn look_now(&mut self) -> Option<Revoked> {
        self.next_look = Instant::now();
        self.look()
    }

    /// Looks if due: `Some` once the credential is revoked.
    pub fn look(&mut self) -> Option<Revoked> {
        let now = Instant::now();
        if now < self.next_look {
            return None;
        }
        self.next_look = now + EVERY;
        let stamp = stat(&RevocationList::path(&self.dir));
        let changed = stamp != self.seen;
        let clock_now = self.clock.now();
        let due = self.due.is_some_and(|d| d <= clock_now);
        if !changed && !due {
            return None;
        }
        self.seen = stamp;
        self.check(clock_now)
    }

    /// Loads the list and checks every block of the credential against it, as `verify` does.
    fn check(&mut self, now: DateTime<Utc>) -> Option<Revoked> {
        if self.info.is_none() {
            // Read as of its issue, so expiry does not get in the way; revocation is checked below.
            let keys = token::issuer_lookup(&self.config, self.issued_at);
            let info = token::verify(
                self.token.expose_secret(),
                &keys,
                &|_, _| false,
                self.issued_at,
                &token::Request::default(),
            );
            self.info = info.ok();
        }
        let info = self.info.as_ref()?;
        // A list that cannot be loaded (being written, or tampered with) is looked at again at
        // the next change; `verify` refuses the credential meanwhile.
        let list = RevocationList::load(&self.dir, &self.config, now).ok()?;
        self.due = list.next_revocation(&info.ids, &self.config, info);
        info.ids.iter().find_map(|id| {
            list.revoked_by(id, &self.config, info).map(|r| Revoked {
                id: id.clone(),
                by: r.by.clone(),
                from: r.from.clone(),
                own: *id == self.id,
            })
        })
    }
}

fn stat(path: &std::path::Path) -> Option<(u64, Option<std::time::SystemTime>, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok(), m.ino()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_names_the_block_and_who_revoked_it() {
        let r = |id: &str, by: &str, from: Option<&str>| Revoked {
            id: id.into(),
            by: by.into(),
            from: from.map(Into::into),
            own: id == "cr_1",
        };
        assert_eq!(
            r("cr_1", "admin", None).describe(),
            "the credential cr_1 was revoked by the admin"
        );
        assert_eq!(
            r("au_1", "agent:ci", None).describe(),
            "the agent's authority au_1 was revoked by agent ci"
        );
        assert_eq!(
            r("cr_1", "admin", Some("2026-01-01T00:00:00.000Z")).describe(),
            "the credential cr_1 was revoked by the admin from 2026-01-01T00:00:00.000Z \
             (the end of a rotation's overlap window)"
        );
        assert!(
            r("dl_1", "holder", None)
                .describe()
                .starts_with("a credential it was derived from dl_1")
        );
    }
}
