//! `dynamoDBv2`: the item DynamoDB PutItem receives, one attribute per top-level
//! field of the SQL result.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params};

pub const KIND: ActionKind = ActionKind {
    key: "dynamoDBv2",
    failed_action: "DynamoActionV2",
    failure_prefix: "Failed to put DynamoDB item",
    deliver,
    resource_field: "putItem.tableName",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutItem {
    table_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    put_item: PutItem,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let table = inv.render(&p.put_item.table_name)?;
    let Some(Value::Object(item)) = inv.json else {
        return Err(ActionFailure::new(
            "Failed to put DynamoDB item. The error received was The SQL result is not a JSON \
             object, so it has no attributes",
        ));
    };
    Ok(Delivery {
        record: json!({ "tableName": table, "item": item, "roleArn": p.role_arn }),
        resource: table,
    })
}
