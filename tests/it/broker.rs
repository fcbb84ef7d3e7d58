//! The device gateway against the running binary: rumqttc devices over mutual TLS
//! with certificates from CreateKeysAndCertificate, policies enforced on connect,
//! publish, subscribe and receive, lifecycle events, HTTP Publish and the test tap.

use http::Method;
use iot_emulator_harness::{EmulatorProcess, Redactor};
use rumqttc::{ConnectReturnCode, ConnectionError, QoS};
use serde_json::Value;

use crate::mqtt::{Client, connect, tcp_options, tls_options};
use crate::support::{http, iot_client, sigv4};

const ACCOUNT: &str = "123456789012";
const ARN: &str = "arn:aws:iot:us-east-1:123456789012";

/// A device: a thing with an ACTIVE certificate and a policy allowing its own
/// topics, and what it needs to connect.
struct Device {
    cert_pem: String,
    key_pem: String,
    cert_id: String,
}

fn device_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Action":"iot:Connect","Resource":"{ARN}:client/${{iot:Connection.Thing.ThingName}}"}},
        {{"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"{ARN}:topic/dev/${{iot:ClientId}}/*"}},
        {{"Effect":"Allow","Action":"iot:Subscribe","Resource":"{ARN}:topicfilter/dev/${{iot:ClientId}}/*"}},
        {{"Effect":"Allow","Action":"iot:Publish","Resource":"{ARN}:topic/shared/*"}},
        {{"Effect":"Deny","Action":"iot:Receive","Resource":"{ARN}:topic/dev/${{iot:ClientId}}/secret"}}]}}"#
    )
}

async fn device(iot: &aws_sdk_iot::Client, name: &str) -> Device {
    let cert = iot.create_keys_and_certificate().set_as_active(true).send().await.unwrap();
    let arn = cert.certificate_arn().unwrap();
    iot.create_thing().thing_name(name).send().await.unwrap();
    iot.attach_thing_principal().thing_name(name).principal(arn).send().await.unwrap();
    if iot.get_policy().policy_name("device").send().await.is_err() {
        iot.create_policy()
            .policy_name("device")
            .policy_document(device_policy())
            .send()
            .await
            .unwrap();
    }
    iot.attach_policy().policy_name("device").target(arn).send().await.unwrap();
    Device {
        cert_pem: cert.certificate_pem().unwrap().to_owned(),
        key_pem: cert.key_pair().unwrap().private_key().unwrap().to_owned(),
        cert_id: cert.certificate_id().unwrap().to_owned(),
    }
}

struct Setup {
    emu: EmulatorProcess,
    iot: aws_sdk_iot::Client,
    ca: Vec<u8>,
}

impl Setup {
    async fn new() -> Setup {
        let emu = EmulatorProcess::spawn(&[], &[("IOTEMU_ACCOUNT_ID", ACCOUNT)]).unwrap();
        let iot = iot_client(&emu.http_url(), ACCOUNT, "us-east-1");
        let ca =
            http(Method::GET, &emu.http_url(), "/_emulator/ca.pem", None, "").await.body.to_vec();
        Setup { emu, iot, ca }
    }

    fn mqtts(&self) -> String {
        self.emu.endpoints()["mqtts"].clone()
    }

    fn mqtt(&self) -> String {
        self.emu.endpoints()["mqtt"].clone()
    }

    async fn connect_device(&self, d: &Device, client_id: &str) -> Result<Client, ConnectionError> {
        connect(tls_options(client_id, &self.mqtts(), &self.ca, &d.cert_pem, &d.key_pem)).await
    }

    async fn tap(&self, query: &str) -> Vec<Value> {
        let r = http(
            Method::GET,
            &self.emu.http_url(),
            &format!("/_emulator/messages?{query}"),
            None,
            "",
        )
        .await;
        r.json()["messages"].as_array().unwrap().clone()
    }
}

fn refused(r: Result<Client, ConnectionError>) -> ConnectReturnCode {
    match r {
        Err(ConnectionError::ConnectionRefused(code)) => code,
        Err(e) => panic!("expected a refused CONNACK, got {e}"),
        Ok(_) => panic!("expected a refused CONNACK, the connection was accepted"),
    }
}

#[tokio::test]
async fn devices_publish_subscribe_and_receive_within_their_policy() {
    let s = Setup::new().await;
    let d = device(&s.iot, "sensor-1").await;
    let mut c = s.connect_device(&d, "sensor-1").await.expect("connects over mTLS");
    c.client.subscribe("dev/sensor-1/#", QoS::AtLeastOnce).await.unwrap();
    assert!(c.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);
    c.client.publish("dev/sensor-1/temp", QoS::AtLeastOnce, false, r#"{"t":21}"#).await.unwrap();
    let got = c.next_publish().await.expect("its own message comes back");
    assert_eq!((got.topic.as_str(), &got.payload[..]), ("dev/sensor-1/temp", &br#"{"t":21}"#[..]));

    // Receive is checked per delivery: the explicitly denied topic never arrives.
    c.client.publish("dev/sensor-1/secret", QoS::AtLeastOnce, false, "x").await.unwrap();
    c.client.publish("dev/sensor-1/after", QoS::AtLeastOnce, false, "y").await.unwrap();
    let next = c.next_publish().await.expect("the next allowed message");
    assert_eq!(next.topic, "dev/sensor-1/after");

    // HTTP Publish reaches the device; the tap saw who got what.
    let r = http(
        Method::POST,
        &s.emu.http_url(),
        "/topics/dev%2Fsensor-1%2Fcmd?qos=1",
        Some(&sigv4(ACCOUNT, "us-east-1", "iotdata")),
        r#"{"on":true}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let cmd = c.next_publish().await.expect("HTTP publish delivered");
    assert_eq!(
        (cmd.topic.as_str(), &cmd.payload[..]),
        ("dev/sensor-1/cmd", &br#"{"on":true}"#[..])
    );
    let delivered = s.tap("kind=delivered&clientId=sensor-1&topic=dev/sensor-1/%2B").await;
    let topics: Vec<&str> = delivered.iter().map(|r| r["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, ["dev/sensor-1/temp", "dev/sensor-1/after", "dev/sensor-1/cmd"]);
    let published = s.tap("kind=published&topic=dev/sensor-1/secret").await;
    assert_eq!(published.len(), 1, "the denied delivery was still published");
    assert_eq!(published[0]["principal"], d.cert_id.as_str());
}

#[tokio::test]
async fn connections_are_refused_for_unknown_inactive_and_unauthorized_certificates() {
    let s = Setup::new().await;
    let d = device(&s.iot, "sensor-2").await;
    // iot:Connect allows only the client id of the attached thing.
    assert_eq!(
        refused(s.connect_device(&d, "someone-else").await),
        ConnectReturnCode::NotAuthorized
    );
    // A certificate the emulator never registered.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::CommonName, "stranger");
    let stranger = params.self_signed(&key).unwrap().pem();
    let r =
        connect(tls_options("sensor-2", &s.mqtts(), &s.ca, &stranger, &key.serialize_pem())).await;
    assert_eq!(refused(r), ConnectReturnCode::BadUserNamePassword);
    // INACTIVE refuses new connections.
    s.iot
        .update_certificate()
        .certificate_id(&d.cert_id)
        .new_status(aws_sdk_iot::types::CertificateStatus::Inactive)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(s.connect_device(&d, "sensor-2").await),
        ConnectReturnCode::BadUserNamePassword
    );
}

#[tokio::test]
async fn forbidden_actions_disconnect_the_client() {
    let s = Setup::new().await;
    let d = device(&s.iot, "sensor-3").await;
    for (what, action) in [
        ("publish outside the policy", 0),
        ("subscribe outside the policy", 1),
        ("a reserved topic outside the allow-list", 2),
        ("a payload over 128 KB", 3),
    ] {
        let mut c = s.connect_device(&d, "sensor-3").await.unwrap();
        match action {
            0 => c.client.publish("other/topic", QoS::AtLeastOnce, false, "x").await.unwrap(),
            1 => c.client.subscribe("other/#", QoS::AtLeastOnce).await.unwrap(),
            2 => c
                .client
                .publish("$aws/not/a/reserved/topic", QoS::AtLeastOnce, false, "x")
                .await
                .unwrap(),
            _ => c
                .client
                .publish("shared/big", QoS::AtLeastOnce, false, vec![b'x'; 128 * 1024 + 1])
                .await
                .unwrap(),
        }
        assert!(c.closed().await.is_some(), "{what}: the broker closes the connection");
    }
}

#[tokio::test]
async fn lifecycle_events_as_the_guide_shows_them() {
    let s = Setup::new().await;
    let mut watcher = connect(tcp_options("watcher", &s.mqtt())).await.unwrap();
    watcher.client.subscribe("$aws/events/#", QoS::AtLeastOnce).await.unwrap();
    assert!(watcher.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);

    let d = device(&s.iot, "sensor-4").await;
    let mut c = s.connect_device(&d, "sensor-4").await.unwrap();
    c.client.subscribe("dev/sensor-4/in", QoS::AtLeastOnce).await.unwrap();
    assert!(c.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);
    c.client.unsubscribe("dev/sensor-4/in").await.unwrap();
    assert!(c.wait_for(|i| matches!(i, rumqttc::Incoming::UnsubAck(_))).await);
    c.client.disconnect().await.unwrap();

    let mut events = Vec::new();
    while events.len() < 4 {
        let p = watcher.next_publish().await.expect("a lifecycle event");
        if !p.topic.ends_with("/sensor-4") {
            continue; // the watcher's own subscribe event
        }
        let body: Value = serde_json::from_slice(&p.payload).unwrap();
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
                as i64;
        let ts = body["timestamp"].as_i64().expect("timestamp in milliseconds");
        assert!((now - ts).abs() < 120_000, "within the guide's ±2 minutes");
        let mut body = body;
        body["timestamp"] = Value::String("[epoch millis]".into());
        events.push(serde_json::json!({ "topic": p.topic, "payload": body }));
    }
    let mut redactor = Redactor::new();
    let redacted: Vec<Value> = events.iter().map(|e| redactor.redact(e)).collect();
    // The principal of an mTLS client is its certificate id.
    assert!(events.iter().all(|e| e["payload"]["principalIdentifier"] == d.cert_id.as_str()));
    insta::assert_json_snapshot!(redacted);
}

#[tokio::test]
async fn just_in_time_registration_of_a_ca_signed_device() {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    let s = Setup::new().await;
    let mut watcher = connect(tcp_options("jitr-watcher", &s.mqtt())).await.unwrap();
    watcher
        .client
        .subscribe("$aws/events/certificates/registered/+", QoS::AtLeastOnce)
        .await
        .unwrap();
    assert!(watcher.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);

    // A fleet CA registered with auto-registration, and a device certificate it signed.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name.push(DnType::CommonName, "Fleet CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let sign = |cn: &str| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, cn);
        (p.signed_by(&key, &issuer).unwrap().pem(), key.serialize_pem())
    };
    let code =
        s.iot.get_registration_code().send().await.unwrap().registration_code().unwrap().to_owned();
    let ca = s
        .iot
        .register_ca_certificate()
        .ca_certificate(&ca_pem)
        .verification_certificate(sign(&code).0)
        .set_as_active(true)
        .allow_auto_registration(true)
        .send()
        .await
        .unwrap();
    let ca_id = ca.certificate_id().unwrap().to_owned();
    let (cert_pem, key_pem) = sign("jitr-device");

    let first = connect(tls_options("jitr-device", &s.mqtts(), &s.ca, &cert_pem, &key_pem)).await;
    assert_eq!(
        refused(first),
        ConnectReturnCode::BadUserNamePassword,
        "PENDING_ACTIVATION cannot connect"
    );
    let event = watcher.next_publish().await.expect("the registered event");
    assert_eq!(event.topic, format!("$aws/events/certificates/registered/{ca_id}"));
    let body: Value = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(body["certificateStatus"], "PENDING_ACTIVATION");
    assert_eq!(body["caCertificateId"], ca_id.as_str());
    assert_eq!(body["awsAccountId"], ACCOUNT);
    let cert_id = body["certificateId"].as_str().unwrap().to_owned();
    let d = s.iot.describe_certificate().certificate_id(&cert_id).send().await.unwrap();
    assert_eq!(
        d.certificate_description().unwrap().status(),
        Some(&aws_sdk_iot::types::CertificateStatus::PendingActivation)
    );

    // What a JITR Lambda does: activate, attach a policy; then the device connects.
    s.iot
        .update_certificate()
        .certificate_id(&cert_id)
        .new_status(aws_sdk_iot::types::CertificateStatus::Active)
        .send()
        .await
        .unwrap();
    if s.iot.get_policy().policy_name("device").send().await.is_err() {
        s.iot
            .create_policy()
            .policy_name("device")
            .policy_document(device_policy())
            .send()
            .await
            .unwrap();
    }
    s.iot.create_thing().thing_name("jitr-device").send().await.unwrap();
    let arn = format!("{ARN}:cert/{cert_id}");
    s.iot.attach_thing_principal().thing_name("jitr-device").principal(&arn).send().await.unwrap();
    s.iot.attach_policy().policy_name("device").target(&arn).send().await.unwrap();
    connect(tls_options("jitr-device", &s.mqtts(), &s.ca, &cert_pem, &key_pem))
        .await
        .expect("ACTIVE now");
}

#[tokio::test]
async fn live_connections_see_policy_changes() {
    let s = Setup::new().await;
    let d = device(&s.iot, "sensor-5").await;
    let mut c = s.connect_device(&d, "sensor-5").await.unwrap();
    c.client.subscribe("dev/sensor-5/#", QoS::AtLeastOnce).await.unwrap();
    assert!(c.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);
    c.client.publish("dev/sensor-5/a", QoS::AtLeastOnce, false, "1").await.unwrap();
    assert_eq!(c.next_publish().await.map(|p| p.topic), Some("dev/sensor-5/a".to_string()));

    // A new default version that stops Receive: deliveries stop, publishing goes on.
    let no_receive = device_policy()
        .replace(r#""Action":["iot:Publish","iot:Receive"]"#, r#""Action":["iot:Publish"]"#);
    let v = s
        .iot
        .create_policy_version()
        .policy_name("device")
        .policy_document(no_receive)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    assert_eq!(v.policy_version_id(), Some("2"));
    c.client.publish("dev/sensor-5/b", QoS::AtLeastOnce, false, "2").await.unwrap();
    assert!(
        c.wait_for(|i| matches!(i, rumqttc::Incoming::PubAck(_))).await,
        "the publish is still allowed"
    );
    // Back to version 1: the next message arrives, and `b` never came before it
    // (deliveries to one client keep their order).
    s.iot
        .set_default_policy_version()
        .policy_name("device")
        .policy_version_id("1")
        .send()
        .await
        .unwrap();
    c.client.publish("dev/sensor-5/c", QoS::AtLeastOnce, false, "3").await.unwrap();
    assert_eq!(c.next_publish().await.map(|p| p.topic), Some("dev/sensor-5/c".to_string()));
    assert!(s.tap("kind=delivered&topic=dev/sensor-5/b").await.is_empty());

    // Detaching the policy: the next publish is refused and the client disconnected.
    let arn = format!("{ARN}:cert/{}", d.cert_id);
    s.iot.detach_policy().policy_name("device").target(&arn).send().await.unwrap();
    c.client.publish("dev/sensor-5/d", QoS::AtLeastOnce, false, "4").await.unwrap();
    assert!(c.closed().await.is_some());
}

#[tokio::test]
async fn devices_publish_over_https_with_their_certificate() {
    let s = Setup::new().await;
    let d = device(&s.iot, "sensor-6").await;
    let mut c = connect(tcp_options("https-watcher", &s.mqtt())).await.unwrap();
    c.client.subscribe("shared/#", QoS::AtLeastOnce).await.unwrap();
    assert!(c.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);

    // curl --cert --key --cacert https://localhost:8443/topics/...?qos=1, as the guide shows.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    let (ca, cert, key) = (
        write("ca.pem", &s.ca),
        write("cert.pem", d.cert_pem.as_bytes()),
        write("key.pem", d.key_pem.as_bytes()),
    );
    let port = s.emu.endpoints()["https"].rsplit_once(':').unwrap().1.to_owned();
    let curl = |topic: &str, key: &std::path::Path, cert: &std::path::Path| {
        let out = std::process::Command::new("curl")
            .args(["-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert"])
            .arg(&ca)
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .args([
                "-d",
                r#"{"from":"https"}"#,
                &format!("https://localhost:{port}/topics/{topic}?qos=1"),
            ])
            .output()
            .expect("curl is installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ok = curl("shared%2Fhttps", &key, &cert);
    assert!(ok.ends_with("\n200"), "{ok}");
    let got = c.next_publish().await.expect("the HTTPS publish is delivered");
    assert_eq!(
        (got.topic.as_str(), &got.payload[..]),
        ("shared/https", &br#"{"from":"https"}"#[..])
    );
    let published = s.tap("kind=published&topic=shared/https").await;
    assert_eq!(published[0]["principal"], d.cert_id.as_str());

    // HTTP has no client id, so `${iot:ClientId}` does not resolve: denied.
    let denied = curl("dev%2Fsensor-6%2Fhttps", &key, &cert);
    assert!(denied.ends_with("\n403"), "{denied}");
    // A certificate the emulator does not know.
    let k = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::default();
    p.distinguished_name.push(rcgen::DnType::CommonName, "nobody");
    let (other_cert, other_key) = (
        write("o.pem", p.self_signed(&k).unwrap().pem().as_bytes()),
        write("ok.pem", k.serialize_pem().as_bytes()),
    );
    let unknown = curl("shared%2Fhttps", &other_key, &other_cert);
    assert!(unknown.ends_with("\n403"), "{unknown}");
}

#[tokio::test]
async fn registry_events_for_the_enabled_event_types() {
    use aws_sdk_iot::types::Configuration;

    let s = Setup::new().await;
    let before = s.iot.describe_event_configurations().send().await.unwrap();
    let all = before.event_configurations().unwrap();
    assert!(all.values().all(|c| !c.enabled()), "every event type starts disabled");
    assert_eq!(all.len(), 11);
    let on = Configuration::builder().enabled(true).build();
    s.iot
        .update_event_configurations()
        .event_configurations(aws_sdk_iot::types::EventType::Thing, on.clone())
        .event_configurations(aws_sdk_iot::types::EventType::ThingType, on.clone())
        .event_configurations(aws_sdk_iot::types::EventType::ThingGroup, on)
        .send()
        .await
        .unwrap();
    let after = s.iot.describe_event_configurations().send().await.unwrap();
    let enabled: Vec<_> = after
        .event_configurations()
        .unwrap()
        .iter()
        .filter(|(_, c)| c.enabled())
        .map(|(k, _)| k.as_str().to_owned())
        .collect();
    let mut enabled = enabled;
    enabled.sort();
    assert_eq!(enabled, ["THING", "THING_GROUP", "THING_TYPE"]);

    let mut watcher = connect(tcp_options("events-watcher", &s.mqtt())).await.unwrap();
    watcher.client.subscribe("$aws/events/+/#", QoS::AtLeastOnce).await.unwrap();
    assert!(watcher.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);

    s.iot.create_thing_type().thing_type_name("Lamp").send().await.unwrap();
    s.iot.create_thing().thing_name("lamp-1").thing_type_name("Lamp").send().await.unwrap();
    s.iot.create_thing().thing_name("lamp-1").thing_type_name("Lamp").send().await.unwrap(); // a repeat: no event
    s.iot
        .update_thing()
        .thing_name("lamp-1")
        .attribute_payload(
            aws_sdk_iot::types::AttributePayload::builder().attributes("room", "hall").build(),
        )
        .send()
        .await
        .unwrap();
    s.iot.create_thing_group().thing_group_name("home").send().await.unwrap();
    s.iot
        .create_thing_group()
        .thing_group_name("hall")
        .parent_group_name("home")
        .send()
        .await
        .unwrap();
    // Membership events are not enabled: adding produces no message.
    s.iot
        .add_thing_to_thing_group()
        .thing_name("lamp-1")
        .thing_group_name("hall")
        .send()
        .await
        .unwrap();
    s.iot.delete_thing().thing_name("lamp-1").send().await.unwrap();
    s.iot.delete_thing_group().thing_group_name("hall").send().await.unwrap();

    let mut events = Vec::new();
    while events.len() < 7 {
        let p = watcher.next_publish().await.expect("a registry event");
        if p.topic.starts_with("$aws/events/presence")
            || p.topic.starts_with("$aws/events/subscriptions")
        {
            continue;
        }
        let mut body: Value = serde_json::from_slice(&p.payload).unwrap();
        assert!(body["timestamp"].as_i64().is_some_and(|t| t > 1_000_000_000_000), "milliseconds");
        body["timestamp"] = Value::String("[epoch millis]".into());
        events.push(serde_json::json!({ "topic": p.topic, "payload": body }));
    }
    let mut redactor = Redactor::new();
    let redacted: Vec<Value> = events.iter().map(|e| redactor.redact(e)).collect();
    insta::assert_json_snapshot!(redacted);
}

#[tokio::test]
async fn membership_and_hierarchy_events() {
    use aws_sdk_iot::types::{Configuration, EventType};

    let s = Setup::new().await;
    let on = Configuration::builder().enabled(true).build();
    s.iot
        .update_event_configurations()
        .event_configurations(EventType::ThingGroupMembership, on.clone())
        .event_configurations(EventType::ThingGroupHierarchy, on)
        .send()
        .await
        .unwrap();
    let mut watcher = connect(tcp_options("tree-watcher", &s.mqtt())).await.unwrap();
    watcher.client.subscribe("$aws/events/+/thingGroup/#", QoS::AtLeastOnce).await.unwrap();
    assert!(watcher.wait_for(|i| matches!(i, rumqttc::Incoming::SubAck(_))).await);

    s.iot.create_thing_group().thing_group_name("site").send().await.unwrap();
    s.iot
        .create_thing_group()
        .thing_group_name("floor")
        .parent_group_name("site")
        .send()
        .await
        .unwrap();
    s.iot.create_thing().thing_name("t").send().await.unwrap();
    s.iot
        .add_thing_to_thing_group()
        .thing_name("t")
        .thing_group_name("floor")
        .send()
        .await
        .unwrap();
    s.iot
        .remove_thing_from_thing_group()
        .thing_name("t")
        .thing_group_name("floor")
        .send()
        .await
        .unwrap();
    s.iot.delete_thing_group().thing_group_name("floor").send().await.unwrap();

    let mut got = Vec::new();
    while got.len() < 4 {
        let p = watcher.next_publish().await.expect("an event");
        got.push((p.topic.clone(), serde_json::from_slice::<Value>(&p.payload).unwrap()));
    }
    let topics: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        topics,
        [
            "$aws/events/thingGroupHierarchy/thingGroup/site/childThingGroup/floor/added",
            "$aws/events/thingGroupMembership/thingGroup/floor/thing/t/added",
            "$aws/events/thingGroupMembership/thingGroup/floor/thing/t/removed",
            "$aws/events/thingGroupHierarchy/thingGroup/site/childThingGroup/floor/removed",
        ]
    );
    let (added, removed) = (&got[1].1, &got[2].1);
    assert_eq!(
        (added["operation"].as_str(), removed["operation"].as_str()),
        (Some("ADDED"), Some("REMOVED"))
    );
    assert_eq!(added["membershipId"], removed["membershipId"], "the id of the membership is kept");
    assert_eq!(added["groupArn"], format!("{ARN}:thinggroup/floor").as_str());
    assert_eq!(got[0].1["childGroupName"], "floor");
    assert_eq!(got[0].1["thingGroupName"], "site");
}
