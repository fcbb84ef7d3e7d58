//! Security and identity: X.509 certificates and AWS IoT policies with their engine.

pub mod authorization;
pub mod ca_certificates;
pub mod certificates;
pub mod policies;
pub mod policy;
pub mod transfers;
pub mod x509;
