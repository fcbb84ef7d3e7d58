//! Thing groups: create, describe, update, delete, membership and listings.

use super::events::emit;
use super::generated::iot::{
    AddThingToThingGroupInput, AddThingToThingGroupOutput, AttributePayload, CreateThingGroupInput,
    CreateThingGroupOutput, DeleteThingGroupInput, DeleteThingGroupOutput, DescribeThingGroupInput,
    DescribeThingGroupOutput, GroupNameAndArn, ListThingGroupsForThingInput,
    ListThingGroupsForThingOutput, ListThingGroupsInput, ListThingGroupsOutput,
    ListThingsInThingGroupInput, ListThingsInThingGroupOutput, RemoveThingFromThingGroupInput,
    RemoveThingFromThingGroupOutput, ThingGroupMetadata, ThingGroupProperties,
    UpdateThingGroupInput, UpdateThingGroupOutput, UpdateThingGroupsForThingInput,
    UpdateThingGroupsForThingOutput,
};
use super::iot::registry_error;
use super::paging::{decode_token, encode_token, page_size};
use super::tags::tag_map;
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::Scope;
use crate::domain::events::{
    Change, Operation, hierarchy_event, membership_event, thing_group_event,
};
use crate::domain::registry::thing_groups::{GroupProperties, GroupQuery, ThingGroups, group_arn};
use crate::domain::registry::thing_groups::{Membership, ThingGroup};
use crate::store::SqliteStore;

/// A thing group event, with the parent's id and the chain of ancestors.
fn emit_group(app: &App, ctx: &RequestContext, op: Operation, g: &ThingGroup) {
    let parent = g.parent.as_deref().and_then(|p| groups(app).describe(&ctx.scope, p).ok());
    let chain: Vec<String> = parent
        .as_ref()
        .map(|p| p.root_to_parent.iter().cloned().chain([p.group.name.clone()]).collect())
        .unwrap_or_default();
    let parent_id = parent.as_ref().map(|p| p.group.id.as_str());
    let event = thing_group_event(
        &ctx.scope,
        op,
        g,
        parent_id,
        &chain,
        app.ids.uuid(),
        app.clock.now_millis(),
    );
    emit(app, &ctx.scope, event);
}

fn emit_membership(app: &App, ctx: &RequestContext, change: Change, m: &Membership) {
    let event = membership_event(&ctx.scope, change, m, app.ids.uuid(), app.clock.now_millis());
    emit(app, &ctx.scope, event);
}

/// The link between a group and its parent, if it has one.
fn emit_hierarchy(app: &App, ctx: &RequestContext, change: Change, child: &ThingGroup) {
    let Some(parent) =
        child.parent.as_deref().and_then(|p| groups(app).describe(&ctx.scope, p).ok())
    else {
        return;
    };
    let event = hierarchy_event(
        &ctx.scope,
        change,
        &parent.group,
        child,
        app.ids.uuid(),
        app.clock.now_millis(),
    );
    emit(app, &ctx.scope, event);
}

fn groups(app: &App) -> ThingGroups<'_, SqliteStore> {
    ThingGroups { store: &app.store, clock: app.clock.as_ref(), ids: app.ids.as_ref() }
}

fn properties(p: Option<ThingGroupProperties>) -> GroupProperties {
    let p = p.unwrap_or_default();
    let payload = p.attribute_payload.unwrap_or_default();
    GroupProperties {
        description: p.thing_group_description,
        attributes: payload.attributes,
        merge: payload.merge.unwrap_or(false),
    }
}

fn name_and_arn(scope: &Scope, name: String) -> GroupNameAndArn {
    GroupNameAndArn { group_arn: Some(group_arn(scope, &name)), group_name: Some(name) }
}

/// The resource named either by `name` or by an ARN of `kind` in the caller's scope.
fn named(
    scope: &Scope,
    kind: &str,
    name: Option<String>,
    arn: Option<String>,
) -> Result<String, ApiError> {
    if let Some(name) = name {
        return Ok(name);
    }
    let Some(arn) = arn else {
        return Err(ApiError::invalid_request(format!(
            "Either the {kind} name or its ARN must be given."
        )));
    };
    arn.strip_prefix(&scope.arn(&format!("{kind}/")))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::invalid_request(format!(
                "{arn} is not the ARN of a {kind} in this account and region."
            ))
        })
}

pub fn create_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: CreateThingGroupInput,
) -> Result<CreateThingGroupOutput, ApiError> {
    let (g, created) = groups(app)
        .create_reporting(
            &ctx.scope,
            &input.thing_group_name,
            input.parent_group_name.as_deref(),
            properties(input.thing_group_properties),
            &tag_map(input.tags),
        )
        .map_err(registry_error)?;
    if created {
        emit_group(app, ctx, Operation::Created, &g);
        emit_hierarchy(app, ctx, Change::Added, &g);
    }
    Ok(CreateThingGroupOutput {
        thing_group_arn: Some(g.arn(&ctx.scope)),
        thing_group_id: Some(g.id),
        thing_group_name: Some(g.name),
    })
}

pub fn describe_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: DescribeThingGroupInput,
) -> Result<DescribeThingGroupOutput, ApiError> {
    let d = groups(app).describe(&ctx.scope, &input.thing_group_name).map_err(registry_error)?;
    let g = d.group;
    Ok(DescribeThingGroupOutput {
        thing_group_arn: Some(g.arn(&ctx.scope)),
        thing_group_id: Some(g.id),
        thing_group_name: Some(g.name),
        version: Some(g.version),
        thing_group_metadata: Some(ThingGroupMetadata {
            creation_date: Some(Timestamp(g.created_at)),
            parent_group_name: g.parent,
            root_to_parent_thing_groups: Some(
                d.root_to_parent.into_iter().map(|n| name_and_arn(&ctx.scope, n)).collect(),
            ),
        }),
        thing_group_properties: Some(ThingGroupProperties {
            thing_group_description: g.description,
            attribute_payload: Some(AttributePayload {
                attributes: Some(g.attributes),
                merge: None,
            }),
        }),
        index_name: None,
        query_string: None,
        query_version: None,
        status: None,
    })
}

pub fn update_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: UpdateThingGroupInput,
) -> Result<UpdateThingGroupOutput, ApiError> {
    let version = groups(app)
        .update(
            &ctx.scope,
            &input.thing_group_name,
            properties(Some(input.thing_group_properties)),
            input.expected_version,
        )
        .map_err(registry_error)?;
    if let Ok(d) = groups(app).describe(&ctx.scope, &input.thing_group_name) {
        emit_group(app, ctx, Operation::Updated, &d.group);
    }
    Ok(UpdateThingGroupOutput { version: Some(version) })
}

pub fn delete_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: DeleteThingGroupInput,
) -> Result<DeleteThingGroupOutput, ApiError> {
    let deleted = groups(app)
        .delete(&ctx.scope, &input.thing_group_name, input.expected_version)
        .map_err(registry_error)?;
    if let Some(g) = deleted {
        emit_group(app, ctx, Operation::Deleted, &g);
        emit_hierarchy(app, ctx, Change::Removed, &g);
    }
    Ok(DeleteThingGroupOutput {})
}

pub fn add_thing_to_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: AddThingToThingGroupInput,
) -> Result<AddThingToThingGroupOutput, ApiError> {
    let group = named(&ctx.scope, "thinggroup", input.thing_group_name, input.thing_group_arn)?;
    let thing = named(&ctx.scope, "thing", input.thing_name, input.thing_arn)?;
    if let Some(m) = groups(app).add_thing(&ctx.scope, &group, &thing).map_err(registry_error)? {
        emit_membership(app, ctx, Change::Added, &m);
    }
    Ok(AddThingToThingGroupOutput {})
}

pub fn remove_thing_from_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: RemoveThingFromThingGroupInput,
) -> Result<RemoveThingFromThingGroupOutput, ApiError> {
    let group = named(&ctx.scope, "thinggroup", input.thing_group_name, input.thing_group_arn)?;
    let thing = named(&ctx.scope, "thing", input.thing_name, input.thing_arn)?;
    if let Some(m) = groups(app).remove_thing(&ctx.scope, &group, &thing).map_err(registry_error)? {
        emit_membership(app, ctx, Change::Removed, &m);
    }
    Ok(RemoveThingFromThingGroupOutput {})
}

pub fn update_thing_groups_for_thing(
    app: &App,
    ctx: &RequestContext,
    input: UpdateThingGroupsForThingInput,
) -> Result<UpdateThingGroupsForThingOutput, ApiError> {
    let thing =
        input.thing_name.ok_or_else(|| ApiError::invalid_request("thingName must be given."))?;
    let (removed, added) = groups(app)
        .update_groups_for_thing(
            &ctx.scope,
            &thing,
            &input.thing_groups_to_add.unwrap_or_default(),
            &input.thing_groups_to_remove.unwrap_or_default(),
        )
        .map_err(registry_error)?;
    for m in &removed {
        emit_membership(app, ctx, Change::Removed, m);
    }
    for m in &added {
        emit_membership(app, ctx, Change::Added, m);
    }
    Ok(UpdateThingGroupsForThingOutput {})
}

pub fn list_things_in_thing_group(
    app: &App,
    ctx: &RequestContext,
    input: ListThingsInThingGroupInput,
) -> Result<ListThingsInThingGroupOutput, ApiError> {
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let page = groups(app)
        .things_in_group(
            &ctx.scope,
            &input.thing_group_name,
            input.recursive.unwrap_or(false),
            after.as_deref(),
            page_size(input.max_results),
        )
        .map_err(registry_error)?;
    Ok(ListThingsInThingGroupOutput {
        things: Some(page.items),
        next_token: page.next_after.as_deref().map(encode_token),
    })
}

pub fn list_thing_groups(
    app: &App,
    ctx: &RequestContext,
    input: ListThingGroupsInput,
) -> Result<ListThingGroupsOutput, ApiError> {
    let query = GroupQuery {
        parent: input.parent_group,
        recursive: input.recursive.unwrap_or(false),
        name_prefix: input.name_prefix_filter,
        after: input.next_token.as_deref().map(decode_token).transpose()?,
        limit: page_size(input.max_results),
    };
    let page = groups(app).list(&ctx.scope, query).map_err(registry_error)?;
    Ok(ListThingGroupsOutput {
        thing_groups: Some(
            page.items.into_iter().map(|g| name_and_arn(&ctx.scope, g.name)).collect(),
        ),
        next_token: page.next_after.as_deref().map(encode_token),
    })
}

pub fn list_thing_groups_for_thing(
    app: &App,
    ctx: &RequestContext,
    input: ListThingGroupsForThingInput,
) -> Result<ListThingGroupsForThingOutput, ApiError> {
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let page = groups(app)
        .groups_for_thing(
            &ctx.scope,
            &input.thing_name,
            after.as_deref(),
            page_size(input.max_results),
        )
        .map_err(registry_error)?;
    Ok(ListThingGroupsForThingOutput {
        thing_groups: Some(page.items.into_iter().map(|n| name_and_arn(&ctx.scope, n)).collect()),
        next_token: page.next_after.as_deref().map(encode_token),
    })
}
