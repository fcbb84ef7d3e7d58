//! Injectable time and identifiers, so tests can pin both (DESIGN D8).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub trait Clock: Send + Sync {
    fn now_millis(&self) -> Millis;
}

/// The machine's wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> Millis {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(at: Millis) -> FixedClock {
        FixedClock(AtomicI64::new(at))
    }

    pub fn advance(&self, by: Millis) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_millis(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// Source of the UUIDs AWS hands out (thing ids, request ids, ...).
pub trait IdGen: Send + Sync {
    fn uuid(&self) -> String;
}

/// Random version-4 UUIDs.
#[derive(Debug, Default)]
pub struct RandomIds;

impl IdGen for RandomIds {
    fn uuid(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// `00000000-0000-4000-8000-000000000001`, `...0002`, ...: stable ids for snapshots.
#[derive(Debug, Default)]
pub struct SequentialIds(AtomicU64);

impl IdGen for SequentialIds {
    fn uuid(&self) -> String {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        format!("00000000-0000-4000-8000-{n:012x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_count_up_in_uuid_form() {
        let ids = SequentialIds::default();
        assert_eq!(ids.uuid(), "00000000-0000-4000-8000-000000000001");
        assert_eq!(ids.uuid(), "00000000-0000-4000-8000-000000000002");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(1_000);
        assert_eq!(c.now_millis(), 1_000);
        c.advance(500);
        assert_eq!(c.now_millis(), 1_500);
    }
}
