//! The control plane (`iot`): the operations the emulator implements, each
//! delegating to its resource-group file, and the mapping of domain errors to the
//! service's modeled errors. Every other operation keeps the generated 501.

use super::generated::iot::{
    AddThingToThingGroupInput, AddThingToThingGroupOutput, CreateThingGroupInput,
    CreateThingGroupOutput, CreateThingInput, CreateThingOutput, CreateThingTypeInput,
    CreateThingTypeOutput, DeleteThingGroupInput, DeleteThingGroupOutput, DeleteThingInput,
    DeleteThingOutput, DeleteThingTypeInput, DeleteThingTypeOutput, DeprecateThingTypeInput,
    DeprecateThingTypeOutput, DescribeThingGroupInput, DescribeThingGroupOutput,
    DescribeThingInput, DescribeThingOutput, DescribeThingTypeInput, DescribeThingTypeOutput,
    ErrorCode, IotApi, ListTagsForResourceInput, ListTagsForResourceOutput,
    ListThingGroupsForThingInput, ListThingGroupsForThingOutput, ListThingGroupsInput,
    ListThingGroupsOutput, ListThingTypesInput, ListThingTypesOutput, ListThingsInThingGroupInput,
    ListThingsInThingGroupOutput, ListThingsInput, ListThingsOutput,
    RemoveThingFromThingGroupInput, RemoveThingFromThingGroupOutput, TagResourceInput,
    TagResourceOutput, UntagResourceInput, UntagResourceOutput, UpdateThingGroupInput,
    UpdateThingGroupOutput, UpdateThingGroupsForThingInput, UpdateThingGroupsForThingOutput,
    UpdateThingInput, UpdateThingOutput,
};
use super::wire::{ApiError, RequestContext};
use super::{tags, thing_groups, thing_types, things};
use crate::app::App;
use crate::domain::registry::RegistryError;

pub fn registry_error(e: RegistryError) -> ApiError {
    match e {
        RegistryError::Invalid(m) => ApiError::new(ErrorCode::InvalidRequestException, m),
        RegistryError::NotFound(m) => ApiError::new(ErrorCode::ResourceNotFoundException, m),
        RegistryError::AlreadyExists(m) => {
            ApiError::new(ErrorCode::ResourceAlreadyExistsException, m)
        }
        RegistryError::VersionConflict(m) => ApiError::new(ErrorCode::VersionConflictException, m),
        RegistryError::Store(e) => ApiError::internal(e),
    }
}

impl IotApi for App {
    async fn create_thing(
        &self,
        ctx: &RequestContext,
        input: CreateThingInput,
    ) -> Result<CreateThingOutput, ApiError> {
        things::create_thing(self, ctx, input)
    }

    async fn describe_thing(
        &self,
        ctx: &RequestContext,
        input: DescribeThingInput,
    ) -> Result<DescribeThingOutput, ApiError> {
        things::describe_thing(self, ctx, input)
    }

    async fn list_things(
        &self,
        ctx: &RequestContext,
        input: ListThingsInput,
    ) -> Result<ListThingsOutput, ApiError> {
        things::list_things(self, ctx, input)
    }

    async fn update_thing(
        &self,
        ctx: &RequestContext,
        input: UpdateThingInput,
    ) -> Result<UpdateThingOutput, ApiError> {
        things::update_thing(self, ctx, input)
    }

    async fn delete_thing(
        &self,
        ctx: &RequestContext,
        input: DeleteThingInput,
    ) -> Result<DeleteThingOutput, ApiError> {
        things::delete_thing(self, ctx, input)
    }

    async fn create_thing_type(
        &self,
        ctx: &RequestContext,
        input: CreateThingTypeInput,
    ) -> Result<CreateThingTypeOutput, ApiError> {
        thing_types::create_thing_type(self, ctx, input)
    }

    async fn describe_thing_type(
        &self,
        ctx: &RequestContext,
        input: DescribeThingTypeInput,
    ) -> Result<DescribeThingTypeOutput, ApiError> {
        thing_types::describe_thing_type(self, ctx, input)
    }

    async fn list_thing_types(
        &self,
        ctx: &RequestContext,
        input: ListThingTypesInput,
    ) -> Result<ListThingTypesOutput, ApiError> {
        thing_types::list_thing_types(self, ctx, input)
    }

    async fn deprecate_thing_type(
        &self,
        ctx: &RequestContext,
        input: DeprecateThingTypeInput,
    ) -> Result<DeprecateThingTypeOutput, ApiError> {
        thing_types::deprecate_thing_type(self, ctx, input)
    }

    async fn delete_thing_type(
        &self,
        ctx: &RequestContext,
        input: DeleteThingTypeInput,
    ) -> Result<DeleteThingTypeOutput, ApiError> {
        thing_types::delete_thing_type(self, ctx, input)
    }

    async fn tag_resource(
        &self,
        ctx: &RequestContext,
        input: TagResourceInput,
    ) -> Result<TagResourceOutput, ApiError> {
        tags::tag_resource(self, ctx, input)
    }

    async fn untag_resource(
        &self,
        ctx: &RequestContext,
        input: UntagResourceInput,
    ) -> Result<UntagResourceOutput, ApiError> {
        tags::untag_resource(self, ctx, input)
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &RequestContext,
        input: ListTagsForResourceInput,
    ) -> Result<ListTagsForResourceOutput, ApiError> {
        tags::list_tags_for_resource(self, ctx, input)
    }

    async fn add_thing_to_thing_group(
        &self,
        ctx: &RequestContext,
        input: AddThingToThingGroupInput,
    ) -> Result<AddThingToThingGroupOutput, ApiError> {
        thing_groups::add_thing_to_thing_group(self, ctx, input)
    }

    async fn create_thing_group(
        &self,
        ctx: &RequestContext,
        input: CreateThingGroupInput,
    ) -> Result<CreateThingGroupOutput, ApiError> {
        thing_groups::create_thing_group(self, ctx, input)
    }

    async fn delete_thing_group(
        &self,
        ctx: &RequestContext,
        input: DeleteThingGroupInput,
    ) -> Result<DeleteThingGroupOutput, ApiError> {
        thing_groups::delete_thing_group(self, ctx, input)
    }

    async fn describe_thing_group(
        &self,
        ctx: &RequestContext,
        input: DescribeThingGroupInput,
    ) -> Result<DescribeThingGroupOutput, ApiError> {
        thing_groups::describe_thing_group(self, ctx, input)
    }

    async fn list_thing_groups(
        &self,
        ctx: &RequestContext,
        input: ListThingGroupsInput,
    ) -> Result<ListThingGroupsOutput, ApiError> {
        thing_groups::list_thing_groups(self, ctx, input)
    }

    async fn list_thing_groups_for_thing(
        &self,
        ctx: &RequestContext,
        input: ListThingGroupsForThingInput,
    ) -> Result<ListThingGroupsForThingOutput, ApiError> {
        thing_groups::list_thing_groups_for_thing(self, ctx, input)
    }

    async fn list_things_in_thing_group(
        &self,
        ctx: &RequestContext,
        input: ListThingsInThingGroupInput,
    ) -> Result<ListThingsInThingGroupOutput, ApiError> {
        thing_groups::list_things_in_thing_group(self, ctx, input)
    }

    async fn remove_thing_from_thing_group(
        &self,
        ctx: &RequestContext,
        input: RemoveThingFromThingGroupInput,
    ) -> Result<RemoveThingFromThingGroupOutput, ApiError> {
        thing_groups::remove_thing_from_thing_group(self, ctx, input)
    }

    async fn update_thing_group(
        &self,
        ctx: &RequestContext,
        input: UpdateThingGroupInput,
    ) -> Result<UpdateThingGroupOutput, ApiError> {
        thing_groups::update_thing_group(self, ctx, input)
    }

    async fn update_thing_groups_for_thing(
        &self,
        ctx: &RequestContext,
        input: UpdateThingGroupsForThingInput,
    ) -> Result<UpdateThingGroupsForThingOutput, ApiError> {
        thing_groups::update_thing_groups_for_thing(self, ctx, input)
    }
}
