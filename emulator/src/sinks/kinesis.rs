//! `kinesis`: the record Kinesis PutRecord receives (stream, partition key, data).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "kinesis",
    failed_action: "KinesisAction",
    failure_prefix: "Failed to put Kinesis record",
    deliver,
    resource_field: "streamName",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    stream_name: String,
    partition_key: Option<String>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let stream = inv.render(&p.stream_name)?;
    // Without a partition key AWS IoT picks a random one.
    let key = match &p.partition_key {
        Some(k) => inv.render(k)?,
        None => inv.effects.new_uuid(),
    };
    let mut record = Map::new();
    record.insert("streamName".into(), json!(stream));
    record.insert("partitionKey".into(), json!(key));
    payload_fields("data", inv.payload, &mut record);
    record.insert("roleArn".into(), json!(p.role_arn));
    Ok(Delivery { record: Value::Object(record), resource: stream })
}
