//! Thing types in SQLite.

use rusqlite::{OptionalExtension, params};

use super::{SqlTx, conversion, store_err};
use crate::domain::registry::thing_types::{ThingType, ThingTypeProperties, ThingTypeRecords};
use crate::domain::{Scope, StoreError};

const COLUMNS: &str = "name, id, description, searchable_attributes, propagating_attributes, \
                       deprecated, deprecated_at, created_at";

fn thing_type_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ThingType> {
    let searchable: String = r.get(3)?;
    let propagating: Option<String> = r.get(4)?;
    Ok(ThingType {
        name: r.get(0)?,
        id: r.get(1)?,
        properties: ThingTypeProperties {
            description: r.get(2)?,
            searchable_attributes: serde_json::from_str(&searchable)
                .map_err(|e| conversion(3, e))?,
            propagating_attributes: propagating
                .map(|p| serde_json::from_str(&p))
                .transpose()
                .map_err(|e| conversion(4, e))?,
        },
        deprecated: r.get(5)?,
        deprecated_at: r.get(6)?,
        created_at: r.get(7)?,
    })
}

impl ThingTypeRecords for SqlTx<'_> {
    fn thing_type(&self, scope: &Scope, name: &str) -> Result<Option<ThingType>, StoreError> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM thing_types WHERE account = ?1 AND region = ?2 AND name = ?3"
            ))
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], thing_type_row)
            .optional()
            .map_err(store_err)
    }

    fn put_thing_type(&self, scope: &Scope, t: &ThingType) -> Result<(), StoreError> {
        let searchable =
            serde_json::to_string(&t.properties.searchable_attributes).map_err(store_err)?;
        let propagating = t
            .properties
            .propagating_attributes
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(store_err)?;
        self.0
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO thing_types (account, region, {COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                t.name,
                t.id,
                t.properties.description,
                searchable,
                propagating,
                t.deprecated,
                t.deprecated_at,
                t.created_at
            ])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_thing_type(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM thing_types WHERE account = ?1 AND region = ?2 AND name = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name])
            .map(drop)
            .map_err(store_err)
    }

    fn list_thing_types(
        &self,
        scope: &Scope,
        name: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ThingType>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM thing_types WHERE account = ?1 AND region = ?2 \
                 AND (?3 IS NULL OR name = ?3) AND (?4 IS NULL OR name > ?4) \
                 ORDER BY name LIMIT ?5"
            ))
            .map_err(store_err)?;
        let rows = stmt
            .query_map(
                params![scope.account, scope.region, name, after, limit as i64],
                thing_type_row,
            )
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn count_things_of_type(&self, scope: &Scope, name: &str) -> Result<u64, StoreError> {
        self.0
            .prepare_cached(
                "SELECT COUNT(*) FROM things WHERE account = ?1 AND region = ?2 AND type_name = ?3",
            )
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], |r| r.get(0))
            .map_err(store_err)
    }
}
