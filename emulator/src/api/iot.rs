//! The control plane (`iot`): the operations the emulator implements, each
//! delegating to its resource-group file, and the mapping of domain errors to the
//! service's modeled errors. Every other operation keeps the generated 501.

use super::generated::iot::{
    CreateThingInput, CreateThingOutput, DeleteThingInput, DeleteThingOutput, DescribeThingInput,
    DescribeThingOutput, ErrorCode, IotApi, ListThingsInput, ListThingsOutput, UpdateThingInput,
    UpdateThingOutput,
};
use super::things;
use super::wire::{ApiError, RequestContext};
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
}
