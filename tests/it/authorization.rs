//! GetEffectivePolicies and TestAuthorization through aws-sdk-iot against the
//! running binary (guide L3716-3851): certificate policies, inherited thing-group
//! policies, policy variables, explicit deny.

use aws_sdk_iot::types::{ActionType, AuthDecision, AuthInfo};
use iot_emulator_harness::EmulatorProcess;

use crate::support::iot_client;

const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

fn auth(action: ActionType, resource: &str) -> AuthInfo {
    AuthInfo::builder().action_type(action).resources(format!("{ARN}:{resource}")).build().unwrap()
}

#[tokio::test]
async fn group_policies_are_inherited_and_explicit_deny_wins() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let iot = iot_client(&emu.http_url(), "123456789012", "us-east-1");
    let cert = iot.create_keys_and_certificate().set_as_active(true).send().await.unwrap();
    let cert_arn = cert.certificate_arn().unwrap().to_owned();
    iot.create_thing().thing_name("MyLightBulb").send().await.unwrap();
    iot.attach_thing_principal()
        .thing_name("MyLightBulb")
        .principal(&cert_arn)
        .send()
        .await
        .unwrap();
    iot.create_thing_group().thing_group_name("ShinyObjects").send().await.unwrap();
    iot.create_thing_group()
        .thing_group_name("LightBulbs")
        .parent_group_name("ShinyObjects")
        .send()
        .await
        .unwrap();
    iot.add_thing_to_thing_group()
        .thing_name("MyLightBulb")
        .thing_group_name("LightBulbs")
        .send()
        .await
        .unwrap();

    let policy = |name: &'static str, doc: String| {
        let iot = iot.clone();
        async move { iot.create_policy().policy_name(name).policy_document(doc).send().await.unwrap() }
    };
    policy(
        "cert-policy",
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iot:Publish","Resource":"{ARN}:topic/iotButton/*"}},{{"Effect":"Allow","Action":"iot:Connect","Resource":"{ARN}:client/${{iot:Connection.Thing.ThingName}}"}}]}}"#),
    )
    .await;
    policy(
        "root-deny",
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"iot:Publish","Resource":"{ARN}:topic/iotButton/secret"}}]}}"#),
    )
    .await;
    iot.attach_policy().policy_name("cert-policy").target(&cert_arn).send().await.unwrap();
    iot.attach_policy()
        .policy_name("root-deny")
        .target(format!("{ARN}:thinggroup/ShinyObjects"))
        .send()
        .await
        .unwrap();

    let effective = iot
        .get_effective_policies()
        .principal(&cert_arn)
        .thing_name("MyLightBulb")
        .send()
        .await
        .unwrap();
    let names: Vec<_> =
        effective.effective_policies().iter().filter_map(|p| p.policy_name()).collect();
    assert_eq!(names, ["cert-policy", "root-deny"]);
    assert!(effective.effective_policies()[1].policy_document().unwrap().contains("Deny"));

    let results = iot
        .test_authorization()
        .principal(&cert_arn)
        .client_id("MyLightBulb")
        .auth_infos(auth(ActionType::Publish, "topic/iotButton/G030JF053216F1BS"))
        .auth_infos(auth(ActionType::Publish, "topic/iotButton/secret"))
        .auth_infos(auth(ActionType::Connect, "client/MyLightBulb"))
        .auth_infos(auth(ActionType::Subscribe, "topicfilter/iotButton/*"))
        .send()
        .await
        .unwrap();
    let decisions: Vec<_> =
        results.auth_results().iter().map(|r| r.auth_decision().cloned()).collect();
    assert_eq!(
        decisions,
        [
            Some(AuthDecision::Allowed),
            Some(AuthDecision::ExplicitDeny),
            Some(AuthDecision::Allowed),
            Some(AuthDecision::ImplicitDeny)
        ]
    );
    let first = &results.auth_results()[0];
    let allowed: Vec<_> =
        first.allowed().unwrap().policies().iter().filter_map(|p| p.policy_name()).collect();
    assert_eq!(allowed, ["cert-policy"]);
    let second = &results.auth_results()[1];
    let denied: Vec<_> = second
        .denied()
        .unwrap()
        .explicit_deny()
        .unwrap()
        .policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    assert_eq!(denied, ["root-deny"]);

    // Without the client id no thing stands behind the connection: the thing variable
    // cannot resolve and the group's policies do not apply.
    let results = iot
        .test_authorization()
        .principal(&cert_arn)
        .auth_infos(auth(ActionType::Connect, "client/MyLightBulb"))
        .auth_infos(auth(ActionType::Publish, "topic/iotButton/secret"))
        .send()
        .await
        .unwrap();
    let connect = &results.auth_results()[0];
    assert_eq!(connect.auth_decision(), Some(&AuthDecision::ImplicitDeny));
    assert_eq!(connect.missing_context_values(), ["iot:Connection.Thing.ThingName"]);
    assert_eq!(results.auth_results()[1].auth_decision(), Some(&AuthDecision::Allowed));

    // Skipping and adding policies.
    let skipped = iot
        .test_authorization()
        .principal(&cert_arn)
        .policy_names_to_skip("cert-policy")
        .auth_infos(auth(ActionType::Publish, "topic/iotButton/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(skipped.auth_results()[0].auth_decision(), Some(&AuthDecision::ImplicitDeny));
    let added = iot
        .test_authorization()
        .principal(&cert_arn)
        .policy_names_to_add("root-deny")
        .auth_infos(auth(ActionType::Publish, "topic/iotButton/secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(added.auth_results()[0].auth_decision(), Some(&AuthDecision::ExplicitDeny));
}
