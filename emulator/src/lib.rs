//! iot-emulator: a local emulator of AWS IoT Core for tests.
//!
//! The layers depend inward: [`api`] (HTTP wire) calls [`domain`] (pure logic),
//! which reaches [`store`] (SQLite) through traits. [`server::Emulator`] starts it
//! all in-process; the `iot-emulator` binary is a thin CLI over it.

pub mod api;
pub mod app;
pub mod broker;
pub mod bus;
pub mod config;
pub mod domain;
pub mod rules;
pub mod server;
pub mod services;
pub mod sinks;
pub mod store;

pub use config::Config;
pub use server::{Emulator, EmulatorBuilder};
