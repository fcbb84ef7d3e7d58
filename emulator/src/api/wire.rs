//! The restJson1 wire vocabulary the generated code is written in: raw requests and
//! responses, typed decoding of labels, query strings, headers and bodies, the
//! model's validation constraints with AWS's messages, and the AWS error shape.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use bytes::Bytes;
use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::Scope;

/// The three services of the HTTP edge, told apart by the SigV4 credential scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Iot,
    IotData,
    IotJobsData,
}

impl Service {
    /// The order in which an unsigned request is tried: control plane first (DESIGN D3).
    pub const PREFERENCE: [Service; 3] = [Service::Iot, Service::IotData, Service::IotJobsData];

    /// The SigV4 signing name of the service.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Iot => "iot",
            Service::IotData => "iotdata",
            Service::IotJobsData => "iot-jobs-data",
        }
    }

    pub fn from_signing_name(name: &str) -> Option<Service> {
        Service::PREFERENCE.into_iter().find(|s| s.signing_name() == name)
    }
}

/// Who is calling, where, and under which request id.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub service: Service,
    pub scope: Scope,
    pub request_id: String,
    pub access_key: Option<String>,
}

/// The HTTP binding of one operation, as the model gives it.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub name: &'static str,
    pub method: &'static str,
    pub uri: &'static str,
    pub success: u16,
    pub implemented: bool,
}

/// An AWS error as it goes on the wire: `x-amzn-ErrorType` and `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub status: u16,
    pub message: String,
}

/// A modeled error code of one service (generated per service).
pub trait ModeledError: Copy {
    fn name(self) -> &'static str;
    fn status(self) -> u16;
}

impl ApiError {
    pub fn new(code: impl ModeledError, message: impl Into<String>) -> ApiError {
        ApiError { code: code.name(), status: code.status(), message: message.into() }
    }

    /// 501 for an operation the emulator does not implement, naming it.
    pub fn not_implemented(operation: &str) -> ApiError {
        ApiError {
            code: "NotImplemented",
            status: 501,
            message: format!("The operation {operation} is not implemented by iot-emulator"),
        }
    }

    /// A request body that is not the JSON the operation expects.
    pub fn serialization(detail: impl fmt::Display) -> ApiError {
        ApiError {
            code: "SerializationException",
            status: 400,
            message: format!("Could not parse request body into json: {detail}"),
        }
    }

    /// Validation failures; every service models `InvalidRequestException` as 400.
    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError { code: "InvalidRequestException", status: 400, message: message.into() }
    }

    /// An unexpected failure: logged with its source, never leaked to the caller.
    pub fn internal(source: impl fmt::Display) -> ApiError {
        tracing::error!(error = %source, "internal failure");
        ApiError {
            code: "InternalFailureException",
            status: 500,
            message: "An internal error occurred.".to_owned(),
        }
    }

    /// The JSON body of the error.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "message": self.message })).unwrap_or_default()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

/// A request routed to an operation, with its labels already percent-decoded.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    pub method: String,
    pub labels: Vec<(&'static str, String)>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A scalar that arrives as text in a label, query string or header.
pub trait FromWireStr: Sized {
    fn from_wire_str(s: &str) -> Option<Self>;
}

impl FromWireStr for String {
    fn from_wire_str(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}
impl FromWireStr for i32 {
    fn from_wire_str(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}
impl FromWireStr for i64 {
    fn from_wire_str(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}
impl FromWireStr for f64 {
    fn from_wire_str(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}
impl FromWireStr for bool {
    fn from_wire_str(s: &str) -> Option<Self> {
        match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}
impl FromWireStr for Timestamp {
    fn from_wire_str(s: &str) -> Option<Self> {
        s.parse::<f64>().ok().map(|secs| Timestamp((secs * 1000.0).round() as i64))
    }
}

fn parse_text<T: FromWireStr>(name: &str, value: &str) -> Result<T, ApiError> {
    T::from_wire_str(value).ok_or_else(|| {
        ApiError::invalid_request(format!("Value '{value}' at '{name}' could not be parsed"))
    })
}

impl RawRequest {
    pub fn label<T: FromWireStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.labels.iter().find(|(k, _)| *k == name).map(|(_, v)| parse_text(name, v)).transpose()
    }

    pub fn query<T: FromWireStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| parse_text(name, v)).transpose()
    }

    pub fn query_list<T: FromWireStr>(&self, name: &str) -> Result<Option<Vec<T>>, ApiError> {
        let values: Vec<T> = self
            .query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| parse_text(name, v))
            .collect::<Result<_, _>>()?;
        Ok(if values.is_empty() { None } else { Some(values) })
    }

    pub fn header<T: FromWireStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.headers.get(name) {
            None => Ok(None),
            Some(v) => {
                let text = v.to_str().map_err(|_| {
                    ApiError::invalid_request(format!("Header {name} is not valid text"))
                })?;
                parse_text(name, text).map(Some)
            }
        }
    }

    /// The whole body as a blob payload; an empty body is no payload.
    pub fn payload_blob(&self) -> Option<Blob> {
        if self.body.is_empty() { None } else { Some(Blob(self.body.clone())) }
    }

    /// The whole body as a JSON structure payload.
    pub fn payload_json<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body).map(Some).map_err(ApiError::serialization)
    }

    /// The JSON object of the body members; an empty body has none of them.
    pub fn json_body<T: DeserializeOwned + Default>(&self) -> Result<T, ApiError> {
        Ok(self.payload_json()?.unwrap_or_default())
    }
}

/// A typed request decoded (and validated) from a raw one.
pub trait FromRequest: Sized {
    fn from_request(req: &RawRequest) -> Result<Self, ApiError>;
}

/// A typed response encoded into a raw one.
pub trait IntoReply {
    fn into_reply(self) -> RawResponse;
}

/// A scalar written as text into a response header.
pub trait ToWireStr {
    fn to_wire_str(&self) -> String;
}
impl ToWireStr for String {
    fn to_wire_str(&self) -> String {
        self.clone()
    }
}
macro_rules! display_to_wire {
    ($($t:ty),*) => { $(impl ToWireStr for $t { fn to_wire_str(&self) -> String { self.to_string() } })* };
}
display_to_wire!(i32, i64, f64, bool);
impl ToWireStr for Timestamp {
    fn to_wire_str(&self) -> String {
        self.as_seconds().to_string()
    }
}

/// The response of an operation before it becomes HTTP. `status == 0` means the
/// operation's modeled success code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: &'static str,
    pub body: Bytes,
}

impl RawResponse {
    pub fn json<T: Serialize + ?Sized>(value: &T) -> RawResponse {
        RawResponse {
            status: 0,
            headers: Vec::new(),
            content_type: "application/json",
            body: serde_json::to_vec(value).unwrap_or_default().into(),
        }
    }

    pub fn blob(blob: Blob) -> RawResponse {
        RawResponse {
            status: 0,
            headers: Vec::new(),
            content_type: "application/octet-stream",
            body: blob.0,
        }
    }

    pub fn header<T: ToWireStr + ?Sized>(&mut self, name: &str, value: &T) {
        self.headers.push((name.to_owned(), value.to_wire_str()));
    }

    pub fn with_default_status(mut self, status: u16) -> RawResponse {
        if self.status == 0 {
            self.status = status;
        }
        self
    }
}

/// A point in time, kept in epoch milliseconds and written as epoch seconds with a
/// fraction, as AWS's restJson1 services send timestamps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn as_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_seconds())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = f64::deserialize(d)?;
        Ok(Timestamp((secs * 1000.0).round() as i64))
    }
}

/// Binary data: base64 inside JSON, raw bytes as a payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Bytes);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(|b| Blob(b.into()))
            .map_err(serde::de::Error::custom)
    }
}

/// A model `pattern`, compiled on first use and matched against the whole value.
pub struct Pattern {
    pub source: &'static str,
    regex: LazyLock<regex::Regex>,
}

impl Pattern {
    pub const fn new(source: &'static str, regex: LazyLock<regex::Regex>) -> Pattern {
        Pattern { source, regex }
    }

    /// Compiles a model pattern; the model's patterns are Java regexes matched in full.
    pub fn compile(source: &str) -> regex::Regex {
        regex::Regex::new(&format!("^(?:{})$", java_classes_to_rust(source)))
            .unwrap_or_else(|e| panic!("model pattern {source:?} does not compile: {e}"))
    }

    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

/// Java's POSIX classes (`\p{Graph}`, ...), which the model uses and Rust's regex
/// does not know, as ASCII ranges.
const JAVA_POSIX_CLASSES: &[(&str, &str)] = &[
    ("Graph", "!-~"),
    ("Print", " -~"),
    ("Upper", "A-Z"),
    ("Lower", "a-z"),
    ("Alpha", "a-zA-Z"),
    ("Digit", "0-9"),
    ("Alnum", "a-zA-Z0-9"),
    ("Punct", "!-/:-@\\[-`{-~"),
    ("Cntrl", "\\x00-\\x1F\\x7F"),
    ("Space", " \\t\\n\\x0B\\f\\r"),
];

fn java_classes_to_rust(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_class = false;
    let mut rest = source;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let posix = JAVA_POSIX_CLASSES
                .iter()
                .find(|(name, _)| rest[1..].starts_with(&format!("p{{{name}}}")));
            if let Some((name, range)) = posix {
                if in_class {
                    out.push_str(range);
                } else {
                    out.push_str(&format!("[{range}]"));
                }
                rest = &rest[3 + name.len() + 1..];
                continue;
            }
            // Any other escape is kept whole, so `\[` never opens a class.
            let escaped: String = rest.chars().take(2).collect();
            out.push_str(&escaped);
            rest = &rest[escaped.len()..];
            continue;
        }
        match c {
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// One model constraint on a member.
#[derive(Debug)]
pub enum Constraint {
    MaxLength(u64),
    MinLength(u64),
    Pattern(&'static Pattern),
    MaxValue(f64),
    MinValue(f64),
    OneOf(&'static [&'static str]),
}

impl Constraint {
    /// AWS's wording of the constraint.
    fn describe(&self) -> String {
        match self {
            Constraint::MaxLength(n) => {
                format!("Member must have length less than or equal to {n}")
            }
            Constraint::MinLength(n) => {
                format!("Member must have length greater than or equal to {n}")
            }
            Constraint::Pattern(p) => {
                format!("Member must satisfy regular expression pattern: {}", p.source)
            }
            Constraint::MaxValue(x) => format!("Member must have value less than or equal to {x}"),
            Constraint::MinValue(x) => {
                format!("Member must have value greater than or equal to {x}")
            }
            Constraint::OneOf(values) => {
                format!("Member must satisfy enum value set: [{}]", values.join(", "))
            }
        }
    }

    fn holds_for_text(&self, value: &str) -> bool {
        let len = value.chars().count() as u64;
        match self {
            Constraint::MaxLength(n) => len <= *n,
            Constraint::MinLength(n) => len >= *n,
            Constraint::Pattern(p) => p.matches(value),
            Constraint::OneOf(values) => values.contains(&value),
            Constraint::MaxValue(_) | Constraint::MinValue(_) => true,
        }
    }
}

/// Collects constraint failures and reports them as AWS does:
/// `N validation error(s) detected: Value 'v' at 'path' failed to satisfy constraint: ...`.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<String>,
}

impl Validation {
    pub fn join(path: &str, member: &str) -> String {
        if path.is_empty() { member.to_owned() } else { format!("{path}.{member}") }
    }

    fn fail(&mut self, value: &str, path: &str, constraint: &str) {
        self.errors
            .push(format!("Value {value} at '{path}' failed to satisfy constraint: {constraint}"));
    }

    pub fn required(&mut self, path: &str, present: bool) {
        if !present {
            self.fail("null", path, "Member must not be null");
        }
    }

    pub fn string(&mut self, path: &str, value: &str, constraints: &[Constraint]) {
        for c in constraints {
            if !c.holds_for_text(value) {
                self.fail(&format!("'{value}'"), path, &c.describe());
            }
        }
    }

    pub fn number(&mut self, path: &str, value: f64, constraints: &[Constraint]) {
        for c in constraints {
            let holds = match c {
                Constraint::MaxValue(max) => value <= *max,
                Constraint::MinValue(min) => value >= *min,
                _ => true,
            };
            if !holds {
                self.fail(&format!("'{value}'"), path, &c.describe());
            }
        }
    }

    /// Length constraints of a list or map.
    pub fn count(&mut self, path: &str, len: usize, constraints: &[Constraint]) {
        for c in constraints {
            let holds = match c {
                Constraint::MaxLength(n) => len as u64 <= *n,
                Constraint::MinLength(n) => len as u64 >= *n,
                _ => true,
            };
            if !holds {
                self.fail(&format!("'[{len} items]'"), path, &c.describe());
            }
        }
    }

    fn map_constraint<'a>(
        &mut self,
        path: &str,
        shown: &str,
        what: &str,
        mut items: impl Iterator<Item = &'a str>,
        constraints: &[Constraint],
    ) {
        if items.any(|item| constraints.iter().any(|c| !c.holds_for_text(item))) {
            let list: Vec<String> = constraints.iter().map(Constraint::describe).collect();
            let msg = format!("{what} must satisfy constraint: [{}]", list.join(", "));
            self.fail(&format!("'{shown}'"), path, &msg);
        }
    }

    fn render_map(map: &BTreeMap<String, String>) -> String {
        let items: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{{{}}}", items.join(", "))
    }

    pub fn map_keys(
        &mut self,
        path: &str,
        map: &BTreeMap<String, String>,
        constraints: &[Constraint],
    ) {
        let shown = Self::render_map(map);
        self.map_constraint(path, &shown, "Map keys", map.keys().map(String::as_str), constraints);
    }

    /// Key constraints of a map whose values are not text: shown as its keys.
    pub fn map_keys_of<V>(
        &mut self,
        path: &str,
        map: &BTreeMap<String, V>,
        constraints: &[Constraint],
    ) {
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        let shown = format!("[{}]", keys.join(", "));
        self.map_constraint(path, &shown, "Map keys", keys.into_iter(), constraints);
    }

    pub fn map_values(
        &mut self,
        path: &str,
        map: &BTreeMap<String, String>,
        constraints: &[Constraint],
    ) {
        let shown = Self::render_map(map);
        self.map_constraint(
            path,
            &shown,
            "Map value",
            map.values().map(String::as_str),
            constraints,
        );
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(ApiError::invalid_request(format!(
                "1 validation error detected: {}",
                self.errors[0]
            ))),
            n => Err(ApiError::invalid_request(format!(
                "{n} validation errors detected: {}",
                self.errors.join("; ")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NAME: Pattern =
        Pattern::new("[a-zA-Z0-9:_-]+", LazyLock::new(|| Pattern::compile("[a-zA-Z0-9:_-]+")));
    static NAME_CONSTRAINTS: &[Constraint] =
        &[Constraint::MaxLength(128), Constraint::MinLength(1), Constraint::Pattern(&NAME)];

    #[test]
    fn one_failure_reads_like_aws() {
        let mut v = Validation::default();
        v.string("thingName", "bad name!", NAME_CONSTRAINTS);
        let err = v.finish().unwrap_err();
        assert_eq!(err.code, "InvalidRequestException");
        assert_eq!(
            err.message,
            "1 validation error detected: Value 'bad name!' at 'thingName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"
        );
    }

    #[test]
    fn failures_are_counted_and_joined() {
        let mut v = Validation::default();
        v.string("thingName", &"x".repeat(129), NAME_CONSTRAINTS);
        v.required("other", false);
        v.number("maxResults", 0.0, &[Constraint::MaxValue(250.0), Constraint::MinValue(1.0)]);
        let msg = v.finish().unwrap_err().message;
        assert!(msg.starts_with("3 validation errors detected: Value '"), "{msg}");
        assert!(msg.contains("Member must have length less than or equal to 128; "), "{msg}");
        assert!(msg.contains(
            "Value null at 'other' failed to satisfy constraint: Member must not be null"
        ));
        assert!(msg.ends_with("Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"), "{msg}");
    }

    #[test]
    fn java_posix_classes_are_translated() {
        assert_eq!(java_classes_to_rust("[\\p{Graph}\\x20]*"), "[!-~\\x20]*");
        assert_eq!(java_classes_to_rust("\\p{Digit}+"), "[0-9]+");
        assert_eq!(java_classes_to_rust("[^\\p{C}]*"), "[^\\p{C}]*", "Unicode categories stay");
        let re = Pattern::compile("[\\p{Graph}\\x20]*");
        assert!(re.is_match("light bulb type!"));
        assert!(!re.is_match("tab\there"));
        assert!(!Pattern::compile("[^\\p{Cntrl}]*").is_match("a\u{7}"));
    }

    #[test]
    fn every_pattern_of_every_model_compiles() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("model");
        let mut count = 0;
        for service in ["iot", "iot-data", "iot-jobs-data"] {
            let text = std::fs::read_to_string(dir.join(format!("{service}.json"))).unwrap();
            let model: serde_json::Value = serde_json::from_str(&text).unwrap();
            for shape in model["shapes"].as_object().unwrap().values() {
                if let Some(p) = shape["pattern"].as_str() {
                    Pattern::compile(p);
                    count += 1;
                }
            }
        }
        assert!(count > 100, "{count}");
    }

    #[test]
    fn pattern_must_match_the_whole_value() {
        assert!(NAME.matches("a:b_c-d"));
        assert!(!NAME.matches("ok but spaced"));
        assert!(!NAME.matches(""));
    }

    #[test]
    fn map_keys_list_every_constraint() {
        let mut v = Validation::default();
        let map = BTreeMap::from([("bad key".to_owned(), "v".to_owned())]);
        v.map_keys("attributePayload.attributes", &map, NAME_CONSTRAINTS);
        let msg = v.finish().unwrap_err().message;
        assert_eq!(
            msg,
            "1 validation error detected: Value '{bad key=v}' at 'attributePayload.attributes' \
             failed to satisfy constraint: Map keys must satisfy constraint: [Member must have \
             length less than or equal to 128, Member must have length greater than or equal to 1, \
             Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+]"
        );
    }

    #[test]
    fn blob_payloads_headers_and_query_lists_decode() {
        let mut req = RawRequest {
            body: Bytes::from_static(b"\x00\xffraw"),
            query: vec![
                ("k".into(), "1".into()),
                ("k".into(), "2".into()),
                ("q".into(), "x".into()),
            ],
            ..Default::default()
        };
        req.headers.insert("x-amz-flag", "true".parse().unwrap());
        assert_eq!(req.payload_blob(), Some(Blob(Bytes::from_static(b"\x00\xffraw"))));
        assert_eq!(req.query_list::<i32>("k").unwrap(), Some(vec![1, 2]));
        assert_eq!(req.query_list::<i32>("absent").unwrap(), None);
        assert_eq!(req.header::<bool>("x-amz-flag").unwrap(), Some(true));
        let err = req.query::<i32>("q").unwrap_err();
        assert_eq!((err.code, err.status), ("InvalidRequestException", 400));
        assert_eq!(RawRequest::default().payload_blob(), None);
    }

    #[test]
    fn blobs_are_base64_inside_json() {
        let b = Blob(Bytes::from_static(b"hi"));
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"aGk=\"");
        assert_eq!(serde_json::from_str::<Blob>("\"aGk=\"").unwrap(), b);
    }

    #[test]
    fn timestamps_are_epoch_seconds_with_fraction() {
        assert_eq!(serde_json::to_string(&Timestamp(1_486_687_079_743)).unwrap(), "1486687079.743");
        let t: Timestamp = serde_json::from_str("1486687079.743").unwrap();
        assert_eq!(t, Timestamp(1_486_687_079_743));
    }

    #[test]
    fn empty_body_has_no_members_and_bad_json_is_a_serialization_error() {
        #[derive(Default, Deserialize)]
        struct Body {
            a: Option<i32>,
        }
        let empty = RawRequest::default();
        assert_eq!(empty.json_body::<Body>().unwrap().a, None);
        let bad = RawRequest { body: Bytes::from_static(b"{nope"), ..Default::default() };
        let err = bad.json_body::<Body>().err().unwrap();
        assert_eq!((err.code, err.status), ("SerializationException", 400));
    }
}
