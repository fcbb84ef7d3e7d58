//! Device shadows in SQLite: one row per (thing, shadow name), the sections as JSON.

use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value};

use super::{SqlTx, store_err};
use crate::domain::shadow::document::{Part, Section, Sections, ShadowDocument};
use crate::domain::shadow::{ShadowRecords, StoredShadow};
use crate::domain::{Scope, StoreError};

fn object(text: &str) -> Result<Map<String, Value>, StoreError> {
    match serde_json::from_str(text).map_err(store_err)? {
        Value::Object(m) => Ok(m),
        _ => Err(StoreError("a shadow column holds JSON that is not an object".into())),
    }
}

fn section(
    state: &mut Map<String, Value>,
    metadata: &mut Map<String, Value>,
    key: &str,
) -> Section {
    let take = |m: &mut Map<String, Value>| match m.remove(key) {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    Section { values: take(state), metadata: take(metadata) }
}

fn columns(d: &ShadowDocument) -> Result<(String, String), StoreError> {
    let state = serde_json::to_string(&Sections(d, Part::Values)).map_err(store_err)?;
    let metadata = serde_json::to_string(&Sections(d, Part::Metadata)).map_err(store_err)?;
    Ok((state, metadata))
}

impl ShadowRecords for SqlTx<'_> {
    fn shadow(
        &self,
        scope: &Scope,
        thing: &str,
        name: &str,
    ) -> Result<Option<StoredShadow>, StoreError> {
        let row: Option<(i64, String, String, Option<i64>)> = self
            .0
            .prepare_cached(
                "SELECT version, state, metadata, deleted_at FROM shadows \
                 WHERE account = ?1 AND region = ?2 AND thing_name = ?3 AND shadow_name = ?4",
            )
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, thing, name], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(store_err)?;
        row.map(|(version, state, metadata, deleted_at)| {
            let (mut state, mut metadata) = (object(&state)?, object(&metadata)?);
            Ok(StoredShadow {
                document: ShadowDocument {
                    desired: section(&mut state, &mut metadata, "desired"),
                    reported: section(&mut state, &mut metadata, "reported"),
                    version,
                },
                deleted_at,
            })
        })
        .transpose()
    }

    fn put_shadow(
        &self,
        scope: &Scope,
        thing: &str,
        name: &str,
        shadow: &StoredShadow,
    ) -> Result<(), StoreError> {
        let (state, metadata) = columns(&shadow.document)?;
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO shadows \
                 (account, region, thing_name, shadow_name, version, state, metadata, deleted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                thing,
                name,
                shadow.document.version,
                state,
                metadata,
                shadow.deleted_at
            ])
            .map_err(store_err)?;
        Ok(())
    }

    fn delete_shadows_of_thing(&self, scope: &Scope, thing: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM shadows WHERE account = ?1 AND region = ?2 AND thing_name = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, thing])
            .map_err(store_err)?;
        Ok(())
    }

    fn named_shadows(
        &self,
        scope: &Scope,
        thing: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT shadow_name FROM shadows \
                 WHERE account = ?1 AND region = ?2 AND thing_name = ?3 \
                   AND shadow_name > ?4 AND deleted_at IS NULL \
                 ORDER BY shadow_name LIMIT ?5",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(
                params![scope.account, scope.region, thing, after.unwrap_or(""), limit as i64],
                |r| r.get(0),
            )
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }
}
