//! The root CA, kept in the `meta` table.

use rusqlite::OptionalExtension;

use super::{SqlTx, store_err};
use crate::domain::StoreError;
use crate::domain::pki::{CaMaterial, CaRecords};

const CERT_KEY: &str = "root_ca.cert_pem";
const KEY_KEY: &str = "root_ca.key_pem";

impl SqlTx<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(store_err)
    }

    fn put_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.0
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(drop)
            .map_err(store_err)
    }
}

impl CaRecords for SqlTx<'_> {
    fn root_ca(&self) -> Result<Option<CaMaterial>, StoreError> {
        match (self.meta(CERT_KEY)?, self.meta(KEY_KEY)?) {
            (Some(cert_pem), Some(key_pem)) => Ok(Some(CaMaterial { cert_pem, key_pem })),
            _ => Ok(None),
        }
    }

    fn put_root_ca(&self, ca: &CaMaterial) -> Result<(), StoreError> {
        self.put_meta(CERT_KEY, &ca.cert_pem)?;
        self.put_meta(KEY_KEY, &ca.key_pem)
    }
}
