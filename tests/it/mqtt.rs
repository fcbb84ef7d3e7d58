//! MQTT clients for the broker tests: rumqttc over plain TCP and over mutual TLS
//! with a certificate from the emulator, and a background event pump so tests wait
//! for packets with a timeout instead of sleeping.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectionError, Event, Incoming, MqttOptions, Publish, TlsConfiguration,
    Transport,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::sync::mpsc;

/// How long a test waits for a packet that should come.
pub const WAIT: Duration = Duration::from_secs(10);

/// A connected client and what its event loop saw.
pub struct Client {
    pub client: AsyncClient,
    pub events: mpsc::UnboundedReceiver<Result<Incoming, String>>,
}

impl Client {
    /// The next incoming PUBLISH, or `None` when the connection ends or the wait runs out.
    pub async fn next_publish(&mut self) -> Option<Publish> {
        self.next_publish_within(WAIT).await
    }

    pub async fn next_publish_within(&mut self, wait: Duration) -> Option<Publish> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Ok(Incoming::Publish(p)))) => return Some(p),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    /// Waits for an incoming packet matching `pred`.
    pub async fn wait_for(&mut self, pred: impl Fn(&Incoming) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Ok(i))) if pred(&i) => return true,
                Ok(Some(Ok(_))) => continue,
                _ => return false,
            }
        }
    }

    /// Waits until the connection ends; the error the event loop reported.
    pub async fn closed(&mut self) -> Option<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Err(e))) => return Some(e),
                Ok(Some(Ok(_))) => continue,
                Ok(None) => return Some("event loop ended".into()),
                Err(_) => return None,
            }
        }
    }
}

/// Connects and waits for the CONNACK; `Err` carries the refusal.
pub async fn connect(options: MqttOptions) -> Result<Client, ConnectionError> {
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    // Without it, Nagle holds the client's PUBACKs behind the server's delayed ACKs
    // and every QoS 1 exchange takes ~40 ms.
    eventloop.network_options.set_tcp_nodelay(true);
    loop {
        match tokio::time::timeout(WAIT, eventloop.poll()).await.expect("CONNACK within the wait") {
            Ok(Event::Incoming(Incoming::ConnAck(_))) => break,
            Ok(_) => continue,
            Err(e) => return Err(e),
        }
    }
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(i)) => {
                    if tx.send(Ok(i)).is_err() {
                        return;
                    }
                }
                Ok(Event::Outgoing(_)) => {}
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            }
        }
    });
    Ok(Client { client, events })
}

/// Options for plain TCP at `addr` (`host:port`).
pub fn tcp_options(client_id: &str, addr: &str) -> MqttOptions {
    let (host, port) = addr.rsplit_once(':').unwrap();
    let mut o = MqttOptions::new(client_id, host, port.parse().unwrap());
    o.set_keep_alive(Duration::from_secs(30));
    o
}

/// Options for mutual TLS at `addr` with a device certificate and key (PEM), trusting
/// the emulator's root CA and checking the server's name `localhost`.
pub fn tls_options(
    client_id: &str,
    addr: &str,
    ca_pem: &[u8],
    cert_pem: &str,
    key_pem: &str,
) -> MqttOptions {
    let port: u16 = addr.rsplit_once(':').unwrap().1.parse().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(ca.unwrap()).unwrap();
    }
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert_pem.as_bytes()).map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .unwrap();
    let mut o = MqttOptions::new(client_id, "localhost", port);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_transport(Transport::Tls(TlsConfiguration::Rustls(Arc::new(config))));
    o
}
