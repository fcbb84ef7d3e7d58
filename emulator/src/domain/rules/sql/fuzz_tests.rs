//! Robustness of the parser and evaluator: many generated and mutated inputs
//! from a seeded PRNG must never panic (errors are fine). The count is set by
//! `IOT_SQL_FUZZ_CASES` (default 20 000 so the suite stays quick).

use super::{MessageInput, SqlVersion, StaticEnvironment, Template, parse};

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SEEDS: &[&str] = &[
    "SELECT color AS rgb FROM 'a/b' WHERE temperature > 50",
    "SELECT *, 15 as speed FROM 'a/b'",
    "SELECT VALUE arr FROM 'topic'",
    "SELECT (SELECT v FROM e WHERE n = 'temperature') as temperature FROM 'my/topic'",
    "SELECT get((SELECT v FROM e WHERE n = 'temperature'),0).v as temperature FROM 'topic'",
    "SELECT CASE color WHEN 'green' THEN 'go' ELSE 'stop' END as i FROM 'a/b'",
    "SELECT {'latitude': get(lat_long, 0), 'l': [1, 2.5, 'x']} as ll FROM 'a/b'",
    "SELECT encode(*, 'base64') AS data, timestamp() AS ts FROM 'a/b'",
    "SELECT parse_time(\"yyyy.MM.dd G 'at' HH:mm:ss z\", 100000000, \"America/Belize\") as ts FROM 'A/B'",
    "SELECT substring(false, -2.411E247) AS s, cast(x AS Int) AS i FROM '#' WHERE NOT a.b[0] IS UNDEFINED",
    "SELECT regexp_replace(a, '(b+)', '$1x') AS r, trunc(2.888, 2) AS t FROM 'a/+/c'",
    "SELECT 1e999999999 + 1e-999999999 AS a, -(9223372036854775807 * 9223372036854775807 * 2) AS b FROM 'a/b'",
    "SELECT abs(-(1 * 170141183460469231731687303715884105727)) / 0.3 % 7 AS x FROM 'a/b'",
];

const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "VALUE",
    "AS",
    "AND",
    "OR",
    "NOT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "IS",
    "NULL",
    "UNDEFINED",
    "true",
    "*",
    ",",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "+",
    "-",
    "/",
    "%",
    "=",
    "<>",
    "<",
    ">=",
    "'a/b'",
    "'x'",
    "\"y\"",
    "1",
    "2.5",
    "5E-12",
    "-0",
    "a",
    "b.c",
    "e",
    "v",
    "abs(",
    "get(",
    "concat(",
    "cast(",
    "topic(",
    "substring(",
    "regexp_matches(",
    "parse_time(",
    "bitnot(",
    "power(",
    "'",
    "\"",
    "\\",
    "${",
    "$$",
    "#",
    "+",
    "\n",
    " ",
    "1e999999999",
    "-1E-999999999",
    "99999999999999999999999999999999999999999",
    "170141183460469231731687303715884105727",
    "9223372036854775807",
];

const PAYLOADS: &[&[u8]] = &[
    br#"{"color":"red","temperature":100,"a":{"b":[1,{"c":2}]},"e":[{"n":"temperature","v":22.5}],"arr":[1,2],"lat_long":[1.5,2],"x":"7"}"#,
    b"[1,2,3]",
    b"\x00\x01binary",
    b"12.5",
    b"",
];

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = if chars.is_empty() { 0 } else { rng.below(chars.len() + 1) };
        match rng.below(4) {
            0 if !chars.is_empty() && at < chars.len() => {
                chars.remove(at);
            }
            1 => {
                for c in rng.pick(TOKENS).chars().rev() {
                    chars.insert(at, c);
                }
            }
            2 if !chars.is_empty() && at < chars.len() => {
                chars[at] = char::from(32 + rng.below(95) as u8);
            }
            _ => {
                let len = rng.below(8).min(chars.len().saturating_sub(at));
                let dup: Vec<char> = chars[at..at + len].to_vec();
                for (i, c) in dup.into_iter().enumerate() {
                    chars.insert(at + i, c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn generate(rng: &mut Rng) -> String {
    let n = 1 + rng.below(14);
    (0..n).map(|_| rng.pick(TOKENS)).collect::<Vec<_>>().join(" ")
}

const LEAVES: &[&str] = &[
    "1",
    "0",
    "-3",
    "2.5",
    "-0.5",
    "5E-12",
    "1e999999999",
    "9223372036854775807",
    "'abc'",
    "'12.5'",
    "'true'",
    "\"x\"",
    "''",
    "true",
    "false",
    "null",
    "missing",
    "temperature",
    "a.b[1].c",
    "e",
    "arr",
    "x",
    "*",
    "[1, 'a', null]",
    "{'k': [2, {'n': 1.5}]}",
    "170141183460469231731687303715884105727",
];

const OPS: &[&str] = &["+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">=", "AND", "OR"];

/// A random well-formed expression: mostly valid SQL, so the evaluator and
/// every function get exercised with odd argument types and counts.
fn gen_expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 {
        return rng.pick(LEAVES).to_string();
    }
    match rng.below(9) {
        0 | 1 => rng.pick(LEAVES).to_string(),
        2 => {
            format!("({} {} {})", gen_expr(rng, depth - 1), rng.pick(OPS), gen_expr(rng, depth - 1))
        }
        3 => format!("NOT {}", gen_expr(rng, depth - 1)),
        4 => format!("-{}", gen_expr(rng, depth - 1)),
        5 => format!(
            "CASE {} WHEN {} THEN {} ELSE {} END",
            gen_expr(rng, depth - 1),
            gen_expr(rng, depth - 1),
            gen_expr(rng, depth - 1),
            gen_expr(rng, depth - 1)
        ),
        6 => format!(
            "cast({} AS {})",
            gen_expr(rng, depth - 1),
            rng.pick(&["Int", "Decimal", "String", "Boolean"])
        ),
        7 => format!("[{}, {}]", gen_expr(rng, depth - 1), gen_expr(rng, depth - 1)),
        _ => {
            let names: Vec<&str> = super::function_names().collect();
            let name = names[rng.below(names.len())];
            let argc = rng.below(4);
            let args: Vec<String> = (0..argc).map(|_| gen_expr(rng, depth - 1)).collect();
            format!("{name}({})", args.join(", "))
        }
    }
}

fn cases() -> usize {
    std::env::var("IOT_SQL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
}

#[test]
fn parser_and_evaluator_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let env = StaticEnvironment::default();
    let versions = [SqlVersion::V2015_10_08, SqlVersion::V2016_03_23, SqlVersion::Beta];
    let total = cases();
    let (mut parsed, mut evaluated) = (0usize, 0usize);
    for i in 0..total {
        let sql = match i % 4 {
            3 => format!(
                "SELECT {} AS v FROM 'a/b' WHERE {}",
                gen_expr(&mut rng, 4),
                gen_expr(&mut rng, 2)
            ),
            0 => {
                let seed = SEEDS[rng.below(SEEDS.len())];
                mutate(&mut rng, seed)
            }
            1 => format!("SELECT {} FROM 'a/b'", generate(&mut rng)),
            _ => generate(&mut rng),
        };
        let _ = Template::parse(&sql);
        let version = if i % 4 == 3 { SqlVersion::Beta } else { versions[i % 3] };
        let Ok(stmt) = parse(&sql, version) else { continue };
        parsed += 1;
        let payload = PAYLOADS[rng.below(PAYLOADS.len())];
        let input = MessageInput {
            topic: "a/b/c",
            payload,
            client_id: Some("c"),
            principal: None,
            timestamp_ms: 1,
            account: "1",
            region: "r",
            trace_id: None,
        };
        if let Ok(Some(out)) = stmt.evaluate(&input, &env) {
            let _ = out.to_bytes();
        }
        evaluated += 1;
    }
    eprintln!("fuzz: {total} inputs, {parsed} parsed and evaluated ({evaluated})");
    assert!(parsed > total / 50, "the generator should produce some valid SQL ({parsed}/{total})");
}

#[test]
fn deep_nesting_is_refused_not_overflowing() {
    let deep = format!("SELECT {}1{} FROM 'a/b'", "(".repeat(5000), ")".repeat(5000));
    let err = parse(&deep, SqlVersion::V2016_03_23).unwrap_err();
    assert!(err.to_string().contains("nested too deeply"), "{err}");
    let nots = format!("SELECT {}true FROM 'a/b'", "NOT ".repeat(5000));
    assert!(parse(&nots, SqlVersion::V2016_03_23).is_err());
    let negs = format!("SELECT {}1 FROM 'a/b'", "- ".repeat(5000));
    assert!(parse(&negs, SqlVersion::V2016_03_23).is_err());
}
