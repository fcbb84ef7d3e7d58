//! The shadow service on MQTT: a publish to `$aws/things/{thing}/shadow[/name/{name}]/
//! {update|get|delete}` (from a device, HTTP Publish or a rule) is answered on its
//! `/accepted`, `/rejected`, `/delta` and `/documents` topics (guide L11006-11388).
//! Authorization is the broker's: iot:Publish on the request topic, iot:Receive on
//! each response (seed-inventory DEFECT D28).

use bytes::Bytes;
use serde_json::Value;

use crate::app::App;
use crate::broker::hooks::{Message, MessageProperties, Origin};
use crate::domain::Scope;
use crate::domain::shadow::topics::{self, ShadowOp, ShadowTopic};
use crate::domain::shadow::{ShadowError, Shadows, request};

/// Answers `message` if it is a shadow request; other messages pass untouched.
pub fn on_message(app: &App, message: &Message) {
    let Some(request) = topics::parse(&message.topic) else { return };
    publish(app, &message.scope, answer(app, &message.scope, &request, &message.payload));
}

/// Publishes the shadow service's answers (JSON documents) as the emulator's own
/// messages.
pub fn publish(app: &App, scope: &Scope, messages: Vec<(String, Bytes)>) {
    for (topic, payload) in messages {
        app.publish(Message {
            scope: scope.clone(),
            topic,
            payload,
            qos: 1,
            retain: false,
            properties: MessageProperties::default(),
            origin: Origin::default(),
            timestamp: app.clock.now_millis(),
        });
    }
}

/// The (topic, JSON document) pairs a request is answered with, in publishing order.
pub fn answer(
    app: &App,
    scope: &Scope,
    request: &ShadowTopic<'_>,
    payload: &[u8],
) -> Vec<(String, Bytes)> {
    let shadows = Shadows { store: &app.store, clock: app.clock.as_ref() };
    let (thing, name) = (request.thing, request.name);
    let result = match request.op {
        ShadowOp::Update => {
            shadows.update(scope, thing, name, payload).map(|o| o.messages(request))
        }
        ShadowOp::Get => request::parse_token_only(payload)
            .and_then(|token| shadows.get(scope, thing, name, token.as_deref()))
            .map(|doc| vec![(request.response("accepted"), json(&doc))]),
        ShadowOp::Delete => request::parse_token_only(payload)
            .and_then(|token| shadows.delete(scope, thing, name, token.as_deref()))
            .map(|doc| vec![(request.response("accepted"), json(&doc))]),
    };
    match result {
        Ok(out) => out,
        Err(e) => vec![(request.response("rejected"), rejection(&shadows, &e))],
    }
}

/// A document as a message payload.
pub fn json(doc: &Value) -> Bytes {
    Bytes::from(doc.to_string())
}

fn rejection<S: crate::domain::Store>(shadows: &Shadows<'_, S>, e: &ShadowError) -> Bytes {
    json(&e.document(shadows.timestamp()))
}
