//! A rule ready to run: its SQL parsed once (with the version it was created with),
//! its actions split into (kind, parameters), and every substitution template in
//! their parameters parsed once. Create and Replace compile a rule to check it.

use std::collections::HashMap;

use serde_json::Value;

use super::sql::{self, SqlVersion, Statement, Template};
use super::topic_rules::{RuleError, TopicRule};

/// Action kinds whose parameters take no substitution templates (guide L7636).
const UNTEMPLATED: &[&str] = &["salesforce"];

pub struct CompiledRule {
    pub statement: Statement,
    /// `(key, parameters)` of each action, e.g. `("s3", {"bucketName": ...})`.
    pub actions: Vec<(String, Value)>,
    pub error_action: Option<(String, Value)>,
    /// Every parameter string holding `$`, parsed as a template.
    templates: HashMap<String, Template>,
}

impl std::fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRule").field("actions", &self.actions).finish()
    }
}

impl CompiledRule {
    /// The parsed template of a parameter string, `None` when the string is literal.
    pub fn template(&self, text: &str) -> Option<&Template> {
        self.templates.get(text)
    }
}

/// The SQL version a rule runs with: as given, or the default (2015-10-08).
pub fn sql_version(given: Option<&str>) -> Result<SqlVersion, RuleError> {
    match given {
        None => Ok(SqlVersion::default()),
        Some(v) => SqlVersion::parse(v).ok_or_else(|| {
            RuleError::Invalid(format!(
                "{v} is not a valid awsIotSqlVersion; use 2015-10-08, 2016-03-23 or beta"
            ))
        }),
    }
}

fn split(action: &Value) -> Result<(String, Value), RuleError> {
    match action.as_object() {
        Some(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap_or_default();
            Ok((k, v))
        }
        _ => Err(RuleError::Invalid("An action can contain only one action type.".into())),
    }
}

fn collect_templates(value: &Value, into: &mut HashMap<String, Template>) -> Result<(), RuleError> {
    match value {
        Value::String(s) if s.contains('$') && !into.contains_key(s) => {
            let t = Template::parse(s).map_err(|e| {
                RuleError::Invalid(format!("Invalid substitution template {s}: {e}"))
            })?;
            into.insert(s.clone(), t);
        }
        Value::Array(items) => {
            for v in items {
                collect_templates(v, into)?;
            }
        }
        Value::Object(map) => {
            for v in map.values() {
                collect_templates(v, into)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Parses the SQL and the templates of a rule's actions.
pub fn compile(
    sql_text: &str,
    version: Option<&str>,
    actions: &[Value],
    error_action: Option<&Value>,
) -> Result<CompiledRule, RuleError> {
    let version = sql_version(version)?;
    let statement =
        sql::parse(sql_text, version).map_err(|e| RuleError::SqlParse(e.to_string()))?;
    let actions = actions.iter().map(split).collect::<Result<Vec<_>, _>>()?;
    let error_action = error_action.map(split).transpose()?;
    let mut templates = HashMap::new();
    for (key, params) in actions.iter().chain(error_action.iter()) {
        if !UNTEMPLATED.contains(&key.as_str()) {
            collect_templates(params, &mut templates)?;
        }
    }
    Ok(CompiledRule { statement, actions, error_action, templates })
}

/// Checks a rule's payload as Create and Replace do; its FROM topic filter.
pub fn check_rule(
    sql_text: &str,
    version: Option<&str>,
    actions: &[Value],
    error_action: Option<&Value>,
) -> Result<String, RuleError> {
    let compiled = compile(sql_text, version, actions, error_action)?;
    Ok(compiled.statement.topic_filter().to_owned())
}

/// Compiles a stored rule.
pub fn compile_rule(rule: &TopicRule) -> Result<CompiledRule, RuleError> {
    compile(&rule.sql, rule.sql_version.as_deref(), &rule.actions, rule.error_action.as_ref())
}

/// Whether a rule's FROM filter matches a topic, with MQTT's rule that a wildcard
/// first level does not match a `$` topic.
pub fn filter_matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    crate::domain::topic_filter::wildcard_matches(filter, topic)
}

/// Basic Ingest: a topic `$aws/rules/{ruleName}/rest` goes to that rule only, which
/// sees the topic without the prefix. `(rule name, topic the rule sees)`.
pub fn basic_ingest(topic: &str) -> Option<(&str, &str)> {
    let rest = topic.strip_prefix("$aws/rules/")?;
    Some(rest.split_once('/').unwrap_or((rest, "")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_match_as_mqtt_and_wildcards_skip_dollar_topics() {
        assert!(filter_matches("a/+/c", "a/b/c"));
        assert!(filter_matches("a/#", "a/b/c"));
        assert!(filter_matches("a/#", "a"));
        assert!(!filter_matches("a/+", "a/b/c"));
        assert!(!filter_matches("#", "$aws/things/t/shadow/update"));
        assert!(filter_matches("$aws/things/+/shadow/update", "$aws/things/t/shadow/update"));
    }

    #[test]
    fn basic_ingest_names_the_rule_and_strips_the_prefix() {
        assert_eq!(basic_ingest("$aws/rules/r1/a/b"), Some(("r1", "a/b")));
        assert_eq!(basic_ingest("$aws/rules/r1"), Some(("r1", "")));
        assert_eq!(basic_ingest("a/b"), None);
    }

    #[test]
    fn compiling_checks_sql_version_and_templates() {
        let s3 = json!({"s3": {"bucketName": "b", "key": "${topic()}", "roleArn": "r"}});
        let filter =
            check_rule("SELECT * FROM 'a/+/c'", None, std::slice::from_ref(&s3), None).unwrap();
        assert_eq!(filter, "a/+/c");
        assert!(matches!(
            check_rule("SELECT * FROM", None, std::slice::from_ref(&s3), None),
            Err(RuleError::SqlParse(_))
        ));
        assert!(matches!(
            check_rule("SELECT * FROM 'a'", Some("2019-01-01"), &[s3], None),
            Err(RuleError::Invalid(_))
        ));
        let bad = json!({"s3": {"bucketName": "b", "key": "${topic(}", "roleArn": "r"}});
        assert!(matches!(
            check_rule("SELECT * FROM 'a'", None, &[bad], None),
            Err(RuleError::Invalid(_))
        ));
        let c =
            compile("SELECT * FROM 'a'", None, &[json!({"sqs": {"queueUrl": "${topic()}"}})], None)
                .unwrap();
        assert!(c.template("${topic()}").is_some());
        assert!(c.template("plain").is_none());
    }
}
