//! One MQTT connection on any byte stream: the CONNECT handshake (protocol sniffing,
//! authentication, client-id takeover, session attach), a reader loop that enforces the
//! guide's rules on every packet, and a writer task that owns the write half, so a
//! client that stops reading never stalls its own reader or any publisher.
//!
//! Choices where the guide is silent (all MQTT 3.1.1 unless said):
//! * A QoS 2 PUBLISH gets no PUBACK/PUBREC and is dropped (L5990). MQTT 5 clients are
//!   told "maximum QoS 1" in CONNACK, so a QoS 2 PUBLISH from them is a protocol error:
//!   DISCONNECT 0x9B (QoS not supported).
//! * Unauthorized PUBLISH disconnects (EXTERNAL: the real service disconnects; MQTT 5:
//!   DISCONNECT 0x87). Unauthorized SUBSCRIBE disconnects a 3.1.1 client (L4929); an
//!   MQTT 5 client gets SUBACK 0x87 for that filter instead, as today's AWS IoT does.
//! * A `$` topic outside the allow-list disconnects (L6243); MQTT 5: 0x90 (publish),
//!   0x8F (subscribe). A syntactically invalid filter gets a SUBACK failure
//!   (0x80 / 0x8F); an invalid topic name disconnects.
//! * The will is published after a connection ends without DISCONNECT (lost, keep-alive
//!   timeout, protocol violation, takeover) or with MQTT 5 reason 0x04; not after a
//!   DISCONNECT, a shutdown, or a DeleteConnection without `send_will`. The MQTT 5 will
//!   delay interval is not supported (the will goes out at once).
//! * compat 2018: CONNECT with clean session off, or with a retained will, closes the
//!   connection without CONNACK (MQTT 5: CONNACK 0x83); PUBLISH with RETAIN=1
//!   disconnects (MQTT 5: DISCONNECT 0x9A).
//! * Client ids: empty → MQTT 5 assigns one (assigned client identifier), 3.1.1 with
//!   clean session gets a generated one, 3.1.1 with clean session off is refused (2).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rumqttc::v5::mqttbytes::v5::DisconnectReasonCode as Code;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info};

use super::codec::{
    self, ConnAckProps, ConnackCode, ConnectPacket, FrameError, Incoming, Out, OutPublish,
    PublishPacket, Sniff, SubCode, SubscribeRequest, Will,
};
use super::core::{Broker, ScopeState};
use super::hooks::{
    Action, BrokerHooks, ClientAuth, ClientEvent, ConnectRefusal, ConnectRequest, DisconnectReason,
    Message, Origin, Peer, Protocol,
};
use super::reserved;
use super::session::{Attachment, Delivery, Kill, Session, SubOptions};
use super::topics;
use crate::domain::Scope;

/// How long the writer may take to flush its last packets when the connection ends.
const WRITER_CLOSE_WAIT: Duration = Duration::from_secs(2);
/// How long to read and discard what the client still sends after the broker closed the
/// connection, so the client sees our DISCONNECT / FIN rather than a reset.
const DRAIN_WAIT: Duration = Duration::from_secs(1);
/// Encoded publishes buffered before the writer flushes.
const WRITE_BATCH: usize = 64 * 1024;
/// How long a publisher waits for a congested subscriber before giving up on it (it
/// is then marked lagging: see `session`'s flow control).
const FLOW_WAIT: Duration = Duration::from_secs(1);

/// What the reader asks the writer to do.
#[derive(Debug)]
enum Ctl {
    Packet(Out),
    /// Retained messages for a new subscription, queued after its SUBACK.
    Retained(Vec<Delivery>),
    /// Send the MQTT 5 DISCONNECT (if any), flush and close.
    Close(Option<Code>),
}

/// How a connection ended.
#[derive(Debug, Clone, Copy)]
struct Ending {
    reason: DisconnectReason,
    client_initiated: bool,
    will: bool,
    /// The MQTT 5 DISCONNECT reason the broker sends first.
    code: Option<Code>,
    /// End the session whatever its expiry.
    clean: bool,
    /// MQTT 5 DISCONNECT's new session expiry interval.
    session_expiry: Option<u32>,
}

impl Ending {
    fn violation(reason: DisconnectReason, code: Code) -> Ending {
        Ending {
            reason,
            client_initiated: false,
            will: true,
            code: Some(code),
            clean: false,
            session_expiry: None,
        }
    }

    fn forbidden(code: Code) -> Ending {
        Ending::violation(DisconnectReason::Forbidden, code)
    }

    fn protocol(code: Code) -> Ending {
        Ending::violation(DisconnectReason::ProtocolError, code)
    }

    fn lost() -> Ending {
        Ending {
            reason: DisconnectReason::ConnectionLost,
            client_initiated: false,
            will: true,
            code: None,
            clean: false,
            session_expiry: None,
        }
    }

    fn killed(kill: Kill) -> Ending {
        let code = match kill.reason {
            DisconnectReason::DuplicateClientId => Code::SessionTakenOver,
            _ => Code::AdministrativeAction,
        };
        Ending {
            reason: kill.reason,
            client_initiated: false,
            will: kill.send_will,
            code: Some(code),
            clean: kill.clean,
            session_expiry: None,
        }
    }

    fn shutdown() -> Ending {
        Ending {
            reason: DisconnectReason::ServerInitiated,
            client_initiated: false,
            will: false,
            code: Some(Code::ServerShuttingDown),
            clean: false,
            session_expiry: None,
        }
    }
}

fn refusal_code(refusal: ConnectRefusal) -> ConnackCode {
    match refusal {
        ConnectRefusal::BadCredentials => ConnackCode::BadCredentials,
        ConnectRefusal::NotAuthorized => ConnackCode::NotAuthorized,
        ConnectRefusal::IdentifierRejected => ConnackCode::IdentifierRejected,
        ConnectRefusal::ServerUnavailable => ConnackCode::ServerUnavailable,
    }
}

/// Reads until a complete first packet, which must be CONNECT.
async fn read_connect_frame<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut BytesMut,
    max_remaining: usize,
) -> Result<BytesMut, String> {
    loop {
        if let Some(kind) = codec::packet_type(buf)
            && kind != 1
        {
            return Err(format!("first packet is not CONNECT (type {kind})"));
        }
        match codec::next_frame(buf, max_remaining) {
            Ok(Some(frame)) => return Ok(frame),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
        match rd.read_buf(buf).await {
            Ok(0) => return Err("closed before CONNECT".into()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Writes one packet and closes: the refusals before a session exists.
async fn refuse<W: AsyncWrite + Unpin>(wr: &mut W, protocol: Protocol, code: ConnackCode) {
    let mut buf = BytesMut::new();
    if codec::encode(
        protocol,
        &Out::ConnAck { session_present: false, code, props: None },
        &mut buf,
    )
    .is_ok()
        && !buf.is_empty()
    {
        let _ = wr.write_all(&buf).await;
        let _ = wr.flush().await;
    }
    let _ = wr.shutdown().await;
}

impl Broker {
    /// Runs one MQTT connection (3.1.1 or 5, sniffed from CONNECT) on `stream` until it
    /// ends. Listeners (TCP, TLS, WebSocket) call this once per accepted stream.
    pub async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
        self: Arc<Self>,
        stream: S,
        peer: Peer,
    ) {
        let mut shutdown = self.shutdown.subscribe();
        if *shutdown.borrow_and_update() {
            return;
        }
        let (mut rd, mut wr) = tokio::io::split(stream);
        let mut buf = BytesMut::with_capacity(4096);
        let max_remaining = self.max_packet_remaining();

        let first = tokio::time::timeout(
            self.config.connect_timeout,
            read_connect_frame(&mut rd, &mut buf, max_remaining),
        );
        let first = tokio::select! {
            first = first => first,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let frame = match first {
            Ok(Ok(frame)) => frame,
            Ok(Err(error)) => {
                debug!(peer = %peer.addr, listener = peer.listener, %error, "mqtt connection closed before CONNECT");
                return;
            }
            Err(_) => {
                debug!(peer = %peer.addr, listener = peer.listener, "no CONNECT in time; closing");
                return;
            }
        };
        let protocol = match codec::sniff_connect(&frame) {
            Sniff::Supported(protocol) => protocol,
            Sniff::UnsupportedLevel => {
                info!(peer = %peer.addr, listener = peer.listener, "mqtt connect refused: unsupported protocol level");
                refuse(&mut wr, Protocol::V311, ConnackCode::UnsupportedProtocol).await;
                return;
            }
            Sniff::NotMqtt => {
                debug!(peer = %peer.addr, listener = peer.listener, "not MQTT; closing");
                return;
            }
        };
        let connect = match codec::decode(protocol, frame) {
            Ok(Incoming::Connect(connect)) => *connect,
            Ok(_) => return,
            Err(error) => {
                debug!(peer = %peer.addr, %error, "malformed CONNECT; closing");
                return;
            }
        };

        let Some(accepted) = self.accept(&peer, connect, &mut wr).await else {
            return;
        };
        let Accepted { connect, client_id, assigned, auth, expiry, granted_expiry } = accepted;
        let scope = auth.scope().clone();
        let ss = self.scope_state(&scope);

        let conn_id = self.next_id();
        let notify = Arc::new(Notify::new());
        let (kill_tx, mut kill_rx) = mpsc::unbounded_channel();
        let (closed_tx, closed_rx) = watch::channel(false);
        let attachment =
            Attachment { conn_id, notify: notify.clone(), kill: kill_tx, closed: closed_rx };
        let (session, session_present) =
            self.attach(&ss, &client_id, connect.clean_start, expiry, attachment).await;
        self.connected.fetch_add(1, Ordering::SeqCst);

        let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
        let inflight_limit =
            (self.config.max_inflight.min(connect.receive_maximum.unwrap_or(u16::MAX)) as usize)
                .max(1);
        let connack = Out::ConnAck {
            session_present,
            code: ConnackCode::Accepted,
            props: Some(ConnAckProps {
                assigned_client_id: assigned.then(|| client_id.clone()),
                session_expiry: granted_expiry,
                receive_maximum: self.config.max_inflight.max(1),
                max_packet_size: u32::try_from(max_remaining + 5).unwrap_or(u32::MAX),
                retain_available: !self.config.compat_2018,
            }),
        };
        let (connack_tx, connack_rx) = oneshot::channel();
        let writer = Writer {
            wr,
            protocol,
            session: session.clone(),
            conn_id,
            auth: auth.clone(),
            hooks: self.hooks.clone(),
            notify,
            ctl: ctl_rx,
            inflight_limit,
            client_max_packet: connect.max_packet_size.map_or(usize::MAX, |m| m as usize),
            queue_low: self.queue_limits.low,
            buf: BytesMut::new(),
        };
        let mut writer = tokio::spawn(writer.run(connack, connack_tx));

        let mut conn = Connection {
            broker: self.clone(),
            protocol,
            scope: scope.clone(),
            ss,
            session,
            conn_id,
            client_id,
            auth,
            will: connect.will.clone(),
            ctl: ctl_tx,
            held_up: Vec::new(),
        };

        let ending = if connack_rx.await.is_ok() {
            info!(
                client_id = %conn.client_id,
                account = %scope.account,
                region = %scope.region,
                peer = %peer.addr,
                listener = peer.listener,
                protocol = ?protocol,
                clean_start = connect.clean_start,
                session_present,
                "mqtt client connected"
            );
            self.hooks.on_event(ClientEvent::Connected {
                scope: scope.clone(),
                client_id: conn.client_id.clone(),
                principal: conn.auth.principal().to_owned(),
                clean_start: connect.clean_start,
                peer: peer.addr,
                protocol,
            });
            conn.run(
                &mut rd,
                &mut buf,
                connect.keep_alive,
                &mut kill_rx,
                &mut shutdown,
                &mut writer,
            )
            .await
        } else {
            Ending::lost()
        };
        conn.finish(ending, writer, closed_tx, &mut rd).await;
    }

    /// Checks a CONNECT and authenticates it; on refusal answers and returns `None`.
    async fn accept<W: AsyncWrite + Unpin>(
        &self,
        peer: &Peer,
        mut connect: ConnectPacket,
        wr: &mut W,
    ) -> Option<Accepted> {
        let protocol = connect.protocol;
        let refuse_with = |client_id: &str, why: &str, code: ConnackCode| {
            info!(peer = %peer.addr, listener = peer.listener, client_id, reason = why, "mqtt connect refused");
            code
        };
        if self.config.compat_2018
            && (!connect.clean_start || connect.will.as_ref().is_some_and(|w| w.retain))
        {
            // L5996 / L5994: the 2018 broker disconnects the client.
            let code = refuse_with(
                &connect.client_id,
                "persistent session or retained will (compat 2018)",
                ConnackCode::ImplementationSpecific,
            );
            refuse(wr, protocol, code).await;
            return None;
        }
        if connect.client_id.len() > self.config.max_client_id_len {
            let code = refuse_with(
                &connect.client_id,
                "client id too long",
                ConnackCode::IdentifierRejected,
            );
            refuse(wr, protocol, code).await;
            return None;
        }
        let mut assigned = false;
        if connect.client_id.is_empty() {
            if protocol == Protocol::V311 && !connect.clean_start {
                let code = refuse_with(
                    &connect.client_id,
                    "empty client id with clean session off",
                    ConnackCode::IdentifierRejected,
                );
                refuse(wr, protocol, code).await;
                return None;
            }
            connect.client_id = format!("iotemu-{}", uuid::Uuid::new_v4().simple());
            assigned = protocol == Protocol::V5;
        }
        if let Some(will) = &connect.will
            && (topics::validate_topic_name(&will.topic, self.topic_limits()).is_err()
                || !reserved::publish_allowed(&will.topic))
        {
            let code = refuse_with(
                &connect.client_id,
                "invalid will topic",
                ConnackCode::TopicNameInvalid,
            );
            refuse(wr, protocol, code).await;
            return None;
        }
        let request = ConnectRequest {
            client_id: connect.client_id.clone(),
            username: connect.username.clone(),
            password: connect.password.clone(),
            clean_start: connect.clean_start,
            keep_alive: connect.keep_alive,
            protocol,
            will_topic: connect.will.as_ref().map(|w| w.topic.clone()),
            will_payload: connect.will.as_ref().map(|w| w.payload.clone()),
            will_qos: connect.will.as_ref().map_or(0, |w| w.qos),
            will_retain: connect.will.as_ref().is_some_and(|w| w.retain),
        };
        let auth = match self.hooks.authenticate(peer, &request) {
            Ok(auth) => auth,
            Err(refusal) => {
                let code =
                    refuse_with(&connect.client_id, &format!("{refusal:?}"), refusal_code(refusal));
                refuse(wr, protocol, code).await;
                return None;
            }
        };
        let cap = self.config.session_expiry;
        let (expiry, granted_expiry) = match protocol {
            Protocol::V311 if connect.clean_start => (Duration::ZERO, None),
            Protocol::V311 => (cap, None),
            Protocol::V5 => {
                let requested = Duration::from_secs(connect.session_expiry.unwrap_or(0).into());
                if requested > cap {
                    (cap, Some(u32::try_from(cap.as_secs()).unwrap_or(u32::MAX)))
                } else {
                    (requested, None)
                }
            }
        };
        let client_id = connect.client_id.clone();
        Some(Accepted { connect, client_id, assigned, auth, expiry, granted_expiry })
    }
}

struct Accepted {
    connect: ConnectPacket,
    client_id: String,
    /// The broker chose the client id (MQTT 5 assigned client identifier).
    assigned: bool,
    auth: Arc<dyn ClientAuth>,
    expiry: Duration,
    /// MQTT 5: the session expiry interval, when lower than the client asked.
    granted_expiry: Option<u32>,
}

/// The reader side of an accepted connection.
struct Connection {
    broker: Arc<Broker>,
    protocol: Protocol,
    scope: Scope,
    ss: Arc<ScopeState>,
    session: Arc<Session>,
    conn_id: u64,
    client_id: String,
    auth: Arc<dyn ClientAuth>,
    will: Option<Will>,
    ctl: mpsc::UnboundedSender<Ctl>,
    /// Subscribers whose queues passed their high-water mark on this client's last
    /// publish: the reader waits for them before reading on.
    held_up: Vec<Arc<Session>>,
}

impl Connection {
    fn send(&self, out: Out) {
        let _ = self.ctl.send(Ctl::Packet(out));
    }

    async fn run<R: AsyncRead + Unpin, T>(
        &mut self,
        rd: &mut R,
        buf: &mut BytesMut,
        keep_alive: u16,
        kill: &mut mpsc::UnboundedReceiver<Kill>,
        shutdown: &mut watch::Receiver<bool>,
        writer: &mut JoinHandle<T>,
    ) -> Ending {
        // No packet within 1.5 × keep-alive closes the connection (MQTT 3.1.1 §3.1.2.10).
        let grace = (keep_alive > 0).then(|| Duration::from_millis(u64::from(keep_alive) * 1500));
        let mut deadline = grace.map(|g| Instant::now() + g);
        let max_remaining = self.broker.max_packet_remaining();
        loop {
            loop {
                match codec::next_frame(buf, max_remaining) {
                    Ok(Some(frame)) => {
                        if let Some(g) = grace {
                            deadline = Some(Instant::now() + g);
                        }
                        let packet = match codec::decode(self.protocol, frame) {
                            Ok(packet) => packet,
                            Err(error) => {
                                debug!(client_id = %self.client_id, %error, "malformed packet");
                                return Ending::protocol(Code::MalformedPacket);
                            }
                        };
                        if let Err(ending) = self.handle(packet) {
                            return ending;
                        }
                        if !self.held_up.is_empty() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(FrameError::TooLarge(size)) => {
                        debug!(client_id = %self.client_id, size, "packet too large");
                        return Ending::forbidden(Code::PacketTooLarge);
                    }
                    Err(FrameError::Malformed(error)) => {
                        debug!(client_id = %self.client_id, %error, "malformed packet");
                        return Ending::protocol(Code::MalformedPacket);
                    }
                }
            }
            let keep_alive_expired = async move {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            // Flow control: while subscribers drain, nothing more is read (the client
            // is slowed down by TCP) and the keep-alive clock stops.
            let held_up = std::mem::take(&mut self.held_up);
            let waiting = !held_up.is_empty();
            let wait_started = Instant::now();
            let low = self.broker.queue_limits.low;
            let drained = async {
                let until = wait_started + FLOW_WAIT;
                for session in &held_up {
                    session.wait_drained(low, until).await;
                }
            };
            tokio::select! {
                k = kill.recv() => {
                    return match k {
                        Some(k) => Ending::killed(k),
                        // Detached by a takeover that stopped waiting for us.
                        None => Ending::killed(Kill {
                            reason: DisconnectReason::DuplicateClientId,
                            send_will: false,
                            clean: false,
                        }),
                    };
                }
                _ = shutdown.wait_for(|s| *s) => return Ending::shutdown(),
                _ = &mut *writer => return Ending::lost(),
                _ = drained, if waiting => {
                    if let Some(d) = deadline.as_mut() {
                        *d += wait_started.elapsed();
                    }
                }
                _ = keep_alive_expired, if !waiting => {
                    debug!(client_id = %self.client_id, keep_alive, "keep-alive timeout");
                    return Ending::violation(DisconnectReason::KeepAliveTimeout, Code::KeepAliveTimeout);
                }
                r = rd.read_buf(buf), if !waiting => match r {
                    Ok(0) | Err(_) => return Ending::lost(),
                    Ok(_) => {}
                },
            }
        }
    }

    /// Handles one packet; `Err` ends the connection.
    fn handle(&mut self, packet: Incoming) -> Result<(), Ending> {
        match packet {
            Incoming::Publish(p) => self.on_publish(p),
            Incoming::PubAck(pkid) => {
                self.session.ack(pkid);
                Ok(())
            }
            Incoming::QoS2Flow => Ok(()),
            Incoming::Subscribe { pkid, filters } => self.on_subscribe(pkid, filters),
            Incoming::Unsubscribe { pkid, filters } => {
                self.on_unsubscribe(pkid, filters);
                Ok(())
            }
            Incoming::PingReq => {
                self.send(Out::PingResp);
                Ok(())
            }
            Incoming::Disconnect { reason, session_expiry } => Err(Ending {
                reason: DisconnectReason::ClientInitiated,
                client_initiated: true,
                // MQTT 5 "disconnect with will message".
                will: reason == 0x04,
                code: None,
                clean: false,
                session_expiry,
            }),
            Incoming::Connect(_) => Err(Ending::protocol(Code::ProtocolError)),
            Incoming::Auth => Err(Ending::protocol(Code::ProtocolError)),
            Incoming::Unexpected(kind) => {
                debug!(client_id = %self.client_id, kind, "unexpected packet from a client");
                Err(Ending::protocol(Code::ProtocolError))
            }
        }
    }

    fn on_publish(&mut self, p: PublishPacket) -> Result<(), Ending> {
        let config = &self.broker.config;
        if p.payload.len() > config.max_payload {
            debug!(client_id = %self.client_id, size = p.payload.len(), "payload too large");
            return Err(Ending::forbidden(Code::PacketTooLarge));
        }
        if p.qos > 1 {
            if self.protocol == Protocol::V5 {
                return Err(Ending::protocol(Code::QoSNotSupported));
            }
            // L5990: no PUBACK or PUBREC, not delivered.
            debug!(client_id = %self.client_id, topic = %p.topic, "QoS 2 PUBLISH ignored");
            return Ok(());
        }
        if p.topic_alias.is_some() {
            // The CONNACK announced no topic aliases.
            return Err(Ending::protocol(Code::TopicAliasInvalid));
        }
        if let Err(error) = topics::validate_topic_name(&p.topic, self.broker.topic_limits()) {
            debug!(client_id = %self.client_id, topic = %p.topic, %error, "invalid topic name");
            return Err(Ending::protocol(Code::TopicNameInvalid));
        }
        if !reserved::publish_allowed(&p.topic) {
            debug!(client_id = %self.client_id, topic = %p.topic, "publish to a reserved topic not allowed");
            return Err(Ending::forbidden(Code::TopicNameInvalid));
        }
        if p.retain && config.compat_2018 {
            debug!(client_id = %self.client_id, topic = %p.topic, "retained publish (compat 2018)");
            return Err(Ending::forbidden(Code::RetainNotSupported));
        }
        if !self.auth.authorize(Action::Publish, &p.topic) {
            // EXTERNAL: the real service disconnects a client on an unauthorized publish.
            debug!(client_id = %self.client_id, topic = %p.topic, "publish not authorized");
            return Err(Ending::forbidden(Code::NotAuthorized));
        }
        let (qos, pkid) = (p.qos, p.pkid);
        let congested = self.broker.route(Message {
            scope: self.scope.clone(),
            topic: p.topic,
            payload: p.payload,
            qos,
            retain: p.retain,
            properties: p.properties,
            origin: Origin {
                client_id: Some(self.client_id.clone()),
                principal: Some(self.auth.principal().to_owned()),
            },
            timestamp: self.broker.clock.now_millis(),
        });
        if qos == 1 {
            self.send(Out::PubAck(pkid));
        }
        // A client is not held up by its own queue: it may be blocked writing to us,
        // not reading.
        self.held_up = congested;
        self.held_up.retain(|s| !Arc::ptr_eq(s, &self.session));
        Ok(())
    }

    fn on_subscribe(&mut self, pkid: u16, filters: Vec<SubscribeRequest>) -> Result<(), Ending> {
        let config = &self.broker.config;
        if filters.is_empty() {
            return Err(Ending::protocol(Code::ProtocolError));
        }
        if config.compat_2018 && filters.iter().any(|f| f.qos > 1) {
            // L5990: the 2018 broker sends no SUBACK when QoS 2 is requested.
            debug!(client_id = %self.client_id, "SUBSCRIBE with QoS 2 ignored (compat 2018)");
            return Ok(());
        }
        let limits = self.broker.topic_limits();
        let mut codes = Vec::with_capacity(filters.len());
        let mut granted = Vec::new();
        for f in filters {
            if let Err(error) = topics::validate_topic_filter(&f.filter, limits) {
                debug!(client_id = %self.client_id, filter = %f.filter, %error, "invalid topic filter");
                codes.push(SubCode::FilterInvalid);
                continue;
            }
            if !reserved::subscribe_allowed(&f.filter) {
                debug!(client_id = %self.client_id, filter = %f.filter, "subscribe to a reserved topic not allowed");
                return Err(Ending::forbidden(Code::TopicFilterInvalid));
            }
            if !self.auth.authorize(Action::Subscribe, &f.filter) {
                debug!(client_id = %self.client_id, filter = %f.filter, "subscribe not authorized");
                if self.protocol == Protocol::V311 {
                    return Err(Ending::forbidden(Code::NotAuthorized));
                }
                codes.push(SubCode::NotAuthorized);
                continue;
            }
            // Today's AWS IoT grants QoS 1 to a QoS 2 request.
            let qos = f.qos.min(1);
            codes.push(SubCode::Granted(qos));
            granted.push((f, qos));
        }

        let hash_matches_parent = config.hash_matches_parent;
        let mut retained = Vec::new();
        let mut names = Vec::with_capacity(granted.len());
        for (f, qos) in granted {
            let options = SubOptions {
                qos,
                no_local: f.no_local,
                retain_as_published: f.retain_as_published,
            };
            let existed =
                self.session.lock().subscriptions.insert(f.filter.clone(), options).is_some();
            self.ss.subscribe(&f.filter, &self.session, options);
            let send_retained = match f.retain_handling {
                0 => true,
                1 => !existed,
                _ => false,
            };
            if send_retained {
                retained.extend(
                    self.ss.retained_matching(&f.filter, hash_matches_parent).into_iter().map(
                        |message| Delivery { qos: message.qos.min(qos), message, retain: true },
                    ),
                );
            }
            names.push(f.filter);
        }
        self.send(Out::SubAck { pkid, codes });
        if !retained.is_empty() {
            let _ = self.ctl.send(Ctl::Retained(retained));
        }
        if !names.is_empty() {
            self.broker.hooks.on_event(ClientEvent::Subscribed {
                scope: self.scope.clone(),
                client_id: self.client_id.clone(),
                principal: self.auth.principal().to_owned(),
                filters: names,
            });
        }
        Ok(())
    }

    fn on_unsubscribe(&mut self, pkid: u16, filters: Vec<String>) {
        let mut existed = Vec::with_capacity(filters.len());
        for filter in &filters {
            let found = self.session.lock().subscriptions.remove(filter).is_some();
            if found {
                self.ss.unsubscribe(filter, &self.session);
            }
            existed.push(found);
        }
        self.send(Out::UnsubAck { pkid, existed });
        self.broker.hooks.on_event(ClientEvent::Unsubscribed {
            scope: self.scope.clone(),
            client_id: self.client_id.clone(),
            principal: self.auth.principal().to_owned(),
            filters,
        });
    }

    /// Stops the writer, detaches the session, publishes the will, reports the event.
    async fn finish<R: AsyncRead + Unpin, T>(
        mut self,
        ending: Ending,
        mut writer: JoinHandle<T>,
        closed: watch::Sender<bool>,
        rd: &mut R,
    ) {
        let broker = self.broker.clone();
        if !writer.is_finished() {
            let code = if self.protocol == Protocol::V5 { ending.code } else { None };
            let _ = self.ctl.send(Ctl::Close(code));
            if tokio::time::timeout(WRITER_CLOSE_WAIT, &mut writer).await.is_err() {
                writer.abort();
            }
        }

        let detached = {
            let mut st = self.session.lock();
            if st.attached_to(self.conn_id) {
                st.conn = None;
                // QoS 0 messages are not kept for an offline client.
                st.pending.retain(|d| d.qos > 0);
                if let Some(secs) = ending.session_expiry {
                    st.expiry = Duration::from_secs(secs.into()).min(broker.config.session_expiry);
                }
                let end = ending.clean || st.expiry.is_zero();
                Some((end, st.generation, st.expiry))
            } else {
                None
            }
        };
        self.session.release_publishers();
        match detached {
            Some((true, _, _)) => broker.end_session(&self.ss, &self.session),
            Some((false, generation, after)) => {
                broker.schedule_expiry(self.ss.clone(), self.session.clone(), generation, after)
            }
            None => {}
        }
        broker.connected.fetch_sub(1, Ordering::SeqCst);

        if ending.will
            && let Some(will) = self.will.take()
        {
            self.publish_will(will);
        }
        info!(
            client_id = %self.client_id,
            account = %self.scope.account,
            region = %self.scope.region,
            reason = ?ending.reason,
            "mqtt client disconnected"
        );
        broker.hooks.on_event(ClientEvent::Disconnected {
            scope: self.scope.clone(),
            client_id: self.client_id.clone(),
            principal: self.auth.principal().to_owned(),
            reason: ending.reason,
            client_initiated: ending.client_initiated,
        });
        closed.send_replace(true);

        if !ending.client_initiated && ending.reason != DisconnectReason::ConnectionLost {
            let _ = tokio::time::timeout(DRAIN_WAIT, async {
                let mut scratch = vec![0u8; 16 * 1024];
                while let Ok(n) = rd.read(&mut scratch).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        }
    }

    /// The last will goes through the internal publish path, authorized like a PUBLISH.
    fn publish_will(&self, will: Will) {
        if !self.auth.authorize(Action::Publish, &will.topic) {
            debug!(client_id = %self.client_id, topic = %will.topic, "will not authorized; dropped");
            return;
        }
        let _ = self.broker.route(Message {
            scope: self.scope.clone(),
            topic: will.topic,
            payload: will.payload,
            qos: will.qos.min(1),
            retain: will.retain && !self.broker.config.compat_2018,
            properties: will.properties,
            origin: Origin {
                client_id: Some(self.client_id.clone()),
                principal: Some(self.auth.principal().to_owned()),
            },
            timestamp: self.broker.clock.now_millis(),
        });
    }
}

/// The writer task: CONNACK, the resend of unacknowledged messages, then control packets
/// from the reader and publishes from the session queue (with the Receive check).
struct Writer<W> {
    wr: W,
    protocol: Protocol,
    session: Arc<Session>,
    conn_id: u64,
    auth: Arc<dyn ClientAuth>,
    hooks: Arc<dyn BrokerHooks>,
    notify: Arc<Notify>,
    ctl: mpsc::UnboundedReceiver<Ctl>,
    inflight_limit: usize,
    client_max_packet: usize,
    /// The session queue's low-water mark (flow control).
    queue_low: usize,
    buf: BytesMut,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    async fn run(mut self, connack: Out, connack_sent: oneshot::Sender<()>) -> std::io::Result<()> {
        self.encode(&connack);
        self.flush().await?;
        let _ = connack_sent.send(());

        // Unacknowledged QoS 1 messages of a resumed session go again, with DUP.
        let resend: Vec<(u16, Delivery)> = self.session.lock().inflight.iter().cloned().collect();
        for (pkid, delivery) in resend {
            self.encode_publish(&delivery, pkid, true);
        }
        loop {
            while self.fill() {
                self.flush().await?;
            }
            self.flush().await?;
            let ctl = tokio::select! {
                biased;
                ctl = self.ctl.recv() => ctl,
                _ = self.notify.notified() => continue,
            };
            let Some(ctl) = ctl else {
                let _ = self.wr.shutdown().await;
                return Ok(());
            };
            if self.control(ctl).await? {
                return Ok(());
            }
            while let Ok(ctl) = self.ctl.try_recv() {
                if self.control(ctl).await? {
                    return Ok(());
                }
            }
        }
    }

    /// Handles one order; `true` when the connection is closed.
    async fn control(&mut self, ctl: Ctl) -> std::io::Result<bool> {
        match ctl {
            Ctl::Packet(out) => self.encode(&out),
            Ctl::Retained(deliveries) => self.session.lock().pending.extend(deliveries),
            Ctl::Close(code) => {
                if let Some(code) = code {
                    self.encode(&Out::Disconnect(code));
                }
                self.flush().await?;
                let _ = self.wr.shutdown().await;
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn encode(&mut self, out: &Out) {
        if let Err(error) = codec::encode(self.protocol, out, &mut self.buf) {
            tracing::warn!(%error, "could not encode a packet");
        }
    }

    /// Encodes a publish unless it exceeds the client's maximum packet size.
    fn encode_publish(&mut self, d: &Delivery, pkid: u16, dup: bool) -> bool {
        let m = &d.message;
        let out = Out::Publish(OutPublish {
            topic: m.topic.clone(),
            payload: m.payload.clone(),
            qos: d.qos,
            retain: d.retain,
            dup,
            pkid,
            properties: m.properties.clone(),
        });
        let start = self.buf.len();
        match codec::encode(self.protocol, &out, &mut self.buf) {
            Ok(n) if n <= self.client_max_packet => true,
            Ok(_) => {
                self.buf.truncate(start);
                debug!(topic = %m.topic, "message larger than the client's maximum packet size; skipped");
                false
            }
            Err(error) => {
                self.buf.truncate(start);
                tracing::warn!(%error, "could not encode a publish");
                false
            }
        }
    }

    /// Moves queued messages into the write buffer while the in-flight window allows;
    /// returns `true` when it stopped because the buffer is full.
    fn fill(&mut self) -> bool {
        loop {
            if self.buf.len() >= WRITE_BATCH {
                return true;
            }
            let delivery = {
                let mut st = self.session.lock();
                if !st.attached_to(self.conn_id) {
                    return false;
                }
                match st.pending.front() {
                    None => return false,
                    Some(d) if d.qos > 0 && st.inflight.len() >= self.inflight_limit => {
                        return false;
                    }
                    Some(_) => Session::pop_pending(&mut st, &self.session, self.queue_low),
                }
            };
            let Some(delivery) = delivery else {
                return false;
            };
            if !self.auth.authorize(Action::Receive, &delivery.message.topic) {
                debug!(topic = %delivery.message.topic, "receive not authorized; delivery skipped");
                continue;
            }
            let pkid = if delivery.qos > 0 {
                let mut st = self.session.lock();
                let pkid = st.alloc_pkid();
                st.inflight.push_back((pkid, delivery.clone()));
                pkid
            } else {
                0
            };
            if self.encode_publish(&delivery, pkid, false) {
                self.hooks.on_delivery(&delivery.message, &self.session.client_id);
            } else if pkid != 0 {
                let mut st = self.session.lock();
                st.inflight.retain(|(id, _)| *id != pkid);
            }
        }
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let bytes: Bytes = self.buf.split().freeze();
        self.wr.write_all(&bytes).await?;
        self.wr.flush().await
    }
}
