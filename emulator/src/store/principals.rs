//! Thing–principal attachments in SQLite.

use rusqlite::params;

use super::{SqlTx, store_err};
use crate::domain::registry::principals::ThingPrincipalRecords;
use crate::domain::{Scope, StoreError};

impl SqlTx<'_> {
    fn column(&self, sql: &str, scope: &Scope, key: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, key], |r| r.get(0))
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }
}

impl ThingPrincipalRecords for SqlTx<'_> {
    fn thing_principals(&self, scope: &Scope, thing: &str) -> Result<Vec<String>, StoreError> {
        self.column(
            "SELECT principal FROM thing_principals WHERE account = ?1 AND region = ?2 \
             AND thing_name = ?3 ORDER BY principal",
            scope,
            thing,
        )
    }

    fn principal_things(&self, scope: &Scope, principal: &str) -> Result<Vec<String>, StoreError> {
        self.column(
            "SELECT thing_name FROM thing_principals WHERE account = ?1 AND region = ?2 \
             AND principal = ?3 ORDER BY thing_name",
            scope,
            principal,
        )
    }

    fn attach_thing_principal(
        &self,
        scope: &Scope,
        thing: &str,
        principal: &str,
    ) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT OR IGNORE INTO thing_principals (account, region, thing_name, principal) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, thing, principal])
            .map(drop)
            .map_err(store_err)
    }

    fn detach_thing_principal(
        &self,
        scope: &Scope,
        thing: &str,
        principal: &str,
    ) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM thing_principals WHERE account = ?1 AND region = ?2 \
                 AND thing_name = ?3 AND principal = ?4",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, thing, principal])
            .map(drop)
            .map_err(store_err)
    }
}
