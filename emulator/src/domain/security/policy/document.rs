//! The policy document grammar: parsing, validation and the compiled statements.
//!
//! The grammar is the guide's ("Example Policies", "AWS IoT Policies"): `Version` must be
//! "2012-10-17"; `Statement` is one object or an array of them, each with `Effect`
//! (`Allow`|`Deny`), `Action` and `Resource` (a string or an array of strings), an optional
//! `Condition` and an optional `Sid`. Anything else is a `MalformedPolicyException`, so a
//! policy that real AWS IoT would refuse is refused here too, at CreatePolicy time rather than
//! silently never matching. The 1..=2048 size excludes whitespace (CreatePolicy, L18836).

use serde_json::{Map, Value};

use super::conditions::{Condition, parse_conditions};
use super::glob::Pattern;

/// The only `Version` AWS IoT accepts (the guide: "Must be set to \"2012-10-17\"").
pub const POLICY_VERSION: &str = "2012-10-17";
/// Maximum document size in characters, whitespace excluded.
pub const MAX_POLICY_CHARS: usize = 2048;

/// Why a document was refused; `message` is what `MalformedPolicyException` carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MalformedPolicy {
    /// Human-readable reason.
    pub message: String,
}

impl MalformedPolicy {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants the action unless some statement denies it.
    Allow,
    /// Denies the action whatever else allows it.
    Deny,
}

/// One compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    actions: Vec<Pattern>,
    resources: Vec<Pattern>,
    conditions: Vec<Condition>,
}

impl Statement {
    /// The optional statement id.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Allow or Deny.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The action patterns as written.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(Pattern::raw)
    }

    /// The resource patterns as written.
    pub fn resources(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().map(Pattern::raw)
    }

    pub(crate) fn action_patterns(&self) -> &[Pattern] {
        &self.actions
    }

    pub(crate) fn resource_patterns(&self) -> &[Pattern] {
        &self.resources
    }

    pub(crate) fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
}

/// A parsed AWS IoT policy document, with its original text (the API returns it verbatim).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    text: String,
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Parses and validates a policy document.
    pub fn parse(text: &str) -> Result<PolicyDocument, MalformedPolicy> {
        let size = text.chars().filter(|c| !c.is_whitespace()).count();
        if size == 0 || size > MAX_POLICY_CHARS {
            return Err(MalformedPolicy::new(format!(
                "Policy document must be 1 to {MAX_POLICY_CHARS} characters long, excluding whitespace; it has {size}"
            )));
        }
        let json: Value = serde_json::from_str(text)
            .map_err(|e| MalformedPolicy::new(format!("Policy document is not valid JSON: {e}")))?;
        let Value::Object(root) = json else {
            return Err(MalformedPolicy::new("Policy document must be a JSON object"));
        };
        let mut version = None;
        let mut statements = None;
        for (key, value) in &root {
            match key.as_str() {
                "Version" => version = Some(value),
                "Statement" => statements = Some(value),
                // IAM's optional document id; harmless, so accepted.
                "Id" if value.is_string() => {}
                other => {
                    return Err(MalformedPolicy::new(format!(
                        "Policy document has an unsupported element \"{other}\""
                    )));
                }
            }
        }
        match version {
            Some(Value::String(v)) if v == POLICY_VERSION => {}
            Some(v) => {
                return Err(MalformedPolicy::new(format!(
                    "Version must be \"{POLICY_VERSION}\", not {v}"
                )));
            }
            None => {
                return Err(MalformedPolicy::new(format!(
                    "Version is required and must be \"{POLICY_VERSION}\""
                )));
            }
        }
        let statements = match statements {
            Some(Value::Object(s)) => vec![parse_statement(0, s)?],
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(s) => parse_statement(i, s),
                    _ => Err(MalformedPolicy::new(format!("Statement[{i}] must be an object"))),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(MalformedPolicy::new(
                    "Statement must be an object or a non-empty array",
                ));
            }
            None => return Err(MalformedPolicy::new("Statement is required")),
        };
        Ok(PolicyDocument { text: text.to_owned(), statements })
    }

    /// The document exactly as submitted.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The compiled statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

fn parse_statement(index: usize, s: &Map<String, Value>) -> Result<Statement, MalformedPolicy> {
    let err = |msg: String| MalformedPolicy::new(format!("Statement[{index}]: {msg}"));
    let mut sid = None;
    let mut effect = None;
    let mut actions = None;
    let mut resources = None;
    let mut conditions = Vec::new();
    for (key, value) in s {
        match key.as_str() {
            "Sid" => match value {
                Value::String(v) => sid = Some(v.clone()),
                _ => return Err(err("Sid must be a string".into())),
            },
            "Effect" => {
                effect = Some(match value.as_str() {
                    Some("Allow") => Effect::Allow,
                    Some("Deny") => Effect::Deny,
                    _ => {
                        return Err(err(format!(
                            "Effect must be \"Allow\" or \"Deny\", not {value}"
                        )));
                    }
                });
            }
            "Action" => {
                actions = Some(string_list(value).ok_or_else(|| {
                    err("Action must be a string or a non-empty array of strings".into())
                })?)
            }
            "Resource" => {
                resources = Some(string_list(value).ok_or_else(|| {
                    err("Resource must be a string or a non-empty array of strings".into())
                })?);
            }
            "Condition" => conditions = parse_conditions(value).map_err(err)?,
            // NotAction, NotResource, Principal, and the guide's "TopicFilter" (defect D8)
            // are not part of the AWS IoT policy grammar.
            other => return Err(err(format!("unsupported element \"{other}\""))),
        }
    }
    let effect = effect.ok_or_else(|| err("Effect is required".into()))?;
    let actions = actions.ok_or_else(|| err("Action is required".into()))?;
    let resources = resources.ok_or_else(|| err("Resource is required".into()))?;
    for action in &actions {
        // IAM's rule: `*` or `service:action`; the action part may use wildcards.
        let valid = action == "*"
            || action
                .split_once(':')
                .is_some_and(|(svc, name)| !svc.is_empty() && !name.is_empty())
                && !action.contains(char::is_whitespace);
        if !valid {
            return Err(err(format!("invalid action \"{action}\"")));
        }
    }
    for resource in &resources {
        if resource != "*" && !resource.starts_with("arn:") {
            return Err(err(format!("resource \"{resource}\" must be \"*\" or an ARN")));
        }
    }
    Ok(Statement {
        sid,
        effect,
        // Actions are matched case-insensitively and never contain variables.
        actions: actions.iter().map(|a| Pattern::new(a, true, false)).collect(),
        resources: resources.iter().map(|r| Pattern::new(r, true, true)).collect(),
        conditions,
    })
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(|v| v.as_str().map(str::to_owned)).collect()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(statement: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":{statement}}}"#)
    }

    fn malformed(text: &str) -> String {
        PolicyDocument::parse(text).expect_err(text).message
    }

    #[test]
    fn parses_single_statement_object_and_keeps_text() {
        let text = doc(r#"{"Sid":"s1","Effect":"Allow","Action":"iot:Connect","Resource":"*"}"#);
        let d = PolicyDocument::parse(&text).unwrap();
        assert_eq!(d.text(), text);
        assert_eq!(d.statements().len(), 1);
        let s = &d.statements()[0];
        assert_eq!(s.sid(), Some("s1"));
        assert_eq!(s.effect(), Effect::Allow);
        assert_eq!(s.actions().collect::<Vec<_>>(), ["iot:Connect"]);
        assert_eq!(s.resources().collect::<Vec<_>>(), ["*"]);
    }

    #[test]
    fn version_must_be_2012_10_17() {
        let stmt = r#"[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]"#;
        assert!(
            malformed(&format!(r#"{{"Version":"2008-10-17","Statement":{stmt}}}"#))
                .contains("Version")
        );
        assert!(malformed(&format!(r#"{{"Statement":{stmt}}}"#)).contains("Version"));
        assert!(
            malformed(&format!(r#"{{"Version":20121017,"Statement":{stmt}}}"#)).contains("Version")
        );
    }

    #[test]
    fn structural_errors_are_malformed() {
        assert!(malformed("").contains("1 to 2048"));
        assert!(malformed("   \n\t ").contains("1 to 2048"));
        assert!(malformed("{").contains("JSON"));
        assert!(malformed("[]").contains("object"));
        assert!(malformed(r#"{"Version":"2012-10-17"}"#).contains("Statement is required"));
        assert!(malformed(&doc("[]")).contains("non-empty"));
        assert!(malformed(&doc(r#"["x"]"#)).contains("Statement[0]"));
        assert!(
            malformed(r#"{"Version":"2012-10-17","Statement":[],"Extra":1}"#).contains("Extra")
        );
        let bad = [
            (r#"{"Action":"iot:*","Resource":"*"}"#, "Effect is required"),
            (r#"{"Effect":"allow","Action":"iot:*","Resource":"*"}"#, "Effect"),
            (r#"{"Effect":"Allow","Resource":"*"}"#, "Action is required"),
            (r#"{"Effect":"Allow","Action":"iot:*"}"#, "Resource is required"),
            (r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#, "Action"),
            (r#"{"Effect":"Allow","Action":[1],"Resource":"*"}"#, "Action"),
            (r#"{"Effect":"Allow","Action":"Publish","Resource":"*"}"#, "invalid action"),
            (r#"{"Effect":"Allow","Action":"iot:*","Resource":"topic/foo"}"#, "ARN"),
            (
                r#"{"Effect":"Allow","Action":"iot:*","Resource":"*","TopicFilter":["foo/*"]}"#,
                "TopicFilter",
            ),
            (r#"{"Effect":"Allow","Action":"iot:*","NotResource":"*"}"#, "NotResource"),
            (
                r#"{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
                "Principal",
            ),
            (
                r#"{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":{"StringSimilar":{"iot:ClientId":"x"}}}"#,
                "unknown condition operator",
            ),
            (r#"{"Sid":1,"Effect":"Allow","Action":"iot:*","Resource":"*"}"#, "Sid"),
        ];
        for (stmt, needle) in bad {
            let msg = malformed(&doc(&format!("[{stmt}]")));
            assert!(msg.contains(needle), "{stmt}: {msg}");
            assert!(msg.starts_with("Statement[0]"), "{msg}");
        }
    }

    #[test]
    fn size_limit_excludes_whitespace() {
        let base = doc(
            r#"{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:1:topic/"}"#,
        );
        let used = base.chars().filter(|c| !c.is_whitespace()).count();
        let fill = |n: usize| base.replace("topic/", &format!("topic/{}", "a".repeat(n)));
        let at_limit = fill(MAX_POLICY_CHARS - used);
        assert_eq!(at_limit.chars().filter(|c| !c.is_whitespace()).count(), MAX_POLICY_CHARS);
        assert!(PolicyDocument::parse(&at_limit).is_ok());
        assert!(malformed(&fill(MAX_POLICY_CHARS - used + 1)).contains("2049"));
        // Whitespace does not count, however much of it there is.
        let padded = at_limit.replace(',', &format!(",{}", " ".repeat(4000)));
        assert!(PolicyDocument::parse(&padded).is_ok());
    }
}
