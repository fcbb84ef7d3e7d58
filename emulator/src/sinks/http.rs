//! `http` (today's AWS action, not in the 2018 guide): the POST the endpoint would
//! receive, URL and header values rendered. Recorded only; nothing is sent.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "http",
    failed_action: "HttpAction",
    failure_prefix: "Failed to send the HTTP request",
    deliver,
    resource_field: "url",
};

#[derive(Deserialize)]
struct Header {
    key: String,
    value: String,
}

#[derive(Deserialize)]
struct Params {
    url: String,
    headers: Option<Vec<Header>>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let url = inv.render(&p.url)?;
    let mut headers = Vec::new();
    for h in p.headers.unwrap_or_default() {
        headers.push(json!({ "key": h.key, "value": inv.render(&h.value)? }));
    }
    let mut record = Map::new();
    record.insert("url".into(), json!(url));
    record.insert("method".into(), json!("POST"));
    record.insert("headers".into(), Value::Array(headers));
    payload_fields("body", inv.payload, &mut record);
    Ok(Delivery { record: Value::Object(record), resource: url })
}
