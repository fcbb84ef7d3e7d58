//! `republish`: the message published back into the broker (topic rendered, `$$`
//! for a literal `$`), recorded and really delivered to subscribers.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "republish",
    failed_action: "RepublishAction",
    failure_prefix: "Failed to republish the message",
    deliver,
    resource_field: "topic",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    topic: String,
    qos: Option<u8>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let topic = inv.render(&p.topic)?;
    if topic.is_empty() || topic.contains(['+', '#']) {
        return Err(ActionFailure::new(format!(
            "Failed to republish the message. The error received was {topic} is not a valid \
             topic name"
        )));
    }
    let qos = p.qos.unwrap_or(0);
    if qos > 1 {
        return Err(ActionFailure::new(format!(
            "Failed to republish the message. The error received was QoS {qos} is not 0 or 1"
        )));
    }
    inv.effects.publish(&topic, qos, inv.payload.to_vec());
    let mut record = Map::new();
    record.insert("topic".into(), json!(topic));
    record.insert("qos".into(), json!(qos));
    payload_fields("payload", inv.payload, &mut record);
    record.insert("roleArn".into(), json!(p.role_arn));
    Ok(Delivery { record: Value::Object(record), resource: topic })
}
