//! The emulator's own public-key infrastructure (DESIGN D6): a root CA made at first
//! start and kept in the store, and the server certificate it signs for the TLS
//! listeners.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};

use super::{Store, StoreError};

/// The root CA: certificate and private key, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaMaterial {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Storage of the root CA, inside a transaction.
pub trait CaRecords {
    fn root_ca(&self) -> Result<Option<CaMaterial>, StoreError>;
    fn put_root_ca(&self, ca: &CaMaterial) -> Result<(), StoreError>;
}

/// The server's certificate chain and key for TLS listeners.
#[derive(Debug, Clone)]
pub struct ServerIdentity {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
    /// The names in the certificate's subjectAltName.
    pub names: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const CA_COMMON_NAME: &str = "iot-emulator Root CA";

/// Loads the root CA, making and storing one on first start.
pub fn ensure_root_ca(store: &impl Store) -> Result<CaMaterial, PkiError> {
    store.write(|tx| {
        if let Some(ca) = tx.root_ca()? {
            return Ok(ca);
        }
        let ca = new_root_ca()?;
        tx.put_root_ca(&ca)?;
        Ok(ca)
    })
}

fn new_root_ca() -> Result<CaMaterial, rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "iot-emulator");
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2049, 12, 31);
    let cert = params.self_signed(&key)?;
    Ok(CaMaterial { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

/// The names every server certificate carries, plus the configured host name.
pub fn server_names(hostname: &str) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    if !hostname.is_empty() && !names.iter().any(|n| n == hostname) {
        names.push(hostname.to_owned());
    }
    names
}

/// Issues a fresh server certificate, signed by the root CA, naming `names`.
pub fn issue_server_identity(
    ca: &CaMaterial,
    names: Vec<String>,
) -> Result<ServerIdentity, PkiError> {
    let ca_key = KeyPair::from_pem(&ca.key_pem)?;
    let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, ca_key)?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.clone())?;
    params.distinguished_name.push(DnType::CommonName, names[0].clone());
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2049, 12, 31);
    let cert = params.signed_by(&key, &issuer)?;
    Ok(ServerIdentity {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_der: key.serialize_der(),
        names,
    })
}
