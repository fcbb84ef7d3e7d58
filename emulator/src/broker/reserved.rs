//! The reserved-topic allow-list (guide L6241-6265 and seed-inventory §3, which completes
//! the guide's table with the jobs, certificate and registry event topics: DEFECT D1).
//!
//! "Any topics beginning with `$` are considered reserved and are not supported for
//! publishing and subscribing except for those topics listed below. Any other attempts
//! to publish or subscribe on topics beginning with `$` will result in a terminated
//! connection." (L6243). Device-to-service topics allow publish and subscribe, as the
//! guide's table does for `shadow/update`, `shadow/get` and `shadow/delete`;
//! service-to-device topics allow subscribe only; Basic Ingest allows publish only.
//!
//! Pattern syntax: `*` is one non-empty level (a thing name, client id, job id, ...),
//! `**` (last only) is zero or more further levels.

/// What a client wants to do on a reserved topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservedOp {
    Publish,
    Subscribe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    /// Device to service: publish and subscribe.
    PubSub,
    /// Service to device: subscribe only.
    Sub,
    /// Basic Ingest: publish only.
    Pub,
}

/// `(pattern, allowed operations, where it comes from)`.
const PATTERNS: &[(&str, Dir)] = &[
    // §3.1 lifecycle events (L6246-6249)
    ("$aws/events/presence/connected/*", Dir::Sub),
    ("$aws/events/presence/disconnected/*", Dir::Sub),
    ("$aws/events/subscriptions/subscribed/*", Dir::Sub),
    ("$aws/events/subscriptions/unsubscribed/*", Dir::Sub),
    // §3.2 classic shadow (L6250-6265)
    ("$aws/things/*/shadow/update", Dir::PubSub),
    ("$aws/things/*/shadow/update/accepted", Dir::Sub),
    ("$aws/things/*/shadow/update/rejected", Dir::Sub),
    ("$aws/things/*/shadow/update/delta", Dir::Sub),
    ("$aws/things/*/shadow/update/documents", Dir::Sub),
    ("$aws/things/*/shadow/get", Dir::PubSub),
    ("$aws/things/*/shadow/get/accepted", Dir::Sub),
    ("$aws/things/*/shadow/get/rejected", Dir::Sub),
    ("$aws/things/*/shadow/delete", Dir::PubSub),
    ("$aws/things/*/shadow/delete/accepted", Dir::Sub),
    ("$aws/things/*/shadow/delete/rejected", Dir::Sub),
    // Named shadows (today's AWS, DESIGN D5)
    ("$aws/things/*/shadow/name/*/update", Dir::PubSub),
    ("$aws/things/*/shadow/name/*/update/accepted", Dir::Sub),
    ("$aws/things/*/shadow/name/*/update/rejected", Dir::Sub),
    ("$aws/things/*/shadow/name/*/update/delta", Dir::Sub),
    ("$aws/things/*/shadow/name/*/update/documents", Dir::Sub),
    ("$aws/things/*/shadow/name/*/get", Dir::PubSub),
    ("$aws/things/*/shadow/name/*/get/accepted", Dir::Sub),
    ("$aws/things/*/shadow/name/*/get/rejected", Dir::Sub),
    ("$aws/things/*/shadow/name/*/delete", Dir::PubSub),
    ("$aws/things/*/shadow/name/*/delete/accepted", Dir::Sub),
    ("$aws/things/*/shadow/name/*/delete/rejected", Dir::Sub),
    // §3.3 jobs device topics (L11956-11991, L13393-13928); `*` as job id covers `$next`
    ("$aws/things/*/jobs/notify", Dir::Sub),
    ("$aws/things/*/jobs/notify-next", Dir::Sub),
    ("$aws/things/*/jobs/get", Dir::PubSub),
    ("$aws/things/*/jobs/get/accepted", Dir::Sub),
    ("$aws/things/*/jobs/get/rejected", Dir::Sub),
    ("$aws/things/*/jobs/start-next", Dir::PubSub),
    ("$aws/things/*/jobs/start-next/accepted", Dir::Sub),
    ("$aws/things/*/jobs/start-next/rejected", Dir::Sub),
    ("$aws/things/*/jobs/*/get", Dir::PubSub),
    ("$aws/things/*/jobs/*/get/accepted", Dir::Sub),
    ("$aws/things/*/jobs/*/get/rejected", Dir::Sub),
    ("$aws/things/*/jobs/*/update", Dir::PubSub),
    ("$aws/things/*/jobs/*/update/accepted", Dir::Sub),
    ("$aws/things/*/jobs/*/update/rejected", Dir::Sub),
    // §3.4 certificate registration (L4162-4186)
    ("$aws/events/certificates/registered/*", Dir::Sub),
    // §3.5 registry events (L14498-15065)
    ("$aws/events/thing/*/created", Dir::Sub),
    ("$aws/events/thing/*/updated", Dir::Sub),
    ("$aws/events/thing/*/deleted", Dir::Sub),
    ("$aws/events/thingGroup/*/created", Dir::Sub),
    ("$aws/events/thingGroup/*/updated", Dir::Sub),
    ("$aws/events/thingGroup/*/deleted", Dir::Sub),
    ("$aws/events/thingType/*/created", Dir::Sub),
    ("$aws/events/thingType/*/updated", Dir::Sub),
    ("$aws/events/thingType/*/deleted", Dir::Sub),
    ("$aws/events/thingTypeAssociation/thing/*/*", Dir::Sub),
    ("$aws/events/thingGroupMembership/thingGroup/*/thing/*/added", Dir::Sub),
    ("$aws/events/thingGroupMembership/thingGroup/*/thing/*/removed", Dir::Sub),
    ("$aws/events/thingGroupHierarchy/thingGroup/*/childThingGroup/*/added", Dir::Sub),
    ("$aws/events/thingGroupHierarchy/thingGroup/*/childThingGroup/*/removed", Dir::Sub),
    // §3.6 jobs events (L11993-12062)
    ("$aws/events/job/*/completed", Dir::Sub),
    ("$aws/events/job/*/canceled", Dir::Sub),
    ("$aws/events/job/*/deleted", Dir::Sub), // today's AWS
    ("$aws/events/jobExecution/*/succeeded", Dir::Sub),
    ("$aws/events/jobExecution/*/failed", Dir::Sub),
    ("$aws/events/jobExecution/*/rejected", Dir::Sub),
    ("$aws/events/jobExecution/*/canceled", Dir::Sub),
    ("$aws/events/jobExecution/*/timed_out", Dir::Sub), // today's AWS
    ("$aws/events/jobExecution/*/removed", Dir::Sub),   // today's AWS
    ("$aws/events/jobExecution/*/deleted", Dir::Sub),   // today's AWS
    // Fleet provisioning by claim (today's AWS, DESIGN D5)
    ("$aws/certificates/create/json", Dir::PubSub),
    ("$aws/certificates/create/json/accepted", Dir::Sub),
    ("$aws/certificates/create/json/rejected", Dir::Sub),
    ("$aws/certificates/create/cbor", Dir::PubSub),
    ("$aws/certificates/create/cbor/accepted", Dir::Sub),
    ("$aws/certificates/create/cbor/rejected", Dir::Sub),
    ("$aws/certificates/create-from-csr/json", Dir::PubSub),
    ("$aws/certificates/create-from-csr/json/accepted", Dir::Sub),
    ("$aws/certificates/create-from-csr/json/rejected", Dir::Sub),
    ("$aws/certificates/create-from-csr/cbor", Dir::PubSub),
    ("$aws/certificates/create-from-csr/cbor/accepted", Dir::Sub),
    ("$aws/certificates/create-from-csr/cbor/rejected", Dir::Sub),
    ("$aws/provisioning-templates/*/provision/json", Dir::PubSub),
    ("$aws/provisioning-templates/*/provision/json/accepted", Dir::Sub),
    ("$aws/provisioning-templates/*/provision/json/rejected", Dir::Sub),
    ("$aws/provisioning-templates/*/provision/cbor", Dir::PubSub),
    ("$aws/provisioning-templates/*/provision/cbor/accepted", Dir::Sub),
    ("$aws/provisioning-templates/*/provision/cbor/rejected", Dir::Sub),
    // Basic Ingest: `$aws/rules/{ruleName}/...` goes straight to the rule (publish only)
    ("$aws/rules/*/**", Dir::Pub),
];

fn allows(dir: Dir, op: ReservedOp) -> bool {
    match op {
        ReservedOp::Publish => matches!(dir, Dir::PubSub | Dir::Pub),
        ReservedOp::Subscribe => matches!(dir, Dir::PubSub | Dir::Sub),
    }
}

/// Whether the topic name matches the pattern.
fn name_matches(pattern: &str, topic: &str) -> bool {
    let mut p = pattern.split('/');
    let mut t = topic.split('/');
    loop {
        match (p.next(), t.next()) {
            (Some("**"), _) => return true,
            (Some("*"), Some(l)) if !l.is_empty() => {}
            (Some(pl), Some(tl)) if pl != "*" && pl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether the topic filter matches at least one topic the pattern describes.
fn filter_overlaps(pattern: &str, filter: &str) -> bool {
    let mut p = pattern.split('/');
    let mut f = filter.split('/');
    loop {
        match (p.next(), f.next()) {
            (_, Some("#")) => return true,
            (Some("**"), _) => return true,
            (Some(_), Some("+")) => {}
            (Some("*"), Some(l)) if !l.is_empty() => {}
            (Some(pl), Some(fl)) if pl != "*" && pl == fl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether a client may publish to the reserved topic name `topic`. Topics that do not
/// start with `$` are not reserved and always pass.
pub fn publish_allowed(topic: &str) -> bool {
    !topic.starts_with('$')
        || PATTERNS.iter().any(|(p, d)| allows(*d, ReservedOp::Publish) && name_matches(p, topic))
}

/// Whether a client may subscribe to the topic filter `filter`: a `$` filter passes when
/// it can match at least one topic that clients may subscribe to (so
/// `$aws/things/+/shadow/#` and `$aws/events/#` pass, `$SYS/#` does not).
pub fn subscribe_allowed(filter: &str) -> bool {
    !filter.starts_with('$')
        || PATTERNS
            .iter()
            .any(|(p, d)| allows(*d, ReservedOp::Subscribe) && filter_overlaps(p, filter))
}

/// Whether `op` on `topic` (a topic name for publish, a filter for subscribe) is allowed.
pub fn allowed(topic: &str, op: ReservedOp) -> bool {
    match op {
        ReservedOp::Publish => publish_allowed(topic),
        ReservedOp::Subscribe => subscribe_allowed(topic),
    }
}

#[cfg(test)]
mod tests {
    use super::ReservedOp::{Publish, Subscribe};
    use super::*;

    #[test]
    fn allow_list() {
        // (topic or filter, publish allowed, subscribe allowed)
        let table: &[(&str, bool, bool)] = &[
            // not reserved
            ("a/b", true, true),
            ("#", true, true),
            ("+/x", true, true),
            // unknown `$` topics
            ("$SYS/broker/uptime", false, false),
            ("$SYS/#", false, false),
            ("$aws", false, false),
            ("$aws/foo", false, false),
            ("$aws/things/t/shadow/bogus", false, false),
            ("$aws/things//shadow/update", false, false),
            ("$aws/things/t/shadow/update/extra/level", false, false),
            ("$share/g/a/b", false, false),
            // §3.1 lifecycle (subscribe only)
            ("$aws/events/presence/connected/c1", false, true),
            ("$aws/events/presence/disconnected/c1", false, true),
            ("$aws/events/presence/connected/+", false, true),
            ("$aws/events/presence/#", false, true),
            ("$aws/events/subscriptions/subscribed/c1", false, true),
            ("$aws/events/subscriptions/unsubscribed/c1", false, true),
            ("$aws/events/#", false, true),
            ("$aws/#", false, true),
            // §3.2 shadow
            ("$aws/things/t/shadow/update", true, true),
            ("$aws/things/t/shadow/get", true, true),
            ("$aws/things/t/shadow/delete", true, true),
            ("$aws/things/t/shadow/update/accepted", false, true),
            ("$aws/things/t/shadow/update/rejected", false, true),
            ("$aws/things/t/shadow/update/delta", false, true),
            ("$aws/things/t/shadow/update/documents", false, true),
            ("$aws/things/t/shadow/get/accepted", false, true),
            ("$aws/things/t/shadow/get/rejected", false, true),
            ("$aws/things/t/shadow/delete/accepted", false, true),
            ("$aws/things/t/shadow/delete/rejected", false, true),
            ("$aws/things/+/shadow/#", false, true),
            ("$aws/things/t/shadow/update/+", false, true),
            // named shadows
            ("$aws/things/t/shadow/name/s/update", true, true),
            ("$aws/things/t/shadow/name/s/get", true, true),
            ("$aws/things/t/shadow/name/s/delete", true, true),
            ("$aws/things/t/shadow/name/s/update/delta", false, true),
            ("$aws/things/t/shadow/name/s/get/accepted", false, true),
            ("$aws/things/t/shadow/name/+/update/documents", false, true),
            // §3.3 jobs
            ("$aws/things/t/jobs/notify", false, true),
            ("$aws/things/t/jobs/notify-next", false, true),
            ("$aws/things/t/jobs/get", true, true),
            ("$aws/things/t/jobs/get/accepted", false, true),
            ("$aws/things/t/jobs/get/rejected", false, true),
            ("$aws/things/t/jobs/get/#", false, true),
            ("$aws/things/t/jobs/start-next", true, true),
            ("$aws/things/t/jobs/start-next/accepted", false, true),
            ("$aws/things/t/jobs/start-next/rejected", false, true),
            ("$aws/things/t/jobs/job-1/get", true, true),
            ("$aws/things/t/jobs/$next/get", true, true),
            ("$aws/things/t/jobs/job-1/get/accepted", false, true),
            ("$aws/things/t/jobs/job-1/get/rejected", false, true),
            ("$aws/things/t/jobs/job-1/update", true, true),
            ("$aws/things/t/jobs/job-1/update/accepted", false, true),
            ("$aws/things/t/jobs/job-1/update/rejected", false, true),
            ("$aws/things/t/jobs/job-1/bogus", false, false),
            // §3.4
            ("$aws/events/certificates/registered/abc123", false, true),
            // §3.5
            ("$aws/events/thing/t/created", false, true),
            ("$aws/events/thing/t/updated", false, true),
            ("$aws/events/thing/t/deleted", false, true),
            ("$aws/events/thingGroup/g/created", false, true),
            ("$aws/events/thingGroup/g/updated", false, true),
            ("$aws/events/thingGroup/g/deleted", false, true),
            ("$aws/events/thingType/tt/created", false, true),
            ("$aws/events/thingType/tt/updated", false, true),
            ("$aws/events/thingType/tt/deleted", false, true),
            ("$aws/events/thingTypeAssociation/thing/t/tt", false, true),
            ("$aws/events/thingGroupMembership/thingGroup/g/thing/t/added", false, true),
            ("$aws/events/thingGroupMembership/thingGroup/g/thing/t/removed", false, true),
            ("$aws/events/thingGroupHierarchy/thingGroup/p/childThingGroup/c/added", false, true),
            ("$aws/events/thingGroupHierarchy/thingGroup/p/childThingGroup/c/removed", false, true),
            ("$aws/events/thing/t/renamed", false, false),
            // §3.6
            ("$aws/events/job/j/completed", false, true),
            ("$aws/events/job/j/canceled", false, true),
            ("$aws/events/jobExecution/j/succeeded", false, true),
            ("$aws/events/jobExecution/j/failed", false, true),
            ("$aws/events/jobExecution/j/rejected", false, true),
            ("$aws/events/jobExecution/j/canceled", false, true),
            // fleet provisioning
            ("$aws/certificates/create/json", true, true),
            ("$aws/certificates/create/json/accepted", false, true),
            ("$aws/certificates/create-from-csr/json/rejected", false, true),
            ("$aws/certificates/create/cbor", true, true),
            ("$aws/provisioning-templates/tmpl/provision/json", true, true),
            ("$aws/provisioning-templates/tmpl/provision/json/accepted", false, true),
            ("$aws/provisioning-templates/tmpl/provision/cbor/rejected", false, true),
            ("$aws/certificates/create/xml", false, false),
            // Basic Ingest
            ("$aws/rules/myRule", true, false),
            ("$aws/rules/myRule/a/b", true, false),
            ("$aws/rules/", false, false),
        ];
        for (topic, publish, subscribe) in table {
            if !topic.contains(['+', '#']) {
                assert_eq!(allowed(topic, Publish), *publish, "publish {topic}");
            }
            assert_eq!(allowed(topic, Subscribe), *subscribe, "subscribe {topic}");
        }
    }
}
