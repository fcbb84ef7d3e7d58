//! Device certificates as registry records: their statuses and the storage trait.
//! The X.509 work itself (issuing, parsing, verifying) is in `x509`.

use crate::domain::{Millis, Scope, StoreError};

/// A certificate's status (the API's enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateStatus {
    Active,
    Inactive,
    Revoked,
    PendingTransfer,
    RegisterInactive,
    PendingActivation,
}

impl CertificateStatus {
    pub const ALL: [CertificateStatus; 6] = [
        CertificateStatus::Active,
        CertificateStatus::Inactive,
        CertificateStatus::Revoked,
        CertificateStatus::PendingTransfer,
        CertificateStatus::RegisterInactive,
        CertificateStatus::PendingActivation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Active => "ACTIVE",
            CertificateStatus::Inactive => "INACTIVE",
            CertificateStatus::Revoked => "REVOKED",
            CertificateStatus::PendingTransfer => "PENDING_TRANSFER",
            CertificateStatus::RegisterInactive => "REGISTER_INACTIVE",
            CertificateStatus::PendingActivation => "PENDING_ACTIVATION",
        }
    }

    pub fn parse(s: &str) -> Option<CertificateStatus> {
        CertificateStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How devices present the certificate: with SNI only (registered without a CA)
/// or in the default way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CertificateMode {
    #[default]
    Default,
    SniOnly,
}

impl CertificateMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateMode::Default => "DEFAULT",
            CertificateMode::SniOnly => "SNI_ONLY",
        }
    }

    pub fn parse(s: &str) -> Option<CertificateMode> {
        [CertificateMode::Default, CertificateMode::SniOnly].into_iter().find(|m| m.as_str() == s)
    }
}

/// A pending or finished transfer to another account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub target_account: String,
    pub message: Option<String>,
    pub reject_reason: Option<String>,
    pub transfer_date: Millis,
    pub accept_date: Option<Millis>,
    pub reject_date: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// SHA-256 of the DER, lowercase hex.
    pub id: String,
    pub pem: String,
    /// The registered CA that signed it, if any.
    pub ca_id: Option<String>,
    pub status: CertificateStatus,
    pub mode: CertificateMode,
    pub owner: String,
    pub previous_owner: Option<String>,
    pub created_at: Millis,
    pub modified_at: Millis,
    pub customer_version: i64,
    pub generation_id: String,
    pub not_before: Millis,
    pub not_after: Millis,
    pub transfer: Option<Transfer>,
}

impl Certificate {
    pub fn arn(&self, scope: &Scope) -> String {
        scope.arn(&format!("cert/{}", self.id))
    }
}

/// Storage of certificates, inside a transaction.
pub trait CertificateRecords {
    fn certificate(&self, scope: &Scope, id: &str) -> Result<Option<Certificate>, StoreError>;
    fn put_certificate(&self, scope: &Scope, certificate: &Certificate) -> Result<(), StoreError>;
    fn delete_certificate(&self, scope: &Scope, id: &str) -> Result<(), StoreError>;
    /// Up to `limit` certificates (only those signed by `ca` if given), ordered by
    /// creation date then id, ascending or descending, after the `after` position.
    fn list_certificates(
        &self,
        scope: &Scope,
        ca: Option<&str>,
        ascending: bool,
        after: Option<(Millis, &str)>,
        limit: usize,
    ) -> Result<Vec<Certificate>, StoreError>;

    /// The certificates with this id in any account of `region`, with their owners
    /// (for transfers between accounts).
    fn certificates_with_id(
        &self,
        region: &str,
        id: &str,
    ) -> Result<Vec<(String, Certificate)>, StoreError>;

    fn certificate_exists(&self, scope: &Scope, id: &str) -> Result<bool, StoreError> {
        Ok(self.certificate(scope, id)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in CertificateStatus::ALL {
            assert_eq!(CertificateStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CertificateStatus::parse("active"), None);
    }
}

/// Why a certificate operation was refused, beyond the registry's kinds.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error(transparent)]
    Registry(#[from] crate::domain::registry::RegistryError),
    #[error(transparent)]
    X509(#[from] super::x509::X509Error),
    /// Not allowed in the certificate's current status (`CertificateStateException`).
    #[error("{0}")]
    State(String),
    /// Still attached (`DeleteConflictException`).
    #[error("{0}")]
    DeleteConflict(String),
    /// Several registered CAs could have signed it (`CertificateConflictException`).
    #[error("{0}")]
    Conflict(String),
    /// Policies are still attached (`TransferConflictException`).
    #[error("{0}")]
    TransferConflict(String),
    /// The transfer was already accepted or rejected (`TransferAlreadyCompletedException`).
    #[error("{0}")]
    TransferAlreadyCompleted(String),
}

impl From<StoreError> for CertificateError {
    fn from(e: StoreError) -> Self {
        CertificateError::Registry(crate::domain::registry::RegistryError::Store(e))
    }
}

pub(crate) fn certificate_not_found(id: &str) -> crate::domain::registry::RegistryError {
    crate::domain::registry::RegistryError::NotFound(format!("Certificate {id} does not exist."))
}

/// The certificate operations: issuing with the emulator's root CA, describing,
/// listing, status changes and deletion with the guide's guards (L33564-33582,
/// L20628-20721).
pub struct Certificates<'a, S: crate::domain::Store> {
    pub store: &'a S,
    pub clock: &'a dyn crate::domain::Clock,
    pub ids: &'a dyn crate::domain::IdGen,
    pub ca: &'a crate::domain::pki::CaMaterial,
    pub key_algorithm: super::x509::KeyAlgorithm,
}

/// Where a certificate listing continues: the creation date and id of the last one.
pub type ListPosition = (Millis, String);

fn initial_status(set_as_active: bool) -> CertificateStatus {
    if set_as_active { CertificateStatus::Active } else { CertificateStatus::Inactive }
}

impl<S: crate::domain::Store> Certificates<'_, S> {
    fn record(
        &self,
        scope: &Scope,
        pem: String,
        status: CertificateStatus,
    ) -> Result<Certificate, CertificateError> {
        let parsed = super::x509::parse_certificate_pem(&pem)?;
        let now = self.clock.now_millis();
        Ok(Certificate {
            id: parsed.id,
            pem,
            ca_id: None,
            status,
            mode: CertificateMode::Default,
            owner: scope.account.clone(),
            previous_owner: None,
            created_at: now,
            modified_at: now,
            customer_version: 1,
            generation_id: self.ids.uuid(),
            not_before: parsed.not_before,
            not_after: parsed.not_after,
            transfer: None,
        })
    }

    /// CreateKeysAndCertificate: a new key pair and a certificate for it signed by
    /// the emulator's root CA. The private key is returned here and never again.
    pub fn create_keys_and_certificate(
        &self,
        scope: &Scope,
        set_as_active: bool,
    ) -> Result<(Certificate, super::x509::IssuedCertificate), CertificateError> {
        let issued = super::x509::issue_keys_and_certificate(self.ca, self.key_algorithm)?;
        let cert =
            self.record(scope, issued.certificate_pem.clone(), initial_status(set_as_active))?;
        self.store.write(|tx| tx.put_certificate(scope, &cert))?;
        Ok((cert, issued))
    }

    /// CreateCertificateFromCsr: the CSR's key and subject, signed by the root CA.
    pub fn create_from_csr(
        &self,
        scope: &Scope,
        csr_pem: &str,
        set_as_active: bool,
    ) -> Result<Certificate, CertificateError> {
        let issued = super::x509::sign_csr(self.ca, csr_pem)?;
        let cert = self.record(scope, issued.certificate_pem, initial_status(set_as_active))?;
        self.store.write(|tx| tx.put_certificate(scope, &cert))?;
        Ok(cert)
    }

    pub fn describe(&self, scope: &Scope, id: &str) -> Result<Certificate, CertificateError> {
        Ok(self
            .store
            .read(|tx| tx.certificate(scope, id))?
            .ok_or_else(|| certificate_not_found(id))?)
    }

    pub fn list(
        &self,
        scope: &Scope,
        ca: Option<&str>,
        ascending: bool,
        after: Option<(Millis, &str)>,
        limit: usize,
    ) -> Result<(Vec<Certificate>, Option<ListPosition>), CertificateError> {
        let certs =
            self.store.read(|tx| tx.list_certificates(scope, ca, ascending, after, limit + 1))?;
        Ok(crate::domain::paging::paginate(certs, limit, |c| (c.created_at, c.id.clone())))
    }

    /// UpdateCertificate: idempotent; PENDING_TRANSFER cannot be set, and a
    /// certificate being transferred cannot be changed.
    pub fn update_status(
        &self,
        scope: &Scope,
        id: &str,
        status: CertificateStatus,
    ) -> Result<(), CertificateError> {
        if status == CertificateStatus::PendingTransfer {
            return Err(CertificateError::State(
                "PENDING_TRANSFER is set by TransferCertificate only.".to_owned(),
            ));
        }
        self.store.write(|tx| {
            let mut cert = tx.certificate(scope, id)?.ok_or_else(|| certificate_not_found(id))?;
            if cert.status == CertificateStatus::PendingTransfer {
                return Err(CertificateError::State(format!(
                    "Certificate {id} is pending transfer; accept, reject or cancel the transfer first."
                )));
            }
            if cert.status != status {
                cert.status = status;
                cert.modified_at = self.clock.now_millis();
                cert.customer_version += 1;
                tx.put_certificate(scope, &cert)?;
            }
            Ok(())
        })
    }

    /// DeleteCertificate: not while ACTIVE, not while attached to a thing; attached
    /// policies refuse it too unless `force`, which detaches them.
    pub fn delete(&self, scope: &Scope, id: &str, force: bool) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            let cert = tx.certificate(scope, id)?.ok_or_else(|| certificate_not_found(id))?;
            if cert.status == CertificateStatus::Active {
                return Err(CertificateError::State(format!(
                    "Certificate {id} is ACTIVE; set it INACTIVE before deleting it."
                )));
            }
            let arn = cert.arn(scope);
            if !tx.principal_things(scope, &arn)?.is_empty() {
                return Err(CertificateError::DeleteConflict(format!(
                    "Certificate {id} is attached to one or more things; detach them first."
                )));
            }
            let policies = tx.target_policies(scope, &arn)?;
            if !policies.is_empty() && !force {
                return Err(CertificateError::DeleteConflict(format!(
                    "Certificate {id} has policies attached ({}); detach them first.",
                    policies.join(", ")
                )));
            }
            for p in policies {
                tx.detach_policy(scope, &p, &arn)?;
            }
            tx.delete_certificate(scope, id)?;
            Ok(())
        })
    }
}
