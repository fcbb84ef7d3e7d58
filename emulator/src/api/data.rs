//! The data plane (`iotdata`) and jobs data plane (`iot-jobs-data`): no operation
//! is implemented yet, so each answers the generated 501 naming itself.

use super::generated::{iot_data::IotDataApi, iot_jobs_data::IotJobsDataApi};
use crate::app::App;

impl IotDataApi for App {}

impl IotJobsDataApi for App {}
