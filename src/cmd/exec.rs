//! `exec` (docs/DESIGN.md, "exec"): get a credential (minted, derived from the parent run's, or
//! acting on a delegation), then run the program under it with `exec::launch`, which records its
//! end and revokes it. Any failure before the program starts exits 125.

use crate::audit::Attempt;
use crate::cli::{ExecArgs, OnExpiry as OnExpiryArg, SandboxMode};
use crate::cmd::Ctx;
use crate::credential::delegate::Delegator;
use crate::credential::derive::{self, Parent};
use crate::credential::{Issued, Request, Stamp, act, mint};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::exec::boundary::{self, Sandbox, Wanted};
use crate::exec::brokered;
use crate::exec::launch::{self, Keeper, Options};
use crate::exec::record::{self, Shape};
use crate::exec::{OnExpiry, upstream};
use crate::sensitive::SecretText;
use crate::session::{Opened, Session};

pub fn run(ctx: &Ctx, args: ExecArgs) -> Result<u8> {
    // A program that cannot start (127 not found, 126 not executable) is found out before any
    // credential is minted, derived or acted on, so nothing is issued, recorded or revoked for a
    // run that never happens. Looked up once, in the child's environment without the granted
    // values: a granted value (a variable named PATH) never decides which program runs.
    let (env, _) = crate::exec::child_env(std::env::vars_os(), args.clean_env, &[])?;
    let program = crate::exec::resolve(&args.command[0], &env)?;
    drop(env);
    // A CA file that is missing (66) or holds no certificate (78) is refused as it is.
    let mut broker =
        brokered::Options::from_flags(args.broker, args.egress, args.upstream_ca.as_deref())?;
    let shape = shape(&args);
    // Inside a supervised run: its supervisor derives the credential and keeps the records, so
    // this process needs neither the vault nor any unlock input.
    if args.on_behalf_of.is_none()
        && let Some((socket, parent_id)) = upstream::served_by()
    {
        let (upstream, issued) = upstream::ask_exec(&args.scope, &shape, &socket, &parent_id)
            .map_err(Error::before_child)?;
        // Its program runs inside whatever boundary the supervisor set up for the outer one.
        let keeper = Keeper::Supervisor {
            upstream,
            say: ctx.say(),
        };
        return run_program(ctx, &args, (&program, &broker), (&keeper, &issued), None);
    }
    let vault = ctx.open_vault().map_err(Error::before_child)?;
    broker.vault_dir = Some(vault.dir.clone());
    // Set up before any unlock input is read (see `exec::boundary`), alongside the unlock.
    let mut sandbox = decide_sandbox(ctx, &args, &vault).map_err(Error::before_child)?;
    let parent_id = std::env::var("AGENTCRED_CREDENTIAL_ID")
        .ok()
        .filter(|v| !v.is_empty());
    // The unlock, a prompt perhaps, comes before the session: the credential's time, its TTL and
    // every record of the run count from the moment it is minted, not from when the prompt began.
    if parent_id.is_none() {
        ctx.known_scope(&vault, &args.scope)
            .map_err(Error::before_child)?;
    }
    let principal = match (&args.on_behalf_of, &parent_id) {
        (None, Some(_)) => None,
        _ => Some(ctx.principal(&vault).map_err(Error::before_child)?),
    };
    let session = ctx.session(&vault);
    let how = How {
        shape: &shape,
        parent_id,
        principal,
    };
    let started = start(ctx, &args, &session, how, &mut sandbox).map_err(Error::before_child)?;
    let keeper = Keeper::Vault {
        session: &session,
        actor: started.actor,
        revoke_key: started.revoke_key,
        delegator: started.delegator,
    };
    run_program(
        ctx,
        &args,
        (&program, &broker),
        (&keeper, &started.issued),
        sandbox.pending,
    )
}

/// A credential issued and recorded, ready for the child.
struct Started {
    issued: Issued,
    actor: String,
    revoke_key: KeyPair,
    delegator: Option<Delegator>,
}

fn shape(args: &ExecArgs) -> Shape {
    Shape {
        argc: args.command.len(),
        replace: args.replace,
        mask: args.mask,
        clean_env: args.clean_env,
        on_expiry: on_expiry(args.on_expiry),
    }
}

fn on_expiry(o: OnExpiryArg) -> OnExpiry {
    match o {
        OnExpiryArg::Term => OnExpiry::Term,
        OnExpiryArg::Kill => OnExpiry::Kill,
        OnExpiryArg::Ignore => OnExpiry::Ignore,
    }
}

/// How the credential is come by: the run's shape, the parent run's credential for a nested
/// exec, and the unlocked principal for a minted one.
struct How<'a> {
    shape: &'a Shape,
    parent_id: Option<String>,
    principal: Option<crate::cmd::Principal>,
}

/// Everything before the child: any failure here exits 125 and starts nothing.
fn start(
    ctx: &Ctx,
    args: &ExecArgs,
    session: &Session<'_>,
    how: How<'_>,
    sandbox: &mut Sandbox,
) -> Result<Started> {
    let req = args.scope.request(false)?;
    let revoke_key = KeyPair::generate();
    let shape = how.shape;
    let principal = || match how.principal {
        Some(p) => Ok(p),
        None => ctx.principal(session.vault),
    };
    let started = match (args.on_behalf_of.as_deref(), how.parent_id) {
        (Some(token), _) => {
            settle(ctx, sandbox)?;
            let run = (shape, sandbox.state.as_str(), args.command.as_slice());
            let opened = ctx.open_agent_as(session, principal()?, args.scope.agent.as_deref())?;
            on_behalf(ctx, session, &opened, token, &req, revoke_key, run)?
        }
        (None, Some(parent_id)) => {
            settle(ctx, sandbox)?;
            nested(ctx, args, session, &parent_id, req, revoke_key, shape)?
        }
        (None, None) => {
            let opened = ctx.open_agent_as(session, principal()?, args.scope.agent.as_deref())?;
            let plan = mint::decide(session, &opened, &req, Attempt::Exec)?;
            if plan.limited_by != crate::credential::LimitedBy::Request {
                ctx.out.note(&format!(
                    "agentcred: the credential lives {} of the {} asked for, limited by {}",
                    crate::duration::format(plan.ttl()),
                    crate::duration::format(plan.requested_ttl),
                    plan.limited_by
                ));
            }
            let argv_hmac = record::argv_hmac(&opened.envelope.audit_key, &args.command);
            settle(ctx, sandbox)?;
            let state = sandbox.state.as_str();
            let following = |stamp: &Stamp<'_>| {
                let hmac = Some(argv_hmac.clone());
                vec![record::start_event(stamp, hmac, shape, Some(state))]
            };
            let extras = mint::Extras {
                revoke_key: Some(revoke_key.public()),
                following: &following,
                ..mint::Extras::default()
            };
            let issued = mint::issue(session, &opened, plan, extras)?;
            Started::of(issued, &opened, revoke_key)
        }
    };
    Ok(started)
}

impl Started {
    /// A credential issued from an opened envelope: its agent may delegate from it.
    fn of(issued: Issued, opened: &Opened, revoke_key: KeyPair) -> Started {
        Started {
            issued,
            actor: opened.actor.clone(),
            revoke_key,
            delegator: Some(Delegator::of(opened)),
        }
    }
}

/// `exec --on-behalf-of TOKEN`: the credential is what the token delegates and this agent is
/// granted (`credential::act`).
fn on_behalf(
    ctx: &Ctx,
    session: &Session<'_>,
    opened: &Opened,
    token: &str,
    req: &Request,
    revoke_key: KeyPair,
    (shape, sandbox, command): (&Shape, &str, &[std::ffi::OsString]),
) -> Result<Started> {
    let token = crate::cmd::read_token(Some(token), "AGENTCRED_TOKEN")?;
    let argv_hmac = record::argv_hmac(&opened.envelope.audit_key, command);
    let following = |stamp: &Stamp<'_>| {
        let hmac = Some(argv_hmac.clone());
        vec![record::start_event(stamp, hmac, shape, Some(sandbox))]
    };
    let acted = act::act(session, opened, &token, req, &revoke_key, &following)?;
    ctx.out.verbose(&format!(
        "acting for {} through {}",
        acted.on_behalf_of.join(" → "),
        acted.delegations.join(", ")
    ));
    Ok(Started::of(acted.issued, opened, revoke_key))
}

fn decide_sandbox(ctx: &Ctx, args: &ExecArgs, vault: &crate::vault::Vault) -> Result<Sandbox> {
    let mut unlock_files: Vec<std::path::PathBuf> = [&ctx.global.key_file, &ctx.global.identity]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    unlock_files.extend(std::env::var_os("AGENTCRED_PASSPHRASE_FILE").map(Into::into));
    // agentcred's own OpenBao sign-in can create any token its policies allow: the program never
    // sees it.
    if let Ok(settings) = crate::settings::Settings::load(&vault.dir) {
        unlock_files.extend(settings.openbao.sign_in_files());
    }
    let wanted = Wanted {
        mode: args.sandbox.map(|m| m == SandboxMode::Required),
        no_sandbox: args.no_sandbox,
        replace: args.replace,
        mask: args.mask,
        unlock_files,
    };
    let (sandbox, warning) = boundary::decide(&vault.dir, &wanted)?;
    if let Some(w) = warning {
        ctx.out.warn(&w);
    }
    Ok(sandbox)
}

fn settle(ctx: &Ctx, sandbox: &mut Sandbox) -> Result<()> {
    if let Some(w) = sandbox.settle()? {
        ctx.out.warn(&w);
    }
    Ok(())
}

/// Inside an exec with the vault in reach and no supervisor to ask (an outer `exec --replace`, or
/// a token set by hand): derive a narrower credential from `AGENTCRED_TOKEN` here. It needs no
/// unlock input: the token and the values already in this environment are all it uses.
fn nested(
    ctx: &Ctx,
    args: &ExecArgs,
    session: &Session<'_>,
    parent_id: &str,
    req: Request,
    revoke_key: KeyPair,
    shape: &Shape,
) -> Result<Started> {
    let token = SecretText::new(std::env::var("AGENTCRED_TOKEN").map_err(|_| {
        Error::denied("AGENTCRED_CREDENTIAL_ID is set but AGENTCRED_TOKEN is not")
            .hint("a nested exec derives its credential from the parent's token")
    })?);
    // What this environment holds is what the parent run gave its program: a value, or a
    // brokered secret's placeholder, which is handed on as it is.
    let value_of = |var: &str| {
        std::env::var(var)
            .ok()
            .map(|v| (SecretText::new(v), Default::default()))
    };
    let parent = Parent {
        token: &token,
        id: parent_id,
        value_of: &value_of,
    };
    let derived = derive::derive(
        session,
        &parent,
        args.scope.agent.as_deref(),
        req,
        &revoke_key,
        &|stamp| vec![record::start_event(stamp, None, shape, None)],
    )?;
    ctx.out.verbose(&format!(
        "derived credential {} from {parent_id}",
        derived.issued.id
    ));
    Ok(Started {
        issued: derived.issued,
        actor: derived.actor,
        revoke_key,
        delegator: None,
    })
}

fn run_program(
    ctx: &Ctx,
    args: &ExecArgs,
    (program, broker): (&std::path::Path, &brokered::Options),
    (keeper, issued): (&Keeper<'_>, &Issued),
    sandbox: Option<crate::exec::sandbox::Pending>,
) -> Result<u8> {
    let opts = Options {
        program,
        argv: &args.command,
        replace: args.replace,
        mask: args.mask,
        clean_env: args.clean_env,
        on_expiry: on_expiry(args.on_expiry),
        clock: std::sync::Arc::clone(&ctx.clock),
        broker,
    };
    let warn = |m: &str| ctx.out.warn(m);
    launch::launch(keeper, issued, &opts, sandbox, (&warn, &ctx.say()))
}
