use super::*;
use crate::grant::{Effect, Grant};

struct Fixture {
    issuer: KeyPair,
    agent_key: KeyPair,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            issuer: KeyPair::generate(),
            agent_key: KeyPair::generate(),
        }
    }

    fn keys(&self) -> impl Fn(u32) -> Option<PublicKey> + '_ {
        move |id| {
            (id == root_key_number(&self.issuer.public().key_id())).then(|| self.issuer.public())
        }
    }

    fn authority(&self, grants: &[Grant]) -> String {
        authority(
            &self.issuer,
            "v1",
            "alice",
            &self.agent_key.public(),
            &Rights::of(grants),
            None,
        )
        .unwrap()
        .0
    }
}

fn grant(secret: &str, effect: Effect, actions: &[&str], resources: &[&str]) -> Grant {
    Grant {
        id: "g".into(),
        agent: "alice".into(),
        secret: secret.into(),
        effect,
        actions: actions.iter().map(|s| s.to_string()).collect(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        max_ttl_secs: None,
        env: None,
        created_at: Utc::now(),
    }
}

fn req(action: &str, resource: &str) -> Request {
    Request {
        action: Some(action.into()),
        resource: Some(resource.into()),
        holder: None,
    }
}

fn mint(f: &Fixture, auth: &str, n: Narrowing) -> (String, String) {
    let (token, ids) = narrow_authenticated(auth, &f.keys(), &n).unwrap();
    (token, ids.last().unwrap().clone())
}

fn narrowing(secs: i64) -> Narrowing {
    Narrowing {
        expires_at: Utc::now() + chrono::Duration::seconds(secs),
        secrets: vec!["db".into()],
        actions: None,
        resources: None,
        revoke_key: None,
        injected: vec![],
    }
}

#[test]
fn a_fresh_credential_verifies_and_names_its_agent() {
    let f = Fixture::new();
    let auth = f.authority(&[grant(
        "db",
        Effect::Allow,
        &["read"],
        &["customers", "orders"],
    )]);
    let (token, id) = mint(&f, &auth, narrowing(300));
    assert!(id.starts_with("cr_"));
    let info = verify(
        &token,
        &f.keys(),
        &|_, _| false,
        Utc::now(),
        &req("read", "customers"),
    )
    .unwrap();
    assert_eq!(info.agent, "alice");
    assert_eq!(info.credential_id.as_deref(), Some(id.as_str()));
    assert!(
        verify(
            &token,
            &f.keys(),
            &|_, _| false,
            Utc::now(),
            &Request::default()
        )
        .is_ok()
    );
}

#[test]
fn out_of_scope_expired_revoked_and_wrong_holder_are_denied() {
    let f = Fixture::new();
    let auth = f.authority(&[grant("db", Effect::Allow, &["read"], &["customers"])]);
    let (token, id) = mint(&f, &auth, narrowing(60));
    let code = |r: Result<TokenInfo>| r.err().map(|e| e.exit_code());
    assert_eq!(
        code(verify(
            &token,
            &f.keys(),
            &|_, _| false,
            Utc::now(),
            &req("write", "customers")
        )),
        Some(3)
    );
    assert_eq!(
        code(verify(
            &token,
            &f.keys(),
            &|_, _| false,
            Utc::now(),
            &req("read", "orders")
        )),
        Some(3)
    );
    let later = Utc::now() + chrono::Duration::seconds(120);
    assert_eq!(
        code(verify(
            &token,
            &f.keys(),
            &|_, _| false,
            later,
            &req("read", "customers")
        )),
        Some(3)
    );
    assert_eq!(
        code(verify(
            &token,
            &f.keys(),
            &|x, _| x == id,
            Utc::now(),
            &req("read", "customers")
        )),
        Some(3)
    );
    let as_bob = Request {
        holder: Some("bob".into()),
        ..req("read", "customers")
    };
    assert_eq!(
        code(verify(
            &token,
            &f.keys(),
            &|_, _| false,
            Utc::now(),
            &as_bob
        )),
        Some(3)
    );
}

#[test]
fn narrowing_limits_actions_resources_and_secrets() {
    let f = Fixture::new();
    let auth = f.authority(&[
        grant("db", Effect::Allow, &["read", "write"], &["*"]),
        grant("mail", Effect::Allow, &["send"], &["*"]),
    ]);
    let n = Narrowing {
        actions: Some(vec!["read".into()]),
        resources: Some(vec![Pattern::parse("cust*").unwrap()]),
        ..narrowing(60)
    };
    let (token, _) = mint(&f, &auth, n);
    let ok =
        |a: &str, r: &str| verify(&token, &f.keys(), &|_, _| false, Utc::now(), &req(a, r)).is_ok();
    assert!(ok("read", "customers"));
    assert!(!ok("write", "customers"));
    assert!(!ok("read", "orders"));
    assert!(
        !ok("send", "customers"),
        "the credential covers db only, not mail"
    );
}

#[test]
fn a_deny_beats_an_allow_on_everything() {
    let f = Fixture::new();
    let auth = f.authority(&[
        grant("db", Effect::Allow, &["*"], &["*"]),
        grant("db", Effect::Deny, &["*"], &["customers"]),
    ]);
    let (token, _) = mint(&f, &auth, narrowing(60));
    let ok =
        |a: &str, r: &str| verify(&token, &f.keys(), &|_, _| false, Utc::now(), &req(a, r)).is_ok();
    assert!(ok("read", "orders"));
    assert!(!ok("read", "customers"));
}

#[test]
fn forged_or_foreign_tokens_are_bad_data() {
    let f = Fixture::new();
    let auth = f.authority(&[grant("db", Effect::Allow, &["read"], &["*"])]);
    let (token, _) = mint(&f, &auth, narrowing(60));
    let mut bytes = token.clone().into_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(bytes).unwrap();
    let err = verify(
        &flipped,
        &f.keys(),
        &|_, _| false,
        Utc::now(),
        &Request::default(),
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 65);
    let other = Fixture::new();
    let err = verify(
        &token,
        &other.keys(),
        &|_, _| false,
        Utc::now(),
        &Request::default(),
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 65);
}

#[test]
fn further_narrowing_never_outlives_the_parent() {
    let f = Fixture::new();
    let auth = f.authority(&[grant("db", Effect::Allow, &["read"], &["*"])]);
    let (parent, _) = mint(&f, &auth, narrowing(60));
    let (child, ids) = narrow_authenticated(&parent, &f.keys(), &narrowing(3600)).unwrap();
    let id = ids.last().unwrap();
    assert!(id.starts_with("dl_"));
    let later = Utc::now() + chrono::Duration::seconds(120);
    assert!(verify(&child, &f.keys(), &|_, _| false, later, &Request::default()).is_err());
    let info = verify(
        &child,
        &f.keys(),
        &|_, _| false,
        Utc::now(),
        &Request::default(),
    )
    .unwrap();
    assert!(info.expires_at.unwrap() <= Utc::now() + chrono::Duration::seconds(61));
}
