//! Benchmark of the MQTT broker against mosquitto and rumqttd: messages per second
//! 1 → 1 at QoS 0 and QoS 1 (with end-to-end latency), deliveries per second 1 → 100 at
//! QoS 0, and the broker's memory for 10 000 idle connections. Prints figures; asserts
//! nothing but that the setup works.
//!
//! Run with `scripts/bench-broker`, which installs the baselines (mosquitto from Debian,
//! rumqttd with `cargo install`), raises the open-file limit and runs
//! `cargo bench -p iot-emulator --bench broker` with `MOSQUITTO_BIN` and `RUMQTTD_BIN`
//! set. A baseline whose binary is missing is skipped, loudly.
//!
//! Brokers, each a child process on 127.0.0.1 (killed when the bench ends or panics):
//! the emulator over mutual TLS (a registered certificate with a policy, created through
//! its HTTP API) and on plain TCP, mosquitto with its defaults and with
//! `set_tcp_nodelay true`, and rumqttd. The load client is the same for all of them:
//! `broker_client`, MQTT 3.1.1 written by hand in batches on TCP or TLS streams in
//! this process (TCP_NODELAY on), cheap enough that the brokers, not the client, set
//! the pace on the 2 shared cores; raw sockets too for the idle connections.
//! `BROKER_BENCH_ONLY` (comma-separated substrings of broker names, plus `memory`)
//! narrows a run. Every throughput run is done twice: open loop (the
//! publisher sends as fast as it can; a broker that accepts faster than it delivers
//! drops) and closed loop (the publisher keeps at most `WINDOW` messages on their way).
//! Every run is bounded in count and in time.
use std::io::{BufRead, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream as StdTcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rumqttc::QoS;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf};
use tokio::sync::watch;

mod broker_client;
use broker_client::{self as client, Conn};

const BIN: &str = env!("CARGO_BIN_EXE_iot-emulator");
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// Payload size of every measured message.
const PAYLOAD: usize = 100;
/// Messages of the saturated 1 → 1 runs.
const MESSAGES_QOS0: u64 = 200_000;
const MESSAGES_QOS1: u64 = 100_000;
/// Closed-loop runs: when this many of its messages have not yet reached every
/// subscriber, the publisher waits until half of them have (below the brokers'
/// 1000-message session queues, so a broker is never asked to queue more than it keeps).
const WINDOW: u64 = 500;
/// The paced latency runs: messages at a fixed rate well below every broker's capacity.
const PACED_MESSAGES: u64 = 2_000;
const PACED_INTERVAL: Duration = Duration::from_micros(1_000);
/// Fan-out: subscribers on one topic, and messages published to it.
const FANOUT_SUBSCRIBERS: usize = 100;
const FANOUT_MESSAGES: u64 = 10_000;
/// Upper bound on one measured run (publishing and draining).
const RUN_CAP: Duration = Duration::from_secs(20);
/// A run ends early when no message arrived for this long after publishing ended.
const IDLE_END: Duration = Duration::from_secs(1);
/// Upper bound on connecting, subscribing, HTTP setup and broker start.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections of the memory test, and connect tasks opening them.
const IDLE_CONNECTIONS: usize = 10_000;
const CONNECT_TASKS: usize = 32;

// ---------------------------------------------------------------------------------------
// Child processes

/// A broker process; killed and reaped on drop.
struct Proc {
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time (user + system) the process has used so far.
    fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
    }

    /// Resident memory in KiB (VmRSS).
    fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

/// CPU time of the whole machine (all cores, not idle or iowait) so far.
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal ...
    let busy = v.get(0..3)?.iter().sum::<u64>() + v.get(5..8)?.iter().sum::<u64>();
    Some(Duration::from_secs_f64(busy as f64 / clock_ticks() as f64))
}

/// CPU time of this process (the load client) so far.
fn self_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

fn cores() -> f64 {
    std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64)
}

fn clock_ticks() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// A free port on 127.0.0.1 (bound, then released for the child to take).
fn free_port() -> u16 {
    StdTcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until `addr` accepts TCP connections, or the child exits.
fn wait_listening(proc: &mut Proc, addr: SocketAddr, log: &Path) {
    let until = Instant::now() + TIMEOUT;
    loop {
        if StdTcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = proc.child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("broker exited ({status}) before listening on {addr}; its log:\n{log}");
        }
        assert!(Instant::now() < until, "broker not listening on {addr} within {TIMEOUT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The emulator on free ports; the listener addresses from its `ready` line.
struct Emulator {
    proc: Proc,
    http: String,
    mqtt: SocketAddr,
    mqtts: SocketAddr,
    /// Its stderr (warnings only).
    log: PathBuf,
}

fn start_emulator(dir: &Path) -> Emulator {
    static STARTS: AtomicUsize = AtomicUsize::new(0);
    let log = dir.join(format!("emulator-{}.log", STARTS.fetch_add(1, Ordering::Relaxed)));
    let mut child = Command::new(BIN)
        .args(["--http-port", "0", "--log", "warn"])
        .env("IOTEMU_MQTT_PORT", "0")
        .env("IOTEMU_MQTTS_PORT", "0")
        .env("IOTEMU_MQTTS_ALPN_PORT", "0")
        .env("IOTEMU_ACCOUNT_ID", ACCOUNT)
        .env("IOTEMU_REGION", REGION)
        .env_remove("IOTEMU_DATA_DIR")
        .env_remove("IOTEMU_TCP_PRINCIPAL")
        .env_remove("IOTEMU_COMPAT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {BIN}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let proc = Proc { child };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("ready ") => break Some(line),
                Some(Ok(_)) => continue,
                _ => break None,
            }
        };
        let _ = tx.send(ready);
        for _ in lines {}
    });
    let line = match rx.recv_timeout(TIMEOUT) {
        Ok(Some(line)) => line,
        Ok(None) => panic!(
            "iot-emulator exited before printing its ready line; its log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        ),
        Err(_) => panic!("iot-emulator printed no ready line within {TIMEOUT:?}"),
    };
    let endpoints: serde_json::Value =
        serde_json::from_str(&line["ready ".len()..]).expect("ready line is JSON");
    let addr = |name: &str| -> SocketAddr {
        endpoints[name]
            .as_str()
            .unwrap_or_else(|| panic!("ready line names {name}: {line}"))
            .parse()
            .unwrap()
    };
    Emulator { http: addr("http").to_string(), mqtt: addr("mqtt"), mqtts: addr("mqtts"), proc, log }
}

/// mosquitto with its defaults, anonymous on one listener; `nodelay` adds
/// `set_tcp_nodelay true` (Nagle's algorithm off, as the emulator has it).
fn start_mosquitto(bin: &Path, dir: &Path, nodelay: bool) -> (Proc, SocketAddr) {
    let port = free_port();
    let conf = dir.join(format!("mosquitto-{port}.conf"));
    let mut text = format!("listener {port} 127.0.0.1\nallow_anonymous true\n");
    if nodelay {
        text.push_str("set_tcp_nodelay true\n");
    }
    std::fs::write(&conf, text).unwrap();
    let log = dir.join(format!("mosquitto-{port}.log"));
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {}: {e}", bin.display()));
    let mut proc = Proc { child };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_listening(&mut proc, addr, &log);
    (proc, addr)
}

fn start_rumqttd(bin: &Path, dir: &Path) -> (Proc, SocketAddr) {
    let port = free_port();
    // The demo configuration (rumqttd.toml in the crate) with one v4 listener on our port,
    // no v5/websocket/console/prometheus listeners, no delay between accepted connections
    // (the demo's 1 ms caps accepts at 1000/s), room for the 10k connections, and
    // larger outgoing batches.
    let conf = dir.join(format!("rumqttd-{port}.toml"));
    std::fs::write(
        &conf,
        format!(
            r#"id = 0

[router]
id = 0
max_connections = 20010
max_outgoing_packet_count = 1000
max_segment_size = 104857600
max_segment_count = 10

[v4.1]
name = "v4-1"
listen = "127.0.0.1:{port}"
next_connection_delay_ms = 0
    [v4.1.connections]
    connection_timeout_ms = 60000
    max_payload_size = 20480
    max_inflight_count = 100
    dynamic_filters = true
"#
        ),
    )
    .unwrap();
    let log = dir.join(format!("rumqttd-{port}.log"));
    let child = Command::new(bin)
        .arg("--quiet")
        .arg("--config")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {}: {e}", bin.display()));
    let mut proc = Proc { child };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_listening(&mut proc, addr, &log);
    (proc, addr)
}

/// A baseline binary: the env var, else the usual places; `None` says why not.
fn find_binary(var: &str, candidates: &[PathBuf]) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(var) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{var}={} does not exist", path.display()))
        };
    }
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| format!("{var} is not set and none of {candidates:?} exists"))
}

fn version_of(bin: &Path, args: &[&str]) -> String {
    Command::new(bin)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            text.lines().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

// ---------------------------------------------------------------------------------------
// HTTP: the device's certificate, thing and policy through the emulator's API

async fn http(
    addr: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> Bytes {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connecting to the emulator");
    let (mut sender, conn) =
        http1::handshake(TokioIo::new(stream)).await.expect("HTTP/1 handshake");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = Request::builder()
        .method(method.clone())
        .uri(path)
        .header("host", addr)
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body))).unwrap();
    let resp = tokio::time::timeout(TIMEOUT, sender.send_request(req))
        .await
        .expect("HTTP request timed out")
        .expect("HTTP request");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("HTTP body").to_bytes();
    assert!(
        status.is_success(),
        "{method} {path} answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    body
}

/// Creates an ACTIVE certificate, a thing it is attached to and a policy attached to it
/// that allows client ids `bench-*` to connect and to publish, subscribe and receive on
/// `bench/*`; returns the TLS configuration of a device holding that certificate.
async fn device_tls(emulator: &Emulator) -> Arc<rustls::ClientConfig> {
    let addr = emulator.http.as_str();
    let ca = http(addr, Method::GET, "/_emulator/ca.pem", &[], String::new()).await;
    let cert: serde_json::Value = serde_json::from_slice(
        &http(addr, Method::POST, "/keys-and-certificate?setAsActive=true", &[], "{}".into()).await,
    )
    .unwrap();
    let cert_arn = cert["certificateArn"].as_str().expect("certificateArn").to_owned();
    let cert_pem = cert["certificatePem"].as_str().expect("certificatePem").to_owned();
    let key_pem = cert["keyPair"]["PrivateKey"].as_str().expect("keyPair.PrivateKey").to_owned();
    http(addr, Method::POST, "/things/bench-device", &[], "{}".into()).await;
    http(
        addr,
        Method::PUT,
        "/things/bench-device/principals",
        &[("x-amzn-principal", &cert_arn)],
        String::new(),
    )
    .await;
    let arn = format!("arn:aws:iot:{REGION}:{ACCOUNT}");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": format!("{arn}:client/bench-*")},
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": format!("{arn}:topic/bench/*")},
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": format!("{arn}:topicfilter/bench/*")},
        ]
    });
    http(
        addr,
        Method::POST,
        "/policies/bench-device",
        &[],
        serde_json::json!({ "policyDocument": policy.to_string() }).to_string(),
    )
    .await;
    http(
        addr,
        Method::PUT,
        "/target-policies/bench-device",
        &[],
        serde_json::json!({ "target": cert_arn }).to_string(),
    )
    .await;

    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&ca) {
        roots.add(c.unwrap()).unwrap();
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
    Arc::new(config)
}

// ---------------------------------------------------------------------------------------
// MQTT load client

/// Where the load client connects.
#[derive(Clone)]
struct Target {
    name: &'static str,
    addr: SocketAddr,
    /// Mutual TLS with this configuration, to `localhost` (the name the emulator's
    /// server certificate carries).
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The broker's log (stderr), when the bench keeps it.
    log: Option<PathBuf>,
}

impl Target {
    /// Lines of the broker's log containing `needle`.
    fn log_matches(&self, needle: &str) -> usize {
        self.log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map_or(0, |log| log.lines().filter(|l| l.contains(needle)).count())
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_nanos() -> u64 {
    epoch().elapsed().as_nanos() as u64
}

const KIND_PROBE: u8 = 0;
const KIND_DATA: u8 = 1;

/// 100 bytes: sequence number, send time (ns since the bench's epoch), kind, padding.
fn payload(seq: u64, kind: u8) -> Bytes {
    let mut p = vec![b'x'; PAYLOAD];
    p[0..8].copy_from_slice(&seq.to_le_bytes());
    p[8..16].copy_from_slice(&now_nanos().to_le_bytes());
    p[16] = kind;
    Bytes::from(p)
}

/// Connects a load client, or panics with the broker's name.
async fn connect(target: &Target, client_id: &str) -> Conn {
    match tokio::time::timeout(TIMEOUT, Conn::connect(target.addr, target.tls.as_ref(), client_id))
        .await
    {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => panic!("{} {client_id}: connecting: {e}", target.name),
        Err(_) => panic!("{} {client_id}: no CONNACK within {TIMEOUT:?}", target.name),
    }
}

/// QoS 1 messages the publisher keeps unacknowledged at most (rumqttc's default, and
/// the emulator's and rumqttd's in-flight window).
const PUBLISHER_INFLIGHT: u64 = 100;
/// Encoded publishes the publisher gathers before writing them in one go.
const PUBLISH_BATCH: usize = 16 * 1024;

/// Counters a run's subscribers share with the run.
struct Shared {
    received: AtomicU64,
    probed: AtomicUsize,
    /// Per subscriber: the highest sequence number received (closed-loop window).
    last_seq: Vec<AtomicU64>,
    /// Signalled on every received message (the closed-loop publisher waits on it).
    progress: tokio::sync::Notify,
}

impl Shared {
    fn new(subscribers: usize) -> Shared {
        Shared {
            received: AtomicU64::new(0),
            probed: AtomicUsize::new(0),
            last_seq: (0..subscribers).map(|_| AtomicU64::new(0)).collect(),
            progress: tokio::sync::Notify::new(),
        }
    }

    /// The sequence number every subscriber has reached.
    fn slowest(&self) -> u64 {
        self.last_seq.iter().map(|s| s.load(Ordering::Relaxed)).min().unwrap_or(0)
    }
}

/// What one subscriber saw of the measured messages.
struct SubStats {
    received: u64,
    last_at: Option<Instant>,
    latencies_us: Vec<u32>,
    error: Option<String>,
}

async fn subscriber_pump(
    index: usize,
    mut conn: Conn,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> SubStats {
    let mut stats = SubStats { received: 0, last_at: None, latencies_us: Vec::new(), error: None };
    let mut probed = false;
    let mut acks = BytesMut::new();
    loop {
        loop {
            let (header, body) = match client::next_packet(&mut conn.buf) {
                Ok(Some(packet)) => packet,
                Ok(None) => break,
                Err(e) => {
                    stats.error = Some(e.to_string());
                    return stats;
                }
            };
            let Some((qos, pkid, payload)) = client::parse_publish(header, &body) else {
                continue;
            };
            if qos > 0 {
                client::put_puback(&mut acks, pkid);
            }
            let now = now_nanos();
            if payload.len() != PAYLOAD {
                continue;
            }
            if payload[16] == KIND_PROBE {
                if !probed {
                    probed = true;
                    shared.probed.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let seq = u64::from_le_bytes(payload[0..8].try_into().unwrap());
            let sent = u64::from_le_bytes(payload[8..16].try_into().unwrap());
            shared.last_seq[index].fetch_max(seq, Ordering::Relaxed);
            stats.received += 1;
            stats.last_at = Some(Instant::now());
            stats.latencies_us.push((now.saturating_sub(sent) / 1_000).min(u32::MAX as u64) as u32);
            shared.received.fetch_add(1, Ordering::Relaxed);
        }
        shared.progress.notify_one();
        if !acks.is_empty()
            && let Err(e) = conn.wr.write_all(&acks.split()).await
        {
            stats.error = Some(e.to_string());
            break;
        }
        let read = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            read = conn.rd.read_buf(&mut conn.buf) => read,
        };
        match read {
            Ok(0) => {
                stats.error = Some("closed by the broker".into());
                break;
            }
            Ok(_) => {}
            Err(e) => {
                stats.error = Some(e.to_string());
                break;
            }
        }
    }
    stats
}

/// Counts the publisher's PUBACKs until `stop`.
async fn publisher_acks(
    mut conn_rd: ReadHalf<Box<dyn client::Io>>,
    mut buf: BytesMut,
    acks: Arc<PubAcks>,
    mut stop: watch::Receiver<bool>,
) -> Option<String> {
    loop {
        loop {
            match client::next_packet(&mut buf) {
                Ok(Some((header, body))) => {
                    if client::parse_puback(header, &body).is_some() {
                        acks.count.fetch_add(1, Ordering::Relaxed);
                        acks.arrived.notify_one();
                    }
                }
                Ok(None) => break,
                Err(e) => return Some(e.to_string()),
            }
        }
        let read = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => return None,
            read = conn_rd.read_buf(&mut buf) => read,
        };
        match read {
            Ok(0) => return Some("closed by the broker".into()),
            Ok(_) => {}
            Err(e) => return Some(e.to_string()),
        }
    }
}

/// PUBACKs the publisher has received.
#[derive(Default)]
struct PubAcks {
    count: AtomicU64,
    arrived: tokio::sync::Notify,
}

#[derive(Clone, Default)]
struct RunResult {
    expected: u64,
    delivered: u64,
    /// From the first publish to the last delivery.
    secs: f64,
    rate: f64,
    p50_us: u32,
    p99_us: u32,
    /// Broker CPU time (user + system) per delivered message.
    broker_cpu_us: Option<f64>,
    /// Shares of the machine (all cores) used by the broker, the load client and
    /// anything else during the run, in percent.
    broker_pct: Option<f64>,
    client_pct: Option<f64>,
    others_pct: Option<f64>,
    note: String,
}

impl RunResult {
    fn loss_pct(&self) -> f64 {
        if self.expected == 0 {
            return 0.0;
        }
        100.0 * (self.expected - self.delivered.min(self.expected)) as f64 / self.expected as f64
    }
}

/// How the publisher sends.
#[derive(Clone, Copy)]
enum Load {
    /// As fast as the publisher goes (open loop: only TCP and, at QoS 1, the publisher's
    /// 100 in-flight messages hold it back).
    Open,
    /// Closed loop: when `WINDOW` messages have not yet reached every subscriber, wait
    /// until only half of them are still on their way.
    Window,
    /// One message per interval.
    Paced(Duration),
}

/// One measured run: `subscribers` clients subscribe to one topic at `qos`, one publisher
/// sends `messages` to it as `load` says, and the run counts what arrives.
async fn run(
    target: &Target,
    broker: &Proc,
    label: &str,
    qos: QoS,
    subscribers: usize,
    messages: u64,
    load: Load,
) -> RunResult {
    let qos = qos as u8;
    let topic = format!("bench/{label}/data");
    let shared = Arc::new(Shared::new(subscribers));
    let warnings_before = target.log_matches("queue full");
    let (stop_tx, stop_rx) = watch::channel(false);

    let mut subs = Vec::with_capacity(subscribers);
    for i in 0..subscribers {
        let id = format!("bench-{label}-sub-{i}");
        let mut conn = connect(target, &id).await;
        tokio::time::timeout(TIMEOUT, conn.subscribe(&topic, qos))
            .await
            .unwrap_or_else(|_| panic!("{} {id}: no SUBACK within {TIMEOUT:?}", target.name))
            .unwrap_or_else(|e| panic!("{} {id}: subscribing: {e}", target.name));
        subs.push(tokio::spawn(subscriber_pump(i, conn, shared.clone(), stop_rx.clone())));
    }
    let publisher = connect(target, &format!("bench-{label}-pub")).await;
    let Conn { rd: pub_rd, wr: mut pub_wr, buf: pub_buf } = publisher;
    let acks = Arc::new(PubAcks::default());
    let pub_pump = tokio::spawn(publisher_acks(pub_rd, pub_buf, acks.clone(), stop_rx.clone()));
    // QoS 1 publishes sent, probes included (in flight = sent - acknowledged).
    let mut sent_qos1 = 0u64;
    let mut batch = BytesMut::with_capacity(PUBLISH_BATCH + 1024);

    // Every subscriber sees a probe before anything is measured.
    let until = Instant::now() + TIMEOUT;
    while shared.probed.load(Ordering::Relaxed) < subscribers {
        assert!(
            Instant::now() < until,
            "{} {label}: only {} of {subscribers} subscribers got a probe within {TIMEOUT:?}",
            target.name,
            shared.probed.load(Ordering::Relaxed)
        );
        sent_qos1 += u64::from(qos);
        client::put_publish(&mut batch, &topic, qos, pkid(sent_qos1), &payload(0, KIND_PROBE));
        pub_wr.write_all(&batch.split()).await.expect("publishing a probe");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let expected = messages * subscribers as u64;
    let cpu_before = broker.cpu_time();
    let (machine_before, self_before) = (machine_busy(), self_cpu());
    let started = Instant::now();
    let cap = started + RUN_CAP;
    let mut note = String::new();
    'publish: for seq in 1..=messages {
        let window_full = |acked: u64| qos == 1 && sent_qos1 - acked >= PUBLISHER_INFLIGHT;
        let will_wait = match load {
            Load::Open => false,
            Load::Paced(_) => true,
            Load::Window => seq - 1 - shared.slowest().min(seq - 1) >= WINDOW,
        } || window_full(acks.count.load(Ordering::Relaxed));
        if will_wait
            && !batch.is_empty()
            && let Err(e) = pub_wr.write_all(&batch.split()).await
        {
            note = format!("publisher: {e}");
            break;
        }
        match load {
            Load::Open => {}
            Load::Paced(pace) => {
                tokio::time::sleep_until((started + pace * (seq as u32 - 1)).into()).await;
            }
            Load::Window if seq - 1 - shared.slowest().min(seq - 1) >= WINDOW => {
                // Refill in batches: wait until half the window has arrived.
                while seq - 1 - shared.slowest().min(seq - 1) > WINDOW / 2 {
                    if Instant::now() >= cap {
                        note = format!(
                            "publishing stopped at the {RUN_CAP:?} cap after {} messages",
                            seq - 1
                        );
                        break 'publish;
                    }
                    let _ =
                        tokio::time::timeout(Duration::from_millis(5), shared.progress.notified())
                            .await;
                }
            }
            Load::Window => {}
        }
        while window_full(acks.count.load(Ordering::Relaxed)) {
            if Instant::now() >= cap {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(5), acks.arrived.notified()).await;
        }
        if Instant::now() >= cap {
            note = format!("publishing stopped at the {RUN_CAP:?} cap after {} messages", seq - 1);
            break;
        }
        sent_qos1 += u64::from(qos);
        client::put_publish(&mut batch, &topic, qos, pkid(sent_qos1), &payload(seq, KIND_DATA));
        if (batch.len() >= PUBLISH_BATCH || matches!(load, Load::Paced(_)))
            && let Err(e) = pub_wr.write_all(&batch.split()).await
        {
            note = format!("publisher: {e}");
            break;
        }
    }
    if !batch.is_empty()
        && let Err(e) = pub_wr.write_all(&batch.split()).await
    {
        note = format!("publisher: {e}");
    }

    // Drain: until everything arrived, nothing arrived for IDLE_END, or the cap.
    let mut last_count = shared.received.load(Ordering::Relaxed);
    let mut last_progress = Instant::now();
    loop {
        let n = shared.received.load(Ordering::Relaxed);
        if n >= expected {
            break;
        }
        if n != last_count {
            last_count = n;
            last_progress = Instant::now();
        }
        if last_progress.elapsed() >= IDLE_END {
            break;
        }
        if Instant::now() >= cap + IDLE_END {
            if note.is_empty() {
                note = format!("draining stopped at the {RUN_CAP:?} cap");
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cpu_after = broker.cpu_time();
    let (machine_after, self_after) = (machine_busy(), self_cpu());
    let window = started.elapsed().as_secs_f64();
    stop_tx.send_replace(true);

    let mut delivered = 0;
    let mut last_at = started;
    let mut latencies = Vec::new();
    for s in subs {
        let s = s.await.expect("a subscriber task panicked");
        if let Some(e) = s.error {
            note.push_str(&format!(" subscriber error: {e};"));
        }
        delivered += s.received;
        if let Some(at) = s.last_at {
            last_at = last_at.max(at);
        }
        latencies.extend(s.latencies_us);
    }
    if let Some(e) = pub_pump.await.expect("the publisher task panicked") {
        note.push_str(&format!(" publisher error: {e};"));
    }
    drop(pub_wr);
    let dropped_warnings = target.log_matches("queue full").saturating_sub(warnings_before);
    if dropped_warnings > 0 {
        note.push_str(&format!(
            " broker logged {dropped_warnings} \"session queue full, QoS 1 message dropped\";"
        ));
    }
    latencies.sort_unstable();
    let secs = (last_at - started).as_secs_f64().max(1e-9);
    let cpu_secs = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some((a - b).as_secs_f64()),
        _ => None,
    };
    // The share of the machine used by neither the broker nor the load client: other
    // work on a shared machine makes a run slower.
    let diff = |a: Option<Duration>, b: Option<Duration>| Some(a?.checked_sub(b?)?.as_secs_f64());
    let others =
        match (diff(machine_after, machine_before), diff(self_after, self_before), cpu_secs) {
            (Some(m), Some(c), Some(b)) => {
                Some(((m - c - b) / (window * cores())).max(0.0) * 100.0)
            }
            _ => None,
        };
    let client_pct = diff(self_after, self_before).map(|c| c / (window * cores()) * 100.0);
    let broker_pct = cpu_secs.map(|b| b / (window * cores()) * 100.0);
    let result = RunResult {
        expected,
        delivered,
        secs,
        rate: delivered as f64 / secs,
        p50_us: if latencies.is_empty() { 0 } else { percentile(&latencies, 50.0) },
        p99_us: if latencies.is_empty() { 0 } else { percentile(&latencies, 99.0) },
        broker_cpu_us: cpu_secs.map(|c| c * 1e6 / delivered.max(1) as f64),
        broker_pct,
        client_pct,
        others_pct: others,
        note: note.trim().to_owned(),
    };
    println!(
        "    {label:<14} {delivered:>8}/{expected:<8} in {:>6.2} s = {:>9.0}/s  loss {:>5.1}%  p50 {:>8.2} ms  p99 {:>8.2} ms  broker {:>6} us/msg  CPU broker/client/other {}/{}/{}%{}",
        result.secs,
        result.rate,
        result.loss_pct(),
        result.p50_us as f64 / 1000.0,
        result.p99_us as f64 / 1000.0,
        result.broker_cpu_us.map(|c| format!("{c:.1}")).unwrap_or_else(|| "?".into()),
        pct(result.broker_pct),
        pct(result.client_pct),
        pct(result.others_pct),
        if result.note.is_empty() { String::new() } else { format!("  [{}]", result.note) },
    );
    // Let the broker finish closing the run's connections.
    tokio::time::sleep(Duration::from_millis(300)).await;
    result
}

/// The packet id of the `n`th QoS 1 publish: never 0, unique among any 65 535 in a row.
fn pkid(n: u64) -> u16 {
    (n % 65_535) as u16 + 1
}

fn pct(p: Option<f64>) -> String {
    p.map_or_else(|| "?".to_owned(), |p| format!("{p:.0}"))
}

fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Clone, Default)]
struct BrokerResults {
    qos0_open: RunResult,
    qos0: RunResult,
    qos1_open: RunResult,
    qos1: RunResult,
    paced0: RunResult,
    paced1: RunResult,
    fanout_open: RunResult,
    fanout: RunResult,
}

async fn throughput(target: &Target, broker: &Proc) -> BrokerResults {
    use QoS::{AtLeastOnce as Q1, AtMostOnce as Q0};
    println!("\n[{}] {} (pid {})", target.name, target.addr, broker.pid());
    let paced = Load::Paced(PACED_INTERVAL);
    let subs = FANOUT_SUBSCRIBERS;
    BrokerResults {
        qos0_open: run(target, broker, "qos0-open", Q0, 1, MESSAGES_QOS0, Load::Open).await,
        qos0: run(target, broker, "qos0-window", Q0, 1, MESSAGES_QOS0, Load::Window).await,
        qos1_open: run(target, broker, "qos1-open", Q1, 1, MESSAGES_QOS1, Load::Open).await,
        qos1: run(target, broker, "qos1-window", Q1, 1, MESSAGES_QOS1, Load::Window).await,
        paced0: run(target, broker, "qos0-paced", Q0, 1, PACED_MESSAGES, paced).await,
        paced1: run(target, broker, "qos1-paced", Q1, 1, PACED_MESSAGES, paced).await,
        fanout_open: run(target, broker, "fanout-open", Q0, subs, FANOUT_MESSAGES, Load::Open)
            .await,
        fanout: run(target, broker, "fanout-window", Q0, subs, FANOUT_MESSAGES, Load::Window).await,
    }
}

// ---------------------------------------------------------------------------------------
// Idle connections

/// The soft limit on open files of this process (children inherit it).
fn nofile_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

struct MemoryResult {
    connections: usize,
    before_kib: u64,
    after_kib: u64,
    secs: f64,
}

/// Opens `count` MQTT 3.1.1 connections with raw sockets (CONNECT written with rumqttc's
/// codec, CONNACK read and checked), holds them, and reads the broker's VmRSS.
async fn idle_memory(name: &str, addr: SocketAddr, broker: &Proc, count: usize) -> MemoryResult {
    // Settle after start, then the baseline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before_kib = broker.rss_kib().expect("reading VmRSS");
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECT_TASKS)
        .map(|_| {
            let next = next.clone();
            let failed = failed.clone();
            tokio::spawn(async move {
                let mut held = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let open = async {
                        let mut s = tokio::net::TcpStream::connect(addr).await?;
                        let mut connect = rumqttc::mqttbytes::v4::Connect::new(format!("idle-{i}"));
                        connect.keep_alive = 1_200;
                        let mut buf = BytesMut::new();
                        connect
                            .write(&mut buf)
                            .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
                        s.write_all(&buf).await?;
                        let mut connack = [0u8; 4];
                        s.read_exact(&mut connack).await?;
                        if connack[0] != 0x20 || connack[1] != 0x02 || connack[3] != 0x00 {
                            return Err(std::io::Error::other(format!(
                                "bad CONNACK {connack:02x?}"
                            )));
                        }
                        Ok::<_, std::io::Error>(s)
                    };
                    match tokio::time::timeout(TIMEOUT, open).await {
                        Ok(Ok(s)) => held.push(s),
                        Ok(Err(e)) => {
                            eprintln!("    connection {i}: {e}");
                            failed.store(true, Ordering::Relaxed);
                        }
                        Err(_) => {
                            eprintln!("    connection {i}: no CONNACK within {TIMEOUT:?}");
                            failed.store(true, Ordering::Relaxed);
                        }
                    }
                }
                held
            })
        })
        .collect();
    let mut held = Vec::with_capacity(count);
    for t in tasks {
        held.extend(t.await.expect("a connect task panicked"));
    }
    let secs = started.elapsed().as_secs_f64();
    assert!(
        !failed.load(Ordering::Relaxed),
        "{name}: opening idle connections failed after {} of {count}",
        held.len()
    );
    // Let the broker settle, then read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_kib = broker.rss_kib().expect("reading VmRSS");
    let connections = held.len();
    println!(
        "    {name:<22} {connections} connections opened in {secs:.2} s; VmRSS {:.1} MB -> {:.1} MB (+{:.1} MB, {:.1} KB/connection)",
        before_kib as f64 / 1024.0,
        after_kib as f64 / 1024.0,
        (after_kib.saturating_sub(before_kib)) as f64 / 1024.0,
        after_kib.saturating_sub(before_kib) as f64 / connections as f64,
    );
    drop(held);
    MemoryResult { connections, before_kib, after_kib, secs }
}

// ---------------------------------------------------------------------------------------

fn nproc() -> String {
    Command::new("nproc")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "?".to_owned())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// Whether the run includes the broker `name`: `BROKER_BENCH_ONLY` (a comma-separated
/// list of substrings, e.g. `emulator TCP,mosquitto`) narrows a run while working on
/// one broker; unset, every broker runs.
fn wanted(name: &str) -> bool {
    match std::env::var("BROKER_BENCH_ONLY") {
        Ok(only) if !only.trim().is_empty() => {
            only.split(',').map(str::trim).any(|part| !part.is_empty() && name.contains(part))
        }
        _ => true,
    }
}

fn skip_loudly(what: &str, why: &str) {
    eprintln!();
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!!! SKIPPING the {what} baseline: {why}");
    eprintln!("!!! (scripts/bench-broker installs it and sets the variable)");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!();
}

fn main() {
    let _ = epoch();
    println!("broker bench: {BIN}");
    println!(
        "machine: nproc = {}, cpu = {}; the brokers and the load client SHARE these cores",
        nproc(),
        cpu_model()
    );
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let mosquitto = find_binary(
        "MOSQUITTO_BIN",
        &[PathBuf::from("/usr/sbin/mosquitto"), PathBuf::from("/usr/bin/mosquitto")],
    );
    let rumqttd = find_binary("RUMQTTD_BIN", &[home.join(".cache/iot-emulator/tools/bin/rumqttd")]);
    let mosquitto_version = mosquitto.as_ref().ok().map(|b| version_of(b, &["-h"]));
    let rumqttd_version = rumqttd.as_ref().ok().map(|b| version_of(b, &["--version"]));
    match (&mosquitto, &mosquitto_version) {
        (Ok(b), Some(v)) => println!("mosquitto: {} ({v})", b.display()),
        (Err(why), _) => skip_loudly("mosquitto", why),
        _ => {}
    }
    match (&rumqttd, &rumqttd_version) {
        (Ok(b), Some(v)) => println!("rumqttd: {} ({v})", b.display()),
        (Err(why), _) => skip_loudly("rumqttd", why),
        _ => {}
    }
    println!(
        "load: {PAYLOAD}-byte payloads, MQTT 3.1.1, this bench's raw client (batched writes, TCP_NODELAY). 1->1: QoS 0 {MESSAGES_QOS0} msgs, QoS 1 {MESSAGES_QOS1} msgs; fan-out 1->{FANOUT_SUBSCRIBERS} QoS 0 {FANOUT_MESSAGES} msgs; each once open loop (publisher as fast as it goes) and once closed loop (at most {WINDOW} msgs not yet at every subscriber, refilled at half); paced: {PACED_MESSAGES} msgs, 1 per {PACED_INTERVAL:?}; each run capped at {RUN_CAP:?}"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();

    let mut results: Vec<(&'static str, BrokerResults)> = Vec::new();

    // (a) this broker over mutual TLS, with a registered certificate and a policy.
    if wanted("iot-emulator mTLS") {
        let emulator = start_emulator(dir.path());
        let tls = rt.block_on(device_tls(&emulator));
        let target = Target {
            name: "iot-emulator mTLS",
            addr: emulator.mqtts,
            tls: Some(tls),
            log: Some(emulator.log.clone()),
        };
        let r = rt.block_on(throughput(&target, &emulator.proc));
        results.push((target.name, r));
    }
    // (b) this broker on plain TCP (anonymous: no TLS, no policies).
    if wanted("iot-emulator TCP") {
        let emulator = start_emulator(dir.path());
        let target = Target {
            name: "iot-emulator TCP",
            addr: emulator.mqtt,
            tls: None,
            log: Some(emulator.log.clone()),
        };
        let r = rt.block_on(throughput(&target, &emulator.proc));
        results.push((target.name, r));
    }
    // (c) mosquitto, with its defaults, and with Nagle's algorithm off: the closed-loop
    // QoS 0 runs otherwise wait for delayed ACKs (the subscriber never sends anything).
    if let Ok(bin) = &mosquitto {
        for (name, nodelay) in [("mosquitto", false), ("mosquitto nodelay", true)] {
            if !wanted(name) {
                continue;
            }
            let (proc, addr) = start_mosquitto(bin, dir.path(), nodelay);
            let target = Target { name, addr, tls: None, log: None };
            let r = rt.block_on(throughput(&target, &proc));
            results.push((target.name, r));
        }
    }
    // (d) rumqttd.
    if let Ok(bin) = &rumqttd
        && wanted("rumqttd")
    {
        let (proc, addr) = start_rumqttd(bin, dir.path());
        let target = Target { name: "rumqttd", addr, tls: None, log: None };
        let r = rt.block_on(throughput(&target, &proc));
        results.push((target.name, r));
    }

    // 3. Idle connections.
    let limit = nofile_limit();
    let count = match limit {
        Some(l) if (l as usize) < IDLE_CONNECTIONS + 1_000 => {
            let fit = (l as usize).saturating_sub(1_000);
            eprintln!(
                "\n!!! open-file limit is {l}: opening only {fit} idle connections instead of {IDLE_CONNECTIONS} (run `ulimit -n 65536` first, as scripts/bench-broker does)\n"
            );
            fit
        }
        _ => IDLE_CONNECTIONS,
    };
    println!(
        "\n[memory] {count} idle MQTT connections (raw sockets, CONNECT/CONNACK, keep-alive 1200 s), fresh broker each; open-file limit {}",
        limit.map(|l| l.to_string()).unwrap_or_else(|| "?".into())
    );
    let mut memory: Vec<(&'static str, MemoryResult)> = Vec::new();
    if count > 0 && wanted("memory") {
        if wanted("iot-emulator TCP") {
            let emulator = start_emulator(dir.path());
            let m =
                rt.block_on(idle_memory("iot-emulator TCP", emulator.mqtt, &emulator.proc, count));
            memory.push(("iot-emulator TCP", m));
        }
        if let Ok(bin) = &mosquitto
            && wanted("mosquitto")
        {
            let (proc, addr) = start_mosquitto(bin, dir.path(), false);
            memory.push(("mosquitto", rt.block_on(idle_memory("mosquitto", addr, &proc, count))));
        }
        if let Ok(bin) = &rumqttd
            && wanted("rumqttd")
        {
            let (proc, addr) = start_rumqttd(bin, dir.path());
            memory.push(("rumqttd", rt.block_on(idle_memory("rumqttd", addr, &proc, count))));
        }
    }
    drop(rt);

    // Summary.
    println!("\nsummary (nproc = {}; brokers and load client share the machine)", nproc());
    if let Some(v) = &mosquitto_version {
        println!("  mosquitto: {v}");
    }
    if let Some(v) = &rumqttd_version {
        println!("  rumqttd:   {v}");
    }
    let rate = |r: &RunResult| {
        if r.loss_pct() > 0.0 {
            format!("{:.0} ({:.1}% lost)", r.rate, r.loss_pct())
        } else {
            format!("{:.0}", r.rate)
        }
    };
    println!("\n  delivered per second, closed loop (window {WINDOW})");
    println!("  {:<18} {:>22} {:>22} {:>22}", "broker", "1->1 QoS 0", "1->1 QoS 1", "1->100 QoS 0");
    for (name, r) in &results {
        println!(
            "  {:<18} {:>22} {:>22} {:>22}",
            name,
            rate(&r.qos0),
            rate(&r.qos1),
            rate(&r.fanout)
        );
    }
    println!("\n  delivered per second, open loop (publisher as fast as it goes)");
    println!("  {:<18} {:>22} {:>22} {:>22}", "broker", "1->1 QoS 0", "1->1 QoS 1", "1->100 QoS 0");
    for (name, r) in &results {
        println!(
            "  {:<18} {:>22} {:>22} {:>22}",
            name,
            rate(&r.qos0_open),
            rate(&r.qos1_open),
            rate(&r.fanout_open)
        );
    }
    let ms = |us: u32| us as f64 / 1000.0;
    let lat = |x: &RunResult| format!("{:.2}/{:.2}", ms(x.p50_us), ms(x.p99_us));
    println!(
        "\n  {:<18} {:>14} {:>14} {:>14} {:>14}",
        "latency p50/p99 ms", "QoS0 paced", "QoS1 paced", "QoS0 window", "QoS1 window"
    );
    for (name, r) in &results {
        println!(
            "  {:<18} {:>14} {:>14} {:>14} {:>14}",
            name,
            lat(&r.paced0),
            lat(&r.paced1),
            lat(&r.qos0),
            lat(&r.qos1)
        );
    }
    let cpu = |x: &RunResult| x.broker_cpu_us.map(|c| format!("{c:.2}")).unwrap_or("?".into());
    println!(
        "\n  {:<18} {:>12} {:>12} {:>14}   (closed loop; per delivery)",
        "broker CPU us/msg", "QoS0", "QoS1", "fan-out"
    );
    for (name, r) in &results {
        println!("  {:<18} {:>12} {:>12} {:>14}", name, cpu(&r.qos0), cpu(&r.qos1), cpu(&r.fanout));
    }
    let mosquittos: Vec<&BrokerResults> =
        results.iter().filter(|(n, _)| n.starts_with("mosquitto")).map(|(_, r)| r).collect();
    if !mosquittos.is_empty() {
        let best = |f: fn(&BrokerResults) -> &RunResult| {
            mosquittos.iter().map(|r| f(r).rate).fold(0.0, f64::max)
        };
        let m = [
            best(|r| &r.qos0),
            best(|r| &r.qos0_open),
            best(|r| &r.qos1),
            best(|r| &r.qos1_open),
            best(|r| &r.fanout),
            best(|r| &r.fanout_open),
        ];
        println!(
            "\n  ratio to mosquitto's better configuration, delivered/s (closed loop | open loop)"
        );
        for (name, r) in &results {
            println!(
                "  {:<18} QoS0 {:>5.2}x | {:>5.2}x   QoS1 {:>5.2}x | {:>5.2}x   fan-out {:>5.2}x | {:>5.2}x",
                name,
                r.qos0.rate / m[0],
                r.qos0_open.rate / m[1],
                r.qos1.rate / m[2],
                r.qos1_open.rate / m[3],
                r.fanout.rate / m[4],
                r.fanout_open.rate / m[5],
            );
        }
    }
    println!(
        "\n  {:<18} {:>8} {:>11} {:>10} {:>10} {:>9}",
        "idle connections", "count", "RSS before", "RSS after", "delta MB", "KB/conn"
    );
    for (name, m) in &memory {
        let delta = m.after_kib.saturating_sub(m.before_kib);
        println!(
            "  {:<18} {:>8} {:>11.1} {:>10.1} {:>10.1} {:>9.1}   (opened in {:.1} s)",
            name,
            m.connections,
            m.before_kib as f64 / 1024.0,
            m.after_kib as f64 / 1024.0,
            delta as f64 / 1024.0,
            delta as f64 / m.connections.max(1) as f64,
            m.secs
        );
    }
    let _ = std::io::stdout().flush();
}
