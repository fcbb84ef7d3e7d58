//! The control plane (`iot`): the operations the emulator implements, each
//! delegating to its resource-group file, and the mapping of domain errors to the
//! service's modeled errors. Every other operation keeps the generated 501.

use super::generated::iot::{
    CreateThingInput, CreateThingOutput, CreateThingTypeInput, CreateThingTypeOutput,
    DeleteThingInput, DeleteThingOutput, DeleteThingTypeInput, DeleteThingTypeOutput,
    DeprecateThingTypeInput, DeprecateThingTypeOutput, DescribeThingInput, DescribeThingOutput,
    DescribeThingTypeInput, DescribeThingTypeOutput, ErrorCode, IotApi, ListTagsForResourceInput,
    ListTagsForResourceOutput, ListThingTypesInput, ListThingTypesOutput, ListThingsInput,
    ListThingsOutput, TagResourceInput, TagResourceOutput, UntagResourceInput, UntagResourceOutput,
    UpdateThingInput, UpdateThingOutput,
};
use super::wire::{ApiError, RequestContext};
use super::{tags, thing_types, things};
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
}
