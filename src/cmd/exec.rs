//! `exec` (SPEC §5): mint, record `exec.start`, run, supervise, record `exec.end`, revoke.

use std::ffi::OsString;

use crate::audit::{Event, Outcome};
use crate::cli::{ExecArgs, OnExpiry as OnExpiryArg};
use crate::cmd::Ctx;
use crate::cmd::mint::{open_agent, request, variables};
use crate::credential::revocation::{self, Revocation, RevocationList};
use crate::credential::{self, Injected, Issued, Plan};
use crate::crypto::KeyPair;
use crate::error::{Error, Result};
use crate::exec::sandbox::{self, Failure, Hide};
use crate::exec::{self, OnExpiry};
use crate::sensitive::SecretText;
use crate::vault::Vault;

pub fn run(ctx: &Ctx, args: ExecArgs) -> Result<()> {
    let (vault, started) = start(ctx, &args).map_err(|e| match e {
        Error::BeforeChild(_) => e,
        other => Error::BeforeChild(Box::new(other)),
    })?;
    launch(ctx, &args, &vault, started)
}

/// A credential minted and recorded, ready for the child.
struct Started {
    issued: Issued,
    actor: String,
    revoke_key: KeyPair,
    sandbox: Sandbox,
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
            Ok(()) => Ok(()),
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

/// Decides the sandbox and sets it up, before any unlock input is read: `--no-sandbox` (off),
/// `--replace` (off: there is no supervisor to hold it), or on; where the kernel refuses,
/// unavailable (said once on stderr), or a refusal under `required`.
fn sandbox_for(ctx: &Ctx, args: &ExecArgs, vault: &Vault) -> Result<Sandbox> {
    let required = match args.sandbox {
        Some(mode) => mode == crate::cli::SandboxMode::Required,
        None => {
            crate::settings::Settings::load(&vault.dir)?.exec.sandbox
                == Some(crate::settings::SandboxSetting::Required)
        }
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
    match sandbox::prepare(args.mask, &Hide::new(&vault.dir, &unlock_files)) {
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
fn start(ctx: &Ctx, args: &ExecArgs) -> Result<(Vault, Started)> {
    let req = request(&args.scope, false)?;
    let vault = ctx.open_vault()?;
    let now = ctx.now();
    let revoke_key = KeyPair::generate();
    let argc = args.command.len();
    let mut sandbox = sandbox_for(ctx, args, &vault)?;

    if let Some(t) = args.on_behalf_of.as_deref() {
        let started = on_behalf(ctx, args, &vault, t, req, (revoke_key, sandbox), now)?;
        return Ok((vault, started));
    }

    if let Some(parent_id) = std::env::var("AGENTCRED_CREDENTIAL_ID")
        .ok()
        .filter(|v| !v.is_empty())
    {
        let started = nested(
            ctx,
            args,
            &vault,
            &parent_id,
            req,
            (revoke_key, sandbox),
            now,
        )?;
        return Ok((vault, started));
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
                argc,
                args,
                &sandbox.state,
            )]
        },
        now,
    )?;
    Ok((
        vault,
        Started {
            issued,
            actor,
            revoke_key,
            sandbox,
        },
    ))
}

/// The program's argv as the audit log stores it: HMACs, never the words.
fn argv_hmac(key: &SecretText, argv: &[std::ffi::OsString]) -> Vec<String> {
    argv.iter()
        .map(|a| crate::audit::hmac_field(key, a.as_encoded_bytes()))
        .collect()
}

fn start_event(
    actor: &str,
    agent: &str,
    id: &str,
    argv_hmac: Option<Vec<String>>,
    argc: usize,
    args: &ExecArgs,
    sandbox: &str,
) -> Event {
    let mut e = Event::new(actor, "exec.start")
        .agent(agent)
        .details(serde_json::json!({
            "argc": argc,
            "replace": args.replace,
            "mask": args.mask,
            "clean_env": args.clean_env,
            "on_expiry": on_expiry(args.on_expiry),
            "sandbox": sandbox,
        }));
    if sandbox != "on"
        && let Some(serde_json::Value::Object(d)) = e.details.as_mut()
    {
        d.insert(
            "warning".into(),
            "the program ran without the sandbox: it could reach the vault directory and the key file"
                .into(),
        );
    }
    e.credential_id = Some(id.to_string());
    e.argv_hmac = argv_hmac;
    e
}

/// Inside an exec: derive a narrower credential from `AGENTCRED_TOKEN` (SPEC §5.8). It never
/// widens (only secrets the parent injected, no longer than the parent lives) and needs no unlock
/// input: the token and the values already in this environment are all it uses.
fn nested(
    ctx: &Ctx,
    args: &ExecArgs,
    vault: &Vault,
    parent_id: &str,
    req: credential::Request,
    (revoke_key, mut sandbox): (KeyPair, Sandbox),
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Started> {
    let token = SecretText::new(std::env::var("AGENTCRED_TOKEN").map_err(|_| {
        Error::denied("AGENTCRED_CREDENTIAL_ID is set but AGENTCRED_TOKEN is not")
            .hint("a nested exec derives its credential from the parent's token")
    })?);
    let revoked = RevocationList::load(&vault.dir, ctx.now())?;
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
    if let Some(a) = args.scope.agent.as_deref().filter(|a| *a != info.agent) {
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
        let value = std::env::var(env).map_err(|_| {
            refuse(Error::denied(format!(
                "the parent credential's {env} is not in this environment"
            )))
        })?;
        secrets.push(Injected {
            name: name.clone(),
            env: env.clone(),
            version: 0,
            value: SecretText::new(value),
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
    let argc = args.command.len();
    let source = credential::Source {
        from: &token,
        parent: Some(parent_id),
        actor: &actor,
        extra: Some(serde_json::json!({ "nested": true })),
        revoke_key: Some(revoke_key.public()),
        limits: crate::watch::Limits::default(),
        acting: None,
    };
    sandbox.settle(ctx)?;
    let issued = credential::issue(
        vault,
        plan,
        source,
        &|id| {
            vec![start_event(
                &actor,
                &agent,
                id,
                None,
                argc,
                args,
                &sandbox.state,
            )]
        },
        now,
    )?;
    ctx.out.verbose(&format!(
        "derived credential {} from {parent_id}",
        issued.id
    ));
    Ok(Started {
        issued,
        actor,
        revoke_key,
        sandbox,
    })
}

/// `exec --on-behalf-of TOKEN` (SPEC §8): the agent running this (B) acts on a token delegated to
/// it. What the program gets is the intersection of what the token delegates and what B is
/// granted, for no longer than the token lives; the new block is signed with B's key, and the
/// audit log names both the acting agent and those it acts for.
fn on_behalf(
    ctx: &Ctx,
    args: &ExecArgs,
    vault: &Vault,
    token_arg: &str,
    req: credential::Request,
    (revoke_key, mut sandbox): (KeyPair, Sandbox),
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
    let revoked = RevocationList::load(&vault.dir, now)?;
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
    let argc = args.command.len();
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
    sandbox.settle(ctx)?;
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
                argc,
                args,
                &sandbox.state,
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
    Ok(Started {
        issued,
        actor,
        revoke_key,
        sandbox,
    })
}

fn on_expiry(o: OnExpiryArg) -> OnExpiry {
    match o {
        OnExpiryArg::Term => OnExpiry::Term,
        OnExpiryArg::Kill => OnExpiry::Kill,
        OnExpiryArg::Ignore => OnExpiry::Ignore,
    }
}

/// Runs the child and, whatever happens to it, records its end and revokes its credential.
fn launch(ctx: &Ctx, args: &ExecArgs, vault: &Vault, started: Started) -> Result<()> {
    let Started {
        issued,
        actor,
        revoke_key,
        sandbox,
    } = started;
    // The credential exists but the program never ran: record that, revoke it, pass the error on.
    let not_started = |e: Error| {
        let details = serde_json::json!({ "started": false, "reason": e.to_string() });
        finish(vault, &issued, &actor, &revoke_key, Outcome::Error, details);
        e
    };
    let mut vars = variables(&issued);
    vars.push(("AGENTCRED_HOME".into(), vault.dir.display().to_string()));
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
    if args.replace {
        return Err(not_started(exec::replace(&argv, &env)));
    }
    let program = match exec::resolve(&argv[0], &env) {
        Ok(p) => p,
        Err(e) => return Err(not_started(e)),
    };
    let signals = match exec::Signals::install() {
        Ok(s) => s,
        Err(e) => return Err(not_started(Error::BeforeChild(Box::new(e)))),
    };
    // Written before the program can start, so that whatever kills this supervisor from here on
    // leaves a trace the next command acts on.
    let record = match exec::running::start(
        &vault.dir,
        &issued.id,
        &issued.plan.agent,
        &actor,
        issued.plan.expires_at,
        &revoke_key,
    ) {
        Ok(r) => r,
        Err(e) => return Err(not_started(Error::BeforeChild(Box::new(e)))),
    };
    let spawned = match sandbox.pending {
        Some(pending) => match pending.start(&program, &argv, &env) {
            Ok(s) => Ok(s.into()),
            Err(Failure::Other(e)) => Err(Error::BeforeChild(Box::new(e))),
            Err(Failure::Unavailable(why)) => Err(Error::BeforeChild(Box::new(Error::other(why)))),
        },
        None => exec::spawn(&program, &argv, &env, args.mask),
    };
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let e = not_started(e);
            record.remove();
            return Err(e);
        }
    };
    drop(env);
    let dir = vault.dir.clone();
    let (expire_actor, agent, id) = (actor.clone(), issued.plan.agent.clone(), issued.id.clone());
    let policy = on_expiry(args.on_expiry);
    let on_expire = Box::new(move || {
        let mut e = Event::new(&expire_actor, "exec.expire")
            .agent(&agent)
            .details(serde_json::json!({ "on_expiry": policy }));
        e.credential_id = Some(id);
        if let Ok(_lock) = crate::vault::lock::VaultLock::acquire(&dir) {
            let _ = crate::audit::append(
                &dir,
                crate::clock::Clock::now(&crate::clock::SystemClock),
                &[e],
            );
        }
    });
    let mask = args.mask.then(|| {
        issued
            .plan
            .secrets
            .iter()
            .map(|s| s.value.expose_secret().to_string())
            .collect()
    });
    let ending = exec::supervise(
        child,
        signals,
        exec::Supervise {
            expires_at: issued.plan.expires_at,
            on_expiry: policy,
            mask,
            on_expire,
        },
    )?;
    let outcome = if ending.exit_code == Some(0) {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    let details = serde_json::to_value(&ending).expect("endings serialise");
    finish(vault, &issued, &actor, &revoke_key, outcome, details);
    record.remove();
    match ending.status() {
        0 => Ok(()),
        code => Err(Error::Exit(code)),
    }
}

/// `exec.end` and the revocation of the credential. Best effort by necessity: the child has
/// already run, and its status must still be returned; a failure is reported on stderr.
fn finish(
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
    // Two files, two fsyncs: made side by side rather than one after the other.
    let result = crate::vault::lock::VaultLock::acquire(&vault.dir).and_then(|_lock| {
        std::thread::scope(|scope| {
            let revoked = scope.spawn(|| revocation::append(&vault.dir, &[line], now));
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
