//! Certificate transfers between accounts (same region): Transfer by the owner,
//! then Accept or Reject by the target, or Cancel by the owner (guide L17008-17099,
//! L17616-17705, L27922-28067, L30904-31007, L33142-33284).

use super::certificates::{
    Certificate, CertificateError, CertificateStatus, Transfer, certificate_not_found,
};
use crate::domain::{Clock, Scope, Store};

pub struct Transfers<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
}

fn completed(id: &str) -> CertificateError {
    CertificateError::TransferAlreadyCompleted(format!(
        "The transfer of certificate {id} is already complete."
    ))
}

impl<S: Store> Transfers<'_, S> {
    /// TransferCertificate: only an inactive certificate with no policies attached.
    pub fn transfer(
        &self,
        scope: &Scope,
        id: &str,
        target_account: &str,
        message: Option<String>,
    ) -> Result<Certificate, CertificateError> {
        if target_account == scope.account {
            return Err(crate::domain::registry::RegistryError::Invalid(
                "A certificate cannot be transferred to the account that owns it.".to_owned(),
            )
            .into());
        }
        self.store.write(|tx| {
            let mut cert = tx.certificate(scope, id)?.ok_or_else(|| certificate_not_found(id))?;
            match cert.status {
                CertificateStatus::Active => {
                    return Err(CertificateError::State(format!(
                        "Certificate {id} is ACTIVE; set it INACTIVE before transferring it."
                    )));
                }
                CertificateStatus::PendingTransfer => {
                    return Err(CertificateError::State(format!(
                        "Certificate {id} is already pending transfer."
                    )));
                }
                _ => {}
            }
            if !tx.target_policies(scope, &cert.arn(scope))?.is_empty() {
                return Err(CertificateError::TransferConflict(format!(
                    "Certificate {id} has policies attached; detach them before transferring it."
                )));
            }
            let now = self.clock.now_millis();
            cert.status = CertificateStatus::PendingTransfer;
            cert.modified_at = now;
            cert.transfer = Some(Transfer {
                target_account: target_account.to_owned(),
                message,
                reject_reason: None,
                transfer_date: now,
                accept_date: None,
                reject_date: None,
            });
            tx.put_certificate(scope, &cert)?;
            Ok(cert)
        })
    }

    /// Finds a certificate pending transfer to `scope`'s account, with its owner's scope.
    fn incoming(
        tx: &dyn crate::domain::Tx,
        scope: &Scope,
        id: &str,
    ) -> Result<(Scope, Certificate), CertificateError> {
        if let Some(mine) = tx.certificate(scope, id)?
            && mine.transfer.as_ref().is_some_and(|t| t.accept_date.is_some())
        {
            return Err(completed(id));
        }
        for (owner, cert) in tx.certificates_with_id(&scope.region, id)? {
            if owner == scope.account {
                continue;
            }
            let Some(t) = &cert.transfer else { continue };
            if t.target_account != scope.account {
                continue;
            }
            if cert.status != CertificateStatus::PendingTransfer {
                return Err(completed(id));
            }
            return Ok((Scope::new(owner, scope.region.clone()), cert));
        }
        Err(certificate_not_found(id).into())
    }

    /// AcceptCertificateTransfer: the certificate moves to the accepting account.
    pub fn accept(
        &self,
        scope: &Scope,
        id: &str,
        set_as_active: bool,
    ) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            let (source, mut cert) = Self::incoming(tx, scope, id)?;
            let now = self.clock.now_millis();
            tx.delete_certificate(&source, id)?;
            cert.previous_owner = Some(cert.owner.clone());
            cert.owner = scope.account.clone();
            cert.status =
                if set_as_active { CertificateStatus::Active } else { CertificateStatus::Inactive };
            cert.modified_at = now;
            if let Some(t) = cert.transfer.as_mut() {
                t.accept_date = Some(now);
            }
            tx.put_certificate(scope, &cert)?;
            Ok(())
        })
    }

    /// RejectCertificateTransfer: the certificate stays with its owner, INACTIVE.
    pub fn reject(
        &self,
        scope: &Scope,
        id: &str,
        reason: Option<String>,
    ) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            let (source, mut cert) = Self::incoming(tx, scope, id)?;
            let now = self.clock.now_millis();
            cert.status = CertificateStatus::Inactive;
            cert.modified_at = now;
            if let Some(t) = cert.transfer.as_mut() {
                t.reject_date = Some(now);
                t.reject_reason = reason;
            }
            tx.put_certificate(&source, &cert)?;
            Ok(())
        })
    }

    /// CancelCertificateTransfer, by the owner: back to INACTIVE.
    pub fn cancel(&self, scope: &Scope, id: &str) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            let Some(mut cert) = tx.certificate(scope, id)? else {
                let moved = tx
                    .certificates_with_id(&scope.region, id)?
                    .into_iter()
                    .any(|(_, c)| c.previous_owner.as_deref() == Some(scope.account.as_str()));
                return Err(if moved { completed(id) } else { certificate_not_found(id).into() });
            };
            if cert.status != CertificateStatus::PendingTransfer {
                if cert.transfer.as_ref().is_some_and(|t| t.reject_date.is_some()) {
                    return Err(completed(id));
                }
                return Err(crate::domain::registry::RegistryError::Invalid(format!(
                    "Certificate {id} is not pending transfer."
                ))
                .into());
            }
            cert.status = CertificateStatus::Inactive;
            cert.modified_at = self.clock.now_millis();
            cert.transfer = None;
            tx.put_certificate(scope, &cert)?;
            Ok(())
        })
    }

    /// ListOutgoingCertificates: the owner's certificates pending transfer.
    pub fn outgoing(&self, scope: &Scope) -> Result<Vec<Certificate>, CertificateError> {
        self.store.read(|tx| {
            Ok(tx
                .list_certificates(scope, None, true, None, u32::MAX as usize)?
                .into_iter()
                .filter(|c| c.status == CertificateStatus::PendingTransfer)
                .collect())
        })
    }
}
