//! Actions of today's AWS IoT that the emulator does not model (iotEvents, kafka,
//! timestream, ...): recorded with their parameters as given and the SQL result.

use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, document};

pub const KIND: ActionKind = ActionKind {
    key: "",
    failed_action: "Action",
    failure_prefix: "Failed to run the action",
    deliver,
    resource_field: "",
};

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    Ok(Delivery {
        record: json!({ "parameters": raw, "payload": document(inv) }),
        resource: String::new(),
    })
}
