//! The rules engine from outside: rules managed over the API (raw HTTP and
//! aws-sdk-iot), devices publishing over MQTT, and what every action delivered read
//! back from `/_emulator/sinks`; republish to a subscriber, the error action with a
//! failing sink, Basic Ingest, and a WAT Lambda.

use std::time::Duration;

use http::Method;
use iot_emulator_harness::Redactor;
use rumqttc::QoS;
use serde_json::{Value, json};

use crate::mqtt::{WAIT, connect, tcp_options};
use crate::support::{Reply, http, shared_url, sigv4, unique};

/// Plain-TCP MQTT clients act in the default account, so the rules are made there
/// (an access key that is not 12 digits maps to the default account).
fn auth() -> String {
    sigv4("AKIDRULESTEST", "us-east-1", "iot")
}

async fn api(method: Method, path: &str, body: Value) -> Reply {
    let text = if body.is_null() { String::new() } else { body.to_string() };
    http(method, shared_url(), path, Some(&auth()), &text).await
}

async fn create_rule(name: &str, payload: Value) {
    let r = api(Method::POST, &format!("/rules/{name}"), payload).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

async fn mqtt_addr() -> String {
    let health = http(Method::GET, shared_url(), "/_emulator/health", None, "").await.json();
    health["endpoints"]["mqtt"].as_str().unwrap().to_owned()
}

/// The sink records of `rule`, once at least `n` are there.
async fn records(rule: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let r = http(Method::GET, shared_url(), &format!("/_emulator/sinks?rule={rule}"), None, "")
            .await
            .json();
        let records = r["records"].as_array().cloned().unwrap_or_default();
        if records.len() >= n {
            return records;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rule {rule}: {} of {n} records within {WAIT:?}: {records:?}",
            records.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A record as a snapshot shows it: the sequence and time checked and dropped, the
/// per-run prefix replaced, ids redacted by reference.
fn for_snapshot(records: &[Value], prefix: &str, redactor: &mut Redactor) -> Vec<Value> {
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as i64;
    records
        .iter()
        .map(|r| {
            let ts = r["timestamp"].as_i64().unwrap();
            assert!((now_ms - 60_000..=now_ms + 1_000).contains(&ts), "timestamp {ts} is not now");
            assert!(r["sequence"].as_u64().unwrap() > 0);
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            o.remove("timestamp");
            o.remove("sequence");
            let text = r.to_string().replace(prefix, "<prefix>");
            redactor.redact(&serde_json::from_str(&text).unwrap())
        })
        .collect()
}

#[tokio::test]
async fn rules_are_managed_with_aws_errors() {
    let name = unique("mgmt").replace('-', "_");
    let payload = json!({
        "sql": "SELECT * FROM 'mgmt/+/temp' WHERE temperature > 50",
        "description": "hot",
        "actions": [{"sqs": {"queueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "roleArn": "arn:aws:iam::1:role/r"}}],
        "ruleDisabled": false,
        "awsIotSqlVersion": "2016-03-23"
    });
    create_rule(&name, payload.clone()).await;

    let again = api(Method::POST, &format!("/rules/{name}"), payload.clone()).await;
    assert_eq!((again.status, again.error_type()), (409, "ResourceAlreadyExistsException"));
    let bad_sql = api(
        Method::POST,
        &format!("/rules/{name}_2"),
        json!({"sql": "SELECT * FROM", "actions": []}),
    )
    .await;
    assert_eq!((bad_sql.status, bad_sql.error_type()), (400, "SqlParseException"));
    let bad_name =
        api(Method::POST, "/rules/not-valid", json!({"sql": "SELECT * FROM 'a'", "actions": []}))
            .await;
    assert_eq!((bad_name.status, bad_name.error_type()), (400, "InvalidRequestException"));
    let two_kinds = api(
        Method::POST,
        &format!("/rules/{name}_3"),
        json!({"sql": "SELECT * FROM 'a'", "actions": [{"sqs": {"queueUrl": "q", "roleArn": "r"}, "sns": {"targetArn": "t", "roleArn": "r"}}]}),
    )
    .await;
    assert_eq!((two_kinds.status, two_kinds.error_type()), (400, "InvalidRequestException"));

    let got = api(Method::GET, &format!("/rules/{name}"), Value::Null).await.json();
    assert_eq!(got["ruleArn"], format!("arn:aws:iot:us-east-1:000000000000:rule/{name}"));
    assert_eq!(got["rule"]["sql"], payload["sql"]);
    assert_eq!(got["rule"]["actions"], payload["actions"]);
    assert_eq!(got["rule"]["awsIotSqlVersion"], "2016-03-23");
    assert_eq!(got["rule"]["ruleDisabled"], false);
    assert!(got["rule"]["createdAt"].as_f64().unwrap() > 1.0e9);

    let listed = api(Method::GET, "/rules?topic=mgmt/dev1/temp", Value::Null).await.json();
    let item = listed["rules"].as_array().unwrap().iter().find(|r| r["ruleName"] == name).cloned();
    assert_eq!(item.unwrap()["topicPattern"], "mgmt/+/temp");

    let disable = api(Method::POST, &format!("/rules/{name}/disable"), Value::Null).await;
    assert_eq!(disable.status, 200);
    let disabled = api(Method::GET, "/rules?ruleDisabled=true", Value::Null).await.json();
    assert!(disabled["rules"].as_array().unwrap().iter().any(|r| r["ruleName"] == name));
    api(Method::POST, &format!("/rules/{name}/enable"), Value::Null).await;

    let mut replaced = payload.clone();
    replaced["sql"] = json!("SELECT temperature FROM 'mgmt/#'");
    let r = api(Method::PATCH, &format!("/rules/{name}"), replaced).await;
    assert_eq!(r.status, 200);
    let got = api(Method::GET, &format!("/rules/{name}"), Value::Null).await.json();
    assert_eq!(got["rule"]["sql"], "SELECT temperature FROM 'mgmt/#'");

    let deleted = api(Method::DELETE, &format!("/rules/{name}"), Value::Null).await;
    assert_eq!(deleted.status, 200);
    let missing = api(Method::GET, &format!("/rules/{name}"), Value::Null).await;
    assert_eq!((missing.status, missing.error_type()), (401, "UnauthorizedException"));
}

#[tokio::test]
async fn aws_sdk_iot_creates_and_lists_rules() {
    let iot = crate::support::iot_client(shared_url(), "AKIDRULESSDK", "us-east-1");
    let name = unique("sdk").replace('-', "_");
    let action = aws_sdk_iot::types::Action::builder()
        .republish(
            aws_sdk_iot::types::RepublishAction::builder()
                .role_arn("arn:aws:iam::000000000000:role/r")
                .topic("${topic()}/again")
                .build()
                .unwrap(),
        )
        .build();
    iot.create_topic_rule()
        .rule_name(&name)
        .topic_rule_payload(
            aws_sdk_iot::types::TopicRulePayload::builder()
                .sql("SELECT * FROM 'sdk/in'")
                .actions(action)
                .build()
                .unwrap(),
        )
        .tags("team=rules")
        .send()
        .await
        .unwrap();
    let got = iot.get_topic_rule().rule_name(&name).send().await.unwrap();
    let rule = got.rule().unwrap();
    assert_eq!(rule.sql(), Some("SELECT * FROM 'sdk/in'"));
    assert_eq!(rule.actions()[0].republish().unwrap().topic(), "${topic()}/again");
    let arn = got.rule_arn().unwrap().to_owned();
    let tags = iot.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags()[0].key(), "team");
    let page = iot.list_topic_rules().topic("sdk/in").send().await.unwrap();
    assert!(page.rules().iter().any(|r| r.rule_name() == Some(name.as_str())));
    let err = iot.get_topic_rule().rule_name("no_such_rule_x").send().await.unwrap_err();
    assert!(err.into_service_error().is_unauthorized_exception());
    iot.delete_topic_rule().rule_name(&name).send().await.unwrap();
}

/// Every action kind, each in its own rule on one topic, fed by one MQTT publish.
#[tokio::test]
async fn every_action_delivers_its_rendered_record() {
    let prefix = unique("all").replace('-', "_");
    let topic = format!("{prefix}/dev1/telemetry");
    let role = "arn:aws:iam::000000000000:role/iot";
    let actions = [
        (
            "cloudwatchAlarm",
            json!({"roleArn": role, "alarmName": "${device}-alarm", "stateReason": "temperature ${temperature}", "stateValue": "ALARM"}),
        ),
        (
            "cloudwatchMetric",
            json!({"roleArn": role, "metricNamespace": "iot/${topic(2)}", "metricName": "temperature", "metricValue": "${temperature}", "metricUnit": "None", "metricTimestamp": "1764111111"}),
        ),
        (
            "dynamoDB",
            json!({"roleArn": role, "tableName": "readings", "hashKeyField": "device", "hashKeyValue": "${device}", "rangeKeyField": "seq", "rangeKeyValue": "${seq}", "rangeKeyType": "NUMBER", "payloadField": "data"}),
        ),
        ("dynamoDBv2", json!({"roleArn": role, "putItem": {"tableName": "items"}})),
        (
            "elasticsearch",
            json!({"roleArn": role, "endpoint": "https://search-x.us-east-1.es.amazonaws.com", "index": "readings", "type": "reading", "id": "${device}-${seq}"}),
        ),
        (
            "firehose",
            json!({"roleArn": role, "deliveryStreamName": "stream-${topic(2)}", "separator": "\n"}),
        ),
        (
            "kinesis",
            json!({"roleArn": role, "streamName": "readings", "partitionKey": "${topic(2)}"}),
        ),
        (
            "lambda",
            json!({"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:record-only"}),
        ),
        ("republish", json!({"roleArn": role, "topic": "${topic()}/republished", "qos": 1})),
        (
            "s3",
            json!({"roleArn": role, "bucketName": "bucket-${topic(2)}", "key": "${topic(1)}/${seq}.json", "cannedAcl": "private"}),
        ),
        (
            "sns",
            json!({"roleArn": role, "targetArn": "arn:aws:sns:us-east-1:000000000000:alerts", "messageFormat": "RAW"}),
        ),
        (
            "sqs",
            json!({"roleArn": role, "queueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/q", "useBase64": true}),
        ),
        (
            "salesforce",
            json!({"url": "https://ingestion-abc.plant.sfdc-matrix.net/streams/0001/0002/event", "token": "${not-a-template}-0123456789012345678901234567890123456789"}),
        ),
        (
            "http",
            json!({"url": "https://example.com/${topic(2)}", "headers": [{"key": "x-device", "value": "${device}"}]}),
        ),
    ];
    for (key, params) in &actions {
        let mut action = serde_json::Map::new();
        action.insert((*key).to_owned(), params.clone());
        create_rule(
            &format!("{prefix}_{key}"),
            json!({
                "sql": format!("SELECT device, temperature, seq FROM '{prefix}/+/telemetry'"),
                "actions": [action],
            }),
        )
        .await;
    }
    let mut device = connect(tcp_options(&unique("dev"), &mqtt_addr().await)).await.unwrap();
    device
        .client
        .publish(
            &topic,
            QoS::AtLeastOnce,
            false,
            r#"{"device":"dev1","temperature":21.5,"seq":7,"extra":true}"#,
        )
        .await
        .unwrap();
    assert!(device.wait_for(|i| matches!(i, rumqttc::Incoming::PubAck(_))).await);
    let mut redactor = Redactor::new();
    let mut all = Vec::new();
    for (key, _) in &actions {
        let records = records(&format!("{prefix}_{key}"), 1).await;
        assert_eq!(records.len(), 1, "{key}: {records:?}");
        assert_eq!(records[0]["kind"], *key);
        all.extend(for_snapshot(&records, &prefix, &mut redactor));
    }
    insta::assert_json_snapshot!(all);
}

#[tokio::test]
async fn republish_reaches_a_subscribed_device() {
    let prefix = unique("rep").replace('-', "_");
    create_rule(
        &format!("{prefix}_rule"),
        json!({
            "sql": format!("SELECT temperature * 2 AS doubled, topic(2) AS device FROM '{prefix}/+/in'"),
            "actions": [{"republish": {"roleArn": "arn:aws:iam::000000000000:role/r", "topic": format!("{prefix}/${{topic(2)}}/out")}}],
        }),
    )
    .await;
    let addr = mqtt_addr().await;
    let mut subscriber = connect(tcp_options(&unique("sub"), &addr)).await.unwrap();
    subscriber.client.subscribe(format!("{prefix}/+/out"), QoS::AtLeastOnce).await.unwrap();
    assert!(subscriber.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);
    let publisher = connect(tcp_options(&unique("pub"), &addr)).await.unwrap();
    publisher
        .client
        .publish(format!("{prefix}/d7/in"), QoS::AtLeastOnce, false, r#"{"temperature":20}"#)
        .await
        .unwrap();
    let got = subscriber.next_publish().await.expect("the republished message arrives");
    assert_eq!(got.topic, format!("{prefix}/d7/out"));
    let body: Value = serde_json::from_slice(&got.payload).unwrap();
    assert_eq!(body, json!({"doubled": 40, "device": "d7"}));
}

#[tokio::test]
async fn a_failing_sink_fires_the_error_action_with_the_guides_message() {
    let prefix = unique("err").replace('-', "_");
    let rule = format!("{prefix}_rule");
    for (kind, message) in
        [("kinesis", "Stream readings not found"), ("sns", "Topic does not exist")]
    {
        let r = http(
            Method::POST,
            shared_url(),
            &format!("/_emulator/sinks/{kind}/failures"),
            None,
            &json!({"count": 1, "message": message, "rule": rule}).to_string(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let role = "arn:aws:iam::000000000000:role/r";
    create_rule(
        &rule,
        json!({
            "sql": format!("SELECT * FROM '{prefix}/in'"),
            "actions": [
                {"kinesis": {"roleArn": role, "streamName": format!("readings-${{topic(1)}}"), "partitionKey": "p"}},
                {"sns": {"roleArn": role, "targetArn": "arn:aws:sns:us-east-1:000000000000:alerts"}},
                {"sqs": {"roleArn": role, "queueUrl": "https://sqs/q"}}
            ],
            "errorAction": {"s3": {"roleArn": role, "bucketName": "errors", "key": "${topic()}/error.json"}},
        }),
    )
    .await;
    let publish = http(
        Method::POST,
        shared_url(),
        &format!("/topics/{prefix}%2Fin?qos=1"),
        Some(&sigv4("AKIDRULESTEST", "us-east-1", "iotdata")),
        r#"{"temperature":99}"#,
    )
    .await;
    assert_eq!(publish.status, 200);
    let records = records(&rule, 2).await;
    let sqs = records.iter().find(|r| r["kind"] == "sqs").expect("the healthy action delivered");
    assert_eq!(sqs["record"]["messageBody"], r#"{"temperature":99}"#);
    let error = records.iter().find(|r| r["kind"] == "s3").expect("the error action delivered");
    assert_eq!(error["errorAction"], true);
    assert_eq!(error["record"]["key"], format!("{prefix}/in/error.json"));
    let message: Value = serde_json::from_str(error["record"]["body"].as_str().unwrap()).unwrap();
    let mut redactor = Redactor::new();
    let text = message.to_string().replace(&prefix, "<prefix>");
    insta::assert_json_snapshot!(redactor.redact(&serde_json::from_str(&text).unwrap()));
    assert_eq!(
        records.len(),
        2,
        "kinesis and sns failed: only sqs and the error action: {records:?}"
    );
}

#[tokio::test]
async fn basic_ingest_reaches_only_the_named_rule() {
    let prefix = unique("ingest").replace('-', "_");
    for n in ["a", "b"] {
        create_rule(
            &format!("{prefix}_{n}"),
            json!({
                "sql": format!("SELECT *, topic() AS t FROM '{prefix}/#'"),
                "actions": [{"sqs": {"roleArn": "arn:aws:iam::000000000000:role/r", "queueUrl": "q"}}],
            }),
        )
        .await;
    }
    let device = connect(tcp_options(&unique("dev"), &mqtt_addr().await)).await.unwrap();
    device
        .client
        .publish(format!("$aws/rules/{prefix}_b/{prefix}/x"), QoS::AtMostOnce, false, r#"{"v":1}"#)
        .await
        .unwrap();
    let b = records(&format!("{prefix}_b"), 1).await;
    let body: Value =
        serde_json::from_str(b[0]["record"]["messageBody"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"v": 1, "t": format!("{prefix}/x")}));
    // The rule `a` also matches `{prefix}/x` but must not fire: publish to it directly
    // and see that its first record is that later message.
    device
        .client
        .publish(format!("{prefix}/y"), QoS::AtMostOnce, false, r#"{"v":2}"#)
        .await
        .unwrap();
    let a = records(&format!("{prefix}_a"), 1).await;
    assert!(a[0]["record"]["messageBody"].as_str().unwrap().contains("\"v\":2"), "{a:?}");
}

#[tokio::test]
async fn a_wat_lambda_transforms_an_event() {
    let prefix = unique("wasm").replace('-', "_");
    let function = format!("{prefix}_fn");
    let wat = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/lambdas/wrap.wat");
    let r = http(
        Method::PUT,
        shared_url(),
        &format!("/_emulator/lambda/{function}"),
        None,
        &json!({"watFile": wat}).to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{function}");
    create_rule(
        &format!("{prefix}_rule"),
        json!({
            "sql": format!("SELECT temperature FROM '{prefix}/in'"),
            "actions": [{"lambda": {"functionArn": arn}}],
        }),
    )
    .await;
    http(
        Method::POST,
        shared_url(),
        &format!("/topics/{prefix}%2Fin"),
        Some(&sigv4("AKIDRULESTEST", "us-east-1", "iotdata")),
        r#"{"temperature":30,"other":1}"#,
    )
    .await;
    let records = records(&format!("{prefix}_rule"), 1).await;
    assert_eq!(records[0]["record"]["event"], json!({"temperature": 30}));
    assert_eq!(
        records[0]["record"]["response"],
        json!({"wrapped": {"temperature": 30}, "by": "wasm"})
    );
}

#[tokio::test]
async fn get_thing_shadow_reads_the_shadow_service() {
    let prefix = unique("shadowfn").replace('-', "_");
    let thing = format!("{prefix}_lamp");
    let data = sigv4("AKIDRULESTEST", "us-east-1", "iotdata");
    let update = r#"{"state":{"reported":{"temp":21,"alarm":"ON"}}}"#;
    let r =
        http(Method::POST, shared_url(), &format!("/things/{thing}/shadow"), Some(&data), update)
            .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    create_rule(
        &prefix,
        json!({
            "sql": format!("SELECT get_thing_shadow(topic(2), 'arn:aws:iam::000000000000:role/r').state.reported.temp AS temp, \
                            get_thing_shadow('{prefix}_missing', 'r') AS missing \
                            FROM '{prefix}/+' WHERE get_thing_shadow(topic(2), 'r').state.reported.alarm = 'ON'"),
            "awsIotSqlVersion": "2016-03-23",
            "actions": [{"sqs": {"roleArn": "arn:aws:iam::000000000000:role/r", "queueUrl": "q"}}],
        }),
    )
    .await;
    let device = connect(tcp_options(&unique("dev"), &mqtt_addr().await)).await.unwrap();
    for t in ["nobody", thing.as_str()] {
        device.client.publish(format!("{prefix}/{t}"), QoS::AtMostOnce, false, "{}").await.unwrap();
    }
    let got = records(&prefix, 1).await;
    let body: Value =
        serde_json::from_str(got[0]["record"]["messageBody"].as_str().unwrap()).unwrap();
    // The thing without a shadow fails the WHERE; the missing shadow is Undefined.
    assert_eq!((got.len(), body), (1, json!({"temp": 21})));
}

#[tokio::test]
async fn machinelearning_predict_answers_the_prediction_a_test_sets() {
    let prefix = unique("mlfn").replace('-', "_");
    let model = format!("{prefix}_model");
    let prediction = json!({"predictedLabel": "1", "predictedScores": {"1": 0.93}, "details": {"Algorithm": "SGD"}});
    let r = http(
        Method::PUT,
        shared_url(),
        &format!("/_emulator/ml/{model}"),
        None,
        &prediction.to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    create_rule(
        &prefix,
        json!({
            "sql": format!("SELECT machinelearning_predict('{model}', 'arn:aws:iam::000000000000:role/ml', *).predictedLabel AS label, \
                            machinelearning_predict('{prefix}_unknown', 'r', *) AS none FROM '{prefix}/x'"),
            "awsIotSqlVersion": "2016-03-23",
            "actions": [{"sqs": {"roleArn": "arn:aws:iam::000000000000:role/r", "queueUrl": "q"}}],
        }),
    )
    .await;
    let device = connect(tcp_options(&unique("dev"), &mqtt_addr().await)).await.unwrap();
    device
        .client
        .publish(format!("{prefix}/x"), QoS::AtMostOnce, false, r#"{"f":1}"#)
        .await
        .unwrap();
    let got = records(&prefix, 1).await;
    let body: Value =
        serde_json::from_str(got[0]["record"]["messageBody"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"label": "1"}));
}
