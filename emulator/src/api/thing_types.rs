//! Thing types: CreateThingType, DescribeThingType, ListThingTypes,
//! DeprecateThingType, DeleteThingType.

use std::collections::BTreeMap;

use super::events::emit;
use super::generated::iot::{
    CreateThingTypeInput, CreateThingTypeOutput, DeleteThingTypeInput, DeleteThingTypeOutput,
    DeprecateThingTypeInput, DeprecateThingTypeOutput, DescribeThingTypeInput,
    DescribeThingTypeOutput, ListThingTypesInput, ListThingTypesOutput, Mqtt5Configuration,
    PropagatingAttribute, ThingTypeDefinition, ThingTypeMetadata, ThingTypeProperties,
};
use super::iot::registry_error;
use super::paging::{decode_token, encode_token, page_size};
use super::tags::tag_map;
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::Scope;
use crate::domain::events::{Operation, thing_type_event};
use crate::domain::registry::thing_types::{self as domain, ThingType, ThingTypes};
use crate::store::SqliteStore;

fn emit_type(app: &App, ctx: &RequestContext, op: Operation, t: &ThingType) {
    let event = thing_type_event(&ctx.scope, op, t, app.ids.uuid(), app.clock.now_millis());
    emit(app, &ctx.scope, event);
}

fn thing_types(app: &App) -> ThingTypes<'_, SqliteStore> {
    ThingTypes {
        store: &app.store,
        clock: app.clock.as_ref(),
        ids: app.ids.as_ref(),
        delete_delay_ms: app.config.thing_type_delete_delay_ms(),
    }
}

fn properties_from_wire(p: Option<ThingTypeProperties>) -> domain::ThingTypeProperties {
    let p = p.unwrap_or_default();
    domain::ThingTypeProperties {
        description: p.thing_type_description,
        searchable_attributes: p.searchable_attributes.unwrap_or_default(),
        propagating_attributes: p.mqtt5_configuration.map(|m| {
            m.propagating_attributes
                .unwrap_or_default()
                .into_iter()
                .map(|a| domain::PropagatingAttribute {
                    user_property_key: a.user_property_key,
                    thing_attribute: a.thing_attribute,
                    connection_attribute: a.connection_attribute,
                })
                .collect()
        }),
    }
}

fn properties_to_wire(p: domain::ThingTypeProperties) -> ThingTypeProperties {
    ThingTypeProperties {
        thing_type_description: p.description,
        searchable_attributes: Some(p.searchable_attributes),
        mqtt5_configuration: p.propagating_attributes.map(|attrs| Mqtt5Configuration {
            propagating_attributes: Some(
                attrs
                    .into_iter()
                    .map(|a| PropagatingAttribute {
                        user_property_key: a.user_property_key,
                        thing_attribute: a.thing_attribute,
                        connection_attribute: a.connection_attribute,
                    })
                    .collect(),
            ),
        }),
    }
}

fn metadata(t: &ThingType) -> ThingTypeMetadata {
    ThingTypeMetadata {
        creation_date: Some(Timestamp(t.created_at)),
        deprecated: Some(t.deprecated),
        deprecation_date: t.deprecated_at.map(Timestamp),
    }
}

pub fn create_thing_type(
    app: &App,
    ctx: &RequestContext,
    input: CreateThingTypeInput,
) -> Result<CreateThingTypeOutput, ApiError> {
    let tags: BTreeMap<String, String> = tag_map(input.tags);
    let properties = properties_from_wire(input.thing_type_properties);
    let (t, created) = thing_types(app)
        .create_reporting(&ctx.scope, &input.thing_type_name, properties, &tags)
        .map_err(registry_error)?;
    if created {
        emit_type(app, ctx, Operation::Created, &t);
    }
    Ok(CreateThingTypeOutput {
        thing_type_arn: Some(t.arn(&ctx.scope)),
        thing_type_id: Some(t.id),
        thing_type_name: Some(t.name),
    })
}

pub fn describe_thing_type(
    app: &App,
    ctx: &RequestContext,
    input: DescribeThingTypeInput,
) -> Result<DescribeThingTypeOutput, ApiError> {
    let t =
        thing_types(app).describe(&ctx.scope, &input.thing_type_name).map_err(registry_error)?;
    Ok(DescribeThingTypeOutput {
        thing_type_arn: Some(t.arn(&ctx.scope)),
        thing_type_metadata: Some(metadata(&t)),
        thing_type_id: Some(t.id),
        thing_type_name: Some(t.name),
        thing_type_properties: Some(properties_to_wire(t.properties)),
    })
}

fn definition(scope: &Scope, t: ThingType) -> ThingTypeDefinition {
    ThingTypeDefinition {
        thing_type_arn: Some(t.arn(scope)),
        thing_type_metadata: Some(metadata(&t)),
        thing_type_name: Some(t.name),
        thing_type_properties: Some(properties_to_wire(t.properties)),
    }
}

pub fn list_thing_types(
    app: &App,
    ctx: &RequestContext,
    input: ListThingTypesInput,
) -> Result<ListThingTypesOutput, ApiError> {
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let page = thing_types(app)
        .list(
            &ctx.scope,
            input.thing_type_name.as_deref(),
            after.as_deref(),
            page_size(input.max_results),
        )
        .map_err(registry_error)?;
    Ok(ListThingTypesOutput {
        thing_types: Some(
            page.thing_types.into_iter().map(|t| definition(&ctx.scope, t)).collect(),
        ),
        next_token: page.next_after.as_deref().map(encode_token),
    })
}

pub fn deprecate_thing_type(
    app: &App,
    ctx: &RequestContext,
    input: DeprecateThingTypeInput,
) -> Result<DeprecateThingTypeOutput, ApiError> {
    let t = thing_types(app)
        .deprecate(&ctx.scope, &input.thing_type_name, input.undo_deprecate.unwrap_or(false))
        .map_err(registry_error)?;
    emit_type(app, ctx, Operation::Updated, &t);
    Ok(DeprecateThingTypeOutput {})
}

pub fn delete_thing_type(
    app: &App,
    ctx: &RequestContext,
    input: DeleteThingTypeInput,
) -> Result<DeleteThingTypeOutput, ApiError> {
    let t = thing_types(app).delete(&ctx.scope, &input.thing_type_name).map_err(registry_error)?;
    emit_type(app, ctx, Operation::Deleted, &t);
    Ok(DeleteThingTypeOutput {})
}
