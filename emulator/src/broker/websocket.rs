//! MQTT over WebSocket at `GET /mqtt` on the HTTP port, authenticated by a SigV4
//! presigned URL (service `iotdevicegateway`, guide L6038-6229). The credential scope
//! gives the access key (hence the account) and the region; the signature is checked
//! in strict mode (`sigv4_secrets` set, DESIGN D3). Binary WebSocket messages carry the
//! MQTT byte stream, which is bridged to the broker core like any other transport.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::hooks::{Peer, TransportIdentity};
use crate::api::edge::parse_query;
use crate::api::sigv4::verify_presigned;
use crate::app::App;

/// Bytes buffered between the WebSocket and the MQTT core in each direction.
const BRIDGE_BUFFER: usize = 256 * 1024;

/// The signing service of the device gateway's WebSocket URLs.
const SIGNING_SERVICE: &str = "iotdevicegateway";

/// The access key and region of a presigned `/mqtt` URL.
fn presigned_scope(uri: &Uri) -> Result<(String, String), &'static str> {
    let query = parse_query(uri.query());
    let credential = query
        .iter()
        .find(|(k, _)| k == "X-Amz-Credential")
        .map(|(_, v)| v.as_str())
        .ok_or("the URL carries no SigV4 credential (X-Amz-Credential)")?;
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [key, _date, region, service, "aws4_request"]
            if *service == SIGNING_SERVICE && !key.is_empty() =>
        {
            Ok(((*key).to_owned(), (*region).to_owned()))
        }
        _ => Err("the credential scope is not <key>/<date>/<region>/iotdevicegateway/aws4_request"),
    }
}

/// `GET /mqtt`: upgrades to a WebSocket speaking the `mqtt` subprotocol.
pub async fn upgrade(
    State(app): State<Arc<App>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let (access_key, region) = match presigned_scope(&uri) {
        Ok(scope) => scope,
        Err(why) => return (StatusCode::FORBIDDEN, why).into_response(),
    };
    if app.config.strict_sigv4() {
        let query = parse_query(uri.query());
        let secret_of = |key: &str| app.config.sigv4_secret(key);
        if let Err(why) = verify_presigned("GET", uri.path(), &query, &headers, secret_of) {
            tracing::info!(access_key, reason = %why, "websocket upgrade refused: SigV4");
            return (StatusCode::FORBIDDEN, why).into_response();
        }
    }
    let Some(broker) = app.broker().cloned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the message broker is not running")
            .into_response();
    };
    ws.protocols(["mqtt"]).on_upgrade(move |socket| async move {
        let (core_side, bridge_side) = tokio::io::duplex(BRIDGE_BUFFER);
        let peer = Peer {
            addr,
            listener: "ws",
            identity: TransportIdentity::SigV4 { access_key, region },
        };
        tokio::spawn(bridge(socket, bridge_side));
        broker.serve(core_side, peer).await;
    })
}

/// Copies binary WebSocket messages into the MQTT stream and the stream's bytes
/// back out as binary messages, until either side closes.
async fn bridge(mut socket: WebSocket, stream: DuplexStream) {
    let (mut from_core, mut to_core) = tokio::io::split(stream);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Binary(data))) => {
                    if to_core.write_all(&data).await.is_err() {
                        break;
                    }
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                // Text frames are not MQTT; a close or error ends the connection.
                Some(Ok(WsMessage::Text(_) | WsMessage::Close(_))) | Some(Err(_)) | None => break,
            },
            read = from_core.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if socket.send(WsMessage::Binary(buf[..n].to_vec().into())).await.is_err() {
                        break;
                    }
                }
            },
        }
    }
    let _ = to_core.shutdown().await;
    let _ = socket.send(WsMessage::Close(None)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presigned_scope_names_key_and_region() {
        let uri: Uri = "/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261125%2Feu-west-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20261125T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc"
            .parse()
            .unwrap();
        assert_eq!(presigned_scope(&uri).unwrap(), ("AKID".to_string(), "eu-west-1".to_string()));
        let unsigned: Uri = "/mqtt".parse().unwrap();
        assert!(presigned_scope(&unsigned).is_err());
        let other: Uri = "/mqtt?X-Amz-Credential=AKID%2F20261125%2Feu-west-1%2Fiot%2Faws4_request"
            .parse()
            .unwrap();
        assert!(presigned_scope(&other).is_err());
    }
}
