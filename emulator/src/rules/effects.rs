//! What a firing rule reaches outside itself: the SQL environment (clock, ids,
//! external functions) and the actions' effects (templates, broker, Lambda).

use crate::domain::shadow::Shadows;
use bytes::Bytes;
use serde_json::Value;

use crate::app::App;
use crate::broker::hooks::{Message, MessageProperties, Origin};
use crate::domain::Scope;
use crate::domain::rules::compiled::CompiledRule;
use crate::domain::rules::sql::{MessageInput, ParsedPayload, SqlEnvironment};
use crate::sinks::{Effects, Origin as SinkOrigin};

/// The SQL environment of one rule. Error actions get one without external
/// functions (guide L6997).
pub struct Env<'a> {
    pub app: &'a App,
    pub scope: &'a Scope,
    pub rule_name: &'a str,
    pub external: bool,
}

impl SqlEnvironment for Env<'_> {
    fn now_ms(&self) -> i64 {
        self.app.clock.now_millis()
    }

    fn new_uuid(&self) -> String {
        self.app.ids.uuid()
    }

    fn get_thing_shadow(&self, thing: &str, _role_arn: &str) -> Option<Value> {
        // The classic shadow as GetThingShadow answers it; a missing one is Undefined.
        let shadows = Shadows { store: &self.app.store, clock: self.app.clock.as_ref() };
        shadows.get(self.scope, thing, None, None).ok()
    }

    fn aws_lambda(&self, arn: &str, event: &Value) -> Result<Value, String> {
        if !self.external {
            return Err("aws_lambda() is not available in an error action".into());
        }
        let body = event.to_string();
        let answer = self.app.lambdas.invoke(arn, body.as_bytes())?;
        // The call is recorded like the lambda action's, so tests see it either way.
        self.app.sinks.record(
            "lambda",
            SinkOrigin {
                rule_name: self.rule_name,
                scope: self.scope,
                timestamp: self.app.clock.now_millis(),
                error_action: false,
            },
            serde_json::json!({
                "functionArn": arn,
                "invocationType": "RequestResponse",
                "event": event,
                "response": answer,
            }),
        );
        answer.ok_or_else(|| format!("The function {arn} has no backend (record-only)"))
    }

    fn machinelearning_predict(
        &self,
        model_id: &str,
        _role_arn: &str,
        _record: &Value,
    ) -> Option<Value> {
        // The prediction a test set for the model (`/_emulator/ml/{modelId}`).
        self.app.ml_models.prediction(model_id)
    }
}

/// The effects of one rule firing.
pub struct ActionEffects<'a> {
    pub app: &'a App,
    pub scope: &'a Scope,
    pub compiled: &'a CompiledRule,
    pub input: &'a MessageInput<'a>,
    /// The incoming message's payload, parsed once for every template.
    pub parsed: &'a ParsedPayload,
    pub env: &'a Env<'a>,
}

impl Effects for ActionEffects<'_> {
    fn render(&self, template: &str) -> Result<String, String> {
        Ok(match self.compiled.template(template) {
            Some(t) => t.render_parsed(self.parsed, self.input, self.env),
            None => template.to_owned(),
        })
    }

    fn publish(&self, topic: &str, qos: u8, payload: Vec<u8>) {
        self.app.publish(Message {
            scope: self.scope.clone(),
            topic: topic.to_owned(),
            payload: Bytes::from(payload),
            qos,
            retain: false,
            properties: MessageProperties::default(),
            origin: Origin::default(),
            timestamp: self.app.clock.now_millis(),
        });
    }

    fn invoke_lambda(&self, function_arn: &str, event: &[u8]) -> Result<Option<Value>, String> {
        self.app.lambdas.invoke(function_arn, event)
    }

    fn new_uuid(&self) -> String {
        self.app.ids.uuid()
    }
}
