//! Tags: TagResource, UntagResource, ListTagsForResource.

use std::collections::BTreeMap;

use super::generated::iot::{
    ListTagsForResourceInput, ListTagsForResourceOutput, Tag, TagResourceInput, TagResourceOutput,
    UntagResourceInput, UntagResourceOutput,
};
use super::iot::registry_error;
use super::wire::{ApiError, RequestContext};
use crate::app::App;
use crate::domain::tags;

/// The wire's tag list as a map; a tag without a value has the empty value.
pub fn tag_map(tags: Option<Vec<Tag>>) -> BTreeMap<String, String> {
    tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value.unwrap_or_default())).collect()
}

pub fn tag_resource(
    app: &App,
    ctx: &RequestContext,
    input: TagResourceInput,
) -> Result<TagResourceOutput, ApiError> {
    tags::tag_resource(&app.store, &ctx.scope, &input.resource_arn, &tag_map(Some(input.tags)))
        .map_err(registry_error)?;
    Ok(TagResourceOutput {})
}

pub fn untag_resource(
    app: &App,
    ctx: &RequestContext,
    input: UntagResourceInput,
) -> Result<UntagResourceOutput, ApiError> {
    tags::untag_resource(&app.store, &ctx.scope, &input.resource_arn, &input.tag_keys)
        .map_err(registry_error)?;
    Ok(UntagResourceOutput {})
}

/// All tags in one page: a resource has at most 50.
pub fn list_tags_for_resource(
    app: &App,
    ctx: &RequestContext,
    input: ListTagsForResourceInput,
) -> Result<ListTagsForResourceOutput, ApiError> {
    let all =
        tags::list_tags(&app.store, &ctx.scope, &input.resource_arn).map_err(registry_error)?;
    Ok(ListTagsForResourceOutput {
        tags: Some(all.into_iter().map(|(key, value)| Tag { key, value: Some(value) }).collect()),
        next_token: None,
    })
}
