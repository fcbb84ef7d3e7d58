//! Things and their attributes in SQLite.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

use super::{SqlTx, store_err};
use crate::domain::registry::things::{Thing, ThingQuery, ThingRecords};
use crate::domain::{Scope, StoreError};

impl SqlTx<'_> {
    fn attributes(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT name, value FROM thing_attributes \
                 WHERE account = ?1 AND region = ?2 AND thing_name = ?3",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, name], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }
}

type ThingRow = (String, String, Option<String>, i64, i64);

fn thing_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ThingRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

impl ThingRecords for SqlTx<'_> {
    fn thing(&self, scope: &Scope, name: &str) -> Result<Option<Thing>, StoreError> {
        let row = self
            .0
            .prepare_cached(
                "SELECT name, id, type_name, version, created_at FROM things \
                 WHERE account = ?1 AND region = ?2 AND name = ?3",
            )
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], thing_row)
            .optional()
            .map_err(store_err)?;
        row.map(|(name, id, type_name, version, created_at)| {
            let attributes = self.attributes(scope, &name)?;
            Ok(Thing { name, id, type_name, attributes, version, created_at })
        })
        .transpose()
    }

    fn put_thing(&self, scope: &Scope, t: &Thing) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO things (account, region, name, id, type_name, version, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (account, region, name) DO UPDATE SET \
                 id = excluded.id, type_name = excluded.type_name, version = excluded.version, \
                 created_at = excluded.created_at",
            )
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                t.name,
                t.id,
                t.type_name,
                t.version,
                t.created_at
            ])
            .map_err(store_err)?;
        self.0
            .prepare_cached(
                "DELETE FROM thing_attributes WHERE account = ?1 AND region = ?2 AND thing_name = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, t.name])
            .map_err(store_err)?;
        let mut insert = self
            .0
            .prepare_cached(
                "INSERT INTO thing_attributes (account, region, thing_name, name, value) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(store_err)?;
        for (k, v) in &t.attributes {
            insert
                .execute(params![scope.account, scope.region, t.name, k, v])
                .map_err(store_err)?;
        }
        Ok(())
    }

    fn delete_thing(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        // Attributes go with the thing (ON DELETE CASCADE).
        self.0
            .prepare_cached("DELETE FROM things WHERE account = ?1 AND region = ?2 AND name = ?3")
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name])
            .map(drop)
            .map_err(store_err)
    }

    fn list_things(&self, scope: &Scope, q: &ThingQuery) -> Result<Vec<Thing>, StoreError> {
        let mut sql = String::from(
            "SELECT t.name, t.id, t.type_name, t.version, t.created_at FROM things t \
             WHERE t.account = ?1 AND t.region = ?2",
        );
        let mut args: Vec<Value> = vec![scope.account.clone().into(), scope.region.clone().into()];
        let mut arg = |sql: &mut String, clause: &str, v: Value| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(after) = &q.after {
            arg(&mut sql, " AND t.name > ?", after.clone().into());
        }
        if let Some(ty) = &q.type_name {
            arg(&mut sql, " AND t.type_name = ?", ty.clone().into());
        }
        if let Some(f) = &q.attribute {
            arg(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM thing_attributes a WHERE a.account = t.account \
                 AND a.region = t.region AND a.thing_name = t.name AND a.name = ?",
                f.name.clone().into(),
            );
            if f.prefix {
                // Case-sensitive, unlike LIKE; both `?` take the same parameter.
                arg(&mut sql, " AND substr(a.value, 1, length(?)) = ?)", f.value.clone().into());
            } else {
                arg(&mut sql, " AND a.value = ?)", f.value.clone().into());
            }
        }
        arg(&mut sql, " ORDER BY t.name LIMIT ?", (q.limit as i64).into());
        let mut stmt = self.0.prepare_cached(&sql).map_err(store_err)?;
        let rows: Vec<ThingRow> = stmt
            .query_map(params_from_iter(args), thing_row)
            .map_err(store_err)?
            .collect::<Result<_, _>>()
            .map_err(store_err)?;
        rows.into_iter()
            .map(|(name, id, type_name, version, created_at)| {
                let attributes = self.attributes(scope, &name)?;
                Ok(Thing { name, id, type_name, attributes, version, created_at })
            })
            .collect()
    }
}
