//! CA certificates and registration codes in SQLite.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{SqlTx, conversion, store_err};
use crate::domain::security::ca_certificates::{
    CaCertificate, CaCertificateRecords, RegistrationConfig,
};
use crate::domain::security::certificates::CertificateMode;
use crate::domain::{Scope, StoreError};

const COLUMNS: &str = "id, pem, subject_der, active, auto_registration, registration_config, mode, \
                       owner, created_at, modified_at, customer_version, generation_id, not_before, not_after";

#[derive(Serialize, Deserialize)]
struct ConfigJson {
    template_body: Option<String>,
    role_arn: Option<String>,
    template_name: Option<String>,
}

fn ca_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaCertificate> {
    let config: Option<String> = r.get(5)?;
    let mode: String = r.get(6)?;
    Ok(CaCertificate {
        id: r.get(0)?,
        pem: r.get(1)?,
        subject_der: r.get(2)?,
        active: r.get(3)?,
        auto_registration: r.get(4)?,
        registration_config: config
            .map(|c| serde_json::from_str::<ConfigJson>(&c))
            .transpose()
            .map_err(|e| conversion(5, e))?
            .map(|c| RegistrationConfig {
                template_body: c.template_body,
                role_arn: c.role_arn,
                template_name: c.template_name,
            }),
        mode: CertificateMode::parse(&mode)
            .ok_or_else(|| conversion(6, StoreError(format!("unknown mode {mode}").into())))?,
        owner: r.get(7)?,
        created_at: r.get(8)?,
        modified_at: r.get(9)?,
        customer_version: r.get(10)?,
        generation_id: r.get(11)?,
        not_before: r.get(12)?,
        not_after: r.get(13)?,
    })
}

impl CaCertificateRecords for SqlTx<'_> {
    fn ca_certificate(&self, scope: &Scope, id: &str) -> Result<Option<CaCertificate>, StoreError> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM ca_certificates WHERE account = ?1 AND region = ?2 AND id = ?3"
            ))
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, id], ca_row)
            .optional()
            .map_err(store_err)
    }

    fn put_ca_certificate(&self, scope: &Scope, c: &CaCertificate) -> Result<(), StoreError> {
        let config = c
            .registration_config
            .as_ref()
            .map(|r| {
                serde_json::to_string(&ConfigJson {
                    template_body: r.template_body.clone(),
                    role_arn: r.role_arn.clone(),
                    template_name: r.template_name.clone(),
                })
            })
            .transpose()
            .map_err(store_err)?;
        self.0
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO ca_certificates (account, region, {COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ))
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                c.id,
                c.pem,
                c.subject_der,
                c.active,
                c.auto_registration,
                config,
                c.mode.as_str(),
                c.owner,
                c.created_at,
                c.modified_at,
                c.customer_version,
                c.generation_id,
                c.not_before,
                c.not_after
            ])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_ca_certificate(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM ca_certificates WHERE account = ?1 AND region = ?2 AND id = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, id])
            .map(drop)
            .map_err(store_err)
    }

    fn ca_certificates(&self, scope: &Scope) -> Result<Vec<CaCertificate>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM ca_certificates WHERE account = ?1 AND region = ?2 ORDER BY created_at, id"
            ))
            .map_err(store_err)?;
        let rows =
            stmt.query_map(params![scope.account, scope.region], ca_row).map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn ca_certificates_in_region(
        &self,
        region: &str,
    ) -> Result<Vec<(String, CaCertificate)>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, account FROM ca_certificates WHERE region = ?1 ORDER BY account, created_at, id"
            ))
            .map_err(store_err)?;
        let rows =
            stmt.query_map(params![region], |r| Ok((r.get(14)?, ca_row(r)?))).map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn registration_code(&self, scope: &Scope) -> Result<Option<String>, StoreError> {
        self.0
            .prepare_cached(
                "SELECT code FROM registration_codes WHERE account = ?1 AND region = ?2",
            )
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region], |r| r.get(0))
            .optional()
            .map_err(store_err)
    }

    fn put_registration_code(&self, scope: &Scope, code: Option<&str>) -> Result<(), StoreError> {
        match code {
            Some(code) => self
                .0
                .prepare_cached("INSERT OR REPLACE INTO registration_codes (account, region, code) VALUES (?1, ?2, ?3)")
                .map_err(store_err)?
                .execute(params![scope.account, scope.region, code]),
            None => self
                .0
                .prepare_cached("DELETE FROM registration_codes WHERE account = ?1 AND region = ?2")
                .map_err(store_err)?
                .execute(params![scope.account, scope.region]),
        }
        .map(drop)
        .map_err(store_err)
    }
}
