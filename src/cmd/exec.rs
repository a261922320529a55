//! `exec` (docs/DESIGN.md, "exec"): mint, record `exec.start`, run, supervise, record `exec.end`,
//! revoke.

use std::ffi::OsString;

use crate::audit::{Event, Outcome};
use crate::cli::{ExecArgs, OnExpiry as OnExpiryArg};
use crate::cmd::Ctx;
use crate::cmd::delegate::Delegator;
use crate::cmd::mint::{open_agent, request, variables};
use crate::cmd::nested;
use crate::credential::revocation::{self, Revocation, RevocationList};
use crate::credential::{self, Injected, Issued, Plan};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::exec::sandbox::{self, Failure, Hide};
use crate::exec::{self, OnExpiry, socket};
use crate::sensitive::SecretText;
use crate::vault::Vault;

pub fn run(ctx: &Ctx, args: ExecArgs) -> Result<()> {
    let before_child = |e: Error| match e {
        Error::BeforeChild(_) => e,
        other => Error::BeforeChild(Box::new(other)),
    };
    // Inside a supervised run: its supervisor derives the credential and keeps the records, so
    // this process needs neither the vault nor any unlock input.
    if args.on_behalf_of.is_none()
        && let Some((socket, parent_id)) = nested::served_by()
    {
        let (upstream, issued) =
            nested::ask_exec(&args, &socket, &parent_id).map_err(before_child)?;
        // Its program runs inside whatever boundary the supervisor set up for the outer one.
        return launch(ctx, &args, Keeper::Supervisor(upstream), issued, None);
    }
    let (vault, started, sandbox) = start(ctx, &args).map_err(before_child)?;
    let Started {
        issued,
        actor,
        revoke_key,
        delegator,
    } = started;
    let keeper = Keeper::Vault {
        vault: &vault,
        actor,
        revoke_key,
        delegator,
    };
    launch(ctx, &args, keeper, issued, sandbox.pending)
}

/// A credential minted and recorded, ready for the child.
pub(super) struct Started {
    pub(super) issued: Issued,
    pub(super) actor: String,
    pub(super) revoke_key: KeyPair,
    /// The agent's signing key and limits, to delegate from the run's credential when its program
    /// asks; none for a credential derived from a token alone.
    pub(super) delegator: Option<Delegator>,
}

/// What the audit log records of a run besides its argv: how it was asked to run.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Shape {
    pub(super) argc: usize,
    pub(super) replace: bool,
    pub(super) mask: bool,
    pub(super) clean_env: bool,
    pub(super) on_expiry: OnExpiry,
}

impl Shape {
    pub(super) fn of(args: &ExecArgs) -> Shape {
        Shape {
            argc: args.command.len(),
            replace: args.replace,
            mask: args.mask,
            clean_env: args.clean_env,
            on_expiry: on_expiry(args.on_expiry),
        }
    }
}

/// Where a run is recorded, its end in particular. One per run, on the stack: the size of the
/// key pair is no cost worth a box.
#[allow(clippy::large_enum_variant)]
enum Keeper<'a> {
    /// This process holds the vault: it writes the records and serves the program's socket.
    Vault {
        vault: &'a Vault,
        actor: String,
        revoke_key: KeyPair,
        delegator: Option<Delegator>,
    },
    /// A nested run: the supervisor that derived its credential records what this one reports.
    Supervisor(nested::Upstream),
}

/// Whether and how the program is sandboxed, as decided before anything is minted.
struct Sandbox {
    /// `on`, `off` or `unavailable: REASON`: what exec.start records.
    state: String,
    /// The sandbox, being set up or waiting for the program.
    pending: Option<sandbox::Pending>,
    required: bool,
}

impl Sandbox {
    /// Waits for the set-up begun in `sandbox_for`, which runs alongside the unlock and the
    /// checks in between, and settles what exec.start records: called just before minting.
    fn settle(&mut self, ctx: &Ctx) -> Result<()> {
        let Some(pending) = self.pending.as_mut() else {
            return Ok(());
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
                Ok(())
            }
            Err(Failure::Unavailable(why)) => {
                self.pending = None;
                if self.required {
                    return Err(refuse_unsandboxed(&why));
                }
                ctx.out.warn(&format!(
                    "no sandbox ({why}): the program can reach the vault directory"
                ));
                self.state = format!("unavailable: {why}");
                Ok(())
            }
            Err(Failure::Other(e)) => {
                self.pending = None;
                Err(e)
            }
        }
    }
}

/// What exec.start records of a sandbox on a kernel without Landlock scoping (before 6.12).
const UNSCOPED: &str =
    "on, without Landlock scoping: abstract sockets and signals outside are reachable";

/// Decides the sandbox and sets it up, before any unlock input is read: `--no-sandbox` (off),
/// `--replace` (off: there is no supervisor to hold it), or on; where the kernel refuses,
/// unavailable (said once on stderr), or a refusal under `required`.
fn sandbox_for(ctx: &Ctx, args: &ExecArgs, vault: &Vault) -> Result<Sandbox> {
    let settings = crate::settings::Settings::load(&vault.dir)?.exec;
    let required = match args.sandbox {
        Some(mode) => mode == crate::cli::SandboxMode::Required,
        None => settings.sandbox == Some(crate::settings::SandboxSetting::Required),
    };
    let off = |state: &str| Sandbox {
        state: state.to_string(),
        pending: None,
        required,
    };
    if args.no_sandbox {
        return Ok(off("off"));
    }
    if args.replace {
        if args.sandbox.is_some() || required {
            return Err(
                refuse_unsandboxed("--replace leaves no supervisor to hold a sandbox")
                    .hint("drop --replace, or pass --no-sandbox to run without the sandbox"),
            );
        }
        return Ok(off("off"));
    }
    let unavailable = |why: String| {
        if required {
            return Err(refuse_unsandboxed(&why));
        }
        ctx.out.warn(&format!(
            "no sandbox ({why}): the program can reach the vault directory"
        ));
        Ok(off(&format!("unavailable: {why}")))
    };
    if let Some(why) = sandbox::precheck() {
        return unavailable(why);
    }
    let mut unlock_files: Vec<std::path::PathBuf> = [&ctx.global.key_file, &ctx.global.identity]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    unlock_files.extend(std::env::var_os("AGENTCRED_PASSPHRASE_FILE").map(Into::into));
    let hide = Hide::new(&vault.dir, &unlock_files).services(&settings.hide_paths());
    match sandbox::prepare(args.mask, &hide) {
        Ok(pending) => Ok(Sandbox {
            state: "on".into(),
            pending: Some(pending),
            required,
        }),
        Err(Failure::Unavailable(why)) => unavailable(why),
        Err(Failure::Other(e)) => Err(e),
    }
}

fn refuse_unsandboxed(why: &str) -> Error {
    Error::other(format!(
        "the sandbox is required but cannot be set up: {why}"
    ))
    .hint("run where user namespaces are allowed, or pass --no-sandbox to run without the sandbox")
}

/// Everything before the child: any failure here exits 125 and starts nothing.
fn start(ctx: &Ctx, args: &ExecArgs) -> Result<(Vault, Started, Sandbox)> {
    let req = request(&args.scope, false)?;
    let vault = ctx.open_vault()?;
    let now = ctx.now();
    let revoke_key = KeyPair::generate();
    let shape = Shape::of(args);
    // Set up before any unlock input is read (see `sandbox`), alongside the unlock.
    let mut sandbox = sandbox_for(ctx, args, &vault)?;

    if let Some(t) = args.on_behalf_of.as_deref() {
        sandbox.settle(ctx)?;
        let started = on_behalf(ctx, args, &vault, t, req, (revoke_key, &sandbox.state), now)?;
        return Ok((vault, started, sandbox));
    }

    if let Some(parent_id) = std::env::var("AGENTCRED_CREDENTIAL_ID")
        .ok()
        .filter(|v| !v.is_empty())
    {
        sandbox.settle(ctx)?;
        let started = nested(ctx, args, &vault, &parent_id, req, revoke_key, now)?;
        return Ok((vault, started, sandbox));
    }

    let (env, key, actor) = open_agent(ctx, &vault, args.scope.agent.as_deref())?;
    let plan = credential::plan(&env, key.as_ref(), &req, now).map_err(|e| {
        credential::record_denial(
            &vault,
            &actor,
            &env.agent,
            crate::watch::Limits::of(&env, key.as_ref()),
            "exec",
            &req.secrets,
            e,
            now,
        )
    })?;
    let argv_hmac = argv_hmac(&env.audit_key, &args.command);
    let agent = plan.agent.clone();
    let source = credential::Source {
        from: &env.authority,
        parent: None,
        actor: &actor,
        extra: None,
        revoke_key: Some(revoke_key.public()),
        limits: crate::watch::Limits::of(&env, key.as_ref()),
        acting: None,
    };
    sandbox.settle(ctx)?;
    let issued = credential::issue(
        &vault,
        plan,
        source,
        &|id| {
            vec![start_event(
                &actor,
                &agent,
                id,
                Some(argv_hmac.clone()),
                &shape,
                Some(&sandbox.state),
            )]
        },
        now,
    )?;
    let delegator = Some(Delegator::of(&env, key.as_ref(), &actor));
    Ok((
        vault,
        Started {
            issued,
            actor,
            revoke_key,
            delegator,
        },
        sandbox,
    ))
}

/// The program's argv as the audit log stores it: HMACs, never the words.
fn argv_hmac(key: &SecretText, argv: &[std::ffi::OsString]) -> Vec<String> {
    argv.iter()
        .map(|a| crate::audit::hmac_field(key, a.as_encoded_bytes()))
        .collect()
}

pub(super) fn start_event(
    actor: &str,
    agent: &str,
    id: &str,
    argv_hmac: Option<Vec<String>>,
    shape: &Shape,
    sandbox: Option<&str>,
) -> Event {
    let mut e = Event::new(actor, "exec.start")
        .agent(agent)
        .details(serde_json::json!({
            "argc": shape.argc,
            "replace": shape.replace,
            "mask": shape.mask,
            "clean_env": shape.clean_env,
            "on_expiry": shape.on_expiry,
        }));
    // `on`, `off` or `unavailable: …`; none for a credential derived inside a run, whose program
    // stays inside whatever its parent's supervisor set up.
    if let Some(sandbox) = sandbox
        && let Some(serde_json::Value::Object(d)) = e.details.as_mut()
    {
        d.insert("sandbox".into(), sandbox.into());
        if sandbox != "on" {
            d.insert(
                "warning".into(),
                "the program ran without the sandbox: it could reach the vault directory and the key file"
                    .into(),
            );
        }
    }
    e.credential_id = Some(id.to_string());
    e.argv_hmac = argv_hmac;
    e
}

/// Inside an exec with the vault in reach and no supervisor to ask (an outer `exec --replace`, or
/// a token set by hand): derive a narrower credential from `AGENTCRED_TOKEN` here. It needs no
/// unlock input: the token and the values already in this environment are all it uses.
fn nested(
    ctx: &Ctx,
    args: &ExecArgs,
    vault: &Vault,
    parent_id: &str,
    req: credential::Request,
    revoke_key: KeyPair,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Started> {
    let token = SecretText::new(std::env::var("AGENTCRED_TOKEN").map_err(|_| {
        Error::denied("AGENTCRED_CREDENTIAL_ID is set but AGENTCRED_TOKEN is not")
            .hint("a nested exec derives its credential from the parent's token")
    })?);
    let value_of = |env: &str| std::env::var(env).ok().map(SecretText::new);
    let started = derive(
        vault,
        &token,
        parent_id,
        args.scope.agent.as_deref(),
        req,
        &Shape::of(args),
        &value_of,
        revoke_key,
        now,
    )?;
    ctx.out.verbose(&format!(
        "derived credential {} from {parent_id}",
        started.issued.id
    ));
    Ok(started)
}

/// A credential derived from a parent credential, by a nested exec in-process or by
/// a supervisor for the program it runs. It never widens: only secrets the parent injected (their
/// values from `value_of`, by variable name), no longer than the parent lives, the actions and
/// resources narrowed by a block appended to the parent's token.
#[allow(clippy::too_many_arguments)]
pub(super) fn derive(
    vault: &Vault,
    token: &SecretText,
    parent_id: &str,
    as_agent: Option<&str>,
    req: credential::Request,
    shape: &Shape,
    value_of: &dyn Fn(&str) -> Option<SecretText>,
    revoke_key: KeyPair,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Started> {
    let revoked = RevocationList::load(&vault.dir, &vault.config, now)?;
    let keys = crate::token::issuer_lookup(&vault.config, now);
    let info = crate::token::verify(
        token.expose_secret(),
        &keys,
        &|id, info| revoked.is_revoked(id, &vault.config, info),
        now,
        &crate::token::Request::default(),
    )?;
    let actor = format!("agent:{}", info.agent);
    let refuse = |e: Error| {
        credential::record_denial(
            vault,
            &actor,
            &info.agent,
            crate::watch::Limits::default(),
            "exec",
            &req.secrets,
            e,
            now,
        )
    };
    if let Some(a) = as_agent.filter(|a| *a != info.agent) {
        return Err(refuse(Error::denied(format!(
            "this exec runs inside agent {}'s credential; it cannot act as {a}",
            info.agent
        ))));
    }
    let parent_expires = info
        .expires_at
        .ok_or_else(|| Error::bad_data("the parent token has no expiry"))?;
    let remaining = parent_expires - now;
    let ttl = req.ttl.unwrap_or(remaining);
    if ttl > remaining {
        return Err(refuse(
            Error::denied(format!(
                "--ttl {} is longer than the parent credential's remaining {}",
                crate::duration::format(ttl),
                crate::duration::format(remaining)
            ))
            .hint("a nested exec can only narrow"),
        ));
    }
    let mut secrets = Vec::new();
    let wanted: Vec<&(String, String)> = if req.secrets.is_empty() {
        info.injected.iter().collect()
    } else {
        let mut v = Vec::new();
        for s in &req.secrets {
            let found = info
                .injected
                .iter()
                .find(|(name, env)| name == s || env == s)
                .ok_or_else(|| {
                    refuse(
                        Error::denied(format!("secret {s} is not in the parent credential"))
                            .hint("a nested exec can only narrow"),
                    )
                })?;
            v.push(found);
        }
        v
    };
    for (name, env) in wanted {
        let value = value_of(env).ok_or_else(|| {
            refuse(Error::denied(format!(
                "the parent credential's {env} is not in this environment"
            )))
        })?;
        secrets.push(Injected {
            name: name.clone(),
            env: env.clone(),
            version: 0,
            value,
        });
    }
    secrets.sort_by(|a, b| a.name.cmp(&b.name));
    secrets.dedup_by(|a, b| a.name == b.name);
    let plan = Plan {
        agent: info.agent.clone(),
        secrets,
        actions: req.actions,
        resources: req.resources,
        issued_at: now,
        expires_at: now + ttl,
        requested_ttl: ttl,
        limited_by: if req.ttl.is_some() {
            "request"
        } else {
            "parent credential"
        },
    };
    let agent = info.agent.clone();
    let source = credential::Source {
        from: token,
        parent: Some(parent_id),
        actor: &actor,
        extra: Some(serde_json::json!({ "nested": true })),
        revoke_key: Some(revoke_key.public()),
        limits: crate::watch::Limits::default(),
        acting: None,
    };
    let issued = credential::issue(
        vault,
        plan,
        source,
        &|id| vec![start_event(&actor, &agent, id, None, shape, None)],
        now,
    )?;
    Ok(Started {
        issued,
        actor,
        revoke_key,
        delegator: None,
    })
}

/// `exec --on-behalf-of TOKEN` (docs/DESIGN.md, "The confused-deputy defence"): the agent running
/// this (B) acts on a token delegated to it. What the program gets is the intersection of what the
/// token delegates and what B is granted, for no longer than the token lives; the new block is
/// signed with B's key, and the audit log names both the acting agent and those it acts for.
fn on_behalf(
    ctx: &Ctx,
    args: &ExecArgs,
    vault: &Vault,
    token_arg: &str,
    req: credential::Request,
    (revoke_key, sandbox): (KeyPair, &str),
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Started> {
    let token = crate::cmd::read_token(Some(token_arg), "AGENTCRED_TOKEN")?;
    let (env, key, actor) = open_agent(ctx, vault, args.scope.agent.as_deref())?;
    let limits = crate::watch::Limits::of(&env, key.as_ref());
    let refuse = |e: Error| {
        credential::record_denial(
            vault,
            &actor,
            &env.agent,
            limits,
            "exec",
            &req.secrets,
            e,
            now,
        )
    };
    let revoked = RevocationList::load(&vault.dir, &vault.config, now)?;
    let keys = crate::token::issuer_lookup(&vault.config, now);
    let info = crate::token::verify(
        token.expose_secret(),
        &keys,
        &|id, info| revoked.is_revoked(id, &vault.config, info),
        now,
        &crate::token::Request {
            holder: Some(env.agent.clone()),
            ..crate::token::Request::default()
        },
    )
    .map_err(|e| {
        if e.exit_code() == crate::error::exit::DENIED {
            refuse(e)
        } else {
            e
        }
    })?;
    if info.hops.is_empty() {
        return Err(refuse(
            Error::denied(format!(
                "the token is agent {}'s own credential, not a delegation to {}",
                info.agent, env.agent
            ))
            .hint("ask for one with `agentcred delegate --to AGENT`"),
        ));
    }
    // Secrets: those the delegated credential covers, that this agent is granted too.
    let delegated: Vec<String> = info.injected.iter().map(|(s, _)| s.clone()).collect();
    let mut secrets: Vec<String> = delegated
        .iter()
        .filter(|s| env.secrets.contains_key(*s))
        .filter(|s| req.secrets.is_empty() || req.secrets.contains(s))
        .cloned()
        .collect();
    secrets.sort();
    secrets.dedup();
    if secrets.is_empty() {
        return Err(refuse(
            Error::denied(format!(
                "nothing delegated to {} is also granted to it (delegated: {})",
                env.agent,
                if delegated.is_empty() {
                    "no secrets".to_string()
                } else {
                    delegated.join(", ")
                }
            ))
            .hint("acting on behalf of another agent never adds to what this agent is granted"),
        ));
    }
    let narrow =
        |asked: Option<Vec<String>>, delegated: Option<Vec<String>>| match (asked, delegated) {
            (Some(a), Some(d)) => Some(a.into_iter().filter(|x| d.contains(x)).collect::<Vec<_>>()),
            (a, None) => a,
            (None, d) => d,
        };
    let actions = narrow(req.actions.clone(), info.delegated_actions.clone());
    let resources = narrow(
        req.resources
            .as_ref()
            .map(|r| r.iter().map(ToString::to_string).collect()),
        info.delegated_resources.clone(),
    );
    if actions.as_ref().is_some_and(Vec::is_empty) || resources.as_ref().is_some_and(Vec::is_empty)
    {
        return Err(refuse(Error::denied(
            "the requested scope lies outside what the token delegates",
        )));
    }
    let request = credential::Request {
        secrets,
        ttl: req.ttl,
        actions,
        resources: resources
            .map(|r| {
                r.iter()
                    .map(|x| crate::grant::Pattern::parse(x))
                    .collect::<Result<_>>()
            })
            .transpose()?,
        previous: false,
        parent_expires_at: info.expires_at,
    };
    let plan = credential::plan(&env, key.as_ref(), &request, now).map_err(refuse)?;
    let signer = KeyPair::from_secret(&env.signing_key)?;
    let rights = env.rights();
    let mut on_behalf_of: Vec<String> = vec![info.agent.clone()];
    on_behalf_of.extend(info.hops.iter().map(|h| h.to.clone()));
    on_behalf_of.pop();
    let shape = Shape::of(args);
    let argv_hmac = argv_hmac(&env.audit_key, &args.command);
    let agent = plan.agent.clone();
    let delegation_ids: Vec<String> = info.hops.iter().map(|h| h.id.clone()).collect();
    let extra = serde_json::json!({
        "on_behalf_of": on_behalf_of,
        "delegations": delegation_ids,
        "tasks": info.hops.iter().filter_map(|h| h.task.clone()).collect::<Vec<_>>(),
    });
    let parent = info.hops.last().map(|h| h.id.clone());
    let source = credential::Source {
        from: &token,
        parent: parent.as_deref(),
        actor: &actor,
        extra: Some(extra.clone()),
        revoke_key: Some(revoke_key.public()),
        limits,
        acting: Some((&signer, &rights)),
    };
    let issued = credential::issue(
        vault,
        plan,
        source,
        &|id| {
            let mut e = start_event(
                &actor,
                &agent,
                id,
                Some(argv_hmac.clone()),
                &shape,
                Some(sandbox),
            );
            if let Some(serde_json::Value::Object(d)) = e.details.as_mut() {
                d.insert("on_behalf_of".into(), extra["on_behalf_of"].clone());
            }
            vec![e]
        },
        now,
    )?;
    ctx.out.verbose(&format!(
        "acting for {} through {}",
        on_behalf_of.join(" → "),
        delegation_ids.join(", ")
    ));
    let delegator = Some(Delegator::of(&env, key.as_ref(), &actor));
    Ok(Started {
        issued,
        actor,
        revoke_key,
        delegator,
    })
}

/// When the sandbox's init ends the program itself, should the supervisor not have done so (it
/// was stopped): a little after the expiry action would have run its course.
fn backstop(issued: &Issued, policy: OnExpiry) -> Option<std::time::Duration> {
    const MARGIN: std::time::Duration = std::time::Duration::from_secs(2);
    let ttl = (issued.plan.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    match policy {
        OnExpiry::Term => Some(ttl + exec::GRACE + MARGIN),
        OnExpiry::Kill => Some(ttl + MARGIN),
        OnExpiry::Ignore => None,
    }
}

fn on_expiry(o: OnExpiryArg) -> OnExpiry {
    match o {
        OnExpiryArg::Term => OnExpiry::Term,
        OnExpiryArg::Kill => OnExpiry::Kill,
        OnExpiryArg::Ignore => OnExpiry::Ignore,
    }
}

/// Runs the child and, whatever happens to it, records its end and revokes its credential.
fn launch(
    ctx: &Ctx,
    args: &ExecArgs,
    keeper: Keeper<'_>,
    issued: Issued,
    sandbox: Option<sandbox::Pending>,
) -> Result<()> {
    // The credential exists but the program never ran: record that, revoke it, pass the error on.
    let not_started = |e: Error| {
        let details = serde_json::json!({ "started": false, "reason": e.to_string() });
        keeper.finish(&issued, Outcome::Error, details);
        e
    };
    let mut vars = variables(&issued);
    if let Keeper::Vault { vault, .. } = &keeper {
        vars.push(("AGENTCRED_HOME".into(), vault.dir.display().to_string()));
    }
    // Not under --replace: nothing would be left to answer it.
    let run = if args.replace {
        None
    } else {
        let covered = sandbox.as_ref().map_or(&[][..], sandbox::Pending::covered);
        match socket::RunDir::create(covered) {
            Ok(run) => Some(run),
            Err(e) => return Err(not_started(Error::BeforeChild(Box::new(e)))),
        }
    };
    if let Some(run) = &run {
        vars.push((
            socket::ENV.into(),
            run.path().to_string_lossy().into_owned(),
        ));
    }
    let env = match exec::child_env(std::env::vars_os(), args.clean_env, &vars) {
        Ok((env, replaced)) => {
            for name in replaced {
                ctx.out.warn(&format!("{name} was already set; the granted value replaces it in the program's environment"));
            }
            env
        }
        Err(e) => return Err(not_started(Error::BeforeChild(Box::new(e)))),
    };
    let argv: Vec<OsString> = args.command.clone();
    let Some(run) = run else {
        return Err(not_started(exec::replace(&argv, &env)));
    };
    let program = match exec::resolve(&argv[0], &env) {
        Ok(p) => p,
        Err(e) => return Err(not_started(e)),
    };
    let signals = match exec::Signals::install() {
        Ok(s) => s,
        Err(e) => return Err(not_started(Error::BeforeChild(Box::new(e)))),
    };
    let policy = on_expiry(args.on_expiry);
    let on_expire = keeper.on_expire(&issued, policy);
    let mask = args.mask.then(|| {
        issued
            .plan
            .secrets
            .iter()
            .map(|s| s.value.expose_secret().to_string())
            .collect()
    });
    let handler = match &keeper {
        Keeper::Vault {
            vault, delegator, ..
        } => nested::Handler::Supervisor(Box::new(nested::Service::new(
            vault,
            &issued,
            delegator.clone(),
        ))),
        Keeper::Supervisor(up) => nested::Handler::Relay(up.relay(&issued.id)),
    };
    let served = match nested::serve(&run, handler) {
        Ok(s) => s,
        Err(e) => return Err(not_started(Error::BeforeChild(Box::new(e)))),
    };
    // Written before the program can start, so that whatever kills this supervisor from here on
    // leaves a trace the next command acts on. A nested run has none: its supervisor revokes its
    // credential when the connection to it closes.
    let record = match &keeper {
        Keeper::Vault {
            vault,
            actor,
            revoke_key,
            ..
        } => match exec::running::start(
            &vault.dir,
            &issued.id,
            &issued.plan.agent,
            actor,
            issued.plan.expires_at,
            revoke_key,
        ) {
            Ok(r) => Some(r),
            Err(e) => {
                served.stop();
                return Err(not_started(Error::BeforeChild(Box::new(e))));
            }
        },
        Keeper::Supervisor(_) => None,
    };
    let spawned = match sandbox {
        Some(pending) => match pending.start(&program, &argv, &env, backstop(&issued, policy)) {
            Ok(s) => Ok(s.into()),
            Err(Failure::Other(e)) => Err(Error::BeforeChild(Box::new(e))),
            Err(Failure::Unavailable(why)) => Err(Error::BeforeChild(Box::new(Error::other(why)))),
        },
        None => exec::spawn(&program, &argv, &env, args.mask),
    };
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            served.stop();
            let e = not_started(e);
            if let Some(r) = record {
                r.remove();
            }
            return Err(e);
        }
    };
    served.admit(u32::try_from(child.pid.as_raw_nonzero().get()).unwrap_or(0));
    drop(env);
    let ending = exec::supervise(
        child,
        signals,
        exec::Supervise {
            expires_at: issued.plan.expires_at,
            on_expiry: policy,
            mask,
            on_expire,
        },
    );
    served.stop();
    drop(run);
    let ending = ending?;
    let outcome = if ending.exit_code == Some(0) {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    keeper.finish(
        &issued,
        outcome,
        serde_json::to_value(&ending).expect("endings serialise"),
    );
    if let Some(r) = record {
        r.remove();
    }
    match ending.status() {
        0 => Ok(()),
        code => Err(Error::Exit(code)),
    }
}

impl Keeper<'_> {
    /// What records the expiry, called once when the credential expires under the program.
    fn on_expire(&self, issued: &Issued, policy: OnExpiry) -> Box<dyn FnOnce() + Send> {
        match self {
            Keeper::Vault { vault, actor, .. } => {
                let dir = vault.dir.clone();
                let (actor, agent, id) =
                    (actor.clone(), issued.plan.agent.clone(), issued.id.clone());
                Box::new(move || record_expiry(&dir, &actor, &agent, &id, policy))
            }
            Keeper::Supervisor(up) => {
                let up = up.clone();
                Box::new(move || up.expired(policy))
            }
        }
    }

    /// Records the end (or the non-start) of the run and revokes its credential.
    fn finish(&self, issued: &Issued, outcome: Outcome, details: serde_json::Value) {
        match self {
            Keeper::Vault {
                vault,
                actor,
                revoke_key,
                ..
            } => finish(vault, issued, actor, revoke_key, outcome, details),
            Keeper::Supervisor(up) => up.ended(&issued.id, details),
        }
    }
}

/// `exec.expire`: the credential expired while its program ran. Best effort, as the program's
/// fate does not wait on it.
pub(super) fn record_expiry(
    dir: &std::path::Path,
    actor: &str,
    agent: &str,
    id: &str,
    policy: OnExpiry,
) {
    let mut e = Event::new(actor, "exec.expire")
        .agent(agent)
        .details(serde_json::json!({ "on_expiry": policy }));
    e.credential_id = Some(id.to_string());
    if let Ok(_lock) = crate::vault::lock::VaultLock::acquire(dir) {
        let _ = crate::audit::append(
            dir,
            crate::clock::Clock::now(&crate::clock::SystemClock),
            &[e],
        );
    }
}

/// `exec.end` and the revocation of the credential. Best effort by necessity: the child has
/// already run, and its status must still be returned; a failure is reported on stderr.
pub(super) fn finish(
    vault: &Vault,
    issued: &Issued,
    actor: &str,
    revoke_key: &KeyPair,
    outcome: Outcome,
    details: serde_json::Value,
) {
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let mut e = Event::new(actor, "exec.end")
        .agent(&issued.plan.agent)
        .details(details);
    e.credential_id = Some(issued.id.clone());
    e.result = Some(outcome);
    let line = Revocation::by_holder(
        &issued.id,
        &issued.plan.agent,
        Some(issued.plan.expires_at),
        revoke_key,
        now,
    );
    // Two files, two fsyncs: made side by side rather than one after the other (a reader that
    // finds the log ahead of the list waits for this lock and looks again).
    let result = crate::vault::lock::VaultLock::acquire(&vault.dir).and_then(|_lock| {
        let revoked = revocation::prepare(&vault.dir, &vault.config, &[line], None, now)?;
        if let Some(r) = &revoked {
            r.record_in(&mut e);
        }
        std::thread::scope(|scope| {
            let revoked = scope.spawn(|| revoked.map_or(Ok(()), revocation::Prepared::write));
            let logged = crate::audit::append(&vault.dir, now, &[e]);
            revoked
                .join()
                .expect("appending a revocation does not panic")?;
            logged
        })
    });
    if let Err(err) = result {
        eprintln!(
            "agentcred: warning: could not record the end of the program or revoke its credential {}: {err}",
            issued.id
        );
    }
}
