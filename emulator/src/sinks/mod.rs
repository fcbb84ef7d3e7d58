//! Fake rule-action targets (DESIGN D7): each action kind renders what the real
//! service would have received (after substitution templates) into a record that
//! tests read at `/_emulator/sinks`; a sink can be told to fail so the rule's error
//! action fires. One file per kind; Lambda backends live in `lambda/`.

pub mod cloudwatch_alarm;
pub mod cloudwatch_metric;
pub mod dynamodb;
pub mod dynamodb_v2;
pub mod elasticsearch;
pub mod firehose;
pub mod http;
pub mod kinesis;
pub mod lambda;
pub mod machine_learning;
pub mod other;
pub mod republish;
pub mod s3;
pub mod salesforce;
pub mod sns;
pub mod sqs;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::Scope;

/// Records kept before the oldest is dropped.
pub const SINK_CAPACITY: usize = 100_000;

/// What an action sees of one rule firing: the message, the SQL result, and the
/// services the action may call.
pub struct Invocation<'a> {
    pub rule_name: &'a str,
    pub scope: &'a Scope,
    /// The topic the rule saw (without a Basic Ingest prefix).
    pub topic: &'a str,
    pub client_id: Option<&'a str>,
    /// The SQL result as the action receives it.
    pub payload: &'a [u8],
    /// The SQL result when it is JSON (not a binary rule).
    pub json: Option<&'a Value>,
    pub effects: &'a dyn Effects,
}

impl Invocation<'_> {
    /// Renders a substitution template against the incoming message.
    pub fn render(&self, template: &str) -> Result<String, ActionFailure> {
        self.effects.render(template).map_err(|e| ActionFailure::invalid(template, e))
    }
}

/// What actions reach outside themselves through: template rendering, the broker,
/// the Lambda backends and fresh ids.
pub trait Effects {
    fn render(&self, template: &str) -> Result<String, String>;
    /// Publishes into the broker (republish).
    fn publish(&self, topic: &str, qos: u8, payload: Vec<u8>);
    /// Invokes a Lambda function: its answer, or `None` when the function is record-only.
    fn invoke_lambda(&self, function_arn: &str, event: &[u8]) -> Result<Option<Value>, String>;
    fn new_uuid(&self) -> String;
}

/// Why an action failed: the error action names the action kind, the resource and
/// this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFailure {
    pub message: String,
}

impl ActionFailure {
    pub fn new(message: impl Into<String>) -> ActionFailure {
        ActionFailure { message: message.into() }
    }

    fn invalid(template: &str, error: String) -> ActionFailure {
        ActionFailure::new(format!("Failed to evaluate the template {template}: {error}"))
    }
}

/// One action kind's delivery: the resource it targets (the error action's
/// `failedResource`) and the record of what the service received.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub resource: String,
    pub record: Value,
}

/// Parses an action's parameters (`{"bucketName": ...}`) into its typed form.
pub fn params<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, ActionFailure> {
    serde_json::from_value(value.clone())
        .map_err(|e| ActionFailure::new(format!("Invalid action parameters: {e}")))
}

/// A payload as records show it: `text` when it is UTF-8, always `base64`.
pub fn payload_fields(prefix: &str, bytes: &[u8], into: &mut Map<String, Value>) {
    into.insert(
        prefix.to_owned(),
        std::str::from_utf8(bytes).map_or(Value::Null, |s| Value::String(s.to_owned())),
    );
    into.insert(format!("{prefix}Base64"), Value::String(STANDARD.encode(bytes)));
}

/// One recorded delivery, as `/_emulator/sinks` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SinkRecord {
    pub sequence: u64,
    /// The action's key in the rule (`s3`, `dynamoDBv2`, ...).
    pub kind: String,
    pub rule_name: String,
    pub account: String,
    pub region: String,
    pub timestamp: i64,
    /// Whether the rule's error action made this delivery.
    pub error_action: bool,
    pub record: Value,
}

/// Which records a reader wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkQuery {
    pub kind: Option<String>,
    pub rule: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub after: Option<u64>,
}

/// A failure a test asked for: the next `remaining` deliveries (all of them when
/// `None`) to a kind fail with `message`, from one rule or (`rule: None`) any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InjectedFailure {
    pub rule: Option<String>,
    pub remaining: Option<u64>,
    pub message: String,
}

/// Where deliveries are recorded, and the failures tests injected.
#[derive(Debug, Default)]
pub struct Sinks {
    records: Mutex<VecDeque<SinkRecord>>,
    failures: Mutex<HashMap<String, Vec<InjectedFailure>>>,
    sequence: AtomicU64,
}

/// Who made a delivery.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub rule_name: &'a str,
    pub scope: &'a Scope,
    pub timestamp: i64,
    pub error_action: bool,
}

impl Sinks {
    /// Takes one injected failure for a delivery of `rule` to `kind`, if one is
    /// pending (a rule's own failures first).
    pub fn take_failure(&self, kind: &str, rule: &str) -> Option<String> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let list = failures.get_mut(kind)?;
        let i = list
            .iter()
            .position(|f| f.rule.as_deref() == Some(rule))
            .or_else(|| list.iter().position(|f| f.rule.is_none()))?;
        let message = list[i].message.clone();
        match &mut list[i].remaining {
            Some(1) => {
                list.remove(i);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        if list.is_empty() {
            failures.remove(kind);
        }
        Some(message)
    }

    pub fn record(&self, kind: &str, origin: Origin<'_>, record: Value) -> u64 {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let r = SinkRecord {
            sequence,
            kind: kind.to_owned(),
            rule_name: origin.rule_name.to_owned(),
            account: origin.scope.account.clone(),
            region: origin.scope.region.clone(),
            timestamp: origin.timestamp,
            error_action: origin.error_action,
            record,
        };
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() == SINK_CAPACITY {
            records.pop_front();
        }
        records.push_back(r);
        sequence
    }

    pub fn query(&self, q: &SinkQuery) -> Vec<SinkRecord> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records
            .iter()
            .filter(|r| q.kind.as_deref().is_none_or(|k| r.kind == k))
            .filter(|r| q.rule.as_deref().is_none_or(|n| r.rule_name == n))
            .filter(|r| q.account.as_deref().is_none_or(|a| r.account == a))
            .filter(|r| q.region.as_deref().is_none_or(|g| r.region == g))
            .filter(|r| q.after.is_none_or(|s| r.sequence > s))
            .cloned()
            .collect()
    }

    /// Deliveries recorded since start, including those the capacity dropped since.
    pub fn total(&self) -> u64 {
        self.sequence.load(Ordering::Relaxed)
    }

    /// How many records match, without copying them.
    pub fn count(&self, kind: Option<&str>) -> usize {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records.iter().filter(|r| kind.is_none_or(|k| r.kind == k)).count()
    }

    /// Forgets the records of `kind` (all kinds when `None`).
    pub fn clear(&self, kind: Option<&str>) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        match kind {
            Some(k) => records.retain(|r| r.kind != k),
            None => records.clear(),
        }
    }

    /// Makes deliveries to `kind` (of `rule`, or of any rule) fail: the next
    /// `count`, or all until cleared. A new failure replaces one for the same rule.
    pub fn inject_failure(
        &self,
        kind: &str,
        rule: Option<String>,
        count: Option<u64>,
        message: String,
    ) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let list = failures.entry(kind.to_owned()).or_default();
        list.retain(|f| f.rule != rule);
        if count != Some(0) {
            list.push(InjectedFailure { rule, remaining: count, message });
        }
        if list.is_empty() {
            failures.remove(kind);
        }
    }

    pub fn failures(&self) -> HashMap<String, Vec<InjectedFailure>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Forgets injected failures for `kind` (all kinds when `None`).
    pub fn clear_failures(&self, kind: Option<&str>) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match kind {
            Some(k) => {
                failures.remove(k);
            }
            None => failures.clear(),
        }
    }
}

/// How one action kind turns a rule firing into a delivery.
pub struct ActionKind {
    /// The action's key in a rule (`s3`).
    pub key: &'static str,
    /// `failedAction` in the error action message (`S3Action`).
    pub failed_action: &'static str,
    /// How the real service's failure begins (`Failed to put S3 object`).
    pub failure_prefix: &'static str,
    pub deliver: fn(&Value, &Invocation<'_>) -> Result<Delivery, ActionFailure>,
    /// The resource an action names, read from its parameters without rendering
    /// (for failures that happen before the action could render).
    pub resource_field: &'static str,
}

/// The 13 actions of the guide, and today's HTTP action.
pub const KINDS: &[ActionKind] = &[
    cloudwatch_alarm::KIND,
    cloudwatch_metric::KIND,
    dynamodb::KIND,
    dynamodb_v2::KIND,
    elasticsearch::KIND,
    firehose::KIND,
    kinesis::KIND,
    lambda::KIND,
    republish::KIND,
    s3::KIND,
    sns::KIND,
    sqs::KIND,
    salesforce::KIND,
    http::KIND,
];

/// The kind of an action key; other keys (today's actions the emulator does not
/// model) are recorded with their parameters as given.
pub fn kind(key: &str) -> &'static ActionKind {
    KINDS.iter().find(|k| k.key == key).unwrap_or(&other::KIND)
}

/// The resource an action names, from its raw parameters.
pub fn resource_of(kind: &ActionKind, params: &Value) -> String {
    let mut v = params;
    for part in kind.resource_field.split('.') {
        v = v.get(part).unwrap_or(&Value::Null);
    }
    v.as_str().unwrap_or_default().to_owned()
}

/// The record of a JSON value or raw bytes, for records that carry the SQL result.
pub fn document(inv: &Invocation<'_>) -> Value {
    match inv.json {
        Some(v) => v.clone(),
        None => json!({ "base64": STANDARD.encode(inv.payload) }),
    }
}

#[cfg(test)]
mod render_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(scope: &Scope) -> Origin<'_> {
        Origin { rule_name: "r", scope, timestamp: 5, error_action: false }
    }

    #[test]
    fn records_are_kept_in_order_and_filtered() {
        let sinks = Sinks::default();
        let a = Scope::new("111111111111", "us-east-1");
        let b = Scope::new("222222222222", "eu-west-1");
        sinks.record("s3", origin(&a), json!({"n": 1}));
        sinks.record("sqs", origin(&b), json!({"n": 2}));
        sinks.record("s3", Origin { rule_name: "other", ..origin(&b) }, json!({"n": 3}));
        let n = |q: SinkQuery| -> Vec<i64> {
            sinks.query(&q).iter().map(|r| r.record["n"].as_i64().unwrap()).collect()
        };
        assert_eq!(n(SinkQuery::default()), [1, 2, 3]);
        assert_eq!(n(SinkQuery { kind: Some("s3".into()), ..Default::default() }), [1, 3]);
        assert_eq!(n(SinkQuery { rule: Some("other".into()), ..Default::default() }), [3]);
        assert_eq!(
            n(SinkQuery { account: Some("222222222222".into()), ..Default::default() }),
            [2, 3]
        );
        assert_eq!(n(SinkQuery { after: Some(2), ..Default::default() }), [3]);
        sinks.clear(Some("s3"));
        assert_eq!(n(SinkQuery::default()), [2]);
        sinks.clear(None);
        assert_eq!(sinks.count(None), 0);
    }

    #[test]
    fn injected_failures_count_down_and_prefer_the_rules_own() {
        let sinks = Sinks::default();
        sinks.inject_failure("s3", None, Some(2), "any".into());
        sinks.inject_failure("s3", Some("r1".into()), Some(1), "mine".into());
        assert_eq!(sinks.take_failure("s3", "r1").as_deref(), Some("mine"));
        assert_eq!(sinks.take_failure("s3", "r1").as_deref(), Some("any"));
        assert_eq!(sinks.take_failure("s3", "r2").as_deref(), Some("any"));
        assert_eq!(sinks.take_failure("s3", "r2"), None);
        assert_eq!(sinks.take_failure("sqs", "r2"), None);
        sinks.inject_failure("sqs", None, None, "always".into());
        for _ in 0..3 {
            assert_eq!(sinks.take_failure("sqs", "r").as_deref(), Some("always"));
        }
        sinks.clear_failures(Some("sqs"));
        assert_eq!(sinks.take_failure("sqs", "r"), None);
        assert!(sinks.failures().is_empty());
    }
}
