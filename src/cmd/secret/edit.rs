//! `secret edit`, and the destination flags `secret set` shares: where a secret's value may be
//! sent and how programs get it.

use crate::audit::{Action, Event};
use crate::cli::{Delivery as DeliveryArg, DestinationArgs, SecretEditArgs};
use crate::cmd::Ctx;
use crate::destination::{Declared, Delivery, HostPattern};
use crate::error::{Error, Result};
use crate::secret::{self, Secret};

/// The destination flags, checked before the vault is opened.
pub(super) struct Wanted {
    hosts: Option<Vec<HostPattern>>,
    delivery: Option<Delivery>,
    prefix: Option<String>,
}

impl Wanted {
    pub(super) fn parse(args: &DestinationArgs) -> Result<Wanted> {
        let hosts = (!args.hosts.is_empty())
            .then(|| crate::destination::parse_list("--hosts", &args.hosts, HostPattern::parse))
            .transpose()?;
        if let Some(p) = &args.placeholder_prefix {
            crate::destination::validate_prefix(p)?;
        }
        Ok(Wanted {
            hosts,
            delivery: args.delivery.map(|d| match d {
                DeliveryArg::Env => Delivery::Env,
                DeliveryArg::Broker => Delivery::Broker,
            }),
            prefix: args.placeholder_prefix.clone(),
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.hosts.is_none() && self.delivery.is_none() && self.prefix.is_none()
    }

    /// Applies the flags to `secret` and checks the result; says whether where the value may go
    /// (the hosts or the delivery) changed.
    pub(super) fn apply(&self, secret: &mut Secret) -> Result<bool> {
        let before = secret.destination.clone();
        let d = &mut secret.destination;
        if let Some(h) = &self.hosts {
            d.hosts = Some(h.clone());
        }
        if let Some(x) = self.delivery {
            d.delivery = x;
        }
        if let Some(p) = &self.prefix {
            d.placeholder_prefix = (!p.is_empty()).then(|| p.clone());
        }
        d.check(&secret.name)?;
        Ok(before.hosts != d.hosts || before.delivery != d.delivery)
    }
}

/// Revokes what the grantees of `secret` hold when where its value may go changed: no program
/// runs on under the old rule. Otherwise their envelopes are rewritten with the new metadata.
pub(super) fn settle_grantees(
    c: &mut crate::admin::Change<'_>,
    secret: &str,
    moved: bool,
) -> Result<()> {
    if moved {
        for agent in c.grantees(secret)? {
            c.revoke_outstanding(&agent);
        }
        Ok(())
    } else {
        c.touch_grantees(secret)
    }
}

/// The grants of `secret` that narrow to a host its binding no longer covers: those hosts
/// are refused from now on (a grant only narrows), which the admin should hear about.
pub(super) fn stranded(
    c: &mut crate::admin::Change<'_>,
    secret: &str,
    d: &Declared,
) -> Result<Vec<String>> {
    let theirs = d.binding();
    let mut ids = Vec::new();
    for agent in c.grantees(secret)? {
        for g in c.grants_of(&agent)? {
            if g.secret == secret
                && crate::destination::check_narrowing(secret, &theirs, &g.binding).is_err()
            {
                ids.push(g.id);
            }
        }
    }
    Ok(ids)
}

/// The audit details of a destination: the secret's rule after the change.
pub(super) fn details(d: &Declared) -> serde_json::Value {
    d.details()
}

pub(super) fn edit(ctx: &Ctx, args: SecretEditArgs) -> Result<()> {
    secret::validate_name(&args.name)?;
    if let Some(env) = &args.env {
        secret::validate_env(env)?;
    }
    if let Some(d) = args.max_age.filter(|d| d.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--max-age must be positive, not {}",
            crate::duration::format(d)
        )));
    }
    let wanted = Wanted::parse(&args.destination)?;
    if wanted.is_empty() && args.env.is_none() && args.max_age.is_none() {
        return Err(Error::usage(format!("nothing to change on secret {}", args.name)).hint(
            "give --env, --max-age, --hosts, --delivery or --placeholder-prefix; the value changes with `secret set` or `secret rotate`",
        ));
    }
    let name = args.name.clone();
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    let (destination, moved, stranded) = vault.update(&admin, ctx.now(), |c| {
        let s = c
            .state
            .secrets
            .get_mut(&name)
            .ok_or_else(|| crate::vault::state::unknown_secret(&name))?;
        if let Some(env) = &args.env {
            s.env = env.clone();
        }
        if let Some(d) = args.max_age {
            s.max_age_secs = Some(d.num_seconds());
        }
        let moved = wanted.apply(s)?;
        s.updated_at = c.now;
        let destination = s.destination.clone();
        settle_grantees(c, &name, moved)?;
        let stranded = stranded(c, &name, &destination)?;
        let mut details = details(&destination);
        details["env"] = args.env.clone().into();
        details["max_age"] = args.max_age.map(crate::duration::format).into();
        details["revoked_outstanding"] = moved.into();
        let event = Event::admin(Action::SecretEdit)
            .secrets([name.as_str()])
            .details(details);
        Ok(((destination, moved, stranded), vec![event]))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "secret": name,
            "hosts": destination.hosts,
            "delivery": destination.delivery,
            "placeholder_prefix": destination.placeholder_prefix,
            "revoked_outstanding": moved,
            "grants_outside": stranded,
        }));
    } else {
        ctx.out.done(&format!("updated secret {name}"));
        if moved {
            ctx.out.note(
                "where its value may go changed: the outstanding credentials of the agents granted it were revoked",
            );
        }
    }
    if !stranded.is_empty() {
        ctx.out.warn(&format!(
            "grant {} narrows to hosts outside secret {name}'s new hosts; requests to those are refused",
            stranded.join(", ")
        ));
    }
    Ok(())
}
