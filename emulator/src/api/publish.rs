//! iot-data `Publish` (`POST /topics/{topic}`): an HTTP message into the broker,
//! with its MQTT 5 properties, seen by subscribers, the bus and the test tap.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

use super::generated::iot_data::{ErrorCode, PublishInput, PublishOutput};
use super::wire::{ApiError, RequestContext};
use crate::app::App;
use crate::broker::hooks::{Message, MessageProperties, Origin};

/// The `x-amz-mqtt5-user-properties` header: base64 of a JSON array of one-pair
/// objects, `[{"name": "value"}, ...]`.
fn user_properties(header: &str) -> Result<Vec<(String, String)>, ApiError> {
    let invalid = || {
        ApiError::invalid_request(
            "x-amz-mqtt5-user-properties must be base64 of a JSON array of {\"name\": \"value\"} objects",
        )
    };
    let json = STANDARD.decode(header).map_err(|_| invalid())?;
    let items: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&json).map_err(|_| invalid())?;
    let mut out = Vec::new();
    for item in items {
        for (k, v) in item {
            out.push((k, v.as_str().ok_or_else(invalid)?.to_owned()));
        }
    }
    Ok(out)
}

fn properties(input: &PublishInput) -> Result<MessageProperties, ApiError> {
    let payload_format_indicator = match input.payload_format_indicator.as_deref() {
        None => None,
        Some("UNSPECIFIED_BYTES") => Some(0),
        Some("UTF8_DATA") => Some(1),
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "{other} is not a payload format indicator (UNSPECIFIED_BYTES or UTF8_DATA)"
            )));
        }
    };
    let correlation_data = input
        .correlation_data
        .as_deref()
        .map(|c| STANDARD.decode(c).map(Bytes::from))
        .transpose()
        .map_err(|_| ApiError::invalid_request("x-amz-mqtt5-correlation-data must be base64"))?;
    Ok(MessageProperties {
        payload_format_indicator,
        message_expiry_interval: input
            .message_expiry
            .map(|s| s.clamp(0, i64::from(u32::MAX)) as u32),
        content_type: input.content_type.clone(),
        response_topic: input.response_topic.clone(),
        correlation_data,
        user_properties: input
            .user_properties
            .as_deref()
            .map(user_properties)
            .transpose()?
            .unwrap_or_default(),
    })
}

pub fn publish(
    app: &App,
    ctx: &RequestContext,
    input: PublishInput,
) -> Result<PublishOutput, ApiError> {
    if input.topic.is_empty() || input.topic.contains(['+', '#']) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequestException,
            format!("{} is not a valid topic name", input.topic),
        ));
    }
    let message = Message {
        scope: ctx.scope.clone(),
        topic: input.topic.clone(),
        payload: input.payload.clone().map(|b| b.0).unwrap_or_default(),
        qos: input.qos.unwrap_or(0) as u8,
        retain: input.retain.unwrap_or(false),
        properties: properties(&input)?,
        origin: Origin { client_id: None, principal: ctx.access_key.clone() },
        timestamp: app.clock.now_millis(),
    };
    if !app.publish(message) {
        return Err(ApiError::new(
            ErrorCode::ServiceUnavailableException,
            "The message broker is not running.",
        ));
    }
    Ok(PublishOutput {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_properties_header_decodes() {
        let header = STANDARD.encode(r#"[{"deviceName":"alpha"},{"deviceCnt":"45"}]"#);
        assert_eq!(
            user_properties(&header).unwrap(),
            [
                ("deviceName".to_string(), "alpha".to_string()),
                ("deviceCnt".to_string(), "45".to_string())
            ]
        );
        assert_eq!(user_properties("%%%").unwrap_err().code, "InvalidRequestException");
    }
}
