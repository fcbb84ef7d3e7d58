//! The one integration-test binary: the emulator driven from outside, over HTTP,
//! with aws-sdk-iot, and as the built binary.

mod authorization;
mod broker;
mod ca_certificates;
mod certificates;
mod edge;
mod harness;
mod mqtt;
mod operator;
mod policies;
mod rules;
mod shadows;
mod snapshots;
mod support;
mod thing_groups;
mod thing_types;
mod things_sdk;
