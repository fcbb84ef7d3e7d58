//! SQLite, the store of record (DESIGN D4): migrations embedded and applied at open,
//! in memory by default or a WAL file under the data directory, every mutation one
//! transaction. One file per resource group implements its record trait.

mod ca;
mod ca_certificates;
mod certificates;
mod events;
mod policies;
mod principals;
mod shadows;
mod tags;
mod thing_groups;
mod thing_types;
mod things;
mod topic_rules;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use crate::domain::{Store, StoreError, Tx};

/// Migrations in order; `PRAGMA user_version` counts the ones applied.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_thing_types.sql"),
    include_str!("migrations/0003_thing_groups.sql"),
    include_str!("migrations/0004_security.sql"),
    include_str!("migrations/0005_ca_certificates.sql"),
    include_str!("migrations/0006_certificate_transfers.sql"),
    include_str!("migrations/0007_event_configurations.sql"),
    include_str!("migrations/0008_membership_ids.sql"),
    include_str!("migrations/0009_shadows.sql"),
    include_str!("migrations/0010_topic_rules.sql"),
];

/// Tables that `reset` keeps: the root CA must survive so devices keep trusting it.
const KEPT_ON_RESET: &[&str] = &["meta"];

/// The SQLite file name under the data directory.
pub const DB_FILE: &str = "iot-emulator.sqlite";

pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    /// Counts committed writes, so caches of stored state (a connection's policies)
    /// know when to reload.
    generation: AtomicU64,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

/// One open transaction (or read) handed to domain code.
pub(crate) struct SqlTx<'c>(&'c Connection);

/// A column that does not hold what its Rust type needs (bad JSON, unknown enum).
pub(crate) fn conversion(
    column: usize,
    e: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

pub(crate) fn store_err(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError(Box::new(e))
}

impl SqliteStore {
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory().map_err(store_err)?;
        Self::init(conn, None)
    }

    /// Opens (or creates) the store file in `dir`, in WAL mode.
    pub fn open_dir(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(store_err)?;
        let path = dir.join(DB_FILE);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(store_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(store_err)?;
        // WAL with NORMAL sync keeps every committed transaction across a process
        // crash; only a power loss could drop the last ones.
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(store_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(store_err)?;
        Self::init(conn, Some(path))
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<SqliteStore, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON").map_err(store_err)?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Mutex::new(conn), path, generation: AtomicU64::new(0) })
    }

    /// Changes whenever a write commits (or the store is reset).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The database file, when the store is persistent.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (it is
        // rolled back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(store_err)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction().map_err(store_err)?;
        tx.execute_batch(sql).map_err(store_err)?;
        tx.pragma_update(None, "user_version", i + 1).map_err(store_err)?;
        tx.commit().map_err(store_err)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let conn = self.lock();
        f(&SqlTx(&conn))
    }

    fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let out = self.write_data(f)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(out)
    }

    fn write_data<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(store_err)?;
        let out = f(&SqlTx(&tx))?;
        tx.commit().map_err(store_err)?;
        Ok(out)
    }

    fn reset(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(store_err)?;
        let tables: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .map_err(store_err)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(store_err)?
                .collect::<Result<_, _>>()
                .map_err(store_err)?
        };
        for table in tables.iter().filter(|t| !KEPT_ON_RESET.contains(&t.as_str())) {
            tx.execute(&format!("DELETE FROM \"{table}\""), []).map_err(store_err)?;
        }
        tx.commit().map_err(store_err)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Scope;
    use crate::domain::pki::CaMaterial;
    use crate::domain::registry::things::Thing;

    fn thing(name: &str) -> Thing {
        Thing {
            name: name.into(),
            id: format!("id-{name}"),
            type_name: None,
            attributes: [("k".to_string(), "v".to_string())].into(),
            version: 1,
            created_at: 5,
        }
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let store = SqliteStore::open_in_memory().unwrap();
        let scope = Scope::new("1", "r");
        let result: Result<(), StoreError> = store.write(|tx| {
            tx.put_thing(&scope, &thing("a"))?;
            Err(StoreError("boom".into()))
        });
        assert!(result.is_err());
        let found = store.read(|tx| tx.thing(&scope, "a")).unwrap();
        assert_eq!(found, None);
    }

    #[test]
    fn only_tracked_writes_advance_the_generation() {
        let store = SqliteStore::open_in_memory().unwrap();
        let scope = Scope::new("1", "r");
        let before = store.generation();
        store.write_data(|tx| tx.put_thing(&scope, &thing("a"))).unwrap();
        assert_eq!(store.generation(), before);
        store.write(|tx| tx.put_thing(&scope, &thing("b"))).unwrap();
        assert_eq!(store.generation(), before + 1);
    }

    #[test]
    fn a_data_dir_keeps_state_across_reopen_and_reset_keeps_the_ca() {
        let dir = tempfile::tempdir().unwrap();
        let scope = Scope::new("1", "r");
        let ca = CaMaterial { cert_pem: "c".into(), key_pem: "k".into() };
        {
            let store = SqliteStore::open_dir(dir.path()).unwrap();
            store
                .write(|tx| {
                    tx.put_thing(&scope, &thing("a"))?;
                    tx.put_root_ca(&ca)
                })
                .unwrap();
        }
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        assert_eq!(store.read(|tx| tx.thing(&scope, "a")).unwrap(), Some(thing("a")));
        let mode: String =
            store.lock().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        store.reset().unwrap();
        assert_eq!(store.read(|tx| tx.thing(&scope, "a")).unwrap(), None);
        assert_eq!(store.read(|tx| tx.root_ca()).unwrap(), Some(ca));
    }
}
