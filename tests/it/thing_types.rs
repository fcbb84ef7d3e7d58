//! Thing types and tags through aws-sdk-iot against the running binary.

use aws_sdk_iot::error::ProvideErrorMetadata;
use aws_sdk_iot::types::{AttributePayload, Tag, ThingTypeProperties};
use iot_emulator_harness::EmulatorProcess;

use crate::support::iot_client;

#[tokio::test]
async fn thing_type_lifecycle_as_the_guide_walks_it() {
    let emu = EmulatorProcess::spawn(
        &["--http-port", "0", "--thing-type-delete-delay-seconds", "0"],
        &[],
    )
    .unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-west-2");
    let before =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
            as i64;

    let created = iot
        .create_thing_type()
        .thing_type_name("LightBulb")
        .thing_type_properties(
            ThingTypeProperties::builder()
                .thing_type_description("light bulb type")
                .searchable_attributes("wattage")
                .searchable_attributes("model")
                .build(),
        )
        .tags(Tag::builder().key("team").value("lighting").build().unwrap())
        .send()
        .await
        .unwrap();
    let arn = "arn:aws:iot:us-west-2:123456789012:thingtype/LightBulb";
    assert_eq!(created.thing_type_arn(), Some(arn));

    let d = iot.describe_thing_type().thing_type_name("LightBulb").send().await.unwrap();
    let props = d.thing_type_properties().unwrap();
    assert_eq!(props.thing_type_description(), Some("light bulb type"));
    assert_eq!(props.searchable_attributes(), ["wattage", "model"]);
    let meta = d.thing_type_metadata().unwrap();
    assert!(!meta.deprecated());
    let created_at = meta.creation_date().unwrap().secs();
    assert!(
        (before - 5..=before + 5).contains(&created_at),
        "creationDate {created_at} is epoch seconds"
    );

    let tags = iot.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    assert_eq!(
        tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(),
        [("team", Some("lighting"))]
    );

    // A typed thing may carry more than three attributes, and ListThings filters by type.
    let mut attrs = AttributePayload::builder();
    for (k, v) in [("wattage", "75"), ("model", "123"), ("color", "warm"), ("socket", "E27")] {
        attrs = attrs.attributes(k, v);
    }
    iot.create_thing()
        .thing_name("MySecondLightBulb")
        .thing_type_name("LightBulb")
        .attribute_payload(attrs.build())
        .send()
        .await
        .unwrap();
    iot.create_thing().thing_name("Untyped").send().await.unwrap();
    let typed = iot.list_things().thing_type_name("LightBulb").send().await.unwrap();
    assert_eq!(
        typed.things().iter().filter_map(|t| t.thing_name()).collect::<Vec<_>>(),
        ["MySecondLightBulb"]
    );

    // Deprecated: no new things; existing ones stay.
    iot.deprecate_thing_type().thing_type_name("LightBulb").send().await.unwrap();
    let meta = iot.describe_thing_type().thing_type_name("LightBulb").send().await.unwrap();
    assert!(meta.thing_type_metadata().unwrap().deprecated());
    assert!(meta.thing_type_metadata().unwrap().deprecation_date().is_some());
    let refused = iot
        .create_thing()
        .thing_name("Third")
        .thing_type_name("LightBulb")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("InvalidRequestException"));

    // Deletion waits for the last thing of the type to go.
    let in_use = iot.delete_thing_type().thing_type_name("LightBulb").send().await.unwrap_err();
    assert_eq!(in_use.code(), Some("InvalidRequestException"));
    iot.delete_thing().thing_name("MySecondLightBulb").send().await.unwrap();
    iot.delete_thing_type().thing_type_name("LightBulb").send().await.unwrap();
    let gone = iot.describe_thing_type().thing_type_name("LightBulb").send().await.unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    let gone = iot.list_tags_for_resource().resource_arn(arn).send().await.unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn deletion_waits_five_minutes_by_default_and_undo_deprecate_restores() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "test", "us-east-1");
    iot.create_thing_type().thing_type_name("StopLight").send().await.unwrap();
    let not_deprecated =
        iot.delete_thing_type().thing_type_name("StopLight").send().await.unwrap_err();
    assert_eq!(not_deprecated.code(), Some("InvalidRequestException"));
    iot.deprecate_thing_type().thing_type_name("StopLight").send().await.unwrap();
    let too_soon = iot.delete_thing_type().thing_type_name("StopLight").send().await.unwrap_err();
    assert_eq!(too_soon.code(), Some("InvalidRequestException"));
    iot.deprecate_thing_type()
        .thing_type_name("StopLight")
        .undo_deprecate(true)
        .send()
        .await
        .unwrap();
    let d = iot.describe_thing_type().thing_type_name("StopLight").send().await.unwrap();
    assert!(!d.thing_type_metadata().unwrap().deprecated());
    assert!(d.thing_type_metadata().unwrap().deprecation_date().is_none());
    iot.create_thing().thing_name("Signal").thing_type_name("StopLight").send().await.unwrap();
    let missing =
        iot.create_thing().thing_name("x").thing_type_name("NoSuchType").send().await.unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));
}
