//! `cloudwatchAlarm`: what CloudWatch SetAlarmState receives.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ActionFailure, ActionKind, Delivery, Invocation, params};

pub const KIND: ActionKind = ActionKind {
    key: "cloudwatchAlarm",
    failed_action: "CloudwatchAlarmAction",
    failure_prefix: "Failed to set CloudWatch alarm state",
    deliver,
    resource_field: "alarmName",
};

/// The states SetAlarmState accepts.
const STATES: &[&str] = &["OK", "ALARM", "INSUFFICIENT_DATA"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    role_arn: String,
    alarm_name: String,
    state_reason: String,
    state_value: String,
}

fn deliver(raw: &Value, inv: &Invocation<'_>) -> Result<Delivery, ActionFailure> {
    let p: Params = params(raw)?;
    let alarm_name = inv.render(&p.alarm_name)?;
    let state_value = inv.render(&p.state_value)?;
    if !STATES.contains(&state_value.as_str()) {
        return Err(ActionFailure::new(format!(
            "Failed to set CloudWatch alarm state. The error received was 1 validation error \
             detected: Value '{state_value}' at 'stateValue' failed to satisfy constraint: Member \
             must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]"
        )));
    }
    Ok(Delivery {
        record: json!({
            "alarmName": alarm_name,
            "stateReason": inv.render(&p.state_reason)?,
            "stateValue": state_value,
            "roleArn": p.role_arn,
        }),
        resource: alarm_name,
    })
}
