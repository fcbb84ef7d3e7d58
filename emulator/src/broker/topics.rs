//! Topic names and topic filters: validation against the broker limits and MQTT
//! matching with AWS IoT's rules (guide L6231-6239, seed-inventory §2.3).
//!
//! * `/` separates levels; `+` matches exactly one level; `#` matches the rest and must
//!   be the last level, alone in it.
//! * Per the guide (L6238) `Sensor/#` does **not** match `Sensor` (DEFECT D2); MQTT
//!   3.1.1 says it does. `hash_matches_parent` switches to the MQTT behaviour.
//! * Filters whose first level is `+` or `#` never match topics starting with `$`.

use thiserror::Error;

/// Why a topic name or filter is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TopicError {
    #[error("the topic is empty")]
    Empty,
    #[error("a topic name must not contain '+' or '#'")]
    Wildcard,
    #[error("'#' must be the last level and '+' and '#' must be alone in their level")]
    InvalidWildcard,
    #[error("the topic contains a NUL character")]
    Nul,
    #[error("the topic is longer than {0} bytes")]
    TooLong(usize),
    #[error("the topic has more than {0} forward slashes")]
    TooManySlashes(usize),
}

/// The size limits of topic names and filters (EXTERNAL, not in the guide: AWS IoT
/// allows 256 bytes and 7 forward slashes; see seed-inventory §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicLimits {
    pub max_len: usize,
    pub max_slashes: usize,
}

impl Default for TopicLimits {
    fn default() -> Self {
        TopicLimits { max_len: 256, max_slashes: 7 }
    }
}

/// Whether `topic` (name or filter) is in the reserved `$` namespace.
pub fn is_reserved(topic: &str) -> bool {
    topic.starts_with('$')
}

/// The part of a topic the limits apply to: Basic Ingest's `$aws/rules/{rule}/` prefix
/// does not count (EXTERNAL: AWS IoT excludes it from the length and slash limits).
fn limited_part(topic: &str) -> &str {
    if let Some(rest) = topic.strip_prefix("$aws/rules/") {
        match rest.find('/') {
            Some(i) => &rest[i + 1..],
            None => "",
        }
    } else {
        topic
    }
}

fn check_limits(topic: &str, limits: TopicLimits) -> Result<(), TopicError> {
    let part = limited_part(topic);
    if part.len() > limits.max_len {
        return Err(TopicError::TooLong(limits.max_len));
    }
    if part.bytes().filter(|b| *b == b'/').count() > limits.max_slashes {
        return Err(TopicError::TooManySlashes(limits.max_slashes));
    }
    Ok(())
}

/// Checks a topic name (what PUBLISH carries): not empty, no wildcard, no NUL.
pub fn validate_topic_name_syntax(topic: &str) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty);
    }
    if topic.contains(['+', '#']) {
        return Err(TopicError::Wildcard);
    }
    if topic.contains('\0') {
        return Err(TopicError::Nul);
    }
    Ok(())
}

/// Checks a topic name against the syntax rules and the size limits.
pub fn validate_topic_name(topic: &str, limits: TopicLimits) -> Result<(), TopicError> {
    validate_topic_name_syntax(topic)?;
    check_limits(topic, limits)
}

/// Checks a topic filter (what SUBSCRIBE carries): not empty, `#` last and alone in its
/// level, `+` alone in its level, no NUL, and the size limits.
pub fn validate_topic_filter(filter: &str, limits: TopicLimits) -> Result<(), TopicError> {
    if filter.is_empty() {
        return Err(TopicError::Empty);
    }
    if filter.contains('\0') {
        return Err(TopicError::Nul);
    }
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        let last = levels.peek().is_none();
        if level.contains(['+', '#']) && level.len() != 1 {
            return Err(TopicError::InvalidWildcard);
        }
        if level == "#" && !last {
            return Err(TopicError::InvalidWildcard);
        }
    }
    check_limits(filter, limits)
}

/// Whether a (valid) topic filter matches a (valid) topic name.
pub fn matches(filter: &str, topic: &str, hash_matches_parent: bool) -> bool {
    if is_reserved(topic) && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), Some(_)) => return true,
            (Some("#"), None) => return hash_matches_parent,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names() {
        let l = TopicLimits::default();
        assert_eq!(validate_topic_name("a/b", l), Ok(()));
        assert_eq!(validate_topic_name("/", l), Ok(()));
        assert_eq!(validate_topic_name("", l), Err(TopicError::Empty));
        assert_eq!(validate_topic_name("a/+", l), Err(TopicError::Wildcard));
        assert_eq!(validate_topic_name("a/#", l), Err(TopicError::Wildcard));
        assert_eq!(validate_topic_name("a\0", l), Err(TopicError::Nul));
        assert_eq!(validate_topic_name(&"x".repeat(256), l), Ok(()));
        assert_eq!(validate_topic_name(&"x".repeat(257), l), Err(TopicError::TooLong(256)));
        assert_eq!(validate_topic_name("1/2/3/4/5/6/7/8", l), Ok(()));
        assert_eq!(validate_topic_name("1/2/3/4/5/6/7/8/9", l), Err(TopicError::TooManySlashes(7)));
        // Basic Ingest's prefix does not count.
        assert_eq!(validate_topic_name("$aws/rules/r/1/2/3/4/5/6/7/8", l), Ok(()));
    }

    #[test]
    fn topic_filters() {
        let l = TopicLimits::default();
        for ok in ["#", "+", "a/#", "a/+/b", "+/+", "/#", "a//b", "$aws/things/+/shadow/#"] {
            assert_eq!(validate_topic_filter(ok, l), Ok(()), "{ok}");
        }
        for bad in ["a#", "a/#/b", "a/b+", "+a", "##", "a/++"] {
            assert_eq!(validate_topic_filter(bad, l), Err(TopicError::InvalidWildcard), "{bad}");
        }
        assert_eq!(validate_topic_filter("", l), Err(TopicError::Empty));
        assert_eq!(
            validate_topic_filter("1/2/3/4/5/6/7/8/#", l),
            Err(TopicError::TooManySlashes(7))
        );
    }

    #[test]
    fn matching_as_the_guide_says() {
        // L6238: Sensor/# receives Sensor/, Sensor/temp, Sensor/temp/room1, not Sensor.
        assert!(matches("Sensor/#", "Sensor/", false));
        assert!(matches("Sensor/#", "Sensor/temp", false));
        assert!(matches("Sensor/#", "Sensor/temp/room1", false));
        assert!(!matches("Sensor/#", "Sensor", false));
        assert!(matches("Sensor/#", "Sensor", true));
        // L6239
        assert!(matches("Sensor/+/room1", "Sensor/temp/room1", true));
        assert!(matches("Sensor/+/room1", "Sensor/moisture/room1", true));
        assert!(!matches("Sensor/+/room1", "Sensor/temp/room2", true));
        assert!(!matches("Sensor/+", "Sensor/temp/room1", true));
        assert!(matches("a/+", "a/", true));
        assert!(matches("#", "a", false));
        assert!(matches("#", "a/b/c", false));
        assert!(matches("+/+", "/x", false));
        // L9433-9463 (rule FROM clauses)
        assert!(matches("a/#", "a/e/f", false));
        assert!(!matches("a/+", "a/e/f", false));
        // `$` rules
        assert!(!matches("#", "$aws/things/t/shadow/update", true));
        assert!(!matches("+/things/t/shadow/update", "$aws/things/t/shadow/update", true));
        assert!(matches("$aws/things/+/shadow/#", "$aws/things/t/shadow/update", false));
        assert!(matches("$aws/#", "$aws/x", false));
        assert!(!matches("a/b", "a/b/c", true));
        assert!(!matches("a/b/c", "a/b", true));
    }
}
