//! The fake Amazon Machine Learning behind `machinelearning_predict()`: a test sets
//! the prediction a model answers (`PUT /_emulator/ml/{modelId}`), and every call of
//! the function on that model returns it; an unknown model gives Undefined.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::Value;

/// Model id → the prediction it answers (the `Prediction` object of Amazon ML:
/// `predictedLabel`, `predictedValue`, `predictedScores`, `details`).
#[derive(Debug, Default)]
pub struct MlModels {
    models: Mutex<BTreeMap<String, Value>>,
}

impl MlModels {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Value>> {
        self.models.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, model_id: &str, prediction: Value) {
        self.lock().insert(model_id.to_owned(), prediction);
    }

    pub fn remove(&self, model_id: &str) -> bool {
        self.lock().remove(model_id).is_some()
    }

    pub fn prediction(&self, model_id: &str) -> Option<Value> {
        self.lock().get(model_id).cloned()
    }

    pub fn list(&self) -> BTreeMap<String, Value> {
        self.lock().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_answers_what_was_set_until_removed() {
        let models = MlModels::default();
        assert_eq!(models.prediction("m"), None);
        models.set("m", serde_json::json!({"predictedLabel": "1"}));
        assert_eq!(models.prediction("m").unwrap()["predictedLabel"], "1");
        assert!(models.remove("m"));
        assert_eq!(models.prediction("m"), None);
    }
}
