//! `/_emulator`: the operator and test endpoints (health, reset, the root CA, the
//! message tap, the rule-action sinks and the Lambda backends).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

use super::edge::{error_response, parse_query};
use super::wire::ApiError;
use crate::app::App;
use crate::bus::{TapKind, TapQuery};
use crate::domain::Store;
use crate::sinks::SinkQuery;
use crate::sinks::lambda::LambdaSpec;

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    let mut r = (status, value.to_string()).into_response();
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `GET /_emulator/health`: 200 with the listeners under `endpoints`.
pub async fn health(State(app): State<Arc<App>>) -> Response {
    json(
        StatusCode::OK,
        serde_json::json!({
            "status": "running",
            "version": env!("CARGO_PKG_VERSION"),
            "endpoints": app.endpoints(),
            "persistent": app.store.path().is_some(),
        }),
    )
}

/// `POST /_emulator/reset`: empties all state; the root CA stays.
pub async fn reset(State(app): State<Arc<App>>) -> Response {
    match app.store.reset() {
        Ok(()) => {
            app.sinks.clear(None);
            app.sinks.clear_failures(None);
            app.rules.reload(&app);
            tracing::info!("state reset");
            json(StatusCode::OK, serde_json::json!({ "reset": true }))
        }
        Err(e) => error_response(&ApiError::internal(e)),
    }
}

/// `GET /_emulator/ca.pem`: the root CA that signs every certificate the emulator issues.
pub async fn ca_pem(State(app): State<Arc<App>>) -> Response {
    let mut r = app.ca.cert_pem.clone().into_response();
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-pem-file"));
    r
}

/// The query of `GET /_emulator/messages`: `kind` (published|delivered), `topic` (an
/// MQTT filter), `clientId`, `account`, `region`, `after` (a sequence number).
fn tap_query(query: Option<&str>) -> Result<TapQuery, String> {
    let mut q = TapQuery::default();
    for (k, v) in parse_query(query) {
        match k.as_str() {
            "kind" => {
                q.kind = Some(match v.as_str() {
                    "published" => TapKind::Published,
                    "delivered" => TapKind::Delivered,
                    other => {
                        return Err(format!("kind must be published or delivered, not {other}"));
                    }
                })
            }
            "topic" => q.topic = Some(v),
            "clientId" => q.client_id = Some(v),
            "account" => q.account = Some(v),
            "region" => q.region = Some(v),
            "after" => {
                q.after = Some(v.parse().map_err(|_| format!("after must be a number, not {v}"))?)
            }
            other => return Err(format!("unknown parameter {other}")),
        }
    }
    Ok(q)
}

/// `GET /_emulator/messages`: what the broker accepted and delivered, oldest first.
pub async fn messages(State(app): State<Arc<App>>, uri: http::Uri) -> Response {
    match tap_query(uri.query()) {
        Ok(q) => json(StatusCode::OK, serde_json::json!({ "messages": app.bus.tap.query(&q) })),
        Err(message) => error_response(&ApiError::invalid_request(message)),
    }
}

/// `DELETE /_emulator/messages`: forgets every record.
pub async fn clear_messages(State(app): State<Arc<App>>) -> Response {
    app.bus.tap.clear();
    json(StatusCode::OK, serde_json::json!({ "cleared": true }))
}

/// The query of `GET /_emulator/sinks[/{kind}]`: `rule`, `account`, `region`,
/// `after` (a sequence number).
fn sink_query(kind: Option<String>, query: Option<&str>) -> Result<SinkQuery, String> {
    let mut q = SinkQuery { kind, ..Default::default() };
    for (k, v) in parse_query(query) {
        match k.as_str() {
            "rule" => q.rule = Some(v),
            "account" => q.account = Some(v),
            "region" => q.region = Some(v),
            "after" => {
                q.after = Some(v.parse().map_err(|_| format!("after must be a number, not {v}"))?)
            }
            other => return Err(format!("unknown parameter {other}")),
        }
    }
    Ok(q)
}

fn sinks_answer(app: &App, kind: Option<String>, uri: &http::Uri) -> Response {
    match sink_query(kind, uri.query()) {
        Ok(q) => json(
            StatusCode::OK,
            serde_json::json!({
                "records": app.sinks.query(&q),
                "failures": app.sinks.failures(),
            }),
        ),
        Err(message) => error_response(&ApiError::invalid_request(message)),
    }
}

/// `GET /_emulator/sinks`: every delivery of every rule action, oldest first.
pub async fn sinks(State(app): State<Arc<App>>, uri: http::Uri) -> Response {
    sinks_answer(&app, None, &uri)
}

/// `GET /_emulator/sinks/{kind}`: the deliveries of one action kind (`s3`, `sqs`, ...).
pub async fn sink(
    State(app): State<Arc<App>>,
    Path(kind): Path<String>,
    uri: http::Uri,
) -> Response {
    sinks_answer(&app, Some(kind), &uri)
}

/// `DELETE /_emulator/sinks`: forgets every delivery and every injected failure.
pub async fn clear_sinks(State(app): State<Arc<App>>) -> Response {
    app.sinks.clear(None);
    app.sinks.clear_failures(None);
    json(StatusCode::OK, serde_json::json!({ "cleared": true }))
}

/// `DELETE /_emulator/sinks/{kind}`: forgets one kind's deliveries and failures.
pub async fn clear_sink(State(app): State<Arc<App>>, Path(kind): Path<String>) -> Response {
    app.sinks.clear(Some(&kind));
    app.sinks.clear_failures(Some(&kind));
    json(StatusCode::OK, serde_json::json!({ "cleared": true }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureRequest {
    /// How many deliveries fail; absent: every one until cleared.
    count: Option<u64>,
    message: Option<String>,
    /// Only deliveries of this rule fail; absent: any rule's.
    rule: Option<String>,
}

/// What a failing sink says when the test gave no message.
pub const DEFAULT_FAILURE_MESSAGE: &str = "Failure injected by the emulator";

/// `POST /_emulator/sinks/{kind}/failures` with `{"count": 1, "message": "...",
/// "rule": "..."}` (all optional): the next deliveries to that kind (of that rule)
/// fail, so the rule's error action fires.
pub async fn inject_failure(
    State(app): State<Arc<App>>,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let request: FailureRequest = if body.is_empty() {
        FailureRequest { count: None, message: None, rule: None }
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return error_response(&ApiError::invalid_request(format!(
                    "the body must be {{\"count\": n, \"message\": \"...\"}}: {e}"
                )));
            }
        }
    };
    let message = request.message.unwrap_or_else(|| DEFAULT_FAILURE_MESSAGE.to_owned());
    app.sinks.inject_failure(&kind, request.rule, request.count, message);
    json(StatusCode::OK, serde_json::json!({ "failures": app.sinks.failures() }))
}

/// `DELETE /_emulator/sinks/{kind}/failures`: the kind delivers again.
pub async fn clear_failures(State(app): State<Arc<App>>, Path(kind): Path<String>) -> Response {
    app.sinks.clear_failures(Some(&kind));
    json(StatusCode::OK, serde_json::json!({ "failures": app.sinks.failures() }))
}

/// `GET /_emulator/lambda`: the mapped functions and their backends.
pub async fn lambdas(State(app): State<Arc<App>>) -> Response {
    json(StatusCode::OK, serde_json::json!({ "functions": app.lambdas.list() }))
}

/// `PUT /_emulator/lambda/{name}` with a backend spec (`{"wat": "..."}`,
/// `{"command": [...]}`, `{"url": "..."}`, `{}` for record-only): maps a function
/// name or ARN.
pub async fn put_lambda(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let spec: LambdaSpec = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return error_response(&ApiError::invalid_request(format!(
                "the body must be a Lambda backend spec: {e}"
            )));
        }
    };
    match app.lambdas.register(&name, spec) {
        Ok(()) => json(StatusCode::OK, serde_json::json!({ "functions": app.lambdas.list() })),
        Err(message) => error_response(&ApiError::invalid_request(message)),
    }
}

/// `DELETE /_emulator/lambda/{name}`: the function is record-only again.
pub async fn delete_lambda(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    let removed = app.lambdas.remove(&name);
    json(StatusCode::OK, serde_json::json!({ "removed": removed }))
}

/// `GET /_emulator/ml`: the fake Amazon ML models and the predictions they answer.
pub async fn ml_models(State(app): State<Arc<App>>) -> Response {
    json(StatusCode::OK, serde_json::json!({ "models": app.ml_models.list() }))
}

/// `PUT /_emulator/ml/{modelId}` with a JSON prediction (`{"predictedLabel": "1",
/// ...}`): what `machinelearning_predict()` answers for that model.
pub async fn put_ml_model(
    State(app): State<Arc<App>>,
    Path(model_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(prediction) if prediction.is_object() => {
            app.ml_models.set(&model_id, prediction);
            json(StatusCode::OK, serde_json::json!({ "models": app.ml_models.list() }))
        }
        _ => error_response(&ApiError::invalid_request(
            "the body must be a JSON object: the prediction the model answers",
        )),
    }
}

/// `DELETE /_emulator/ml/{modelId}`: the model answers nothing (Undefined) again.
pub async fn delete_ml_model(
    State(app): State<Arc<App>>,
    Path(model_id): Path<String>,
) -> Response {
    json(StatusCode::OK, serde_json::json!({ "removed": app.ml_models.remove(&model_id) }))
}
