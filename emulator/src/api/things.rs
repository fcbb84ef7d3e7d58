//! Things: CreateThing, DescribeThing, ListThings, UpdateThing, DeleteThing.
//! The pattern of every resource group: decode (generated) → domain call → encode.

use super::events::emit;
use super::generated::iot::{
    CreateThingInput, CreateThingOutput, DeleteThingInput, DeleteThingOutput, DescribeThingInput,
    DescribeThingOutput, ErrorCode, ListThingsInput, ListThingsOutput, ThingAttribute,
    UpdateThingInput, UpdateThingOutput,
};
use super::iot::registry_error;
use super::paging::{decode_token, encode_token, page_size};
use super::wire::{ApiError, RequestContext};
use crate::app::App;
use crate::domain::events::{Operation, thing_event};
use crate::domain::registry::things::Thing;
use crate::domain::registry::things::{
    AttributeChange, AttributeFilter, NewThing, ThingQuery, ThingUpdate, Things,
};
use crate::store::SqliteStore;

fn emit_thing(app: &App, ctx: &RequestContext, op: Operation, thing: &Thing) {
    let event = thing_event(&ctx.scope, op, thing, app.ids.uuid(), app.clock.now_millis());
    emit(app, &ctx.scope, event);
}

fn things(app: &App) -> Things<'_, SqliteStore> {
    Things { store: &app.store, clock: app.clock.as_ref(), ids: app.ids.as_ref() }
}

pub fn create_thing(
    app: &App,
    ctx: &RequestContext,
    input: CreateThingInput,
) -> Result<CreateThingOutput, ApiError> {
    if let Some(group) = input.billing_group_name {
        // Billing groups cannot be created yet (CreateBillingGroup answers 501), so
        // none exists to be named.
        return Err(ApiError::new(
            ErrorCode::ResourceNotFoundException,
            format!("Billing group {group} does not exist."),
        ));
    }
    let new = NewThing {
        name: input.thing_name,
        type_name: input.thing_type_name,
        attributes: input.attribute_payload.and_then(|p| p.attributes).unwrap_or_default(),
    };
    let (thing, created) = things(app).create_reporting(&ctx.scope, new).map_err(registry_error)?;
    if created {
        emit_thing(app, ctx, Operation::Created, &thing);
    }
    Ok(CreateThingOutput {
        thing_arn: Some(thing.arn(&ctx.scope)),
        thing_id: Some(thing.id),
        thing_name: Some(thing.name),
    })
}

pub fn describe_thing(
    app: &App,
    ctx: &RequestContext,
    input: DescribeThingInput,
) -> Result<DescribeThingOutput, ApiError> {
    let thing = things(app).describe(&ctx.scope, &input.thing_name).map_err(registry_error)?;
    Ok(DescribeThingOutput {
        thing_arn: Some(thing.arn(&ctx.scope)),
        default_client_id: Some(thing.name.clone()),
        thing_id: Some(thing.id),
        thing_name: Some(thing.name),
        thing_type_name: thing.type_name,
        attributes: Some(thing.attributes),
        version: Some(thing.version),
        billing_group_name: None,
    })
}

pub fn list_things(
    app: &App,
    ctx: &RequestContext,
    input: ListThingsInput,
) -> Result<ListThingsOutput, ApiError> {
    let attribute = match (input.attribute_name, input.attribute_value) {
        (Some(name), Some(value)) => Some(AttributeFilter {
            name,
            value,
            prefix: input.use_prefix_attribute_value.unwrap_or(false),
        }),
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid_request(
                "attributeName and attributeValue must be given together",
            ));
        }
    };
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let query = ThingQuery {
        type_name: input.thing_type_name,
        attribute,
        after,
        limit: page_size(input.max_results),
    };
    let page = things(app).list(&ctx.scope, query).map_err(registry_error)?;
    Ok(ListThingsOutput {
        things: Some(
            page.things
                .into_iter()
                .map(|t| ThingAttribute {
                    thing_arn: Some(t.arn(&ctx.scope)),
                    thing_name: Some(t.name),
                    thing_type_name: t.type_name,
                    attributes: Some(t.attributes),
                    version: Some(t.version),
                })
                .collect(),
        ),
        next_token: page.next_after.as_deref().map(encode_token),
    })
}

pub fn update_thing(
    app: &App,
    ctx: &RequestContext,
    input: UpdateThingInput,
) -> Result<UpdateThingOutput, ApiError> {
    let update = ThingUpdate {
        name: input.thing_name,
        type_name: input.thing_type_name,
        remove_type: input.remove_thing_type.unwrap_or(false),
        attributes: input.attribute_payload.map(|p| AttributeChange {
            attributes: p.attributes.unwrap_or_default(),
            merge: p.merge.unwrap_or(false),
        }),
        expected_version: input.expected_version,
    };
    let thing = things(app).update(&ctx.scope, update).map_err(registry_error)?;
    emit_thing(app, ctx, Operation::Updated, &thing);
    Ok(UpdateThingOutput {})
}

pub fn delete_thing(
    app: &App,
    ctx: &RequestContext,
    input: DeleteThingInput,
) -> Result<DeleteThingOutput, ApiError> {
    let deleted = things(app)
        .delete(&ctx.scope, &input.thing_name, input.expected_version)
        .map_err(registry_error)?;
    if let Some(thing) = deleted {
        emit_thing(app, ctx, Operation::Deleted, &thing);
    }
    Ok(DeleteThingOutput {})
}
