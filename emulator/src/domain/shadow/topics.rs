//! The shadow MQTT topics (guide L11006-11388; named shadows from today's AWS):
//! recognising a request topic and naming its response topics.

/// A shadow operation requested over MQTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShadowOp {
    Update,
    Get,
    Delete,
}

impl ShadowOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ShadowOp::Update => "update",
            ShadowOp::Get => "get",
            ShadowOp::Delete => "delete",
        }
    }
}

/// A request topic: `$aws/things/{thing}/shadow[/name/{name}]/{update|get|delete}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowTopic<'a> {
    pub thing: &'a str,
    pub name: Option<&'a str>,
    pub op: ShadowOp,
}

/// Longest shadow name (the iot-data model's ShadowName).
pub const MAX_SHADOW_NAME: usize = 64;

/// Whether `name` is a valid shadow name: 1-64 of `[$a-zA-Z0-9:_-]`.
pub fn valid_shadow_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_SHADOW_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"$:_-".contains(&b))
}

/// The request a topic names, if it is a shadow request topic.
pub fn parse(topic: &str) -> Option<ShadowTopic<'_>> {
    let rest = topic.strip_prefix("$aws/things/")?;
    let (thing, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("shadow/")?;
    let (name, op) = match rest.strip_prefix("name/") {
        Some(named) => {
            let (name, op) = named.split_once('/')?;
            (Some(name), op)
        }
        None => (None, rest),
    };
    let op = match op {
        "update" => ShadowOp::Update,
        "get" => ShadowOp::Get,
        "delete" => ShadowOp::Delete,
        _ => return None,
    };
    if thing.is_empty() || name.is_some_and(|n| n.is_empty()) {
        return None;
    }
    Some(ShadowTopic { thing, name, op })
}

impl ShadowTopic<'_> {
    /// `{request topic}/{suffix}`, e.g. `accepted`, `rejected`, `delta`, `documents`.
    pub fn response(&self, suffix: &str) -> String {
        match self.name {
            None => format!("$aws/things/{}/shadow/{}/{suffix}", self.thing, self.op.as_str()),
            Some(n) => {
                format!("$aws/things/{}/shadow/name/{n}/{}/{suffix}", self.thing, self.op.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_topics_parse_and_responses_are_named_after_them() {
        let t = parse("$aws/things/bulb/shadow/update").unwrap();
        assert_eq!((t.thing, t.name, t.op), ("bulb", None, ShadowOp::Update));
        assert_eq!(t.response("accepted"), "$aws/things/bulb/shadow/update/accepted");
        let n = parse("$aws/things/bulb/shadow/name/cfg/get").unwrap();
        assert_eq!((n.thing, n.name, n.op), ("bulb", Some("cfg"), ShadowOp::Get));
        assert_eq!(n.response("rejected"), "$aws/things/bulb/shadow/name/cfg/get/rejected");
        for not_a_request in [
            "$aws/things/bulb/shadow/update/accepted",
            "$aws/things/bulb/shadow/name/cfg/update/delta",
            "$aws/things/bulb/shadow/bogus",
            "$aws/things//shadow/get",
            "$aws/things/bulb/shadow/name//get",
            "things/bulb/shadow/get",
            "$aws/things/bulb/jobs/get",
        ] {
            assert_eq!(parse(not_a_request), None, "{not_a_request}");
        }
    }

    #[test]
    fn shadow_names_follow_the_model() {
        assert!(valid_shadow_name("cfg:1_$-x"));
        assert!(!valid_shadow_name(""));
        assert!(!valid_shadow_name("a b"));
        assert!(!valid_shadow_name(&"x".repeat(65)));
    }
}
