//! `firehose`: the record Kinesis Data Firehose PutRecord receives (the SQL result
//! followed by the separator, when one is set).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "firehose",
    failed_action: "FirehoseAction",
    failure_prefix: "Failed to put Firehose record",
    deliver,
    resource_field: "deliveryStreamName",
};

/// The separators the action accepts (guide L7330).
const SEPARATORS: &[&str] = &["\n", "\t", "\r\n", ","];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    delivery_stream_name: String,
    separator: Option<String>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let stream = inv.render(&p.delivery_stream_name)?;
    let mut data = inv.payload.to_vec();
    if let Some(sep) = &p.separator {
        if !SEPARATORS.contains(&sep.as_str()) {
            return Err(ActionFailure::new(format!(
                "Failed to put Firehose record. The error received was The separator {sep:?} is \
                 not one of '\\n', '\\t', '\\r\\n', ','"
            )));
        }
        data.extend_from_slice(sep.as_bytes());
    }
    let mut record = Map::new();
    record.insert("deliveryStreamName".into(), json!(stream));
    payload_fields("data", &data, &mut record);
    record.insert("roleArn".into(), json!(p.role_arn));
    Ok(Delivery { record: Value::Object(record), resource: stream })
}
