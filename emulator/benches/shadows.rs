//! Benchmark of the shadow service over MQTT: the update → `/update/accepted` round
//! trip (p50, p99) one request at a time, and updates per second with up to `WINDOW`
//! requests in flight, for 1 thing and for 100 things. Prints figures; asserts nothing
//! but that every update was accepted.
//!
//! The emulator runs in this process (in-memory store, plain-TCP listener whose
//! default principal may do everything); the load client is one rumqttc
//! `AsyncClient` on the same runtime, so the figures include the client's work.
//! Run with `cargo bench -p iot-emulator --bench shadows`.

use std::time::{Duration, Instant};

use iot_emulator::{Config, Emulator};
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};

/// Sequential round trips per run.
const ROUND_TRIPS: usize = 5_000;
/// Updates per throughput run, and how many may await their `/accepted` at once
/// (below the broker's 1000-message session queue).
const UPDATES: usize = 50_000;
const WINDOW: usize = 200;

async fn client(addr: &str) -> (AsyncClient, EventLoop) {
    let (host, port) = addr.rsplit_once(':').unwrap();
    let mut o = MqttOptions::new("shadow-bench", host, port.parse().unwrap());
    o.set_keep_alive(Duration::from_secs(60));
    o.set_max_packet_size(256 * 1024, 256 * 1024);
    let (c, mut el) = AsyncClient::new(o, 1_000);
    c.subscribe("$aws/things/+/shadow/update/accepted", QoS::AtMostOnce).await.unwrap();
    c.subscribe("$aws/things/+/shadow/update/rejected", QoS::AtMostOnce).await.unwrap();
    let mut subacks = 0;
    while subacks < 2 {
        if let Event::Incoming(Packet::SubAck(_)) = el.poll().await.unwrap() {
            subacks += 1;
        }
    }
    (c, el)
}

fn update(n: usize) -> Vec<u8> {
    format!(
        r#"{{"state":{{"reported":{{"temperature":{},"humidity":{},"status":"ok"}}}}}}"#,
        n % 40,
        n % 100
    )
    .into_bytes()
}

/// The next `/update/accepted`; a rejection fails the bench.
async fn next_accepted(el: &mut EventLoop) {
    loop {
        if let Event::Incoming(Packet::Publish(p)) = el.poll().await.unwrap() {
            assert!(p.topic.ends_with("/accepted"), "rejected: {:?}", p.payload);
            return;
        }
    }
}

fn topic(things: usize, n: usize) -> String {
    format!("$aws/things/bench-{}/shadow/update", n % things)
}

async fn round_trips(c: &AsyncClient, el: &mut EventLoop, things: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for n in 0..ROUND_TRIPS {
        let start = Instant::now();
        c.publish(topic(things, n), QoS::AtMostOnce, false, update(n)).await.unwrap();
        next_accepted(el).await;
        times.push(start.elapsed());
    }
    times.sort();
    (times[ROUND_TRIPS / 2], times[ROUND_TRIPS * 99 / 100])
}

async fn throughput(c: &AsyncClient, el: &mut EventLoop, things: usize) -> f64 {
    let start = Instant::now();
    let (mut sent, mut done) = (0, 0);
    while done < UPDATES {
        while sent < UPDATES && sent - done < WINDOW {
            c.publish(topic(things, sent), QoS::AtMostOnce, false, update(sent)).await.unwrap();
            sent += 1;
        }
        next_accepted(el).await;
        done += 1;
    }
    UPDATES as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let emulator = Emulator::start(Config::ephemeral()).await.expect("emulator starts");
        let addr = emulator.endpoints()["mqtt"].clone();
        let (c, mut el) = client(&addr).await;
        // Warm up: create the shadows and the statement caches.
        for n in 0..200 {
            c.publish(topic(100, n), QoS::AtMostOnce, false, update(n)).await.unwrap();
            next_accepted(&mut el).await;
        }
        println!("shadow benchmark: {} cores, in-memory store, MQTT 3.1.1 over TCP", std::thread::available_parallelism().map_or(0, |n| n.get()));
        for things in [1, 100] {
            let (p50, p99) = round_trips(&c, &mut el, things).await;
            let rate = throughput(&c, &mut el, things).await;
            println!(
                "{things:>3} thing(s): update→accepted p50 {:.0} µs, p99 {:.0} µs ({ROUND_TRIPS} sequential); {rate:.0} updates/s ({UPDATES} with {WINDOW} in flight)",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6,
            );
        }
    });
}
