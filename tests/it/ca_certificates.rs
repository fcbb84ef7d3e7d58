//! CA registration with proof of possession, and device certificates under it,
//! through aws-sdk-iot against the running binary (guide L4020-4200).

use aws_sdk_iot::error::ProvideErrorMetadata;
use aws_sdk_iot::types::{AutoRegistrationStatus, CaCertificateStatus, CertificateStatus};
use iot_emulator_harness::EmulatorProcess;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

use crate::support::iot_client;

struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn test_ca(name: &str) -> TestCa {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let pem = params.self_signed(&key).unwrap().pem();
    TestCa { pem, issuer: Issuer::new(params, key) }
}

/// A leaf certificate with common name `cn` signed by `ca`.
fn leaf(ca: &TestCa, cn: &str) -> String {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.signed_by(&key, &ca.issuer).unwrap().pem()
}

#[tokio::test]
async fn register_a_ca_with_the_registration_code_then_devices_under_it() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-east-1");
    let ca = test_ca("My Fleet CA");

    let code =
        iot.get_registration_code().send().await.unwrap().registration_code().unwrap().to_owned();
    assert_eq!(code.len(), 64);
    assert_eq!(
        iot.get_registration_code().send().await.unwrap().registration_code(),
        Some(code.as_str()),
        "stable"
    );

    let wrong = iot
        .register_ca_certificate()
        .ca_certificate(&ca.pem)
        .verification_certificate(leaf(&ca, "not-the-code"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Some("RegistrationCodeValidationException"));
    let other_ca = test_ca("Someone Else");
    let forged = iot
        .register_ca_certificate()
        .ca_certificate(&ca.pem)
        .verification_certificate(leaf(&other_ca, &code))
        .send()
        .await
        .unwrap_err();
    assert_eq!(forged.code(), Some("CertificateValidationException"));

    let registered = iot
        .register_ca_certificate()
        .ca_certificate(&ca.pem)
        .verification_certificate(leaf(&ca, &code))
        .set_as_active(true)
        .allow_auto_registration(true)
        .send()
        .await
        .unwrap();
    let ca_id = registered.certificate_id().unwrap().to_owned();
    let again = iot
        .register_ca_certificate()
        .ca_certificate(&ca.pem)
        .verification_certificate(leaf(&ca, &code))
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("ResourceAlreadyExistsException"));

    let d = iot.describe_ca_certificate().certificate_id(&ca_id).send().await.unwrap();
    let desc = d.certificate_description().unwrap();
    assert_eq!(desc.status(), Some(&CaCertificateStatus::Active));
    assert_eq!(desc.auto_registration_status(), Some(&AutoRegistrationStatus::Enable));
    let listed = iot.list_ca_certificates().send().await.unwrap();
    assert_eq!(
        listed.certificates().iter().filter_map(|c| c.certificate_id()).collect::<Vec<_>>(),
        [ca_id.as_str()]
    );

    // Device certificates: under the registered CA yes, under another CA no.
    let device = iot
        .register_certificate()
        .certificate_pem(leaf(&ca, "device-1"))
        .status(CertificateStatus::Active)
        .send()
        .await
        .unwrap();
    let stranger = iot
        .register_certificate()
        .certificate_pem(leaf(&other_ca, "device-2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Some("CertificateValidationException"));
    let d = iot
        .describe_certificate()
        .certificate_id(device.certificate_id().unwrap())
        .send()
        .await
        .unwrap();
    let desc = d.certificate_description().unwrap();
    assert_eq!(
        (desc.ca_certificate_id(), desc.status()),
        (Some(ca_id.as_str()), Some(&CertificateStatus::Active))
    );
    let by_ca = iot.list_certificates_by_ca().ca_certificate_id(&ca_id).send().await.unwrap();
    assert_eq!(
        by_ca.certificates().iter().filter_map(|c| c.certificate_id()).collect::<Vec<_>>(),
        [device.certificate_id().unwrap()]
    );

    // An INACTIVE CA takes no new devices and can then be deleted.
    let active_delete =
        iot.delete_ca_certificate().certificate_id(&ca_id).send().await.unwrap_err();
    assert_eq!(active_delete.code(), Some("CertificateStateException"));
    iot.update_ca_certificate()
        .certificate_id(&ca_id)
        .new_status(CaCertificateStatus::Inactive)
        .new_auto_registration_status(AutoRegistrationStatus::Disable)
        .send()
        .await
        .unwrap();
    let refused =
        iot.register_certificate().certificate_pem(leaf(&ca, "device-3")).send().await.unwrap_err();
    assert_eq!(refused.code(), Some("CertificateValidationException"));
    iot.delete_ca_certificate().certificate_id(&ca_id).send().await.unwrap();

    // Without a CA (SNI_ONLY), and the registration code can be replaced.
    let sni = iot
        .register_certificate_without_ca()
        .certificate_pem(leaf(&other_ca, "device-4"))
        .send()
        .await
        .unwrap();
    let d = iot
        .describe_certificate()
        .certificate_id(sni.certificate_id().unwrap())
        .send()
        .await
        .unwrap();
    let desc = d.certificate_description().unwrap();
    assert_eq!(desc.certificate_mode().map(|m| m.as_str()), Some("SNI_ONLY"));
    assert_eq!(desc.status(), Some(&CertificateStatus::Inactive));
    iot.delete_registration_code().send().await.unwrap();
    let fresh = iot.get_registration_code().send().await.unwrap();
    assert_ne!(fresh.registration_code(), Some(code.as_str()));
}
