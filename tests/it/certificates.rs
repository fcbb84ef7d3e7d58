//! Certificates and thing principals through aws-sdk-iot against the running binary.

use aws_sdk_iot::error::ProvideErrorMetadata;
use aws_sdk_iot::types::CertificateStatus;
use iot_emulator_harness::EmulatorProcess;
use x509_parser::pem::parse_x509_pem;

use crate::support::{http, iot_client};

/// `openssl verify` accepts the certificate against the root CA, and the private
/// key's public half is the certificate's.
fn openssl_verifies(ca_pem: &[u8], cert_pem: &str, key_pem: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) =
        (dir.path().join("ca.pem"), dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&ca, ca_pem).unwrap();
    std::fs::write(&cert, cert_pem).unwrap();
    std::fs::write(&key, key_pem).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is installed");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let verified = run(&["verify".as_ref(), "-CAfile".as_ref(), ca.as_os_str(), cert.as_os_str()]);
    assert_eq!(verified.trim(), format!("{}: OK", cert.display()));
    let from_cert = run(&[
        "x509".as_ref(),
        "-noout".as_ref(),
        "-pubkey".as_ref(),
        "-in".as_ref(),
        cert.as_os_str(),
    ]);
    let from_key = run(&["pkey".as_ref(), "-pubout".as_ref(), "-in".as_ref(), key.as_os_str()]);
    assert_eq!(from_cert, from_key);
}

#[tokio::test]
async fn keys_and_certificate_chain_to_the_root_ca_and_follow_the_status_rules() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let url = emu.http_url();
    let iot = iot_client(&url, "123456789012", "us-east-1");

    let created = iot.create_keys_and_certificate().set_as_active(true).send().await.unwrap();
    let id = created.certificate_id().unwrap().to_owned();
    assert_eq!(
        created.certificate_arn(),
        Some(format!("arn:aws:iot:us-east-1:123456789012:cert/{id}").as_str())
    );
    let keys = created.key_pair().unwrap();
    assert!(keys.private_key().unwrap().starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    assert!(keys.public_key().unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));

    // The certificate id is the SHA-256 of the DER, and the root CA signed it.
    let (_, pem) = parse_x509_pem(created.certificate_pem().unwrap().as_bytes()).unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, &pem.contents);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, id);
    let ca_pem = http(http::Method::GET, &url, "/_emulator/ca.pem", None, "").await.body;
    let (_, ca) = parse_x509_pem(&ca_pem).unwrap();
    let ca = ca.parse_x509().unwrap();
    let cert = pem.parse_x509().unwrap();
    cert.verify_signature(Some(ca.public_key())).expect("signed by the emulator's root CA");
    assert_eq!(
        cert.subject().iter_common_name().next().unwrap().as_str().unwrap(),
        "AWS IoT Certificate"
    );

    openssl_verifies(&ca_pem, created.certificate_pem().unwrap(), keys.private_key().unwrap());

    let d = iot.describe_certificate().certificate_id(&id).send().await.unwrap();
    let d = d.certificate_description().unwrap();
    assert_eq!(d.status(), Some(&CertificateStatus::Active));
    assert_eq!(d.owned_by(), Some("123456789012"));
    assert_eq!(d.certificate_pem(), created.certificate_pem());

    // Things and policies hold on to it; ACTIVE refuses deletion.
    iot.create_thing().thing_name("device").send().await.unwrap();
    let arn = created.certificate_arn().unwrap();
    iot.attach_thing_principal().thing_name("device").principal(arn).send().await.unwrap();
    let principals = iot.list_thing_principals().thing_name("device").send().await.unwrap();
    assert_eq!(principals.principals(), [arn]);
    let things = iot.list_principal_things().principal(arn).send().await.unwrap();
    assert_eq!(things.things(), ["device"]);
    iot.create_policy()
        .policy_name("p")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    iot.attach_policy().policy_name("p").target(arn).send().await.unwrap();

    let active = iot.delete_certificate().certificate_id(&id).send().await.unwrap_err();
    assert_eq!(active.code(), Some("CertificateStateException"));
    assert_eq!(active.raw_response().map(|r| r.status().as_u16()), Some(406));
    iot.update_certificate()
        .certificate_id(&id)
        .new_status(CertificateStatus::Inactive)
        .send()
        .await
        .unwrap();
    let pending = iot
        .update_certificate()
        .certificate_id(&id)
        .new_status(CertificateStatus::PendingTransfer)
        .send()
        .await
        .unwrap_err();
    assert_eq!(pending.code(), Some("CertificateStateException"));
    let attached = iot.delete_certificate().certificate_id(&id).send().await.unwrap_err();
    assert_eq!(attached.code(), Some("DeleteConflictException"));
    iot.detach_thing_principal().thing_name("device").principal(arn).send().await.unwrap();
    let policies = iot.delete_certificate().certificate_id(&id).send().await.unwrap_err();
    assert_eq!(policies.code(), Some("DeleteConflictException"));
    iot.delete_certificate().certificate_id(&id).force_delete(true).send().await.unwrap();
    let gone = iot.describe_certificate().certificate_id(&id).send().await.unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    assert!(
        iot.list_targets_for_policy().policy_name("p").send().await.unwrap().targets().is_empty()
    );
}

#[tokio::test]
async fn certificates_from_csrs_and_listing_by_date() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "test", "us-east-1");
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::CommonName, "device-7");
    let csr = params.serialize_request(&key).unwrap().pem().unwrap();
    let a =
        iot.create_certificate_from_csr().certificate_signing_request(&csr).send().await.unwrap();
    let b = iot
        .create_certificate_from_csr()
        .certificate_signing_request(&csr)
        .set_as_active(true)
        .send()
        .await
        .unwrap();
    assert_ne!(a.certificate_id(), b.certificate_id(), "the same CSR twice gives two certificates");
    let (_, pem) = parse_x509_pem(a.certificate_pem().unwrap().as_bytes()).unwrap();
    let cert = pem.parse_x509().unwrap();
    assert_eq!(cert.subject().iter_common_name().next().unwrap().as_str().unwrap(), "device-7");
    use rcgen::PublicKeyData as _;
    assert_eq!(
        cert.public_key().raw,
        key.subject_public_key_info(),
        "the certificate carries the CSR's key"
    );

    let bad = iot
        .create_certificate_from_csr()
        .certificate_signing_request("not a csr")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("InvalidRequestException"));

    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = iot
            .list_certificates()
            .page_size(1)
            .ascending_order(true)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        seen.extend(
            page.certificates()
                .iter()
                .map(|c| (c.certificate_id().unwrap().to_owned(), c.status().cloned())),
        );
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    // Both, once each, one per page (two made in the same millisecond tie on the date).
    seen.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![
        (a.certificate_id().unwrap().to_owned(), Some(CertificateStatus::Inactive)),
        (b.certificate_id().unwrap().to_owned(), Some(CertificateStatus::Active)),
    ];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn transfers_between_accounts_accept_reject_cancel() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let source = iot_client(&emu.http_url(), "111111111111", "eu-west-1");
    let target = iot_client(&emu.http_url(), "222222222222", "eu-west-1");
    let make = || async {
        source
            .create_keys_and_certificate()
            .send()
            .await
            .unwrap()
            .certificate_id()
            .unwrap()
            .to_owned()
    };

    // Accepted: the certificate moves to the target account.
    let id = make().await;
    let out = source
        .transfer_certificate()
        .certificate_id(&id)
        .target_aws_account("222222222222")
        .transfer_message("yours")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.transferred_certificate_arn(),
        Some(format!("arn:aws:iot:eu-west-1:111111111111:cert/{id}").as_str())
    );
    let outgoing = source.list_outgoing_certificates().send().await.unwrap();
    let o = &outgoing.outgoing_certificates()[0];
    assert_eq!(
        (o.certificate_id(), o.transferred_to(), o.transfer_message()),
        (Some(id.as_str()), Some("222222222222"), Some("yours"))
    );
    let d = source.describe_certificate().certificate_id(&id).send().await.unwrap();
    assert_eq!(
        d.certificate_description().unwrap().status(),
        Some(&CertificateStatus::PendingTransfer)
    );
    target
        .accept_certificate_transfer()
        .certificate_id(&id)
        .set_as_active(true)
        .send()
        .await
        .unwrap();
    let d = target.describe_certificate().certificate_id(&id).send().await.unwrap();
    let desc = d.certificate_description().unwrap();
    assert_eq!(
        (desc.owned_by(), desc.previous_owned_by()),
        (Some("222222222222"), Some("111111111111"))
    );
    assert_eq!(desc.status(), Some(&CertificateStatus::Active));
    assert!(desc.transfer_data().unwrap().accept_date().is_some());
    assert_eq!(
        source.describe_certificate().certificate_id(&id).send().await.unwrap_err().code(),
        Some("ResourceNotFoundException")
    );
    for err in [
        target
            .accept_certificate_transfer()
            .certificate_id(&id)
            .send()
            .await
            .unwrap_err()
            .code()
            .map(str::to_owned),
        source
            .cancel_certificate_transfer()
            .certificate_id(&id)
            .send()
            .await
            .unwrap_err()
            .code()
            .map(str::to_owned),
    ] {
        assert_eq!(err.as_deref(), Some("TransferAlreadyCompletedException"));
    }

    // Rejected: it stays with its owner, INACTIVE, with the reason.
    let id = make().await;
    source
        .transfer_certificate()
        .certificate_id(&id)
        .target_aws_account("222222222222")
        .send()
        .await
        .unwrap();
    target
        .reject_certificate_transfer()
        .certificate_id(&id)
        .reject_reason("not mine")
        .send()
        .await
        .unwrap();
    let d = source.describe_certificate().certificate_id(&id).send().await.unwrap();
    let desc = d.certificate_description().unwrap();
    assert_eq!(desc.status(), Some(&CertificateStatus::Inactive));
    assert_eq!(desc.transfer_data().unwrap().reject_reason(), Some("not mine"));
    let again = target.accept_certificate_transfer().certificate_id(&id).send().await.unwrap_err();
    assert_eq!(again.code(), Some("TransferAlreadyCompletedException"));

    // Cancelled by the owner; and the guards: ACTIVE or with policies it cannot go.
    let id = make().await;
    source
        .transfer_certificate()
        .certificate_id(&id)
        .target_aws_account("222222222222")
        .send()
        .await
        .unwrap();
    source.cancel_certificate_transfer().certificate_id(&id).send().await.unwrap();
    let unknown =
        target.accept_certificate_transfer().certificate_id(&id).send().await.unwrap_err();
    assert_eq!(unknown.code(), Some("ResourceNotFoundException"));
    source
        .update_certificate()
        .certificate_id(&id)
        .new_status(CertificateStatus::Active)
        .send()
        .await
        .unwrap();
    let active = source
        .transfer_certificate()
        .certificate_id(&id)
        .target_aws_account("222222222222")
        .send()
        .await
        .unwrap_err();
    assert_eq!(active.code(), Some("CertificateStateException"));
    source
        .update_certificate()
        .certificate_id(&id)
        .new_status(CertificateStatus::Inactive)
        .send()
        .await
        .unwrap();
    source
        .create_policy()
        .policy_name("p")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    source
        .attach_policy()
        .policy_name("p")
        .target(format!("arn:aws:iot:eu-west-1:111111111111:cert/{id}"))
        .send()
        .await
        .unwrap();
    let conflict = source
        .transfer_certificate()
        .certificate_id(&id)
        .target_aws_account("222222222222")
        .send()
        .await
        .unwrap_err();
    assert_eq!(conflict.code(), Some("TransferConflictException"));
    assert_eq!(conflict.raw_response().map(|r| r.status().as_u16()), Some(409));
}
