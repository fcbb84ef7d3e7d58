//! The stored shadow document and its algebra: merging an update into the desired and
//! reported sections with per-leaf metadata timestamps (L10156-10221, L10321-10610),
//! the delta between desired and reported (L10649-10738), and the response documents.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::request::{SectionPatch, StatePatch};

/// Largest desired + reported state in bytes; metadata does not count (L16783-16784).
pub const MAX_STATE_BYTES: usize = 8 * 1024;

/// One section (`desired` or `reported`): its values and the mirror tree of
/// `{"timestamp": t}` leaves (an array is one leaf).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub values: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A shadow as stored: empty sections are absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShadowDocument {
    pub desired: Section,
    pub reported: Section,
    pub version: i64,
}

/// `doc` with the request's `clientToken`, when it had one (echoed on every answer).
pub fn with_client_token(mut doc: Value, client_token: Option<&str>) -> Value {
    if let Some(t) = client_token {
        doc["clientToken"] = t.into();
    }
    doc
}

fn leaf_metadata(timestamp: i64) -> Value {
    json!({ "timestamp": timestamp })
}

/// Merges `patch` into `values`/`metadata`: `null` removes a field, objects merge
/// field by field, anything else (arrays included) replaces the value. An object
/// left without fields is removed, as an emptied section is (L10579-10599).
fn merge(
    values: &mut Map<String, Value>,
    metadata: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    timestamp: i64,
) {
    for (key, change) in patch {
        match change {
            Value::Null => {
                values.remove(key);
                metadata.remove(key);
            }
            Value::Object(fields) => {
                let mut child = match values.remove(key) {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                let mut child_meta = match metadata.remove(key) {
                    // A leaf's `{"timestamp"}` is not the metadata of an object.
                    Some(Value::Object(m)) if !child.is_empty() => m,
                    _ => Map::new(),
                };
                merge(&mut child, &mut child_meta, fields, timestamp);
                if !child.is_empty() {
                    values.insert(key.clone(), Value::Object(child));
                    metadata.insert(key.clone(), Value::Object(child_meta));
                }
            }
            other => {
                values.insert(key.clone(), other.clone());
                metadata.insert(key.clone(), leaf_metadata(timestamp));
            }
        }
    }
}

/// The metadata mirror of a request's `state` as `/update/accepted` shows it: a
/// timestamp at every leaf, `null` included (`"desired": null` gives
/// `"desired": {"timestamp": t}`, L9945-9973), written straight to JSON.
pub struct RequestMetadata<'a>(pub &'a Value, pub i64);

impl Serialize for RequestMetadata<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &RequestMetadata(v, self.1))?;
                }
                map.end()
            }
            _ => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("timestamp", &self.1)?;
                map.end()
            }
        }
    }
}

/// Which half of the sections a [`Sections`] view writes.
#[derive(Clone, Copy)]
pub enum Part {
    Values,
    Metadata,
}

/// `{"desired": .., "reported": ..}` of a document's values or metadata, empty
/// sections left out, serialized from the document without copying it.
pub struct Sections<'a>(pub &'a ShadowDocument, pub Part);

impl Serialize for Sections<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Sections(doc, part) = self;
        let present = [("desired", &doc.desired), ("reported", &doc.reported)]
            .into_iter()
            .filter(|(_, section)| !section.is_empty());
        let mut map = s.serialize_map(None)?;
        for (name, section) in present {
            match part {
                Part::Values => map.serialize_entry(name, &section.values)?,
                Part::Metadata => map.serialize_entry(name, &section.metadata)?,
            }
        }
        map.end()
    }
}

/// The full document (`{"state", "metadata", "version"}`) as `/update/documents`
/// carries it, serialized without copying the document.
pub struct Full<'a>(pub &'a ShadowDocument);

impl Serialize for Full<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("state", &Sections(self.0, Part::Values))?;
        map.serialize_entry("metadata", &Sections(self.0, Part::Metadata))?;
        map.serialize_entry("version", &self.0.version)?;
        map.end()
    }
}

/// Counts the bytes a value serializes to, without keeping them.
#[derive(Default)]
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The delta of `desired` against `reported`: every desired field absent from or
/// different in reported, nested objects kept from the root down to the differing
/// leaves, arrays compared whole (L10649-10738). Returns values and metadata.
fn delta(
    desired: &Map<String, Value>,
    desired_meta: &Map<String, Value>,
    reported: &Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut values = Map::new();
    let mut metadata = Map::new();
    for (key, want) in desired {
        let meta = desired_meta.get(key).cloned().unwrap_or(Value::Null);
        match (want, reported.get(key)) {
            (Value::Object(w), Some(Value::Object(have))) => {
                let empty = Map::new();
                let w_meta = meta.as_object().unwrap_or(&empty);
                let (v, m) = delta(w, w_meta, have);
                if !v.is_empty() {
                    values.insert(key.clone(), Value::Object(v));
                    metadata.insert(key.clone(), Value::Object(m));
                }
            }
            (want, Some(have)) if want == have => {}
            (want, _) => {
                values.insert(key.clone(), want.clone());
                metadata.insert(key.clone(), meta);
            }
        }
    }
    (values, metadata)
}

impl ShadowDocument {
    /// Applies a validated update's state at `timestamp` (epoch seconds). The
    /// version is the caller's business.
    pub fn apply(&mut self, patch: &StatePatch, timestamp: i64) {
        match patch {
            StatePatch::Clear => {
                self.desired = Section::default();
                self.reported = Section::default();
            }
            StatePatch::Sections { desired, reported } => {
                apply_section(&mut self.desired, desired, timestamp);
                apply_section(&mut self.reported, reported, timestamp);
            }
        }
    }

    /// Bytes of desired + reported as stored, the figure the 8 KB limit counts.
    pub fn state_size(&self) -> usize {
        let len = |m: &Map<String, Value>| {
            let mut count = ByteCount::default();
            if m.is_empty() || serde_json::to_writer(&mut count, m).is_err() {
                return 0;
            }
            count.0
        };
        len(&self.desired.values) + len(&self.reported.values)
    }

    /// The current delta (values, metadata), `None` when nothing differs.
    pub fn delta(&self) -> Option<(Map<String, Value>, Map<String, Value>)> {
        let (values, metadata) =
            delta(&self.desired.values, &self.desired.metadata, &self.reported.values);
        (!values.is_empty()).then_some((values, metadata))
    }

    /// The GET response: the full document with the `delta` in its state and
    /// metadata, then the timestamp and the request's client token.
    pub fn get_response(&self, timestamp: i64, client_token: Option<&str>) -> Value {
        let mut doc = serde_json::to_value(Full(self)).unwrap_or_default();
        if let Some((values, metadata)) = self.delta() {
            doc["state"]["delta"] = Value::Object(values);
            doc["metadata"]["delta"] = Value::Object(metadata);
        }
        doc["timestamp"] = timestamp.into();
        with_client_token(doc, client_token)
    }

    /// The `/update/delta` message (L9846-9860) as JSON, `None` when nothing differs.
    pub fn delta_message(&self, timestamp: i64, client_token: Option<&str>) -> Option<Vec<u8>> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct DeltaMessage<'a> {
            version: i64,
            timestamp: i64,
            state: Map<String, Value>,
            metadata: Map<String, Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_token: Option<&'a str>,
        }
        let (state, metadata) = self.delta()?;
        let message =
            DeltaMessage { version: self.version, timestamp, state, metadata, client_token };
        serde_json::to_vec(&message).ok()
    }
}

fn apply_section(section: &mut Section, patch: &SectionPatch, timestamp: i64) {
    match patch {
        SectionPatch::Absent => {}
        SectionPatch::Remove => *section = Section::default(),
        SectionPatch::Merge(fields) => {
            merge(&mut section.values, &mut section.metadata, fields, timestamp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::shadow::request::parse_update;

    fn apply(doc: &mut ShadowDocument, update: &str, t: i64) {
        doc.apply(&parse_update(update.as_bytes()).unwrap().state, t);
    }

    fn full(doc: &ShadowDocument) -> Value {
        serde_json::to_value(Full(doc)).unwrap()
    }

    fn state(doc: &ShadowDocument) -> Value {
        full(doc)["state"].clone()
    }

    #[test]
    fn objects_merge_and_nulls_delete() {
        let mut doc = ShadowDocument::default();
        apply(&mut doc, r#"{"state":{"reported":{"color":{"r":255,"g":255,"b":0}}}}"#, 1);
        apply(&mut doc, r#"{"state":{"reported":{"color":{"r":10},"engine":"ON"}}}"#, 2);
        assert_eq!(
            state(&doc),
            json!({"reported": {"color": {"r": 10, "g": 255, "b": 0}, "engine": "ON"}})
        );
        assert_eq!(
            full(&doc)["metadata"],
            json!({"reported": {
                "color": {"r": {"timestamp": 2}, "g": {"timestamp": 1}, "b": {"timestamp": 1}},
                "engine": {"timestamp": 2}}})
        );
        apply(&mut doc, r#"{"state":{"reported":{"color":{"r":null,"g":null,"b":null}}}}"#, 3);
        assert_eq!(state(&doc), json!({"reported": {"engine": "ON"}}));
        apply(&mut doc, r#"{"state":{"reported":{"engine":null}}}"#, 4);
        assert_eq!(state(&doc), json!({}));
    }

    #[test]
    fn arrays_are_replaced_whole() {
        let mut doc = ShadowDocument::default();
        apply(&mut doc, r#"{"state":{"desired":{"colors":["RED","GREEN","BLUE"]}}}"#, 1);
        apply(&mut doc, r#"{"state":{"desired":{"colors":["RED"]}}}"#, 2);
        assert_eq!(state(&doc), json!({"desired": {"colors": ["RED"]}}));
        assert_eq!(full(&doc)["metadata"], json!({"desired": {"colors": {"timestamp": 2}}}));
    }

    #[test]
    fn a_scalar_replaced_by_an_object_gets_object_metadata() {
        let mut doc = ShadowDocument::default();
        apply(&mut doc, r#"{"state":{"desired":{"a":1}}}"#, 1);
        apply(&mut doc, r#"{"state":{"desired":{"a":{"timestamp":5}}}}"#, 2);
        assert_eq!(
            full(&doc)["metadata"],
            json!({"desired": {"a": {"timestamp": {"timestamp": 2}}}})
        );
        apply(&mut doc, r#"{"state":{"desired":{"a":7}}}"#, 3);
        assert_eq!(full(&doc)["metadata"], json!({"desired": {"a": {"timestamp": 3}}}));
    }

    #[test]
    fn delta_keeps_paths_from_the_root_and_ignores_reported_only_fields() {
        let mut doc = ShadowDocument::default();
        apply(
            &mut doc,
            r#"{"state":{"desired":{"lights":{"color":{"r":255,"g":255,"b":255}},"state":"STOP","list":[1,2]},
                         "reported":{"lights":{"color":{"r":255,"g":0,"b":255}},"engine":"ON","list":[1,2]}}}"#,
            7,
        );
        let (values, metadata) = doc.delta().unwrap();
        assert_eq!(
            Value::Object(values),
            json!({"lights": {"color": {"g": 255}}, "state": "STOP"})
        );
        assert_eq!(
            Value::Object(metadata),
            json!({"lights": {"color": {"g": {"timestamp": 7}}}, "state": {"timestamp": 7}})
        );
        apply(
            &mut doc,
            r#"{"state":{"reported":{"lights":{"color":{"g":255}},"state":"STOP"}}}"#,
            8,
        );
        assert!(doc.delta().is_none());
    }

    #[test]
    fn request_metadata_mirrors_the_request_with_nulls() {
        let req = json!({"reported": {"color": "green"}, "desired": null});
        assert_eq!(
            serde_json::to_value(RequestMetadata(&req, 9)).unwrap(),
            json!({"reported": {"color": {"timestamp": 9}}, "desired": {"timestamp": 9}})
        );
    }

    #[test]
    fn clearing_the_state_keeps_nothing() {
        let mut doc = ShadowDocument::default();
        apply(&mut doc, r#"{"state":{"desired":{"a":1},"reported":{"b":2}}}"#, 1);
        apply(&mut doc, r#"{"state":null}"#, 2);
        assert_eq!(full(&doc), json!({"state": {}, "metadata": {}, "version": 0}));
        assert_eq!(doc.state_size(), 0);
    }
}
