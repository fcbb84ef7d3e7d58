//! `/_emulator`: the operator and test endpoints (health, reset, the root CA).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

use super::edge::{error_response, parse_query};
use super::wire::ApiError;
use crate::app::App;
use crate::bus::{TapKind, TapQuery};
use crate::domain::Store;

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
