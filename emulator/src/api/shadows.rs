//! iot-data's shadow operations (guide L10855-11003): GetThingShadow,
//! UpdateThingShadow, DeleteThingShadow and ListNamedShadowsForThing, over SigV4 on
//! the HTTP edge and over mutual TLS on the data plane. A REST update publishes the
//! same `/accepted`, `/delta` and `/documents` messages as an MQTT one; REST errors
//! are HTTP statuses only, never `/rejected` messages (L11526).

use bytes::Bytes;
use serde_json::Value;

use super::generated::iot_data::{
    DeleteThingShadowInput, DeleteThingShadowOutput, ErrorCode, GetThingShadowInput,
    GetThingShadowOutput, ListNamedShadowsForThingInput, ListNamedShadowsForThingOutput,
    UpdateThingShadowInput, UpdateThingShadowOutput,
};
use super::paging::{decode_token, encode_token};
use super::wire::{ApiError, Blob};
use crate::app::App;
use crate::domain::Scope;
use crate::domain::shadow::topics::{ShadowOp, ShadowTopic, valid_shadow_name};
use crate::domain::shadow::{ShadowError, Shadows};
use crate::services;

/// Most names ListNamedShadowsForThing returns per page when `pageSize` is absent.
const DEFAULT_PAGE_SIZE: usize = 25;

/// The REST form of a shadow error: the modeled exception of its status, with the
/// guide's message.
pub fn api_error(e: ShadowError) -> ApiError {
    let code = match e.code {
        400 => ErrorCode::InvalidRequestException,
        401 => ErrorCode::UnauthorizedException,
        403 => ErrorCode::ForbiddenException,
        404 => ErrorCode::ResourceNotFoundException,
        409 => ErrorCode::ConflictException,
        413 => ErrorCode::RequestEntityTooLargeException,
        415 => ErrorCode::UnsupportedDocumentEncodingException,
        429 => ErrorCode::ThrottlingException,
        _ => ErrorCode::InternalFailureException,
    };
    ApiError::new(code, e.message)
}

fn shadows(app: &App) -> Shadows<'_, crate::store::SqliteStore> {
    Shadows { store: &app.store, clock: app.clock.as_ref() }
}

/// A `?name=` must be a valid shadow name.
fn shadow_name(name: Option<&str>) -> Result<Option<&str>, ApiError> {
    match name {
        Some(n) if !valid_shadow_name(n) => Err(ApiError::new(
            ErrorCode::InvalidRequestException,
            format!("Invalid shadow name: {n}"),
        )),
        other => Ok(other),
    }
}

fn blob(doc: &Value) -> Blob {
    Blob(Bytes::from(doc.to_string()))
}

pub fn get_thing_shadow(
    app: &App,
    scope: &Scope,
    input: GetThingShadowInput,
) -> Result<GetThingShadowOutput, ApiError> {
    let name = shadow_name(input.shadow_name.as_deref())?;
    let doc = shadows(app).get(scope, &input.thing_name, name, None).map_err(api_error)?;
    Ok(GetThingShadowOutput { payload: Some(blob(&doc)) })
}

pub fn update_thing_shadow(
    app: &App,
    scope: &Scope,
    input: UpdateThingShadowInput,
) -> Result<UpdateThingShadowOutput, ApiError> {
    let name = shadow_name(input.shadow_name.as_deref())?;
    let thing = input.thing_name.as_str();
    let outcome = shadows(app).update(scope, thing, name, &input.payload.0).map_err(api_error)?;
    let topic = ShadowTopic { thing, name, op: ShadowOp::Update };
    services::shadows::publish(app, scope, outcome.messages(&topic));
    Ok(UpdateThingShadowOutput { payload: Some(Blob(outcome.accepted)) })
}

pub fn delete_thing_shadow(
    app: &App,
    scope: &Scope,
    input: DeleteThingShadowInput,
) -> Result<DeleteThingShadowOutput, ApiError> {
    let name = shadow_name(input.shadow_name.as_deref())?;
    let thing = input.thing_name.as_str();
    let doc = shadows(app).delete(scope, thing, name, None).map_err(api_error)?;
    let topic = ShadowTopic { thing, name, op: ShadowOp::Delete };
    let payload = services::shadows::json(&doc);
    services::shadows::publish(app, scope, vec![(topic.response("accepted"), payload)]);
    Ok(DeleteThingShadowOutput { payload: blob(&doc) })
}

pub fn list_named_shadows_for_thing(
    app: &App,
    scope: &Scope,
    input: ListNamedShadowsForThingInput,
) -> Result<ListNamedShadowsForThingOutput, ApiError> {
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let size = input.page_size.map_or(DEFAULT_PAGE_SIZE, |s| s.max(1) as usize);
    let svc = shadows(app);
    let page =
        svc.list_named(scope, &input.thing_name, after.as_deref(), size).map_err(api_error)?;
    Ok(ListNamedShadowsForThingOutput {
        next_token: page.next_after.as_deref().map(encode_token),
        results: Some(page.names),
        timestamp: Some(svc.timestamp()),
    })
}
