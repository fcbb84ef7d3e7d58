//! Replays every case under `fixtures/rules/sql/` (the guide's SQL and
//! function examples, Undefined cases included) through parse and evaluate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::{MessageInput, RuleOutput, SqlVersion, StaticEnvironment, parse};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    /// Where in the guide the cases come from.
    #[allow(dead_code)]
    source: String,
    cases: Vec<Case>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Case {
    /// A full rule query...
    sql: Option<String>,
    /// ...or one expression, run as `SELECT VALUE <expr> FROM 'a/b'`.
    expr: Option<String>,
    /// Defaults to 2016-03-23 for `expr` cases, 2015-10-08 (the service's
    /// default) for `sql` cases.
    version: Option<String>,
    topic: Option<String>,
    payload: Option<serde_json::Value>,
    payload_text: Option<String>,
    payload_base64: Option<String>,
    client_id: Option<String>,
    principal: Option<String>,
    trace_id: Option<String>,
    timestamp_ms: Option<i64>,
    #[serde(default)]
    env: Env,
    /// The JSON the actions receive.
    expected: Option<serde_json::Value>,
    /// The exact bytes the actions receive, as text.
    expected_text: Option<String>,
    expected_base64: Option<String>,
    /// The value is Undefined (an empty payload).
    #[serde(default)]
    undefined: bool,
    /// WHERE was not true: no output.
    #[serde(default)]
    no_output: bool,
    /// Evaluation fails with this error's Display.
    eval_error: Option<String>,
    /// Parsing fails with a message containing this.
    parse_error: Option<String>,
    topic_filter: Option<String>,
    /// Why a case departs from the guide's text (its DEFECT number).
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Env {
    #[serde(default)]
    shadows: HashMap<String, serde_json::Value>,
    #[serde(default)]
    lambdas: HashMap<String, serde_json::Value>,
    #[serde(default)]
    predictions: HashMap<String, serde_json::Value>,
    random: Option<f64>,
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/rules/sql")
}

fn load() -> Vec<(String, usize, Case)> {
    let mut files: Vec<_> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/rules/sql exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let file: FixtureFile =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for (i, case) in file.cases.into_iter().enumerate() {
            out.push((name.clone(), i, case));
        }
    }
    out
}

fn run(case: &Case) -> Result<(), String> {
    let (sql, default_version) = match (&case.sql, &case.expr) {
        (Some(sql), None) => (sql.clone(), SqlVersion::V2015_10_08),
        (None, Some(expr)) => (format!("SELECT VALUE {expr} FROM 'a/b'"), SqlVersion::V2016_03_23),
        _ => return Err("a case has exactly one of sql and expr".into()),
    };
    let version = match &case.version {
        Some(v) => SqlVersion::parse(v).ok_or(format!("bad version {v}"))?,
        None => default_version,
    };
    let stmt = match parse(&sql, version) {
        Ok(s) => s,
        Err(e) => {
            return match &case.parse_error {
                Some(want) if e.to_string().contains(want.as_str()) => Ok(()),
                _ => Err(format!("parse error: {e}")),
            };
        }
    };
    if let Some(want) = &case.parse_error {
        return Err(format!("expected parse error containing {want:?}, but it parsed"));
    }
    if let Some(f) = &case.topic_filter
        && stmt.topic_filter() != f
    {
        return Err(format!("topic filter {:?}, want {f:?}", stmt.topic_filter()));
    }
    let payload: Vec<u8> = match (&case.payload, &case.payload_text, &case.payload_base64) {
        (Some(j), None, None) => serde_json::to_vec(j).unwrap(),
        (None, Some(t), None) => t.as_bytes().to_vec(),
        (None, None, Some(b)) => {
            base64::engine::general_purpose::STANDARD.decode(b).map_err(|e| e.to_string())?
        }
        (None, None, None) => b"{}".to_vec(),
        _ => return Err("at most one payload form".into()),
    };
    let mut env = StaticEnvironment::default();
    env.now_ms = 1_481_825_251_155;
    env.random = case.env.random.unwrap_or(0.8231909191640703);
    env.shadows = case.env.shadows.clone();
    env.lambdas = case.env.lambdas.clone();
    env.predictions = case.env.predictions.clone();
    let input = MessageInput {
        topic: case.topic.as_deref().unwrap_or("a/b"),
        payload: &payload,
        client_id: case.client_id.as_deref(),
        principal: case.principal.as_deref(),
        timestamp_ms: case.timestamp_ms.unwrap_or(1_481_825_251_155),
        account: "123456789012",
        region: "us-east-1",
        trace_id: case.trace_id.as_deref(),
    };
    let result = stmt.evaluate(&input, &env);
    let output = match (result, &case.eval_error) {
        (Err(e), Some(want)) if e.to_string() == *want => return Ok(()),
        (Err(e), _) => return Err(format!("evaluation error: {e}")),
        (Ok(o), Some(want)) => return Err(format!("expected error {want:?}, got {o:?}")),
        (Ok(o), None) => o,
    };
    let Some(output) = output else {
        return if case.no_output { Ok(()) } else { Err("WHERE was not true".into()) };
    };
    if case.no_output {
        return Err(format!("expected no output, got {output:?}"));
    }
    let text = String::from_utf8_lossy(&output.to_bytes()).into_owned();
    if case.undefined {
        return if output == RuleOutput::Binary(bytes::Bytes::new()) {
            Ok(())
        } else {
            Err(format!("expected Undefined, got {text}"))
        };
    }
    let mut checked = false;
    if let Some(want) = &case.expected {
        checked = true;
        match &output {
            RuleOutput::Json(got) if got == want => {}
            _ => return Err(format!("got {text}, want {want}")),
        }
    }
    if let Some(want) = &case.expected_text {
        checked = true;
        if &text != want {
            return Err(format!("got text {text:?}, want {want:?}"));
        }
    }
    if let Some(want) = &case.expected_base64 {
        checked = true;
        let got = base64::engine::general_purpose::STANDARD.encode(output.to_bytes());
        if &got != want {
            return Err(format!("got bytes {got}, want {want}"));
        }
    }
    if checked { Ok(()) } else { Err("the case checks nothing".into()) }
}

#[test]
fn guide_examples_replay() {
    let cases = load();
    assert!(cases.len() > 200, "only {} fixture cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(file, i, case)| {
            run(case).err().map(|e| {
                format!(
                    "{file}[{i}] {}: {e}",
                    case.sql.as_deref().or(case.expr.as_deref()).unwrap_or("")
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_function_has_fixtures() {
    let cases = load();
    let texts: Vec<String> = cases
        .iter()
        .map(|(_, _, c)| c.sql.as_deref().or(c.expr.as_deref()).unwrap_or("").to_ascii_lowercase())
        .collect();
    let mut missing: Vec<&str> = super::function_names()
        .filter(|name| !texts.iter().any(|t| t.contains(&format!("{name}("))))
        .collect();
    if !texts.iter().any(|t| t.contains("cast(")) {
        missing.push("cast");
    }
    assert!(missing.is_empty(), "functions without fixtures: {missing:?}");
}
