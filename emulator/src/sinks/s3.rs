//! `s3`: the object S3 PutObject receives (bucket, key, canned ACL, body).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params, payload_fields};

pub const KIND: ActionKind = ActionKind {
    key: "s3",
    failed_action: "S3Action",
    failure_prefix: "Failed to put S3 object",
    deliver,
    resource_field: "bucketName",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    bucket_name: String,
    key: String,
    canned_acl: Option<String>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let bucket = inv.render(&p.bucket_name)?;
    let mut record = Map::new();
    record.insert("bucketName".into(), json!(bucket));
    record.insert("key".into(), json!(inv.render(&p.key)?));
    record.insert("cannedAcl".into(), json!(p.canned_acl));
    payload_fields("body", inv.payload, &mut record);
    record.insert("roleArn".into(), json!(p.role_arn));
    Ok(Delivery { record: Value::Object(record), resource: bucket })
}
