//! Broker tests over real TCP on 127.0.0.1 with rumqttc clients (3.1.1 and 5) and a raw
//! packet client for the protocol edges. No sleeps: every wait is for an event, a
//! message or a closed socket, bounded by a timeout.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rumqttc::mqttbytes::v4;
use rumqttc::v5::mqttbytes::v5;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::core::{Broker, BrokerConfig};
use super::hooks::{
    Action, BrokerHooks, ClientAuth, ClientEvent, ConnectRefusal, ConnectRequest, DisconnectReason,
    Message, MessageProperties, Origin, Peer, Protocol, TransportIdentity,
};
use crate::domain::Scope;

const WAIT: Duration = Duration::from_secs(10);

fn scope() -> Scope {
    Scope::new("000000000000", "us-east-1")
}

fn other_scope() -> Scope {
    Scope::new("111111111111", "eu-west-1")
}

// ---------------------------------------------------------------------------------
// Test hooks: username-driven scopes and refusals, a deny list, and a recorder.

struct Recorder {
    deny: Mutex<Vec<(Action, String)>>,
    events: Mutex<Vec<ClientEvent>>,
    messages: Mutex<Vec<Message>>,
    /// (client id, topic) of every delivery reported by `on_delivery`.
    deliveries: Mutex<Vec<(String, String)>>,
    version: watch::Sender<u64>,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder {
            deny: Mutex::new(Vec::new()),
            events: Mutex::new(Vec::new()),
            messages: Mutex::new(Vec::new()),
            deliveries: Mutex::new(Vec::new()),
            version: watch::Sender::new(0),
        }
    }

    fn deny(&self, action: Action, topic: &str) {
        self.deny.lock().unwrap().push((action, topic.to_owned()));
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    async fn wait_event(&self, pred: impl Fn(&ClientEvent) -> bool) -> ClientEvent {
        let mut rx = self.version.subscribe();
        let wait = async {
            loop {
                let found = self.events.lock().unwrap().iter().find(|e| pred(e)).cloned();
                if let Some(e) = found {
                    return e;
                }
                rx.changed().await.unwrap();
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("no such event; got {:#?}", self.events.lock().unwrap()))
    }

    async fn disconnected(&self, client_id: &str) -> (DisconnectReason, bool) {
        match self
            .wait_event(
                |e| matches!(e, ClientEvent::Disconnected { client_id: c, .. } if c == client_id),
            )
            .await
        {
            ClientEvent::Disconnected { reason, client_initiated, .. } => {
                (reason, client_initiated)
            }
            _ => unreachable!(),
        }
    }

    async fn connected(&self, client_id: &str) {
        self.wait_event(
            |e| matches!(e, ClientEvent::Connected { client_id: c, .. } if c == client_id),
        )
        .await;
    }

    fn messages_on(&self, topic: &str) -> Vec<Message> {
        self.messages.lock().unwrap().iter().filter(|m| m.topic == topic).cloned().collect()
    }
}

struct TestHooks(Arc<Recorder>);

#[derive(Debug)]
struct TestAuth {
    scope: Scope,
    principal: String,
    rec: Arc<Recorder>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl ClientAuth for TestAuth {
    fn scope(&self) -> &Scope {
        &self.scope
    }
    fn principal(&self) -> &str {
        &self.principal
    }
    fn authorize(&self, action: Action, topic: &str) -> bool {
        !self.rec.deny.lock().unwrap().iter().any(|(a, t)| *a == action && t == topic)
    }
}

impl BrokerHooks for TestHooks {
    fn authenticate(
        &self,
        _peer: &Peer,
        connect: &ConnectRequest,
    ) -> Result<Arc<dyn ClientAuth>, ConnectRefusal> {
        let scope = match connect.username.as_deref() {
            Some("bad-credentials") => return Err(ConnectRefusal::BadCredentials),
            Some("not-authorized") => return Err(ConnectRefusal::NotAuthorized),
            Some("bad-id") => return Err(ConnectRefusal::IdentifierRejected),
            Some("unavailable") => return Err(ConnectRefusal::ServerUnavailable),
            Some("other-account") => other_scope(),
            _ => scope(),
        };
        Ok(Arc::new(TestAuth {
            scope,
            principal: format!("principal-{}", connect.client_id),
            rec: self.0.clone(),
        }))
    }

    fn on_event(&self, event: ClientEvent) {
        self.0.events.lock().unwrap().push(event);
        self.0.bump();
    }

    fn on_message(&self, message: &Arc<Message>) {
        self.0.messages.lock().unwrap().push((**message).clone());
        self.0.bump();
    }

    fn on_delivery(&self, message: &Arc<Message>, client_id: &Arc<str>) {
        self.0.deliveries.lock().unwrap().push((client_id.to_string(), message.topic.clone()));
        self.0.bump();
    }
}

struct TestBroker {
    broker: Arc<Broker>,
    rec: Arc<Recorder>,
    addr: SocketAddr,
}

async fn start(config: BrokerConfig) -> TestBroker {
    let rec = Arc::new(Recorder::new());
    let broker = Broker::new(config, Arc::new(TestHooks(rec.clone())));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let b = broker.clone();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let peer =
                Peer { addr: peer, listener: "mqtt", identity: TransportIdentity::Anonymous };
            tokio::spawn(b.clone().serve(stream, peer));
        }
    });
    TestBroker { broker, rec, addr }
}

async fn start_default() -> TestBroker {
    start(BrokerConfig::default()).await
}

fn internal(scope: Scope, topic: &str, payload: &str, qos: u8, retain: bool) -> Message {
    Message {
        scope,
        topic: topic.into(),
        payload: Bytes::copy_from_slice(payload.as_bytes()),
        qos,
        retain,
        properties: MessageProperties::default(),
        origin: Origin::default(),
        timestamp: 0,
    }
}

// ---------------------------------------------------------------------------------
// rumqttc clients driven by a background task that forwards their events.

type V4Event = Result<rumqttc::Event, String>;

struct V4 {
    client: rumqttc::AsyncClient,
    events: mpsc::UnboundedReceiver<V4Event>,
}

fn v4_client(addr: SocketAddr, id: &str, configure: impl FnOnce(&mut rumqttc::MqttOptions)) -> V4 {
    let mut opts = rumqttc::MqttOptions::new(id, addr.ip().to_string(), addr.port());
    opts.set_keep_alive(Duration::from_secs(30));
    configure(&mut opts);
    let (client, mut eventloop) = rumqttc::AsyncClient::new(opts, 64);
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(event) => {
                    if tx.send(Ok(event)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    break;
                }
            }
        }
    });
    V4 { client, events }
}

impl V4 {
    async fn expect<T>(
        &mut self,
        what: &str,
        mut f: impl FnMut(&rumqttc::Event) -> Option<T>,
    ) -> T {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Some(Ok(event)) => {
                        if let Some(t) = f(&event) {
                            return t;
                        }
                    }
                    Some(Err(e)) => panic!("connection error while waiting for {what}: {e}"),
                    None => panic!("event loop gone while waiting for {what}"),
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    async fn connack(&mut self) -> v4::ConnAck {
        self.expect("CONNACK", |e| match e {
            rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(c)) => Some(c.clone()),
            _ => None,
        })
        .await
    }

    async fn suback(&mut self) -> v4::SubAck {
        self.expect("SUBACK", |e| match e {
            rumqttc::Event::Incoming(rumqttc::Packet::SubAck(s)) => Some(s.clone()),
            _ => None,
        })
        .await
    }

    async fn puback(&mut self) {
        self.expect("PUBACK", |e| {
            matches!(e, rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))).then_some(())
        })
        .await
    }

    async fn publish(&mut self) -> v4::Publish {
        self.expect("PUBLISH", |e| match e {
            rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)) => Some(p.clone()),
            _ => None,
        })
        .await
    }

    async fn subscribe(&mut self, filter: &str, qos: rumqttc::QoS) -> v4::SubAck {
        self.client.subscribe(filter, qos).await.unwrap();
        self.suback().await
    }

    /// Waits until the connection fails.
    async fn error(&mut self) -> String {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return e,
                    None => return "event loop gone".to_owned(),
                }
            }
        };
        tokio::time::timeout(WAIT, wait).await.expect("connection still open")
    }
}

type V5Event = Result<rumqttc::v5::Event, String>;

struct V5 {
    client: rumqttc::v5::AsyncClient,
    events: mpsc::UnboundedReceiver<V5Event>,
}

fn v5_client(
    addr: SocketAddr,
    id: &str,
    configure: impl FnOnce(&mut rumqttc::v5::MqttOptions),
) -> V5 {
    let mut opts = rumqttc::v5::MqttOptions::new(id, addr.ip().to_string(), addr.port());
    opts.set_keep_alive(Duration::from_secs(30));
    configure(&mut opts);
    let (client, mut eventloop) = rumqttc::v5::AsyncClient::new(opts, 64);
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(event) => {
                    if tx.send(Ok(event)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    break;
                }
            }
        }
    });
    V5 { client, events }
}

impl V5 {
    async fn expect<T>(
        &mut self,
        what: &str,
        mut f: impl FnMut(&rumqttc::v5::Event) -> Option<T>,
    ) -> T {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Some(Ok(event)) => {
                        if let Some(t) = f(&event) {
                            return t;
                        }
                    }
                    Some(Err(e)) => panic!("connection error while waiting for {what}: {e}"),
                    None => panic!("event loop gone while waiting for {what}"),
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    async fn connack(&mut self) -> v5::ConnAck {
        self.expect("CONNACK", |e| match e {
            rumqttc::v5::Event::Incoming(v5::Packet::ConnAck(c)) => Some(c.clone()),
            _ => None,
        })
        .await
    }

    async fn subscribe(&mut self, filter: &str, qos: rumqttc::v5::mqttbytes::QoS) -> v5::SubAck {
        self.client.subscribe(filter, qos).await.unwrap();
        self.expect("SUBACK", |e| match e {
            rumqttc::v5::Event::Incoming(v5::Packet::SubAck(s)) => Some(s.clone()),
            _ => None,
        })
        .await
    }

    async fn publish(&mut self) -> v5::Publish {
        self.expect("PUBLISH", |e| match e {
            rumqttc::v5::Event::Incoming(v5::Packet::Publish(p)) => Some(p.clone()),
            _ => None,
        })
        .await
    }
}

// ---------------------------------------------------------------------------------
// A raw packet client for exact wire assertions.

struct Raw<S> {
    stream: S,
    buf: BytesMut,
}

async fn raw(addr: SocketAddr) -> Raw<TcpStream> {
    Raw { stream: TcpStream::connect(addr).await.unwrap(), buf: BytesMut::new() }
}

fn v4_connect(id: &str, clean: bool, keep_alive: u16, username: Option<&str>) -> v4::Connect {
    let mut c = v4::Connect::new(id);
    c.clean_session = clean;
    c.keep_alive = keep_alive;
    if let Some(u) = username {
        c.set_login(u, "secret");
    }
    c
}

fn v5_connect(id: &str, clean: bool, username: Option<&str>) -> v5::Packet {
    v5::Packet::Connect(
        v5::Connect { keep_alive: 30, client_id: id.into(), clean_start: clean, properties: None },
        None,
        username.map(|u| v5::Login::new(u, "secret")),
    )
}

fn v5_qos(q: u8) -> rumqttc::v5::mqttbytes::QoS {
    match q {
        0 => rumqttc::v5::mqttbytes::QoS::AtMostOnce,
        1 => rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
        _ => rumqttc::v5::mqttbytes::QoS::ExactlyOnce,
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Raw<S> {
    async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn send4(&mut self, packet: v4::Packet) {
        let mut b = BytesMut::new();
        packet.write(&mut b, usize::MAX).unwrap();
        self.send_bytes(&b).await;
    }

    async fn send5(&mut self, packet: v5::Packet) {
        let mut b = BytesMut::new();
        packet.write(&mut b, None).unwrap();
        self.send_bytes(&b).await;
    }

    /// Reads more bytes; `false` on EOF or reset.
    async fn fill(&mut self) -> bool {
        match tokio::time::timeout(WAIT, self.stream.read_buf(&mut self.buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => false,
            Ok(Ok(_)) => true,
            Err(_) => panic!("timed out reading from the broker"),
        }
    }

    /// The next 3.1.1 packet; `None` when the broker closed the connection.
    async fn recv4(&mut self) -> Option<v4::Packet> {
        loop {
            match v4::Packet::read(&mut self.buf, usize::MAX) {
                Ok(p) => return Some(p),
                Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => {
                    if !self.fill().await {
                        return None;
                    }
                }
                Err(e) => panic!("bad packet from the broker: {e}"),
            }
        }
    }

    async fn recv5(&mut self) -> Option<v5::Packet> {
        loop {
            match v5::Packet::read(&mut self.buf, None) {
                Ok(p) => return Some(p),
                Err(rumqttc::v5::mqttbytes::Error::InsufficientBytes(_)) => {
                    if !self.fill().await {
                        return None;
                    }
                }
                Err(e) => panic!("bad packet from the broker: {e}"),
            }
        }
    }

    /// Asserts the broker closes the connection without sending anything more.
    async fn closed(&mut self) {
        if let Some(p) = self.recv4().await {
            panic!("expected the connection to close, got {p:?}");
        }
    }

    async fn connect4(&mut self, connect: v4::Connect) -> v4::ConnAck {
        self.send4(v4::Packet::Connect(connect)).await;
        match self.recv4().await {
            Some(v4::Packet::ConnAck(c)) => c,
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }

    async fn connect5(&mut self, connect: v5::Packet) -> v5::ConnAck {
        self.send5(connect).await;
        match self.recv5().await {
            Some(v5::Packet::ConnAck(c)) => c,
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }

    async fn subscribe4(&mut self, pkid: u16, filter: &str, qos: rumqttc::QoS) -> v4::SubAck {
        self.send4(v4::Packet::Subscribe(v4::Subscribe {
            pkid,
            filters: vec![v4::SubscribeFilter::new(filter.into(), qos)],
        }))
        .await;
        match self.recv4().await {
            Some(v4::Packet::SubAck(s)) => s,
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }

    async fn publish4(
        &mut self,
        topic: &str,
        qos: rumqttc::QoS,
        retain: bool,
        payload: impl Into<Vec<u8>>,
        pkid: u16,
    ) {
        let mut p = v4::Publish::new(topic, qos, payload);
        p.retain = retain;
        p.pkid = pkid;
        self.send4(v4::Packet::Publish(p)).await;
    }

    async fn ping4(&mut self) -> v4::Packet {
        self.send4(v4::Packet::PingReq).await;
        self.recv4().await.expect("connection closed")
    }
}

use rumqttc::QoS as Q4;

// ---------------------------------------------------------------------------------
// 1. Connect, subscribe, publish, receive.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn v311_publish_and_receive_at_qos0_and_qos1() {
    let t = start_default().await;
    let mut sub = v4_client(t.addr, "sub", |_| {});
    assert!(!sub.connack().await.session_present);
    let ack = sub.subscribe("a/b", Q4::AtLeastOnce).await;
    assert_eq!(ack.return_codes, vec![v4::SubscribeReasonCode::Success(Q4::AtLeastOnce)]);
    let ack = sub.subscribe("c/d", Q4::AtMostOnce).await;
    assert_eq!(ack.return_codes, vec![v4::SubscribeReasonCode::Success(Q4::AtMostOnce)]);

    let mut publisher = v4_client(t.addr, "pub", |_| {});
    publisher.connack().await;
    publisher.client.publish("a/b", Q4::AtMostOnce, false, "zero").await.unwrap();
    let p = sub.publish().await;
    assert_eq!(
        (p.topic.as_str(), p.qos, &p.payload[..], p.retain),
        ("a/b", Q4::AtMostOnce, &b"zero"[..], false)
    );

    publisher.client.publish("a/b", Q4::AtLeastOnce, false, "one").await.unwrap();
    publisher.puback().await;
    let p = sub.publish().await;
    assert_eq!((p.qos, &p.payload[..]), (Q4::AtLeastOnce, &b"one"[..]));

    // Delivery QoS = min(publish QoS, granted QoS): publish and subscription QoS are
    // independent (L5991).
    publisher.client.publish("c/d", Q4::AtLeastOnce, false, "down").await.unwrap();
    let p = sub.publish().await;
    assert_eq!((p.topic.as_str(), p.qos), ("c/d", Q4::AtMostOnce));

    // The bus saw every accepted publish, with its origin.
    let seen = t.rec.messages_on("a/b");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].origin.client_id.as_deref(), Some("pub"));
    assert_eq!(seen[1].origin.principal.as_deref(), Some("principal-pub"));
    assert_eq!(seen[1].scope, scope());
    t.rec.wait_event(|e| matches!(e, ClientEvent::Subscribed { client_id, filters, .. } if client_id == "sub" && filters == &["a/b"])).await;
    match t
        .rec
        .wait_event(|e| matches!(e, ClientEvent::Connected { client_id, .. } if client_id == "pub"))
        .await
    {
        ClientEvent::Connected { protocol, clean_start, principal, .. } => {
            assert_eq!(
                (protocol, clean_start, principal.as_str()),
                (Protocol::V311, true, "principal-pub")
            );
        }
        _ => unreachable!(),
    }
    assert_eq!(t.broker.connected_clients(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn v5_publish_and_receive_across_protocols() {
    let t = start_default().await;
    let mut sub = v5_client(t.addr, "sub5", |_| {});
    let connack = sub.connack().await;
    assert_eq!(connack.code, v5::ConnectReturnCode::Success);
    let props = connack.properties.expect("CONNACK properties");
    assert_eq!(props.max_qos, Some(1));
    assert_eq!(props.retain_available, Some(1));
    let ack = sub.subscribe("x/+", v5_qos(1)).await;
    assert_eq!(ack.return_codes, vec![v5::SubscribeReasonCode::Success(v5_qos(1))]);

    // From an MQTT 5 publisher, with properties carried through.
    let mut publisher = v5_client(t.addr, "pub5", |_| {});
    publisher.connack().await;
    let properties = v5::PublishProperties {
        content_type: Some("application/json".into()),
        user_properties: vec![("k".into(), "v".into())],
        ..Default::default()
    };
    publisher
        .client
        .publish_with_properties("x/1", v5_qos(1), false, "{}", properties)
        .await
        .unwrap();
    let p = sub.publish().await;
    assert_eq!((&p.topic[..], p.qos, &p.payload[..]), (&b"x/1"[..], v5_qos(1), &b"{}"[..]));
    let got = p.properties.expect("properties");
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(got.user_properties, vec![("k".to_owned(), "v".to_owned())]);
    assert_eq!(
        t.rec.messages_on("x/1")[0].properties.content_type.as_deref(),
        Some("application/json")
    );

    publisher.client.publish("x/0", v5_qos(0), false, "zero").await.unwrap();
    let p = sub.publish().await;
    assert_eq!((&p.topic[..], p.qos), (&b"x/0"[..], v5_qos(0)));

    // From a 3.1.1 publisher.
    let mut old = v4_client(t.addr, "pub4", |_| {});
    old.connack().await;
    old.client.publish("x/2", Q4::AtLeastOnce, false, "v4").await.unwrap();
    let p = sub.publish().await;
    assert_eq!((&p.topic[..], &p.payload[..]), (&b"x/2"[..], &b"v4"[..]));
    match t
        .rec
        .wait_event(
            |e| matches!(e, ClientEvent::Connected { client_id, .. } if client_id == "sub5"),
        )
        .await
    {
        ClientEvent::Connected { protocol, .. } => assert_eq!(protocol, Protocol::V5),
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsubscribe_stops_delivery() {
    let t = start_default().await;
    let mut sub = v4_client(t.addr, "unsub", |_| {});
    sub.connack().await;
    sub.subscribe("u/1", Q4::AtMostOnce).await;
    sub.subscribe("u/2", Q4::AtMostOnce).await;
    sub.client.unsubscribe("u/1").await.unwrap();
    sub.expect("UNSUBACK", |e| {
        matches!(e, rumqttc::Event::Incoming(rumqttc::Packet::UnsubAck(_))).then_some(())
    })
    .await;
    t.rec
        .wait_event(
            |e| matches!(e, ClientEvent::Unsubscribed { filters, .. } if filters == &["u/1"]),
        )
        .await;
    t.broker.publish(internal(scope(), "u/1", "gone", 0, false));
    t.broker.publish(internal(scope(), "u/2", "kept", 0, false));
    assert_eq!(sub.publish().await.topic, "u/2");
}

// ---------------------------------------------------------------------------------
// 2. Wildcards and `$` rules.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wildcards_and_dollar_topics() {
    let t = start_default().await;
    let mut hash_child = v4_client(t.addr, "hash-child", |_| {});
    hash_child.connack().await;
    hash_child.subscribe("Sensor/#", Q4::AtMostOnce).await;
    let mut everything = v4_client(t.addr, "everything", |_| {});
    everything.connack().await;
    everything.subscribe("#", Q4::AtMostOnce).await;
    let mut plus = v4_client(t.addr, "plus", |_| {});
    plus.connack().await;
    plus.subscribe("Sensor/+/room1", Q4::AtMostOnce).await;
    let mut shadow = v4_client(t.addr, "shadow", |_| {});
    shadow.connack().await;
    shadow.subscribe("$aws/things/+/shadow/#", Q4::AtMostOnce).await;

    let mut publisher = v4_client(t.addr, "publisher", |_| {});
    publisher.connack().await;
    for topic in ["Sensor", "Sensor/temp/room1", "$aws/things/t1/shadow/update", "after"] {
        publisher.client.publish(topic, Q4::AtMostOnce, false, "x").await.unwrap();
    }
    // L6238: Sensor/# does not match Sensor.
    assert_eq!(hash_child.publish().await.topic, "Sensor/temp/room1");
    assert_eq!(plus.publish().await.topic, "Sensor/temp/room1");
    // `#` matches everything except `$` topics.
    assert_eq!(everything.publish().await.topic, "Sensor");
    assert_eq!(everything.publish().await.topic, "Sensor/temp/room1");
    assert_eq!(everything.publish().await.topic, "after");
    assert_eq!(shadow.publish().await.topic, "$aws/things/t1/shadow/update");

    // An internal publish to a service-to-device topic reaches its subscribers.
    t.broker.publish(internal(scope(), "$aws/things/t1/shadow/update/accepted", "{}", 1, false));
    let p = shadow.publish().await;
    assert_eq!(
        (p.topic.as_str(), p.qos),
        ("$aws/things/t1/shadow/update/accepted", Q4::AtMostOnce)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hash_matches_parent_is_switchable() {
    let t = start(BrokerConfig { hash_matches_parent: true, ..BrokerConfig::default() }).await;
    let mut sub = v4_client(t.addr, "parent", |_| {});
    sub.connack().await;
    sub.subscribe("Sensor/#", Q4::AtMostOnce).await;
    t.broker.publish(internal(scope(), "Sensor", "x", 0, false));
    assert_eq!(sub.publish().await.topic, "Sensor");
}

// ---------------------------------------------------------------------------------
// 3. Retained messages.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retained_messages_are_stored_replayed_and_deleted() {
    let t = start_default().await;
    let mut publisher = v4_client(t.addr, "retainer", |_| {});
    publisher.connack().await;
    publisher.client.publish("r/1", Q4::AtLeastOnce, true, "first").await.unwrap();
    publisher.puback().await;
    let stored = t.broker.retained_message(&scope(), "r/1").expect("retained");
    assert_eq!((&stored.payload[..], stored.retain, stored.qos), (&b"first"[..], true, 1));
    assert!(t.broker.retained_message(&other_scope(), "r/1").is_none());

    let mut sub = v4_client(t.addr, "late", |_| {});
    sub.connack().await;
    sub.subscribe("r/+", Q4::AtLeastOnce).await;
    let p = sub.publish().await;
    assert_eq!(
        (p.topic.as_str(), &p.payload[..], p.retain, p.qos),
        ("r/1", &b"first"[..], true, Q4::AtLeastOnce)
    );

    // A live delivery to an existing subscription carries RETAIN=0 (3.1.1).
    publisher.client.publish("r/1", Q4::AtMostOnce, true, "second").await.unwrap();
    let p = sub.publish().await;
    assert_eq!((&p.payload[..], p.retain), (&b"second"[..], false));
    assert_eq!(&t.broker.retained_message(&scope(), "r/1").unwrap().payload[..], b"second");

    // An empty retained payload deletes.
    publisher.client.publish("r/1", Q4::AtLeastOnce, true, "").await.unwrap();
    publisher.puback().await;
    assert!(t.broker.retained_messages(&scope()).is_empty());

    // Internal publishes retain too.
    t.broker.publish(internal(scope(), "r/2", "internal", 1, true));
    assert_eq!(t.broker.retained_messages(&scope()).len(), 1);
}

// ---------------------------------------------------------------------------------
// 4. Sessions.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn persistent_session_queues_qos1_while_offline() {
    let t = start_default().await;
    let mut sub = v4_client(t.addr, "persistent", |o| {
        o.set_clean_session(false);
    });
    assert!(!sub.connack().await.session_present);
    sub.subscribe("p/#", Q4::AtLeastOnce).await;
    sub.client.disconnect().await.unwrap();
    assert_eq!(t.rec.disconnected("persistent").await, (DisconnectReason::ClientInitiated, true));
    assert_eq!(t.broker.connected_clients(), 0);

    let mut publisher = v4_client(t.addr, "offline-pub", |_| {});
    publisher.connack().await;
    publisher.client.publish("p/0", Q4::AtMostOnce, false, "qos0 is not stored").await.unwrap();
    for i in 1..=3 {
        publisher
            .client
            .publish(format!("p/{i}"), Q4::AtLeastOnce, false, format!("m{i}"))
            .await
            .unwrap();
        publisher.puback().await;
    }

    let mut back = v4_client(t.addr, "persistent", |o| {
        o.set_clean_session(false);
    });
    assert!(back.connack().await.session_present);
    for i in 1..=3 {
        let p = back.publish().await;
        assert_eq!((p.topic, p.qos), (format!("p/{i}"), Q4::AtLeastOnce));
    }
    // The subscription survived too.
    publisher.client.publish("p/live", Q4::AtMostOnce, false, "live").await.unwrap();
    assert_eq!(back.publish().await.topic, "p/live");

    // A clean session discards it.
    back.client.disconnect().await.unwrap();
    t.rec.wait_event(|e| matches!(e, ClientEvent::Disconnected { client_id, .. } if client_id == "persistent")).await;
    let mut clean = v4_client(t.addr, "persistent", |_| {});
    assert!(!clean.connack().await.session_present);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unacknowledged_messages_are_resent_with_dup() {
    let t = start_default().await;
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("resend", false, 30, None)).await;
    c.subscribe4(1, "d/1", Q4::AtLeastOnce).await;
    t.broker.publish(internal(scope(), "d/1", "unacked", 1, false));
    let first = match c.recv4().await {
        Some(v4::Packet::Publish(p)) => p,
        other => panic!("expected PUBLISH, got {other:?}"),
    };
    assert!(!first.dup);
    drop(c); // no PUBACK, no DISCONNECT
    t.rec.disconnected("resend").await;

    let mut c = raw(t.addr).await;
    assert!(c.connect4(v4_connect("resend", false, 30, None)).await.session_present);
    match c.recv4().await {
        Some(v4::Packet::Publish(p)) => {
            assert!(p.dup);
            assert_eq!((p.pkid, &p.payload[..]), (first.pkid, &b"unacked"[..]));
            c.send4(v4::Packet::PubAck(v4::PubAck::new(p.pkid))).await;
        }
        other => panic!("expected the resent PUBLISH, got {other:?}"),
    }
    assert_eq!(c.ping4().await, v4::Packet::PingResp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inflight_window_holds_messages_until_acknowledged() {
    let t = start(BrokerConfig { max_inflight: 2, ..BrokerConfig::default() }).await;
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("window", true, 30, None)).await;
    c.subscribe4(1, "w", Q4::AtLeastOnce).await;
    for i in 0..3 {
        t.broker.publish(internal(scope(), "w", &format!("{i}"), 1, false));
    }
    let mut ids = Vec::new();
    for _ in 0..2 {
        match c.recv4().await {
            Some(v4::Packet::Publish(p)) => ids.push(p.pkid),
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }
    // The third waits for a free slot: a ping is answered first.
    assert_eq!(c.ping4().await, v4::Packet::PingResp);
    c.send4(v4::Packet::PubAck(v4::PubAck::new(ids[0]))).await;
    match c.recv4().await {
        Some(v4::Packet::Publish(p)) => assert_eq!(&p.payload[..], b"2"),
        other => panic!("expected PUBLISH, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mqtt5_session_expiry() {
    let t = start_default().await;
    // clean start off but no expiry interval: the session ends at disconnect.
    let mut a = v5_client(t.addr, "expiry0", |o| {
        o.set_clean_start(false);
    });
    a.connack().await;
    a.subscribe("e/0", v5_qos(1)).await;
    a.client.disconnect().await.unwrap();
    t.rec.disconnected("expiry0").await;
    let mut a = v5_client(t.addr, "expiry0", |o| {
        o.set_clean_start(false);
    });
    assert!(!a.connack().await.session_present);

    let mut b = v5_client(t.addr, "expiry60", |o| {
        o.set_clean_start(false);
        o.set_session_expiry_interval(Some(60));
    });
    b.connack().await;
    b.subscribe("e/60", v5_qos(1)).await;
    b.client.disconnect().await.unwrap();
    t.rec.disconnected("expiry60").await;
    t.broker.publish(internal(scope(), "e/60", "queued", 1, false));
    let mut b = v5_client(t.addr, "expiry60", |o| {
        o.set_clean_start(false);
        o.set_session_expiry_interval(Some(60));
    });
    assert!(b.connack().await.session_present);
    assert_eq!(&b.publish().await.payload[..], b"queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_id_takeover_closes_the_older_connection() {
    let t = start_default().await;
    let mut first = v4_client(t.addr, "twin", |_| {});
    first.connack().await;
    t.rec.connected("twin").await;
    let mut second = v4_client(t.addr, "twin", |_| {});
    second.connack().await;
    first.error().await;
    assert_eq!(t.rec.disconnected("twin").await, (DisconnectReason::DuplicateClientId, false));
    second.subscribe("twin/t", Q4::AtMostOnce).await;
    t.broker.publish(internal(scope(), "twin/t", "to the second", 0, false));
    assert_eq!(&second.publish().await.payload[..], b"to the second");
    assert_eq!(t.broker.connected_clients(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mqtt5_takeover_sends_session_taken_over() {
    let t = start_default().await;
    let mut first = raw(t.addr).await;
    first.connect5(v5_connect("twin5", true, None)).await;
    let mut second = raw(t.addr).await;
    second.connect5(v5_connect("twin5", true, None)).await;
    match first.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::SessionTakenOver)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// 5. QoS 2.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn qos2_publish_is_ignored_and_qos2_subscribe_granted_qos1() {
    let t = start_default().await;
    let mut sub = raw(t.addr).await;
    sub.connect4(v4_connect("q2sub", true, 30, None)).await;
    let ack = sub.subscribe4(1, "q2", Q4::ExactlyOnce).await;
    assert_eq!(ack.return_codes, vec![v4::SubscribeReasonCode::Success(Q4::AtLeastOnce)]);

    let mut publisher = raw(t.addr).await;
    publisher.connect4(v4_connect("q2pub", true, 30, None)).await;
    publisher.publish4("q2", Q4::ExactlyOnce, false, "never", 9).await;
    publisher.publish4("q2", Q4::AtMostOnce, false, "marker", 0).await;
    // No PUBREC/PUBACK for the QoS 2 publish: the next packet is the PINGRESP.
    assert_eq!(publisher.ping4().await, v4::Packet::PingResp);
    match sub.recv4().await {
        Some(v4::Packet::Publish(p)) => assert_eq!(&p.payload[..], b"marker"),
        other => panic!("expected the marker, got {other:?}"),
    }
    assert!(t.rec.messages_on("q2").iter().all(|m| &m.payload[..] == b"marker"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn qos2_subscribe_gets_no_suback_in_compat_2018() {
    let t = start(BrokerConfig { compat_2018: true, ..BrokerConfig::default() }).await;
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("q2compat", true, 30, None)).await;
    c.send4(v4::Packet::Subscribe(v4::Subscribe::new("q2", Q4::ExactlyOnce))).await;
    assert_eq!(c.ping4().await, v4::Packet::PingResp);
    // Nor a subscription.
    t.broker.publish(internal(scope(), "q2", "not delivered", 0, false));
    assert_eq!(c.ping4().await, v4::Packet::PingResp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mqtt5_qos2_publish_disconnects() {
    let t = start_default().await;
    let mut c = raw(t.addr).await;
    c.connect5(v5_connect("q2v5", true, None)).await;
    let mut p = v5::Publish::new("q2", v5_qos(2), "x", None);
    p.pkid = 1;
    c.send5(v5::Packet::Publish(p)).await;
    match c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::QoSNotSupported)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// 6. Reserved topics, limits, authorization.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forbidden_reserved_topics_disconnect() {
    let t = start_default().await;
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("sys-pub", true, 30, None)).await;
    c.publish4("$SYS/uptime", Q4::AtMostOnce, false, "x", 0).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("sys-pub").await.0, DisconnectReason::Forbidden);

    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("sys-sub", true, 30, None)).await;
    c.send4(v4::Packet::Subscribe(v4::Subscribe::new("$SYS/#", Q4::AtMostOnce))).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("sys-sub").await.0, DisconnectReason::Forbidden);

    // Publishing on a service-to-device topic is not allowed either.
    let mut c = raw(t.addr).await;
    c.connect5(v5_connect("accepted-pub", true, None)).await;
    c.send5(v5::Packet::Publish(v5::Publish::new(
        "$aws/things/t/shadow/update/accepted",
        v5_qos(0),
        "x",
        None,
    )))
    .await;
    match c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::TopicNameInvalid)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }

    // Allowed `$aws` topics work, and invalid filters get a SUBACK failure.
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("jobs", true, 30, None)).await;
    let ack = c.subscribe4(1, "$aws/things/t/jobs/get/#", Q4::AtLeastOnce).await;
    assert_eq!(ack.return_codes, vec![v4::SubscribeReasonCode::Success(Q4::AtLeastOnce)]);
    let ack = c.subscribe4(2, "a/#/b", Q4::AtLeastOnce).await;
    assert_eq!(ack.return_codes, vec![v4::SubscribeReasonCode::Failure]);
    c.publish4("$aws/things/t/jobs/get", Q4::AtLeastOnce, false, "{}", 3).await;
    assert_eq!(c.recv4().await, Some(v4::Packet::PubAck(v4::PubAck::new(3))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_topic_names_disconnect() {
    let t = start_default().await;
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("slashes", true, 30, None)).await;
    c.publish4("1/2/3/4/5/6/7/8/9", Q4::AtMostOnce, false, "x", 0).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("slashes").await.0, DisconnectReason::ProtocolError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversize_payload_disconnects() {
    let t = start_default().await;
    let max = BrokerConfig::default().max_payload;
    let mut sub = raw(t.addr).await;
    sub.connect4(v4_connect("big-sub", true, 30, None)).await;
    sub.subscribe4(1, "big", Q4::AtMostOnce).await;

    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("big-ok", true, 30, None)).await;
    c.publish4("big", Q4::AtMostOnce, false, vec![7u8; max], 0).await;
    match sub.recv4().await {
        Some(v4::Packet::Publish(p)) => assert_eq!(p.payload.len(), max),
        other => panic!("expected PUBLISH, got {other:?}"),
    }
    c.publish4("big", Q4::AtMostOnce, false, vec![7u8; max + 1], 0).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("big-ok").await.0, DisconnectReason::Forbidden);

    let mut c = raw(t.addr).await;
    c.connect5(v5_connect("big5", true, None)).await;
    c.send5(v5::Packet::Publish(v5::Publish::new("big", v5_qos(0), vec![7u8; max + 1], None)))
        .await;
    match c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::PacketTooLarge)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    // A packet beyond the codec's limit is refused from its header.
    let mut c = raw(t.addr).await;
    c.connect5(v5_connect("huge5", true, None)).await;
    c.send5(v5::Packet::Publish(v5::Publish::new("big", v5_qos(0), vec![7u8; 4 * max], None)))
        .await;
    match c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::PacketTooLarge)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unauthorized_publish_and_subscribe_disconnect() {
    let t = start_default().await;
    t.rec.deny(Action::Publish, "deny/pub");
    t.rec.deny(Action::Subscribe, "deny/sub");

    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("bad-pub", true, 30, None)).await;
    c.publish4("deny/pub", Q4::AtLeastOnce, false, "x", 1).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("bad-pub").await.0, DisconnectReason::Forbidden);
    assert!(t.rec.messages_on("deny/pub").is_empty());

    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("bad-sub", true, 30, None)).await;
    c.send4(v4::Packet::Subscribe(v4::Subscribe::new("deny/sub", Q4::AtMostOnce))).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("bad-sub").await.0, DisconnectReason::Forbidden);

    let mut c = raw(t.addr).await;
    c.connect5(v5_connect("bad-pub5", true, None)).await;
    c.send5(v5::Packet::Publish(v5::Publish::new("deny/pub", v5_qos(0), "x", None))).await;
    match c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::NotAuthorized)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mqtt5_unauthorized_subscribe_gets_suback_0x87() {
    let t = start_default().await;
    t.rec.deny(Action::Subscribe, "deny/sub");
    let mut c = raw(t.addr).await;
    c.connect5(v5_connect("sub5", true, None)).await;
    c.send5(v5::Packet::Subscribe(v5::Subscribe::new_many(
        [v5::Filter::new("deny/sub", v5_qos(1)), v5::Filter::new("ok/sub", v5_qos(1))],
        None,
    )))
    .await;
    match c.recv5().await {
        Some(v5::Packet::SubAck(s)) => assert_eq!(
            s.return_codes,
            vec![
                v5::SubscribeReasonCode::NotAuthorized,
                v5::SubscribeReasonCode::Success(v5_qos(1))
            ]
        ),
        other => panic!("expected SUBACK, got {other:?}"),
    }
    c.send5(v5::Packet::PingReq(v5::PingReq)).await;
    assert_eq!(c.recv5().await, Some(v5::Packet::PingResp(v5::PingResp)));
    match t
        .rec
        .wait_event(
            |e| matches!(e, ClientEvent::Subscribed { client_id, .. } if client_id == "sub5"),
        )
        .await
    {
        ClientEvent::Subscribed { filters, .. } => assert_eq!(filters, vec!["ok/sub".to_owned()]),
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unauthorized_receive_skips_the_delivery() {
    let t = start_default().await;
    t.rec.deny(Action::Receive, "secret/1");
    let mut sub = v4_client(t.addr, "receiver", |_| {});
    sub.connack().await;
    sub.subscribe("#", Q4::AtLeastOnce).await;
    let mut publisher = v4_client(t.addr, "sender", |_| {});
    publisher.connack().await;
    publisher.client.publish("secret/1", Q4::AtLeastOnce, false, "hidden").await.unwrap();
    publisher.client.publish("public/1", Q4::AtLeastOnce, false, "shown").await.unwrap();
    assert_eq!(sub.publish().await.topic, "public/1");
    // The publish itself was accepted (the bus saw it) and the subscriber stays connected.
    assert_eq!(t.rec.messages_on("secret/1").len(), 1);
    t.broker.publish(internal(scope(), "public/2", "still here", 0, false));
    assert_eq!(sub.publish().await.topic, "public/2");
    let delivered: Vec<String> = t
        .rec
        .deliveries
        .lock()
        .unwrap()
        .iter()
        .filter(|(client, _)| client == "receiver")
        .map(|(_, topic)| topic.clone())
        .collect();
    assert_eq!(delivered, vec!["public/1".to_owned(), "public/2".to_owned()]);
}

// ---------------------------------------------------------------------------------
// 7. Last will, keep-alive.

fn with_will(mut c: v4::Connect, topic: &str, payload: &str, retain: bool) -> v4::Connect {
    c.last_will = Some(v4::LastWill::new(topic, payload, Q4::AtLeastOnce, retain));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn will_is_published_on_abrupt_close_only() {
    let t = start_default().await;
    let mut sub = v4_client(t.addr, "will-watcher", |_| {});
    sub.connack().await;
    sub.subscribe("will/#", Q4::AtLeastOnce).await;

    let mut gone = raw(t.addr).await;
    gone.connect4(with_will(v4_connect("abrupt", true, 30, None), "will/abrupt", "offline", false))
        .await;
    drop(gone);
    let p = sub.publish().await;
    assert_eq!(
        (p.topic.as_str(), &p.payload[..], p.qos),
        ("will/abrupt", &b"offline"[..], Q4::AtLeastOnce)
    );
    assert_eq!(t.rec.disconnected("abrupt").await, (DisconnectReason::ConnectionLost, false));
    let will = &t.rec.messages_on("will/abrupt")[0];
    assert_eq!(will.origin.client_id.as_deref(), Some("abrupt"));

    let mut polite = raw(t.addr).await;
    polite
        .connect4(with_will(v4_connect("polite", true, 30, None), "will/polite", "offline", false))
        .await;
    polite.send4(v4::Packet::Disconnect).await;
    assert_eq!(t.rec.disconnected("polite").await, (DisconnectReason::ClientInitiated, true));
    t.broker.publish(internal(scope(), "will/marker", "marker", 0, false));
    assert_eq!(sub.publish().await.topic, "will/marker");

    // MQTT 5 DISCONNECT with reason 0x04 sends the will; its retain flag is kept.
    let mut v5c = raw(t.addr).await;
    let will = v5::LastWill::new("will/v5", "bye", v5_qos(1), true, None);
    v5c.connect5(v5::Packet::Connect(
        v5::Connect {
            keep_alive: 30,
            client_id: "with-will".into(),
            clean_start: true,
            properties: None,
        },
        Some(will),
        None,
    ))
    .await;
    v5c.send5(v5::Packet::Disconnect(v5::Disconnect::new(
        v5::DisconnectReasonCode::DisconnectWithWillMessage,
    )))
    .await;
    assert_eq!(sub.publish().await.topic, "will/v5");
    assert_eq!(&t.broker.retained_message(&scope(), "will/v5").unwrap().payload[..], b"bye");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unauthorized_will_is_dropped() {
    let t = start_default().await;
    t.rec.deny(Action::Publish, "will/denied");
    let mut sub = v4_client(t.addr, "watcher", |_| {});
    sub.connack().await;
    sub.subscribe("will/#", Q4::AtLeastOnce).await;
    let mut gone = raw(t.addr).await;
    gone.connect4(with_will(v4_connect("denied-will", true, 30, None), "will/denied", "x", false))
        .await;
    drop(gone);
    t.rec.disconnected("denied-will").await;
    t.broker.publish(internal(scope(), "will/marker", "marker", 0, false));
    assert_eq!(sub.publish().await.topic, "will/marker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keep_alive_timeout_closes_and_pingreq_is_answered() {
    let t = start_default().await;
    let mut c = raw(t.addr).await;
    c.connect4(with_will(v4_connect("sleepy", true, 1, None), "will/sleepy", "gone", false)).await;
    assert_eq!(c.ping4().await, v4::Packet::PingResp);
    // Then silence: closed after 1.5 s.
    c.closed().await;
    assert_eq!(t.rec.disconnected("sleepy").await.0, DisconnectReason::KeepAliveTimeout);
    assert_eq!(t.rec.messages_on("will/sleepy").len(), 1);
}

// ---------------------------------------------------------------------------------
// 8. Scopes.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scopes_are_isolated() {
    let t = start_default().await;
    let mut here = v4_client(t.addr, "same-id", |_| {});
    here.connack().await;
    here.subscribe("#", Q4::AtMostOnce).await;
    let mut there = v4_client(t.addr, "same-id", |o| {
        o.set_credentials("other-account", "x");
    });
    there.connack().await;
    there.subscribe("#", Q4::AtMostOnce).await;
    // The same client id in another scope is no takeover.
    assert_eq!(t.broker.connected_clients(), 2);

    there.client.publish("iso/1", Q4::AtMostOnce, true, "there").await.unwrap();
    let p = there.publish().await;
    assert_eq!(p.topic, "iso/1");
    assert_eq!(t.rec.messages_on("iso/1")[0].scope, other_scope());
    t.broker.publish(internal(scope(), "iso/marker", "here", 0, false));
    assert_eq!(here.publish().await.topic, "iso/marker");
    assert!(t.broker.retained_message(&scope(), "iso/1").is_none());
    assert!(t.broker.retained_message(&other_scope(), "iso/1").is_some());
}

// ---------------------------------------------------------------------------------
// 9. compat 2018.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn compat_2018_disconnects_on_retain_and_persistent_sessions() {
    let t = start(BrokerConfig { compat_2018: true, ..BrokerConfig::default() }).await;
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("retainer", true, 30, None)).await;
    c.publish4("r", Q4::AtMostOnce, true, "x", 0).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("retainer").await.0, DisconnectReason::Forbidden);
    assert!(t.broker.retained_messages(&scope()).is_empty());

    let mut c = raw(t.addr).await;
    c.send4(v4::Packet::Connect(v4_connect("persistent", false, 30, None))).await;
    c.closed().await;

    let mut c = raw(t.addr).await;
    let connack = c.connect5(v5_connect("persistent5", false, None)).await;
    assert_eq!(connack.code, v5::ConnectReturnCode::ImplementationSpecificError);

    let mut c = raw(t.addr).await;
    let connack = c.connect5(v5_connect("clean5", true, None)).await;
    assert_eq!(connack.code, v5::ConnectReturnCode::Success);
    assert_eq!(connack.properties.unwrap().retain_available, Some(0));
    c.send5(v5::Packet::Publish({
        let mut p = v5::Publish::new("r", v5_qos(0), "x", None);
        p.retain = true;
        p
    }))
    .await;
    match c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::RetainNotSupported)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    assert!(t.rec.events.lock().unwrap().iter().all(
        |e| !matches!(e, ClientEvent::Connected { client_id, .. } if client_id == "persistent" || client_id == "persistent5")
    ));
}

// ---------------------------------------------------------------------------------
// 10. CONNECT handling.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_connect_codes() {
    let t = start_default().await;
    for (user, v4_code, v5_code) in [
        (
            "bad-credentials",
            v4::ConnectReturnCode::BadUserNamePassword,
            v5::ConnectReturnCode::BadUserNamePassword,
        ),
        (
            "not-authorized",
            v4::ConnectReturnCode::NotAuthorized,
            v5::ConnectReturnCode::NotAuthorized,
        ),
        (
            "bad-id",
            v4::ConnectReturnCode::BadClientId,
            v5::ConnectReturnCode::ClientIdentifierNotValid,
        ),
        (
            "unavailable",
            v4::ConnectReturnCode::ServiceUnavailable,
            v5::ConnectReturnCode::ServerUnavailable,
        ),
    ] {
        let mut c = raw(t.addr).await;
        let ack = c.connect4(v4_connect("refused", true, 30, Some(user))).await;
        assert_eq!(ack.code, v4_code, "{user}");
        c.closed().await;
        let mut c = raw(t.addr).await;
        let ack = c.connect5(v5_connect("refused", true, Some(user))).await;
        assert_eq!(ack.code, v5_code, "{user}");
    }
    let long = "x".repeat(129);
    let mut c = raw(t.addr).await;
    assert_eq!(
        c.connect4(v4_connect(&long, true, 30, None)).await.code,
        v4::ConnectReturnCode::BadClientId
    );
    let mut c = raw(t.addr).await;
    assert_eq!(
        c.connect5(v5_connect(&long, true, None)).await.code,
        v5::ConnectReturnCode::ClientIdentifierNotValid
    );
    let mut c = raw(t.addr).await;
    assert_eq!(
        c.connect4(v4_connect(&"x".repeat(128), true, 30, None)).await.code,
        v4::ConnectReturnCode::Success
    );
    // MQTT 3.1 (protocol level 3) is refused with code 1.
    let mut c = raw(t.addr).await;
    let mut bytes = BytesMut::new();
    v4::Connect::new("old").write(&mut bytes).unwrap();
    bytes[8] = 3;
    c.send_bytes(&bytes).await;
    match c.recv4().await {
        Some(v4::Packet::ConnAck(a)) => {
            assert_eq!(a.code, v4::ConnectReturnCode::RefusedProtocolVersion)
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert!(
        t.rec.events.lock().unwrap().iter().all(
            |e| !matches!(e, ClientEvent::Connected { client_id, .. } if client_id == "refused")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn empty_client_ids() {
    let t = start_default().await;
    let mut c = raw(t.addr).await;
    let ack = c.connect5(v5_connect("", true, None)).await;
    assert_eq!(ack.code, v5::ConnectReturnCode::Success);
    let assigned = ack.properties.unwrap().assigned_client_identifier.expect("assigned client id");
    t.rec.connected(&assigned).await;

    let mut c = raw(t.addr).await;
    assert_eq!(
        c.connect4(v4_connect("", true, 30, None)).await.code,
        v4::ConnectReturnCode::Success
    );
    let mut c = raw(t.addr).await;
    assert_eq!(
        c.connect4(v4_connect("", false, 30, None)).await.code,
        v4::ConnectReturnCode::BadClientId
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn non_connect_first_packet_garbage_and_silence_close() {
    let t = start(BrokerConfig {
        connect_timeout: Duration::from_millis(300),
        ..BrokerConfig::default()
    })
    .await;
    let mut c = raw(t.addr).await;
    c.send4(v4::Packet::PingReq).await;
    c.closed().await;

    let mut c = raw(t.addr).await;
    c.send_bytes(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    c.closed().await;

    let mut c = raw(t.addr).await;
    c.send_bytes(&[0x10, 0x05, 0x00, 0x03, b'F', b'O', b'O']).await;
    c.closed().await;

    // Nothing at all: closed after the connect timeout.
    let mut c = raw(t.addr).await;
    c.closed().await;

    // A second CONNECT is a protocol error.
    let mut c = raw(t.addr).await;
    c.connect4(v4_connect("twice", true, 30, None)).await;
    c.send4(v4::Packet::Connect(v4_connect("twice", true, 30, None))).await;
    c.closed().await;
    assert_eq!(t.rec.disconnected("twice").await.0, DisconnectReason::ProtocolError);
}

// ---------------------------------------------------------------------------------
// 11. Operations: DeleteConnection, shutdown, serve on any stream.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_connection_and_shutdown() {
    let t = start_default().await;
    let mut sub = v4_client(t.addr, "watch", |_| {});
    sub.connack().await;
    sub.subscribe("will/#", Q4::AtLeastOnce).await;

    let mut a = raw(t.addr).await;
    a.connect4(with_will(v4_connect("deleted", false, 30, None), "will/deleted", "x", false)).await;
    assert!(!t.broker.disconnect(&scope(), "nobody", false, false));
    assert!(!t.broker.disconnect(&other_scope(), "deleted", false, false));
    assert!(t.broker.disconnect(&scope(), "deleted", true, true));
    a.closed().await;
    assert_eq!(t.rec.disconnected("deleted").await.0, DisconnectReason::ServerInitiated);
    assert_eq!(sub.publish().await.topic, "will/deleted");
    // clean_session ended the persistent session.
    let mut a = raw(t.addr).await;
    assert!(!a.connect4(v4_connect("deleted", false, 30, None)).await.session_present);

    let mut v5c = raw(t.addr).await;
    v5c.connect5(v5_connect("v5-shutdown", true, None)).await;
    t.broker.shutdown();
    match v5c.recv5().await {
        Some(v5::Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, v5::DisconnectReasonCode::ServerShuttingDown)
        }
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    a.closed().await;
    sub.error().await;
    let mut late = raw(t.addr).await;
    late.send4(v4::Packet::Connect(v4_connect("late", true, 30, None))).await;
    late.closed().await;
    for id in ["watch", "v5-shutdown"] {
        t.rec.disconnected(id).await;
    }
    assert!(t.broker.is_shut_down());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_runs_on_any_byte_stream() {
    let rec = Arc::new(Recorder::new());
    let broker = Broker::new(BrokerConfig::default(), Arc::new(TestHooks(rec.clone())));
    let (client, server) = tokio::io::duplex(64 * 1024);
    let peer = Peer {
        addr: "127.0.0.1:9".parse().unwrap(),
        listener: "ws",
        identity: TransportIdentity::Anonymous,
    };
    tokio::spawn(broker.clone().serve(server, peer));
    let mut c = Raw { stream: client, buf: BytesMut::new() };
    c.connect4(v4_connect("duplex", true, 30, None)).await;
    c.subscribe4(1, "d", Q4::AtMostOnce).await;
    broker.publish(internal(scope(), "d", "over duplex", 0, false));
    match c.recv4().await {
        Some(v4::Packet::Publish(p)) => assert_eq!(&p.payload[..], b"over duplex"),
        other => panic!("expected PUBLISH, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subscriber_that_never_reads_blocks_nobody() {
    let t = start_default().await;
    // Subscribes, then never reads again.
    let mut stuck = raw(t.addr).await;
    stuck.connect4(v4_connect("stuck", true, 0, None)).await;
    stuck.subscribe4(1, "flood", Q4::AtLeastOnce).await;
    let mut fast = raw(t.addr).await;
    fast.connect4(v4_connect("fast", true, 0, None)).await;
    fast.subscribe4(1, "flood", Q4::AtMostOnce).await;

    // ~13 MB, more than the socket buffers hold: the stuck client's writer blocks.
    let count = 400u16;
    let mut publisher = raw(t.addr).await;
    publisher.connect4(v4_connect("flooder", true, 0, None)).await;
    let reader = tokio::spawn(async move {
        let mut received = 0u16;
        while received < count {
            match fast.recv4().await {
                Some(v4::Packet::Publish(_)) => received += 1,
                other => panic!("expected PUBLISH, got {other:?}"),
            }
        }
        fast
    });
    for i in 1..=count {
        publisher.publish4("flood", Q4::AtLeastOnce, false, vec![0u8; 32 * 1024], i).await;
    }
    for _ in 1..=count {
        assert!(matches!(publisher.recv4().await, Some(v4::Packet::PubAck(_))));
    }
    let _fast = tokio::time::timeout(WAIT, reader).await.expect("fast subscriber starved").unwrap();
    assert_eq!(t.broker.connected_clients(), 3);
    drop(stuck);
}
