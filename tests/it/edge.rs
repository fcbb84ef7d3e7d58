//! The HTTP edge from the wire: AWS error shapes, request ids, routing by SigV4
//! scope, and the /_emulator endpoints.

use http::Method;

use crate::support::{http, shared_url, sigv4, unique};

#[tokio::test]
async fn every_response_carries_a_request_id_and_they_differ() {
    let url = shared_url();
    let mut ids = Vec::new();
    for (method, path) in [
        (Method::GET, "/_emulator/health"),
        (Method::GET, "/things"),
        (Method::GET, "/no/such/route"),
        (Method::GET, "/policies"),
    ] {
        let r = http(method, url, path, None, "").await;
        let id =
            r.headers.get("x-amzn-RequestId").unwrap_or_else(|| panic!("{path}: no request id"));
        ids.push(id.to_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_bad_json_answer_as_aws() {
    let url = shared_url();
    let r = http(Method::GET, url, "/no/such/route", None, "").await;
    assert_eq!((r.status, r.error_type()), (404, "UnknownOperationException"));
    assert!(r.json()["message"].as_str().unwrap().contains("/no/such/route"));

    let r = http(Method::PUT, url, "/things/x", None, "").await;
    assert_eq!((r.status, r.error_type()), (405, "MethodNotAllowedException"));

    let name = unique("badjson");
    let r =
        http(Method::POST, url, &format!("/things/{name}"), None, "{\"attributePayload\": ").await;
    assert_eq!((r.status, r.error_type()), (400, "SerializationException"));
    let r = http(Method::POST, url, &format!("/things/{name}"), None, "{\"attributePayload\": 7}")
        .await;
    assert_eq!((r.status, r.error_type()), (400, "SerializationException"));

    let r = http(Method::GET, url, "/things?maxResults=0", None, "").await;
    assert_eq!((r.status, r.error_type()), (400, "InvalidRequestException"));
    assert_eq!(
        r.json()["message"],
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: \
         Member must have value greater than or equal to 1"
    );
}

#[tokio::test]
async fn unimplemented_operations_answer_501_naming_themselves_in_every_service() {
    let url = shared_url();
    for (method, path, service, op) in [
        (Method::GET, "/fleet-metrics", "iot", "ListFleetMetrics"),
        (Method::GET, "/connections/c1/subscriptions", "iotdata", "ListSubscriptions"),
        (Method::GET, "/things/t1/jobs", "iot-jobs-data", "GetPendingJobExecutions"),
        (Method::GET, "/things/t1/jobs", "iot", "ListJobExecutionsForThing"),
    ] {
        let r = http(method, url, path, Some(&sigv4("test", "us-east-1", service)), "").await;
        assert_eq!((r.status, r.error_type()), (501, "NotImplemented"), "{service} {path}");
        let message = r.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(op), "{service} {path}: {message}");
    }
}

#[tokio::test]
async fn describe_thing_answers_in_the_shape_aws_sends() {
    let url = shared_url();
    let name = unique("shape");
    let auth = sigv4("444444444444", "eu-west-3", "iot");
    let r = http(
        Method::POST,
        url,
        &format!("/things/{name}"),
        Some(&auth),
        r#"{"attributePayload":{"attributes":{"a":"b"}}}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
    let created = r.json();
    let r = http(Method::GET, url, &format!("/things/{name}"), Some(&auth), "").await;
    let d = r.json();
    assert_eq!(d["thingName"], name.as_str());
    assert_eq!(d["thingId"], created["thingId"]);
    assert_eq!(d["thingArn"], format!("arn:aws:iot:eu-west-3:444444444444:thing/{name}").as_str());
    assert_eq!(d["attributes"], serde_json::json!({"a": "b"}));
    assert_eq!(d["version"], 1);
    assert!(d.get("thingTypeName").is_none(), "absent members are left out: {d}");
}
