//! Tags in SQLite.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{SqlTx, store_err};
use crate::domain::tags::TagRecords;
use crate::domain::{Scope, StoreError};

impl TagRecords for SqlTx<'_> {
    fn tags(&self, scope: &Scope, arn: &str) -> Result<BTreeMap<String, String>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT key, value FROM tags WHERE account = ?1 AND region = ?2 AND arn = ?3",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, arn], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn put_tags(
        &self,
        scope: &Scope,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "INSERT OR REPLACE INTO tags (account, region, arn, key, value) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(store_err)?;
        for (k, v) in tags {
            stmt.execute(params![scope.account, scope.region, arn, k, v]).map_err(store_err)?;
        }
        Ok(())
    }

    fn remove_tags(&self, scope: &Scope, arn: &str, keys: &[String]) -> Result<(), StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "DELETE FROM tags WHERE account = ?1 AND region = ?2 AND arn = ?3 AND key = ?4",
            )
            .map_err(store_err)?;
        for k in keys {
            stmt.execute(params![scope.account, scope.region, arn, k]).map_err(store_err)?;
        }
        Ok(())
    }
}
