//! What the domain needs from storage: transactions over per-resource record traits.

use std::fmt;

use super::events::EventConfigRecords;
use super::pki::CaRecords;
use super::registry::principals::ThingPrincipalRecords;
use super::registry::thing_groups::ThingGroupRecords;
use super::registry::thing_types::ThingTypeRecords;
use super::registry::things::ThingRecords;
use super::rules::topic_rules::TopicRuleRecords;
use super::security::ca_certificates::CaCertificateRecords;
use super::security::certificates::CertificateRecords;
use super::security::policies::PolicyRecords;
use super::shadow::ShadowRecords;
use super::tags::TagRecords;

/// A storage failure. The domain never looks inside; the edge reports it as an
/// internal failure.
#[derive(Debug)]
pub struct StoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Everything one transaction can read and write; each resource group adds its
/// record trait here.
pub trait Tx:
    ThingRecords
    + ThingTypeRecords
    + ThingGroupRecords
    + TagRecords
    + CaRecords
    + CertificateRecords
    + CaCertificateRecords
    + PolicyRecords
    + ThingPrincipalRecords
    + EventConfigRecords
    + ShadowRecords
    + TopicRuleRecords
{
}

impl<T> Tx for T where
    T: ThingRecords
        + ThingTypeRecords
        + ThingGroupRecords
        + TagRecords
        + CaRecords
        + CertificateRecords
        + CaCertificateRecords
        + PolicyRecords
        + ThingPrincipalRecords
        + EventConfigRecords
        + ShadowRecords
        + TopicRuleRecords
{
}

/// The store of record. `write` runs `f` in one transaction that commits only when
/// `f` returns `Ok`, so every mutation is all or nothing.
pub trait Store: Send + Sync {
    fn read<T, E: From<StoreError>>(&self, f: impl FnOnce(&dyn Tx) -> Result<T, E>)
    -> Result<T, E>;
    fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E>,
    ) -> Result<T, E>;
    /// A write of device data that no cache depends on (shadow documents): like
    /// `write`, but the store's generation stays, so the broker's per-connection
    /// policy caches are not thrown away by every shadow update.
    fn write_data<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E>,
    ) -> Result<T, E>;
    /// Empties all resource state (the root CA stays, so devices keep trusting it).
    fn reset(&self) -> Result<(), StoreError>;
}
