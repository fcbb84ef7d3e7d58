//! X.509 for the emulator: certificate ids, parsing, issuing and verifying.
//!
//! Pure functions over PEM and DER (DESIGN D6): the API layer maps [`X509Error`] onto
//! AWS's exceptions, the store keeps what these functions return, and the broker's TLS
//! listener computes [`certificate_id`] of the certificate a client presents.
//!
//! - `CreateKeysAndCertificate` → [`issue_keys_and_certificate`] (guide L18402-18521)
//! - `CreateCertificateFromCsr` → [`sign_csr`] (guide L18043-18200)
//! - `RegisterCertificate` → [`parse_certificate_pem`] + [`verify_signed_by`]
//!   (guide L30625-30757, L4080-4142)
//! - `RegisterCACertificate` → [`check_verification_certificate`] (guide L4020-4078,
//!   L30459-30623); `GetRegistrationCode` → [`new_registration_code`] (guide L25689)

use std::time::Duration;

use rcgen::{
    DistinguishedName, DnType, DnValue, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
    SubjectPublicKeyInfo, date_time_ymd,
};
use ring::rand::{SecureRandom, SystemRandom};
use x509_parser::asn1_rs::Tag;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use crate::domain::clock::{IdGen, Millis};
use crate::domain::pki::CaMaterial;

/// The longest certificate PEM AWS accepts (`CertificatePem`: length 1..=65536).
pub const MAX_CERTIFICATE_PEM_CHARS: usize = 65_536;

/// The subject common name AWS gives certificates from `CreateKeysAndCertificate`.
pub const AWS_DEFAULT_SUBJECT: &str = "AWS IoT Certificate";

/// Why a certificate, CSR or verification certificate was refused.
///
/// Each variant names the AWS exception the API layer answers with; the message is
/// meant for that exception's `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum X509Error {
    /// The certificate is malformed, not signed by the expected CA, or otherwise not
    /// acceptable: `CertificateValidationException` (400).
    #[error("{0}")]
    Invalid(String),
    /// The verification certificate's common name is not the registration code:
    /// `RegistrationCodeValidationException` (400).
    #[error("{0}")]
    RegistrationCode(String),
    /// The request is malformed (PEM of the wrong size, an unusable CSR):
    /// `InvalidRequestException` (400). `CreateCertificateFromCsr` has no
    /// `CertificateValidationException`, so every CSR problem lands here.
    #[error("{0}")]
    InvalidRequest(String),
    /// The emulator failed to make a key or certificate (e.g. its root CA material does
    /// not load): `InternalFailureException` (500).
    #[error("{0}")]
    Internal(String),
}

/// A certificate, parsed once, with what the registry and the API need from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCertificate {
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// The certificate id: lowercase hex SHA-256 of [`Self::der`].
    pub id: String,
    /// The subject as text, attributes in DER order (`C=US, O=Acme, CN=device-1`).
    pub subject: String,
    /// The subject `Name`'s DER, for exact comparisons.
    pub subject_der: Vec<u8>,
    /// The first common name in the subject, if any.
    pub common_name: Option<String>,
    /// The issuer as text, like [`Self::subject`].
    pub issuer: String,
    /// The issuer `Name`'s DER.
    pub issuer_der: Vec<u8>,
    /// The serial number in lowercase hex, without leading zeros or separators.
    pub serial: String,
    /// Start of validity, milliseconds since the epoch.
    pub not_before: Millis,
    /// End of validity, milliseconds since the epoch.
    pub not_after: Millis,
    /// True when basicConstraints says `CA:TRUE`.
    pub is_ca: bool,
    /// The SubjectPublicKeyInfo's DER.
    pub public_key_der: Vec<u8>,
}

impl ParsedCertificate {
    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`, 64-column base64, LF).
    pub fn to_pem(&self) -> String {
        der_to_pem("CERTIFICATE", &self.der)
    }
}

/// Which key pair `CreateKeysAndCertificate` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// A 2048-bit RSA key pair: what AWS returns.
    #[default]
    Rsa2048,
    /// An ECDSA key pair on NIST P-256: faster to make, for tests that do not care.
    EcdsaP256,
}

/// A certificate the emulator issued together with its key pair
/// (`CreateKeysAndCertificate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// Its id ([`certificate_id`] of its DER).
    pub certificate_id: String,
    /// The public key as SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    pub public_key_pem: String,
    /// The private key, PEM: PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`) for RSA, as AWS
    /// returns it; PKCS#8 (`-----BEGIN PRIVATE KEY-----`) for EC, which OpenSSL, s2n
    /// (awscrt, Device SDK v2), paho/Python `ssl` (Device SDK v1) and mbedTLS all load.
    pub private_key_pem: String,
}

/// A certificate the emulator issued for a CSR (`CreateCertificateFromCsr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedFromCsr {
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// Its id ([`certificate_id`] of its DER).
    pub certificate_id: String,
}

/// The certificate id AWS IoT gives a certificate: the lowercase hex SHA-256 of its DER
/// (64 characters).
pub fn certificate_id(der: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
}

/// Parses a PEM that holds exactly one certificate (`certificatePem`,
/// `caCertificate`, `verificationCertificate`, ...).
///
/// The PEM must be 1..=65536 characters ([`X509Error::InvalidRequest`] otherwise), hold
/// one `CERTIFICATE` block and nothing else PEM-shaped, and the block must be one
/// well-formed X.509 certificate ([`X509Error::Invalid`] otherwise). Text outside the
/// block (comments, `openssl x509 -text` output) is ignored, as OpenSSL ignores it.
pub fn parse_certificate_pem(pem: &str) -> Result<ParsedCertificate, X509Error> {
    let chars = pem.chars().count();
    if chars == 0 || chars > MAX_CERTIFICATE_PEM_CHARS {
        return Err(X509Error::InvalidRequest(format!(
            "The certificate PEM must be between 1 and {MAX_CERTIFICATE_PEM_CHARS} characters \
             long, not {chars}"
        )));
    }
    let der = single_pem_block(pem, &["CERTIFICATE"], "certificate").map_err(X509Error::Invalid)?;
    parse_certificate_der(&der)
}

/// Parses one DER certificate (as the TLS listener receives it); see
/// [`parse_certificate_pem`].
pub fn parse_certificate_der(der: &[u8]) -> Result<ParsedCertificate, X509Error> {
    let cert = parse_der(der).map_err(X509Error::Invalid)?;
    let common_name =
        cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    Ok(ParsedCertificate {
        der: der.to_vec(),
        id: certificate_id(der),
        subject: cert.subject().to_string(),
        subject_der: cert.subject().as_raw().to_vec(),
        common_name,
        issuer: cert.issuer().to_string(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        serial: format!("{:x}", cert.serial),
        not_before: cert.validity().not_before.timestamp().saturating_mul(1000),
        not_after: cert.validity().not_after.timestamp().saturating_mul(1000),
        is_ca: cert.is_ca(),
        public_key_der: cert.public_key().raw.to_vec(),
    })
}

/// True when `issuer` issued `cert`: `cert`'s issuer name equals `issuer`'s subject
/// name, and `cert`'s signature verifies with `issuer`'s public key.
///
/// Only the signature is checked: neither validity dates nor `issuer`'s basicConstraints
/// (the caller decides whether `issuer` must be a registered, active CA). Signature
/// algorithms are those ring verifies: RSA PKCS#1 v1.5 and PSS with SHA-256/384/512
/// (2048-8192 bits), ECDSA P-256/P-384, Ed25519.
pub fn verify_signed_by(cert: &ParsedCertificate, issuer: &ParsedCertificate) -> bool {
    if cert.issuer_der != issuer.subject_der && cert.issuer != issuer.subject {
        return false;
    }
    let (Ok(cert), Ok(issuer)) = (parse_der(&cert.der), parse_der(&issuer.der)) else {
        return false;
    };
    cert.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Makes a key pair and a certificate for it signed by the emulator's root CA, as
/// `CreateKeysAndCertificate` does: subject `CN=AWS IoT Certificate`, a random 20-byte
/// serial, valid from 2024-01-01 until 2049-12-31T23:59:59Z (AWS-issued certificates
/// effectively do not expire, guide L3912), `CA:FALSE`, key usage digitalSignature.
pub fn issue_keys_and_certificate(
    ca: &CaMaterial,
    key: KeyAlgorithm,
) -> Result<IssuedCertificate, X509Error> {
    let issuer = root_issuer(ca)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, AWS_DEFAULT_SUBJECT);
    let (public_key, public_key_pem, private_key_pem) = match key {
        KeyAlgorithm::Rsa2048 => new_rsa_2048()?,
        KeyAlgorithm::EcdsaP256 => {
            let kp = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .map_err(|e| internal("EC key generation", e))?;
            let spki =
                SubjectPublicKeyInfo::from_der(&rcgen::PublicKeyData::subject_public_key_info(&kp))
                    .map_err(|e| internal("EC public key", e))?;
            (spki, kp.public_key_pem(), kp.serialize_pem())
        }
    };
    let (certificate_pem, certificate_id) = issue(&issuer, dn, &public_key)?;
    Ok(IssuedCertificate { certificate_pem, certificate_id, public_key_pem, private_key_pem })
}

/// Issues a certificate for a PEM CSR, signed by the emulator's root CA, as
/// `CreateCertificateFromCsr` does.
///
/// The CSR must hold one `CERTIFICATE REQUEST` block, its key must be RSA of at least
/// 2048 bits or EC on NIST P-256 or P-384 (guide L18047), and its self-signature must
/// verify. The certificate takes the CSR's subject and public key; requested extensions
/// are ignored (the certificate is `CA:FALSE`, digitalSignature), and validity and serial
/// are as in [`issue_keys_and_certificate`], so one CSR used twice yields two distinct
/// certificates (guide L18049). rcgen keeps one value per attribute type, so a subject
/// that repeats an attribute type keeps its last value, and multi-valued RDNs are
/// flattened. Every refusal is [`X509Error::InvalidRequest`].
pub fn sign_csr(ca: &CaMaterial, csr_pem: &str) -> Result<IssuedFromCsr, X509Error> {
    let der = single_pem_block(
        csr_pem,
        &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"],
        "certificate signing request",
    )
    .map_err(X509Error::InvalidRequest)?;
    let csr = match X509CertificationRequest::from_der(&der) {
        Ok(([], csr)) => csr,
        Ok(_) => {
            return Err(X509Error::InvalidRequest(
                "The certificate signing request has trailing data after its DER".into(),
            ));
        }
        Err(e) => {
            return Err(X509Error::InvalidRequest(format!(
                "The certificate signing request could not be parsed: {e}"
            )));
        }
    };
    let info = &csr.certification_request_info;
    check_csr_key(&info.subject_pki)?;
    csr.verify_signature().map_err(|_| {
        X509Error::InvalidRequest(
            "The certificate signing request's signature does not verify with its public key"
                .into(),
        )
    })?;
    let public_key = SubjectPublicKeyInfo::from_der(info.subject_pki.raw).map_err(|e| {
        X509Error::InvalidRequest(format!(
            "The certificate signing request's public key is not supported: {e}"
        ))
    })?;
    let dn = rcgen_name(&info.subject)?;
    let issuer = root_issuer(ca)?;
    let (certificate_pem, certificate_id) = issue(&issuer, dn, &public_key)?;
    Ok(IssuedFromCsr { certificate_pem, certificate_id })
}

/// Checks a `RegisterCACertificate` request: `ca` must be a CA certificate
/// (basicConstraints `CA:TRUE`), `verification`'s subject common name must be the
/// account's registration code, and `verification` must be signed by `ca`'s key.
///
/// A common name that is not the registration code is
/// [`X509Error::RegistrationCode`]; everything else is [`X509Error::Invalid`]. The
/// common name is compared without regard to ASCII case (the code is hex).
pub fn check_verification_certificate(
    registration_code: &str,
    ca: &ParsedCertificate,
    verification: &ParsedCertificate,
) -> Result<(), X509Error> {
    if !ca.is_ca {
        return Err(X509Error::Invalid(
            "CA certificate is not valid. The CA certificate does not have the basicConstraints \
             extension as true"
                .into(),
        ));
    }
    match &verification.common_name {
        Some(cn) if cn.eq_ignore_ascii_case(registration_code) => {}
        _ => {
            return Err(X509Error::RegistrationCode(
                "The verification certificate's common name is not the registration code".into(),
            ));
        }
    }
    if !verify_signed_by(verification, ca) {
        return Err(X509Error::Invalid(
            "The verification certificate is not signed by the CA certificate's private key".into(),
        ));
    }
    Ok(())
}

/// A fresh registration code (`GetRegistrationCode`): 64 lowercase hex characters from
/// the operating system's randomness.
pub fn new_registration_code() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("the operating system's randomness failed");
    hex(&bytes)
}

/// A registration code drawn from `ids` (the SHA-256 of two of its UUIDs), so that tests
/// pinning ids with `SequentialIds` get a stable code; 64 lowercase hex characters.
pub fn registration_code_from_ids(ids: &dyn IdGen) -> String {
    let seed = format!("{}{}", ids.uuid(), ids.uuid());
    certificate_id(seed.as_bytes())
}

// ----------------------------------------------------------------------------------------

/// Lower-case hexadecimal of `bytes` (certificate ids, digests, signatures).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

fn der_to_pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER of the one PEM block in `pem`, which must carry one of `labels`.
fn single_pem_block(pem: &str, labels: &[&str], what: &str) -> Result<Vec<u8>, String> {
    let mut blocks = Pem::iter_from_buffer(pem.as_bytes());
    let first = match blocks.next() {
        None => return Err(format!("The {what} PEM holds no PEM block")),
        Some(Err(e)) => return Err(format!("The {what} PEM is malformed: {e}")),
        Some(Ok(block)) => block,
    };
    if blocks.next().is_some() {
        return Err(format!("The {what} PEM must hold exactly one PEM block, it holds more"));
    }
    if !labels.contains(&first.label.as_str()) {
        return Err(format!(
            "The {what} PEM holds a {} block, not {}",
            first.label,
            labels.join(" or ")
        ));
    }
    Ok(first.contents)
}

fn parse_der(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err("The certificate has trailing data after its DER".into()),
        Err(e) => Err(format!("The certificate could not be parsed: {e}")),
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> X509Error {
    X509Error::Internal(format!("{what}: {e}"))
}

fn root_issuer(ca: &CaMaterial) -> Result<Issuer<'static, KeyPair>, X509Error> {
    let key = KeyPair::from_pem(&ca.key_pem).map_err(|e| internal("root CA key", e))?;
    Issuer::from_ca_cert_pem(&ca.cert_pem, key).map_err(|e| internal("root CA certificate", e))
}

/// A random positive 20-byte serial (RFC 5280's maximum), with its top byte non-zero
/// so every serial encodes in 20 bytes.
fn random_serial() -> Result<SerialNumber, X509Error> {
    let mut bytes = [0u8; 20];
    SystemRandom::new().fill(&mut bytes).map_err(|_| internal("serial", "no randomness"))?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

/// Signs a device certificate for `public_key` named `dn` with the root CA.
fn issue(
    issuer: &Issuer<'_, KeyPair>,
    dn: DistinguishedName,
    public_key: &SubjectPublicKeyInfo,
) -> Result<(String, String), X509Error> {
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = dn;
    params.serial_number = Some(random_serial()?);
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2049, 12, 31) + Duration::from_secs(86_399);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(public_key, issuer).map_err(|e| internal("certificate", e))?;
    Ok((cert.pem(), certificate_id(cert.der())))
}

/// A 2048-bit RSA key (the `rsa` crate: ring cannot make RSA keys): its public key for
/// rcgen, its SubjectPublicKeyInfo PEM, and its PKCS#1 private key PEM.
fn new_rsa_2048() -> Result<(SubjectPublicKeyInfo, String, String), X509Error> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::{EncodePublicKey as _, LineEnding};

    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|e| internal("RSA key generation", e))?;
    let public = key.to_public_key();
    let spki_der = public.to_public_key_der().map_err(|e| internal("RSA public key", e))?;
    let spki = SubjectPublicKeyInfo::from_der(spki_der.as_bytes())
        .map_err(|e| internal("RSA public key", e))?;
    let public_pem =
        public.to_public_key_pem(LineEnding::LF).map_err(|e| internal("RSA public key", e))?;
    let private_pem =
        key.to_pkcs1_pem(LineEnding::LF).map_err(|e| internal("RSA private key", e))?;
    Ok((spki, public_pem, private_pem.to_string()))
}

/// RSA of at least 2048 bits, or EC on P-256 or P-384 (guide L18047).
fn check_csr_key(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Result<(), X509Error> {
    const RULE: &str = "The certificate signing request's public key must be an RSA key of at \
                        least 2048 bits or an EC key on NIST P-256 or P-384";
    let alg = &spki.algorithm;
    if alg.algorithm == OID_PKCS1_RSAENCRYPTION {
        let bits = match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => modulus_bits(rsa.modulus),
            _ => 0,
        };
        if bits < 2048 {
            return Err(X509Error::InvalidRequest(format!("{RULE}; it is RSA of {bits} bits")));
        }
        Ok(())
    } else if alg.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = alg.parameters.as_ref().and_then(|p| p.as_oid().ok());
        match curve {
            Some(c) if c == OID_EC_P256 || c == OID_NIST_EC_P384 => Ok(()),
            Some(c) => Err(X509Error::InvalidRequest(format!("{RULE}; it is EC on curve {c}"))),
            None => Err(X509Error::InvalidRequest(format!("{RULE}; its EC curve is not named"))),
        }
    } else {
        Err(X509Error::InvalidRequest(format!("{RULE}; its algorithm is {}", alg.algorithm)))
    }
}

/// The bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn modulus_bits(modulus: &[u8]) -> usize {
    let trimmed = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}

/// The CSR's subject as an rcgen name, keeping each value's string type.
fn rcgen_name(name: &X509Name<'_>) -> Result<DistinguishedName, X509Error> {
    let bad = |what: &str| {
        X509Error::InvalidRequest(format!(
            "The certificate signing request's subject is not supported: {what}"
        ))
    };
    let mut dn = DistinguishedName::new();
    for attr in name.iter_attributes() {
        let oid: Vec<u64> = attr.attr_type().iter().ok_or_else(|| bad("attribute type"))?.collect();
        let value = attr.attr_value();
        let data = value.data;
        let text = || std::str::from_utf8(data).map_err(|_| bad("attribute value is not text"));
        let dn_value = match value.header.tag() {
            Tag::PrintableString => rcgen::string::PrintableString::try_from(text()?)
                .map(DnValue::PrintableString)
                .unwrap_or_else(|_| DnValue::Utf8String(String::from_utf8_lossy(data).into())),
            Tag::Ia5String => rcgen::string::Ia5String::try_from(text()?)
                .map(DnValue::Ia5String)
                .unwrap_or_else(|_| DnValue::Utf8String(String::from_utf8_lossy(data).into())),
            Tag::T61String => rcgen::string::TeletexString::try_from(text()?)
                .map(DnValue::TeletexString)
                .unwrap_or_else(|_| DnValue::Utf8String(String::from_utf8_lossy(data).into())),
            Tag::BmpString => rcgen::string::BmpString::from_utf16be(data.to_vec())
                .map(DnValue::BmpString)
                .map_err(|_| bad("BMPString"))?,
            Tag::UniversalString => rcgen::string::UniversalString::from_utf32be(data.to_vec())
                .map(DnValue::UniversalString)
                .map_err(|_| bad("UniversalString"))?,
            _ => DnValue::Utf8String(text()?.to_owned()),
        };
        dn.push(DnType::from_oid(&oid), dn_value);
    }
    Ok(dn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, PublicKeyData, SigningKey};

    /// A test CA: its material (as the emulator stores its root CA) and its key.
    fn test_ca(cn: &str) -> CaMaterial {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).unwrap();
        CaMaterial { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
    }

    /// A leaf certificate named `cn`, signed by `ca`.
    fn leaf(ca: &CaMaterial, cn: &str) -> String {
        let issuer = root_issuer(ca).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.signed_by(&key, &issuer).unwrap().pem()
    }

    fn csr_pem(key: &impl SigningKey, cn: &str) -> String {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::OrganizationName, "Acme");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.serialize_request(key).unwrap().pem().unwrap()
    }

    fn pem_contents(pem: &str) -> Vec<u8> {
        Pem::iter_from_buffer(pem.as_bytes()).next().unwrap().unwrap().contents
    }

    fn rsa_key_pair(bits: usize) -> rsa::RsaPrivateKey {
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).unwrap()
    }

    /// An RSA key of any size as an rcgen signer (ring refuses keys under 2048 bits),
    /// signing PKCS#1 v1.5 with SHA-256.
    struct RsaSigner {
        key: rsa::RsaPrivateKey,
        public_der: Vec<u8>,
    }

    impl RsaSigner {
        fn new(key: rsa::RsaPrivateKey) -> RsaSigner {
            use rsa::pkcs1::EncodeRsaPublicKey as _;
            let public_der = key.to_public_key().to_pkcs1_der().unwrap().into_vec();
            RsaSigner { key, public_der }
        }
    }

    impl PublicKeyData for RsaSigner {
        fn der_bytes(&self) -> &[u8] {
            &self.public_der
        }
        fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
            &rcgen::PKCS_RSA_SHA256
        }
    }

    impl SigningKey for RsaSigner {
        fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
            const SHA256_DIGEST_INFO: [u8; 19] = [
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ];
            let mut digest_info = SHA256_DIGEST_INFO.to_vec();
            digest_info
                .extend_from_slice(ring::digest::digest(&ring::digest::SHA256, msg).as_ref());
            Ok(self.key.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &digest_info).unwrap())
        }
    }

    fn is_lower_hex(s: &str) -> bool {
        s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    // --- certificate_id -----------------------------------------------------------------

    #[test]
    fn certificate_id_is_sha256_hex() {
        // FIPS 180-2 test vector: independent of our code.
        assert_eq!(
            certificate_id(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let ca = test_ca("Test CA");
        let a = parse_certificate_pem(&leaf(&ca, "a")).unwrap();
        let b = parse_certificate_pem(&leaf(&ca, "b")).unwrap();
        assert_eq!(a.id.len(), 64);
        assert!(is_lower_hex(&a.id));
        assert_eq!(a.id, certificate_id(&a.der));
        assert_eq!(certificate_id(&a.der), certificate_id(&a.der.clone()));
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn certificate_id_matches_sha256sum_of_der() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let ca = test_ca("Test CA");
        let cert = parse_certificate_pem(&leaf(&ca, "device")).unwrap();
        let Ok(mut child) =
            Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()
        else {
            return; // no coreutils here: the test vector above still holds
        };
        child.stdin.take().unwrap().write_all(&cert.der).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.split_whitespace().next().unwrap(), cert.id);
    }

    // --- parse_certificate_pem ----------------------------------------------------------

    #[test]
    fn parses_fields() {
        let ca = test_ca("Test CA");
        let pem = leaf(&ca, "device-1");
        let cert = parse_certificate_pem(&pem).unwrap();
        assert_eq!(cert.subject, "CN=device-1");
        assert_eq!(cert.common_name.as_deref(), Some("device-1"));
        assert_eq!(cert.issuer, "CN=Test CA");
        assert!(!cert.is_ca);
        assert!(!cert.serial.is_empty() && is_lower_hex(&cert.serial));
        // rcgen's defaults: 1975-01-01 .. 4096-01-01.
        assert_eq!(cert.not_before, 157_766_400_000);
        assert!(cert.not_after > cert.not_before);
        assert_eq!(cert.public_key_der[0], 0x30);
        assert_eq!(cert.to_pem(), pem.replace("\r\n", "\n"));
        let ca_cert = parse_certificate_pem(&ca.cert_pem).unwrap();
        assert!(ca_cert.is_ca);
        assert_eq!(ca_cert.subject_der, cert.issuer_der);
    }

    #[test]
    fn parse_accepts_text_around_the_block() {
        let ca = test_ca("Test CA");
        let pem = format!("Subject: CN=x\n{}\n\n", leaf(&ca, "x"));
        assert!(parse_certificate_pem(&pem).is_ok());
    }

    #[test]
    fn parse_refuses_garbage() {
        for pem in ["garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
            assert!(matches!(parse_certificate_pem(pem), Err(X509Error::Invalid(_))), "{pem}");
        }
        let not_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(parse_certificate_pem(not_base64), Err(X509Error::Invalid(_))));
    }

    #[test]
    fn parse_refuses_two_certificates_and_other_blocks() {
        let ca = test_ca("Test CA");
        let two = format!("{}{}", leaf(&ca, "a"), leaf(&ca, "b"));
        let err = parse_certificate_pem(&two).unwrap_err();
        assert!(matches!(&err, X509Error::Invalid(m) if m.contains("exactly one")), "{err}");
        let key = KeyPair::generate().unwrap().serialize_pem();
        assert!(matches!(parse_certificate_pem(&key), Err(X509Error::Invalid(_))));
        let with_key = format!("{}{key}", leaf(&ca, "a"));
        assert!(matches!(parse_certificate_pem(&with_key), Err(X509Error::Invalid(_))));
    }

    #[test]
    fn parse_refuses_empty_and_oversize_pem() {
        assert!(matches!(parse_certificate_pem(""), Err(X509Error::InvalidRequest(_))));
        let ca = test_ca("Test CA");
        let pem = leaf(&ca, "a");
        let padding = "#".repeat(MAX_CERTIFICATE_PEM_CHARS - pem.len() - 1);
        let padded = format!("{padding}\n{pem}");
        assert_eq!(padded.len(), MAX_CERTIFICATE_PEM_CHARS);
        assert!(parse_certificate_pem(&padded).is_ok());
        let over = format!("#{padded}");
        assert!(matches!(parse_certificate_pem(&over), Err(X509Error::InvalidRequest(_))));
    }

    // --- verify_signed_by ---------------------------------------------------------------

    #[test]
    fn verify_signed_by_checks_name_and_signature() {
        let ca = test_ca("Test CA");
        let ca_cert = parse_certificate_pem(&ca.cert_pem).unwrap();
        let device = parse_certificate_pem(&leaf(&ca, "device")).unwrap();
        assert!(verify_signed_by(&device, &ca_cert));
        assert!(verify_signed_by(&ca_cert, &ca_cert), "a root signs itself");
        assert!(!verify_signed_by(&ca_cert, &device));

        let other = parse_certificate_pem(&test_ca("Other CA").cert_pem).unwrap();
        assert!(!verify_signed_by(&device, &other));

        // Same name, different key: the name matches but the signature does not.
        let impostor = parse_certificate_pem(&test_ca("Test CA").cert_pem).unwrap();
        assert_eq!(impostor.subject_der, ca_cert.subject_der);
        assert!(!verify_signed_by(&device, &impostor));
    }

    // --- issue_keys_and_certificate -----------------------------------------------------

    #[test]
    fn keys_and_certificate_rsa() {
        let ca = test_ca("Root");
        let root = parse_certificate_pem(&ca.cert_pem).unwrap();
        let issued = issue_keys_and_certificate(&ca, KeyAlgorithm::Rsa2048).unwrap();
        let cert = parse_certificate_pem(&issued.certificate_pem).unwrap();
        assert_eq!(cert.id, issued.certificate_id);
        assert_eq!(cert.subject, "CN=AWS IoT Certificate");
        assert!(!cert.is_ca);
        assert!(verify_signed_by(&cert, &root));
        assert_eq!(cert.not_after, 2_524_607_999_000, "2049-12-31T23:59:59Z");

        assert!(issued.private_key_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        assert!(issued.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(pem_contents(&issued.public_key_pem), cert.public_key_der);

        // The private key (PKCS#1, read by ring, not by the crate that wrote it) signs
        // what the certificate's public key verifies.
        let pkcs1 = pem_contents(&issued.private_key_pem);
        let signer = ring::signature::RsaKeyPair::from_der(&pkcs1).unwrap();
        assert_eq!(signer.public().modulus_len(), 256);
        let mut sig = vec![0; signer.public().modulus_len()];
        let rng = SystemRandom::new();
        signer.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, b"hello", &mut sig).unwrap();
        let (_, x509) = X509Certificate::from_der(&cert.der).unwrap();
        let public = &x509.public_key().subject_public_key.data;
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public,
        )
        .verify(b"hello", &sig)
        .unwrap();
    }

    #[test]
    fn keys_and_certificate_ec() {
        let ca = test_ca("Root");
        let root = parse_certificate_pem(&ca.cert_pem).unwrap();
        let issued = issue_keys_and_certificate(&ca, KeyAlgorithm::EcdsaP256).unwrap();
        let cert = parse_certificate_pem(&issued.certificate_pem).unwrap();
        assert_eq!(cert.id, issued.certificate_id);
        assert!(verify_signed_by(&cert, &root));
        assert!(issued.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(pem_contents(&issued.public_key_pem), cert.public_key_der);
        let key = KeyPair::from_pem(&issued.private_key_pem).unwrap();
        assert_eq!(key.subject_public_key_info(), cert.public_key_der);
    }

    #[test]
    fn issued_certificates_get_distinct_serials() {
        let ca = test_ca("Root");
        let a = issue_keys_and_certificate(&ca, KeyAlgorithm::EcdsaP256).unwrap();
        let b = issue_keys_and_certificate(&ca, KeyAlgorithm::EcdsaP256).unwrap();
        let (a, b) = (
            parse_certificate_pem(&a.certificate_pem).unwrap(),
            parse_certificate_pem(&b.certificate_pem).unwrap(),
        );
        assert_ne!(a.serial, b.serial);
        assert_eq!(a.serial.len(), 40, "20-byte serial");
    }

    #[test]
    fn issuing_with_broken_ca_material_is_internal() {
        let ca = CaMaterial { cert_pem: "x".into(), key_pem: "y".into() };
        assert!(matches!(
            issue_keys_and_certificate(&ca, KeyAlgorithm::EcdsaP256),
            Err(X509Error::Internal(_))
        ));
    }

    // --- sign_csr -----------------------------------------------------------------------

    #[test]
    fn csr_rsa_2048() {
        let ca = test_ca("Root");
        let root = parse_certificate_pem(&ca.cert_pem).unwrap();
        let signer = RsaSigner::new(rsa_key_pair(2048));
        let issued = sign_csr(&ca, &csr_pem(&signer, "rsa-device")).unwrap();
        let cert = parse_certificate_pem(&issued.certificate_pem).unwrap();
        assert_eq!(cert.id, issued.certificate_id);
        assert_eq!(cert.subject, "O=Acme, CN=rsa-device");
        assert!(verify_signed_by(&cert, &root));
        assert_eq!(cert.public_key_der, signer.subject_public_key_info());
    }

    #[test]
    fn csr_ec_p256_and_p384() {
        let ca = test_ca("Root");
        let root = parse_certificate_pem(&ca.cert_pem).unwrap();
        for alg in [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ECDSA_P384_SHA384] {
            let key = KeyPair::generate_for(alg).unwrap();
            let issued = sign_csr(&ca, &csr_pem(&key, "ec-device")).unwrap();
            let cert = parse_certificate_pem(&issued.certificate_pem).unwrap();
            assert_eq!(cert.common_name.as_deref(), Some("ec-device"));
            assert!(verify_signed_by(&cert, &root));
            assert_eq!(cert.public_key_der, key.subject_public_key_info());
            assert!(!cert.is_ca);
        }
    }

    #[test]
    fn csr_with_rsa_1024_is_refused() {
        let ca = test_ca("Root");
        let signer = RsaSigner::new(rsa_key_pair(1024));
        let err = sign_csr(&ca, &csr_pem(&signer, "weak")).unwrap_err();
        assert!(matches!(&err, X509Error::InvalidRequest(m) if m.contains("1024 bits")), "{err}");
    }

    #[test]
    fn csr_with_ed25519_is_refused() {
        let ca = test_ca("Root");
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        assert!(matches!(sign_csr(&ca, &csr_pem(&key, "ed")), Err(X509Error::InvalidRequest(_))));
    }

    #[test]
    fn tampered_csr_is_refused() {
        let ca = test_ca("Root");
        let key = KeyPair::generate().unwrap();
        let pem = csr_pem(&key, "honest-device");
        let mut der = pem_contents(&pem);
        let at = der.windows(6).position(|w| w == b"honest").unwrap();
        der[at] = b'H';
        let tampered = der_to_pem("CERTIFICATE REQUEST", &der);
        let err = sign_csr(&ca, &tampered).unwrap_err();
        assert!(matches!(&err, X509Error::InvalidRequest(m) if m.contains("signature")), "{err}");
    }

    #[test]
    fn csr_garbage_and_certificates_are_refused() {
        let ca = test_ca("Root");
        assert!(matches!(sign_csr(&ca, "nope"), Err(X509Error::InvalidRequest(_))));
        assert!(matches!(sign_csr(&ca, &ca.cert_pem), Err(X509Error::InvalidRequest(_))));
    }

    #[test]
    fn same_csr_twice_gives_distinct_certificates() {
        let ca = test_ca("Root");
        let csr = csr_pem(&KeyPair::generate().unwrap(), "twice");
        let a = sign_csr(&ca, &csr).unwrap();
        let b = sign_csr(&ca, &csr).unwrap();
        assert_ne!(a.certificate_id, b.certificate_id);
        assert_ne!(a.certificate_pem, b.certificate_pem);
    }

    // --- check_verification_certificate -------------------------------------------------

    #[test]
    fn verification_certificate() {
        let code = new_registration_code();
        let ca = test_ca("Customer CA");
        let ca_cert = parse_certificate_pem(&ca.cert_pem).unwrap();

        let good = parse_certificate_pem(&leaf(&ca, &code)).unwrap();
        assert_eq!(check_verification_certificate(&code, &ca_cert, &good), Ok(()));
        let upper = parse_certificate_pem(&leaf(&ca, &code.to_uppercase())).unwrap();
        assert_eq!(check_verification_certificate(&code, &ca_cert, &upper), Ok(()));

        let wrong_cn = parse_certificate_pem(&leaf(&ca, "not-the-code")).unwrap();
        assert!(matches!(
            check_verification_certificate(&code, &ca_cert, &wrong_cn),
            Err(X509Error::RegistrationCode(_))
        ));

        // Right CN, same issuer name, but signed by another key.
        let impostor = test_ca("Customer CA");
        let forged = parse_certificate_pem(&leaf(&impostor, &code)).unwrap();
        assert!(matches!(
            check_verification_certificate(&code, &ca_cert, &forged),
            Err(X509Error::Invalid(_))
        ));

        // The "CA" must say CA:TRUE.
        assert!(matches!(
            check_verification_certificate(&code, &good, &good),
            Err(X509Error::Invalid(_))
        ));
    }

    // --- registration codes -------------------------------------------------------------

    #[test]
    fn registration_codes_are_64_hex() {
        let a = new_registration_code();
        let b = new_registration_code();
        assert_eq!(a.len(), 64);
        assert!(is_lower_hex(&a));
        assert_ne!(a, b);

        let ids = crate::domain::clock::SequentialIds::default();
        let c = registration_code_from_ids(&ids);
        assert_eq!(c.len(), 64);
        assert!(is_lower_hex(&c));
        let again = registration_code_from_ids(&crate::domain::clock::SequentialIds::default());
        assert_eq!(c, again, "pinned ids give a pinned code");
    }
}
