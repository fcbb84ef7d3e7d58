//! iot-data's broker operations beyond Publish: ListRetainedMessages,
//! GetRetainedMessage and DeleteConnection.

use super::generated::iot_data::{
    DeleteConnectionInput, DeleteConnectionOutput, ErrorCode, GetRetainedMessageInput,
    GetRetainedMessageOutput, ListRetainedMessagesInput, ListRetainedMessagesOutput,
    RetainedMessageSummary,
};
use super::paging::{decode_token, encode_token, page_size, page_sorted};
use super::wire::{ApiError, Blob, RequestContext};
use crate::app::App;
use crate::broker::Broker;

fn broker(app: &App) -> Result<&Broker, ApiError> {
    app.broker().map(|b| b.as_ref()).ok_or_else(|| {
        ApiError::new(ErrorCode::ServiceUnavailableException, "The message broker is not running.")
    })
}

pub fn list_retained_messages(
    app: &App,
    ctx: &RequestContext,
    input: ListRetainedMessagesInput,
) -> Result<ListRetainedMessagesOutput, ApiError> {
    let all = broker(app)?.retained_messages(&ctx.scope);
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let (page, next) = page_sorted(
        all,
        |m| m.topic.as_str(),
        true,
        after.as_deref(),
        page_size(input.max_results),
    );
    Ok(ListRetainedMessagesOutput {
        retained_topics: Some(
            page.into_iter()
                .map(|m| RetainedMessageSummary {
                    payload_size: Some(m.payload.len() as i64),
                    qos: Some(i32::from(m.qos)),
                    last_modified_time: Some(m.timestamp),
                    topic: Some(m.topic),
                })
                .collect(),
        ),
        next_token: next.as_deref().map(encode_token),
    })
}

pub fn get_retained_message(
    app: &App,
    ctx: &RequestContext,
    input: GetRetainedMessageInput,
) -> Result<GetRetainedMessageOutput, ApiError> {
    let m = broker(app)?.retained_message(&ctx.scope, &input.topic).ok_or_else(|| {
        ApiError::new(
            ErrorCode::ResourceNotFoundException,
            format!("No retained message on topic {}", input.topic),
        )
    })?;
    // User properties travel as a JSON array of one-pair objects, as in Publish.
    let user_properties = (!m.properties.user_properties.is_empty()).then(|| {
        let items: Vec<serde_json::Value> =
            m.properties.user_properties.iter().map(|(k, v)| serde_json::json!({ k: v })).collect();
        Blob(serde_json::to_vec(&items).unwrap_or_default().into())
    });
    Ok(GetRetainedMessageOutput {
        topic: Some(m.topic),
        payload: Some(Blob(m.payload)),
        qos: Some(i32::from(m.qos)),
        last_modified_time: Some(m.timestamp),
        user_properties,
    })
}

pub fn delete_connection(
    app: &App,
    ctx: &RequestContext,
    input: DeleteConnectionInput,
) -> Result<DeleteConnectionOutput, ApiError> {
    let found = broker(app)?.disconnect(
        &ctx.scope,
        &input.client_id,
        input.clean_session.unwrap_or(false),
        !input.prevent_will_message.unwrap_or(false),
    );
    if !found {
        return Err(ApiError::new(
            ErrorCode::ResourceNotFoundException,
            format!("No connection with client id {}", input.client_id),
        ));
    }
    Ok(DeleteConnectionOutput {})
}
