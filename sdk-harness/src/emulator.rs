//! [`Emulator`]: one emulator a test talks to, started in-process on free ports with
//! state in memory, reached at a URL, or run in Docker; with its endpoints, its root
//! CA and ready-made AWS SDK clients.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use iot_emulator::Config;
use iot_emulator::domain::{Clock, IdGen, RandomIds, SystemClock};
use tokio::sync::oneshot;

use crate::api::{ACCESS_KEY, Api};
use crate::device::DeviceBuilder;
use crate::mqtt::{MessageRecorder, MqttClient};
use crate::sinks::SinkInspector;
use crate::tap::MessageTap;

/// How long `start` and `connect` wait for the emulator to answer.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// What keeps the emulator alive, and stops it when dropped.
pub(crate) enum Backend {
    /// Serving on its own runtime in its own thread, so it outlives no test and
    /// starves under none (a `#[tokio::test]` runtime has one thread).
    InProcess { stop: Option<oneshot::Sender<()>>, stopped: Option<oneshot::Receiver<()>> },
    /// Someone else's: [`Emulator::connect`].
    Remote,
    #[cfg(feature = "docker")]
    Container(Box<testcontainers::ContainerAsync<crate::container::IotEmulatorImage>>),
}

/// A running emulator and what a test needs to reach it.
///
/// Dropping it stops an in-process emulator and removes a container; a remote one
/// ([`Emulator::connect`]) is left running.
pub struct Emulator {
    backend: Backend,
    endpoints: BTreeMap<String, String>,
    http_url: String,
    ca_pem: String,
    region: String,
    api: Api,
    iot: aws_sdk_iot::Client,
    data: aws_sdk_iotdataplane::Client,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoints", &self.endpoints)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Starts an in-process emulator with a chosen configuration, clock and ids.
pub struct EmulatorBuilder {
    config: Config,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBuilder").field("config", &self.config).finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    /// The configuration; [`Config::ephemeral`] (free ports, in memory) by default.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Pins time (DESIGN D8), e.g. `iot_emulator::domain::FixedClock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Pins generated ids, e.g. `iot_emulator::domain::SequentialIds`.
    pub fn ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }

    /// Starts the emulator on a runtime of its own and waits until every listener
    /// accepts.
    pub async fn start(self) -> Result<Emulator> {
        let EmulatorBuilder { config, clock, ids } = self;
        let region = config.region.clone();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (stopped_tx, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("iot-emulator".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("iot-emulator-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow!(e).context("building its runtime")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let started =
                        iot_emulator::Emulator::builder(config).clock(clock).ids(ids).start().await;
                    match started {
                        Ok(emulator) => {
                            let ready = (emulator.endpoints(), emulator.ca_pem().to_owned());
                            let _ = ready_tx.send(Ok(ready));
                            // A dropped sender stops it as surely as a sent stop.
                            let _ = stop_rx.await;
                            emulator.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                drop(runtime);
                let _ = stopped_tx.send(());
            })
            .context("spawning the emulator's thread")?;
        let (endpoints, ca_pem) = tokio::time::timeout(START_TIMEOUT, ready_rx)
            .await
            .context("the emulator did not start in time")?
            .context("the emulator's thread ended before it started")??;
        let backend = Backend::InProcess { stop: Some(stop), stopped: Some(stopped) };
        Emulator::assemble(backend, loopback(endpoints), ca_pem, &region)
    }
}

/// Unspecified bind addresses (`0.0.0.0`, `[::]`) are not addresses a client can
/// dial: the loopback of the same family is.
fn loopback(endpoints: BTreeMap<String, String>) -> BTreeMap<String, String> {
    endpoints
        .into_iter()
        .map(|(k, v)| {
            let v = match v.rsplit_once(':') {
                Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
                Some(("[::]", port)) => format!("[::1]:{port}"),
                _ => v,
            };
            (k, v)
        })
        .collect()
}

impl Emulator {
    /// Starts an emulator in this process: every listener on a free port of
    /// 127.0.0.1, state in memory (gone when it stops), the system clock.
    pub async fn start() -> Result<Emulator> {
        Emulator::builder().start().await
    }

    /// An in-process emulator with another configuration, clock or ids.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            config: Config::ephemeral(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
        }
    }

    /// An emulator that is already running at `url` (`http://host:port`): its
    /// listeners come from `/_emulator/health` (an unspecified bind address is taken
    /// as the URL's host), its CA from `/_emulator/ca.pem`. The region is `us-east-1`;
    /// see [`Emulator::connect_in`].
    pub async fn connect(url: &str) -> Result<Emulator> {
        Emulator::connect_in(url, "us-east-1").await
    }

    /// [`Emulator::connect`] with the clients' region.
    pub async fn connect_in(url: &str, region: &str) -> Result<Emulator> {
        let api = Api::new(url, region);
        let health = tokio::time::timeout(START_TIMEOUT, api.get_json("/_emulator/health"))
            .await
            .with_context(|| format!("{url} did not answer in time"))?
            .with_context(|| format!("asking {url} for its health"))?;
        let host = url_host(url)?;
        let endpoints = health["endpoints"]
            .as_object()
            .context("the health answer has no endpoints")?
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .map(|(k, v)| {
                let v = match v.rsplit_once(':') {
                    Some(("0.0.0.0" | "[::]", port)) => format!("{host}:{port}"),
                    _ => v,
                };
                (k, v)
            })
            .collect::<BTreeMap<_, _>>();
        Emulator::remote(Backend::Remote, endpoints, url, region).await
    }

    /// An emulator whose listeners are reached at `endpoints` (listener name →
    /// `host:port`), e.g. through a port mapping; `http` is required.
    pub(crate) async fn remote(
        backend: Backend,
        mut endpoints: BTreeMap<String, String>,
        url: &str,
        region: &str,
    ) -> Result<Emulator> {
        let api = Api::new(url, region);
        let ca = api
            .send(http::Method::GET, "/_emulator/ca.pem", None, None)
            .await?
            .success()
            .context("fetching the root CA")?
            .text();
        endpoints.insert("http".into(), url.trim_start_matches("http://").to_owned());
        Emulator::assemble(backend, endpoints, ca, region)
    }

    fn assemble(
        backend: Backend,
        endpoints: BTreeMap<String, String>,
        ca_pem: String,
        region: &str,
    ) -> Result<Emulator> {
        let http = endpoints.get("http").context("the emulator has no http listener")?;
        let http_url = format!("http://{http}");
        let api = Api::new(&http_url, region);
        let credentials =
            aws_credential_types::Credentials::new(ACCESS_KEY, "secret", None, None, "harness");
        let iot = aws_sdk_iot::Client::from_conf(
            aws_sdk_iot::Config::builder()
                .behavior_version(aws_sdk_iot::config::BehaviorVersion::latest())
                .region(aws_sdk_iot::config::Region::new(region.to_owned()))
                .endpoint_url(&http_url)
                .credentials_provider(credentials.clone())
                .http_client(aws_smithy_http_client::Builder::new().build_http())
                .build(),
        );
        let data = aws_sdk_iotdataplane::Client::from_conf(
            aws_sdk_iotdataplane::Config::builder()
                .behavior_version(aws_sdk_iotdataplane::config::BehaviorVersion::latest())
                .region(aws_sdk_iotdataplane::config::Region::new(region.to_owned()))
                .endpoint_url(&http_url)
                .credentials_provider(credentials)
                .http_client(aws_smithy_http_client::Builder::new().build_http())
                .build(),
        );
        Ok(Emulator {
            backend,
            endpoints,
            http_url,
            ca_pem,
            region: region.to_owned(),
            api,
            iot,
            data,
        })
    }

    /// Listener name (`http`, `https`, `mqtt`, `mqtts`, `mqtts_alpn`) → `host:port`
    /// a client on this machine dials.
    pub fn endpoints(&self) -> &BTreeMap<String, String> {
        &self.endpoints
    }

    /// `host:port` of one listener.
    pub fn endpoint(&self, listener: &str) -> Result<&str> {
        self.endpoints
            .get(listener)
            .map(String::as_str)
            .with_context(|| format!("the emulator has no {listener} listener"))
    }

    /// `http://host:port` of the HTTP edge (control plane, data plane, `/_emulator`).
    pub fn http_url(&self) -> &str {
        &self.http_url
    }

    /// `host:port` of MQTT over plain TCP.
    pub fn mqtt_addr(&self) -> Result<&str> {
        self.endpoint("mqtt")
    }

    /// `host:port` of MQTT over mutual TLS.
    pub fn mqtts_addr(&self) -> Result<&str> {
        self.endpoint("mqtts")
    }

    /// The root CA (PEM) that signs the server certificate and every device
    /// certificate the emulator issues.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The region the clients sign for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// An `aws-sdk-iot` client of this emulator (test credentials, the default
    /// account).
    pub fn iot(&self) -> &aws_sdk_iot::Client {
        &self.iot
    }

    /// An `aws-sdk-iotdataplane` client of this emulator.
    pub fn data(&self) -> &aws_sdk_iotdataplane::Client {
        &self.data
    }

    /// Raw JSON requests, for exact wire answers.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The test tap: every message the broker accepted and delivered.
    pub fn tap(&self) -> MessageTap {
        MessageTap::new(self.api.clone())
    }

    /// What rule actions delivered into the fake sinks.
    pub fn sinks(&self) -> SinkInspector {
        SinkInspector::new(self.api.clone())
    }

    /// A device to create: a thing, an active certificate and a policy.
    pub fn device(&self, thing_name: &str) -> DeviceBuilder<'_> {
        DeviceBuilder::new(self, thing_name)
    }

    /// An MQTT client over plain TCP (no certificate; the emulator's
    /// `tcp_principal` decides what it may do), connected.
    pub async fn mqtt_client(&self, client_id: &str) -> Result<MqttClient> {
        MqttClient::connect_tcp(client_id, self.mqtt_addr()?).await
    }

    /// A recorder of every message on `filter`, over plain TCP, subscribed once this
    /// returns.
    pub async fn record(&self, filter: &str) -> Result<MessageRecorder> {
        static N: AtomicU64 = AtomicU64::new(0);
        let id = format!(
            "harness-recorder-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        MessageRecorder::start(self.mqtt_client(&id).await?, filter).await
    }

    /// `POST /_emulator/reset`: empties all state (the root CA stays).
    pub async fn reset(&self) -> Result<()> {
        self.api.send(http::Method::POST, "/_emulator/reset", None, None).await?.success()?;
        Ok(())
    }

    /// Stops an in-process emulator and waits until it has (its listeners are
    /// closed); removes a container; leaves a remote emulator running.
    pub async fn shutdown(mut self) -> Result<()> {
        match &mut self.backend {
            Backend::InProcess { stop, stopped } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(stopped) = stopped.take() {
                    tokio::time::timeout(START_TIMEOUT, stopped)
                        .await
                        .context("the emulator did not stop in time")?
                        .ok();
                }
            }
            Backend::Remote => {}
            #[cfg(feature = "docker")]
            Backend::Container(_) => {
                let backend = std::mem::replace(&mut self.backend, Backend::Remote);
                if let Backend::Container(container) = backend {
                    container.rm().await.context("removing the container")?;
                }
            }
        }
        Ok(())
    }

    #[cfg(feature = "docker")]
    pub(crate) fn container_backend(
        container: testcontainers::ContainerAsync<crate::container::IotEmulatorImage>,
    ) -> Backend {
        Backend::Container(Box::new(container))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Backend::InProcess { stop, .. } = &mut self.backend
            && let Some(stop) = stop.take()
        {
            let _ = stop.send(());
        }
    }
}

/// The host of an `http://host:port` URL.
fn url_host(url: &str) -> Result<String> {
    let rest =
        url.strip_prefix("http://").with_context(|| format!("{url} is not an http:// URL"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((host, _port)) if !host.is_empty() => Ok(host.to_owned()),
        _ if !authority.is_empty() => Ok(authority.to_owned()),
        _ => bail!("{url} has no host"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_addresses_become_loopback() {
        let e = loopback(BTreeMap::from([
            ("http".to_owned(), "0.0.0.0:4566".to_owned()),
            ("mqtt".to_owned(), "[::]:1883".to_owned()),
            ("mqtts".to_owned(), "127.0.0.1:8883".to_owned()),
        ]));
        assert_eq!(e["http"], "127.0.0.1:4566");
        assert_eq!(e["mqtt"], "[::1]:1883");
        assert_eq!(e["mqtts"], "127.0.0.1:8883");
    }

    #[test]
    fn url_hosts() {
        assert_eq!(url_host("http://localhost:4566").unwrap(), "localhost");
        assert_eq!(url_host("http://10.0.0.2:4566/").unwrap(), "10.0.0.2");
        assert_eq!(url_host("http://emulator").unwrap(), "emulator");
        assert!(url_host("https://x:1").is_err());
        assert!(url_host("http://").is_err());
    }
}
