//! Policy engine benchmark: evaluations per second on one core for a realistic
//! device policy with policy variables and a condition. Prints figures; asserts
//! only that the decisions are the expected ones.

use std::hint::black_box;
use std::time::Instant;

use iot_emulator::domain::security::policy::{
    AuthContext, Decision, NamedPolicy, PolicyDocument, ThingContext, decide, evaluate,
};

const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

fn device_policy() -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{"Effect": "Allow", "Action": "iot:Connect",
      "Resource": "{ARN}:client/${{iot:Connection.Thing.ThingName}}",
      "Condition": {{"Bool": {{"iot:Connection.Thing.IsAttached": "true"}}}}}},
    {{"Effect": "Allow", "Action": "iot:Publish",
      "Resource": ["{ARN}:topic/$aws/things/${{iot:Connection.Thing.ThingName}}/shadow/*",
                   "{ARN}:topic/devices/${{iot:ClientId}}/telemetry"]}},
    {{"Effect": "Allow", "Action": "iot:Subscribe",
      "Resource": "{ARN}:topicfilter/$aws/things/${{iot:Connection.Thing.ThingName}}/shadow/*"}},
    {{"Effect": "Allow", "Action": "iot:Receive",
      "Resource": "{ARN}:topic/$aws/things/${{iot:Connection.Thing.ThingName}}/shadow/*"}},
    {{"Effect": "Deny", "Action": "iot:Publish",
      "Resource": "{ARN}:topic/devices/${{iot:ClientId}}/admin"}}
  ]
}}"#
    )
}

fn group_policy() -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [
    {{"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
      "Resource": "{ARN}:topic/fleet/${{iot:Connection.Thing.Attributes[site]}}/*"}}]}}"#
    )
}

fn main() {
    let device = PolicyDocument::parse(&device_policy()).expect("device policy parses");
    let group = PolicyDocument::parse(&group_policy()).expect("group policy parses");
    let policies = [
        NamedPolicy { name: "device", document: &device },
        NamedPolicy { name: "fleet", document: &group },
    ];
    let ctx = AuthContext {
        client_id: Some("sensor-0042".into()),
        thing: Some(ThingContext {
            name: "sensor-0042".into(),
            type_name: Some("Sensor".into()),
            attributes: [("site".to_string(), "berlin".to_string())].into(),
            is_attached: true,
        }),
        ..AuthContext::default()
    };
    let requests: Vec<(&str, String, Decision)> = vec![
        ("iot:Connect", format!("{ARN}:client/sensor-0042"), Decision::Allowed),
        (
            "iot:Publish",
            format!("{ARN}:topic/$aws/things/sensor-0042/shadow/update"),
            Decision::Allowed,
        ),
        ("iot:Publish", format!("{ARN}:topic/devices/sensor-0042/telemetry"), Decision::Allowed),
        ("iot:Publish", format!("{ARN}:topic/devices/sensor-0042/admin"), Decision::ExplicitDeny),
        (
            "iot:Subscribe",
            format!("{ARN}:topicfilter/$aws/things/sensor-0042/shadow/*"),
            Decision::Allowed,
        ),
        ("iot:Receive", format!("{ARN}:topic/fleet/berlin/alerts"), Decision::Allowed),
        (
            "iot:Publish",
            format!("{ARN}:topic/$aws/things/other/shadow/update"),
            Decision::ImplicitDeny,
        ),
        ("iot:Connect", format!("{ARN}:client/intruder"), Decision::ImplicitDeny),
    ];
    for (action, resource, expected) in &requests {
        assert_eq!(decide(&policies, action, resource, &ctx), *expected, "{action} {resource}");
        assert_eq!(evaluate(&policies, action, resource, &ctx).decision, *expected);
    }

    let rounds = 250_000;
    println!(
        "policy engine: 2 policies, 6 statements, variables and a condition; {} requests per round, {rounds} rounds, one thread",
        requests.len()
    );
    for (name, run) in [
        (
            "decide (broker hot path)",
            &(|a: &str, r: &str| decide(&policies, a, r, &ctx) == Decision::Allowed)
                as &dyn Fn(&str, &str) -> bool,
        ),
        ("evaluate (TestAuthorization detail)", &|a: &str, r: &str| {
            evaluate(&policies, a, r, &ctx).decision == Decision::Allowed
        }),
    ] {
        // Warm-up, then the measured loop.
        for (a, r, _) in &requests {
            black_box(run(a, r));
        }
        let start = Instant::now();
        let mut allowed = 0usize;
        for _ in 0..rounds {
            for (a, r, _) in &requests {
                allowed += usize::from(black_box(run(black_box(a), black_box(r))));
            }
        }
        let elapsed = start.elapsed();
        let n = rounds * requests.len();
        println!(
            "  {name:<38} {:>12.0} evaluations/s  {:>7.1} ns/evaluation  ({allowed} allowed of {n})",
            n as f64 / elapsed.as_secs_f64(),
            elapsed.as_nanos() as f64 / n as f64
        );
    }
}
