//! `sns`: the message SNS Publish receives; with `messageFormat` JSON the message
//! structure is `json` (SNS then expects a `default` key).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "sns",
    failed_action: "SnsAction",
    failure_prefix: "Failed to publish the SNS message",
    deliver,
    resource_field: "targetArn",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    target_arn: String,
    message_format: Option<String>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let target = inv.render(&p.target_arn)?;
    let structure = match p.message_format.as_deref() {
        None | Some("RAW") => Value::Null,
        Some("JSON") => json!("json"),
        Some(other) => {
            return Err(ActionFailure::new(format!("Unknown message format {other}")));
        }
    };
    let mut record = Map::new();
    record.insert("targetArn".into(), json!(target));
    record.insert("messageFormat".into(), json!(p.message_format.as_deref().unwrap_or("RAW")));
    record.insert("messageStructure".into(), structure);
    payload_fields("message", inv.payload, &mut record);
    record.insert("roleArn".into(), json!(p.role_arn));
    Ok(Delivery { record: Value::Object(record), resource: target })
}
