//! Building a [`CertificateContext`] from a DER certificate, with the guide's attribute names.
//!
//! Done once per connection (on TLS accept), never per evaluation, so clarity wins over speed.

use std::net::IpAddr;

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::domain::security::x509::certificate_id;

use super::context::{
    AlternativeNameKind, AlternativeNames, CertificateContext, DistinguishedName, DnAttribute,
};

/// ASN.1 universal tag number of BMPString (UTF-16BE), which `as_str` does not decode.
const TAG_BMP_STRING: u32 = 30;

impl CertificateContext {
    /// Parses a DER certificate into the values policy variables resolve to.
    ///
    /// The certificate id is the lowercase hex SHA-256 of the DER (what AWS IoT uses as
    /// `certificateId`); attributes outside the guide's list (Locality, e-mail in the DN, ...)
    /// are ignored because no policy variable can name them.
    pub fn from_der(der: &[u8]) -> Result<CertificateContext, String> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| format!("invalid certificate: {e}"))?;
        let mut ctx = CertificateContext {
            id: certificate_id(der),
            serial_number: cert.tbs_certificate.serial.to_string(),
            subject: distinguished_name(cert.subject()),
            issuer: distinguished_name(cert.issuer()),
            ..CertificateContext::default()
        };
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    add_general_names(&mut ctx.subject_alternative_names, &san.general_names);
                }
                ParsedExtension::IssuerAlternativeName(ian) => {
                    add_general_names(&mut ctx.issuer_alternative_names, &ian.general_names);
                }
                _ => {}
            }
        }
        Ok(ctx)
    }
}

fn distinguished_name(name: &X509Name<'_>) -> DistinguishedName {
    let mut dn = DistinguishedName::default();
    for attr in name.iter_attributes() {
        if let Some(kind) = DnAttribute::from_oid(&attr.attr_type().to_id_string()) {
            dn.push(kind, attribute_text(attr));
        }
    }
    dn
}

/// Decodes a directory string whatever its ASN.1 string type, so no value silently vanishes.
fn attribute_text(attr: &AttributeTypeAndValue<'_>) -> String {
    if let Ok(s) = attr.as_str() {
        return s.to_owned();
    }
    let value = attr.attr_value();
    if value.header.tag().0 == TAG_BMP_STRING {
        let units: Vec<u16> =
            value.data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(value.data).into_owned()
}

fn add_general_names(out: &mut AlternativeNames, names: &[GeneralName<'_>]) {
    for name in names {
        match name {
            GeneralName::RFC822Name(s) => out.push(AlternativeNameKind::Rfc822Name, *s),
            GeneralName::DNSName(s) => out.push(AlternativeNameKind::DnsName, *s),
            GeneralName::URI(s) => out.push(AlternativeNameKind::UniformResourceIdentifier, *s),
            GeneralName::DirectoryName(dn) => {
                out.push(AlternativeNameKind::DirectoryName, dn.to_string())
            }
            GeneralName::IPAddress(bytes) => {
                if let Some(ip) = ip_from_bytes(bytes) {
                    out.push(AlternativeNameKind::IpAddress, ip.to_string());
                }
            }
            _ => {}
        }
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DnType, KeyPair, SanType};

    #[test]
    fn from_der_maps_subject_issuer_and_alternative_names() {
        let mut params = CertificateParams::new(vec!["device.example.com".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "thing-1");
        params.distinguished_name.push(DnType::OrganizationName, "Example Corp");
        params.distinguished_name.push(DnType::CountryName, "US");
        params.distinguished_name.push(DnType::CustomDnType(vec![2, 5, 4, 12]), "Sensor");
        params.distinguished_name.push(DnType::LocalityName, "Seattle");
        params.subject_alt_names.push(SanType::IpAddress("10.0.0.7".parse().unwrap()));
        params.subject_alt_names.push(SanType::Rfc822Name("ops@example.com".try_into().unwrap()));
        params.serial_number = Some(vec![0x01, 0x00].into());
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let der = cert.der().as_ref();

        let ctx = CertificateContext::from_der(der).unwrap();
        assert_eq!(ctx.id, certificate_id(der));
        assert_eq!(ctx.id.len(), 64);
        assert!(ctx.id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(ctx.serial_number, "256");
        assert_eq!(ctx.subject.get(DnAttribute::CommonName), ["thing-1"]);
        assert_eq!(ctx.subject.get(DnAttribute::Organization), ["Example Corp"]);
        assert_eq!(ctx.subject.get(DnAttribute::Country), ["US"]);
        assert_eq!(ctx.subject.get(DnAttribute::Title), ["Sensor"]);
        // Self-signed: the issuer is the subject.
        assert_eq!(ctx.issuer.get(DnAttribute::CommonName), ["thing-1"]);
        let san = &ctx.subject_alternative_names;
        assert_eq!(san.get(AlternativeNameKind::DnsName), ["device.example.com"]);
        assert_eq!(san.get(AlternativeNameKind::IpAddress), ["10.0.0.7"]);
        assert_eq!(san.get(AlternativeNameKind::Rfc822Name), ["ops@example.com"]);
        assert!(ctx.issuer_alternative_names.get(AlternativeNameKind::DnsName).is_empty());
    }

    #[test]
    fn from_der_rejects_garbage() {
        assert!(CertificateContext::from_der(b"not a certificate").is_err());
    }
}
