//! `/_emulator`: the operator and test endpoints (health, reset, the root CA).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

use super::edge::error_response;
use super::wire::ApiError;
use crate::app::App;
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
