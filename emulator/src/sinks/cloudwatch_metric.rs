//! `cloudwatchMetric`: the datum CloudWatch PutMetricData receives.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params};

pub const KIND: ActionKind = ActionKind {
    key: "cloudwatchMetric",
    failed_action: "CloudwatchMetricAction",
    failure_prefix: "Failed to put CloudWatch metric data",
    deliver,
    resource_field: "metricName",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    metric_namespace: String,
    metric_name: String,
    metric_value: String,
    metric_unit: String,
    metric_timestamp: Option<String>,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let name = inv.render(&p.metric_name)?;
    let value_text = inv.render(&p.metric_value)?;
    let value: f64 = value_text.trim().parse().map_err(|_| {
        ActionFailure::new(format!(
            "Failed to put CloudWatch metric data. The error received was The metric value \
             {value_text} is not a number"
        ))
    })?;
    let timestamp = match &p.metric_timestamp {
        Some(t) => {
            let text = inv.render(t)?;
            let seconds: i64 = text.trim().parse().map_err(|_| {
                ActionFailure::new(format!(
                    "Failed to put CloudWatch metric data. The error received was The metric \
                     timestamp {text} is not a Unix timestamp"
                ))
            })?;
            Value::from(seconds)
        }
        None => Value::Null,
    };
    Ok(Delivery {
        record: json!({
            "namespace": inv.render(&p.metric_namespace)?,
            "metricName": name,
            "value": value,
            "unit": inv.render(&p.metric_unit)?,
            "timestamp": timestamp,
            "roleArn": p.role_arn,
        }),
        resource: name,
    })
}
