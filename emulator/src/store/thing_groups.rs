//! Thing groups and their members in SQLite; hierarchies are walked with
//! recursive queries.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

use super::{SqlTx, conversion, store_err};
use crate::domain::registry::thing_groups::{GroupQuery, ThingGroup, ThingGroupRecords};
use crate::domain::{Scope, StoreError};

const COLUMNS: &str =
    "g.name, g.id, g.parent_name, g.description, g.attributes, g.version, g.created_at";

/// The names of every descendant of group `?3` (in scope `?1`, `?2`).
const DESCENDANTS: &str = "WITH RECURSIVE descendants(name) AS ( \
     SELECT name FROM thing_groups WHERE account = ?1 AND region = ?2 AND parent_name = ?3 \
     UNION SELECT c.name FROM thing_groups c JOIN descendants d ON c.parent_name = d.name \
     WHERE c.account = ?1 AND c.region = ?2) ";

fn group_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ThingGroup> {
    let attributes: String = r.get(4)?;
    Ok(ThingGroup {
        name: r.get(0)?,
        id: r.get(1)?,
        parent: r.get(2)?,
        description: r.get(3)?,
        attributes: serde_json::from_str(&attributes).map_err(|e| conversion(4, e))?,
        version: r.get(5)?,
        created_at: r.get(6)?,
    })
}

impl SqlTx<'_> {
    fn names(&self, sql: &str, args: Vec<Value>) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(store_err)?;
        let rows = stmt.query_map(params_from_iter(args), |r| r.get(0)).map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }
}

impl ThingGroupRecords for SqlTx<'_> {
    fn thing_group(&self, scope: &Scope, name: &str) -> Result<Option<ThingGroup>, StoreError> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM thing_groups g WHERE account = ?1 AND region = ?2 AND name = ?3"
            ))
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], group_row)
            .optional()
            .map_err(store_err)
    }

    fn put_thing_group(&self, scope: &Scope, g: &ThingGroup) -> Result<(), StoreError> {
        let attributes = serde_json::to_string(&g.attributes).map_err(store_err)?;
        self.0
            .prepare_cached(
                "INSERT INTO thing_groups (account, region, name, id, parent_name, description, \
                 attributes, version, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (account, region, name) DO UPDATE SET id = excluded.id, \
                 parent_name = excluded.parent_name, description = excluded.description, \
                 attributes = excluded.attributes, version = excluded.version, \
                 created_at = excluded.created_at",
            )
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                g.name,
                g.id,
                g.parent,
                g.description,
                attributes,
                g.version,
                g.created_at
            ])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_thing_group(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        // Memberships go with the group (ON DELETE CASCADE).
        self.0
            .prepare_cached(
                "DELETE FROM thing_groups WHERE account = ?1 AND region = ?2 AND name = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name])
            .map(drop)
            .map_err(store_err)
    }

    fn count_child_groups(&self, scope: &Scope, name: &str) -> Result<u64, StoreError> {
        self.0
            .prepare_cached(
                "SELECT COUNT(*) FROM thing_groups WHERE account = ?1 AND region = ?2 AND parent_name = ?3",
            )
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], |r| r.get(0))
            .map_err(store_err)
    }

    fn list_thing_groups(
        &self,
        scope: &Scope,
        q: &GroupQuery,
    ) -> Result<Vec<ThingGroup>, StoreError> {
        let mut args: Vec<Value> = vec![scope.account.clone().into(), scope.region.clone().into()];
        let mut sql = String::new();
        let mut filter = String::new();
        match (&q.parent, q.recursive) {
            (Some(parent), true) => {
                args.push(parent.clone().into());
                sql.push_str(DESCENDANTS);
                filter.push_str(" AND g.name IN (SELECT name FROM descendants)");
            }
            (Some(parent), false) => {
                args.push(parent.clone().into());
                filter.push_str(" AND g.parent_name = ?3");
            }
            (None, _) => args.push(Value::Null),
        }
        // ?3 is always bound (to NULL without a parent, unused then) so the numbering
        // below is fixed.
        args.push(q.name_prefix.clone().map_or(Value::Null, Value::from));
        args.push(q.after.clone().map_or(Value::Null, Value::from));
        args.push((q.limit as i64).into());
        sql.push_str(&format!(
            "SELECT {COLUMNS} FROM thing_groups g WHERE g.account = ?1 AND g.region = ?2 \
             {filter} \
             AND (?4 IS NULL OR substr(g.name, 1, length(?4)) = ?4) \
             AND (?5 IS NULL OR g.name > ?5) ORDER BY g.name LIMIT ?6"
        ));
        let mut stmt = self.0.prepare_cached(&sql).map_err(store_err)?;
        let rows = stmt.query_map(params_from_iter(args), group_row).map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn groups_of_thing(&self, scope: &Scope, thing: &str) -> Result<Vec<String>, StoreError> {
        self.names(
            "SELECT group_name FROM thing_group_members WHERE account = ?1 AND region = ?2 \
             AND thing_name = ?3 ORDER BY group_name",
            vec![
                scope.account.clone().into(),
                scope.region.clone().into(),
                thing.to_owned().into(),
            ],
        )
    }

    fn add_member(
        &self,
        scope: &Scope,
        group: &str,
        thing: &str,
        membership_id: &str,
    ) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT OR IGNORE INTO thing_group_members (account, region, group_name, thing_name, membership_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, group, thing, membership_id])
            .map(drop)
            .map_err(store_err)
    }

    fn remove_member(
        &self,
        scope: &Scope,
        group: &str,
        thing: &str,
    ) -> Result<Option<String>, StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM thing_group_members WHERE account = ?1 AND region = ?2 \
                 AND group_name = ?3 AND thing_name = ?4 RETURNING coalesce(membership_id, '')",
            )
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, group, thing], |r| r.get(0))
            .optional()
            .map_err(store_err)
    }

    fn things_in_group(
        &self,
        scope: &Scope,
        group: &str,
        recursive: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let groups = if recursive {
            "(SELECT ?3 UNION SELECT name FROM descendants)"
        } else {
            "(SELECT ?3)"
        };
        let sql = format!(
            "{}SELECT DISTINCT thing_name FROM thing_group_members WHERE account = ?1 AND region = ?2 \
             AND group_name IN {groups} AND (?4 IS NULL OR thing_name > ?4) \
             ORDER BY thing_name LIMIT ?5",
            if recursive { DESCENDANTS } else { "" }
        );
        self.names(
            &sql,
            vec![
                scope.account.clone().into(),
                scope.region.clone().into(),
                group.to_owned().into(),
                after.map_or(Value::Null, |a| a.to_owned().into()),
                (limit as i64).into(),
            ],
        )
    }
}
