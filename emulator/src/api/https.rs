//! The data plane over mutual TLS (AWS IoT's port 8443): devices publish with
//! `POST /topics/{topic}?qos=` and use their shadows (`/things/{thing}/shadow`)
//! authenticated by their client certificate, which must be registered and ACTIVE,
//! with `iot:Publish` or `iot:{Get,Update,Delete}ThingShadow` checked against their
//! policies (guide L10900-11003).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::IncomingStream;
use http::{HeaderValue, StatusCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::edge::{error_response, parse_query, raw_into_response};
use super::generated::iot_data::{
    DeleteThingShadowInput, GetThingShadowInput, ListNamedShadowsForThingInput,
    UpdateThingShadowInput,
};
use super::shadows;
use super::wire::ApiError;
use super::wire::{Blob, IntoReply, RawResponse};
use crate::app::App;
use crate::broker::gateway::{DeviceAuth, https_principal};
use crate::broker::hooks::{Action, ClientAuth, Message, MessageProperties, Origin};

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The peer of an HTTPS connection: its address and client certificate.
#[derive(Debug, Clone)]
pub struct TlsPeer {
    pub addr: SocketAddr,
    pub leaf: Option<Arc<Vec<u8>>>,
}

/// Accepted TLS connections, handshakes done in their own tasks so a slow client
/// never holds up the others.
pub struct TlsIncoming {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, TlsPeer)>,
    local: SocketAddr,
}

impl TlsIncoming {
    pub fn new(listener: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<TlsIncoming> {
        let local = listener.local_addr()?;
        let (tx, accepted) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (stream, addr) = match listener.accept().await {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "https accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    return;
                }
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    else {
                        tracing::info!(peer = %addr, "https TLS handshake failed");
                        return;
                    };
                    let leaf = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| Arc::new(c.as_ref().to_vec()));
                    let _ = tx.send((tls, TlsPeer { addr, leaf })).await;
                });
            }
        });
        Ok(TlsIncoming { accepted, local })
    }
}

impl axum::serve::Listener for TlsIncoming {
    type Io = TlsStream<TcpStream>;
    type Addr = TlsPeer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(accepted) => accepted,
            // The acceptor task ended: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<TlsPeer> {
        Ok(TlsPeer { addr: self.local, leaf: None })
    }
}

impl Connected<IncomingStream<'_, TlsIncoming>> for TlsPeer {
    fn connect_info(stream: IncomingStream<'_, TlsIncoming>) -> Self {
        stream.remote_addr().clone()
    }
}

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError { code: "ForbiddenException", status: 403, message: message.into() }
}

/// The registered ACTIVE certificate the client presented.
fn device(app: &Arc<App>, peer: &TlsPeer) -> Result<DeviceAuth, ApiError> {
    let leaf =
        peer.leaf.as_deref().ok_or_else(|| forbidden("A client certificate is required."))?;
    https_principal(app, leaf)
        .map_err(|_| forbidden("The client certificate is not registered or not ACTIVE."))
}

/// `iot:{action}` on the shadow's thing ARN (`thing/{thing}[/{shadowName}]`), denied
/// with the guide's 403 Forbidden.
fn authorize_shadow(
    auth: &DeviceAuth,
    action: &str,
    thing: &str,
    name: Option<&str>,
) -> Result<(), ApiError> {
    let resource = match name {
        None => auth.scope().arn(&format!("thing/{thing}")),
        Some(n) => auth.scope().arn(&format!("thing/{thing}/{n}")),
    };
    if auth.allowed(&format!("iot:{action}"), &resource) {
        Ok(())
    } else {
        Err(forbidden("Forbidden"))
    }
}

/// `GET|POST|DELETE /things/{thingName}/shadow?name=`.
async fn shadow(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<TlsPeer>,
    method: http::Method,
    Path(thing): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let result = (|| {
        let auth = device(&app, &peer)?;
        let name =
            parse_query(query.as_deref()).into_iter().find(|(k, _)| k == "name").map(|(_, v)| v);
        let scope = auth.scope().clone();
        let (thing_name, shadow_name) = (thing.clone(), name.clone());
        let reply: RawResponse = match method {
            http::Method::GET => {
                authorize_shadow(&auth, "GetThingShadow", &thing, name.as_deref())?;
                shadows::get_thing_shadow(
                    &app,
                    &scope,
                    GetThingShadowInput { thing_name, shadow_name },
                )?
                .into_reply()
            }
            http::Method::POST => {
                authorize_shadow(&auth, "UpdateThingShadow", &thing, name.as_deref())?;
                let input = UpdateThingShadowInput { payload: Blob(body), thing_name, shadow_name };
                shadows::update_thing_shadow(&app, &scope, input)?.into_reply()
            }
            http::Method::DELETE => {
                authorize_shadow(&auth, "DeleteThingShadow", &thing, name.as_deref())?;
                shadows::delete_thing_shadow(
                    &app,
                    &scope,
                    DeleteThingShadowInput { thing_name, shadow_name },
                )?
                .into_reply()
            }
            other => {
                return Err(ApiError {
                    code: "MethodNotAllowedException",
                    status: 405,
                    message: format!("{other} is not allowed on a shadow"),
                });
            }
        };
        Ok(reply)
    })();
    reply(&app, result)
}

/// `GET /api/things/shadow/ListNamedShadowsForThing/{thingName}`.
async fn list_named_shadows(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<TlsPeer>,
    Path(thing): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| {
        let auth = device(&app, &peer)?;
        authorize_shadow(&auth, "ListNamedShadowsForThing", &thing, None)?;
        let mut input =
            ListNamedShadowsForThingInput { next_token: None, page_size: None, thing_name: thing };
        for (k, v) in parse_query(query.as_deref()) {
            match k.as_str() {
                "nextToken" => input.next_token = Some(v),
                "pageSize" => {
                    input.page_size =
                        Some(v.parse().ok().filter(|s| (1..=100).contains(s)).ok_or_else(|| {
                            ApiError::invalid_request(format!("pageSize must be 1 to 100, not {v}"))
                        })?)
                }
                _ => {}
            }
        }
        Ok(shadows::list_named_shadows_for_thing(&app, auth.scope(), input)?.into_reply())
    })();
    reply(&app, result)
}

/// An operation's reply, or its error, with a request id.
fn reply(app: &App, result: Result<RawResponse, ApiError>) -> Response {
    let mut response = match result {
        Ok(r) => raw_into_response(r),
        Err(e) => error_response(&e),
    };
    if let Ok(v) = HeaderValue::from_str(&app.ids.uuid()) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

/// `POST /topics/{topic}?qos=&retain=`: the body is the payload.
async fn publish(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<TlsPeer>,
    Path(topic): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let result = (|| {
        let auth = device(&app, &peer)?;
        let mut qos = 0u8;
        let mut retain = false;
        for (k, v) in parse_query(query.as_deref()) {
            match (k.as_str(), v.as_str()) {
                ("qos", "0") => qos = 0,
                ("qos", "1") => qos = 1,
                ("qos", other) => {
                    return Err(ApiError::invalid_request(format!(
                        "qos must be 0 or 1, not {other}"
                    )));
                }
                ("retain", v) => retain = v == "true",
                _ => {}
            }
        }
        if topic.is_empty() || topic.contains(['+', '#']) {
            return Err(ApiError::invalid_request(format!("{topic} is not a valid topic name")));
        }
        if !auth.authorize(Action::Publish, &topic) {
            return Err(forbidden(format!("iot:Publish on topic {topic} is not allowed.")));
        }
        let message = Message {
            scope: auth.scope().clone(),
            topic: topic.clone(),
            payload: body,
            qos,
            retain,
            properties: MessageProperties::default(),
            origin: Origin { client_id: None, principal: Some(auth.principal().to_owned()) },
            timestamp: app.clock.now_millis(),
        };
        if !app.publish(message) {
            return Err(ApiError {
                code: "ServiceUnavailableException",
                status: 503,
                message: "The message broker is not running.".into(),
            });
        }
        Ok(())
    })();
    let request_id = app.ids.uuid();
    let mut response = match result {
        Ok(()) => {
            let body = serde_json::json!({ "message": "OK", "traceId": request_id }).to_string();
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(e) => error_response(&e),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

async fn unknown(uri: http::Uri, method: http::Method) -> Response {
    error_response(&ApiError {
        code: "UnknownOperationException",
        status: 404,
        message: format!(
            "No operation matches {method} {} on the mutual-TLS data plane",
            uri.path()
        ),
    })
}

/// The router of the mutual-TLS data plane.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/topics/{topic}", post(publish))
        .route("/things/{thing}/shadow", get(shadow).post(shadow).delete(shadow))
        .route("/api/things/shadow/ListNamedShadowsForThing/{thing}", get(list_named_shadows))
        .fallback(unknown)
        .with_state(app)
}
