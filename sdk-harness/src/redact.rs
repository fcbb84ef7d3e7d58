//! Redaction by reference for snapshots: the same id becomes the same `<kind:N>`
//! everywhere in one test, and timestamps become `[timestamp]` only after checking
//! they are epoch seconds, so a snapshot still shows which values are equal.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

/// Epoch seconds accepted as timestamps: 2001-09-09 to 2286-11-20.
const PLAUSIBLE_SECONDS: std::ops::Range<f64> = 1.0e9..1.0e10;

/// Replaces ids in JSON values with stable references, numbered in order of
/// first appearance.
#[derive(Debug)]
pub struct Redactor {
    seen: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
    patterns: Vec<(&'static str, Regex)>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

impl Redactor {
    pub fn new() -> Redactor {
        let patterns = [
            ("pem", r"-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END [A-Z ]+-----\n?"),
            ("uuid", r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
            ("hex64", r"\b[0-9a-f]{64}\b"),
        ];
        Redactor {
            seen: HashMap::new(),
            counts: HashMap::new(),
            patterns: patterns
                .iter()
                .map(|(k, p)| (*k, Regex::new(p).expect("redaction pattern")))
                .collect(),
        }
    }

    fn reference(&mut self, kind: &'static str, original: &str, label: &str) -> String {
        if let Some(r) = self.seen.get(original) {
            return r.clone();
        }
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        let r = format!("<{label}:{n}>");
        self.seen.insert(original.to_owned(), r.clone());
        r
    }

    fn redact_text(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        for i in 0..self.patterns.len() {
            let (kind, re) = (self.patterns[i].0, self.patterns[i].1.clone());
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    let label = match (kind, c.get(1)) {
                        ("pem", Some(what)) => format!("pem {}", what.as_str().to_lowercase()),
                        _ => kind.to_owned(),
                    };
                    self.reference(kind, &c[0], &label)
                })
                .into_owned();
        }
        out
    }

    /// The value with every id replaced by its reference and every timestamp-named
    /// number (keys ending in `Date`, or `timestamp`) checked and replaced.
    ///
    /// # Panics
    /// When a timestamp-named number is not plausible epoch seconds: that is a bug
    /// the snapshot must not hide.
    pub fn redact(&mut self, value: &Value) -> Value {
        self.redact_under(None, value)
    }

    fn redact_under(&mut self, key: Option<&str>, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.redact_text(s)),
            Value::Number(n) if key.is_some_and(|k| k.ends_with("Date") || k == "timestamp") => {
                let secs = n.as_f64().unwrap_or(0.0);
                assert!(PLAUSIBLE_SECONDS.contains(&secs), "{key:?} = {n} is not epoch seconds");
                Value::String("[timestamp]".to_owned())
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
}
