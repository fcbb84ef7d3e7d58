//! The MQTT side of the emulator (DESIGN D1): our own broker core on tokio with
//! `rumqttc::mqttbytes` as the codec, the listeners that feed it, the device
//! gateway that authenticates and authorizes through the hooks, and the runtime
//! that starts them.

pub mod codec;
pub mod connection;
pub mod core;
pub mod gateway;
pub mod hooks;
pub mod listeners;
pub mod reserved;
pub mod runtime;
pub mod session;
#[cfg(test)]
mod tests;
pub mod topics;
pub mod trie;
pub mod websocket;

pub use self::core::{Broker, BrokerConfig};
