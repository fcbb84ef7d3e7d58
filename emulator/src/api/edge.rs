//! The AWS side of the HTTP edge: picks the service from the SigV4 scope (or tries
//! them in order for an unsigned request), routes, decodes, dispatches, and writes
//! the result or the AWS error shape.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode};
use percent_encoding::percent_decode_str;

use super::RequestId;
use super::generated::{iot, iot_data, iot_jobs_data};
use super::routing::RouteMatch;
use super::sigv4::{account_of, credential_scope};
use super::wire::{ApiError, RawRequest, RawResponse, RequestContext, Service};
use crate::app::App;
use crate::domain::Scope;

/// The largest request body accepted; AWS's own limits (128 KB messages, 8 KB
/// shadows, 64 KB certificates) are all far below it.
const MAX_BODY: usize = 8 * 1024 * 1024;

pub fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    query
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(kv), String::new()),
        })
        .collect()
}

/// The fallback handler: every request that is not `/_emulator`.
pub async fn aws_request(State(app): State<Arc<App>>, request: Request) -> Response {
    let request_id =
        request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    match handle(&app, request, request_id).await {
        Ok(r) => raw_into_response(r),
        Err(e) => error_response(&e),
    }
}

async fn handle(app: &App, request: Request, request_id: String) -> Result<RawResponse, ApiError> {
    let (parts, body) = request.into_parts();
    let query = parse_query(parts.uri.query());
    let scope = credential_scope(&parts.headers, &query);
    let candidates: Vec<Service> =
        match scope.as_ref().and_then(|s| Service::from_signing_name(&s.service)) {
            Some(service) => vec![service],
            None => Service::PREFERENCE.to_vec(),
        };
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let mut wrong_method = false;
    let mut found = None;
    for service in candidates {
        match app.routes.table(service).find(method, path) {
            RouteMatch::Found { index, labels } => {
                found = Some((service, index, labels));
                break;
            }
            RouteMatch::WrongMethod => wrong_method = true,
            RouteMatch::NotFound => {}
        }
    }
    let Some((service, index, labels)) = found else {
        return Err(if wrong_method {
            ApiError {
                code: "MethodNotAllowedException",
                status: 405,
                message: format!("The method {method} is not allowed on {path}"),
            }
        } else {
            ApiError {
                code: "UnknownOperationException",
                status: 404,
                message: format!("No operation matches {method} {path}"),
            }
        });
    };
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| ApiError {
        code: "RequestEntityTooLargeException",
        status: 413,
        message: format!("The request body exceeds {MAX_BODY} bytes"),
    })?;
    let access_key = scope.as_ref().map(|s| s.access_key.clone());
    let ctx = RequestContext {
        service,
        scope: Scope {
            account: access_key
                .as_deref()
                .map(|k| account_of(k, &app.config.account_id))
                .unwrap_or_else(|| app.config.account_id.clone()),
            region: scope
                .as_ref()
                .map(|s| s.region.clone())
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| app.config.region.clone()),
        },
        request_id,
        access_key,
    };
    let raw = RawRequest { method: method.to_owned(), labels, query, headers: parts.headers, body };
    let result = match service {
        Service::Iot => iot::dispatch(app, iot::Operation::ALL[index], &ctx, raw).await,
        Service::IotData => {
            iot_data::dispatch(app, iot_data::Operation::ALL[index], &ctx, raw).await
        }
        Service::IotJobsData => {
            iot_jobs_data::dispatch(app, iot_jobs_data::Operation::ALL[index], &ctx, raw).await
        }
    };
    let operation = match service {
        Service::Iot => iot::ROUTES[index].name,
        Service::IotData => iot_data::ROUTES[index].name,
        Service::IotJobsData => iot_jobs_data::ROUTES[index].name,
    };
    match &result {
        Ok(r) => {
            tracing::debug!(operation, account = %ctx.scope.account, region = %ctx.scope.region, status = r.status, "api")
        }
        Err(e) => {
            tracing::debug!(operation, account = %ctx.scope.account, region = %ctx.scope.region, status = e.status, code = e.code, "api error")
        }
    }
    result
}

pub(crate) fn raw_into_response(r: RawResponse) -> Response {
    let status =
        StatusCode::from_u16(if r.status == 0 { 200 } else { r.status }).unwrap_or(StatusCode::OK);
    let mut response = (status, r.body).into_response();
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(r.content_type));
    for (name, value) in r.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.append(n, v);
        }
    }
    response
}

/// The AWS error shape: status, `x-amzn-ErrorType`, `{"message": ...}`.
pub fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::from(e.body()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(code) = HeaderValue::from_str(e.code) {
        headers.insert("x-amzn-ErrorType", code);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::parse_query;

    #[test]
    fn query_values_are_percent_decoded_and_plus_is_literal() {
        let q = parse_query(Some("maxResults=2&nextToken=a%2Fb&flag&topic=a+b"));
        assert_eq!(
            q,
            vec![
                ("maxResults".into(), "2".into()),
                ("nextToken".into(), "a/b".into()),
                ("flag".into(), String::new()),
                ("topic".into(), "a+b".into()),
            ]
        );
    }
}
