//! `salesforce`: the POST a Salesforce IoT input stream receives. Its parameters
//! take no substitution templates (guide L7636).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "salesforce",
    failed_action: "SalesforceAction",
    failure_prefix: "Failed to post to the Salesforce input stream",
    deliver,
    resource_field: "url",
};

#[derive(Deserialize)]
struct Params {
    url: String,
    token: String,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let mut record = Map::new();
    record.insert("url".into(), json!(p.url));
    record.insert("token".into(), json!(p.token));
    payload_fields("body", inv.payload, &mut record);
    Ok(Delivery { record: Value::Object(record), resource: p.url })
}
