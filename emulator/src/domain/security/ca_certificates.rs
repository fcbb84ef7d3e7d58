//! Registered CA certificates and bring-your-own device certificates: the
//! registration code, RegisterCACertificate with its proof of possession, CA status
//! and auto-registration, and RegisterCertificate under a registered CA (guide
//! L3987-4200, L30459-30757).

use std::collections::BTreeMap;

use super::certificates::{Certificate, CertificateError, CertificateMode, CertificateStatus};
use super::x509::{self, ParsedCertificate, X509Error};
use crate::domain::registry::RegistryError;
use crate::domain::tags::add_tags;
use crate::domain::{Clock, IdGen, Millis, Scope, Store, StoreError, Tx};

/// CA certificates with the same subject one account may register per region (L3987).
pub const MAX_CAS_PER_SUBJECT: usize = 10;

/// How JITP provisions devices of a CA (kept, used by the provisioning issue).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationConfig {
    pub template_body: Option<String>,
    pub role_arn: Option<String>,
    pub template_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaCertificate {
    pub id: String,
    pub pem: String,
    /// The CA's subject, to find the CA of a device certificate by its issuer.
    pub subject_der: Vec<u8>,
    pub active: bool,
    pub auto_registration: bool,
    pub registration_config: Option<RegistrationConfig>,
    pub mode: CertificateMode,
    pub owner: String,
    pub created_at: Millis,
    pub modified_at: Millis,
    pub customer_version: i64,
    pub generation_id: String,
    pub not_before: Millis,
    pub not_after: Millis,
}

impl CaCertificate {
    pub fn arn(&self, scope: &Scope) -> String {
        scope.arn(&format!("cacert/{}", self.id))
    }
}

/// Storage of CA certificates and the registration code, inside a transaction.
pub trait CaCertificateRecords {
    fn ca_certificate(&self, scope: &Scope, id: &str) -> Result<Option<CaCertificate>, StoreError>;
    fn put_ca_certificate(&self, scope: &Scope, ca: &CaCertificate) -> Result<(), StoreError>;
    fn delete_ca_certificate(&self, scope: &Scope, id: &str) -> Result<(), StoreError>;
    /// Every CA certificate of the scope, by creation date then id.
    fn ca_certificates(&self, scope: &Scope) -> Result<Vec<CaCertificate>, StoreError>;
    /// The CA certificates of every account in `region`, with their accounts (for
    /// just-in-time registration, where the device's account is not known yet).
    fn ca_certificates_in_region(
        &self,
        region: &str,
    ) -> Result<Vec<(String, CaCertificate)>, StoreError>;
    fn registration_code(&self, scope: &Scope) -> Result<Option<String>, StoreError>;
    fn put_registration_code(&self, scope: &Scope, code: Option<&str>) -> Result<(), StoreError>;
}

/// What RegisterCACertificate is given besides the certificates.
#[derive(Debug, Clone, Default)]
pub struct CaRegistration {
    pub ca_pem: String,
    pub verification_pem: Option<String>,
    pub set_as_active: bool,
    pub allow_auto_registration: bool,
    pub registration_config: Option<RegistrationConfig>,
    pub mode: CertificateMode,
    pub tags: BTreeMap<String, String>,
}

/// An UpdateCACertificate request.
#[derive(Debug, Clone, Default)]
pub struct CaUpdate {
    pub active: Option<bool>,
    pub auto_registration: Option<bool>,
    pub registration_config: Option<RegistrationConfig>,
    pub remove_auto_registration: bool,
}

pub struct CaCertificates<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGen,
}

fn ca_not_found(id: &str) -> RegistryError {
    RegistryError::NotFound(format!("CA certificate {id} does not exist."))
}

fn get_ca(tx: &dyn Tx, scope: &Scope, id: &str) -> Result<CaCertificate, CertificateError> {
    Ok(tx.ca_certificate(scope, id)?.ok_or_else(|| ca_not_found(id))?)
}

/// The registered CAs that signed `cert`: same subject as its issuer, and the signature checks.
fn signing_cas(
    tx: &dyn Tx,
    scope: &Scope,
    cert: &ParsedCertificate,
) -> Result<Vec<CaCertificate>, CertificateError> {
    let mut found = Vec::new();
    for ca in tx.ca_certificates(scope)? {
        if ca.subject_der != cert.issuer_der {
            continue;
        }
        let parsed = x509::parse_certificate_pem(&ca.pem)?;
        if x509::verify_signed_by(cert, &parsed) {
            found.push(ca);
        }
    }
    Ok(found)
}

impl<S: Store> CaCertificates<'_, S> {
    /// GetRegistrationCode: the scope's code, made on first request.
    pub fn registration_code(&self, scope: &Scope) -> Result<String, CertificateError> {
        self.store.write(|tx| {
            if let Some(code) = tx.registration_code(scope)? {
                return Ok(code);
            }
            let code = x509::registration_code_from_ids(self.ids);
            tx.put_registration_code(scope, Some(&code))?;
            Ok(code)
        })
    }

    /// DeleteRegistrationCode: the next GetRegistrationCode makes a new one.
    pub fn delete_registration_code(&self, scope: &Scope) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            if tx.registration_code(scope)?.is_none() {
                return Err(RegistryError::NotFound(
                    "There is no registration code to delete.".to_owned(),
                )
                .into());
            }
            tx.put_registration_code(scope, None)?;
            Ok(())
        })
    }

    /// RegisterCACertificate: in DEFAULT mode the verification certificate must be
    /// signed by the CA's key with the registration code as its common name.
    pub fn register(
        &self,
        scope: &Scope,
        r: CaRegistration,
    ) -> Result<CaCertificate, CertificateError> {
        let ca = x509::parse_certificate_pem(&r.ca_pem)?;
        if !ca.is_ca {
            return Err(X509Error::Invalid(
                "The certificate is not a CA certificate (basicConstraints CA:TRUE is missing)."
                    .to_owned(),
            )
            .into());
        }
        let verification =
            r.verification_pem.as_deref().map(x509::parse_certificate_pem).transpose()?;
        self.store.write(|tx| {
            if r.mode == CertificateMode::Default {
                let Some(verification) = &verification else {
                    return Err(RegistryError::Invalid(
                        "A verification certificate is required to register a CA in DEFAULT mode.".to_owned(),
                    )
                    .into());
                };
                let Some(code) = tx.registration_code(scope)? else {
                    return Err(X509Error::RegistrationCode(
                        "There is no registration code; call GetRegistrationCode first.".to_owned(),
                    )
                    .into());
                };
                x509::check_verification_certificate(&code, &ca, verification)?;
            }
            if tx.ca_certificate(scope, &ca.id)?.is_some() {
                return Err(RegistryError::AlreadyExists(format!("CA certificate {} is already registered.", ca.id)).into());
            }
            let same_subject = tx.ca_certificates(scope)?.iter().filter(|c| c.subject_der == ca.subject_der).count();
            if same_subject >= MAX_CAS_PER_SUBJECT {
                return Err(RegistryError::LimitExceeded(format!(
                    "At most {MAX_CAS_PER_SUBJECT} CA certificates with the subject {} can be registered.",
                    ca.subject
                ))
                .into());
            }
            let now = self.clock.now_millis();
            let record = CaCertificate {
                id: ca.id.clone(),
                pem: ca.to_pem(),
                subject_der: ca.subject_der.clone(),
                active: r.set_as_active,
                auto_registration: r.allow_auto_registration,
                registration_config: r.registration_config.clone(),
                mode: r.mode,
                owner: scope.account.clone(),
                created_at: now,
                modified_at: now,
                customer_version: 1,
                generation_id: self.ids.uuid(),
                not_before: ca.not_before,
                not_after: ca.not_after,
            };
            tx.put_ca_certificate(scope, &record)?;
            add_tags(tx, scope, &record.arn(scope), &r.tags)?;
            Ok(record)
        })
    }

    pub fn describe(&self, scope: &Scope, id: &str) -> Result<CaCertificate, CertificateError> {
        self.store.read(|tx| get_ca(tx, scope, id))
    }

    /// ListCACertificates, optionally only the CAs whose registration config names a template.
    pub fn list(
        &self,
        scope: &Scope,
        template: Option<&str>,
    ) -> Result<Vec<CaCertificate>, CertificateError> {
        let mut all =
            self.store.read(|tx| Ok::<_, CertificateError>(tx.ca_certificates(scope)?))?;
        if let Some(t) = template {
            all.retain(|c| {
                c.registration_config.as_ref().and_then(|r| r.template_name.as_deref()) == Some(t)
            });
        }
        Ok(all)
    }

    pub fn update(&self, scope: &Scope, id: &str, u: CaUpdate) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            let mut ca = get_ca(tx, scope, id)?;
            if let Some(active) = u.active {
                ca.active = active;
            }
            if let Some(auto) = u.auto_registration {
                ca.auto_registration = auto;
            }
            if u.remove_auto_registration {
                ca.auto_registration = false;
                ca.registration_config = None;
            } else if u.registration_config.is_some() {
                ca.registration_config = u.registration_config;
            }
            ca.modified_at = self.clock.now_millis();
            ca.customer_version += 1;
            tx.put_ca_certificate(scope, &ca)?;
            Ok(())
        })
    }

    /// DeleteCACertificate: refused while the CA is ACTIVE.
    pub fn delete(&self, scope: &Scope, id: &str) -> Result<(), CertificateError> {
        self.store.write(|tx| {
            let ca = get_ca(tx, scope, id)?;
            if ca.active {
                return Err(CertificateError::State(format!(
                    "CA certificate {id} is ACTIVE; set it INACTIVE before deleting it."
                )));
            }
            tx.delete_ca_certificate(scope, id)?;
            tx.drop_tags(scope, &ca.arn(scope))?;
            Ok(())
        })
    }

    /// RegisterCertificate: the device certificate must be signed by a registered,
    /// ACTIVE CA; `ca_pem` picks one where several share subject and key.
    pub fn register_certificate(
        &self,
        scope: &Scope,
        pem: &str,
        ca_pem: Option<&str>,
        status: CertificateStatus,
    ) -> Result<Certificate, CertificateError> {
        let cert = x509::parse_certificate_pem(pem)?;
        let chosen = ca_pem.map(x509::parse_certificate_pem).transpose()?;
        self.store.write(|tx| {
            let ca = match &chosen {
                Some(given) => {
                    let ca = tx.ca_certificate(scope, &given.id)?.ok_or_else(|| {
                        X509Error::Invalid("The given CA certificate is not registered.".to_owned())
                    })?;
                    if !x509::verify_signed_by(&cert, given) {
                        return Err(X509Error::Invalid("The certificate is not signed by the given CA certificate.".to_owned()).into());
                    }
                    ca
                }
                None => {
                    let mut cas = signing_cas(tx, scope, &cert)?;
                    match cas.len() {
                        0 => return Err(X509Error::Invalid("The certificate is not signed by a registered CA certificate.".to_owned()).into()),
                        1 => cas.remove(0),
                        _ => {
                            return Err(CertificateError::Conflict(
                                "Several registered CA certificates have this certificate's issuer and key; give caCertificatePem.".to_owned(),
                            ));
                        }
                    }
                }
            };
            if !ca.active {
                return Err(X509Error::Invalid(format!("CA certificate {} is not ACTIVE.", ca.id)).into());
            }
            self.insert_certificate(tx, scope, &cert, Some(ca.id), status, CertificateMode::Default)
        })
    }

    /// RegisterCertificateWithoutCA (today's API): SNI_ONLY mode, no CA involved.
    pub fn register_without_ca(
        &self,
        scope: &Scope,
        pem: &str,
        status: CertificateStatus,
    ) -> Result<Certificate, CertificateError> {
        let cert = x509::parse_certificate_pem(pem)?;
        self.store.write(|tx| {
            self.insert_certificate(tx, scope, &cert, None, status, CertificateMode::SniOnly)
        })
    }

    fn insert_certificate(
        &self,
        tx: &dyn Tx,
        scope: &Scope,
        cert: &ParsedCertificate,
        ca_id: Option<String>,
        status: CertificateStatus,
        mode: CertificateMode,
    ) -> Result<Certificate, CertificateError> {
        if status == CertificateStatus::PendingTransfer {
            return Err(CertificateError::State(
                "A certificate cannot be registered as PENDING_TRANSFER.".to_owned(),
            ));
        }
        if tx.certificate(scope, &cert.id)?.is_some() {
            return Err(RegistryError::AlreadyExists(format!(
                "Certificate {} is already registered.",
                cert.id
            ))
            .into());
        }
        let now = self.clock.now_millis();
        let record = Certificate {
            id: cert.id.clone(),
            pem: cert.to_pem(),
            ca_id,
            status,
            mode,
            owner: scope.account.clone(),
            previous_owner: None,
            created_at: now,
            modified_at: now,
            customer_version: 1,
            generation_id: self.ids.uuid(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            transfer: None,
        };
        tx.put_certificate(scope, &record)?;
        Ok(record)
    }

    /// The CA a listing by CA names must exist.
    pub fn check_exists(&self, scope: &Scope, id: &str) -> Result<(), CertificateError> {
        self.store.read(|tx| get_ca(tx, scope, id).map(drop))
    }
}

/// A device certificate registered just in time (JITR), or found still pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingActivation {
    pub scope: Scope,
    pub certificate: Certificate,
    pub ca_id: String,
    /// True when this connection registered it (false: it was already pending).
    pub newly_registered: bool,
}

/// Just-in-time registration (guide L4144-4186): a device presenting a certificate
/// that is not registered, signed by a registered ACTIVE CA with auto-registration
/// enabled, gets it registered as PENDING_ACTIVATION (and is still refused, since
/// only ACTIVE certificates connect). `None` when no such CA signed it.
pub fn just_in_time_register(
    store: &impl Store,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    region: &str,
    leaf_der: &[u8],
) -> Result<Option<PendingActivation>, CertificateError> {
    let cert = x509::parse_certificate_der(leaf_der)?;
    store.write(|tx| {
        for (account, ca) in tx.ca_certificates_in_region(region)? {
            if !ca.active || !ca.auto_registration || ca.subject_der != cert.issuer_der {
                continue;
            }
            let parsed = x509::parse_certificate_pem(&ca.pem)?;
            if !x509::verify_signed_by(&cert, &parsed) {
                continue;
            }
            let scope = Scope::new(account, region);
            if let Some(existing) = tx.certificate(&scope, &cert.id)? {
                // Only a certificate still awaiting activation is announced again.
                let pending = existing.status == CertificateStatus::PendingActivation;
                return Ok(pending.then_some(PendingActivation {
                    scope,
                    certificate: existing,
                    ca_id: ca.id,
                    newly_registered: false,
                }));
            }
            let now = clock.now_millis();
            let record = Certificate {
                id: cert.id.clone(),
                pem: cert.to_pem(),
                ca_id: Some(ca.id.clone()),
                status: CertificateStatus::PendingActivation,
                mode: CertificateMode::Default,
                owner: scope.account.clone(),
                previous_owner: None,
                created_at: now,
                modified_at: now,
                customer_version: 1,
                generation_id: ids.uuid(),
                not_before: cert.not_before,
                not_after: cert.not_after,
                transfer: None,
            };
            tx.put_certificate(&scope, &record)?;
            return Ok(Some(PendingActivation {
                scope,
                certificate: record,
                ca_id: ca.id,
                newly_registered: true,
            }));
        }
        Ok(None)
    })
}
