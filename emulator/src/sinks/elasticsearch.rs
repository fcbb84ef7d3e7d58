//! `elasticsearch`: the document an Elasticsearch index request receives.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, document, params};

pub const KIND: ActionKind = ActionKind {
    key: "elasticsearch",
    failed_action: "ElasticsearchAction",
    failure_prefix: "Failed to index the Elasticsearch document",
    deliver,
    resource_field: "endpoint",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    endpoint: String,
    index: String,
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let endpoint = inv.render(&p.endpoint)?;
    Ok(Delivery {
        record: json!({
            "endpoint": endpoint,
            "index": inv.render(&p.index)?,
            "type": inv.render(&p.kind)?,
            "id": inv.render(&p.id)?,
            "document": document(inv),
            "roleArn": p.role_arn,
        }),
        resource: endpoint,
    })
}
