//! What a Rust test author imports to test against iot-emulator, a local AWS IoT
//! Core: start one ([`Emulator::start`] in this process, [`Emulator::connect`] to
//! one running, [`Emulator::start_container`] in Docker with the `docker` feature),
//! get AWS SDK clients of it, create devices and connect them over mutual TLS,
//! record messages, read the test tap and the rule sinks, and snapshot it all with
//! ids redacted by reference.
//!
//! ```
//! use std::time::Duration;
//!
//! use iot_emulator_harness::{Emulator, Redactor, TapFilter};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! // Free ports on 127.0.0.1, state in memory, stopped when dropped.
//! let emulator = Emulator::start().await?;
//!
//! // The AWS SDK, pointed at it.
//! let things = emulator.iot().list_things().send().await?;
//! assert!(things.things().is_empty());
//!
//! // A thing, an active certificate and a policy, in one call; then the device
//! // connects over mutual TLS and publishes.
//! let device = emulator.device("sensor-1").create().await?;
//! let recorder = emulator.record("sensors/#").await?;
//! let client = device.connect(&emulator).await?;
//! client.publish("sensors/sensor-1/temp", r#"{"t":21}"#).await?;
//!
//! let messages = recorder.wait_for(1, Duration::from_secs(5)).await?;
//! assert_eq!(messages[0].json()?, json!({"t": 21}));
//!
//! // What a snapshot shows: ids by reference, times by type.
//! let delivered = emulator.tap().records(&TapFilter::published("sensors/#")).await?;
//! let mut redactor = Redactor::typed();
//! redactor.name("thing-name", &device.thing_name).name("cert-id", &device.certificate_id);
//! assert_eq!(
//!     redactor.snapshot(&delivered),
//!     json!([{
//!         "kind": "published", "topic": "sensors/<thing-name:1>/temp",
//!         "payload": {"t": 21}, "qos": 1, "retain": false,
//!         "clientId": "<thing-name:1>", "principal": "<cert-id:1>",
//!         "account": "000000000000", "region": "us-east-1", "timestamp": "[epoch-millis]",
//!     }])
//! );
//! // In a test, `assert_redacted_snapshot!(redactor, delivered)` compares the same
//! // JSON with an insta snapshot file instead.
//! # Ok(())
//! # }
//! ```

/// The guide to testing with the emulator, `docs/testing.md`; its Rust examples are
/// this crate's doctests.
#[doc = include_str!("../../docs/testing.md")]
pub mod testing_guide {}

mod api;
#[cfg(feature = "docker")]
mod container;
mod device;
mod emulator;
mod mqtt;
mod process;
mod redact;
mod sinks;
mod snapshot;
mod tap;

pub use api::{ACCESS_KEY, Api, ApiReply, Service};
#[cfg(feature = "docker")]
pub use container::{IMAGE_NAME, IMAGE_TAG, IotEmulatorImage, PORTS};
pub use device::{Device, DeviceBuilder, default_policy};
pub use emulator::{Emulator, EmulatorBuilder, START_TIMEOUT};
pub use mqtt::{MQTT_TIMEOUT, Message, MessageRecorder, MqttClient};
pub use process::{EmulatorProcess, READY_TIMEOUT, binary_path};
pub use redact::Redactor;
pub use sinks::{SinkInspector, SinkRecord};
pub use snapshot::Snapshot;
pub use tap::{MessageTap, TapFilter, TapRecord};

pub use iot_emulator::Config;
// What the helpers hand out, so a test needs no version of its own.
pub use aws_sdk_iot;
pub use aws_sdk_iotdataplane;
pub use insta;
pub use rumqttc;
#[cfg(feature = "docker")]
pub use testcontainers;
