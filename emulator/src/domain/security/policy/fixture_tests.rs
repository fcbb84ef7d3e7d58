//! Runs every policy example of the guide, kept as data in `fixtures/policies/`, through the engine.
//!
//! Fixture format (one JSON object per file):
//! * `source`: guide line range; `title`, `notes`: what the example shows, fixes to its text;
//! * the policy: `policy` (a JSON document), `policy_text` (verbatim text) or `policies`
//!   (`[{name, policy | policy_text}]`, evaluated as a union); a single policy is named "policy";
//! * `malformed`: a substring of the expected `MalformedPolicy` message (then no cases);
//! * `context`: client_id, source_ip, principal, certificate {id, serial_number, subject,
//!   issuer, subject_alternative_names, issuer_alternative_names}, thing {name, type_name,
//!   attributes, is_attached};
//! * `cases`: `{action, resource, expect}` plus optional `context` (merged over the fixture's
//!   per top-level key; `null` removes a key), `policies` (names to evaluate), `allowed`,
//!   `explicit_deny`, `missing` (exact expected lists).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{
    AlternativeNameKind, AlternativeNames, AuthContext, CertificateContext, DistinguishedName,
    DnAttribute, NamedPolicy, PolicyDocument, ThingContext, decide, evaluate,
};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/policies"))
}

#[test]
fn guide_policy_examples() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/policies exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 50, "expected every guide example, found {} fixtures", files.len());
    let mut failures = Vec::new();
    let mut cases = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match run_fixture(file) {
            Ok(n) => cases += n,
            Err(errors) => failures.extend(errors.into_iter().map(|e| format!("{name}: {e}"))),
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
    assert!(cases > 200, "only {cases} cases ran");
}

fn run_fixture(path: &Path) -> Result<usize, Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| vec![e.to_string()])?;
    let fixture: Value =
        serde_json::from_str(&text).map_err(|e| vec![format!("invalid fixture JSON: {e}")])?;
    let fx = fixture.as_object().ok_or_else(|| vec!["fixture must be an object".to_owned()])?;
    for key in fx.keys() {
        let known = [
            "source",
            "title",
            "notes",
            "policy",
            "policy_text",
            "policies",
            "malformed",
            "context",
            "cases",
        ];
        if !known.contains(&key.as_str()) {
            return Err(vec![format!("unknown fixture key {key}")]);
        }
    }
    if !fx.get("source").is_some_and(Value::is_string) {
        return Err(vec!["fixture needs a source".to_owned()]);
    }

    let sources: Vec<(String, String)> =
        match (fx.get("policy"), fx.get("policy_text"), fx.get("policies")) {
            (Some(p), None, None) => vec![("policy".to_owned(), policy_text(p))],
            (None, Some(Value::String(t)), None) => vec![("policy".to_owned(), t.clone())],
            (None, None, Some(Value::Array(list))) => list
                .iter()
                .map(|p| {
                    let name = p["name"].as_str().expect("policies[].name").to_owned();
                    let text = match (p.get("policy"), p.get("policy_text")) {
                        (Some(doc), None) => policy_text(doc),
                        (None, Some(Value::String(t))) => t.clone(),
                        _ => panic!("policies[].policy or policy_text"),
                    };
                    (name, text)
                })
                .collect(),
            _ => return Err(vec!["exactly one of policy, policy_text, policies".to_owned()]),
        };

    if let Some(expected) = fx.get("malformed") {
        let expected = expected.as_str().unwrap_or_default();
        let [(_, text)] = sources.as_slice() else {
            return Err(vec!["malformed fixtures hold one policy".to_owned()]);
        };
        return match PolicyDocument::parse(text) {
            Ok(_) => Err(vec![format!(
                "expected MalformedPolicy containing {expected:?}, but it parsed"
            )]),
            Err(e) if e.message.contains(expected) => Ok(1),
            Err(e) => Err(vec![format!(
                "expected MalformedPolicy containing {expected:?}, got {:?}",
                e.message
            )]),
        };
    }

    let mut documents = Vec::new();
    for (name, text) in &sources {
        let doc = PolicyDocument::parse(text)
            .map_err(|e| vec![format!("policy {name} is malformed: {e}")])?;
        documents.push((name.clone(), doc));
    }
    let base_context = fx.get("context").cloned().unwrap_or(Value::Object(Map::new()));
    let cases = fx.get("cases").and_then(Value::as_array).filter(|c| !c.is_empty());
    let cases = cases.ok_or_else(|| vec!["fixture needs cases".to_owned()])?;

    let mut errors = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if let Err(e) = run_case(case, &base_context, &documents) {
            errors.push(format!("case {i} ({} {}): {e}", case["action"], case["resource"]));
        }
    }
    if errors.is_empty() { Ok(cases.len()) } else { Err(errors) }
}

fn policy_text(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap()
}

fn run_case(
    case: &Value,
    base_context: &Value,
    documents: &[(String, PolicyDocument)],
) -> Result<(), String> {
    for key in case.as_object().ok_or("case must be an object")?.keys() {
        let known = [
            "action",
            "resource",
            "expect",
            "context",
            "policies",
            "allowed",
            "explicit_deny",
            "missing",
            "note",
        ];
        if !known.contains(&key.as_str()) {
            return Err(format!("unknown case key {key}"));
        }
    }
    let action = case["action"].as_str().ok_or("case needs an action")?;
    let resource = case["resource"].as_str().ok_or("case needs a resource")?;
    let expect = case["expect"].as_str().ok_or("case needs expect")?;

    let mut context = base_context.clone();
    if let Some(Value::Object(overrides)) = case.get("context") {
        let merged = context.as_object_mut().ok_or("context must be an object")?;
        for (k, v) in overrides {
            if v.is_null() {
                merged.remove(k);
            } else {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    let ctx = auth_context(&context)?;

    let selected: Option<Vec<&str>> = case
        .get("policies")
        .map(|p| p.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect());
    let policies: Vec<NamedPolicy<'_>> = documents
        .iter()
        .filter(|(name, _)| selected.as_ref().is_none_or(|s| s.contains(&name.as_str())))
        .map(|(name, document)| NamedPolicy { name, document })
        .collect();
    if let Some(s) = &selected
        && s.len() != policies.len()
    {
        return Err(format!("unknown policy name in {s:?}"));
    }

    let evaluation = evaluate(&policies, action, resource, &ctx);
    let got = evaluation.decision.as_str();
    if got != expect {
        return Err(format!(
            "expected {expect}, got {got} (allowed {:?}, denied {:?}, missing {:?})",
            evaluation.allowed, evaluation.explicit_deny, evaluation.missing_context_values
        ));
    }
    let fast = decide(&policies, action, resource, &ctx);
    if fast != evaluation.decision {
        return Err(format!("decide() says {} but evaluate() says {got}", fast.as_str()));
    }
    let list = |key: &str| -> Option<Vec<String>> {
        case.get(key)
            .map(|v| v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect())
    };
    if let Some(want) = list("allowed")
        && evaluation.allowed != want
    {
        return Err(format!("allowed: expected {want:?}, got {:?}", evaluation.allowed));
    }
    if let Some(want) = list("explicit_deny")
        && evaluation.explicit_deny != want
    {
        return Err(format!(
            "explicit_deny: expected {want:?}, got {:?}",
            evaluation.explicit_deny
        ));
    }
    if let Some(want) = list("missing")
        && evaluation.missing_context_values != want
    {
        return Err(format!(
            "missing: expected {want:?}, got {:?}",
            evaluation.missing_context_values
        ));
    }
    Ok(())
}

fn auth_context(v: &Value) -> Result<AuthContext, String> {
    let obj = v.as_object().ok_or("context must be an object")?;
    let mut ctx = AuthContext::default();
    for (key, value) in obj {
        match key.as_str() {
            "client_id" => ctx.client_id = Some(string(value)?),
            "source_ip" => ctx.source_ip = Some(string(value)?),
            "principal" => ctx.principal = Some(string(value)?),
            "certificate" => ctx.certificate = Some(certificate(value)?),
            "thing" => ctx.thing = Some(thing(value)?),
            other => return Err(format!("unknown context key {other}")),
        }
    }
    Ok(ctx)
}

fn string(v: &Value) -> Result<String, String> {
    v.as_str().map(str::to_owned).ok_or_else(|| format!("expected a string, got {v}"))
}

/// A string or a list of strings.
fn strings(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Array(items) => items.iter().map(string).collect(),
        v => Ok(vec![string(v)?]),
    }
}

fn certificate(v: &Value) -> Result<CertificateContext, String> {
    let mut cert = CertificateContext::default();
    for (key, value) in v.as_object().ok_or("certificate must be an object")? {
        match key.as_str() {
            "id" => cert.id = string(value)?,
            "serial_number" => cert.serial_number = string(value)?,
            "subject" => cert.subject = dn(value)?,
            "issuer" => cert.issuer = dn(value)?,
            "subject_alternative_names" => cert.subject_alternative_names = alt_names(value)?,
            "issuer_alternative_names" => cert.issuer_alternative_names = alt_names(value)?,
            other => return Err(format!("unknown certificate key {other}")),
        }
    }
    Ok(cert)
}

fn dn(v: &Value) -> Result<DistinguishedName, String> {
    let mut out = DistinguishedName::default();
    for (name, values) in v.as_object().ok_or("a distinguished name is an object")? {
        let attr =
            DnAttribute::from_name(name).ok_or_else(|| format!("unknown DN attribute {name}"))?;
        for value in strings(values)? {
            out.push(attr, value);
        }
    }
    Ok(out)
}

fn alt_names(v: &Value) -> Result<AlternativeNames, String> {
    let mut out = AlternativeNames::default();
    for (name, values) in v.as_object().ok_or("alternative names are an object")? {
        let kind = AlternativeNameKind::from_name(name)
            .ok_or_else(|| format!("unknown alternative name {name}"))?;
        for value in strings(values)? {
            out.push(kind, value);
        }
    }
    Ok(out)
}

fn thing(v: &Value) -> Result<ThingContext, String> {
    let mut thing = ThingContext::default();
    for (key, value) in v.as_object().ok_or("thing must be an object")? {
        match key.as_str() {
            "name" => thing.name = string(value)?,
            "type_name" => thing.type_name = Some(string(value)?),
            "is_attached" => {
                thing.is_attached = value.as_bool().ok_or("is_attached is a boolean")?
            }
            "attributes" => {
                for (k, v) in value.as_object().ok_or("attributes is an object")? {
                    thing.attributes.insert(k.clone(), string(v)?);
                }
            }
            other => return Err(format!("unknown thing key {other}")),
        }
    }
    Ok(thing)
}
