//! In-process `agentcred::token::verify` of a three-hop delegation chain (docs/DESIGN.md,
//! "Tokens and delegation"): the authority block, the credential block and hops A→B, B→C and C→D
//! (each a third-party block signed by the holder's agent key), as `delegate` hands it over; and
//! the same with D's acting block, as `exec --on-behalf-of` leaves it. Built with the token library
//! directly from generated keys; no vault, no files.
//!
//! `cargo bench --bench verify` (add `-- --quick` for a short run).

use std::hint::black_box;

use agentcred::crypto::{KeyPair, PublicKey};
use agentcred::grant::{Pattern, Right, Rights};
use agentcred::token::{self, Delegation, Narrowing, Request};
use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

fn rights(actions: &[&str], resources: &[Pattern]) -> Rights {
    let mut rights = Rights::default();
    for secret in ["crm", "billing"] {
        for action in actions {
            for pattern in resources {
                rights.allow.insert(Right {
                    secret: secret.into(),
                    action: (*action).into(),
                    pattern: pattern.clone(),
                });
            }
        }
    }
    rights
}

/// A token for D: authority (A) → credential → A→B → B→C → C→D, as `delegate` hands it over
/// (5 blocks), and the same with D's acting block, as `exec --on-behalf-of` leaves it (6 blocks);
/// and its issuer.
fn three_hop_chain() -> (String, String, KeyPair) {
    let issuer = KeyPair::generate();
    let agents: Vec<KeyPair> = (0..4).map(|_| KeyPair::generate()).collect();
    let names = ["a", "b", "c", "d"];
    let keys =
        |n: u32| (n == token::root_key_number(&issuer.public().key_id())).then(|| issuer.public());
    let now = Utc::now();
    let exact = |r: &str| Pattern::Exact(r.to_string());
    let (authority, _) = token::authority(
        &token::Issuer::new(&issuer).unwrap(),
        "bench-vault",
        "a",
        &agents[0].public(),
        &rights(&["read", "write"], &[exact("customers"), exact("orders")]),
        &token::Lifetimes {
            vault_secs: 12 * 3600,
            agent_secs: None,
            grant_secs: [
                ("crm".to_string(), 12 * 3600),
                ("billing".to_string(), 12 * 3600),
            ]
            .into(),
        },
        Some(now + Duration::days(30)),
    )
    .expect("authority");
    let credential = Narrowing {
        issued_at: now,
        expires_at: now + Duration::hours(1),
        secrets: vec!["crm".into(), "billing".into()],
        actions: Some(vec!["read".into(), "write".into()]),
        resources: Some(vec![exact("customers"), exact("orders")]),
        revoke_key: Some(KeyPair::generate().public()),
        injected: vec![
            ("crm".into(), "CRM".into()),
            ("billing".into(), "BILLING".into()),
        ],
    };
    let (mut text, _) =
        token::narrow_authenticated(&authority, &keys, &credential).expect("credential");
    for hop in 0..3 {
        let d = Delegation {
            from: names[hop].into(),
            to: names[hop + 1].into(),
            to_key: agents[hop + 1].public(),
            task: Some(format!("task {hop}")),
            actions: Some(vec!["read".into()]),
            resources: Some(vec!["customers".into()]),
            expires_at: now + Duration::minutes(50 - 10 * hop as i64),
        };
        text = token::delegate(&text, &keys, &agents[hop], &d)
            .expect("a hop")
            .0;
    }
    let acting = Narrowing {
        issued_at: now,
        expires_at: now + Duration::minutes(15),
        secrets: vec!["crm".into()],
        actions: Some(vec!["read".into()]),
        resources: Some(vec![exact("customers")]),
        revoke_key: Some(KeyPair::generate().public()),
        injected: vec![("crm".into(), "CRM".into())],
    };
    let d_rights = rights(&["read"], &[exact("customers")]);
    let acted = token::act(&text, &keys, &agents[3], "d", &d_rights, &acting)
        .expect("acting block")
        .0;
    (text, acted, issuer)
}

fn verify(c: &mut Criterion) {
    let (delegated, text, issuer) = three_hop_chain();
    let issuer_public: PublicKey = issuer.public();
    let number = token::root_key_number(&issuer_public.key_id());
    let keys = move |n: u32| (n == number).then_some(issuer_public);
    let request = Request {
        action: Some("read".into()),
        resource: Some("customers".into()),
        holder: Some("d".into()),
        proof: None,
    };
    let not_revoked = |_: &str, _: &token::TokenInfo| false;
    let info = token::verify(&text, &keys, &not_revoked, Utc::now(), &request)
        .expect("the chain verifies");
    assert_eq!(info.blocks, 6);
    assert_eq!(info.hops.len(), 3);
    assert!(info.holder_signed);
    let info = token::verify(&delegated, &keys, &not_revoked, Utc::now(), &request)
        .expect("the delegated chain verifies");
    assert_eq!(info.blocks, 5);
    assert!(!info.holder_signed);
    c.bench_function("verify three-hop chain as delegated (5 blocks)", |b| {
        b.iter(|| {
            token::verify(
                black_box(&delegated),
                &keys,
                &not_revoked,
                Utc::now(),
                black_box(&request),
            )
            .expect("verifies")
        })
    });
    c.bench_function(
        "verify three-hop chain with the acting block (6 blocks)",
        |b| {
            b.iter(|| {
                token::verify(
                    black_box(&text),
                    &keys,
                    &not_revoked,
                    Utc::now(),
                    black_box(&request),
                )
                .expect("verifies")
            })
        },
    );
}

criterion_group!(benches, verify);
criterion_main!(benches);
