//! Certificates in SQLite.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::{SqlTx, conversion, store_err};
use crate::domain::security::certificates::{
    Certificate, CertificateMode, CertificateRecords, CertificateStatus, Transfer,
};
use crate::domain::{Millis, Scope, StoreError};

const COLUMNS: &str = "id, pem, ca_id, status, owner, previous_owner, created_at, modified_at, \
                       customer_version, generation_id, not_before, not_after, transfer, mode";

/// The transfer column's JSON.
#[derive(Serialize, Deserialize)]
struct TransferJson {
    target_account: String,
    message: Option<String>,
    reject_reason: Option<String>,
    transfer_date: Millis,
    accept_date: Option<Millis>,
    reject_date: Option<Millis>,
}

fn certificate_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Certificate> {
    let status: String = r.get(3)?;
    let transfer: Option<String> = r.get(12)?;
    let transfer = transfer
        .map(|t| serde_json::from_str::<TransferJson>(&t))
        .transpose()
        .map_err(|e| conversion(12, e))?
        .map(|t| Transfer {
            target_account: t.target_account,
            message: t.message,
            reject_reason: t.reject_reason,
            transfer_date: t.transfer_date,
            accept_date: t.accept_date,
            reject_date: t.reject_date,
        });
    Ok(Certificate {
        id: r.get(0)?,
        pem: r.get(1)?,
        ca_id: r.get(2)?,
        status: CertificateStatus::parse(&status)
            .ok_or_else(|| conversion(3, StoreError(format!("unknown status {status}").into())))?,
        owner: r.get(4)?,
        previous_owner: r.get(5)?,
        created_at: r.get(6)?,
        modified_at: r.get(7)?,
        customer_version: r.get(8)?,
        generation_id: r.get(9)?,
        not_before: r.get(10)?,
        not_after: r.get(11)?,
        transfer,
        mode: {
            let mode: String = r.get(13)?;
            CertificateMode::parse(&mode)
                .ok_or_else(|| conversion(13, StoreError(format!("unknown mode {mode}").into())))?
        },
    })
}

impl CertificateRecords for SqlTx<'_> {
    fn certificate(&self, scope: &Scope, id: &str) -> Result<Option<Certificate>, StoreError> {
        self.0
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM certificates WHERE account = ?1 AND region = ?2 AND id = ?3"
            ))
            .map_err(store_err)?
            .query_row(params![scope.account, scope.region, id], certificate_row)
            .optional()
            .map_err(store_err)
    }

    fn put_certificate(&self, scope: &Scope, c: &Certificate) -> Result<(), StoreError> {
        let transfer = c
            .transfer
            .as_ref()
            .map(|t| {
                serde_json::to_string(&TransferJson {
                    target_account: t.target_account.clone(),
                    message: t.message.clone(),
                    reject_reason: t.reject_reason.clone(),
                    transfer_date: t.transfer_date,
                    accept_date: t.accept_date,
                    reject_date: t.reject_date,
                })
            })
            .transpose()
            .map_err(store_err)?;
        self.0
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO certificates (account, region, {COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ))
            .map_err(store_err)?
            .execute(params![
                scope.account,
                scope.region,
                c.id,
                c.pem,
                c.ca_id,
                c.status.as_str(),
                c.owner,
                c.previous_owner,
                c.created_at,
                c.modified_at,
                c.customer_version,
                c.generation_id,
                c.not_before,
                c.not_after,
                transfer,
                c.mode.as_str()
            ])
            .map(drop)
            .map_err(store_err)
    }

    fn delete_certificate(&self, scope: &Scope, id: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "DELETE FROM certificates WHERE account = ?1 AND region = ?2 AND id = ?3",
            )
            .map_err(store_err)?
            .execute(params![scope.account, scope.region, id])
            .map(drop)
            .map_err(store_err)
    }

    fn certificates_with_id(
        &self,
        region: &str,
        id: &str,
    ) -> Result<Vec<(String, Certificate)>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, account FROM certificates WHERE region = ?1 AND id = ?2 ORDER BY account"
            ))
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![region, id], |r| Ok((r.get(14)?, certificate_row(r)?)))
            .map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }

    fn list_certificates(
        &self,
        scope: &Scope,
        ca: Option<&str>,
        ascending: bool,
        after: Option<(Millis, &str)>,
        limit: usize,
    ) -> Result<Vec<Certificate>, StoreError> {
        let (cmp, order) = if ascending { (">", "ASC") } else { ("<", "DESC") };
        let sql = format!(
            "SELECT {COLUMNS} FROM certificates WHERE account = ?1 AND region = ?2 \
             AND (?3 IS NULL OR ca_id = ?3) \
             AND (?4 IS NULL OR (created_at, id) {cmp} (?4, ?5)) \
             ORDER BY created_at {order}, id {order} LIMIT ?6"
        );
        let args: Vec<Value> = vec![
            scope.account.clone().into(),
            scope.region.clone().into(),
            ca.map_or(Value::Null, |c| c.to_owned().into()),
            after.map_or(Value::Null, |(t, _)| t.into()),
            after.map_or(Value::Null, |(_, id)| id.to_owned().into()),
            (limit as i64).into(),
        ];
        let mut stmt = self.0.prepare_cached(&sql).map_err(store_err)?;
        let rows = stmt.query_map(params_from_iter(args), certificate_row).map_err(store_err)?;
        rows.collect::<Result<_, _>>().map_err(store_err)
    }
}
