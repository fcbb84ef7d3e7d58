//! Benchmark of the operator-facing edge: how fast the `iot-emulator` binary gets to its
//! `ready` line, and how many DescribeThing requests per second its HTTP edge serves as
//! the thing count grows from 100 to 100 000. Prints figures; asserts nothing but 200s.
//!
//! Run with `cargo bench -p iot-emulator --bench http_edge`. Everything runs on
//! 127.0.0.1 against child processes of the binary built for the bench profile, which
//! are killed when the bench ends (or panics).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_iot-emulator");

/// Starts measured for start-to-ready.
const STARTS: usize = 20;
/// Requests in flight while creating things.
const SEED_CONCURRENCY: usize = 16;
/// Keep-alive connections hammering DescribeThing.
const CONNECTIONS: usize = 32;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);
/// Upper bound on any one start or request, so the bench cannot hang.
const TIMEOUT: Duration = Duration::from_secs(30);
const SIZES: [usize; 2] = [100, 100_000];

// ---------------------------------------------------------------------------------------
// Child processes

/// A running emulator; killed and reaped on drop.
struct Emulator {
    child: Child,
    http: String,
    /// Wall time from spawn to the `ready` line.
    ready_after: Duration,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    /// Spawns the binary on free ports and waits for its `ready` line.
    fn start(data_dir: Option<&Path>) -> Emulator {
        let mut cmd = Command::new(BIN);
        cmd.args(["--http-port", "0", "--log", "warn"])
            // Listeners other than HTTP (if this build has them) must not clash either.
            .env("IOTEMU_MQTT_PORT", "0")
            .env("IOTEMU_MQTTS_PORT", "0")
            .env("IOTEMU_MQTTS_ALPN_PORT", "0")
            .env("IOTEMU_HTTPS_PORT", "0")
            .env_remove("IOTEMU_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(dir) = data_dir {
            cmd.arg("--data-dir").arg(dir);
        }
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawning {BIN}: {e}"));
        let stdout = child.stdout.take().unwrap();
        // Read the ready line on a thread so a silent child cannot hang the bench.
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
            let at = Instant::now();
            let _ = tx.send(ready.map(|l| (l, at)));
            // Keep draining so the child never blocks on a full pipe.
            for _ in lines {}
        });
        let mut emulator = Emulator { child, http: String::new(), ready_after: Duration::ZERO };
        let (line, at) = match rx.recv_timeout(TIMEOUT) {
            Ok(Some(ready)) => ready,
            Ok(None) => panic!("iot-emulator exited before printing its ready line"),
            Err(_) => panic!("iot-emulator printed no ready line within {TIMEOUT:?}"),
        };
        emulator.ready_after = at - started;
        let endpoints: serde_json::Value =
            serde_json::from_str(&line["ready ".len()..]).expect("ready line is JSON");
        emulator.http = endpoints["http"].as_str().expect("ready line names http").to_owned();
        emulator
    }

    /// CPU time (user + system) the child has used so far.
    fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
    }
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

// ---------------------------------------------------------------------------------------
// Statistics

/// Nearest-rank percentile of sorted values.
fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A xorshift64 generator: enough to pick thing names without a rand crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn thing_name(i: usize) -> String {
    format!("bench-thing-{i:06}")
}

// ---------------------------------------------------------------------------------------
// HTTP client: one raw hyper HTTP/1.1 keep-alive connection per task

struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    async fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connecting to the emulator");
        stream.set_nodelay(true).unwrap();
        let (sender, conn) =
            http1::handshake(TokioIo::new(stream)).await.expect("HTTP/1 handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Conn { sender, host: addr.to_owned() }
    }

    /// Sends one request and reads the whole response.
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&'static str>,
    ) -> (StatusCode, Bytes) {
        let mut req = Request::builder().method(method).uri(path).header("host", &self.host);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from_static(body.unwrap_or("").as_bytes()))).unwrap();
        let exchange = async {
            self.sender.ready().await.expect("connection closed");
            let resp = self.sender.send_request(req).await.expect("sending a request");
            let status = resp.status();
            let body = resp.into_body().collect().await.expect("reading a response").to_bytes();
            (status, body)
        };
        tokio::time::timeout(TIMEOUT, exchange).await.expect("request timed out")
    }
}

fn expect_ok(what: &str, path: &str, status: StatusCode, body: &Bytes) {
    assert!(
        status == StatusCode::OK,
        "{what} {path} answered {status}: {}",
        String::from_utf8_lossy(body)
    );
}

// ---------------------------------------------------------------------------------------
// Phases

/// Creates things `from..to` with `SEED_CONCURRENCY` requests in flight.
async fn seed(addr: &str, from: usize, to: usize) -> Duration {
    const BODY: &str = r#"{"attributePayload":{"attributes":{"k":"v"}}}"#;
    let next = Arc::new(AtomicUsize::new(from));
    let started = Instant::now();
    let tasks: Vec<_> = (0..SEED_CONCURRENCY)
        .map(|_| {
            let next = next.clone();
            let addr = addr.to_owned();
            tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= to {
                        break;
                    }
                    let path = format!("/things/{}", thing_name(i));
                    let (status, body) = conn.send(Method::POST, &path, Some(BODY)).await;
                    expect_ok("CreateThing", &path, status, &body);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a seeding task panicked");
    }
    started.elapsed()
}

struct Hammer {
    requests: usize,
    rps: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    /// Server CPU time (user + system) over the measured window per measured request.
    server_cpu_per_req: Option<Duration>,
}

/// DescribeThing on random existing names over `CONNECTIONS` keep-alive connections.
async fn hammer(emulator: &Emulator, things: usize) -> Hammer {
    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let until = measure_from + MEASURE;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|task| {
            let addr = emulator.http.clone();
            tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await;
                let mut rng =
                    XorShift(0x9E37_79B9_7F4A_7C15 ^ ((task as u64 + 1) * 0x2545_F491_4F6C_DD1D));
                let mut latencies: Vec<u32> = Vec::with_capacity(1 << 16);
                let mut checked = false;
                loop {
                    let sent = Instant::now();
                    if sent >= until {
                        break;
                    }
                    let path =
                        format!("/things/{}", thing_name((rng.next() % things as u64) as usize));
                    let (status, body) = conn.send(Method::GET, &path, None).await;
                    expect_ok("DescribeThing", &path, status, &body);
                    if !checked {
                        let thing: serde_json::Value =
                            serde_json::from_slice(&body).expect("a JSON body");
                        assert_eq!(
                            thing["thingName"].as_str(),
                            path.strip_prefix("/things/"),
                            "{thing}"
                        );
                        assert_eq!(thing["attributes"]["k"], "v", "{thing}");
                        checked = true;
                    }
                    if sent >= measure_from {
                        latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    }
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_before = emulator.cpu_time();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a DescribeThing task panicked"));
    }
    let cpu_after = emulator.cpu_time();
    assert!(!all.is_empty(), "no DescribeThing request completed in the measured window");
    all.sort_unstable();
    let us = |v: u32| Duration::from_micros(v as u64);
    let total = all.len();
    let server_cpu_per_req = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some((a - b) / (total as u32).max(1)),
        _ => None,
    };
    Hammer {
        requests: total,
        rps: total as f64 / MEASURE.as_secs_f64(),
        p50: us(percentile(&all, 50.0)),
        p99: us(percentile(&all, 99.0)),
        max: us(*all.last().unwrap()),
        server_cpu_per_req,
    }
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

fn main() {
    println!("http_edge bench: {BIN}");
    println!("machine: nproc = {}, cpu = {}", nproc(), cpu_model());

    // 1. Start-to-ready.
    println!("\n[1] start-to-ready, {STARTS} starts, state in memory");
    let mut starts: Vec<Duration> = (0..STARTS)
        .map(|_| {
            let e = Emulator::start(None);
            e.ready_after
        })
        .collect();
    starts.sort_unstable();
    let (min, med, p95, max) =
        (starts[0], percentile(&starts, 50.0), percentile(&starts, 95.0), starts[STARTS - 1]);
    println!(
        "    min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(min),
        ms(med),
        ms(p95),
        ms(max)
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let first = Emulator::start(Some(dir.path())).ready_after;
    let reopen = Emulator::start(Some(dir.path())).ready_after;
    drop(dir);
    println!("    --data-dir, fresh dir (creates SQLite file + root CA): {:.1} ms", ms(first));
    println!("    --data-dir, same dir again (reopen):                   {:.1} ms", ms(reopen));

    // 2. DescribeThing throughput.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let emulator = Emulator::start(None);
    println!(
        "\n[2] DescribeThing on {} ({CONNECTIONS} connections, {WARM_UP:?} warm-up, {MEASURE:?} measured)",
        emulator.http
    );
    let mut results = Vec::new();
    let mut seeded = 0;
    for &k in &SIZES {
        let took = rt.block_on(seed(&emulator.http, seeded, k));
        let created = k - seeded;
        println!(
            "    seeded {created} things (to {k}) with {SEED_CONCURRENCY} in flight in {:.2} s ({:.0} creates/s)",
            took.as_secs_f64(),
            created as f64 / took.as_secs_f64()
        );
        seeded = k;
        let h = rt.block_on(hammer(&emulator, k));
        println!(
            "    K = {k}: {} requests, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms{}",
            h.requests,
            h.rps,
            ms(h.p50),
            ms(h.p99),
            ms(h.max),
            h.server_cpu_per_req
                .map(|c| format!(", server CPU ~{} us/request", c.as_micros()))
                .unwrap_or_default()
        );
        results.push((k, h));
    }
    drop(emulator);
    drop(rt);

    // 3. Summary.
    println!("\nsummary (nproc = {}; client and server share the machine)", nproc());
    println!("  {:<34} {:>10}", "start-to-ready, in memory, min", format!("{:.1} ms", ms(min)));
    println!("  {:<34} {:>10}", "start-to-ready, in memory, median", format!("{:.1} ms", ms(med)));
    println!("  {:<34} {:>10}", "start-to-ready, in memory, p95", format!("{:.1} ms", ms(p95)));
    println!("  {:<34} {:>10}", "start-to-ready, in memory, max", format!("{:.1} ms", ms(max)));
    println!("  {:<34} {:>10}", "start-to-ready, fresh data dir", format!("{:.1} ms", ms(first)));
    println!(
        "  {:<34} {:>10}",
        "start-to-ready, reopened data dir",
        format!("{:.1} ms", ms(reopen))
    );
    println!();
    println!(
        "  {:>8} {:>10} {:>9} {:>9} {:>14}",
        "things", "req/s", "p50 ms", "p99 ms", "server us/req"
    );
    for (k, h) in &results {
        println!(
            "  {:>8} {:>10.0} {:>9.2} {:>9.2} {:>14}",
            k,
            h.rps,
            ms(h.p50),
            ms(h.p99),
            h.server_cpu_per_req.map(|c| c.as_micros().to_string()).unwrap_or_else(|| "?".into())
        );
    }
}
