//! Shadow service errors: the HTTP code and exact message of the guide's error table
//! (L11528-11537), which are both the REST status and the `/rejected` document.

use crate::domain::StoreError;

/// A rejected shadow request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {message}")]
pub struct ShadowError {
    /// The HTTP status the guide gives (400, 404, 409, 413, 415, 500, ...).
    pub code: u16,
    pub message: String,
    /// The request's client token when the request was valid enough to carry one:
    /// "present only if a client token was used when publishing valid JSON" (L11520).
    pub client_token: Option<String>,
}

impl ShadowError {
    pub fn new(code: u16, message: impl Into<String>) -> ShadowError {
        ShadowError { code, message: message.into(), client_token: None }
    }

    pub fn with_token(mut self, token: Option<&str>) -> ShadowError {
        self.client_token = token.map(str::to_owned);
        self
    }

    pub fn invalid_json() -> ShadowError {
        ShadowError::new(400, "Invalid JSON")
    }

    pub fn unsupported_encoding() -> ShadowError {
        ShadowError::new(415, "Unsupported documented encoding; supported encoding is UTF-8")
    }

    pub fn too_large() -> ShadowError {
        ShadowError::new(413, "The payload exceeds the maximum size allowed")
    }

    pub fn version_conflict() -> ShadowError {
        ShadowError::new(409, "Version conflict")
    }

    /// 404 for a shadow that does not exist: the guide's "Thing not found" for the
    /// classic shadow, today's AWS message for a named one.
    pub fn not_found(shadow_name: Option<&str>) -> ShadowError {
        match shadow_name {
            None => ShadowError::new(404, "Thing not found"),
            Some(name) => ShadowError::new(404, format!("No shadow exists with name: {name}")),
        }
    }

    pub fn internal() -> ShadowError {
        ShadowError::new(500, "Internal service failure")
    }

    /// The error response document (L11505-11520).
    pub fn document(&self, timestamp_secs: i64) -> serde_json::Value {
        let doc = serde_json::json!({
            "code": self.code,
            "message": self.message,
            "timestamp": timestamp_secs,
        });
        super::document::with_client_token(doc, self.client_token.as_deref())
    }
}

impl From<StoreError> for ShadowError {
    fn from(e: StoreError) -> ShadowError {
        tracing::error!(error = %e, "shadow store failure");
        ShadowError::internal()
    }
}
