//! Parsing and validation of shadow request documents (guide L11400-11427): the
//! update's `state`, `clientToken` and `version`, and the optional client token of
//! get and delete requests, each refusal with the guide's message.

use serde_json::{Map, Value};

use super::error::ShadowError;

/// Longest client token AWS accepts, in bytes (today's AWS documents 64).
pub const MAX_CLIENT_TOKEN_BYTES: usize = 64;

/// Deepest nesting inside `desired` or `reported`: the section's own fields are level 1.
pub const MAX_DEPTH: usize = 6;

/// Largest request document in bytes (the broker's payload limit).
pub const MAX_REQUEST_BYTES: usize = 128 * 1024;

/// What an update asks for one section.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionPatch {
    /// The section is not in the request: left alone.
    Absent,
    /// `"desired": null`: the section is removed.
    Remove,
    /// Fields merged into the section (`null` fields removed).
    Merge(Map<String, Value>),
}

impl SectionPatch {
    pub fn is_absent(&self) -> bool {
        matches!(self, SectionPatch::Absent)
    }
}

/// What an update asks for the state.
#[derive(Debug, Clone, PartialEq)]
pub enum StatePatch {
    /// `{"state": null}`: all state removed, the shadow kept.
    Clear,
    Sections {
        desired: SectionPatch,
        reported: SectionPatch,
    },
}

/// A validated update request.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRequest {
    pub state: StatePatch,
    /// The request's `state` exactly as sent (nulls included), echoed on accepted.
    pub raw_state: Value,
    pub client_token: Option<String>,
    pub version: Option<i64>,
}

/// Decodes the payload as UTF-8 JSON (415, then 400 "Invalid JSON").
fn decode(payload: &[u8]) -> Result<Value, ShadowError> {
    if payload.len() > MAX_REQUEST_BYTES {
        return Err(ShadowError::too_large());
    }
    let text = std::str::from_utf8(payload).map_err(|_| ShadowError::unsupported_encoding())?;
    serde_json::from_str(text).map_err(|_| ShadowError::invalid_json())
}

/// The `clientToken` of a request object: a string of at most 64 bytes.
fn client_token(doc: &Map<String, Value>) -> Result<Option<String>, ShadowError> {
    match doc.get("clientToken") {
        None => Ok(None),
        Some(Value::String(t)) if t.len() <= MAX_CLIENT_TOKEN_BYTES => Ok(Some(t.clone())),
        Some(_) => Err(ShadowError::new(400, "Invalid clientToken")),
    }
}

/// The client token of a get or delete request. Their content is otherwise ignored
/// (L11298), and an empty message is the usual request, so anything that is not a
/// JSON object simply carries no token.
pub fn parse_token_only(payload: &[u8]) -> Result<Option<String>, ShadowError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let text = std::str::from_utf8(payload).map_err(|_| ShadowError::unsupported_encoding())?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(doc)) => client_token(&doc),
        _ => Ok(None),
    }
}

/// Levels of nesting below a section: a scalar is 0, an object or array one more
/// than its deepest member.
fn depth(v: &Value) -> usize {
    match v {
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether some array anywhere in `v` holds a `null` (arrays "can't have null
/// values", L10286).
fn array_with_null(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().any(array_with_null),
        Value::Array(a) => a.iter().any(|e| e.is_null() || array_with_null(e)),
        _ => false,
    }
}

fn section(
    state: &Map<String, Value>,
    key: &str,
    not_object: &str,
) -> Result<SectionPatch, ShadowError> {
    match state.get(key) {
        None => Ok(SectionPatch::Absent),
        Some(Value::Null) => Ok(SectionPatch::Remove),
        Some(Value::Object(m)) => {
            if 1 + m.values().map(depth).max().unwrap_or(0) > MAX_DEPTH {
                return Err(ShadowError::new(
                    400,
                    format!("JSON contains too many levels of nesting; maximum is {MAX_DEPTH}"),
                ));
            }
            if m.values().any(array_with_null) {
                return Err(ShadowError::new(400, "State contains an invalid node"));
            }
            Ok(SectionPatch::Merge(m.clone()))
        }
        Some(_) => Err(ShadowError::new(400, not_object)),
    }
}

/// Parses an update request document. Fields outside `state`, `clientToken` and
/// `version` are ignored (L16782); unknown fields inside `state` are refused
/// (L11529; seed-inventory DEFECT D25).
pub fn parse_update(payload: &[u8]) -> Result<UpdateRequest, ShadowError> {
    let Value::Object(mut doc) = decode(payload)? else {
        return Err(ShadowError::invalid_json());
    };
    let token = client_token(&doc)?;
    let fail = |e: ShadowError| e.with_token(token.as_deref());
    let version = match doc.get("version") {
        None => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|v| *v >= 0)
                .ok_or_else(|| fail(ShadowError::new(400, "Invalid version")))?,
        ),
    };
    let raw_state = doc
        .remove("state")
        .ok_or_else(|| fail(ShadowError::new(400, "Missing required node: state")))?;
    let state = match &raw_state {
        Value::Null => StatePatch::Clear,
        Value::Object(state) => {
            if state.keys().any(|k| k != "desired" && k != "reported") {
                return Err(fail(ShadowError::new(400, "State contains an invalid node")));
            }
            StatePatch::Sections {
                desired: section(state, "desired", "Desired node must be an object")
                    .map_err(fail)?,
                reported: section(state, "reported", "Reported node must be an object")
                    .map_err(fail)?,
            }
        }
        _ => return Err(fail(ShadowError::new(400, "State node must be an object"))),
    };
    Ok(UpdateRequest { state, raw_state, client_token: token, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(payload: &str) -> (u16, String, Option<String>) {
        let e = parse_update(payload.as_bytes()).unwrap_err();
        (e.code, e.message, e.client_token)
    }

    #[test]
    fn bad_requests_get_the_guides_code_and_message() {
        let table: &[(&str, u16, &str)] = &[
            ("{", 400, "Invalid JSON"),
            ("[1]", 400, "Invalid JSON"),
            ("{}", 400, "Missing required node: state"),
            (r#"{"state": 5}"#, 400, "State node must be an object"),
            (r#"{"state": []}"#, 400, "State node must be an object"),
            (r#"{"state": {"desired": "x"}}"#, 400, "Desired node must be an object"),
            (r#"{"state": {"reported": [1]}}"#, 400, "Reported node must be an object"),
            (r#"{"state": {"delta": {}}}"#, 400, "State contains an invalid node"),
            (r#"{"state": {}, "version": "3"}"#, 400, "Invalid version"),
            (r#"{"state": {}, "version": 1.5}"#, 400, "Invalid version"),
            (r#"{"state": {}, "version": -1}"#, 400, "Invalid version"),
            (r#"{"state": {}, "clientToken": 7}"#, 400, "Invalid clientToken"),
            (
                r#"{"state": {"desired": {"colors": [null, "RED"]}}}"#,
                400,
                "State contains an invalid node",
            ),
            (
                r#"{"state": {"desired": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}}}"#,
                400,
                "JSON contains too many levels of nesting; maximum is 6",
            ),
        ];
        for (payload, code, message) in table {
            let (c, m, _) = err(payload);
            assert_eq!((c, m.as_str()), (*code, *message), "{payload}");
        }
        let long = format!(r#"{{"state": {{}}, "clientToken": "{}"}}"#, "x".repeat(65));
        assert_eq!(err(&long).1, "Invalid clientToken");
        let e = parse_update(&[0xff, 0xfe]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (415, "Unsupported documented encoding; supported encoding is UTF-8")
        );
    }

    #[test]
    fn a_valid_client_token_is_carried_by_later_errors() {
        assert_eq!(err(r#"{"clientToken": "t1", "state": 5}"#).2.as_deref(), Some("t1"),);
    }

    #[test]
    fn six_levels_are_allowed() {
        let ok = r#"{"state": {"desired": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}}"#;
        assert!(parse_update(ok.as_bytes()).is_ok());
    }

    #[test]
    fn sections_parse_into_patches() {
        let r = parse_update(
            br#"{"state": {"desired": null, "reported": {"a": 1}}, "version": 3, "clientToken": "c", "other": 1}"#,
        )
        .unwrap();
        assert_eq!(r.version, Some(3));
        assert_eq!(r.client_token.as_deref(), Some("c"));
        let StatePatch::Sections { desired, reported } = r.state else { panic!() };
        assert_eq!(desired, SectionPatch::Remove);
        assert!(matches!(reported, SectionPatch::Merge(m) if m["a"] == 1));
        assert_eq!(parse_update(br#"{"state": null}"#).unwrap().state, StatePatch::Clear);
    }

    #[test]
    fn get_and_delete_requests_carry_only_a_token() {
        assert_eq!(parse_token_only(b"").unwrap(), None);
        assert_eq!(parse_token_only(b"not json").unwrap(), None);
        assert_eq!(parse_token_only(br#"{"clientToken":"abc"}"#).unwrap().as_deref(), Some("abc"));
        assert_eq!(
            parse_token_only(br#"{"clientToken":1}"#).unwrap_err().message,
            "Invalid clientToken"
        );
    }
}
