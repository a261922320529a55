//! Builds a large vault in one write, for benchmarks: `cargo run --release --example scale_vault --
//! DIR AGENTS GRANTS_PER_AGENT SECRETS`.
//!
//! The vault is identity-unlocked (DIR/admin.key) so benchmarks measure agentcred, not Argon2id.
//! Agent `agent-00000` gets a key in DIR/agent.key. Everything goes through the library's own
//! `Vault::update`, so the files are exactly what the CLI would have written, only in one commit.

use std::path::PathBuf;

use agentcred::agent::{Agent, Status};
use agentcred::clock::{Clock, SystemClock};
use agentcred::crypto::KeyPair;
use agentcred::grant::{Effect, Grant};
use agentcred::key::AgentKey;
use agentcred::secret::Secret;
use agentcred::sensitive::SecretText;
use agentcred::vault::{AdminKey, InitAdmin, InitOptions, Vault, fsio};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, agents, per_agent, secrets] = args.as_slice() else {
        eprintln!("usage: scale_vault DIR AGENTS GRANTS_PER_AGENT SECRETS");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let (agents, per_agent, secrets): (usize, usize, usize) =
        (agents.parse()?, per_agent.parse()?, secrets.parse()?);
    let now = SystemClock.now();
    let identity = age::x25519::Identity::generate();
    let opts = InitOptions {
        admin: InitAdmin::Identity(identity.clone()),
        recipients: vec![],
        kdf: agentcred::crypto::KdfParams::DEFAULT,
    };
    let (mut vault, _) = Vault::init(&dir, opts, now)?;
    let id_text = format!(
        "{}\n",
        secrecy::ExposeSecret::expose_secret(&identity.to_string())
    );
    fsio::create_new_private(&dir.join("admin.key"), id_text.as_bytes())?;
    let admin = AdminKey::from_x25519(identity);

    let started = std::time::Instant::now();
    let mut first_key = None;
    vault.update(&admin, now, |c| {
        for s in 0..secrets {
            let name = format!("secret-{s:04}");
            let mut secret = Secret {
                name: name.clone(),
                env: format!("SECRET_{s:04}"),
                created_at: now,
                updated_at: now,
                max_age_secs: None,
                generated_length: None,
                destination: Default::default(),
                openbao: None,
                versions: vec![],
            };
            secret.set_value(
                SecretText::new(format!(
                    "value-{s}-{}",
                    agentcred::crypto::hex(&agentcred::crypto::random_bytes::<8>())
                )),
                now,
            );
            c.state.secrets.insert(name, secret);
        }
        for a in 0..agents {
            let name = format!("agent-{a:05}");
            let key = KeyPair::generate();
            let mut keys = vec![];
            if a == 0 {
                let (k, record) = AgentKey::generate(&name, now, now + chrono::Duration::days(30));
                keys.push(record);
                first_key = Some(k);
            }
            c.state.agents.insert(
                name.clone(),
                Agent {
                    name: name.clone(),
                    description: None,
                    status: Status::Active,
                    created_at: now,
                    policy: Default::default(),
                    signing_key: key.secret(),
                    public_key: key.public().to_string(),
                    keys,
                    authority: None,
                    superseded_authorities: vec![],
                    envelope_generation: 0,
                },
            );
            for g in 0..per_agent {
                let secret = format!("secret-{:04}", (a * per_agent + g) % secrets.max(1));
                let id = format!("g_{a:05}{g:03}");
                c.add_grant(Grant {
                    id,
                    agent: name.clone(),
                    secret,
                    effect: Effect::Allow,
                    actions: vec!["read".into()],
                    resources: vec![format!("res-{g}*")],
                    max_ttl_secs: None,
                    env: None,
                    created_at: now,
                    binding: Default::default(),
                })?;
            }
        }
        c.touch_all();
        Ok((
            (),
            vec![
                agentcred::audit::Event::admin(agentcred::audit::Action::AuditCheckpoint)
                    .details(serde_json::json!({ "agents": agents, "grants": agents * per_agent })),
            ],
        ))
    })?;
    let key = first_key.expect("at least one agent");
    fsio::create_new_private(
        &dir.join("agent.key"),
        format!("{}\n", key.to_text().expose_secret()).as_bytes(),
    )?;
    eprintln!(
        "built {} with {agents} agents, {} grants, {secrets} secrets in {:.1} s; admin identity in admin.key, agent-00000's key in agent.key",
        dir.display(),
        agents * per_agent,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
