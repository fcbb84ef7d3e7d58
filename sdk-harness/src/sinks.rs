//! [`SinkInspector`]: a thin typed client of `/_emulator/sinks`, where rule actions
//! deliver what the real service would have received (DESIGN D7).
//!
//! The records stay JSON: their fields are the emulator's to define, one shape per
//! action kind, and a snapshot shows them whole.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::api::Api;

/// How often `wait_for` asks again: the endpoints answer from memory, so this is
/// short.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// One record a sink kept: what a rule action sent (its fields depend on the kind).
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    pub json: Value,
}

impl SinkRecord {
    /// One field of the record.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.json.get(field)
    }

    /// The action kind (`s3`, `sns`, `republish`, ...), if the record names it.
    pub fn kind(&self) -> Option<&str> {
        self.json.get("kind").and_then(Value::as_str)
    }

    /// The rule whose action this was, if the record names it.
    pub fn rule(&self) -> Option<&str> {
        ["rule", "ruleName"].iter().find_map(|k| self.json.get(*k)?.as_str())
    }
}

/// The records of an answer: a bare array, or an object with the array under
/// `records` (or under a kind's name, one array per kind).
fn records_of(body: Value) -> Result<Vec<SinkRecord>> {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("records") {
            Some(Value::Array(items)) => items,
            Some(other) => bail!("`records` is not an array: {other}"),
            None => map
                .into_iter()
                .filter_map(|(_, v)| match v {
                    Value::Array(items) => Some(items),
                    _ => None,
                })
                .flatten()
                .collect(),
        },
        other => bail!("a sinks answer is an array or an object, not {other}"),
    };
    Ok(items.into_iter().map(|json| SinkRecord { json }).collect())
}

/// Reads and clears the fake sinks of one emulator.
#[derive(Debug, Clone)]
pub struct SinkInspector {
    api: Api,
}

impl SinkInspector {
    pub(crate) fn new(api: Api) -> SinkInspector {
        SinkInspector { api }
    }

    fn path(kind: Option<&str>) -> String {
        match kind {
            Some(kind) => format!("/_emulator/sinks/{kind}"),
            None => "/_emulator/sinks".to_owned(),
        }
    }

    /// `GET /_emulator/sinks[/{kind}]`: every record, or one kind's.
    pub async fn records(&self, kind: Option<&str>) -> Result<Vec<SinkRecord>> {
        self.get(&SinkInspector::path(kind)).await
    }

    /// `GET /_emulator/sinks/{kind}?rule=NAME`: one rule's records of one kind.
    pub async fn records_of_rule(&self, kind: &str, rule: &str) -> Result<Vec<SinkRecord>> {
        self.get(&format!("/_emulator/sinks/{kind}?rule={rule}")).await
    }

    async fn get(&self, path: &str) -> Result<Vec<SinkRecord>> {
        let reply = self.api.send(http::Method::GET, path, None, None).await?;
        if reply.status == 404 && reply.error_type.is_none() {
            bail!("GET {path}: 404: this emulator has no sinks endpoint (no rules engine?)");
        }
        records_of(reply.success()?.json()?).with_context(|| format!("reading GET {path}"))
    }

    /// Waits until `kind` (or every sink, for `None`) holds at least `n` records;
    /// all of them.
    pub async fn wait_for(
        &self,
        kind: Option<&str>,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<SinkRecord>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let records = self.records(kind).await?;
            if records.len() >= n {
                return Ok(records);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!(
                    "{} of {n} records in {} within {timeout:?}",
                    records.len(),
                    SinkInspector::path(kind)
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// `DELETE /_emulator/sinks[/{kind}]`: forgets the records.
    pub async fn clear(&self, kind: Option<&str>) -> Result<()> {
        let path = SinkInspector::path(kind);
        self.api.send(http::Method::DELETE, &path, None, None).await?.success()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_of_every_accepted_shape() {
        let a = json!({"kind": "s3", "rule": "r", "key": "k"});
        let b = json!({"kind": "sns", "ruleName": "q"});
        let bare = records_of(json!([a, b])).unwrap();
        assert_eq!(bare.len(), 2);
        assert_eq!((bare[0].kind(), bare[0].rule()), (Some("s3"), Some("r")));
        assert_eq!(bare[1].rule(), Some("q"));
        assert_eq!(records_of(json!({"records": [a]})).unwrap().len(), 1);
        assert_eq!(records_of(json!({"s3": [a], "sns": [b, b]})).unwrap().len(), 3);
        assert!(records_of(json!({"records": 1})).is_err());
        assert!(records_of(json!("x")).is_err());
    }
}
