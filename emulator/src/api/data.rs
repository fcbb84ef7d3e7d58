//! The data plane (`iotdata`) and the jobs data plane (`iot-jobs-data`): each
//! implemented operation delegates to its file; the rest answer the generated 501.

use super::generated::iot_data::{IotDataApi, PublishInput, PublishOutput};
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
}

impl IotJobsDataApi for App {}
