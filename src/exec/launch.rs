//! Running a credential's program: its environment, the run socket, the `running/` record, the
//! start (in the sandbox or directly), supervision, and, whatever happens to it, the record of
//! its end and the revocation of its credential. Returns the program's exit status.

use std::ffi::OsString;
use std::sync::Arc;

use super::record;
use super::revoked::Watch;
use super::sandbox::{self, Failure};
use super::serve::{self, Handler, Service};
use super::socket;
use super::upstream::Upstream;
use super::{OnExpiry, Signals};
use crate::audit::Outcome;
use crate::credential::Issued;
use crate::credential::delegate::Delegator;
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::session::{Say, Session};

/// Where a run is recorded, its end in particular. One per run, on the stack: the size of the
/// key pair is no cost worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Keeper<'a> {
    /// This process holds the vault: it writes the records and serves the program's socket.
    Vault {
        session: &'a Session<'a>,
        actor: String,
        revoke_key: KeyPair,
        /// The agent's signing key and limits, to delegate from the run's credential when its
        /// program asks; none for a credential derived from a token alone.
        delegator: Option<Delegator>,
    },
    /// A nested run: the supervisor that derived its credential records what this one reports.
    Supervisor { upstream: Upstream, say: Say },
}

/// How the program is to run.
pub struct Options<'a> {
    /// The program, looked up before anything was minted.
    pub program: &'a std::path::Path,
    pub argv: &'a [OsString],
    pub replace: bool,
    pub mask: bool,
    pub clean_env: bool,
    pub on_expiry: OnExpiry,
    /// What the program's remaining time is counted on.
    pub clock: Arc<dyn crate::clock::Clock>,
    /// The broker the run asks for, if any (see `exec::brokered`).
    pub broker: &'a super::brokered::Options,
}

/// Runs the child and, whatever happens to it, records its end and revokes its credential.
/// `warn` shows the variables a granted value replaced; `say` what the supervision reports.
pub fn launch(
    keeper: &Keeper<'_>,
    issued: &Issued,
    opts: &Options<'_>,
    sandbox: Option<sandbox::Pending>,
    (warn, say): (&dyn Fn(&str), &Say),
) -> Result<u8> {
    // The credential exists but the program never ran: record that, revoke it, pass the error on.
    let not_started = |e: Error| {
        let details = serde_json::json!({ "started": false, "reason": e.to_string() });
        keeper.finish(issued, Outcome::Error, details);
        e
    };
    // A lease lives as long as its role says: without a supervisor nothing would revoke it when
    // the program ends (a token ends with the credential's TTL regardless).
    if opts.replace
        && issued.openbao.as_ref().is_some_and(|r| {
            r.handles
                .iter()
                .any(|h| matches!(h, crate::openbao::handles::Handle::Lease { .. }))
        })
    {
        return Err(not_started(
            Error::usage(
                "--replace leaves nothing to revoke an OpenBao lease when the program ends",
            )
            .hint("run without --replace: agentcred then revokes the lease at the program's exit")
            .before_child(),
        ));
    }
    // Not under --replace: nothing would be left to answer it. Made first: the broker's trust
    // bundle goes in it.
    let run = if opts.replace {
        None
    } else {
        let covered = sandbox.as_ref().map_or(&[][..], sandbox::Pending::covered);
        match socket::RunDir::create(covered) {
            Ok(run) => Some(run),
            Err(e) => return Err(not_started(e.before_child())),
        }
    };
    let (mut vars, brokered) = super::brokered::prepare(issued);
    // The broker's context is built only for a run that has one: plain exec pays nothing.
    let wants_broker = !brokered.is_empty() || opts.broker.requested;
    let cx = match (keeper, &run) {
        (
            Keeper::Vault {
                session,
                actor,
                delegator: Some(delegator),
                ..
            },
            Some(run),
        ) if wants_broker => Some(super::brokered::Context {
            vault: session.vault,
            actor,
            clock: Arc::clone(&opts.clock),
            rate_limit: delegator.rate_limit(),
            audit_key: delegator.audit_key().clone(),
            bundle_parent: Some(run.dir().to_path_buf()),
            mask_injected: opts.mask,
        }),
        _ => None,
    };
    let broker = match super::brokered::start(brokered, opts.broker, issued, opts.replace, cx) {
        Ok(broker) => {
            vars.extend(broker.iter().flat_map(|b| b.env.iter().cloned()));
            broker
        }
        Err(e) => return Err(not_started(e.before_child())),
    };
    if let Keeper::Vault { session, .. } = keeper {
        vars.push((
            "AGENTCRED_HOME".into(),
            session.vault.dir.display().to_string(),
        ));
    }
    if let Some(run) = &run {
        vars.push((
            socket::ENV.into(),
            run.path().to_string_lossy().into_owned(),
        ));
    }
    let child_env = match super::child_env(std::env::vars_os(), opts.clean_env, &vars) {
        Ok((child_env, replaced)) => {
            // The broker's own variables replace the caller's on purpose (its bundle already
            // holds the roots `SSL_CERT_FILE` named): only a granted value's is news.
            let broker_vars: Vec<&str> = broker
                .iter()
                .flat_map(|b| b.env.iter().map(|(k, _)| k.as_str()))
                .collect();
            for name in replaced
                .iter()
                .filter(|n| !broker_vars.contains(&n.as_str()))
            {
                warn(&format!(
                    "{name} was already set; the granted value replaces it in the program's environment"
                ));
            }
            child_env
        }
        Err(e) => return Err(not_started(e.before_child())),
    };
    let argv = opts.argv;
    let Some(run) = run else {
        return Err(not_started(super::replace(argv, &child_env)));
    };
    let program = opts.program;
    let signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => return Err(not_started(e.before_child())),
    };
    let mut on_expire = keeper.on_expire(issued, opts.on_expiry);
    if let Some(broker) = &broker {
        // The broker refuses every request from the moment the credential ends, before the
        // end is recorded, whatever --on-expiry does to the program.
        let close = broker.closer();
        let record = on_expire;
        on_expire = Box::new(move |revoked| {
            close(revoked);
            record(revoked);
        });
    }
    let mask = opts.mask.then(|| {
        issued
            .plan
            .secrets
            .iter()
            .map(|s| s.value.expose_secret().to_string())
            .collect()
    });
    let handler = match keeper {
        Keeper::Vault {
            session, delegator, ..
        } => Handler::Supervisor(Box::new(Service::new(session, issued, delegator.clone()))),
        Keeper::Supervisor { upstream, .. } => Handler::Relay(upstream.relay(&issued.id)),
    };
    let served = match serve::serve(&run, handler) {
        Ok(s) => s,
        Err(e) => return Err(not_started(e.before_child())),
    };
    // Written before the program can start, so that whatever kills this supervisor from here on
    // leaves a trace the next command acts on. A nested run has none: its supervisor revokes its
    // credential when the connection to it closes.
    let running = match keeper {
        Keeper::Vault {
            session,
            actor,
            revoke_key,
            ..
        } => match super::running::start(
            &session.vault.dir,
            &issued.id,
            &issued.plan.agent,
            actor,
            issued.plan.expires_at,
            revoke_key,
        ) {
            Ok(r) => Some(r),
            Err(e) => {
                served.stop();
                return Err(not_started(e.before_child()));
            }
        },
        Keeper::Supervisor { .. } => None,
    };
    let backstop = backstop(issued, opts.on_expiry, opts.clock.now());
    let spawned = match sandbox {
        Some(pending) => match pending.start(program, argv, &child_env, backstop) {
            Ok(s) => Ok(s.into()),
            Err(Failure::Other(e)) => Err(e.before_child()),
            Err(Failure::Unavailable(why)) => Err(Error::other(why).before_child()),
        },
        None => super::spawn(program, argv, &child_env, opts.mask),
    };
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            served.stop();
            let e = not_started(e);
            if let Some(r) = running {
                r.remove();
            }
            return Err(e);
        }
    };
    served.admit(u32::try_from(child.pid.as_raw_nonzero().get()).unwrap_or(0));
    drop(child_env);
    let watch = keeper.watch(issued, &opts.clock);
    // The run's leases are renewed while the program lives, never past the credential.
    let renewer = match (keeper, &issued.openbao) {
        (Keeper::Vault { session, .. }, Some(record)) => {
            crate::settings::Settings::load(&session.vault.dir)
                .ok()
                .and_then(|s| {
                    crate::openbao::handles::Renewer::start(
                        s.openbao,
                        record,
                        Arc::clone(&opts.clock),
                    )
                })
        }
        _ => None,
    };
    let ending = super::supervise(
        child,
        signals,
        super::Supervise {
            now: opts.clock.now(),
            expires_at: issued.plan.expires_at,
            on_expiry: opts.on_expiry,
            mask,
            on_expire,
            watch,
            say: Arc::clone(say),
        },
    );
    drop(renewer);
    served.stop();
    // The broker's records (its last responses) go on the log before the run's end.
    let brokered = broker.map(super::brokered::Running::stop);
    drop(run);
    let ending = ending?;
    let outcome = if ending.exit_code == Some(0) {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    let mut details = serde_json::to_value(&ending).expect("endings serialise");
    if let (serde_json::Value::Object(d), Some(b)) = (&mut details, brokered) {
        d.insert("broker".into(), b);
    }
    keeper.finish(issued, outcome, details);
    if let Some(r) = running {
        r.remove();
    }
    Ok(ending.status())
}

/// When the sandbox's init ends the program itself, should the supervisor not have done so (it
/// was stopped): a little after the expiry action would have run its course.
fn backstop(
    issued: &Issued,
    policy: OnExpiry,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<std::time::Duration> {
    const MARGIN: std::time::Duration = std::time::Duration::from_secs(2);
    let ttl = (issued.plan.expires_at - now).to_std().unwrap_or_default();
    match policy {
        OnExpiry::Term => Some(ttl + super::GRACE + MARGIN),
        OnExpiry::Kill => Some(ttl + MARGIN),
        OnExpiry::Ignore => None,
    }
}

impl Keeper<'_> {
    /// What records the expiry, called once when the credential expires (or is revoked) under
    /// the program.
    fn on_expire(&self, issued: &Issued, policy: OnExpiry) -> super::OnEnd {
        match self {
            Keeper::Vault { session, actor, .. } => {
                let (dir, config) = (session.vault.dir.clone(), session.vault.config.clone());
                let clock = Arc::clone(session.clock());
                let (actor, agent, id) =
                    (actor.clone(), issued.plan.agent.clone(), issued.id.clone());
                Box::new(move |revoked| {
                    let run = (actor.as_str(), agent.as_str(), id.as_str());
                    record::expiry((&dir, &config), run, (policy, revoked), clock.now());
                })
            }
            Keeper::Supervisor { upstream, .. } => {
                let up = upstream.clone();
                Box::new(move |_| up.expired(policy))
            }
        }
    }

    /// The watch on the revocation list, for a supervisor that holds the vault. A nested run's
    /// supervisor cannot read it (the sandbox hides the vault): the outer one, which can, ends the
    /// whole tree when the outer credential, which every nested one is derived from, is revoked.
    fn watch(&self, issued: &Issued, clock: &Arc<dyn crate::clock::Clock>) -> Option<Watch> {
        match self {
            Keeper::Vault { session, .. } => {
                Some(Watch::of(session.vault, Arc::clone(clock), issued))
            }
            Keeper::Supervisor { .. } => None,
        }
    }

    /// Records the end (or the non-start) of the run and revokes its credential. Best effort by
    /// necessity: the child has already run, and its status must still be returned; a failure
    /// is said.
    fn finish(&self, issued: &Issued, outcome: Outcome, details: serde_json::Value) {
        match self {
            Keeper::Vault {
                session,
                actor,
                revoke_key,
                ..
            } => {
                let vault = session.vault;
                let ended = record::end(
                    (&vault.dir, &vault.config),
                    issued,
                    (actor, revoke_key),
                    (outcome, details),
                    session.clock().now(),
                );
                if let Err(err) = ended {
                    (session.say())(&record::end_failed(&issued.id, &err));
                }
                let released =
                    record::release((&vault.dir, &vault.config), issued, session.clock().now());
                if let Some(w) = released {
                    (session.say())(&w);
                }
            }
            Keeper::Supervisor { upstream, say } => upstream.ended(&issued.id, details, say),
        }
    }
}
