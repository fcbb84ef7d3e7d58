//! Starting and stopping the emulator: open the store, load or make the root CA,
//! bind every listener, serve until shut down.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::https::TlsIncoming;
use crate::app::App;
use crate::broker::listeners::tls_acceptor;
use crate::broker::runtime::BrokerRuntime;
use crate::config::Config;
use crate::domain::pki::{ensure_root_ca, issue_server_identity, server_names};
use crate::domain::{Clock, IdGen, RandomIds, SystemClock};
use crate::store::SqliteStore;

/// A running emulator. Dropping it stops nothing; call `shutdown`.
#[derive(Debug)]
pub struct Emulator {
    app: Arc<App>,
    http_addr: SocketAddr,
    broker: Option<BrokerRuntime>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Starts an emulator with a chosen clock and id source (DESIGN D8).
pub struct EmulatorBuilder {
    config: Config,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl EmulatorBuilder {
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }

    pub async fn start(self) -> Result<Emulator> {
        let config = self.config;
        let store = match config.data_dir() {
            Some(dir) => SqliteStore::open_dir(&dir)
                .with_context(|| format!("opening the store in {}", dir.display()))?,
            None => SqliteStore::open_in_memory().context("opening the in-memory store")?,
        };
        let ca = ensure_root_ca(&store).context("loading the root CA")?;
        let server_identity = issue_server_identity(&ca, server_names(&config.hostname))
            .context("issuing the server certificate")?;
        let http = TcpListener::bind((config.bind.as_str(), config.http_port))
            .await
            .with_context(|| format!("binding HTTP to {}:{}", config.bind, config.http_port))?;
        let http_addr = http.local_addr()?;
        let app = Arc::new(App::new(config, store, self.clock, self.ids, ca, server_identity));
        for (name, spec) in app.config.lambda_specs()? {
            app.lambdas
                .register(&name, spec)
                .map_err(|e| anyhow::anyhow!("Lambda function {name} in the configuration: {e}"))?;
        }
        crate::rules::RulesEngine::start(&app);
        let broker = BrokerRuntime::start(&app).await?;
        let https = TcpListener::bind((app.config.bind.as_str(), app.config.https_port))
            .await
            .with_context(|| {
                format!("binding HTTPS to {}:{}", app.config.bind, app.config.https_port)
            })?;
        let https_addr = https.local_addr()?;
        let https = TlsIncoming::new(https, tls_acceptor(&app.server_identity, &[b"http/1.1"])?)?;
        let mut endpoints = BTreeMap::from([
            ("http".to_owned(), http_addr.to_string()),
            ("https".to_owned(), https_addr.to_string()),
        ]);
        endpoints.extend(broker.endpoints.clone());
        app.set_endpoints(endpoints);
        let (stop, stopped) = oneshot::channel::<()>();
        let (https_stop, https_stopped) = oneshot::channel::<()>();
        let https_router = crate::api::https::router(app.clone())
            .into_make_service_with_connect_info::<crate::api::https::TlsPeer>();
        let https_task = tokio::spawn(async move {
            let serve = axum::serve(https, https_router).with_graceful_shutdown(async {
                let _ = https_stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "HTTPS listener failed");
            }
        });
        let router = crate::api::router(app.clone());
        let task = tokio::spawn(async move {
            // Small API answers go out at once rather than waiting on Nagle.
            let http = http.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let serve = axum::serve(http, service).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "HTTP listener failed");
            }
            let _ = https_stop.send(());
            let _ = https_task.await;
        });
        tracing::info!(endpoints = ?app.endpoints(), persistent = app.store.path().is_some(), "listening");
        Ok(Emulator { app, http_addr, broker: Some(broker), stop: Some(stop), task })
    }
}

impl Emulator {
    pub fn builder(config: Config) -> EmulatorBuilder {
        EmulatorBuilder { config, clock: Arc::new(SystemClock), ids: Arc::new(RandomIds) }
    }

    /// Starts with the system clock and random ids.
    pub async fn start(config: Config) -> Result<Emulator> {
        Emulator::builder(config).start().await
    }

    /// Listener name → bound `host:port`.
    pub fn endpoints(&self) -> BTreeMap<String, String> {
        self.app.endpoints()
    }

    /// The `ready` line's JSON: `{"http":"127.0.0.1:4566","mqtt":...,"mqtts":...}`.
    pub fn endpoints_json(&self) -> String {
        serde_json::to_string(&self.endpoints()).unwrap_or_default()
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// `http://host:port` of the HTTP edge.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// The root CA in PEM.
    pub fn ca_pem(&self) -> &str {
        &self.app.ca.cert_pem
    }

    /// The shared state, for in-process inspection.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The broker, for in-process tests and the APIs that reach into it.
    pub fn broker(&self) -> Option<&Arc<crate::broker::Broker>> {
        self.broker.as_ref().map(|b| &b.broker)
    }

    /// Stops accepting, closes MQTT connections, finishes HTTP requests in flight,
    /// and closes the store.
    pub async fn shutdown(mut self) {
        if let Some(broker) = self.broker.take() {
            broker.shutdown().await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}
