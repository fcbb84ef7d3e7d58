//! MQTT for tests on rumqttc: [`MqttClient`] (plain TCP or mutual TLS) whose event
//! loop runs in the background and collects every message it receives, so a test
//! waits for messages with a timeout instead of sleeping; [`MessageRecorder`] on top.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use iot_emulator::bus::filter_matches;
use rumqttc::{
    AsyncClient, ConnectionError, Event, Incoming, MqttOptions, QoS, SubscribeReasonCode,
    TlsConfiguration, Transport,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// How long connecting, subscribing and publishing may take.
pub const MQTT_TIMEOUT: Duration = Duration::from_secs(10);

/// One message a client received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
}

impl Message {
    /// The payload as UTF-8 text, if it is.
    pub fn payload_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.payload).ok()
    }

    /// The payload as JSON.
    pub fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.payload).with_context(|| {
            format!("the payload on {} is not JSON: {:?}", self.topic, self.payload)
        })
    }
}

/// What the event loop saw, shared with the client's methods.
#[derive(Default)]
struct Inbox {
    state: Mutex<InboxState>,
    changed: Notify,
}

#[derive(Default)]
struct InboxState {
    messages: Vec<Message>,
    /// Indices of `messages` that `expect_message` has handed out.
    taken: Vec<bool>,
    /// Why the connection ended, once it has.
    closed: Option<String>,
}

impl Inbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, InboxState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `ready` returns `Some`, the connection ends, or `timeout` passes.
    async fn wait<T>(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&mut InboxState) -> Option<T>,
        what: impl Fn(&InboxState) -> String,
    ) -> Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before checking, so a change between the check and the
            // wait still wakes us.
            let changed = self.changed.notified();
            {
                let mut state = self.lock();
                if let Some(found) = ready(&mut state) {
                    return Ok(found);
                }
                if let Some(why) = &state.closed {
                    bail!("{} (the connection ended: {why})", what(&state));
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let state = self.lock();
                bail!("{} within {timeout:?}", what(&state));
            }
        }
    }
}

/// A connected MQTT client. Every PUBLISH it receives is kept, in order; the
/// connection is closed when it is dropped.
pub struct MqttClient {
    client: AsyncClient,
    client_id: String,
    inbox: Arc<Inbox>,
    acks: tokio::sync::Mutex<mpsc::UnboundedReceiver<Incoming>>,
    pump: JoinHandle<()>,
}

impl std::fmt::Debug for MqttClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttClient").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl MqttClient {
    /// Connects over plain TCP to `addr` (`host:port`).
    pub async fn connect_tcp(client_id: &str, addr: &str) -> Result<MqttClient> {
        let (host, port) = split_addr(addr)?;
        MqttClient::connect(MqttOptions::new(client_id, host, port)).await
    }

    /// Connects over mutual TLS to `addr` with a device certificate and key (PEM),
    /// trusting `ca_pem` and checking the server's name against `addr`'s host.
    pub async fn connect_tls(
        client_id: &str,
        addr: &str,
        ca_pem: &str,
        certificate_pem: &str,
        private_key_pem: &str,
    ) -> Result<MqttClient> {
        let (host, port) = split_addr(addr)?;
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(ca.context("reading the CA PEM")?).context("trusting the CA")?;
        }
        let chain = CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .context("reading the device certificate PEM")?;
        let key = PrivateKeyDer::from_pem_slice(private_key_pem.as_bytes())
            .context("reading the device private key PEM")?;
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .context("using the device certificate")?;
        let mut options = MqttOptions::new(client_id, host, port);
        options.set_transport(Transport::Tls(TlsConfiguration::Rustls(Arc::new(tls))));
        MqttClient::connect(options).await
    }

    /// Connects with `options` and waits for the CONNACK; a refusal is an error
    /// naming its return code.
    pub async fn connect(options: MqttOptions) -> Result<MqttClient> {
        let client_id = options.client_id();
        let (client, mut eventloop) = AsyncClient::new(options, 256);
        loop {
            let event = tokio::time::timeout(MQTT_TIMEOUT, eventloop.poll())
                .await
                .with_context(|| format!("{client_id}: no CONNACK within {MQTT_TIMEOUT:?}"))?;
            match event {
                Ok(Event::Incoming(Incoming::ConnAck(_))) => break,
                Ok(_) => {}
                Err(ConnectionError::ConnectionRefused(code)) => {
                    bail!("{client_id}: connection refused ({code:?})")
                }
                Err(e) => return Err(anyhow!(e).context(format!("{client_id}: connecting"))),
            }
        }
        let inbox = Arc::new(Inbox::default());
        let (ack_tx, acks) = mpsc::unbounded_channel();
        let pump_inbox = inbox.clone();
        let pump = tokio::spawn(async move {
            loop {
                let event = eventloop.poll().await;
                let mut state = pump_inbox.lock();
                match event {
                    Ok(Event::Incoming(Incoming::Publish(p))) => {
                        state.messages.push(Message {
                            topic: p.topic,
                            payload: p.payload,
                            qos: p.qos as u8,
                            retain: p.retain,
                        });
                        state.taken.push(false);
                    }
                    Ok(Event::Incoming(ack @ (Incoming::SubAck(_) | Incoming::PubAck(_)))) => {
                        let _ = ack_tx.send(ack);
                    }
                    Ok(_) => continue,
                    Err(e) => {
                        state.closed = Some(e.to_string());
                        drop(state);
                        pump_inbox.changed.notify_waiters();
                        return;
                    }
                }
                drop(state);
                pump_inbox.changed.notify_waiters();
            }
        });
        Ok(MqttClient { client, client_id, inbox, acks: tokio::sync::Mutex::new(acks), pump })
    }

    /// The client id it connected with.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The rumqttc client, for what the helpers do not cover.
    pub fn raw(&self) -> &AsyncClient {
        &self.client
    }

    async fn next_ack(&self, what: &str) -> Result<Incoming> {
        let mut acks = self.acks.lock().await;
        let deadline = tokio::time::Instant::now() + MQTT_TIMEOUT;
        match tokio::time::timeout_at(deadline, acks.recv()).await {
            Ok(Some(ack)) => Ok(ack),
            Ok(None) | Err(_) => {
                let closed = self.inbox.lock().closed.clone();
                match closed {
                    Some(why) => bail!("{}: {what}: the connection ended: {why}", self.client_id),
                    None => bail!(
                        "{}: {what}: no acknowledgement within {MQTT_TIMEOUT:?}",
                        self.client_id
                    ),
                }
            }
        }
    }

    /// Subscribes to `filter` at QoS 1 and waits for the SUBACK; a refused
    /// subscription (return code 0x80) is an error.
    pub async fn subscribe(&self, filter: &str) -> Result<()> {
        self.client.subscribe(filter, QoS::AtLeastOnce).await?;
        match self.next_ack(&format!("subscribing to {filter}")).await? {
            Incoming::SubAck(ack)
                if ack.return_codes.iter().all(|c| *c != SubscribeReasonCode::Failure) =>
            {
                Ok(())
            }
            Incoming::SubAck(ack) => bail!(
                "{}: subscription to {filter} refused: {:?}",
                self.client_id,
                ack.return_codes
            ),
            other => bail!("{}: expected a SUBACK, got {other:?}", self.client_id),
        }
    }

    /// Publishes at QoS 1 and waits for the PUBACK, so the broker has taken it
    /// (and delivered it to every subscriber it goes to) when this returns.
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) -> Result<()> {
        self.client.publish(topic, QoS::AtLeastOnce, false, payload).await?;
        match self.next_ack(&format!("publishing to {topic}")).await? {
            Incoming::PubAck(_) => Ok(()),
            other => bail!("{}: expected a PUBACK, got {other:?}", self.client_id),
        }
    }

    /// Publishes at QoS 0: nothing comes back to wait for.
    pub async fn publish_qos0(&self, topic: &str, payload: impl Into<Vec<u8>>) -> Result<()> {
        self.client.publish(topic, QoS::AtMostOnce, false, payload).await?;
        Ok(())
    }

    /// The first received message on a topic matching `filter` (MQTT wildcards)
    /// that no earlier `expect_message` returned; waits up to `timeout`.
    pub async fn expect_message(&self, filter: &str, timeout: Duration) -> Result<Message> {
        self.inbox
            .wait(
                timeout,
                |s| {
                    let i = s
                        .messages
                        .iter()
                        .enumerate()
                        .position(|(i, m)| !s.taken[i] && filter_matches(filter, &m.topic))?;
                    s.taken[i] = true;
                    Some(s.messages[i].clone())
                },
                |s| format!("{}: no message on {filter} (received: {})", self.client_id, topics(s)),
            )
            .await
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Message> {
        self.inbox.lock().messages.clone()
    }

    /// Waits until at least `n` messages have been received, then returns all of
    /// them (more than `n` when more came).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Result<Vec<Message>> {
        self.inbox
            .wait(
                timeout,
                |s| (s.messages.len() >= n).then(|| s.messages.clone()),
                |s| {
                    format!(
                        "{}: {} of {n} messages (received: {})",
                        self.client_id,
                        s.messages.len(),
                        topics(s)
                    )
                },
            )
            .await
    }

    /// Waits until the broker ends the connection; why it ended.
    pub async fn closed(&self, timeout: Duration) -> Result<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inbox.changed.notified();
            if let Some(why) = self.inbox.lock().closed.clone() {
                return Ok(why);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                bail!("{}: still connected after {timeout:?}", self.client_id);
            }
        }
    }

    /// Sends DISCONNECT and waits until the connection has ended.
    pub async fn disconnect(self) -> Result<()> {
        self.client.disconnect().await?;
        self.closed(MQTT_TIMEOUT).await.map(drop)
    }
}

impl Drop for MqttClient {
    fn drop(&mut self) {
        // The event loop holds its own request sender and would poll forever.
        self.pump.abort();
    }
}

fn topics(s: &InboxState) -> String {
    let topics: Vec<&str> = s.messages.iter().map(|m| m.topic.as_str()).collect();
    format!("{topics:?}")
}

/// `host:port` → (host, port); `[::1]:1883` → (`::1`, 1883).
fn split_addr(addr: &str) -> Result<(String, u16)> {
    let (host, port) = addr.rsplit_once(':').with_context(|| format!("{addr} is not host:port"))?;
    let port = port.parse().with_context(|| format!("{addr} has no port number"))?;
    Ok((host.trim_start_matches('[').trim_end_matches(']').to_owned(), port))
}

/// Every message on one topic filter, recorded by its own MQTT client.
#[derive(Debug)]
pub struct MessageRecorder {
    client: MqttClient,
    filter: String,
}

impl MessageRecorder {
    /// Subscribes `client` to `filter`; recording starts once this returns.
    pub async fn start(client: MqttClient, filter: &str) -> Result<MessageRecorder> {
        client.subscribe(filter).await?;
        Ok(MessageRecorder { client, filter: filter.to_owned() })
    }

    /// The filter it records.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Waits until at least `n` messages were recorded; all of them, in order.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Result<Vec<Message>> {
        self.client.wait_for(n, timeout).await
    }

    /// Every message recorded so far.
    pub fn messages(&self) -> Vec<Message> {
        self.client.messages()
    }

    /// The next recorded message on `filter` not returned before.
    pub async fn expect_message(&self, filter: &str, timeout: Duration) -> Result<Message> {
        self.client.expect_message(filter, timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_host_and_port() {
        assert_eq!(split_addr("127.0.0.1:1883").unwrap(), ("127.0.0.1".to_owned(), 1883));
        assert_eq!(split_addr("[::1]:8883").unwrap(), ("::1".to_owned(), 8883));
        assert!(split_addr("localhost").is_err());
        assert!(split_addr("localhost:x").is_err());
    }
}
