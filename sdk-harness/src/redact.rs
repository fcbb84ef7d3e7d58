//! Redaction by reference for snapshots: the same id becomes the same `<kind:N>`
//! everywhere in one test (API answers, MQTT messages, sink records alike), and
//! timestamps and UUIDs become their type only after checking they are one, so a
//! snapshot still shows which values are equal and what they are.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

/// Epoch seconds accepted as timestamps: 2001-09-09 to 2286-11-20.
const PLAUSIBLE_SECONDS: std::ops::Range<f64> = 1.0e9..1.0e10;
/// Epoch milliseconds over the same span.
const PLAUSIBLE_MILLIS: std::ops::Range<f64> = 1.0e12..1.0e13;

/// Keys whose string values are ids, and the label of their references.
const ID_KEYS: &[(&str, &str)] = &[
    ("thingName", "thing-name"),
    ("certificateId", "cert-id"),
    ("caCertificateId", "ca-cert-id"),
    ("clientToken", "client-token"),
    ("clientId", "client-id"),
    ("policyName", "policy-name"),
    ("ruleName", "rule-name"),
    ("jobId", "job-id"),
];

/// Which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// [`Redactor::new`]: ids found by pattern only, `<hex64:N>`, `<uuid:N>`.
    Patterns,
    /// [`Redactor::typed`]: ids by key and by reference, UUIDs and times by type.
    Typed,
}

/// Replaces ids in JSON values with stable references, numbered in order of
/// first appearance.
#[derive(Debug)]
pub struct Redactor {
    mode: Mode,
    seen: HashMap<String, String>,
    counts: HashMap<String, usize>,
    /// Ids known by value (learned from their key, or named), longest first, so
    /// they are also replaced inside other strings (topics, ARNs, payloads).
    known: Vec<String>,
    patterns: Vec<(&'static str, Regex)>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

fn compile(patterns: &[(&'static str, &str)]) -> Vec<(&'static str, Regex)> {
    patterns.iter().map(|(k, p)| (*k, Regex::new(p).expect("redaction pattern"))).collect()
}

impl Redactor {
    /// Pattern references only: 64-hex ids become `<hex64:N>`, UUIDs `<uuid:N>`,
    /// PEM blocks `<pem certificate:N>`; numbers under keys ending in `Date` or
    /// named `timestamp` become `[timestamp]` after checking they are epoch seconds.
    pub fn new() -> Redactor {
        Redactor {
            mode: Mode::Patterns,
            seen: HashMap::new(),
            counts: HashMap::new(),
            known: Vec::new(),
            patterns: compile(&[
                ("pem", r"-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END [A-Z ]+-----\n?"),
                ("uuid", r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
                ("hex64", r"\b[0-9a-f]{64}\b"),
            ]),
        }
    }

    /// The snapshot redactor:
    ///
    /// - ids by reference: string values under `thingName`, `certificateId`,
    ///   `clientToken`, `clientId`, `policyName`, `ruleName`, `jobId` (and
    ///   `caCertificateId`) become `<thing-name:1>`, `<cert-id:1>`, ... and the same
    ///   value becomes the same reference wherever it appears, inside topics, ARNs and
    ///   payloads too; any other 64-hex id is a `<cert-id:N>`; PEM blocks are
    ///   `<pem certificate:N>` (and `<pem rsa private key:N>`, ...);
    /// - by type, after checking: UUIDs become `[uuid]` (an RFC 4122 version and
    ///   variant are required: anything else is left for the snapshot to show);
    ///   numbers under keys ending in `Date`, `timestamp` or `Timestamp` become
    ///   `[epoch-seconds]` or `[epoch-millis]` (anything else panics), RFC 3339 times
    ///   in strings `[rfc3339]`.
    ///
    /// Name more ids with [`Redactor::name`] (e.g. a thing name that appears in a
    /// topic before any answer names it).
    pub fn typed() -> Redactor {
        Redactor {
            mode: Mode::Typed,
            seen: HashMap::new(),
            counts: HashMap::new(),
            known: Vec::new(),
            patterns: compile(&[
                ("pem", r"-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END [A-Z ]+-----\n?"),
                (
                    "uuid",
                    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
                ),
                ("cert-id", r"\b[0-9a-f]{64}\b"),
                (
                    "rfc3339",
                    r"\b\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})",
                ),
            ]),
        }
    }

    fn reference(&mut self, label: &str, original: &str) -> String {
        self.reference_counted(label, label, original)
    }

    /// The reference of `original`, `<label:N>`, numbered per `counter`.
    fn reference_counted(&mut self, counter: &str, label: &str, original: &str) -> String {
        if let Some(r) = self.seen.get(original) {
            return r.clone();
        }
        let n = self.counts.entry(counter.to_owned()).or_default();
        *n += 1;
        let r = format!("<{label}:{n}>");
        self.seen.insert(original.to_owned(), r.clone());
        r
    }

    /// Names an id: `value` becomes `<label:N>` wherever it appears, e.g.
    /// `redactor.name("thing-name", &device.thing_name)`.
    pub fn name(&mut self, label: &str, value: &str) -> &mut Self {
        if !value.is_empty() && !self.seen.contains_key(value) {
            self.reference(label, value);
            self.known.push(value.to_owned());
            self.known.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        }
        self
    }

    /// Learns the ids under [`ID_KEYS`], in the order [`Redactor::redact`] visits
    /// them, so an id gets its own label even when a topic shows it first.
    fn learn(&mut self, key: Option<&str>, value: &Value) {
        match value {
            Value::String(s) => {
                if let Some((_, label)) = ID_KEYS.iter().find(|(k, _)| Some(*k) == key) {
                    self.name(label, s);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn(key, v)),
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                for k in keys {
                    self.learn(Some(k), &map[k]);
                }
            }
            _ => {}
        }
    }

    /// Replaces the known ids that stand alone in `text` (not inside a longer word).
    fn replace_known(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in &self.known {
            let reference = &self.seen[value];
            let mut result = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(i) = rest.find(value.as_str()) {
                let before = rest[..i].chars().next_back();
                let after = rest[i + value.len()..].chars().next();
                let word = |c: Option<char>| {
                    c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
                };
                let whole = !word(before) && !word(after);
                result.push_str(&rest[..i]);
                result.push_str(if whole { reference } else { value });
                rest = &rest[i + value.len()..];
            }
            result.push_str(rest);
            out = result;
        }
        out
    }

    fn redact_text(&mut self, text: &str) -> String {
        let mut out =
            if self.mode == Mode::Typed { self.replace_known(text) } else { text.to_owned() };
        for i in 0..self.patterns.len() {
            let (kind, re) = (self.patterns[i].0, self.patterns[i].1.clone());
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| match (self.mode, kind, c.get(1)) {
                    (mode, "pem", Some(what)) => {
                        let label = format!("pem {}", what.as_str().to_lowercase());
                        // Pattern mode numbers every PEM block in one sequence, as
                        // the snapshots written with it expect.
                        let counter =
                            if mode == Mode::Patterns { "pem".to_owned() } else { label.clone() };
                        self.reference_counted(&counter, &label, &c[0])
                    }
                    (Mode::Typed, "uuid", _) if is_rfc4122(&c[0]) => "[uuid]".to_owned(),
                    (Mode::Typed, "uuid", _) => c[0].to_owned(),
                    (Mode::Typed, "rfc3339", _) => "[rfc3339]".to_owned(),
                    _ => self.reference(kind, &c[0]),
                })
                .into_owned();
        }
        out
    }

    /// The value with every id replaced by its reference and every timestamp-named
    /// number checked and replaced.
    ///
    /// # Panics
    /// When a timestamp-named number is not plausible epoch seconds (or, for
    /// [`Redactor::typed`], milliseconds): that is a bug the snapshot must not hide.
    pub fn redact(&mut self, value: &Value) -> Value {
        if self.mode == Mode::Typed {
            self.learn(None, value);
        }
        self.redact_under(None, value)
    }

    /// [`Redactor::redact`] of anything the harness can show as JSON: messages,
    /// tap and sink records, API answers, and slices of them.
    pub fn snapshot<T: crate::Snapshot + ?Sized>(&mut self, value: &T) -> Value {
        self.redact(&value.snapshot_json())
    }

    fn timestamp(&self, key: &str, n: &serde_json::Number) -> Value {
        let secs = n.as_f64().unwrap_or(0.0);
        let label = match self.mode {
            Mode::Patterns if PLAUSIBLE_SECONDS.contains(&secs) => "[timestamp]",
            Mode::Typed if PLAUSIBLE_SECONDS.contains(&secs) => "[epoch-seconds]",
            Mode::Typed if PLAUSIBLE_MILLIS.contains(&secs) => "[epoch-millis]",
            Mode::Patterns => panic!("{key:?} = {n} is not epoch seconds"),
            Mode::Typed => panic!("{key:?} = {n} is not epoch seconds or milliseconds"),
        };
        Value::String(label.to_owned())
    }

    fn is_timestamp_key(&self, key: &str) -> bool {
        key.ends_with("Date")
            || key == "timestamp"
            || (self.mode == Mode::Typed && key.ends_with("Timestamp"))
    }

    fn redact_under(&mut self, key: Option<&str>, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.redact_text(s)),
            Value::Number(n) if key.is_some_and(|k| self.is_timestamp_key(k)) => {
                self.timestamp(key.unwrap_or_default(), n)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_under(key, v)).collect())
            }
            Value::Object(map) => {
                // Keys in sorted order, whether or not serde_json preserves insertion
                // order in this build (feature unification decides that).
                let mut entries: Vec<(String, Value)> = map
                    .iter()
                    .map(|(k, v)| (self.redact_text(k), self.redact_under(Some(k), v)))
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().collect())
            }
            other => other.clone(),
        }
    }
}

/// A UUID with an RFC 4122 version (1-8) and variant (`10xx`).
fn is_rfc4122(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && s == s.to_lowercase()
        && (b'1'..=b'8').contains(&b[14])
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_id_gets_the_same_reference_everywhere() {
        let id = "a0c01f5835079de0a7514643d68ef8414ab739a1e94ee4162977b02b12842847";
        let other = "b".repeat(64);
        let uuid = "00000000-0000-4000-8000-000000000001";
        let v = json!({
            "certificateId": id,
            "certificateArn": format!("arn:aws:iot:us-east-1:123456789012:cert/{id}"),
            "other": other,
            "thingId": uuid,
            "creationDate": 1_478_299_948.882,
            "pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        });
        let r = Redactor::new().redact(&v);
        assert_eq!(
            r,
            json!({
                "certificateId": "<hex64:1>",
                "certificateArn": "arn:aws:iot:us-east-1:123456789012:cert/<hex64:1>",
                "other": "<hex64:2>",
                "thingId": "<uuid:1>",
                "creationDate": "[timestamp]",
                "pem": "<pem certificate:1>",
            })
        );
    }

    #[test]
    #[should_panic(expected = "is not epoch seconds")]
    fn milliseconds_where_seconds_belong_are_caught() {
        Redactor::new().redact(&json!({ "creationDate": 1_478_299_948_882_i64 }));
    }

    #[test]
    fn typed_references_follow_an_id_from_answers_into_topics_and_payloads() {
        let cert = "a0c01f5835079de0a7514643d68ef8414ab739a1e94ee4162977b02b12842847";
        let mut r = Redactor::typed();
        let answer = r.redact(&json!({
            "thingName": "sensor-1",
            "thingArn": "arn:aws:iot:us-east-1:000000000000:thing/sensor-1",
            "thingId": "5f0c8f55-8b0e-4c4e-9a0c-2d1c3f4e5a6b",
            "certificateId": cert,
            "creationDate": 1_700_000_000.5,
        }));
        assert_eq!(
            answer,
            json!({
                "thingName": "<thing-name:1>",
                "thingArn": "arn:aws:iot:us-east-1:000000000000:thing/<thing-name:1>",
                "thingId": "[uuid]",
                "certificateId": "<cert-id:1>",
                "creationDate": "[epoch-seconds]",
            })
        );
        // A later message: the same ids, the same references; a new token is new.
        let message = r.redact(&json!({
            "topic": "dev/sensor-1/temp",
            "principal": cert,
            "clientToken": "tok-9",
            "payload": {"device": "sensor-1", "echo": "tok-9", "others": "sensor-10 xsensor-1"},
            "timestamp": 1_700_000_000_123_i64,
            "at": "2026-11-25T22:00:00.123Z",
        }));
        assert_eq!(
            message,
            json!({
                "topic": "dev/<thing-name:1>/temp",
                "principal": "<cert-id:1>",
                "clientToken": "<client-token:1>",
                "payload": {"device": "<thing-name:1>", "echo": "<client-token:1>", "others": "sensor-10 xsensor-1"},
                "timestamp": "[epoch-millis]",
                "at": "[rfc3339]",
            })
        );
    }

    #[test]
    fn named_ids_and_uuids_that_are_not_rfc4122() {
        let mut r = Redactor::typed();
        r.name("thing-name", "lamp").name("thing-name", "lamp-2");
        let v = r.redact(&json!(["lamp/lamp-2", "00000000-0000-0000-0000-000000000000"]));
        assert_eq!(
            v,
            json!(["<thing-name:1>/<thing-name:2>", "00000000-0000-0000-0000-000000000000"])
        );
    }

    #[test]
    #[should_panic(expected = "is not epoch seconds or milliseconds")]
    fn typed_timestamps_are_checked() {
        Redactor::typed().redact(&json!({ "timestamp": 12 }));
    }
}
