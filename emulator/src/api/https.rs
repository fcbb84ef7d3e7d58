//! The data plane over mutual TLS (AWS IoT's port 8443): devices publish with
//! `POST /topics/{topic}?qos=` authenticated by their client certificate, which must
//! be registered and ACTIVE, with `iot:Publish` checked against their policies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::IncomingStream;
use http::{HeaderValue, StatusCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::edge::{error_response, parse_query};
use super::wire::ApiError;
use crate::app::App;
use crate::broker::gateway::https_principal;
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

/// `POST /topics/{topic}?qos=&retain=`: the body is the payload.
async fn publish(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<TlsPeer>,
    Path(topic): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let result = (|| {
        let leaf =
            peer.leaf.as_deref().ok_or_else(|| forbidden("A client certificate is required."))?;
        let auth = https_principal(&app, leaf)
            .map_err(|_| forbidden("The client certificate is not registered or not ACTIVE."))?;
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
    Router::new().route("/topics/{topic}", post(publish)).fallback(unknown).with_state(app)
}
