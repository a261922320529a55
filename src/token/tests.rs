use super::*;
use crate::grant::{Effect, Grant};
use biscuit_auth::builder::{Op, Predicate, Rule};

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
            &Issuer::new(&self.issuer).unwrap(),
            "v1",
            "alice",
            &self.agent_key.public(),
            &Rights::of(grants),
            &Lifetimes {
                vault_secs: 12 * 3600,
                agent_secs: None,
                grant_secs: grants
                    .iter()
                    .map(|g| (g.secret.clone(), 12 * 3600))
                    .collect(),
            },
            None,
        )
        .unwrap()
        .0
    }
}

fn grant(secret: &str, effect: Effect, actions: &[&str], resources: &[&str]) -> Grant {
    Grant::sample("alice", secret, effect, actions, resources)
}

/// Verifies `token` as of now, nothing revoked, for `request`.
fn check(token: &str, keys: KeyLookup<'_>, request: &Request) -> Result<TokenInfo> {
    verify(token, keys, &|_, _| false, Utc::now(), request)
}

fn req(action: &str, resource: &str) -> Request {
    Request {
        action: Some(action.into()),
        resource: Some(resource.into()),
        holder: None,
        proof: None,
    }
}

fn mint(f: &Fixture, auth: &str, n: Narrowing) -> (String, String) {
    let (token, ids) = narrow_authenticated(auth, &f.keys(), &n).unwrap();
    (token, ids.last().unwrap().clone())
}

fn narrowing(secs: i64) -> Narrowing {
    Narrowing {
        issued_at: Utc::now(),
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
    let info = check(&token, &f.keys(), &req("read", "customers")).unwrap();
    assert_eq!(info.agent, "alice");
    assert_eq!(info.credential_id.as_deref(), Some(id.as_str()));
    assert!(check(&token, &f.keys(), &Request::default()).is_ok());
}

#[test]
fn out_of_scope_expired_revoked_and_wrong_holder_are_denied() {
    let f = Fixture::new();
    let auth = f.authority(&[grant("db", Effect::Allow, &["read"], &["customers"])]);
    let (token, id) = mint(&f, &auth, narrowing(60));
    let code = |r: Result<TokenInfo>| r.err().map(|e| e.exit_code());
    assert_eq!(
        code(check(&token, &f.keys(), &req("write", "customers"))),
        Some(3)
    );
    assert_eq!(
        code(check(&token, &f.keys(), &req("read", "orders"))),
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
    assert_eq!(code(check(&token, &f.keys(), &as_bob)), Some(3));
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
    let ok = |a: &str, r: &str| check(&token, &f.keys(), &req(a, r)).is_ok();
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
    let ok = |a: &str, r: &str| check(&token, &f.keys(), &req(a, r)).is_ok();
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
    let err = check(&flipped, &f.keys(), &Request::default()).unwrap_err();
    assert_eq!(err.exit_code(), 65);
    let other = Fixture::new();
    let err = check(&token, &other.keys(), &Request::default()).unwrap_err();
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
    let info = check(&child, &f.keys(), &Request::default()).unwrap();
    assert!(info.expires_at.unwrap() <= Utc::now() + chrono::Duration::seconds(61));
}

/// The Datalog text [`narrowing_block`] documents, parsed: the reference it is checked against.
fn narrowing_block_from_datalog(n: &Narrowing) -> BlockBuilder {
    let mut params: HashMap<String, Term> = HashMap::new();
    params.insert("expires".into(), date(n.expires_at));
    params.insert("expiry".into(), Term::Integer(n.expires_at.timestamp()));
    params.insert("issued".into(), Term::Integer(n.issued_at.timestamp()));
    params.insert(
        "secrets".into(),
        Term::Set(n.secrets.iter().map(|s| str_term(s)).collect()),
    );
    let mut check = String::from(
        "check if operation($op), resource($r), right($s, $a, $k, $p), {secrets}.contains($s), \
         ($a == \"*\" || $a == $op || $op == \"*\"), \
         ($r == \"*\" || ($k == \"exact\" && $p == $r) || ($k == \"prefix\" && $r.starts_with($p)))",
    );
    if let Some(actions) = n.actions.as_ref().filter(|a| !a.iter().any(|x| x == "*")) {
        params.insert(
            "actions".into(),
            Term::Set(actions.iter().map(|s| str_term(s)).collect()),
        );
        check.push_str(", ({actions}.contains($op) || $op == \"*\")");
    }
    if let Some(resources) = n
        .resources
        .as_ref()
        .filter(|r| !r.iter().any(|p| *p == Pattern::Prefix(String::new())))
    {
        let exact: BTreeSet<Term> = resources
            .iter()
            .filter(|p| matches!(p, Pattern::Exact(_)))
            .map(|p| str_term(p.body()))
            .collect();
        params.insert("exact".into(), Term::Set(exact));
        check.push_str(", ($r == \"*\" || {exact}.contains($r)");
        for (i, p) in resources
            .iter()
            .filter(|p| matches!(p, Pattern::Prefix(_)))
            .enumerate()
        {
            params.insert(format!("prefix{i}"), str_term(p.body()));
            check.push_str(&format!(" || $r.starts_with({{prefix{i}}})"));
        }
        check.push(')');
    }
    let mut facts = String::from("issued({issued});\nexpiry({expiry});\n");
    if let Some(k) = &n.revoke_key {
        params.insert("revoke_key".into(), str_term(&k.to_string()));
        facts.push_str("revoke_key({revoke_key});\n");
    }
    for (i, (secret, env)) in n.injected.iter().enumerate() {
        params.insert(format!("inj{i}s"), str_term(secret));
        params.insert(format!("inj{i}e"), str_term(env));
        facts.push_str(&format!("injected({{inj{i}s}}, {{inj{i}e}});\n"));
    }
    let code = format!("{facts}check if time($t), $t <= {{expires}};\n{check};\n");
    BlockBuilder::new()
        .code_with_params(&code, params, HashMap::new())
        .unwrap()
}

#[test]
fn narrowing_block_is_the_datalog_it_documents() {
    let pattern = |p: &str| Pattern::parse(p).unwrap();
    let mut cases = vec![narrowing(60)];
    let mut n = narrowing(3600);
    n.secrets = vec!["db".into(), "api".into(), "s3".into()];
    n.actions = Some(vec!["read".into(), "list".into()]);
    n.resources = Some(vec![
        pattern("prod/users"),
        pattern("stage/*"),
        pattern("prod/orders"),
        pattern("logs/*"),
    ]);
    n.revoke_key = Some(KeyPair::generate().public());
    n.injected = vec![
        ("db".into(), "DATABASE_URL".into()),
        ("api".into(), "API_KEY".into()),
    ];
    cases.push(n);
    let mut n = narrowing(5);
    n.actions = Some(vec!["*".into()]);
    n.resources = Some(vec![pattern("*")]);
    cases.push(n);
    let mut n = narrowing(5);
    n.resources = Some(vec![pattern("only/*")]);
    n.secrets = vec![];
    cases.push(n);

    for n in &cases {
        let built = narrowing_block(n).unwrap();
        let parsed = narrowing_block_from_datalog(n);
        assert_eq!(built.to_string(), parsed.to_string());
        assert_eq!(facts(&built), facts(&parsed));
        assert_eq!(built.checks.len(), parsed.checks.len());
        for (b, p) in built.checks.iter().zip(&parsed.checks) {
            assert_eq!(b.kind, p.kind);
            assert_eq!(b.queries.len(), p.queries.len());
            for (b, p) in b.queries.iter().zip(&p.queries) {
                assert_eq!(resolved(b), resolved(p), "{p}");
            }
        }
    }
}

type Params = Option<HashMap<String, Option<Term>>>;

/// A term with its `{parameter}` replaced by the value it was given.
fn resolve(t: &Term, params: &Params) -> Term {
    match t {
        Term::Parameter(name) => params
            .as_ref()
            .and_then(|p| p.get(name).cloned().flatten())
            .unwrap_or_else(|| panic!("parameter {name} has no value")),
        t => t.clone(),
    }
}

fn resolve_op(op: &Op, params: &Params) -> Op {
    match op {
        Op::Value(t) => Op::Value(resolve(t, params)),
        Op::Closure(args, ops) => Op::Closure(
            args.clone(),
            ops.iter().map(|o| resolve_op(o, params)).collect(),
        ),
        op => op.clone(),
    }
}

fn facts(b: &BlockBuilder) -> Vec<(String, Vec<Term>)> {
    b.facts
        .iter()
        .map(|f| {
            let terms = f.predicate.terms.iter().map(|t| resolve(t, &f.parameters));
            (f.predicate.name.clone(), terms.collect())
        })
        .collect()
}

/// A rule's head, body, expressions (operation by operation) and scopes, parameters resolved.
fn resolved(r: &Rule) -> String {
    let preds = |ps: &[Predicate]| {
        ps.iter()
            .map(|p| {
                let terms: Vec<_> = p.terms.iter().map(|t| resolve(t, &r.parameters)).collect();
                format!("{}{terms:?}", p.name)
            })
            .collect::<Vec<_>>()
    };
    let exprs: Vec<Vec<Op>> = r
        .expressions
        .iter()
        .map(|e| e.ops.iter().map(|o| resolve_op(o, &r.parameters)).collect())
        .collect();
    format!(
        "{:?} {:?} {exprs:?} {:?}",
        preds(std::slice::from_ref(&r.head)),
        preds(&r.body),
        r.scopes
    )
}
