//! Thing groups through aws-sdk-iot against the running binary, following the
//! guide's walk-through (L3336-3644).

use aws_sdk_iot::error::ProvideErrorMetadata;
use aws_sdk_iot::types::{AttributePayload, ThingGroupProperties};
use iot_emulator_harness::EmulatorProcess;

use crate::support::iot_client;

#[tokio::test]
async fn the_guides_group_walkthrough() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-west-2");
    let arn = |n: &str| format!("arn:aws:iot:us-west-2:123456789012:thinggroup/{n}");

    let shiny = iot.create_thing_group().thing_group_name("ShinyObjects").send().await.unwrap();
    assert_eq!(shiny.thing_group_arn(), Some(arn("ShinyObjects").as_str()));
    iot.create_thing_group()
        .thing_group_name("LightBulbs")
        .parent_group_name("ShinyObjects")
        .send()
        .await
        .unwrap();
    iot.create_thing_group()
        .thing_group_name("RedLights")
        .parent_group_name("LightBulbs")
        .thing_group_properties(
            ThingGroupProperties::builder()
                .thing_group_description("red ones")
                .attribute_payload(
                    AttributePayload::builder().attributes("brightness", "3400").build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    iot.create_thing_group()
        .thing_group_name("RedLEDLights")
        .parent_group_name("RedLights")
        .send()
        .await
        .unwrap();

    let d = iot.describe_thing_group().thing_group_name("RedLights").send().await.unwrap();
    assert_eq!(d.version(), 1);
    let meta = d.thing_group_metadata().unwrap();
    assert_eq!(meta.parent_group_name(), Some("LightBulbs"));
    let chain: Vec<_> = meta
        .root_to_parent_thing_groups()
        .iter()
        .map(|g| (g.group_name().unwrap(), g.group_arn().unwrap().to_owned()))
        .collect();
    assert_eq!(chain, [("ShinyObjects", arn("ShinyObjects")), ("LightBulbs", arn("LightBulbs"))]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
        as i64;
    assert!(
        (meta.creation_date().unwrap().secs() - now).abs() < 60,
        "creationDate is epoch seconds"
    );
    let props = d.thing_group_properties().unwrap();
    assert_eq!(props.thing_group_description(), Some("red ones"));
    assert_eq!(
        props
            .attribute_payload()
            .unwrap()
            .attributes()
            .unwrap()
            .get("brightness")
            .map(String::as_str),
        Some("3400")
    );

    for t in ["TestThingA", "MyLightBulb"] {
        iot.create_thing().thing_name(t).send().await.unwrap();
    }
    iot.add_thing_to_thing_group()
        .thing_name("TestThingA")
        .thing_group_name("LightBulbs")
        .send()
        .await
        .unwrap();
    iot.add_thing_to_thing_group()
        .thing_arn("arn:aws:iot:us-west-2:123456789012:thing/MyLightBulb")
        .thing_group_arn(arn("RedLEDLights"))
        .send()
        .await
        .unwrap();
    let same_tree = iot
        .add_thing_to_thing_group()
        .thing_name("MyLightBulb")
        .thing_group_name("ShinyObjects")
        .send()
        .await
        .unwrap_err();
    assert_eq!(same_tree.code(), Some("InvalidRequestException"));

    let direct =
        iot.list_things_in_thing_group().thing_group_name("LightBulbs").send().await.unwrap();
    assert_eq!(direct.things(), ["TestThingA"]);
    let all = iot
        .list_things_in_thing_group()
        .thing_group_name("LightBulbs")
        .recursive(true)
        .send()
        .await
        .unwrap();
    assert_eq!(all.things(), ["MyLightBulb", "TestThingA"]);

    let names = |gs: &[aws_sdk_iot::types::GroupNameAndArn]| {
        gs.iter().filter_map(|g| g.group_name().map(str::to_owned)).collect::<Vec<_>>()
    };
    let children = iot.list_thing_groups().parent_group("LightBulbs").send().await.unwrap();
    assert_eq!(names(children.thing_groups()), ["RedLights"]);
    let descendants =
        iot.list_thing_groups().parent_group("LightBulbs").recursive(true).send().await.unwrap();
    assert_eq!(names(descendants.thing_groups()), ["RedLEDLights", "RedLights"]);
    let red = iot.list_thing_groups().name_prefix_filter("Red").send().await.unwrap();
    assert_eq!(names(red.thing_groups()), ["RedLEDLights", "RedLights"]);
    let for_thing =
        iot.list_thing_groups_for_thing().thing_name("MyLightBulb").send().await.unwrap();
    assert_eq!(names(for_thing.thing_groups()), ["RedLEDLights"]);

    let updated = iot
        .update_thing_group()
        .thing_group_name("LightBulbs")
        .thing_group_properties(
            ThingGroupProperties::builder().thing_group_description("this is a test group").build(),
        )
        .expected_version(1)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.version(), 2);
    let stale = iot
        .update_thing_group()
        .thing_group_name("LightBulbs")
        .thing_group_properties(ThingGroupProperties::builder().build())
        .expected_version(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Some("VersionConflictException"));

    let refused = iot.delete_thing_group().thing_group_name("RedLights").send().await.unwrap_err();
    assert_eq!(refused.code(), Some("InvalidRequestException"));
    assert_eq!(
        refused.message(),
        Some(
            "Cannot delete thing group : RedLights when there are still child groups attached to it."
        )
    );
    iot.delete_thing_group().thing_group_name("RedLEDLights").send().await.unwrap();
    iot.delete_thing_group().thing_group_name("RedLights").send().await.unwrap();
    let gone = iot.describe_thing_group().thing_group_name("RedLights").send().await.unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    let for_thing =
        iot.list_thing_groups_for_thing().thing_name("MyLightBulb").send().await.unwrap();
    assert!(for_thing.thing_groups().is_empty(), "memberships go with the group");
}

#[tokio::test]
async fn membership_changes_and_tags_of_groups() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-west-2");
    for g in ["a", "b"] {
        iot.create_thing_group().thing_group_name(g).send().await.unwrap();
    }
    iot.create_thing_group()
        .thing_group_name("a-child")
        .parent_group_name("a")
        .send()
        .await
        .unwrap();
    iot.create_thing().thing_name("t").send().await.unwrap();
    let groups_of_t = || async {
        let out = iot.list_thing_groups_for_thing().thing_name("t").send().await.unwrap();
        out.thing_groups()
            .iter()
            .filter_map(|g| g.group_name().map(str::to_owned))
            .collect::<Vec<_>>()
    };

    iot.update_thing_groups_for_thing()
        .thing_name("t")
        .thing_groups_to_add("a-child")
        .thing_groups_to_add("b")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of_t().await, ["a-child", "b"]);
    // A move inside one hierarchy, in one call: removals go first.
    iot.update_thing_groups_for_thing()
        .thing_name("t")
        .thing_groups_to_remove("a-child")
        .thing_groups_to_add("a")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of_t().await, ["a", "b"]);
    let missing = iot
        .update_thing_groups_for_thing()
        .thing_name("t")
        .thing_groups_to_add("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));
    assert_eq!(groups_of_t().await, ["a", "b"], "a refused update changes nothing");
    iot.remove_thing_from_thing_group().thing_name("t").thing_group_name("a").send().await.unwrap();
    iot.remove_thing_from_thing_group()
        .thing_name("t")
        .thing_group_name("a")
        .send()
        .await
        .expect("removing twice is fine");
    assert_eq!(groups_of_t().await, ["b"]);
    let no_thing = iot
        .remove_thing_from_thing_group()
        .thing_name("ghost")
        .thing_group_name("b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_thing.code(), Some("ResourceNotFoundException"));

    let arn = "arn:aws:iot:us-west-2:123456789012:thinggroup/b";
    let tag =
        |k: &str, v: &str| aws_sdk_iot::types::Tag::builder().key(k).value(v).build().unwrap();
    iot.tag_resource()
        .resource_arn(arn)
        .tags(tag("env", "test"))
        .tags(tag("team", "x"))
        .send()
        .await
        .unwrap();
    iot.untag_resource().resource_arn(arn).tag_keys("team").send().await.unwrap();
    let tags = iot.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
    assert_eq!(
        tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(),
        [("env", Some("test"))]
    );
    let unknown = iot
        .tag_resource()
        .resource_arn("arn:aws:iot:us-west-2:123456789012:thinggroup/zz")
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Some("ResourceNotFoundException"));
    let bad_key =
        iot.tag_resource().resource_arn(arn).tags(tag("bad key!", "v")).send().await.unwrap_err();
    assert_eq!(bad_key.code(), Some("InvalidRequestException"));
}
