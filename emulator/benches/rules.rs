//! Benchmark of the rules engine end to end: messages published (internally, as HTTP
//! Publish and the emulator's own events do, and by an MQTT client over TCP) →
//! broker → bus → rules worker (SQL with WHERE and SELECT, templates) → sink record.
//! Prints messages per second; asserts only that every message was delivered.
//!
//! Run with `cargo bench -p iot-emulator --bench rules`. Everything runs in-process
//! on 127.0.0.1.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use iot_emulator::app::App;
use iot_emulator::broker::hooks::{Message, MessageProperties, Origin};
use iot_emulator::domain::Scope;
use iot_emulator::domain::rules::compiled::check_rule;
use iot_emulator::domain::rules::topic_rules::{RulePayload, TopicRules};
use iot_emulator::{Config, Emulator};
use rumqttc::{AsyncClient, Event, MqttOptions, QoS};
use serde_json::json;

const MESSAGES: u64 = 200_000;
const RUNS: usize = 2;
/// Upper bound on one run, so the bench cannot hang.
const TIMEOUT: Duration = Duration::from_secs(120);

fn add_rule(app: &App, scope: &Scope, name: &str, sql: &str, action: serde_json::Value) {
    let actions = vec![action];
    let topic_pattern = check_rule(sql, None, &actions, None).expect("the bench rule compiles");
    let payload = RulePayload {
        sql: sql.to_owned(),
        description: None,
        sql_version: None,
        actions,
        error_action: None,
        disabled: false,
        topic_pattern,
    };
    TopicRules { store: &app.store, clock: app.clock.as_ref() }
        .create(scope, name, payload, |_, _| Ok(()))
        .expect("the bench rule is created");
    app.rules.reload(app);
}

/// Waits until `n` more records than `start` are in the sinks; the elapsed time.
async fn wait_for(app: &App, start: u64, n: u64, began: Instant) -> Duration {
    loop {
        if app.sinks.total() >= start + n {
            return began.elapsed();
        }
        assert!(began.elapsed() < TIMEOUT, "only {} of {n} delivered", app.sinks.total() - start);
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

fn payload(i: u64) -> Bytes {
    Bytes::from(format!(r#"{{"device":"d{}","temperature":{},"seq":{i}}}"#, i % 100, i % 50))
}

async fn internal(app: &Arc<App>, scope: &Scope) -> f64 {
    let start = app.sinks.total();
    let began = Instant::now();
    for i in 0..MESSAGES {
        app.publish(Message {
            scope: scope.clone(),
            topic: format!("bench/d{}/telemetry", i % 100),
            payload: payload(i),
            qos: 0,
            retain: false,
            properties: MessageProperties::default(),
            origin: Origin::default(),
            timestamp: 0,
        });
    }
    let elapsed = wait_for(app, start, MESSAGES, began).await;
    MESSAGES as f64 / elapsed.as_secs_f64()
}

async fn mqtt(app: &Arc<App>, addr: &str) -> f64 {
    let (host, port) = addr.rsplit_once(':').unwrap();
    let mut options = MqttOptions::new("bench-publisher", host, port.parse().unwrap());
    options.set_keep_alive(Duration::from_secs(60));
    let (client, mut eventloop) = AsyncClient::new(options, 10_000);
    let pump = tokio::spawn(async move {
        while let Ok(e) = eventloop.poll().await {
            if let Event::Outgoing(rumqttc::Outgoing::Disconnect) = e {
                break;
            }
        }
    });
    let start = app.sinks.total();
    let began = Instant::now();
    for i in 0..MESSAGES {
        client
            .publish(format!("bench/d{}/telemetry", i % 100), QoS::AtMostOnce, false, payload(i))
            .await
            .unwrap();
    }
    let elapsed = wait_for(app, start, MESSAGES, began).await;
    let _ = client.disconnect().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), pump).await;
    MESSAGES as f64 / elapsed.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let emulator = Emulator::start(Config::ephemeral()).await.expect("emulator starts");
    let app = emulator.app().clone();
    // Plain-TCP MQTT clients are in the default account and region.
    let scope = Scope::new(app.config.account_id.clone(), app.config.region.clone());
    add_rule(
        &app,
        &scope,
        "bench_sqs",
        "SELECT device, temperature * 2 AS doubled, topic(2) AS source FROM 'bench/+/telemetry' WHERE seq >= 0",
        json!({"sqs": {"roleArn": "arn:aws:iam::000000000000:role/r", "queueUrl": "https://sqs/${topic(2)}"}}),
    );
    let addr = emulator.endpoints()["mqtt"].clone();
    println!(
        "rules engine, {MESSAGES} messages per run, 1 rule (WHERE, SELECT, template) → sqs sink"
    );
    for run in 1..=RUNS {
        let rate = internal(&app, &scope).await;
        println!("run {run}: internal publish → sink: {rate:.0} msg/s");
        app.sinks.clear(None);
        let rate = mqtt(&app, &addr).await;
        println!("run {run}: MQTT QoS 0 publish (TCP) → sink: {rate:.0} msg/s");
        app.sinks.clear(None);
    }
    emulator.shutdown().await;
}
