//! The message a rule's error action receives: one per (rule, message), with every
//! failed action of that firing (guide L6893-6997).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

/// One failed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionFailed {
    /// `<Type>Action`, e.g. `S3Action`.
    pub failed_action: String,
    /// The resource the action targeted, e.g. the bucket name.
    pub failed_resource: String,
    pub error_message: String,
}

/// The error action's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorActionMessage {
    pub rule_name: String,
    pub topic: String,
    pub cloudwatch_trace_id: String,
    pub client_id: String,
    pub base64_original_payload: String,
    pub failures: Vec<ActionFailed>,
}

/// What AWS IoT logs as the client id of a message that has none (HTTP, internal).
pub const NO_CLIENT_ID: &str = "N/A";

impl ErrorActionMessage {
    pub fn new(
        rule_name: &str,
        topic: &str,
        trace_id: String,
        client_id: Option<&str>,
        original_payload: &[u8],
        failures: Vec<ActionFailed>,
    ) -> ErrorActionMessage {
        ErrorActionMessage {
            rule_name: rule_name.to_owned(),
            topic: topic.to_owned(),
            cloudwatch_trace_id: trace_id,
            client_id: client_id.unwrap_or(NO_CLIENT_ID).to_owned(),
            base64_original_payload: STANDARD.encode(original_payload),
            failures,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_the_guides_fields_in_the_guides_order() {
        let m = ErrorActionMessage::new(
            "TestAction",
            "testme/action",
            "7e146a2c-95b5-6caf-98b9-50e3969734c7".into(),
            Some("iotconsole-1511213971966-0"),
            b"{\n  \"message\": \"Hello from AWS IoT console\"\n}",
            vec![ActionFailed {
                failed_action: "S3Action".into(),
                failed_resource: "us-east-1-s3-verify-user".into(),
                error_message: "Failed to put S3 object. The error received was The specified \
                                bucket does not exist"
                    .into(),
            }],
        );
        let text = serde_json::to_string(&m).unwrap();
        let order: Vec<usize> = [
            "ruleName",
            "topic",
            "cloudwatchTraceId",
            "clientId",
            "base64OriginalPayload",
            "failures",
            "failedAction",
            "failedResource",
            "errorMessage",
        ]
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")).unwrap())
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(
            m.base64_original_payload,
            "ewogICJtZXNzYWdlIjogIkhlbGxvIGZyb20gQVdTIElvVCBjb25zb2xlIgp9"
        );
        let none = ErrorActionMessage::new("r", "t", "id".into(), None, b"", vec![]);
        assert_eq!(none.client_id, "N/A");
    }
}
