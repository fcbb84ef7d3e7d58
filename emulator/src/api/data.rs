//! The data plane (`iotdata`) and the jobs data plane (`iot-jobs-data`): each
//! implemented operation delegates to its file; the rest answer the generated 501.

use super::connections;
use super::generated::iot_data::{
    DeleteConnectionInput, DeleteConnectionOutput, DeleteThingShadowInput, DeleteThingShadowOutput,
    GetRetainedMessageInput, GetRetainedMessageOutput, GetThingShadowInput, GetThingShadowOutput,
    IotDataApi, ListNamedShadowsForThingInput, ListNamedShadowsForThingOutput,
    ListRetainedMessagesInput, ListRetainedMessagesOutput, PublishInput, PublishOutput,
    UpdateThingShadowInput, UpdateThingShadowOutput,
};
use super::generated::iot_jobs_data::IotJobsDataApi;
use super::wire::{ApiError, RequestContext};
use super::{publish, shadows};
use crate::app::App;

impl IotDataApi for App {
    async fn publish(
        &self,
        ctx: &RequestContext,
        input: PublishInput,
    ) -> Result<PublishOutput, ApiError> {
        publish::publish(self, ctx, input)
    }

    async fn list_retained_messages(
        &self,
        ctx: &RequestContext,
        input: ListRetainedMessagesInput,
    ) -> Result<ListRetainedMessagesOutput, ApiError> {
        connections::list_retained_messages(self, ctx, input)
    }

    async fn get_retained_message(
        &self,
        ctx: &RequestContext,
        input: GetRetainedMessageInput,
    ) -> Result<GetRetainedMessageOutput, ApiError> {
        connections::get_retained_message(self, ctx, input)
    }

    async fn delete_connection(
        &self,
        ctx: &RequestContext,
        input: DeleteConnectionInput,
    ) -> Result<DeleteConnectionOutput, ApiError> {
        connections::delete_connection(self, ctx, input)
    }

    async fn get_thing_shadow(
        &self,
        ctx: &RequestContext,
        input: GetThingShadowInput,
    ) -> Result<GetThingShadowOutput, ApiError> {
        shadows::get_thing_shadow(self, &ctx.scope, input)
    }

    async fn update_thing_shadow(
        &self,
        ctx: &RequestContext,
        input: UpdateThingShadowInput,
    ) -> Result<UpdateThingShadowOutput, ApiError> {
        shadows::update_thing_shadow(self, &ctx.scope, input)
    }

    async fn delete_thing_shadow(
        &self,
        ctx: &RequestContext,
        input: DeleteThingShadowInput,
    ) -> Result<DeleteThingShadowOutput, ApiError> {
        shadows::delete_thing_shadow(self, &ctx.scope, input)
    }

    async fn list_named_shadows_for_thing(
        &self,
        ctx: &RequestContext,
        input: ListNamedShadowsForThingInput,
    ) -> Result<ListNamedShadowsForThingOutput, ApiError> {
        shadows::list_named_shadows_for_thing(self, &ctx.scope, input)
    }
}

impl IotJobsDataApi for App {}
