//! MQTT topic-filter matching as inspections and rule queries use it: `+` is one
//! level, `#` the rest (no `$` rule here; callers that need it add it).

/// Whether `filter` matches the topic name `topic`.
pub fn wildcard_matches(filter: &str, topic: &str) -> bool {
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
