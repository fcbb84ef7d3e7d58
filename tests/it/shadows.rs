//! Device shadows as the guide's Thing Shadows chapter shows them: every example in
//! `fixtures/shadows/` replayed over MQTT and over REST, with what came back on every
//! shadow topic and over HTTP in one insta snapshot per example and transport; and
//! the mutual-TLS REST surface with its `iot:*ThingShadow` policy checks.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use http::Method;
use iot_emulator_harness::{EmulatorProcess, Redactor};
use rumqttc::QoS;
use serde_json::{Value, json};

use crate::mqtt::{Client, connect, tcp_options};
use crate::support::{http, http_with, sigv4};

const ACCOUNT: &str = "123456789012";

struct Fixture {
    stem: String,
    shadow: Option<String>,
    steps: Vec<Value>,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/shadows");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 13, "the guide's shadow examples are all there");
    paths
        .into_iter()
        .map(|p| {
            let doc: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            Fixture {
                stem: p.file_stem().unwrap().to_string_lossy().into_owned(),
                shadow: doc["shadow"].as_str().map(str::to_owned),
                steps: doc["steps"].as_array().unwrap().clone(),
            }
        })
        .collect()
}

/// The bytes a step sends.
fn payload(step: &Value) -> Vec<u8> {
    if let Some(doc) = step.get("doc") {
        doc.to_string().into_bytes()
    } else if let Some(raw) = step.get("raw") {
        raw.as_str().unwrap().as_bytes().to_vec()
    } else if let Some(b) = step.get("base64") {
        base64::engine::general_purpose::STANDARD.decode(b.as_str().unwrap()).unwrap()
    } else if let Some(n) = step.get("oversize") {
        json!({"state": {"desired": {"big": "x".repeat(n.as_u64().unwrap() as usize)}}})
            .to_string()
            .into_bytes()
    } else {
        Vec::new()
    }
}

/// How a payload appears in a transcript: JSON when it is JSON, else text or base64.
fn shown(bytes: &[u8]) -> Value {
    if bytes.len() > 4096 {
        return json!(format!("<{} bytes>", bytes.len()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
        Err(_) => json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) }),
    }
}

fn repeat(step: &Value) -> u64 {
    step["repeat"].as_u64().unwrap_or(1)
}

fn prefix(thing: &str, shadow: Option<&str>) -> String {
    match shadow {
        None => format!("$aws/things/{thing}/shadow"),
        Some(n) => format!("$aws/things/{thing}/shadow/name/{n}"),
    }
}

/// The topic with the test's thing name replaced, so snapshots read like the guide.
fn generic(topic: &str, thing: &str) -> String {
    topic.replace(&format!("/things/{thing}/"), "/things/{thing}/")
}

/// Publishes each step to its request topic and records every message that comes
/// back on the shadow's topics, up to the step's last answer.
async fn replay_mqtt(emu: &EmulatorProcess, f: &Fixture, thing: &str) -> Vec<Value> {
    let base = prefix(thing, f.shadow.as_deref());
    let mut c =
        connect(tcp_options(&format!("{thing}-client"), &emu.endpoints()["mqtt"])).await.unwrap();
    c.client.subscribe(format!("{base}/#"), QoS::AtLeastOnce).await.unwrap();
    assert!(c.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);
    let mut transcript = Vec::new();
    for step in &f.steps {
        let op = step["op"].as_str().unwrap();
        let request = format!("{base}/{op}");
        let body = payload(step);
        // Only the last of repeated requests is recorded.
        let mut responses = Vec::new();
        for _ in 0..repeat(step) {
            c.client.publish(&request, QoS::AtLeastOnce, false, body.clone()).await.unwrap();
            responses = answers(&mut c, &request, op).await;
        }
        transcript.push(json!({
            "publish": generic(&request, thing),
            "payload": shown(&body),
            "received": responses
                .iter()
                .map(|(t, p)| json!({ "topic": generic(t, thing), "payload": p }))
                .collect::<Vec<_>>(),
        }));
    }
    transcript
}

/// Messages on the shadow topics until the request's last answer: `/rejected`, or
/// `/update/documents` for an accepted update, `/accepted` for get and delete.
async fn answers(c: &mut Client, request: &str, op: &str) -> Vec<(String, Value)> {
    let base = request.rsplit_once('/').unwrap().0;
    let mut out = Vec::new();
    loop {
        let p = c.next_publish().await.unwrap_or_else(|| panic!("no answer to {request}"));
        if ["update", "get", "delete"].iter().any(|op| p.topic == format!("{base}/{op}")) {
            continue; // our own requests, delivered because `shadow/#` matches them
        }
        let done = p.topic == format!("{request}/rejected")
            || (op == "update" && p.topic == format!("{request}/documents"))
            || (op != "update" && p.topic == format!("{request}/accepted"));
        out.push((p.topic.clone(), shown(&p.payload)));
        if done {
            return out;
        }
    }
}

/// Sends each step over REST and records the HTTP answer and the messages the
/// emulator published on the shadow's topics meanwhile (from the test tap).
async fn replay_rest(emu: &EmulatorProcess, f: &Fixture, thing: &str) -> Vec<Value> {
    let url = emu.http_url();
    let auth = sigv4(ACCOUNT, "us-east-1", "iotdata");
    let query = f.shadow.as_deref().map(|n| format!("?name={n}")).unwrap_or_default();
    let path = format!("/things/{thing}/shadow{query}");
    let topics = format!("{}/%23", prefix(thing, f.shadow.as_deref()).replace('$', "%24"));
    let mut after = tap_sequence(&url).await;
    let mut transcript = Vec::new();
    for step in &f.steps {
        let method = match step["op"].as_str().unwrap() {
            "update" => Method::POST,
            "get" => Method::GET,
            _ => Method::DELETE,
        };
        // REST get and delete have no body.
        let body = if method == Method::POST { payload(step) } else { Vec::new() };
        // Only the last of repeated requests is recorded.
        let mut entry = Value::Null;
        for _ in 0..repeat(step) {
            let r = http_with(method.clone(), &url, &path, Some(&auth), &[], &body).await;
            let published = http(
                Method::GET,
                &url,
                &format!("/_emulator/messages?kind=published&topic={topics}&after={after}"),
                None,
                "",
            )
            .await
            .json()["messages"]
                .as_array()
                .unwrap()
                .clone();
            if let Some(last) = published.last() {
                after = last["sequence"].as_u64().unwrap();
            }
            entry = json!({
                "request": format!("{method} {}", generic(&path, thing)),
                "body": shown(&body),
                "status": r.status,
                "response": shown(&r.body),
                "published": published.iter().map(|m| json!({
                    "topic": generic(m["topic"].as_str().unwrap(), thing),
                    "payload": shown(m["payload"].as_str().unwrap().as_bytes()),
                })).collect::<Vec<_>>(),
            });
            if !r.error_type().is_empty() {
                entry["errorType"] = r.error_type().into();
            }
        }
        transcript.push(entry);
    }
    transcript
}

async fn tap_sequence(url: &str) -> u64 {
    let all = http(Method::GET, url, "/_emulator/messages", None, "").await.json();
    all["messages"].as_array().unwrap().last().map_or(0, |m| m["sequence"].as_u64().unwrap())
}

#[tokio::test]
async fn the_guides_shadow_examples_over_mqtt_and_rest() {
    let emu = EmulatorProcess::spawn(&[], &[("IOTEMU_ACCOUNT_ID", ACCOUNT)]).unwrap();
    for f in fixtures() {
        let thing = format!("bulb-{}", f.stem.split('-').next().unwrap());
        let mqtt = replay_mqtt(&emu, &f, &format!("{thing}-mqtt")).await;
        let rest = replay_rest(&emu, &f, &format!("{thing}-rest")).await;
        let mut redactor = Redactor::new();
        insta::assert_json_snapshot!(
            format!("shadow_{}_mqtt", f.stem),
            redactor.redact(&json!(mqtt))
        );
        let mut redactor = Redactor::new();
        insta::assert_json_snapshot!(
            format!("shadow_{}_rest", f.stem),
            redactor.redact(&json!(rest))
        );
    }
}

/// curl over mutual TLS to the data plane, as the guide's REST examples do; returns
/// the body and the status on the last line.
fn curl(dir: &Path, port: &str, method: &str, path: &str, body: Option<&str>) -> String {
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method, "--cacert"])
        .arg(dir.join("ca.pem"))
        .arg("--cert")
        .arg(dir.join("cert.pem"))
        .arg("--key")
        .arg(dir.join("key.pem"));
    if let Some(b) = body {
        cmd.args(["-d", b]);
    }
    let out = cmd.arg(format!("https://localhost:{port}{path}")).output().expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn rest_over_mutual_tls_checks_the_shadow_actions_of_the_certificates_policies() {
    let emu = EmulatorProcess::spawn(&[], &[("IOTEMU_ACCOUNT_ID", ACCOUNT)]).unwrap();
    let iot = crate::support::iot_client(&emu.http_url(), ACCOUNT, "us-east-1");
    let cert = iot.create_keys_and_certificate().set_as_active(true).send().await.unwrap();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":["iot:GetThingShadow","iot:UpdateThingShadow"],
        "Resource":["arn:aws:iot:us-east-1:123456789012:thing/lamp",
                    "arn:aws:iot:us-east-1:123456789012:thing/lamp/*"]}]}"#;
    iot.create_policy().policy_name("shadow").policy_document(policy).send().await.unwrap();
    iot.attach_policy()
        .policy_name("shadow")
        .target(cert.certificate_arn().unwrap())
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = http(Method::GET, &emu.http_url(), "/_emulator/ca.pem", None, "").await.body;
    std::fs::write(dir.path().join("ca.pem"), &ca).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.certificate_pem().unwrap()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.key_pair().unwrap().private_key().unwrap())
        .unwrap();
    let port = emu.endpoints()["https"].rsplit_once(':').unwrap().1.to_owned();
    let call = |method: &str, path: &str, body: Option<&str>| {
        let out = curl(dir.path(), &port, method, path, body);
        let (body, status) = out.rsplit_once('\n').unwrap();
        (status.to_owned(), body.to_owned())
    };

    let (status, body) = call("GET", "/things/lamp/shadow", None);
    assert_eq!((status.as_str(), body.contains("Thing not found")), ("404", true), "{body}");
    let update = r#"{"state":{"desired":{"on":true}},"clientToken":"c1"}"#;
    let (status, body) = call("POST", "/things/lamp/shadow", Some(update));
    assert_eq!(status, "200", "{body}");
    let accepted: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (accepted["version"].clone(), accepted["clientToken"].clone()),
        (json!(1), json!("c1"))
    );
    let (status, body) = call("POST", "/things/lamp/shadow?name=cfg", Some(update));
    assert_eq!(status, "200", "{body}");
    let (status, body) = call("GET", "/things/lamp/shadow", None);
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status.as_str(), got["state"]["delta"].clone()), ("200", json!({"on": true})));
    // Allowed to read and update, not to delete, and only its own thing.
    let (status, body) = call("DELETE", "/things/lamp/shadow", None);
    assert_eq!((status.as_str(), body.contains("Forbidden")), ("403", true), "{body}");
    let (status, _) = call("POST", "/things/other/shadow", Some(update));
    assert_eq!(status, "403");
    // A REST update publishes on the MQTT topics like an MQTT one.
    let published = http(
        Method::GET,
        &emu.http_url(),
        "/_emulator/messages?kind=published&topic=%24aws/things/lamp/shadow/%23",
        None,
        "",
    )
    .await
    .json();
    let topics: Vec<&str> = published["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["topic"].as_str().unwrap())
        .collect();
    assert_eq!(
        topics,
        [
            "$aws/things/lamp/shadow/update/accepted",
            "$aws/things/lamp/shadow/update/delta",
            "$aws/things/lamp/shadow/update/documents",
            "$aws/things/lamp/shadow/name/cfg/update/accepted",
            "$aws/things/lamp/shadow/name/cfg/update/delta",
            "$aws/things/lamp/shadow/name/cfg/update/documents",
        ]
    );
    // ListNamedShadowsForThing over SigV4.
    let auth = sigv4(ACCOUNT, "us-east-1", "iotdata");
    let list = http(
        Method::GET,
        &emu.http_url(),
        "/api/things/shadow/ListNamedShadowsForThing/lamp",
        Some(&auth),
        "",
    )
    .await
    .json();
    assert_eq!(list["results"], json!(["cfg"]));
}
