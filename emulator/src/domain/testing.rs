//! Test fixtures shared by the domain's tests: a real in-memory SQLite store with a
//! pinned clock and sequential ids, and the operation structs over it.

use super::registry::thing_groups::ThingGroups;
use super::registry::thing_types::ThingTypes;
use super::registry::things::Things;
use super::shadow::Shadows;
use super::{FixedClock, Millis, SequentialIds};
use crate::store::SqliteStore;

/// A store, a clock standing at a chosen instant, and ids counting from 1.
pub struct Fixture {
    pub store: SqliteStore,
    pub clock: FixedClock,
    pub ids: SequentialIds,
}

impl Fixture {
    pub fn at(now: Millis) -> Fixture {
        Fixture {
            store: SqliteStore::open_in_memory().expect("in-memory store"),
            clock: FixedClock::new(now),
            ids: SequentialIds::default(),
        }
    }

    pub fn things(&self) -> Things<'_, SqliteStore> {
        Things { store: &self.store, clock: &self.clock, ids: &self.ids }
    }

    pub fn types(&self, delete_delay_ms: Millis) -> ThingTypes<'_, SqliteStore> {
        ThingTypes { store: &self.store, clock: &self.clock, ids: &self.ids, delete_delay_ms }
    }

    pub fn groups(&self) -> ThingGroups<'_, SqliteStore> {
        ThingGroups { store: &self.store, clock: &self.clock, ids: &self.ids }
    }

    pub fn shadows(&self) -> Shadows<'_, SqliteStore> {
        Shadows { store: &self.store, clock: &self.clock }
    }
}
