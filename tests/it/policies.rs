//! Policies through aws-sdk-iot against the running binary: versions, attachment
//! to thing groups and Cognito identities, and the errors of each rule.

use aws_sdk_iot::error::ProvideErrorMetadata;
use iot_emulator_harness::EmulatorProcess;

use crate::support::iot_client;

const ALLOW_CONNECT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}"#;
const ALLOW_PUBLISH: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Publish"],"Resource":["arn:aws:iot:us-east-1:123456789012:topic/a/*"]}]}"#;

fn status(e: &impl ProvideErrorMetadata) -> Option<&str> {
    e.code()
}

#[tokio::test]
async fn versions_default_and_their_limits() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-east-1");
    let created =
        iot.create_policy().policy_name("p1").policy_document(ALLOW_CONNECT).send().await.unwrap();
    assert_eq!(created.policy_arn(), Some("arn:aws:iot:us-east-1:123456789012:policy/p1"));
    assert_eq!(created.policy_version_id(), Some("1"));
    let dup = iot
        .create_policy()
        .policy_name("p1")
        .policy_document(ALLOW_CONNECT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&dup), Some("ResourceAlreadyExistsException"));

    for expected in 2..=5 {
        let v = iot
            .create_policy_version()
            .policy_name("p1")
            .policy_document(ALLOW_PUBLISH)
            .send()
            .await
            .unwrap();
        assert_eq!(v.policy_version_id(), Some(expected.to_string().as_str()));
        assert!(!v.is_default_version());
    }
    let sixth = iot
        .create_policy_version()
        .policy_name("p1")
        .policy_document(ALLOW_PUBLISH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&sixth), Some("VersionsLimitExceededException"));
    assert_eq!(sixth.raw_response().map(|r| r.status().as_u16()), Some(409));

    iot.set_default_policy_version().policy_name("p1").policy_version_id("3").send().await.unwrap();
    let p = iot.get_policy().policy_name("p1").send().await.unwrap();
    assert_eq!((p.default_version_id(), p.policy_document()), (Some("3"), Some(ALLOW_PUBLISH)));
    let default_delete = iot
        .delete_policy_version()
        .policy_name("p1")
        .policy_version_id("3")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&default_delete), Some("DeleteConflictException"));
    let with_versions = iot.delete_policy().policy_name("p1").send().await.unwrap_err();
    assert_eq!(status(&with_versions), Some("DeleteConflictException"));

    for v in ["1", "2", "4", "5"] {
        iot.delete_policy_version().policy_name("p1").policy_version_id(v).send().await.unwrap();
    }
    // Ids are not reused: the next version is 6.
    let v = iot
        .create_policy_version()
        .policy_name("p1")
        .policy_document(ALLOW_CONNECT)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    assert_eq!((v.policy_version_id(), v.is_default_version()), (Some("6"), true));
    let versions = iot.list_policy_versions().policy_name("p1").send().await.unwrap();
    let ids: Vec<_> = versions
        .policy_versions()
        .iter()
        .map(|v| (v.version_id().unwrap(), v.is_default_version()))
        .collect();
    assert_eq!(ids, [("3", false), ("6", true)]);
    let got =
        iot.get_policy_version().policy_name("p1").policy_version_id("3").send().await.unwrap();
    assert_eq!(got.policy_document(), Some(ALLOW_PUBLISH));
    iot.delete_policy_version().policy_name("p1").policy_version_id("3").send().await.unwrap();
    iot.delete_policy().policy_name("p1").send().await.unwrap();
    let gone = iot.get_policy().policy_name("p1").send().await.unwrap_err();
    assert_eq!(status(&gone), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn attachments_to_groups_and_identities() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-east-1");
    let group_arn = |n: &str| format!("arn:aws:iot:us-east-1:123456789012:thinggroup/{n}");
    for p in ["a", "b", "c"] {
        iot.create_policy().policy_name(p).policy_document(ALLOW_CONNECT).send().await.unwrap();
    }
    iot.create_thing_group().thing_group_name("parent").send().await.unwrap();
    iot.create_thing_group()
        .thing_group_name("child")
        .parent_group_name("parent")
        .send()
        .await
        .unwrap();

    iot.attach_policy().policy_name("a").target(group_arn("parent")).send().await.unwrap();
    iot.attach_policy().policy_name("b").target(group_arn("child")).send().await.unwrap();
    iot.attach_policy().policy_name("c").target(group_arn("child")).send().await.unwrap();
    let third =
        iot.attach_policy().policy_name("a").target(group_arn("child")).send().await.unwrap_err();
    assert_eq!(status(&third), Some("LimitExceededException"));
    assert_eq!(third.raw_response().map(|r| r.status().as_u16()), Some(410));
    let missing_group =
        iot.attach_policy().policy_name("a").target(group_arn("nope")).send().await.unwrap_err();
    assert_eq!(status(&missing_group), Some("ResourceNotFoundException"));
    let missing_cert = iot
        .attach_policy()
        .policy_name("a")
        .target(format!("arn:aws:iot:us-east-1:123456789012:cert/{}", "0".repeat(64)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&missing_cert), Some("ResourceNotFoundException"));

    let names = |ps: &[aws_sdk_iot::types::Policy]| {
        ps.iter().filter_map(|p| p.policy_name().map(str::to_owned)).collect::<Vec<_>>()
    };
    let direct = iot.list_attached_policies().target(group_arn("child")).send().await.unwrap();
    assert_eq!(names(direct.policies()), ["b", "c"]);
    let inherited = iot
        .list_attached_policies()
        .target(group_arn("child"))
        .recursive(true)
        .send()
        .await
        .unwrap();
    assert_eq!(names(inherited.policies()), ["a", "b", "c"]);
    let targets = iot.list_targets_for_policy().policy_name("a").send().await.unwrap();
    assert_eq!(targets.targets(), [group_arn("parent")]);

    // The deprecated principal APIs, with a Cognito identity.
    let identity = "us-east-1:11111111-2222-3333-4444-555555555555";
    #[allow(deprecated)]
    {
        iot.attach_principal_policy().policy_name("a").principal(identity).send().await.unwrap();
        let listed = iot.list_principal_policies().principal(identity).send().await.unwrap();
        assert_eq!(names(listed.policies()), ["a"]);
        let principals = iot.list_policy_principals().policy_name("a").send().await.unwrap();
        assert_eq!(principals.principals(), [identity]);
        let attached = iot.delete_policy().policy_name("a").send().await.unwrap_err();
        assert_eq!(status(&attached), Some("DeleteConflictException"));
        iot.detach_principal_policy().policy_name("a").principal(identity).send().await.unwrap();
    }
    iot.detach_policy().policy_name("a").target(group_arn("parent")).send().await.unwrap();
    iot.delete_policy().policy_name("a").send().await.unwrap();
    let bad_target =
        iot.attach_policy().policy_name("b").target("not-a-target").send().await.unwrap_err();
    assert_eq!(status(&bad_target), Some("InvalidRequestException"));
}

#[tokio::test]
async fn malformed_documents_are_refused() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-east-1");
    for doc in [
        "not json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iot:Connect","Resource":"*"}]}"#,
    ] {
        let err =
            iot.create_policy().policy_name("bad").policy_document(doc).send().await.unwrap_err();
        assert_eq!(status(&err), Some("MalformedPolicyException"), "{doc}");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    }
}

#[tokio::test]
async fn list_policies_pages_both_ways() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-east-1");
    for p in ["c", "a", "b"] {
        iot.create_policy().policy_name(p).policy_document(ALLOW_CONNECT).send().await.unwrap();
    }
    for (ascending, expected) in [(true, ["a", "b", "c"]), (false, ["c", "b", "a"])] {
        let mut seen = Vec::new();
        let mut marker = None;
        loop {
            let page = iot
                .list_policies()
                .page_size(2)
                .ascending_order(ascending)
                .set_marker(marker)
                .send()
                .await
                .unwrap();
            seen.extend(page.policies().iter().filter_map(|p| p.policy_name().map(str::to_owned)));
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        assert_eq!(seen, expected);
    }
}
