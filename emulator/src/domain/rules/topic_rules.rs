//! Topic rules and their management (Create, Replace, Get, List, Delete, Enable,
//! Disable): names, actions and SQL checked as AWS IoT checks them, one rule per name.

use serde_json::Value;

use crate::domain::paging::page_limit;
use crate::domain::{Clock, Millis, Scope, Store, StoreError};

/// Actions one rule may have (AWS IoT's quota).
pub const MAX_ACTIONS: usize = 10;

/// A rule as the store keeps it. Actions stay the JSON objects the caller gave (one
/// key each, e.g. `{"s3": {...}}`), so GetTopicRule returns them as they came,
/// including action kinds the emulator only records.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRule {
    pub name: String,
    pub sql: String,
    pub description: Option<String>,
    /// `awsIotSqlVersion` as given; `None` means the default (2015-10-08).
    pub sql_version: Option<String>,
    pub actions: Vec<Value>,
    pub error_action: Option<Value>,
    pub disabled: bool,
    pub created_at: Millis,
    /// The FROM topic filter of the SQL (`topicPattern` in ListTopicRules).
    pub topic_pattern: String,
}

impl TopicRule {
    pub fn arn(&self, scope: &Scope) -> String {
        scope.arn(&format!("rule/{}", self.name))
    }
}

/// What CreateTopicRule and ReplaceTopicRule give (`topicRulePayload`), with the
/// FROM filter the SQL parser found.
#[derive(Debug, Clone, PartialEq)]
pub struct RulePayload {
    pub sql: String,
    pub description: Option<String>,
    pub sql_version: Option<String>,
    pub actions: Vec<Value>,
    pub error_action: Option<Value>,
    pub disabled: bool,
    pub topic_pattern: String,
}

/// Why a rule operation was refused; the edge maps each to the service's error.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    SqlParse(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// AWS IoT answers UnauthorizedException for a rule that does not exist.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Storage of topic rules, inside a transaction.
pub trait TopicRuleRecords {
    fn topic_rule(&self, scope: &Scope, name: &str) -> Result<Option<TopicRule>, StoreError>;
    fn put_topic_rule(&self, scope: &Scope, rule: &TopicRule) -> Result<(), StoreError>;
    fn delete_topic_rule(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;
    /// Every rule of a scope, in name order.
    fn topic_rules(&self, scope: &Scope) -> Result<Vec<TopicRule>, StoreError>;
    /// Every rule of every scope (what the rules engine loads).
    fn all_topic_rules(&self) -> Result<Vec<(Scope, TopicRule)>, StoreError>;
}

/// Which rules ListTopicRules returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleQuery {
    /// Rules whose FROM filter is this topic or matches it.
    pub topic: Option<String>,
    pub disabled: Option<bool>,
    /// Only names after this one.
    pub after: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RulePage {
    pub rules: Vec<TopicRule>,
    pub next_after: Option<String>,
}

fn not_found(name: &str) -> RuleError {
    RuleError::NotFound(format!("Rule {name} does not exist"))
}

/// Each action is an object with exactly one key (the action kind); a rule has at
/// most [`MAX_ACTIONS`].
pub fn check_actions(actions: &[Value], error_action: Option<&Value>) -> Result<(), RuleError> {
    if actions.len() > MAX_ACTIONS {
        return Err(RuleError::Invalid(format!(
            "A rule can have at most {MAX_ACTIONS} actions; {} were given.",
            actions.len()
        )));
    }
    for action in actions.iter().chain(error_action) {
        match action.as_object() {
            Some(o) if o.len() == 1 => {}
            Some(o) if o.is_empty() => {
                return Err(RuleError::Invalid("An action must name one action type.".into()));
            }
            _ => {
                return Err(RuleError::Invalid(
                    "An action can contain only one action type.".into(),
                ));
            }
        }
    }
    Ok(())
}

/// The rule operations over a store and a clock.
pub struct TopicRules<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
}

impl<S: Store> TopicRules<'_, S> {
    /// CreateTopicRule; `on_create` runs in the same transaction (tags).
    pub fn create(
        &self,
        scope: &Scope,
        name: &str,
        payload: RulePayload,
        on_create: impl FnOnce(&dyn crate::domain::Tx, &TopicRule) -> Result<(), RuleError>,
    ) -> Result<TopicRule, RuleError> {
        check_actions(&payload.actions, payload.error_action.as_ref())?;
        let now = self.clock.now_millis();
        self.store.write(|tx| {
            if tx.topic_rule(scope, name)?.is_some() {
                return Err(RuleError::AlreadyExists(format!("Rule {name} already exists")));
            }
            let rule = rule_from(name, payload, now);
            tx.put_topic_rule(scope, &rule)?;
            on_create(tx, &rule)?;
            Ok(rule)
        })
    }

    /// ReplaceTopicRule: the whole rule is replaced; its creation time stays.
    pub fn replace(
        &self,
        scope: &Scope,
        name: &str,
        payload: RulePayload,
    ) -> Result<TopicRule, RuleError> {
        check_actions(&payload.actions, payload.error_action.as_ref())?;
        self.store.write(|tx| {
            let old = tx.topic_rule(scope, name)?.ok_or_else(|| not_found(name))?;
            let rule = rule_from(name, payload, old.created_at);
            tx.put_topic_rule(scope, &rule)?;
            Ok(rule)
        })
    }

    pub fn get(&self, scope: &Scope, name: &str) -> Result<TopicRule, RuleError> {
        self.store.read(|tx| tx.topic_rule(scope, name)?.ok_or_else(|| not_found(name)))
    }

    pub fn list(&self, scope: &Scope, query: &RuleQuery) -> Result<RulePage, RuleError> {
        let limit = page_limit(query.limit);
        let all = self.store.read(|tx| tx.topic_rules(scope))?;
        let mut rules: Vec<TopicRule> = all
            .into_iter()
            .filter(|r| query.after.as_deref().is_none_or(|a| r.name.as_str() > a))
            .filter(|r| query.disabled.is_none_or(|d| r.disabled == d))
            .filter(|r| {
                query.topic.as_deref().is_none_or(|t| {
                    r.topic_pattern == t
                        || crate::domain::topic_filter::wildcard_matches(&r.topic_pattern, t)
                })
            })
            .collect();
        let next_after = (rules.len() > limit).then(|| rules[limit - 1].name.clone());
        rules.truncate(limit);
        Ok(RulePage { rules, next_after })
    }

    /// DeleteTopicRule; `on_delete` runs in the same transaction (tags).
    pub fn delete(
        &self,
        scope: &Scope,
        name: &str,
        on_delete: impl FnOnce(&dyn crate::domain::Tx, &TopicRule) -> Result<(), RuleError>,
    ) -> Result<(), RuleError> {
        self.store.write(|tx| {
            let rule = tx.topic_rule(scope, name)?.ok_or_else(|| not_found(name))?;
            tx.delete_topic_rule(scope, name)?;
            on_delete(tx, &rule)
        })
    }

    /// EnableTopicRule / DisableTopicRule.
    pub fn set_disabled(&self, scope: &Scope, name: &str, disabled: bool) -> Result<(), RuleError> {
        self.store.write(|tx| {
            let mut rule = tx.topic_rule(scope, name)?.ok_or_else(|| not_found(name))?;
            rule.disabled = disabled;
            tx.put_topic_rule(scope, &rule)?;
            Ok(())
        })
    }
}

fn rule_from(name: &str, p: RulePayload, created_at: Millis) -> TopicRule {
    TopicRule {
        name: name.to_owned(),
        sql: p.sql,
        description: p.description,
        sql_version: p.sql_version,
        actions: p.actions,
        error_action: p.error_action,
        disabled: p.disabled,
        created_at,
        topic_pattern: p.topic_pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::Fixture;
    use serde_json::json;

    fn scope() -> Scope {
        Scope::new("123456789012", "us-east-1")
    }

    fn payload(filter: &str) -> RulePayload {
        RulePayload {
            sql: format!("SELECT * FROM '{filter}'"),
            description: None,
            sql_version: None,
            actions: vec![json!({"republish": {"topic": "out", "roleArn": "r"}})],
            error_action: None,
            disabled: false,
            topic_pattern: filter.into(),
        }
    }

    fn none(_: &dyn crate::domain::Tx, _: &TopicRule) -> Result<(), RuleError> {
        Ok(())
    }

    #[test]
    fn create_get_replace_disable_delete() {
        let f = Fixture::at(1_000);
        let rules = TopicRules { store: &f.store, clock: &f.clock };
        let s = scope();
        let created = rules.create(&s, "r1", payload("a/+/c"), none).unwrap();
        assert_eq!(created.arn(&s), "arn:aws:iot:us-east-1:123456789012:rule/r1");
        let again = rules.create(&s, "r1", payload("x"), none).unwrap_err();
        assert!(matches!(again, RuleError::AlreadyExists(m) if m == "Rule r1 already exists"));
        let replaced = rules.replace(&s, "r1", payload("b/#")).unwrap();
        assert_eq!(
            (replaced.topic_pattern.as_str(), replaced.created_at),
            ("b/#", created.created_at)
        );
        rules.set_disabled(&s, "r1", true).unwrap();
        assert!(rules.get(&s, "r1").unwrap().disabled);
        rules.delete(&s, "r1", none).unwrap();
        assert!(matches!(rules.get(&s, "r1"), Err(RuleError::NotFound(_))));
        assert!(matches!(rules.replace(&s, "r1", payload("x")), Err(RuleError::NotFound(_))));
        assert!(matches!(rules.set_disabled(&s, "r1", false), Err(RuleError::NotFound(_))));
    }

    #[test]
    fn list_filters_by_topic_and_state_and_pages_by_name() {
        let f = Fixture::at(1_000);
        let rules = TopicRules { store: &f.store, clock: &f.clock };
        let s = scope();
        for (name, filter) in [("c", "a/+/c"), ("a", "a/b/c"), ("b", "other")] {
            rules.create(&s, name, payload(filter), none).unwrap();
        }
        rules.set_disabled(&s, "b", true).unwrap();
        let names = |q: RuleQuery| -> Vec<String> {
            rules.list(&s, &q).unwrap().rules.into_iter().map(|r| r.name).collect()
        };
        assert_eq!(names(RuleQuery::default()), ["a", "b", "c"]);
        assert_eq!(
            names(RuleQuery { topic: Some("a/b/c".into()), ..Default::default() }),
            ["a", "c"]
        );
        assert_eq!(names(RuleQuery { disabled: Some(true), ..Default::default() }), ["b"]);
        let first = rules.list(&s, &RuleQuery { limit: 2, ..Default::default() }).unwrap();
        assert_eq!(first.next_after.as_deref(), Some("b"));
        assert_eq!(names(RuleQuery { after: first.next_after, ..Default::default() }), ["c"]);
        let other = Scope::new("210987654321", "us-east-1");
        assert!(rules.list(&other, &RuleQuery::default()).unwrap().rules.is_empty());
    }

    #[test]
    fn actions_name_exactly_one_type_and_are_at_most_ten() {
        assert!(check_actions(&[json!({"s3": {}})], None).is_ok());
        assert!(matches!(
            check_actions(&[json!({"s3": {}, "sns": {}})], None),
            Err(RuleError::Invalid(m)) if m == "An action can contain only one action type."
        ));
        assert!(check_actions(&[], Some(&json!({}))).is_err());
        assert!(check_actions(&vec![json!({"s3": {}}); 11], None).is_err());
    }
}
