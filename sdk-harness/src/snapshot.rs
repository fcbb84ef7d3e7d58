//! Snapshots over insta: [`Snapshot`] shows the harness's messages and records as
//! JSON, and [`assert_redacted_snapshot!`](crate::assert_redacted_snapshot) passes
//! them through a [`Redactor`](crate::Redactor) before insta compares them.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::api::ApiReply;
use crate::mqtt::Message;
use crate::sinks::SinkRecord;
use crate::tap::TapRecord;

/// Something a snapshot can show: its JSON form, before redaction.
pub trait Snapshot {
    fn snapshot_json(&self) -> Value;
}

/// A payload as a snapshot shows it: JSON when it parses, else text, else base64.
fn payload(bytes: &[u8]) -> Value {
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return v;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) }),
    }
}

impl Snapshot for Value {
    fn snapshot_json(&self) -> Value {
        self.clone()
    }
}

impl Snapshot for Message {
    fn snapshot_json(&self) -> Value {
        json!({
            "topic": self.topic,
            "qos": self.qos,
            "retain": self.retain,
            "payload": payload(&self.payload),
        })
    }
}

impl Snapshot for TapRecord {
    /// Without the sequence number, which counts every message the emulator saw.
    fn snapshot_json(&self) -> Value {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.payload_base64)
            .unwrap_or_default();
        json!({
            "kind": self.kind,
            "account": self.account,
            "region": self.region,
            "topic": self.topic,
            "payload": payload(&bytes),
            "qos": self.qos,
            "retain": self.retain,
            "clientId": self.client_id,
            "principal": self.principal,
            "timestamp": self.timestamp,
        })
    }
}

impl Snapshot for SinkRecord {
    fn snapshot_json(&self) -> Value {
        self.json.clone()
    }
}

impl Snapshot for ApiReply {
    /// Status, error type and body: what a test of the wire asserts.
    fn snapshot_json(&self) -> Value {
        json!({
            "status": self.status,
            "errorType": self.error_type,
            "body": payload(&self.body),
        })
    }
}

impl<T: Snapshot> Snapshot for [T] {
    fn snapshot_json(&self) -> Value {
        Value::Array(self.iter().map(Snapshot::snapshot_json).collect())
    }
}

impl<T: Snapshot> Snapshot for Vec<T> {
    fn snapshot_json(&self) -> Value {
        self.as_slice().snapshot_json()
    }
}

impl<T: Snapshot + ?Sized> Snapshot for &T {
    fn snapshot_json(&self) -> Value {
        (**self).snapshot_json()
    }
}

/// Redacts `value` (anything [`Snapshot`]) with `redactor` and asserts it against an
/// insta JSON snapshot in the calling crate's `snapshots/` folder, named after the
/// test, or after the name given first.
///
/// ```no_run
/// use iot_emulator_harness::{Emulator, Redactor, TapFilter, assert_redacted_snapshot};
///
/// # async fn delivered(emulator: Emulator) -> anyhow::Result<()> {
/// let delivered = emulator.tap().records(&TapFilter::delivered("#")).await?;
/// let mut redactor = Redactor::typed();
/// assert_redacted_snapshot!(redactor, delivered);
/// let records = emulator.sinks().records(Some("s3")).await?;
/// assert_redacted_snapshot!("s3_records", redactor, records);
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! assert_redacted_snapshot {
    ($redactor:expr, $value:expr $(,)?) => {{
        let redacted = $redactor.snapshot(&$value);
        $crate::insta::assert_json_snapshot!(redacted);
    }};
    ($name:literal, $redactor:expr, $value:expr $(,)?) => {{
        let redacted = $redactor.snapshot(&$value);
        $crate::insta::assert_json_snapshot!($name, redacted);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_show_as_json_text_or_base64() {
        assert_eq!(payload(br#"{"t":1}"#), json!({"t": 1}));
        assert_eq!(payload(b"on"), json!("on"));
        assert_eq!(payload(&[0xff, 0x00]), json!({"base64": "/wA="}));
    }

    #[test]
    fn tap_records_show_without_their_sequence() {
        let r = TapRecord {
            sequence: 7,
            kind: "delivered".into(),
            account: "000000000000".into(),
            region: "us-east-1".into(),
            topic: "a/b".into(),
            payload: Some("{\"x\":1}".into()),
            payload_base64: "eyJ4IjoxfQ==".into(),
            qos: 1,
            retain: false,
            client_id: Some("c".into()),
            principal: None,
            timestamp: 1_700_000_000_000,
        };
        let v = vec![r].snapshot_json();
        assert_eq!(v[0]["payload"], json!({"x": 1}));
        assert!(v[0].get("sequence").is_none());
    }
}
