//! The MQTT side of the emulator (DESIGN D1): our own broker core on tokio with
//! `rumqttc::mqttbytes` as the codec, the listeners that feed it, and the hooks
//! through which it asks the emulator to authenticate and authorize.

pub mod hooks;
