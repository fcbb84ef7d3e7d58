//! [`MessageTap`]: a typed client of `/_emulator/messages`, the broker's record of
//! every message it accepted (`published`) and every delivery (`delivered`).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::api::Api;
use crate::sinks::POLL_INTERVAL;

/// One tap record, as `/_emulator/messages` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TapRecord {
    pub sequence: u64,
    /// `published` or `delivered`.
    pub kind: String,
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
    /// The publisher's principal (a certificate id for a device over mutual TLS).
    pub principal: Option<String>,
    /// Epoch milliseconds.
    pub timestamp: i64,
}

/// Which tap records to read; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TapFilter {
    /// `published` or `delivered`.
    pub kind: Option<String>,
    /// An MQTT topic filter.
    pub topic: Option<String>,
    pub client_id: Option<String>,
    /// Only records after this sequence number.
    pub after: Option<u64>,
}

impl TapFilter {
    /// What the broker accepted on topics matching `filter`.
    pub fn published(filter: &str) -> TapFilter {
        TapFilter {
            kind: Some("published".into()),
            topic: Some(filter.into()),
            ..TapFilter::default()
        }
    }

    /// What the broker delivered on topics matching `filter`.
    pub fn delivered(filter: &str) -> TapFilter {
        TapFilter {
            kind: Some("delivered".into()),
            topic: Some(filter.into()),
            ..TapFilter::default()
        }
    }

    /// Only records for (delivered) or from (published) `client_id`.
    pub fn client_id(mut self, client_id: &str) -> TapFilter {
        self.client_id = Some(client_id.into());
        self
    }

    fn query(&self) -> String {
        let mut q = Vec::new();
        let mut add = |k: &str, v: &str| q.push(format!("{k}={}", encode(v)));
        if let Some(v) = &self.kind {
            add("kind", v);
        }
        if let Some(v) = &self.topic {
            add("topic", v);
        }
        if let Some(v) = &self.client_id {
            add("clientId", v);
        }
        if let Some(v) = self.after {
            add("after", &v.to_string());
        }
        q.join("&")
    }
}

/// Percent-encodes a query value (MQTT wildcards and `$` included).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Reads and clears the test tap.
#[derive(Debug, Clone)]
pub struct MessageTap {
    api: Api,
}

impl MessageTap {
    pub(crate) fn new(api: Api) -> MessageTap {
        MessageTap { api }
    }

    /// The records `filter` selects, oldest first.
    pub async fn records(&self, filter: &TapFilter) -> Result<Vec<TapRecord>> {
        let body = self.api.get_json(&format!("/_emulator/messages?{}", filter.query())).await?;
        let messages = body.get("messages").cloned().unwrap_or(Value::Null);
        serde_json::from_value(messages).context("reading the tap records")
    }

    /// Waits until `filter` selects at least `n` records; all of them.
    pub async fn wait_for(
        &self,
        filter: &TapFilter,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<TapRecord>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let records = self.records(filter).await?;
            if records.len() >= n {
                return Ok(records);
            }
            if tokio::time::Instant::now() >= deadline {
                let topics: Vec<&str> = records.iter().map(|r| r.topic.as_str()).collect();
                bail!(
                    "{} of {n} tap records for {filter:?} within {timeout:?}: {topics:?}",
                    records.len()
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Forgets every record.
    pub async fn clear(&self) -> Result<()> {
        self.api.send(http::Method::DELETE, "/_emulator/messages", None, None).await?.success()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_query_strings() {
        let f = TapFilter::delivered("$aws/things/+/shadow/#").client_id("a b");
        assert_eq!(f.query(), "kind=delivered&topic=%24aws/things/%2B/shadow/%23&clientId=a%20b");
        assert_eq!(TapFilter::default().query(), "");
    }
}
