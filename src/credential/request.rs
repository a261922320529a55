//! A request read from the scope flags `mint` and `exec` share, checked before anything is opened.

use chrono::Duration;

use super::Request;
use crate::error::{Error, Result};
use crate::grant::{self, Pattern};

impl Request {
    /// Checks the flags: secret names, actions (comma lists allowed), resource patterns, and a
    /// positive TTL.
    pub fn from_flags(
        secrets: &[String],
        ttl: Option<Duration>,
        actions: &[String],
        resources: &[String],
        previous: bool,
    ) -> Result<Request> {
        for s in secrets {
            crate::secret::validate_name(s)?;
        }
        let actions = grant::split_list(actions);
        for a in &actions {
            grant::validate_action(a)?;
        }
        let resources = grant::split_list(resources)
            .iter()
            .map(|r| Pattern::parse(r))
            .collect::<Result<Vec<_>>>()?;
        if let Some(t) = ttl.filter(|t| t.num_seconds() <= 0) {
            return Err(Error::usage(format!(
                "--ttl must be positive, not {}",
                crate::duration::format(t)
            )));
        }
        Ok(Request {
            secrets: secrets.to_vec(),
            ttl,
            actions: (!actions.is_empty()).then_some(actions),
            resources: (!resources.is_empty()).then_some(resources),
            previous,
            parent_expires_at: None,
        })
    }
}
