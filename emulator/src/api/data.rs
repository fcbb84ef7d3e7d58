//! The data plane (`iotdata`) and the jobs data plane (`iot-jobs-data`): each
//! implemented operation delegates to its file; the rest answer the generated 501.

use super::connections;
use super::generated::iot_data::{
    DeleteConnectionInput, DeleteConnectionOutput, GetRetainedMessageInput,
    GetRetainedMessageOutput, IotDataApi, ListRetainedMessagesInput, ListRetainedMessagesOutput,
    PublishInput, PublishOutput,
};
use super::generated::iot_jobs_data::IotJobsDataApi;
use super::publish;
use super::wire::{ApiError, RequestContext};
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
}

impl IotJobsDataApi for App {}
