//! Things through aws-sdk-iot (Rust) against the running binary: the whole
//! lifecycle, errors, and isolation of accounts and regions.

use aws_sdk_iot::error::ProvideErrorMetadata;
use aws_sdk_iot::types::AttributePayload;
use iot_emulator_harness::EmulatorProcess;

use crate::support::{iot_client, unique};

/// A fresh `iot-emulator` process for one test (it starts in milliseconds).
fn binary() -> EmulatorProcess {
    EmulatorProcess::spawn(&["--http-port", "0"], &[]).expect("iot-emulator starts")
}

fn payload(pairs: &[(&str, &str)], merge: Option<bool>) -> AttributePayload {
    let mut b = AttributePayload::builder();
    for (k, v) in pairs {
        b = b.attributes(*k, *v);
    }
    b.set_merge(merge).build()
}

#[tokio::test]
async fn lifecycle_create_describe_list_update_delete() {
    let emu = binary();
    let iot = iot_client(&emu.http_url(), "111111111111", "eu-central-1");
    let name = unique("sdk-thing");
    let created = iot
        .create_thing()
        .thing_name(&name)
        .attribute_payload(payload(&[("color", "red"), ("floor", "3")], None))
        .send()
        .await
        .unwrap();
    assert_eq!(created.thing_name(), Some(name.as_str()));
    assert_eq!(
        created.thing_arn(),
        Some(format!("arn:aws:iot:eu-central-1:111111111111:thing/{name}").as_str())
    );
    let id = created.thing_id().unwrap().to_owned();
    assert_eq!(id.len(), 36, "thing ids are UUIDs: {id}");

    let d = iot.describe_thing().thing_name(&name).send().await.unwrap();
    assert_eq!(
        (d.thing_id(), d.version(), d.default_client_id()),
        (Some(id.as_str()), 1, Some(name.as_str()))
    );
    assert_eq!(d.attributes().unwrap().get("color").map(String::as_str), Some("red"));
    assert_eq!(d.thing_type_name(), None);

    let listed =
        iot.list_things().attribute_name("color").attribute_value("red").send().await.unwrap();
    assert!(listed.things().iter().any(|t| t.thing_name() == Some(name.as_str())));

    iot.update_thing()
        .thing_name(&name)
        .attribute_payload(payload(&[("color", ""), ("size", "L")], Some(true)))
        .expected_version(1)
        .send()
        .await
        .unwrap();
    let d = iot.describe_thing().thing_name(&name).send().await.unwrap();
    assert_eq!(d.version(), 2);
    let mut attrs: Vec<(String, String)> =
        d.attributes().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    attrs.sort();
    assert_eq!(
        attrs,
        [("floor".to_string(), "3".to_string()), ("size".to_string(), "L".to_string())]
    );

    let stale = iot.update_thing().thing_name(&name).expected_version(1).send().await.unwrap_err();
    assert_eq!(stale.code(), Some("VersionConflictException"));
    assert_eq!(stale.raw_response().map(|r| r.status().as_u16()), Some(409));

    let stale = iot.delete_thing().thing_name(&name).expected_version(5).send().await.unwrap_err();
    assert_eq!(stale.code(), Some("VersionConflictException"));
    iot.delete_thing().thing_name(&name).expected_version(2).send().await.unwrap();

    let gone = iot.describe_thing().thing_name(&name).send().await.unwrap_err();
    assert!(
        gone.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()),
        "{gone:?}"
    );
    assert_eq!(gone.raw_response().map(|r| r.status().as_u16()), Some(404));
}

#[tokio::test]
async fn list_pages_through_every_match_exactly_once() {
    let emu = binary();
    let iot = iot_client(&emu.http_url(), "test", "us-east-1");
    let tag = unique("batch");
    let mut names = Vec::new();
    for i in 0..7 {
        let name = format!("{tag}-{i}");
        iot.create_thing()
            .thing_name(&name)
            .attribute_payload(payload(&[("batch", &tag)], None))
            .send()
            .await
            .unwrap();
        names.push(name);
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = iot
            .list_things()
            .attribute_name("batch")
            .attribute_value(&tag)
            .max_results(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.things().len() <= 3);
        seen.extend(page.things().iter().filter_map(|t| t.thing_name().map(str::to_owned)));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, names, "every thing once, in name order");
}

#[tokio::test]
async fn validation_and_unimplemented_errors_reach_the_sdk() {
    let emu = binary();
    let iot = iot_client(&emu.http_url(), "test", "us-east-1");
    let bad = iot.create_thing().thing_name("no spaces allowed").send().await.unwrap_err();
    assert_eq!(bad.code(), Some("InvalidRequestException"));
    assert_eq!(
        bad.message(),
        Some(
            "1 validation error detected: Value 'no spaces allowed' at 'thingName' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"
        )
    );
    let four = payload(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")], None);
    let err = iot
        .create_thing()
        .thing_name(unique("four"))
        .attribute_payload(four)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidRequestException"));

    let err = iot.list_fleet_metrics().send().await.unwrap_err();
    assert_eq!(err.code(), Some("NotImplemented"));
    assert!(err.message().unwrap_or_default().contains("ListFleetMetrics"), "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(501));
}

#[tokio::test]
async fn accounts_and_regions_do_not_see_each_other() {
    let emu = binary();
    let url = &emu.http_url();
    let name = unique("isolated");
    let owner = iot_client(url, "222222222222", "ap-south-1");
    owner.create_thing().thing_name(&name).send().await.unwrap();
    owner.describe_thing().thing_name(&name).send().await.unwrap();
    for (key, region) in [("333333333333", "ap-south-1"), ("222222222222", "us-west-2")] {
        let other = iot_client(url, key, region);
        let err = other.describe_thing().thing_name(&name).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ResourceNotFoundException"), "{key} {region}");
        let listed = other.list_things().send().await.unwrap();
        assert!(listed.things().iter().all(|t| t.thing_name() != Some(name.as_str())));
        // The same name is free there.
        other.create_thing().thing_name(&name).send().await.unwrap();
    }
}
