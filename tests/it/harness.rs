//! The test harness as a test author uses it, through its public API only: a device
//! made in one call connects over mutual TLS and publishes, the data plane answers,
//! a rule delivers the reading into the fake S3, and what was delivered and what the
//! sink received are asserted with one snapshot each. The same flow runs against
//! the in-process emulator and (feature `docker`, run by `.ci/run`) the container.

use std::time::Duration;

use iot_emulator_harness::aws_sdk_iotdataplane::primitives::Blob;
use iot_emulator_harness::{
    Emulator, EmulatorProcess, Redactor, Service, Snapshot, TapFilter, assert_redacted_snapshot,
    binary_path,
};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

/// Creates a device, connects it, publishes from it and to it, and snapshots the
/// thing as the API shows it, what a recorder received and what the tap saw.
async fn device_round_trip(emulator: &Emulator) {
    let device = emulator.device("thermostat-1").create().await.expect("device created");
    let rule = json!({
        "sql": "SELECT celsius, topic(2) AS device FROM 'home/+/temp'",
        "actions": [{"s3": {
            "roleArn": "arn:aws:iam::123456789012:role/iot",
            "bucketName": "readings",
            "key": "${topic(2)}/latest.json",
        }}],
    });
    emulator
        .api()
        .call(Service::Iot, http::Method::POST, "/rules/store_readings", Some(&rule))
        .await
        .unwrap()
        .success()
        .expect("CreateTopicRule");
    let recorder = emulator.record("home/#").await.expect("recorder subscribed");
    let client = device.connect(emulator).await.expect("connects over mutual TLS");
    client.subscribe("home/thermostat-1/cmd").await.expect("subscribed");

    client.publish("home/thermostat-1/temp", r#"{"celsius":21.5}"#).await.expect("published");
    emulator
        .data()
        .publish()
        .topic("home/thermostat-1/cmd")
        .qos(1)
        .payload(Blob::new(r#"{"target":19}"#))
        .send()
        .await
        .expect("iot-data Publish");

    let cmd = client.expect_message("home/thermostat-1/cmd", WAIT).await.expect("command");
    assert_eq!(cmd.json().unwrap(), json!({"target": 19}));
    let recorded = recorder.wait_for(2, WAIT).await.expect("both messages recorded");
    let stored = emulator.sinks().wait_for(Some("s3"), 1, WAIT).await.expect("the rule's record");
    let published =
        emulator.tap().wait_for(&TapFilter::published("home/#"), 2, WAIT).await.unwrap();
    let mut delivered =
        emulator.tap().wait_for(&TapFilter::delivered("home/#"), 3, WAIT).await.unwrap();
    // Two subscribers get the command in either order.
    delivered.sort_by(|a, b| (&a.topic, &a.client_id).cmp(&(&b.topic, &b.client_id)));
    let thing = emulator
        .api()
        .call(Service::Iot, http::Method::GET, "/things/thermostat-1", None)
        .await
        .unwrap();

    let mut redactor = Redactor::typed();
    redactor.name("thing-name", &device.thing_name).name("cert-id", &device.certificate_id);
    let shown = json!({
        "describeThing": thing.snapshot_json(),
        "recorded": recorded.snapshot_json(),
        "published": published.snapshot_json(),
        "delivered": delivered.snapshot_json(),
    });
    assert_redacted_snapshot!("device_round_trip", redactor, shown);
    assert_redacted_snapshot!("device_round_trip_sink", redactor, stored.snapshot_json());
}

#[tokio::test]
async fn a_device_round_trip_in_process() {
    let emulator = Emulator::start().await.expect("emulator starts");
    device_round_trip(&emulator).await;
    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn connect_reaches_a_running_emulator_by_its_url() {
    let running = Emulator::start().await.unwrap();
    let remote = Emulator::connect(running.http_url()).await.expect("connects by URL");
    assert_eq!(remote.endpoints(), running.endpoints());
    assert_eq!(remote.ca_pem(), running.ca_pem());
    running.iot().create_thing().thing_name("seen-from-afar").send().await.unwrap();
    let things = remote.iot().list_things().send().await.unwrap();
    let names: Vec<_> = things.things().iter().filter_map(|t| t.thing_name()).collect();
    assert_eq!(names, ["seen-from-afar"]);

    // Dropping a connected emulator leaves the running one alone; shutting the
    // running one down closes its listeners.
    drop(remote);
    let url = running.http_url().to_owned();
    running.iot().describe_thing().thing_name("seen-from-afar").send().await.unwrap();
    running.shutdown().await.unwrap();
    assert!(Emulator::connect(&url).await.is_err(), "nothing answers at {url} any more");
}

#[tokio::test]
async fn the_default_policy_admits_a_device_under_its_own_name_only() {
    let emulator = Emulator::start().await.unwrap();
    let device = emulator.device("lamp").create().await.unwrap();
    let refused = device.connect_as(&emulator, "not-the-lamp").await.expect_err("refused");
    assert!(format!("{refused:#}").contains("connection refused"), "{refused:#}");
    let lamp = device.connect(&emulator).await.expect("its own name is admitted");
    lamp.subscribe("lamp/#").await.unwrap();
    lamp.publish("lamp/state", "on").await.unwrap();
    let echo = lamp.expect_message("lamp/+", WAIT).await.unwrap();
    assert_eq!((echo.topic.as_str(), echo.payload_str()), ("lamp/state", Some("on")));
    let none = lamp.expect_message("lamp/+", Duration::from_millis(50)).await;
    assert!(none.is_err(), "each message is expected once");
}

#[test]
fn the_binarys_healthcheck_asks_the_health_endpoint() {
    let healthcheck = |port: &str| {
        std::process::Command::new(binary_path().unwrap())
            .args(["--http-port", port, "healthcheck"])
            .env_remove("IOTEMU_HTTP_PORT")
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
    };
    let running = EmulatorProcess::spawn(&[], &[]).unwrap();
    let port = running.endpoints()["http"].rsplit_once(':').unwrap().1.to_owned();
    assert!(healthcheck(&port).success(), "healthy while it runs");
    running.kill().unwrap();
    assert_eq!(healthcheck(&port).code(), Some(1), "unhealthy once it is gone");
}

/// The container `docker/build-image` built, or `None` (with a note) when it is
/// absent outside CI. In CI (`CI` set) it must start.
#[cfg(feature = "docker")]
async fn container() -> Option<Emulator> {
    let image = std::env::var("IOTEMU_IMAGE").unwrap_or_else(|_| "iot-emulator:dev".into());
    let present = std::process::Command::new("docker")
        .args(["image", "inspect", &image])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !present && std::env::var_os("CI").is_none() {
        eprintln!("skipped: no {image} image (build it with docker/build-image)");
        return None;
    }
    let started = std::time::Instant::now();
    let emulator = Emulator::start_container().await.expect("the container starts");
    eprintln!("container start-to-ready: {:?}", started.elapsed());
    Some(emulator)
}

#[cfg(feature = "docker")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_round_trip_in_the_container() {
    let Some(emulator) = container().await else { return };
    device_round_trip(&emulator).await;
    emulator.shutdown().await.unwrap();
}
