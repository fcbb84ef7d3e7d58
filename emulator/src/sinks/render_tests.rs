//! Every action kind rendered from one fixture message (`fixtures/rules/actions.json`)
//! with the real SQL engine and templates, compared with a snapshot; and the
//! deliveries the real services would refuse.

use std::cell::RefCell;

use serde_json::{Value, json};

use super::{Effects, Invocation, kind};
use crate::domain::Scope;
use crate::domain::rules::compiled::{CompiledRule, compile};
use crate::domain::rules::sql::{MessageInput, RuleOutput, SqlEnvironment};

struct FixedEnv;

impl SqlEnvironment for FixedEnv {
    fn now_ms(&self) -> i64 {
        1_764_111_111_000
    }
    fn new_uuid(&self) -> String {
        "00000000-0000-4000-8000-000000000001".into()
    }
    fn get_thing_shadow(&self, _: &str, _: &str) -> Option<Value> {
        None
    }
    fn aws_lambda(&self, _: &str, _: &Value) -> Result<Value, String> {
        Err("no lambda in this test".into())
    }
    fn machinelearning_predict(&self, _: &str, _: &str, _: &Value) -> Option<Value> {
        None
    }
}

/// Renders with the rule's parsed templates; records publishes; a Lambda that
/// answers `{"enriched": true}`.
struct Recorder<'a> {
    compiled: &'a CompiledRule,
    input: &'a MessageInput<'a>,
    published: RefCell<Vec<Value>>,
}

impl Effects for Recorder<'_> {
    fn render(&self, template: &str) -> Result<String, String> {
        Ok(match self.compiled.template(template) {
            Some(t) => t.render(self.input, &FixedEnv),
            None => template.to_owned(),
        })
    }
    fn publish(&self, topic: &str, qos: u8, payload: Vec<u8>) {
        self.published.borrow_mut().push(json!({
            "topic": topic, "qos": qos, "payload": String::from_utf8_lossy(&payload)
        }));
    }
    fn invoke_lambda(&self, _: &str, event: &[u8]) -> Result<Option<Value>, String> {
        let event: Value = serde_json::from_slice(event).map_err(|e| e.to_string())?;
        Ok(Some(json!({ "enriched": true, "event": event })))
    }
    fn new_uuid(&self) -> String {
        "00000000-0000-4000-8000-000000000002".into()
    }
}

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/rules/actions.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs every action of `actions` against the fixture message; what each delivered
/// (or why it failed), and what was published.
fn run(sql: &str, actions: &[Value], payload: &[u8]) -> (Vec<Value>, Vec<Value>) {
    let f = fixture();
    let compiled = compile(sql, None, actions, None).unwrap();
    let topic = f["message"]["topic"].as_str().unwrap();
    let input = MessageInput {
        topic,
        payload,
        client_id: f["message"]["clientId"].as_str(),
        principal: None,
        timestamp_ms: 1_764_111_111_000,
        account: "123456789012",
        region: "us-east-1",
        trace_id: None,
    };
    let output = compiled.statement.evaluate(&input, &FixedEnv).unwrap().expect("WHERE holds");
    let bytes = output.to_bytes();
    let json = match &output {
        RuleOutput::Json(v) => Some(v),
        RuleOutput::Binary(_) => None,
    };
    let effects = Recorder { compiled: &compiled, input: &input, published: RefCell::new(vec![]) };
    let scope = Scope::new("123456789012", "us-east-1");
    let inv = Invocation {
        rule_name: "r",
        scope: &scope,
        topic,
        client_id: input.client_id,
        payload: &bytes,
        json,
        effects: &effects,
    };
    let results = compiled
        .actions
        .iter()
        .map(|(key, params)| match (kind(key).deliver)(params, &inv) {
            Ok(d) => json!({ "kind": key, "resource": d.resource, "record": d.record }),
            Err(e) => json!({ "kind": key, "error": e.message }),
        })
        .collect();
    (results, effects.published.into_inner())
}

#[test]
fn every_action_renders_what_its_service_receives() {
    let f = fixture();
    let payload = f["message"]["payload"].to_string();
    let (records, published) =
        run(f["sql"].as_str().unwrap(), f["actions"].as_array().unwrap(), payload.as_bytes());
    insta::assert_json_snapshot!(json!({ "deliveries": records, "published": published }));
}

#[test]
fn deliveries_the_services_would_refuse_fail() {
    let sql = "SELECT * FROM 'factory/+/telemetry'";
    let role = "arn:aws:iam::123456789012:role/iot";
    let actions = [
        json!({"cloudwatchAlarm": {"roleArn": role, "alarmName": "a", "stateReason": "r", "stateValue": "HOT"}}),
        json!({"cloudwatchMetric": {"roleArn": role, "metricNamespace": "n", "metricName": "m", "metricValue": "${device}", "metricUnit": "None"}}),
        json!({"firehose": {"roleArn": role, "deliveryStreamName": "s", "separator": ";"}}),
        json!({"republish": {"roleArn": role, "topic": "out/+/x"}}),
        json!({"dynamoDB": {"roleArn": role, "tableName": "t", "hashKeyField": "k", "hashKeyValue": "${device}", "hashKeyType": "NUMBER"}}),
        json!({"s3": {"roleArn": role, "key": "k"}}),
    ];
    let (results, published) = run(sql, &actions, br#"{"device":"sensor-7"}"#);
    for r in &results {
        assert!(r.get("error").is_some(), "{r}");
    }
    assert!(published.is_empty());
    // A binary result has no top-level fields for dynamoDBv2.
    let v2 = json!({"dynamoDBv2": {"roleArn": role, "putItem": {"tableName": "t"}}});
    let (results, _) = run(sql, &[v2], &[0xff, 0x00, 0x7f]);
    assert!(results[0]["error"].as_str().unwrap().contains("not a JSON object"), "{results:?}");
}
