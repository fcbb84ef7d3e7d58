//! Event configurations in SQLite.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{SqlTx, store_err};
use crate::domain::events::{EventConfigRecords, EventSetting};
use crate::domain::{Scope, StoreError};

impl EventConfigRecords for SqlTx<'_> {
    fn event_settings(&self, scope: &Scope) -> Result<BTreeMap<String, EventSetting>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT event_type, enabled, created_at, modified_at FROM event_configurations \
                 WHERE account = ?1 AND region = ?2",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region], |r| {
                Ok((
                    r.get(0)?,
                    EventSetting {
                        enabled: r.get(1)?,
                        created_at: r.get(2)?,
                        modified_at: r.get(3)?,
                    },
                ))
            })
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn put_event_setting(
        &self,
        scope: &Scope,
        event_type: &str,
        s: EventSetting,
    ) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO event_configurations (account, region, event_type, enabled, created_at, modified_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, event_type, s.enabled, s.created_at, s.modified_at])
            .map(drop)
            .map_err(store_err)
    }
}
