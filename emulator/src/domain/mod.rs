//! Pure logic of the emulator: no HTTP, SQL or MQTT types. Storage is reached
//! through the `Store` trait and time and ids through `Clock` and `IdGen` (D8).

pub mod clock;
pub mod events;
pub mod paging;
pub mod pki;
pub mod registry;
pub mod rules;
pub mod security;
pub mod shadow;
pub mod store;
pub mod tags;
#[cfg(test)]
pub mod testing;
pub mod topic_filter;

pub use clock::{Clock, FixedClock, IdGen, Millis, RandomIds, SequentialIds, SystemClock};
pub use store::{Store, StoreError, Tx};

/// The (account, region) pair that keys all state: nothing crosses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Scope {
        Scope { account: account.into(), region: region.into() }
    }

    /// `arn:aws:iot:{region}:{account}:{resource}`.
    pub fn arn(&self, resource: &str) -> String {
        format!("arn:aws:iot:{}:{}:{resource}", self.region, self.account)
    }
}
