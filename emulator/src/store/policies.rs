//! Policies, their versions and attachments in SQLite.

use rusqlite::{OptionalExtension, params};

use super::{SqlTx, store_err};
use crate::domain::security::policies::{Policy, PolicyRecords, PolicyVersion};
use crate::domain::{Scope, StoreError};

const COLUMNS: &str = "name, default_version, next_version, generation_id, created_at, modified_at";

fn policy_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Policy> {
    Ok(Policy {
        name: r.get(0)?,
        default_version: r.get(1)?,
        next_version: r.get(2)?,
        generation_id: r.get(3)?,
        created_at: r.get(4)?,
        modified_at: r.get(5)?,
    })
}

impl PolicyRecords for SqlTx<'_> {
    fn policy(&self, scope: &Scope, name: &str) -> Result<Option<Policy>, StoreError> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM policies WHERE account = ?1 AND region = ?2 AND name = ?3"
            ))
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, name], policy_row)
            .optional()
            .map_err(store_err)
    }

    fn put_policy(&self, scope: &Scope, p: &Policy) -> Result<(), StoreError> {
        self.0
            .prepare_cached(&format!(
                "INSERT INTO policies (account, region, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (account, region, name) DO UPDATE SET \
                 default_version = excluded.default_version, next_version = excluded.next_version, \
                 generation_id = excluded.generation_id, modified_at = excluded.modified_at"
            ))
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                p.name,
                p.default_version,
                p.next_version,
                p.generation_id,
                p.created_at,
                p.modified_at
            ])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_policy(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached("DELETE FROM policies WHERE account = ?1 AND region = ?2 AND name = ?3")
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name])
            .map(drop)
            .map_err(store_err)
    }

    fn list_policies(
        &self,
        scope: &Scope,
        ascending: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Policy>, StoreError> {
        let (cmp, order) = if ascending { (">", "ASC") } else { ("<", "DESC") };
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM policies WHERE account = ?1 AND region = ?2 \
                 AND (?3 IS NULL OR name {cmp} ?3) ORDER BY name {order} LIMIT ?4"
            ))
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, after, limit as i64], policy_row)
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn policy_versions(&self, scope: &Scope, name: &str) -> Result<Vec<PolicyVersion>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT id, document, created_at FROM policy_versions \
                 WHERE account = ?1 AND region = ?2 AND policy_name = ?3 ORDER BY id",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, name], |r| {
                Ok(PolicyVersion { id: r.get(0)?, document: r.get(1)?, created_at: r.get(2)? })
            })
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn put_policy_version(
        &self,
        scope: &Scope,
        name: &str,
        v: &PolicyVersion,
    ) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT OR REPLACE INTO policy_versions (account, region, policy_name, id, document, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name, v.id, v.document, v.created_at])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_policy_version(&self, scope: &Scope, name: &str, id: u32) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM policy_versions WHERE account = ?1 AND region = ?2 AND policy_name = ?3 AND id = ?4",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name, id])
            .map(drop)
            .map_err(store_err)
    }

    fn policy_targets(&self, scope: &Scope, name: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT target FROM policy_targets WHERE account = ?1 AND region = ?2 \
                 AND policy_name = ?3 ORDER BY target",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, name], |r| r.get(0))
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn target_policies(&self, scope: &Scope, target: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT policy_name FROM policy_targets WHERE account = ?1 AND region = ?2 \
                 AND target = ?3 ORDER BY policy_name",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![scope.account, scope.region, target], |r| r.get(0))
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn attach_policy(&self, scope: &Scope, name: &str, target: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT OR IGNORE INTO policy_targets (account, region, policy_name, target) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name, target])
            .map(drop)
            .map_err(store_err)
    }

    fn detach_policy(&self, scope: &Scope, name: &str, target: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM policy_targets WHERE account = ?1 AND region = ?2 AND policy_name = ?3 AND target = ?4",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, name, target])
            .map(drop)
            .map_err(store_err)
    }
}
