//! A `SqlEnvironment` with fixed answers: deterministic ids and time, shadows
//! and Lambda/ML answers from tables. For tests, and as a starting point.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use super::SqlEnvironment;

#[derive(Default)]
pub struct StaticEnvironment {
    pub now_ms: i64,
    /// `rand()` answers this.
    pub random: f64,
    /// Shadow documents by thing name.
    pub shadows: HashMap<String, serde_json::Value>,
    /// Lambda answers by function ARN; an unknown ARN fails the call.
    pub lambdas: HashMap<String, serde_json::Value>,
    /// Prediction by model id.
    pub predictions: HashMap<String, serde_json::Value>,
    uuids: AtomicU64,
}

impl SqlEnvironment for StaticEnvironment {
    fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// `00000000-0000-4000-8000-00000000000N`, counting from 1.
    fn new_uuid(&self) -> String {
        let n = self.uuids.fetch_add(1, Ordering::Relaxed) + 1;
        format!("00000000-0000-4000-8000-{n:012x}")
    }

    fn get_thing_shadow(&self, thing_name: &str, _role_arn: &str) -> Option<serde_json::Value> {
        self.shadows.get(thing_name).cloned()
    }

    fn aws_lambda(
        &self,
        function_arn: &str,
        _event: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.lambdas
            .get(function_arn)
            .cloned()
            .ok_or_else(|| format!("function {function_arn} not found"))
    }

    fn machinelearning_predict(
        &self,
        model_id: &str,
        _role_arn: &str,
        _record: &serde_json::Value,
    ) -> Option<serde_json::Value> {
        self.predictions.get(model_id).cloned()
    }

    fn rand(&self) -> f64 {
        self.random
    }
}
