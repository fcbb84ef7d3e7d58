//! `sqs`: the message SQS SendMessage receives (base64 of the result when
//! `useBase64`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params};

pub const KIND: ActionKind = ActionKind {
    key: "sqs",
    failed_action: "SqsAction",
    failure_prefix: "Failed to send the SQS message",
    deliver,
    resource_field: "queueUrl",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    queue_url: String,
    use_base64: Option<bool>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let queue = inv.render(&p.queue_url)?;
    let use_base64 = p.use_base64.unwrap_or(false);
    let body = if use_base64 {
        STANDARD.encode(inv.payload)
    } else {
        String::from_utf8(inv.payload.to_vec()).map_err(|_| {
            ActionFailure::new(
                "Failed to send the SQS message. The error received was The message body is \
                 not valid UTF-8; set useBase64",
            )
        })?
    };
    Ok(Delivery {
        record: json!({
            "queueUrl": queue,
            "useBase64": use_base64,
            "messageBody": body,
            "roleArn": p.role_arn,
        }),
        resource: queue,
    })
}
