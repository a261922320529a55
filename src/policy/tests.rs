use super::fields::{self, Field};
use super::plan::{Lines, Op, Step, plan};
use super::*;

/// The field names serde reads a record with, from its own `Deserialize`.
fn serde_fields<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
    use serde::de::{self, Visitor};
    struct Probe<'a>(&'a mut Vec<&'static str>);
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend_from_slice(fields);
            Err(de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut names = Vec::new();
    let _ = T::deserialize(Probe(&mut names));
    names
}

fn names<R>(table: &[Field<R>]) -> Vec<&'static str> {
    table.iter().map(|f| f.name).collect()
}

#[test]
fn the_field_tables_name_exactly_the_fields_each_record_is_read_with() {
    assert_eq!(names(fields::AGENT), serde_fields::<AgentSpec>());
    assert_eq!(names(fields::SECRET), serde_fields::<SecretSpec>());
    assert_eq!(names(fields::GRANT), serde_fields::<GrantSpec>());
    let schema = schema::schema();
    for (def, table) in [
        ("agent", names(fields::AGENT)),
        ("secret", names(fields::SECRET)),
        ("grant", names(fields::GRANT)),
    ] {
        let props: Vec<&str> = schema["$defs"][def]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut table = table;
        table.sort_unstable();
        assert_eq!(props, table, "{def}");
    }
}

const FILE: &str = r#"version = 1
[[agents]]
name = "coder"
max_ttl = "60m"
rate_limit = "30/m"
[[secrets]]
name = "openai-key"
[[grants]]
agent = "coder"
secret = "openai-key"
actions = ["write", "read", "read"]
"#;

#[test]
fn a_file_is_read_into_normal_form() {
    let p = parse(FILE, "p.toml").unwrap();
    assert_eq!(p.agents[0].max_ttl.as_deref(), Some("1h"));
    assert_eq!(p.secrets[0].env.as_deref(), Some("OPENAI_KEY"));
    assert_eq!(p.grants[0].actions, ["read", "write"]);
    assert_eq!(p.grants[0].resources, ["*"]);
    let text = render::export(&p);
    assert_eq!(parse(&text, "export").unwrap(), p);
    assert_eq!(render::export(&parse(&text, "export").unwrap()), text);
}

#[test]
fn an_invalid_file_is_refused_with_its_position_and_what_was_expected() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "version = 1\n[[agents]]\nnam = \"x\"\n",
            "p.toml:3:1:",
            "unknown field `nam`",
        ),
        ("version = 2\n", "p.toml:1:11:", "version 2"),
        ("[[agents]]\nname = \"a\"\n", "p.toml:1:1:", "no version"),
        ("version = 1\nagents = 3\n", "p.toml:2:10:", "invalid type"),
        (
            "version = 1\n[[agents]]\nname = \"a\"\n[[secrets]]\nname = \"s\"\n[[grants]]\nagent = \"a\"\nsecret = \"s\"\nactions = [\"READ\"]\n",
            "p.toml:",
            "invalid action 'READ'",
        ),
        (
            "version = 1\n[[agents]]\nname = \"a\"\n[[grants]]\nagent = \"a\"\nsecret = \"nope\"\n",
            "p.toml:",
            "secret 'nope' is not in [[secrets]]",
        ),
        (
            "version = 1\n[[agents]]\nname = \"a\"\nmax_ttl = \"5\"\n",
            "p.toml:",
            "invalid duration",
        ),
    ];
    for (text, at, what) in cases {
        let e = parse(text, "p.toml").unwrap_err();
        assert_eq!(e.exit_code(), 65, "{text}");
        let msg = e.to_string();
        assert!(msg.starts_with(at) && msg.contains(what), "{msg}");
        assert!(e.hint_text().is_some(), "{msg}");
    }
}

fn current(p: &Policy) -> Current {
    Current {
        generation: 7,
        agents: p
            .agents
            .iter()
            .map(|a| (a.name.clone(), a.clone()))
            .collect(),
        secrets: p
            .secrets
            .iter()
            .map(|s| (s.name.clone(), s.clone()))
            .collect(),
        grants: p
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("g_{i}"), g.clone()))
            .collect(),
    }
}

#[test]
fn a_plan_pairs_up_changed_grants_and_shows_old_and_new() {
    let old = parse(FILE, "p.toml").unwrap();
    let new = parse(
        &(FILE
            .replace("\"60m\"", "\"2h\"")
            .replace("[\"write\", \"read\", \"read\"]", "[\"read\"]")
            + "[[agents]]\nname = \"etl\"\n"),
        "p.toml",
    )
    .unwrap();
    let p = plan(new.clone(), &current(&old));
    assert!(plan(old.clone(), &current(&old)).is_empty());
    assert_eq!(p.count(Op::Add), 1);
    assert_eq!(p.count(Op::Change), 2);
    assert!(matches!(&p.steps[2], Step::EditGrant { id, .. } if id == "g_0"));
    let text = render::plan(&p, "p.toml");
    assert!(
        text.contains("~ agent coder\n~     max_ttl: \"1h\" → \"2h\"\n"),
        "{text}"
    );
    assert!(
        text.contains("~     actions: [\"read\", \"write\"] → [\"read\"]\n"),
        "{text}"
    );
    assert!(text.contains("+ agent etl\n"), "{text}");
    assert_eq!(text, render::plan(&plan(new, &current(&old)), "p.toml"));
}

#[test]
fn quoted_values_read_back_as_themselves() {
    for s in [
        "plain",
        "a \"q\" \\ b",
        "tab\there\nnl\r",
        "\u{7f}del\u{1}",
        "ünï ✓",
    ] {
        let doc = format!("v = {}", fields::Val::Str(s.into()).toml());
        let v: toml::Value = toml::from_str(&doc).unwrap();
        assert_eq!(v["v"].as_str(), Some(s), "{doc}");
    }
}

/// A policy of `agents` agents, one grant each, over one secret: about 120 bytes per agent.
fn large(agents: usize) -> String {
    let mut text = String::from("version = 1\n\n[[secrets]]\nname = \"s\"\n");
    for a in 0..agents {
        text.push_str(&format!(
            "\n[[agents]]\nname = \"a{a:06}\"\nmax_ttl = \"1h\"\n"
        ));
    }
    for a in 0..agents {
        text.push_str(&format!(
            "\n[[grants]]\nagent = \"a{a:06}\"\nsecret = \"s\"\nactions = [\"read\"]\n"
        ));
    }
    text
}

#[test]
fn a_large_file_parsed_in_two_halves_means_what_it_means_whole() {
    let text = large(12_000);
    assert!(text.len() > SPLIT_FROM);
    assert!(split_parse(&text).is_some(), "the file is split");
    // The whole file, parsed as one (a multi-line string anywhere keeps it whole).
    let whole = parse(&format!("{text}# '''\n"), "p.toml").unwrap();
    assert_eq!(parse(&text, "p.toml").unwrap(), whole);
    assert_eq!((whole.agents.len(), whole.grants.len()), (12_000, 12_000));
}

#[test]
fn a_large_file_is_read_whole_where_its_halves_could_disagree() {
    // Non-ASCII text where the middle falls: the split searches bytes.
    let mut text = String::from("version = 1\n\n[[secrets]]\nname = \"s\"\n");
    for a in 0..15_000 {
        text.push_str(&format!(
            "\n[[agents]]\nname = \"a{a:06}\"\ndescription = \"é€😀é€😀é€😀\"\n"
        ));
    }
    assert!(text.len() > SPLIT_FROM);
    let mut inside = 0;
    for shift in 0..8 {
        let t = format!("{}\n{text}", "#".repeat(shift + 1));
        inside += usize::from(!t.is_char_boundary(t.len() / 2));
        assert_eq!(parse(&t, "p.toml").unwrap().agents.len(), 15_000);
    }
    assert!(
        inside > 0,
        "the middle of some file falls inside a character"
    );
    // A list given as a key in the first half and as tables in the second: the whole file
    // refuses it, so the halves must not accept it.
    let tables = large(12_000);
    let keyed = tables.replacen(
        "[[secrets]]\nname = \"s\"\n",
        "secrets = [{ name = \"s\" }]\n",
        1,
    );
    let keyed = format!("{keyed}\n[[secrets]]\nname = \"t\"\n");
    assert!(split_parse(&keyed).is_none());
    let e = parse(&keyed, "p.toml").unwrap_err();
    assert_eq!(e.exit_code(), 65, "{e}");
}

#[test]
fn errors_in_the_second_half_of_a_large_file_name_their_line() {
    let text = large(12_000);
    let lines = text.lines().count();
    // A grant of an unknown agent near the end: checked after parsing, at its record's offset.
    let bad = format!("{text}\n[[grants]]\nagent = \"nobody\"\nsecret = \"s\"\n");
    let e = parse(&bad, "p.toml").unwrap_err().to_string();
    assert!(e.starts_with(&format!("p.toml:{}:1:", lines + 2)), "{e}");
    assert!(e.contains("nobody"), "{e}");
    // A syntax error there: the halves do not parse, the whole file is parsed for the message.
    let broken = format!("{text}\n[[grants]]\nagent = \"a000001\nsecret = \"s\"\n");
    let e = parse(&broken, "p.toml").unwrap_err().to_string();
    assert!(e.starts_with(&format!("p.toml:{}:", lines + 3)), "{e}");
}

/// Files in the plain subset, each with something a reader could get wrong.
fn plain_files() -> Vec<String> {
    let mut files = vec![
        large(50),
        "version = 1\n".to_string(),
        "".to_string(),
        "# only a comment\n".to_string(),
        concat!(
            "# a policy\r\nversion = 1 # the format\r\n\r\n",
            "[[agents]] # first\r\n",
            "name = \"deploy\"\r\n",
            "\tdescription = \"ships # not a comment, ünï ✓\"\r\n",
            "max_ttl=\"1h\"\r\n",
            "rate_limit   =   \"60/m\"\r\n",
            "suspend_on_anomaly = true\r\n",
            "[[secrets]]\nname = \"gh\"\nenv = \"GH\"\nmax_age = \"30d\"\nhosts = [\"api.github.com\", ]\n",
            "delivery = \"placeholder\"\nplaceholder_prefix = \"ph_\"\n",
            "[[secrets]]\nname = \"db\"\nopenbao = \"kv/data/db#password\"\nhosts = []\n",
            "[[grants]]\nagent = \"deploy\"\nsecret = \"gh\"\ndeny = false\n",
            "actions = [ \"read\" , \"write\" ]\nresources = [\"repo:*\"]\nmax_ttl = \"15m\"\n",
            "env = \"TOKEN\"\nhosts = [\"api.github.com\"]\nmethods = [\"GET\"]\npaths = [\"/repos/*\"]\n",
            "[[grants]]\nagent = \"deploy\"\nsecret = \"db\"\ndeny = true\n",
        )
        .to_string(),
        "[[agents]]\nname = \"a\"\n[[agents]]\nname = \"b\"\n".to_string(),
        "version = 1\n[[grants]]\nagent = \"\"\nsecret = \"\"\n".to_string(),
    ];
    files.push(format!("{}# no newline at the end", files[4]));
    files
}

#[test]
fn the_plain_reader_reads_what_toml_reads() {
    for text in plain_files() {
        let fast = read::plain(&text).unwrap_or_else(|| panic!("plain:\n{text}"));
        let slow = toml_records(&text).unwrap_or_else(|e| panic!("{}:\n{text}", e.1));
        assert_eq!(fast, slow, "{text}");
    }
}

#[test]
fn the_plain_reader_leaves_everything_else_to_toml() {
    for text in [
        "\u{feff}version = 1\n",
        "version = +1\n",
        "version = 1_0\n",
        "version = 01\n",
        "version = 1\nversion = 1\n",
        "other = 1\n",
        "version = 1\n[[agents]]\nname = \"a\\u0062\"\n",
        "version = 1\n[[agents]]\nname = 'a'\n",
        "version = 1\n[[agents]]\nname = \"\"\"a\"\"\"\n",
        "version = 1\n[[agents]]\n\"name\" = \"a\"\n",
        "version = 1\n[[agents]]\nname.x = \"a\"\n",
        "version = 1\n[[agents]]\nname = \"a\"\nname = \"b\"\n",
        "version = 1\n[[agents]]\nname = \"a\"\nversion = 1\n",
        "version = 1\n[[agents]]\nnom = \"a\"\n",
        "version = 1\n[[agents]]\ndescription = \"no name\"\n",
        "version = 1\n[[agents]]\nname = \"a\"\nsuspend_on_anomaly = \"yes\"\n",
        "version = 1\n[[agents]]\nname = \"a\"\nsuspend_on_anomaly = trueish\n",
        "version = 1\n[[ agents ]]\nname = \"a\"\n",
        "version = 1\n [[agents]]\nname = \"a\"\n",
        "version = 1\n[agents]\nname = \"a\"\n",
        "version = 1\n[[agent]]\nname = \"a\"\n",
        "version = 1\n[[grants]]\nagent = \"a\"\nsecret = \"s\"\nactions = [\n\"read\"]\n",
        "version = 1\n[[grants]]\nagent = \"a\"\nsecret = \"s\"\nactions = \"read\"\n",
        "version = 1\n[[grants]]\nagent = \"a\"\nsecret = \"s\"\nactions = [\"read\" \"write\"]\n",
        "version = 1\n[[grants]]\nagent = \"a\"\n",
        "version = 1\nagents = [{ name = \"a\" }]\n",
        "version = 1\n[[agents]]\nname = \"a\" \"b\"\n",
        "version = 1\n[[agents]]\nname = \"a\r\"\n",
        "version = 1\n[[agents]]\nname = \"a\"\r\r\n",
        "version = 1 # \u{7f}\n",
        "version = 1\n[[agents]]\nname = \"a\n",
    ] {
        assert!(read::plain(text).is_none(), "{text:?}");
    }
}

/// A small xorshift generator: the mutations below are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn whatever_the_plain_reader_accepts_toml_reads_the_same() {
    // Every file one to three edits away from a plain one: whenever the fast reader takes it,
    // the TOML parser must take it too and find the same records at the same offsets.
    let bases = plain_files();
    let pieces = [
        "\"", "\\", "[", "]", "[[", "]]", "=", ",", "#", " ", "\t", "\n", "\r", "\r\n", "'", ".",
        "0", "1", "a", "{", "}", "é", "true", "\"\"\"", "name", "agents", "x = 1", "-", "_",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut taken, mut tried) = (0, 0);
    for _ in 0..30_000 {
        let mut text = bases[rng.below(bases.len() - 1) + 1].clone().into_bytes();
        for _ in 0..=rng.below(3) {
            let at = rng.below(text.len() + 1);
            match rng.below(3) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 if at < text.len() => {
                    let p = pieces[rng.below(pieces.len())].as_bytes();
                    text.splice(at..at + 1, p.iter().copied());
                }
                _ => {
                    let p = pieces[rng.below(pieces.len())].as_bytes();
                    text.splice(at..at, p.iter().copied());
                }
            }
        }
        let Ok(text) = String::from_utf8(text) else {
            continue;
        };
        tried += 1;
        if let Some(fast) = read::plain(&text) {
            taken += 1;
            match toml_records(&text) {
                Ok(slow) => assert_eq!(fast, slow, "{text:?}"),
                Err((_, e)) => panic!("the plain reader took what TOML refuses ({e}): {text:?}"),
            }
        }
    }
    // Both outcomes are exercised many times.
    assert!(taken > 3_000 && tried - taken > 3_000, "{taken} of {tried}");
}

/// A step as JSON, built as a `serde_json::Value` member by member: what [`Step::shown`] must
/// write.
fn step_value(step: &Step, id: Option<&str>) -> serde_json::Value {
    let mut out =
        serde_json::json!({ "op": step.op().as_str(), "kind": step.kind(), "name": step.label() });
    if let Some(id) = id.or_else(|| step.grant_id()) {
        out["id"] = id.into();
    }
    out["fields"] = match step.lines() {
        Lines::Set(set) => set
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.json()))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Lines::Diff(diffs) => diffs
            .into_iter()
            .map(|d| {
                (
                    d.name.to_string(),
                    serde_json::json!({ "old": d.old.json(), "new": d.new.json() }),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
    };
    if let Step::AddGrant(g) | Step::RemoveGrant { old: g, .. } | Step::EditGrant { new: g, .. } =
        step
    {
        out["agent"] = g.agent.clone().into();
        out["secret"] = g.secret.clone().into();
        out["deny"] = g.deny.into();
    }
    out
}

#[test]
fn a_step_is_written_as_the_json_value_it_shows() {
    let old = parse(
        &(FILE.to_string()
            + "[[agents]]\nname = \"gone\"\ndescription = \"a \\\"quoted\\\" \\u00e9 name\"\n[[secrets]]\nname = \"db\"\nenv = \"DB\"\nhosts = [\"db.example.com\"]\n[[grants]]\nagent = \"gone\"\nsecret = \"db\"\n[[grants]]\nagent = \"coder\"\nsecret = \"db\"\nmax_ttl = \"5m\"\nhosts = [\"db.example.com\"]\n"),
        "old.toml",
    )
    .unwrap();
    let new = parse(
        &(FILE
            .replace("\"60m\"", "\"2h\"")
            .replace("[\"write\", \"read\", \"read\"]", "[\"read\"]")
            .replace("rate_limit", "description = \"tab\\there\"\nrate_limit")
            + "[[agents]]\nname = \"etl\"\nsuspend_on_anomaly = true\n[[secrets]]\nname = \"db\"\nenv = \"DATABASE\"\nhosts = [\"db.example.com\"]\n[[grants]]\nagent = \"etl\"\nsecret = \"db\"\ndeny = true\n[[grants]]\nagent = \"etl\"\nsecret = \"openai-key\"\nactions = [\"*\"]\nresources = [\"r1*\", \"r0\"]\nmethods = [\"GET\"]\npaths = [\"/v1/*\"]\n"),
        "new.toml",
    )
    .unwrap();
    let p = plan(new, &current(&old));
    let kinds: std::collections::BTreeSet<(&str, &str)> = p
        .steps
        .iter()
        .map(|s| (s.op().as_str(), s.kind()))
        .collect();
    assert_eq!(kinds.len(), 7, "every kind of step: {kinds:?}");
    for step in &p.steps {
        for id in [None, Some("g_0123456789")] {
            let text = serde_json::value::to_raw_value(&step.shown(id)).unwrap();
            let want = step_value(step, id);
            assert_eq!(text.get(), serde_json::to_string(&want).unwrap());
            assert_eq!(step.json(), step_value(step, None));
        }
    }
}
