//! `secret add`: a secret whose value OpenBao provides.

use crate::audit::{Action, Event};
use crate::cli::SecretAddArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};
use crate::openbao::{self, Source};
use crate::secret::{self, Secret, Stage, Version};

use super::edit;

pub(super) fn add(ctx: &Ctx, args: SecretAddArgs) -> Result<()> {
    secret::validate_name(&args.name)?;
    let name = args.name.clone();
    let source = source(&args)?;
    let env = match (&args.env, &source) {
        (Some(env), _) => {
            secret::validate_env(env)?;
            env.clone()
        }
        (None, Source::Lease { map, .. }) => map[0].env.clone(),
        (None, _) => secret::default_env_checked(&name)?,
    };
    if let Some(d) = args.max_age.filter(|d| d.num_seconds() <= 0) {
        return Err(Error::usage(format!(
            "--max-age must be positive, not {}",
            crate::duration::format(d)
        )));
    }
    let wanted = edit::Wanted::parse(&args.destination)?;
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    if vault.load_state(&admin)?.secrets.contains_key(&name) {
        return Err(exists(&name));
    }
    // OpenBao must answer before anything is stored: a KV field is read (its version is the
    // secret's first), and otherwise agentcred's own token is looked up.
    let settings = crate::settings::Settings::load(&vault.dir)?.openbao;
    let client = openbao::Client::new(&settings)?;
    let first = match &source {
        Source::Kv {
            mount, path, field, ..
        } => Some(openbao::provision::read_kv(&client, mount, path, field, 0, 0, &name)?.1),
        _ => {
            client.ok(
                "GET",
                "auth/token/lookup-self",
                None,
                "checking agentcred's token",
            )?;
            None
        }
    };
    let now = ctx.now();
    let described = source.describe();
    let (version, kind) = vault.update(&admin, now, |c| {
        if c.state.secrets.contains_key(&name) {
            return Err(exists(&name));
        }
        let mut s = Secret {
            name: name.clone(),
            env: env.clone(),
            created_at: c.now,
            updated_at: c.now,
            max_age_secs: args.max_age.map(|d| d.num_seconds()),
            generated_length: None,
            destination: Default::default(),
            openbao: Some(source.clone()),
            versions: first
                .map(|v| Version {
                    version: v,
                    stage: Stage::Current,
                    created_at: c.now,
                    retire_at: None,
                    value: None,
                })
                .into_iter()
                .collect(),
        };
        wanted.apply(&mut s)?;
        if s.destination.delivery == crate::destination::Delivery::Broker
            && let Source::Lease { map, .. } = &source
            && map.len() != 1
        {
            return Err(Error::usage(format!(
                "secret '{name}' maps {} lease fields: brokered delivery takes one value",
                map.len()
            ))
            .hint("map one field (the broker puts it into requests), or deliver the lease in the environment"));
        }
        let mut details = serde_json::json!({
            "created": true,
            "source": "openbao",
            "openbao": source,
        });
        if let Some(v) = first {
            details["version"] = v.into();
        }
        if !wanted.is_empty() {
            details["destination"] = edit::details(&s.destination);
        }
        c.state.secrets.insert(name.clone(), s);
        let event = Event::admin(Action::SecretSet)
            .secrets([name.as_str()])
            .details(details);
        Ok(((first, source.kind()), vec![event]))
    })?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "secret": name,
            "created": true,
            "openbao": kind,
            "version": version,
        }));
    } else {
        ctx.out.done(&format!("added secret {name}: {described}"));
    }
    Ok(())
}

fn exists(name: &str) -> Error {
    Error::exists(format!("secret '{name}' already exists")).hint(format!(
        "remove it first (`agentcred secret remove {name}`) to change where its value comes from"
    ))
}

fn source(args: &SecretAddArgs) -> Result<Source> {
    if args.openbao_token {
        if args.policies.is_empty() {
            return Err(Error::usage("--openbao-token needs at least one --policy")
                .hint("without one, OpenBao would give each token every policy of agentcred's own token"));
        }
        for p in &args.policies {
            openbao::check_path(p)?;
        }
        if args.num_uses == Some(0) {
            return Err(Error::usage(
                "--num-uses must be at least 1 (leave it out for no limit)",
            ));
        }
        return Ok(Source::Token {
            policies: args.policies.clone(),
            num_uses: args.num_uses,
        });
    }
    if let Some(path) = &args.openbao_lease {
        openbao::check_path(path)?;
        if args.map.is_empty() {
            return Err(
                Error::usage("--openbao-lease needs at least one --map FIELD=VAR")
                    .hint("for example --map username=DB_USER --map password=DB_PASS"),
            );
        }
        let map = args
            .map
            .iter()
            .map(|m| openbao::parse_field(m))
            .collect::<Result<Vec<_>>>()?;
        for (i, f) in map.iter().enumerate() {
            if map[..i].iter().any(|g| g.env == f.env) {
                return Err(Error::usage(format!("--map names {} twice", f.env)));
            }
        }
        return Ok(Source::Lease {
            path: path.trim_matches('/').to_string(),
            map,
        });
    }
    let kv = args
        .openbao_kv
        .as_deref()
        .expect("clap requires one source");
    let (mount, path, field) = openbao::parse_kv(kv)?;
    let cache = args.cache.map_or(0, |d| d.num_seconds());
    if cache < 0 {
        return Err(Error::usage("--cache cannot be negative"));
    }
    Ok(Source::Kv {
        mount,
        path,
        field,
        cache_secs: cache as u64,
    })
}
