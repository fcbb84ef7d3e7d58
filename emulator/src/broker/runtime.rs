//! Starting the broker with its listeners, and stopping them.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::gateway::Gateway;
use super::hooks::{Message, Publisher};
use super::listeners::{spawn_tcp, spawn_tls, tls_acceptor};
use super::{Broker, BrokerConfig};
use crate::app::App;

impl Publisher for Broker {
    fn publish(&self, message: Message) {
        Broker::publish(self, message);
    }
}

/// The running broker and its listeners.
pub struct BrokerRuntime {
    pub broker: Arc<Broker>,
    /// Listener name → bound `host:port`.
    pub endpoints: BTreeMap<String, String>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for BrokerRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerRuntime").field("endpoints", &self.endpoints).finish_non_exhaustive()
    }
}

async fn bind(app: &App, port: u16, name: &str) -> Result<TcpListener> {
    TcpListener::bind((app.config.bind.as_str(), port))
        .await
        .with_context(|| format!("binding {name} to {}:{port}", app.config.bind))
}

impl BrokerRuntime {
    /// Makes the broker, wires it to the gateway and the app, and binds the MQTT
    /// listeners of the configuration.
    pub async fn start(app: &Arc<App>) -> Result<BrokerRuntime> {
        let gateway = Arc::new(Gateway::new(Arc::downgrade(app)));
        let config =
            BrokerConfig { compat_2018: app.config.compat == "2018", ..BrokerConfig::default() };
        let broker = Broker::new(config, gateway.clone());
        let publisher: Arc<dyn Publisher> = broker.clone();
        gateway.set_publisher(Arc::downgrade(&publisher) as Weak<dyn Publisher>);
        app.set_broker(broker.clone());

        let (stop, stopped) = watch::channel(false);
        let mut endpoints = BTreeMap::new();
        let mut tasks = Vec::new();
        let tcp = bind(app, app.config.mqtt_port, "mqtt").await?;
        endpoints.insert("mqtt".to_owned(), tcp.local_addr()?.to_string());
        tasks.push(spawn_tcp(tcp, broker.clone(), stopped.clone()));
        let tls = bind(app, app.config.mqtts_port, "mqtts").await?;
        endpoints.insert("mqtts".to_owned(), tls.local_addr()?.to_string());
        let acceptor = tls_acceptor(&app.server_identity, &[]).context("TLS configuration")?;
        tasks.push(spawn_tls(tls, acceptor, "mqtts", broker.clone(), stopped.clone()));
        // AWS IoT's port 443 picks MQTT by ALPN; this listener speaks only that protocol.
        let alpn = bind(app, app.config.mqtts_alpn_port, "mqtts_alpn").await?;
        endpoints.insert("mqtts_alpn".to_owned(), alpn.local_addr()?.to_string());
        let acceptor = tls_acceptor(&app.server_identity, &[b"x-amzn-mqtt-ca"])
            .context("TLS configuration")?;
        tasks.push(spawn_tls(alpn, acceptor, "mqtts_alpn", broker.clone(), stopped));
        Ok(BrokerRuntime { broker, endpoints, stop, tasks })
    }

    /// Stops accepting and closes every connection.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.broker.shutdown();
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
