//! Whole responses of the registry and security APIs, as the wire carries them,
//! compared with an insta snapshot whose ids are redacted by reference.

use http::Method;
use iot_emulator_harness::{EmulatorProcess, Redactor};
use serde_json::{Value, json};

use crate::support::{http_with, sigv4};

/// The call and what came back: status, error type if any, and the JSON body.
async fn call(
    url: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> Value {
    let auth = sigv4("123456789012", "us-east-1", "iot");
    let text = if body.is_null() { String::new() } else { body.to_string() };
    let r = http_with(method.clone(), url, path, Some(&auth), headers, &text).await;
    let body: Value = if r.body.is_empty() { Value::Null } else { r.json() };
    let mut out =
        json!({ "request": format!("{method} {path}"), "status": r.status, "body": body });
    if !r.error_type().is_empty() {
        out["errorType"] = Value::String(r.error_type().to_owned());
    }
    out
}

#[tokio::test]
async fn registry_and_security_walkthrough() {
    let emu = EmulatorProcess::spawn(&["--http-port", "0"], &[]).unwrap();
    let url = emu.http_url();
    let mut log = Vec::new();
    macro_rules! step {
        ($method:ident, $path:expr) => {
            step!($method, $path, Value::Null)
        };
        ($method:ident, $path:expr, $body:expr) => {
            step!($method, $path, [], $body)
        };
        ($method:ident, $path:expr, [$(($k:expr, $v:expr)),*], $body:expr) => {{
            let v = call(&url, Method::$method, &$path, &[$(($k, $v)),*], $body).await;
            log.push(v.clone());
            v
        }};
    }

    step!(
        POST,
        "/thing-types/LightBulb",
        json!({"thingTypeProperties": {"thingTypeDescription": "light bulb type", "searchableAttributes": ["wattage", "model"]}})
    );
    step!(GET, "/thing-types/LightBulb");
    step!(
        POST,
        "/things/bulb-1",
        json!({"thingTypeName": "LightBulb", "attributePayload": {"attributes": {"wattage": "75", "model": "123"}}})
    );
    step!(GET, "/things/bulb-1");
    step!(POST, "/things/bulb-1", json!({"attributePayload": {"attributes": {"wattage": "60"}}}));
    step!(
        PATCH,
        "/things/bulb-1",
        json!({"attributePayload": {"attributes": {"model": ""}, "merge": true}, "expectedVersion": 1})
    );
    step!(PATCH, "/things/bulb-1", json!({"expectedVersion": 1}));
    step!(GET, "/things?thingTypeName=LightBulb");
    step!(POST, "/thing-groups/LightBulbs");
    step!(
        POST,
        "/thing-groups/RedLights",
        json!({"parentGroupName": "LightBulbs", "thingGroupProperties": {"attributePayload": {"attributes": {"brightness": "3400"}}}})
    );
    step!(
        PUT,
        "/thing-groups/addThingToThingGroup",
        json!({"thingName": "bulb-1", "thingGroupName": "RedLights"})
    );
    step!(GET, "/thing-groups/RedLights");
    step!(DELETE, "/thing-groups/LightBulbs");
    let cert = step!(POST, "/keys-and-certificate?setAsActive=true");
    let cert_id = cert["body"]["certificateId"].as_str().unwrap().to_owned();
    let cert_arn = cert["body"]["certificateArn"].as_str().unwrap().to_owned();
    step!(GET, format!("/certificates/{cert_id}"));
    step!(PUT, "/things/bulb-1/principals");
    step!(PUT, "/things/bulb-1/principals", [("x-amzn-principal", cert_arn.as_str())], Value::Null);
    step!(GET, "/things/bulb-1/principals");
    step!(
        POST,
        "/policies/bulb-policy",
        json!({"policyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}"}]}"#})
    );
    step!(
        POST,
        "/policies/bad-policy",
        json!({"policyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect"}]}"#})
    );
    step!(PUT, "/target-policies/bulb-policy", json!({"target": cert_arn}));
    step!(
        PUT,
        "/target-policies/bulb-policy",
        json!({"target": "arn:aws:iot:us-east-1:123456789012:thinggroup/RedLights"})
    );
    step!(POST, "/effective-policies?thingName=bulb-1", json!({"principal": cert_arn}));
    step!(
        POST,
        "/test-authorization?clientId=bulb-1",
        json!({"principal": cert_arn, "authInfos": [{"actionType": "CONNECT", "resources": ["arn:aws:iot:us-east-1:123456789012:client/bulb-1"]}]})
    );
    step!(DELETE, format!("/certificates/{cert_id}"));
    step!(DELETE, "/policies/bulb-policy");

    let mut redactor = Redactor::new();
    let redacted: Vec<Value> = log.iter().map(|v| redactor.redact(v)).collect();
    insta::assert_json_snapshot!(redacted);
}
