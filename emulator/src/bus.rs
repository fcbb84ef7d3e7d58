//! The internal bus: every message the broker accepts (from MQTT clients, HTTP
//! Publish or the emulator itself) passes here on its way to the services that
//! consume it (the rules engine; shadows and jobs join as they are built) and to the test tap,
//! which records what was published and what was delivered to whom.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use serde::Serialize;

use crate::broker::hooks::Message;
use crate::rules::Inbox;

/// Records the tap keeps before dropping the oldest.
pub const TAP_CAPACITY: usize = 100_000;

/// Whether a record is a message the broker accepted or one delivery of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TapKind {
    Published,
    Delivered,
}

/// One tap record, as `/_emulator/messages` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TapRecord {
    pub sequence: u64,
    pub kind: TapKind,
    pub account: String,
    pub region: String,
    pub topic: String,
    /// The payload as text when it is UTF-8.
    pub payload: Option<String>,
    pub payload_base64: String,
    pub qos: u8,
    pub retain: bool,
    /// The publisher's client id for `published`, the receiver's for `delivered`.
    pub client_id: Option<String>,
    /// The publisher's principal.
    pub principal: Option<String>,
    pub timestamp: i64,
}

/// Which records a reader wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TapQuery {
    pub kind: Option<TapKind>,
    /// An MQTT topic filter (`+` and `#` wildcards).
    pub topic: Option<String>,
    pub client_id: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Only records after this sequence number.
    pub after: Option<u64>,
}

/// What the tap keeps per record: cheap to take on the publish path (the message is
/// shared, not copied); the JSON form is made when someone reads the tap.
#[derive(Debug, Clone)]
struct Entry {
    sequence: u64,
    kind: TapKind,
    message: Arc<Message>,
    /// The receiver of a delivery.
    receiver: Option<Arc<str>>,
}

impl Entry {
    /// The publisher's client id for `published`, the receiver's for `delivered`.
    fn client_id(&self) -> Option<&str> {
        match self.kind {
            TapKind::Published => self.message.origin.client_id.as_deref(),
            TapKind::Delivered => self.receiver.as_deref(),
        }
    }

    fn record(&self) -> TapRecord {
        let m = &self.message;
        TapRecord {
            sequence: self.sequence,
            kind: self.kind,
            account: m.scope.account.clone(),
            region: m.scope.region.clone(),
            topic: m.topic.clone(),
            payload: std::str::from_utf8(&m.payload).ok().map(str::to_owned),
            payload_base64: base64::engine::general_purpose::STANDARD.encode(&m.payload),
            qos: m.qos,
            retain: m.retain,
            client_id: self.client_id().map(str::to_owned),
            principal: m.origin.principal.clone(),
            timestamp: m.timestamp,
        }
    }

    fn matches(&self, q: &TapQuery) -> bool {
        let m = &self.message;
        q.kind.is_none_or(|k| self.kind == k)
            && q.topic.as_deref().is_none_or(|f| filter_matches(f, &m.topic))
            && (q.client_id.is_none() || self.client_id() == q.client_id.as_deref())
            && q.account.as_deref().is_none_or(|a| m.scope.account == a)
            && q.region.as_deref().is_none_or(|r| m.scope.region == r)
            && q.after.is_none_or(|s| self.sequence > s)
    }
}

#[derive(Debug)]
pub struct Tap {
    entries: Mutex<VecDeque<Entry>>,
    sequence: AtomicU64,
}

impl Default for Tap {
    fn default() -> Self {
        Tap { entries: Mutex::new(VecDeque::new()), sequence: AtomicU64::new(0) }
    }
}

/// MQTT filter matching for tap queries (`+` one level, `#` the rest). Unlike a
/// subscription, `#` here also matches `$` topics, so `topic=#` lists everything.
pub fn filter_matches(filter: &str, topic: &str) -> bool {
    crate::domain::topic_filter::wildcard_matches(filter, topic)
}

impl Tap {
    fn record(&self, kind: TapKind, message: &Arc<Message>, receiver: Option<&Arc<str>>) {
        let entry = Entry {
            sequence: self.sequence.fetch_add(1, Ordering::Relaxed) + 1,
            kind,
            message: message.clone(),
            receiver: receiver.cloned(),
        };
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() == TAP_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn query(&self, q: &TapQuery) -> Vec<TapRecord> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().filter(|e| e.matches(q)).map(Entry::record).collect()
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The bus itself: the tap and the rules engine; the shadow and jobs services
/// subscribe as they are built.
#[derive(Debug, Default)]
pub struct Bus {
    pub tap: Tap,
    rules: OnceLock<Inbox>,
}

impl Bus {
    /// A message the broker accepted.
    pub fn published(&self, message: &Arc<Message>) {
        self.tap.record(TapKind::Published, message, None);
        if let Some(rules) = self.rules.get() {
            rules.offer(message);
        }
    }

    /// Hands every accepted message to the rules engine from now on.
    pub fn connect_rules(&self, inbox: Inbox) {
        let _ = self.rules.set(inbox);
    }

    /// One delivery of a message to a client.
    pub fn delivered(&self, message: &Arc<Message>, client_id: &Arc<str>) {
        self.tap.record(TapKind::Delivered, message, Some(client_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::hooks::{MessageProperties, Origin};
    use crate::domain::Scope;

    fn message(topic: &str, payload: &[u8]) -> Arc<Message> {
        Arc::new(Message {
            scope: Scope::new("123456789012", "us-east-1"),
            topic: topic.into(),
            payload: bytes::Bytes::copy_from_slice(payload),
            qos: 1,
            retain: false,
            properties: MessageProperties::default(),
            origin: Origin { client_id: Some("pub".into()), principal: Some("p".into()) },
            timestamp: 1,
        })
    }

    #[test]
    fn filters_match_as_mqtt() {
        assert!(filter_matches("a/+/c", "a/b/c"));
        assert!(filter_matches("a/#", "a/b/c"));
        assert!(!filter_matches("a/+", "a/b/c"));
        assert!(filter_matches("a/b", "a/b"));
        assert!(!filter_matches("a/b", "a/b/c"));
    }

    #[test]
    fn the_tap_records_publishes_and_deliveries_and_filters_them() {
        let bus = Bus::default();
        bus.published(&message("dev/1/temp", b"{\"t\":21}"));
        bus.delivered(&message("dev/1/temp", b"{\"t\":21}"), &"sub-a".into());
        bus.published(&message("other", &[0xff, 0x00]));
        let delivered =
            bus.tap.query(&TapQuery { kind: Some(TapKind::Delivered), ..Default::default() });
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].client_id.as_deref(), Some("sub-a"));
        assert_eq!(delivered[0].payload.as_deref(), Some("{\"t\":21}"));
        let dev =
            bus.tap.query(&TapQuery { topic: Some("dev/+/temp".into()), ..Default::default() });
        assert_eq!(dev.len(), 2);
        let binary = bus.tap.query(&TapQuery { topic: Some("other".into()), ..Default::default() });
        assert_eq!((binary[0].payload.clone(), binary[0].payload_base64.as_str()), (None, "/wA="));
        let after = bus.tap.query(&TapQuery { after: Some(2), ..Default::default() });
        assert_eq!(after.iter().map(|r| r.sequence).collect::<Vec<_>>(), [3]);
        bus.tap.clear();
        assert!(bus.tap.query(&TapQuery::default()).is_empty());
    }
}
