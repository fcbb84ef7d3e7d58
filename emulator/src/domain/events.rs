//! Registry events (guide L14466-15065): which event types an account has enabled
//! (UpdateEventConfigurations; all off by default, as in AWS), and the payloads of
//! the thing, thing type and thing group events with their topics.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::registry::thing_groups::{Membership, ThingGroup, group_arn};
use super::registry::thing_types::ThingType;
use super::registry::things::Thing;
use super::{Millis, Scope, StoreError};

/// The event types of the API's enum.
pub const EVENT_TYPES: [&str; 11] = [
    "THING",
    "THING_GROUP",
    "THING_TYPE",
    "THING_GROUP_MEMBERSHIP",
    "THING_GROUP_HIERARCHY",
    "THING_TYPE_ASSOCIATION",
    "JOB",
    "JOB_EXECUTION",
    "POLICY",
    "CERTIFICATE",
    "CA_CERTIFICATE",
];

/// One stored setting: enabled or not, and when it was first and last set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSetting {
    pub enabled: bool,
    pub created_at: Millis,
    pub modified_at: Millis,
}

/// Storage of event configurations, inside a transaction.
pub trait EventConfigRecords {
    fn event_settings(&self, scope: &Scope) -> Result<BTreeMap<String, EventSetting>, StoreError>;
    fn put_event_setting(
        &self,
        scope: &Scope,
        event_type: &str,
        setting: EventSetting,
    ) -> Result<(), StoreError>;
}

/// What happened to a registry resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Created,
    Updated,
    Deleted,
}

impl Operation {
    fn upper(self) -> &'static str {
        match self {
            Operation::Created => "CREATED",
            Operation::Updated => "UPDATED",
            Operation::Deleted => "DELETED",
        }
    }

    fn lower(self) -> &'static str {
        match self {
            Operation::Created => "created",
            Operation::Updated => "updated",
            Operation::Deleted => "deleted",
        }
    }
}

/// An event ready to publish: its type (for the configuration), topic and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEvent {
    pub event_type: &'static str,
    pub topic: String,
    pub payload: Value,
}

/// `$aws/events/thing/{thingName}/created|updated|deleted`.
pub fn thing_event(
    scope: &Scope,
    op: Operation,
    thing: &Thing,
    event_id: String,
    now: Millis,
) -> RegistryEvent {
    RegistryEvent {
        event_type: "THING",
        topic: format!("$aws/events/thing/{}/{}", thing.name, op.lower()),
        payload: json!({
            "eventType": "thingEvent",
            "eventId": event_id,
            "timestamp": now,
            "operation": op.upper(),
            "accountId": scope.account,
            "thingId": thing.id,
            "thingName": thing.name,
            "versionNumber": thing.version,
            "thingTypeName": thing.type_name,
            "attributes": thing.attributes,
        }),
    }
}

/// `$aws/events/thingType/{name}/created|updated|deleted`; deprecation is an update
/// (the guide's example, defect D38).
pub fn thing_type_event(
    scope: &Scope,
    op: Operation,
    t: &ThingType,
    event_id: String,
    now: Millis,
) -> RegistryEvent {
    RegistryEvent {
        event_type: "THING_TYPE",
        topic: format!("$aws/events/thingType/{}/{}", t.name, op.lower()),
        payload: json!({
            "eventType": "thingTypeEvent",
            "eventId": event_id,
            "timestamp": now,
            "operation": op.upper(),
            "accountId": scope.account,
            "thingTypeId": t.id,
            "thingTypeName": t.name,
            "isDeprecated": t.deprecated,
            "deprecationDate": t.deprecated_at,
            "searchableAttributes": t.properties.searchable_attributes,
            "description": t.properties.description,
        }),
    }
}

/// `$aws/events/thingGroup/{name}/created|updated|deleted`.
pub fn thing_group_event(
    scope: &Scope,
    op: Operation,
    group: &ThingGroup,
    parent_id: Option<&str>,
    root_to_parent: &[String],
    event_id: String,
    now: Millis,
) -> RegistryEvent {
    let chain: Option<Vec<Value>> = (!root_to_parent.is_empty()).then(|| {
        root_to_parent
            .iter()
            .map(|n| json!({ "groupName": n, "groupArn": group_arn(scope, n) }))
            .collect()
    });
    RegistryEvent {
        event_type: "THING_GROUP",
        topic: format!("$aws/events/thingGroup/{}/{}", group.name, op.lower()),
        payload: json!({
            "eventType": "thingGroupEvent",
            "eventId": event_id,
            "timestamp": now,
            "operation": op.upper(),
            "accountId": scope.account,
            "thingGroupId": group.id,
            "thingGroupName": group.name,
            "versionNumber": group.version,
            "parentGroupName": group.parent,
            "parentGroupId": parent_id,
            "description": group.description,
            "rootToParentThingGroups": chain,
            "attributes": group.attributes,
        }),
    }
}

/// A membership or a parent–child link that began or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
}

impl Change {
    fn upper(self) -> &'static str {
        match self {
            Change::Added => "ADDED",
            Change::Removed => "REMOVED",
        }
    }

    fn lower(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// `$aws/events/thingGroupMembership/thingGroup/{group}/thing/{thing}/added|removed`.
pub fn membership_event(
    scope: &Scope,
    change: Change,
    m: &Membership,
    event_id: String,
    now: Millis,
) -> RegistryEvent {
    RegistryEvent {
        event_type: "THING_GROUP_MEMBERSHIP",
        topic: format!(
            "$aws/events/thingGroupMembership/thingGroup/{}/thing/{}/{}",
            m.group.name,
            m.thing.name,
            change.lower()
        ),
        payload: json!({
            "eventType": "thingGroupMembershipEvent",
            "eventId": event_id,
            "timestamp": now,
            "operation": change.upper(),
            "accountId": scope.account,
            "groupArn": m.group.arn(scope),
            "groupId": m.group.id,
            "thingArn": m.thing.arn(scope),
            "thingId": m.thing.id,
            "membershipId": m.membership_id,
        }),
    }
}

/// `$aws/events/thingGroupHierarchy/thingGroup/{parent}/childThingGroup/{child}/added|removed`
/// (with the `/` the guide's topic lacks, defect D4).
pub fn hierarchy_event(
    scope: &Scope,
    change: Change,
    parent: &ThingGroup,
    child: &ThingGroup,
    event_id: String,
    now: Millis,
) -> RegistryEvent {
    RegistryEvent {
        event_type: "THING_GROUP_HIERARCHY",
        topic: format!(
            "$aws/events/thingGroupHierarchy/thingGroup/{}/childThingGroup/{}/{}",
            parent.name,
            child.name,
            change.lower()
        ),
        payload: json!({
            "eventType": "thingGroupHierarchyEvent",
            "eventId": event_id,
            "timestamp": now,
            "operation": change.upper(),
            "accountId": scope.account,
            "thingGroupId": parent.id,
            "thingGroupName": parent.name,
            "childGroupId": child.id,
            "childGroupName": child.name,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thing_events_carry_the_guides_fields() {
        let scope = Scope::new("123456789012", "us-east-1");
        let thing = Thing {
            name: "MyThing".into(),
            id: "b604f69c".into(),
            type_name: None,
            attributes: [("attribute1".to_string(), "value1".to_string())].into(),
            version: 1,
            created_at: 0,
        };
        let e =
            thing_event(&scope, Operation::Created, &thing, "f5ae9b94".into(), 1_502_210_967_087);
        assert_eq!(e.topic, "$aws/events/thing/MyThing/created");
        assert_eq!(
            e.payload,
            json!({
                "eventType": "thingEvent", "eventId": "f5ae9b94", "timestamp": 1_502_210_967_087_i64,
                "operation": "CREATED", "accountId": "123456789012", "thingId": "b604f69c",
                "thingName": "MyThing", "versionNumber": 1, "thingTypeName": null,
                "attributes": {"attribute1": "value1"}
            })
        );
    }
}
