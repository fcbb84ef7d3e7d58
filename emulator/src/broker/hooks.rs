//! The seams between the MQTT core and the rest of the emulator: who the transport
//! says the peer is, what a CONNECT asks for, the authorization of an accepted
//! client, the events and messages the core reports, and the refusals it sends.
//!
//! The core knows nothing of certificates, policies or the store: listeners fill in
//! [`Peer`], the emulator's [`BrokerHooks`] decide, and the core enforces.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;

use crate::domain::{Millis, Scope};

/// What the transport established before MQTT CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportIdentity {
    /// The plain-TCP test listener: the emulator's configured default principal.
    Anonymous,
    /// Mutual TLS: the client's certificate chain as DER, leaf first.
    Certificate { chain: Vec<Vec<u8>> },
    /// MQTT over WebSocket with a SigV4-presigned URL.
    SigV4 { access_key: String, region: String },
}

/// A connected peer as its listener saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub addr: SocketAddr,
    /// The listener's name (`mqtt`, `mqtts`, ...), for logs and events.
    pub listener: &'static str,
    pub identity: TransportIdentity,
}

/// The MQTT protocol version a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    V311,
    V5,
}

/// MQTT 5 publish properties the emulator carries through (HTTP Publish sets them too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageProperties {
    pub payload_format_indicator: Option<u8>,
    pub message_expiry_interval: Option<u32>,
    pub content_type: Option<String>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
}

/// Who published a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The MQTT client id, `None` for HTTP and internal publishes.
    pub client_id: Option<String>,
    /// The principal (certificate id, access key, ...), `None` for internal publishes.
    pub principal: Option<String>,
}

/// One application message inside a scope's topic namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub scope: Scope,
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub properties: MessageProperties,
    pub origin: Origin,
    /// When the broker accepted it.
    pub timestamp: Millis,
}

/// What a CONNECT asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    pub client_id: String,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    /// MQTT 3.1.1 clean session / MQTT 5 clean start.
    pub clean_start: bool,
    pub keep_alive: u16,
    pub protocol: Protocol,
    /// The last will; its scope is filled in by the core once authenticated.
    pub will_topic: Option<String>,
    pub will_payload: Option<Bytes>,
    pub will_qos: u8,
    pub will_retain: bool,
}

/// The actions checked after CONNECT (CONNECT itself is checked by `authenticate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// PUBLISH to a topic name.
    Publish,
    /// SUBSCRIBE to a topic filter.
    Subscribe,
    /// Delivery of a message on a topic name to this client.
    Receive,
}

/// An accepted client: its namespace, its principal, and its permissions.
pub trait ClientAuth: Send + Sync + std::fmt::Debug {
    /// The (account, region) whose topic namespace the client lives in.
    fn scope(&self) -> &Scope;
    /// The principal, as lifecycle events name it (certificate id for mTLS).
    fn principal(&self) -> &str;
    /// Whether the client may do `action` on `topic` (a topic name, or a topic filter
    /// for `Subscribe`). Called on every publish, subscribe and delivery, so policy
    /// changes take effect on live connections.
    fn authorize(&self, action: Action, topic: &str) -> bool;
}

/// Why a CONNECT is refused; the core maps it to the CONNACK code of the client's
/// protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectRefusal {
    /// Unknown, inactive or otherwise unusable credentials.
    BadCredentials,
    /// Authenticated, but `iot:Connect` is denied.
    NotAuthorized,
    /// The client id is not acceptable.
    IdentifierRejected,
    ServerUnavailable,
}

/// Why a client went away, as the disconnect lifecycle event reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The client sent DISCONNECT.
    ClientInitiated,
    /// Another connection took the client id over.
    DuplicateClientId,
    /// No packet within 1.5 × keep-alive.
    KeepAliveTimeout,
    /// The connection broke or the client closed it without DISCONNECT.
    ConnectionLost,
    /// The broker closed it for a protocol violation or a forbidden action.
    Forbidden,
    /// A malformed or unsupported packet.
    ProtocolError,
    /// The broker closed it on request (DeleteConnection, shutdown).
    ServerInitiated,
}

/// What happened to a client, for lifecycle events and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    Connected {
        scope: Scope,
        client_id: String,
        principal: String,
        clean_start: bool,
        peer: SocketAddr,
        protocol: Protocol,
    },
    Disconnected {
        scope: Scope,
        client_id: String,
        principal: String,
        reason: DisconnectReason,
        /// Whether the client had sent DISCONNECT.
        client_initiated: bool,
    },
    Subscribed {
        scope: Scope,
        client_id: String,
        principal: String,
        filters: Vec<String>,
    },
    Unsubscribed {
        scope: Scope,
        client_id: String,
        principal: String,
        filters: Vec<String>,
    },
}

/// What the emulator plugs into the core.
pub trait BrokerHooks: Send + Sync + 'static {
    /// Authenticates the peer and checks `iot:Connect`; on success the returned
    /// authorization stays with the connection.
    fn authenticate(
        &self,
        peer: &Peer,
        connect: &ConnectRequest,
    ) -> Result<Arc<dyn ClientAuth>, ConnectRefusal>;
    /// A lifecycle event (called after the CONNACK, SUBACK, ... went out).
    fn on_event(&self, event: ClientEvent);
    /// Every message the broker accepted, from clients or internal publishers,
    /// after authorization and before delivery (the bus: shadows, rules, tap).
    fn on_message(&self, message: &Arc<Message>);
    /// One delivery of `message` to the client `client_id` (after Receive was
    /// allowed), for the test tap's record of who received what.
    fn on_delivery(&self, message: &Arc<Message>, client_id: &Arc<str>) {
        let _ = (message, client_id);
    }
}

/// Anything that takes internal publishes into the broker (HTTP Publish, lifecycle
/// events, shadow responses): delivered to subscribers, retained, and on the bus.
pub trait Publisher: Send + Sync {
    fn publish(&self, message: Message);
}
