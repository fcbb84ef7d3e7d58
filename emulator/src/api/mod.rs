//! The HTTP edge (port 4566): the AWS services generated from their models, routed
//! by SigV4 scope, and the `/_emulator` endpoints. Every response carries an
//! `x-amzn-RequestId`.

pub mod edge;
pub mod https;
#[rustfmt::skip]
pub mod generated;
pub mod inspection;
pub mod routing;
pub mod sigv4;
pub mod wire;

mod authorization;
mod ca_certificates;
mod certificates;
mod connections;
mod data;
mod events;
mod iot;
mod paging;
mod policies;
mod publish;
mod shadows;
mod tags;
mod thing_groups;
mod thing_types;
mod things;
mod topic_rules;
mod transfers;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use http::HeaderValue;

use crate::app::App;
use routing::RouteTable;
use wire::Service;

/// The request id of the request being served, as an extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The compiled route tables of the three services.
#[derive(Debug)]
pub struct Routes {
    iot: RouteTable,
    iot_data: RouteTable,
    iot_jobs_data: RouteTable,
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            iot: RouteTable::new(generated::iot::ROUTES),
            iot_data: RouteTable::new(generated::iot_data::ROUTES),
            iot_jobs_data: RouteTable::new(generated::iot_jobs_data::ROUTES),
        }
    }

    pub fn table(&self, service: Service) -> &RouteTable {
        match service {
            Service::Iot => &self.iot,
            Service::IotData => &self.iot_data,
            Service::IotJobsData => &self.iot_jobs_data,
        }
    }
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

async fn request_id(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let id = app.ids.uuid();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

/// The whole HTTP application.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/_emulator/health", get(inspection::health))
        .route("/_emulator/reset", post(inspection::reset))
        .route("/_emulator/ca.pem", get(inspection::ca_pem))
        .route("/_emulator/messages", get(inspection::messages).delete(inspection::clear_messages))
        .route("/_emulator/sinks", get(inspection::sinks).delete(inspection::clear_sinks))
        .route("/_emulator/sinks/{kind}", get(inspection::sink).delete(inspection::clear_sink))
        .route(
            "/_emulator/sinks/{kind}/failures",
            post(inspection::inject_failure).delete(inspection::clear_failures),
        )
        .route("/_emulator/lambda", get(inspection::lambdas))
        .route("/_emulator/ml", get(inspection::ml_models))
        .route(
            "/_emulator/ml/{model_id}",
            axum::routing::put(inspection::put_ml_model).delete(inspection::delete_ml_model),
        )
        .route(
            "/_emulator/lambda/{name}",
            axum::routing::put(inspection::put_lambda).delete(inspection::delete_lambda),
        )
        .route("/mqtt", get(crate::broker::websocket::upgrade))
        .fallback(edge::aws_request)
        .layer(middleware::from_fn_with_state(app.clone(), request_id))
        .with_state(app)
}
