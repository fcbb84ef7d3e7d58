//! `dynamoDB`: the item DynamoDB PutItem (or DeleteItem) receives: hash and range
//! keys typed as the action says, and the SQL result in the payload column.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params};

pub const KIND: ActionKind = ActionKind {
    key: "dynamoDB",
    failed_action: "DynamoAction",
    failure_prefix: "Failed to put DynamoDB item",
    deliver,
    resource_field: "tableName",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    table_name: String,
    hash_key_field: String,
    hash_key_value: String,
    hash_key_type: Option<String>,
    range_key_field: Option<String>,
    range_key_value: Option<String>,
    range_key_type: Option<String>,
    operation: Option<String>,
    payload_field: Option<String>,
}

/// A key in DynamoDB's attribute-value form: `{"S": ...}` or `{"N": ...}`.
fn key_value(value: String, key_type: Option<&str>) -> Result<Value, ActionFailure> {
    match key_type {
        None | Some("STRING") => Ok(json!({ "S": value })),
        Some("NUMBER") => {
            if value.trim().parse::<f64>().is_err() {
                return Err(ActionFailure::new(format!(
                    "Failed to put DynamoDB item. The error received was The key value {value} \
                     is not a number"
                )));
            }
            Ok(json!({ "N": value }))
        }
        Some(other) => Err(ActionFailure::new(format!("Unknown key type {other}"))),
    }
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let table = inv.render(&p.table_name)?;
    let mut item = Map::new();
    item.insert(
        inv.render(&p.hash_key_field)?,
        key_value(inv.render(&p.hash_key_value)?, p.hash_key_type.as_deref())?,
    );
    if let (Some(field), Some(value)) = (&p.range_key_field, &p.range_key_value) {
        item.insert(
            inv.render(field)?,
            key_value(inv.render(value)?, p.range_key_type.as_deref())?,
        );
    }
    let operation = match &p.operation {
        Some(o) => {
            let o = inv.render(o)?;
            if !["INSERT", "UPDATE", "DELETE"].contains(&o.as_str()) {
                return Err(ActionFailure::new(format!(
                    "Failed to put DynamoDB item. The error received was The operation {o} is \
                     not one of INSERT, UPDATE, DELETE"
                )));
            }
            o
        }
        None => "INSERT".to_owned(),
    };
    // A JSON result is stored as a map; a binary one as bytes (guide L7187).
    let payload = match inv.json {
        Some(v) => json!({ "M": v }),
        None => {
            json!({ "B": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, inv.payload) })
        }
    };
    if operation != "DELETE" {
        let field = match &p.payload_field {
            Some(f) => inv.render(f)?,
            None => "payload".to_owned(),
        };
        item.insert(field, payload);
    }
    Ok(Delivery {
        record: json!({
            "tableName": table,
            "operation": operation,
            "item": item,
            "roleArn": p.role_arn,
        }),
        resource: table,
    })
}
