//! The AWS IoT SQL dialect (guide "AWS IoT SQL Reference"): parse a rule's
//! query once, then evaluate it against each matching message; plus the
//! `${expression}` substitution templates of rule actions.
//!
//! The engine is pure: everything from outside (the message and its context)
//! comes in `MessageInput`, and the functions that call other services go
//! through `SqlEnvironment`.

mod ast;
pub mod decimal;
mod environment;
pub mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod template;
pub mod value;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod parse_error_tests;

use bytes::Bytes;

pub use environment::StaticEnvironment;
pub use error::{EvalError, Pos, SqlParseError};
pub use functions::names as function_names;
pub use functions::time::format as format_joda_time;
pub use template::Template;

use ast::{Expr, Query, Select, SelectItem};
use eval::{Ctx, Root};

/// `awsIotSqlVersion`. Ordered: each version has what the ones before it have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SqlVersion {
    V2015_10_08,
    V2016_03_23,
    /// "the most recent beta SQL version": here the same as 2016-03-23.
    Beta,
}

impl SqlVersion {
    pub fn parse(s: &str) -> Option<SqlVersion> {
        match s {
            "2015-10-08" => Some(SqlVersion::V2015_10_08),
            "2016-03-23" => Some(SqlVersion::V2016_03_23),
            "beta" => Some(SqlVersion::Beta),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SqlVersion::V2015_10_08 => "2015-10-08",
            SqlVersion::V2016_03_23 => "2016-03-23",
            SqlVersion::Beta => "beta",
        }
    }
}

/// 2015-10-08 is used when a rule gives no `awsIotSqlVersion` (guide L6572).
impl Default for SqlVersion {
    fn default() -> SqlVersion {
        SqlVersion::V2015_10_08
    }
}

/// One message as the rules engine sees it.
#[derive(Clone, Copy, Debug)]
pub struct MessageInput<'a> {
    pub topic: &'a str,
    pub payload: &'a [u8],
    /// The MQTT client id; None when the message came over HTTP (`clientid()`
    /// is then `n/a`).
    pub client_id: Option<&'a str>,
    /// Certificate id or other principal (`principal()`).
    pub principal: Option<&'a str>,
    /// When the rules engine received the message (`timestamp()`).
    pub timestamp_ms: i64,
    /// The account that owns the rule (`accountid()`).
    pub account: &'a str,
    pub region: &'a str,
    /// The MQTT message's trace id (`traceid()`); None off MQTT.
    pub trace_id: Option<&'a str>,
}

/// What the actions of a rule receive.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleOutput {
    Json(serde_json::Value),
    /// `SELECT *` over a non-JSON payload (the bytes as received), or an
    /// Undefined `SELECT VALUE` (empty, as the guide serialises Undefined).
    Binary(Bytes),
}

impl RuleOutput {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            RuleOutput::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            RuleOutput::Binary(b) => b.to_vec(),
        }
    }
}

/// The outside world for the functions that need it. Implemented by the
/// rules engine (real sinks and shadows) and by tests (fixed answers).
pub trait SqlEnvironment: Send + Sync {
    /// The present time. No function reads it: `timestamp()` and
    /// `parse_time(..., timestamp())` use `MessageInput::timestamp_ms` so that
    /// every expression and template of one message sees one instant.
    fn now_ms(&self) -> i64;
    /// `newuuid()`.
    fn new_uuid(&self) -> String;
    /// `get_thing_shadow(thingName, roleArn)`: the shadow document, or None.
    fn get_thing_shadow(&self, thing_name: &str, role_arn: &str) -> Option<serde_json::Value>;
    /// `aws_lambda(functionArn, inputJson)`: the function's JSON answer; Err
    /// fails the evaluation.
    fn aws_lambda(
        &self,
        function_arn: &str,
        event: &serde_json::Value,
    ) -> Result<serde_json::Value, String>;
    /// `machinelearning_predict(modelId, roleArn, record)`.
    fn machinelearning_predict(
        &self,
        model_id: &str,
        role_arn: &str,
        record: &serde_json::Value,
    ) -> Option<serde_json::Value>;
    /// `rand()`: uniformly distributed in [0, 1).
    fn rand(&self) -> f64 {
        (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
    }
}

/// A payload parsed once, to evaluate many rules (and templates) against.
pub struct ParsedPayload(eval::Payload);

impl ParsedPayload {
    pub fn parse(payload: &[u8]) -> ParsedPayload {
        ParsedPayload(eval::Payload::parse(payload))
    }

    pub fn is_json(&self) -> bool {
        matches!(self.0, eval::Payload::Json(_))
    }
}

/// A parsed rule query.
#[derive(Clone, Debug)]
pub struct Statement {
    version: SqlVersion,
    query: Query,
    topic_filter: String,
    refers_to_json: bool,
    star_only: bool,
    external: bool,
}

/// Parses a rule's SQL for the given version.
pub fn parse(sql: &str, version: SqlVersion) -> Result<Statement, SqlParseError> {
    let (query, topic_filter) = parser::Parser::new(sql, version)?.statement()?;
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut star_only = false;
    match &query.select {
        Select::Value(e) => exprs.push(e),
        Select::Items(items) => {
            star_only = matches!(items.as_slice(), [SelectItem::Star { alias: None }]);
            for item in items {
                if let SelectItem::Expr { expr, .. } = item {
                    exprs.push(expr);
                }
            }
        }
    }
    exprs.extend(query.where_.iter());
    let refers_to_json = exprs.iter().any(|e| e.refers_to_json_names());
    let external = exprs.iter().any(|e| e.calls(&|f| f.external));
    Ok(Statement { version, query, topic_filter, refers_to_json, star_only, external })
}

impl Statement {
    /// The FROM topic filter.
    pub fn topic_filter(&self) -> &str {
        &self.topic_filter
    }

    pub fn version(&self) -> SqlVersion {
        self.version
    }

    /// Whether the query calls `aws_lambda`, `get_thing_shadow` or
    /// `machinelearning_predict`.
    pub fn uses_external_functions(&self) -> bool {
        self.external
    }

    /// Whether the query can run on a non-JSON payload (guide "Working with
    /// Binary Payloads": no JSON names, and `*` alone or only functions).
    pub fn accepts_binary_payloads(&self) -> bool {
        !self.refers_to_json
            && match &self.query.select {
                Select::Value(_) => true,
                Select::Items(items) => {
                    self.star_only || items.iter().all(|i| matches!(i, SelectItem::Expr { .. }))
                }
            }
    }

    /// None when WHERE is not true; otherwise the payload the actions receive.
    pub fn evaluate(
        &self,
        input: &MessageInput<'_>,
        env: &dyn SqlEnvironment,
    ) -> Result<Option<RuleOutput>, EvalError> {
        self.evaluate_parsed(&ParsedPayload::parse(input.payload), input, env)
    }

    /// As [`Statement::evaluate`], with the payload already parsed.
    pub fn evaluate_parsed(
        &self,
        payload: &ParsedPayload,
        input: &MessageInput<'_>,
        env: &dyn SqlEnvironment,
    ) -> Result<Option<RuleOutput>, EvalError> {
        let payload = &payload.0;
        if matches!(payload, eval::Payload::Binary) && !self.accepts_binary_payloads() {
            return Err(EvalError::PayloadNotJson);
        }
        let ctx = Ctx { input, env, payload };
        if let Some(w) = &self.query.where_
            && !matches!(ctx.eval(w, Root::Message)?, value::Value::Bool(true))
        {
            return Ok(None);
        }
        if self.star_only {
            return Ok(Some(match payload {
                eval::Payload::Json(j) => RuleOutput::Json(j.clone()),
                eval::Payload::Binary => RuleOutput::Binary(Bytes::copy_from_slice(input.payload)),
            }));
        }
        let out = ctx.select(&self.query.select, Root::Message)?;
        Ok(Some(match out {
            value::Value::Binary(b) => RuleOutput::Binary(b),
            // Top-level arrays are a 2016-03-23 feature (guide L6819).
            value::Value::Array(_) if self.version < SqlVersion::V2016_03_23 => {
                RuleOutput::Binary(Bytes::new())
            }
            other => match other.into_json() {
                Some(j) => RuleOutput::Json(j),
                None => RuleOutput::Binary(Bytes::new()),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}

    #[test]
    fn statements_and_templates_can_be_shared_across_threads() {
        assert_send_sync::<Statement>();
        assert_send_sync::<Template>();
    }

    #[test]
    fn versions_round_trip_and_default_to_2015() {
        for v in [SqlVersion::V2015_10_08, SqlVersion::V2016_03_23, SqlVersion::Beta] {
            assert_eq!(SqlVersion::parse(v.as_str()), Some(v));
        }
        assert_eq!(SqlVersion::default(), SqlVersion::V2015_10_08);
        assert_eq!(SqlVersion::parse("2016-3-23"), None);
    }

    #[test]
    fn statement_flags() {
        let p = |sql| parse(sql, SqlVersion::V2016_03_23).unwrap();
        assert!(p("SELECT * FROM 'a/b'").accepts_binary_payloads());
        assert!(
            p("SELECT encode(*, 'base64') AS d, timestamp() AS t FROM 'a/b'")
                .accepts_binary_payloads()
        );
        assert!(p("SELECT * FROM 'a/b' WHERE timestamp() % 12 = 0").accepts_binary_payloads());
        assert!(
            !p("SELECT * FROM 'a/b' WHERE device_type = 'thermostat'").accepts_binary_payloads()
        );
        assert!(!p("SELECT *, timestamp() AS t FROM 'a/b'").accepts_binary_payloads());
        assert!(
            p("SELECT * FROM 'a/b' WHERE get_thing_shadow('t', 'r').state.x = 1")
                .uses_external_functions()
        );
        assert!(p("SELECT aws_lambda('arn', *) AS x FROM 'a/b'").uses_external_functions());
        assert!(!p("SELECT topic() AS t FROM 'a/b'").uses_external_functions());
        assert_eq!(
            p("SELECT * FROM '$aws/things/+/shadow/update/accepted'").topic_filter(),
            "$aws/things/+/shadow/update/accepted"
        );
    }

    #[test]
    fn one_parsed_payload_serves_many_rules() {
        let payload = br#"{"t": 40}"#;
        let parsed = ParsedPayload::parse(payload);
        assert!(parsed.is_json());
        assert!(!ParsedPayload::parse(b"\x01").is_json());
        let input = MessageInput {
            topic: "a/b",
            payload,
            client_id: None,
            principal: None,
            timestamp_ms: 0,
            account: "123456789012",
            region: "us-east-1",
            trace_id: None,
        };
        let env = StaticEnvironment::default();
        let hot = parse("SELECT t FROM 'a/b' WHERE t > 30", SqlVersion::default()).unwrap();
        let cold = parse("SELECT t FROM 'a/b' WHERE t > 50", SqlVersion::default()).unwrap();
        assert_eq!(
            hot.evaluate_parsed(&parsed, &input, &env).unwrap(),
            Some(RuleOutput::Json(serde_json::json!({"t": 40})))
        );
        assert_eq!(cold.evaluate_parsed(&parsed, &input, &env).unwrap(), None);
        assert_eq!(
            RuleOutput::Json(serde_json::json!({"t": 40})).to_bytes(),
            br#"{"t":40}"#.to_vec()
        );
    }
}
