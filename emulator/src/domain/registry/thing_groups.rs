//! Static thing groups: a hierarchy fixed at creation, attributes, membership of
//! things, with the guide's limits (L3318-3369, L3422-3424, L3631-3644): one parent set
//! only at creation, depth 7, 100 direct children, 50 attributes, a thing in at most
//! 10 groups and never in two groups of one hierarchy.

use std::collections::BTreeMap;

use super::RegistryError;
use super::things::{Thing, not_found as thing_not_found};
use crate::domain::paging::{page_limit, paginate};
use crate::domain::tags::add_tags;
use crate::domain::{Clock, IdGen, Millis, Scope, Store, StoreError, Tx};

pub const MAX_DEPTH: usize = 7;
pub const MAX_DIRECT_CHILDREN: usize = 100;
pub const MAX_GROUP_ATTRIBUTES: usize = 50;
pub const MAX_GROUPS_PER_THING: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingGroup {
    pub name: String,
    pub id: String,
    pub parent: Option<String>,
    pub description: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub version: i64,
    pub created_at: Millis,
}

impl ThingGroup {
    pub fn arn(&self, scope: &Scope) -> String {
        group_arn(scope, &self.name)
    }
}

pub fn group_arn(scope: &Scope, name: &str) -> String {
    scope.arn(&format!("thinggroup/{name}"))
}

/// Which groups ListThingGroups returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupQuery {
    /// Only children of this group (all descendants when `recursive`).
    pub parent: Option<String>,
    pub recursive: bool,
    pub name_prefix: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

/// Storage of thing groups and their members, inside a transaction.
pub trait ThingGroupRecords {
    fn thing_group(&self, scope: &Scope, name: &str) -> Result<Option<ThingGroup>, StoreError>;
    fn put_thing_group(&self, scope: &Scope, group: &ThingGroup) -> Result<(), StoreError>;
    /// Deletes the group and its memberships.
    fn delete_thing_group(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;
    fn count_child_groups(&self, scope: &Scope, name: &str) -> Result<u64, StoreError>;
    /// Up to `q.limit` groups in name order.
    fn list_thing_groups(
        &self,
        scope: &Scope,
        q: &GroupQuery,
    ) -> Result<Vec<ThingGroup>, StoreError>;
    /// The groups a thing is directly in, in name order.
    fn groups_of_thing(&self, scope: &Scope, thing: &str) -> Result<Vec<String>, StoreError>;
    /// Adds a membership with its id (the registry events' `membershipId`).
    fn add_member(
        &self,
        scope: &Scope,
        group: &str,
        thing: &str,
        membership_id: &str,
    ) -> Result<(), StoreError>;
    /// Removes a membership; its id if there was one.
    fn remove_member(
        &self,
        scope: &Scope,
        group: &str,
        thing: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Distinct names of things in `group` (and its descendants when `recursive`),
    /// in name order after `after`, at most `limit`.
    fn things_in_group(
        &self,
        scope: &Scope,
        group: &str,
        recursive: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;
}

/// What a CreateThingGroup or UpdateThingGroup says of a group's properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupProperties {
    pub description: Option<String>,
    pub attributes: Option<BTreeMap<String, String>>,
    /// With UpdateThingGroup: merge `attributes` into the stored ones.
    pub merge: bool,
}

/// A group named by the caller, with the chain of its ancestors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupWithAncestors {
    pub group: ThingGroup,
    /// Root first, direct parent last (defect D7 decided for the guide's example order).
    pub root_to_parent: Vec<String>,
}

/// A page of names (things in a group) or of groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

pub struct ThingGroups<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGen,
}

pub(crate) fn group_not_found(name: &str) -> RegistryError {
    RegistryError::NotFound(format!("Thing group {name} does not exist."))
}

fn get_group(tx: &dyn Tx, scope: &Scope, name: &str) -> Result<ThingGroup, RegistryError> {
    tx.thing_group(scope, name)?.ok_or_else(|| group_not_found(name))
}

/// The ancestors of a group, root first.
fn ancestors(tx: &dyn Tx, scope: &Scope, group: &ThingGroup) -> Result<Vec<String>, RegistryError> {
    let mut chain = Vec::new();
    let mut next = group.parent.clone();
    while let Some(name) = next {
        if chain.len() > MAX_DEPTH {
            return Err(RegistryError::Store(StoreError(
                format!("thing group hierarchy above {} is cyclic", group.name).into(),
            )));
        }
        next = get_group(tx, scope, &name)?.parent;
        chain.push(name);
    }
    chain.reverse();
    Ok(chain)
}

fn root_of(tx: &dyn Tx, scope: &Scope, group: &ThingGroup) -> Result<String, RegistryError> {
    Ok(ancestors(tx, scope, group)?.into_iter().next().unwrap_or_else(|| group.name.clone()))
}

fn check_attribute_count(attributes: &BTreeMap<String, String>) -> Result<(), RegistryError> {
    if attributes.len() > MAX_GROUP_ATTRIBUTES {
        return Err(RegistryError::Invalid(format!(
            "A thing group can have at most {MAX_GROUP_ATTRIBUTES} attributes; {} were given.",
            attributes.len()
        )));
    }
    Ok(())
}

fn page<T>(items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let (items, next_after) = paginate(items, limit, key);
    Page { items, next_after }
}

/// A thing's membership of a group, as registry events report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group: ThingGroup,
    pub thing: Thing,
    pub membership_id: String,
}

/// Adds `thing` to `group` inside a transaction, enforcing the membership limits;
/// the new membership, or `None` when the thing was already in the group.
fn add_thing(
    tx: &dyn Tx,
    ids: &dyn IdGen,
    scope: &Scope,
    group: &str,
    thing: &str,
) -> Result<Option<Membership>, RegistryError> {
    let Some(thing_record) = tx.thing(scope, thing)? else {
        return Err(thing_not_found(thing));
    };
    let target = get_group(tx, scope, group)?;
    let current = tx.groups_of_thing(scope, thing)?;
    if current.iter().any(|g| g == group) {
        return Ok(None);
    }
    if current.len() >= MAX_GROUPS_PER_THING {
        return Err(RegistryError::Invalid(format!(
            "Thing {thing} is already in {MAX_GROUPS_PER_THING} thing groups, the most a thing can be in."
        )));
    }
    let root = root_of(tx, scope, &target)?;
    for other in &current {
        let other_group = get_group(tx, scope, other)?;
        if root_of(tx, scope, &other_group)? == root {
            return Err(RegistryError::Invalid(format!(
                "Thing {thing} cannot be added to thing group {group}: it is already in thing \
                 group {other} of the same hierarchy."
            )));
        }
    }
    let membership_id = ids.uuid();
    tx.add_member(scope, group, thing, &membership_id)?;
    Ok(Some(Membership { group: target, thing: thing_record, membership_id }))
}

/// Removes `thing` from `group`; the ended membership, if there was one.
fn remove_thing(
    tx: &dyn Tx,
    scope: &Scope,
    group: &str,
    thing: &str,
) -> Result<Option<Membership>, RegistryError> {
    let Some(thing_record) = tx.thing(scope, thing)? else {
        return Err(thing_not_found(thing));
    };
    let target = get_group(tx, scope, group)?;
    Ok(tx.remove_member(scope, group, thing)?.map(|membership_id| Membership {
        group: target,
        thing: thing_record,
        membership_id,
    }))
}

impl<S: Store> ThingGroups<'_, S> {
    /// CreateThingGroup; the same name, parent and properties again return the group.
    pub fn create(
        &self,
        scope: &Scope,
        name: &str,
        parent: Option<&str>,
        properties: GroupProperties,
        tags: &BTreeMap<String, String>,
    ) -> Result<ThingGroup, RegistryError> {
        self.create_reporting(scope, name, parent, properties, tags).map(|(g, _)| g)
    }

    /// CreateThingGroup, also saying whether the group is new.
    pub fn create_reporting(
        &self,
        scope: &Scope,
        name: &str,
        parent: Option<&str>,
        properties: GroupProperties,
        tags: &BTreeMap<String, String>,
    ) -> Result<(ThingGroup, bool), RegistryError> {
        let attributes = properties.attributes.unwrap_or_default();
        check_attribute_count(&attributes)?;
        self.store.write(|tx| {
            if let Some(existing) = tx.thing_group(scope, name)? {
                let same = existing.parent.as_deref() == parent
                    && existing.description == properties.description
                    && existing.attributes == attributes;
                if same {
                    return Ok((existing, false));
                }
                return Err(RegistryError::AlreadyExists(format!(
                    "Thing group {name} already exists with different properties."
                )));
            }
            if let Some(p) = parent {
                let Some(parent_group) = tx.thing_group(scope, p)? else {
                    return Err(RegistryError::Invalid(format!("Parent thing group {p} does not exist.")));
                };
                let depth = ancestors(tx, scope, &parent_group)?.len() + 2;
                if depth > MAX_DEPTH {
                    return Err(RegistryError::Invalid(format!(
                        "Thing group {name} would be at depth {depth}; a hierarchy is at most {MAX_DEPTH} deep."
                    )));
                }
                if tx.count_child_groups(scope, p)? >= MAX_DIRECT_CHILDREN as u64 {
                    return Err(RegistryError::Invalid(format!(
                        "Thing group {p} already has {MAX_DIRECT_CHILDREN} child groups, the most a group can have."
                    )));
                }
            }
            let group = ThingGroup {
                name: name.to_owned(),
                id: self.ids.uuid(),
                parent: parent.map(str::to_owned),
                description: properties.description,
                attributes,
                version: 1,
                created_at: self.clock.now_millis(),
            };
            tx.put_thing_group(scope, &group)?;
            add_tags(tx, scope, &group.arn(scope), tags)?;
            Ok((group, true))
        })
    }

    pub fn describe(&self, scope: &Scope, name: &str) -> Result<GroupWithAncestors, RegistryError> {
        self.store.read(|tx| {
            let group = get_group(tx, scope, name)?;
            let root_to_parent = ancestors(tx, scope, &group)?;
            Ok(GroupWithAncestors { group, root_to_parent })
        })
    }

    /// UpdateThingGroup: description and attributes (merged or replaced; an empty
    /// value removes one); returns the new version.
    pub fn update(
        &self,
        scope: &Scope,
        name: &str,
        properties: GroupProperties,
        expected_version: Option<i64>,
    ) -> Result<i64, RegistryError> {
        self.store.write(|tx| {
            let mut group = get_group(tx, scope, name)?;
            check_version(&group, expected_version)?;
            if properties.description.is_some() {
                group.description = properties.description;
            }
            if let Some(attributes) = properties.attributes {
                if !properties.merge {
                    group.attributes.clear();
                }
                for (k, v) in attributes {
                    if v.is_empty() {
                        group.attributes.remove(&k);
                    } else {
                        group.attributes.insert(k, v);
                    }
                }
            }
            check_attribute_count(&group.attributes)?;
            group.version += 1;
            tx.put_thing_group(scope, &group)?;
            Ok(group.version)
        })
    }

    /// DeleteThingGroup: refused while child groups exist; a missing group is no error.
    pub fn delete(
        &self,
        scope: &Scope,
        name: &str,
        expected_version: Option<i64>,
    ) -> Result<Option<ThingGroup>, RegistryError> {
        self.store.write(|tx| {
            let Some(group) = tx.thing_group(scope, name)? else { return Ok(None) };
            check_version(&group, expected_version)?;
            if tx.count_child_groups(scope, name)? > 0 {
                return Err(RegistryError::Invalid(format!(
                    "Cannot delete thing group : {name} when there are still child groups attached to it."
                )));
            }
            tx.delete_thing_group(scope, name)?;
            tx.drop_tags(scope, &group.arn(scope))?;
            Ok(Some(group))
        })
    }

    pub fn add_thing(
        &self,
        scope: &Scope,
        group: &str,
        thing: &str,
    ) -> Result<Option<Membership>, RegistryError> {
        self.store.write(|tx| add_thing(tx, self.ids, scope, group, thing))
    }

    pub fn remove_thing(
        &self,
        scope: &Scope,
        group: &str,
        thing: &str,
    ) -> Result<Option<Membership>, RegistryError> {
        self.store.write(|tx| remove_thing(tx, scope, group, thing))
    }

    /// UpdateThingGroupsForThing: removals, then additions, all or nothing.
    pub fn update_groups_for_thing(
        &self,
        scope: &Scope,
        thing: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<(Vec<Membership>, Vec<Membership>), RegistryError> {
        self.store.write(|tx| {
            let mut removed = Vec::new();
            for g in remove {
                removed.extend(remove_thing(tx, scope, g, thing)?);
            }
            let mut added = Vec::new();
            for g in add {
                added.extend(add_thing(tx, self.ids, scope, g, thing)?);
            }
            Ok((removed, added))
        })
    }

    pub fn things_in_group(
        &self,
        scope: &Scope,
        group: &str,
        recursive: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<String>, RegistryError> {
        let limit = page_limit(limit);
        self.store.read(|tx| {
            get_group(tx, scope, group)?;
            let names = tx.things_in_group(scope, group, recursive, after, limit + 1)?;
            Ok(page(names, limit, String::clone))
        })
    }

    pub fn list(
        &self,
        scope: &Scope,
        mut query: GroupQuery,
    ) -> Result<Page<ThingGroup>, RegistryError> {
        let limit = page_limit(query.limit);
        query.limit = limit + 1;
        self.store.read(|tx| {
            if let Some(p) = &query.parent {
                get_group(tx, scope, p)?;
            }
            let groups = tx.list_thing_groups(scope, &query)?;
            Ok(page(groups, limit, |g| g.name.clone()))
        })
    }

    /// ListThingGroupsForThing: the groups the thing is directly in (defect D6).
    pub fn groups_for_thing(
        &self,
        scope: &Scope,
        thing: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<String>, RegistryError> {
        let limit = page_limit(limit);
        self.store.read(|tx| {
            if tx.thing(scope, thing)?.is_none() {
                return Err(thing_not_found(thing));
            }
            let names: Vec<String> = tx
                .groups_of_thing(scope, thing)?
                .into_iter()
                .filter(|g| after.is_none_or(|a| g.as_str() > a))
                .take(limit + 1)
                .collect();
            Ok(page(names, limit, String::clone))
        })
    }
}

fn check_version(group: &ThingGroup, expected: Option<i64>) -> Result<(), RegistryError> {
    match expected {
        Some(v) if v != group.version => Err(RegistryError::VersionConflict(format!(
            "The version for thing group {} does not match the expected version.",
            group.name
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registry::things::NewThing;
    use crate::domain::testing::Fixture;

    /// The guide's example instant, with helpers that create groups and things.
    trait Helpers {
        fn group(&self, name: &str, parent: Option<&str>) -> ThingGroup;
        fn thing(&self, name: &str);
    }

    impl Helpers for Fixture {
        fn group(&self, name: &str, parent: Option<&str>) -> ThingGroup {
            self.groups()
                .create(&scope(), name, parent, GroupProperties::default(), &BTreeMap::new())
                .unwrap()
        }
        fn thing(&self, name: &str) {
            self.things()
                .create(&scope(), NewThing { name: name.into(), ..Default::default() })
                .unwrap();
        }
    }

    fn fixture() -> Fixture {
        Fixture::at(1_478_299_948_882)
    }

    fn scope() -> Scope {
        Scope::new("123456789012", "us-west-2")
    }

    fn names(groups: &[ThingGroup]) -> Vec<&str> {
        groups.iter().map(|g| g.name.as_str()).collect()
    }

    /// The guide's example hierarchy: ShinyObjects > LightBulbs > RedLights > RedLEDLights.
    fn guide_hierarchy(f: &Fixture) {
        f.group("ShinyObjects", None);
        f.group("LightBulbs", Some("ShinyObjects"));
        f.group("RedLights", Some("LightBulbs"));
        f.group("RedLEDLights", Some("RedLights"));
        f.group("RedIncandescentLights", Some("RedLights"));
        f.group("ReplaceableObjects", None);
    }

    #[test]
    fn describe_lists_ancestors_root_first() {
        let f = fixture();
        guide_hierarchy(&f);
        let d = f.groups().describe(&scope(), "RedLights").unwrap();
        assert_eq!(d.group.parent.as_deref(), Some("LightBulbs"));
        assert_eq!(d.root_to_parent, ["ShinyObjects", "LightBulbs"]);
        assert_eq!(
            d.group.arn(&scope()),
            "arn:aws:iot:us-west-2:123456789012:thinggroup/RedLights"
        );
        assert!(f.groups().describe(&scope(), "ShinyObjects").unwrap().root_to_parent.is_empty());
    }

    #[test]
    fn depth_is_at_most_seven_and_a_missing_parent_is_invalid() {
        let f = fixture();
        f.group("g1", None);
        for i in 2..=7 {
            f.group(&format!("g{i}"), Some(&format!("g{}", i - 1)));
        }
        let too_deep = f.groups().create(
            &scope(),
            "g8",
            Some("g7"),
            GroupProperties::default(),
            &BTreeMap::new(),
        );
        assert!(matches!(too_deep, Err(RegistryError::Invalid(_))), "{too_deep:?}");
        let orphan = f.groups().create(
            &scope(),
            "o",
            Some("nope"),
            GroupProperties::default(),
            &BTreeMap::new(),
        );
        assert!(matches!(orphan, Err(RegistryError::Invalid(_))));
    }

    #[test]
    fn a_group_has_at_most_a_hundred_direct_children() {
        let f = fixture();
        f.group("p", None);
        for i in 0..MAX_DIRECT_CHILDREN {
            f.group(&format!("c{i}"), Some("p"));
        }
        let extra = f.groups().create(
            &scope(),
            "c-extra",
            Some("p"),
            GroupProperties::default(),
            &BTreeMap::new(),
        );
        assert!(
            matches!(extra, Err(RegistryError::Invalid(ref m)) if m.contains("100")),
            "{extra:?}"
        );
        f.group("grandchild", Some("c0"));
    }

    #[test]
    fn a_parent_is_fixed_at_creation() {
        let f = fixture();
        f.group("a", None);
        f.group("b", None);
        f.group("c", Some("a"));
        let moved = f.groups().create(
            &scope(),
            "c",
            Some("b"),
            GroupProperties::default(),
            &BTreeMap::new(),
        );
        assert!(matches!(moved, Err(RegistryError::AlreadyExists(_))));
        assert_eq!(
            f.group("c", Some("a")).parent.as_deref(),
            Some("a"),
            "the same create again is fine"
        );
    }

    #[test]
    fn delete_is_refused_while_children_exist_with_the_guides_message() {
        let f = fixture();
        guide_hierarchy(&f);
        let err = f.groups().delete(&scope(), "RedLights", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot delete thing group : RedLights when there are still child groups attached to it."
        );
        f.groups().delete(&scope(), "RedLEDLights", None).unwrap();
        f.groups().delete(&scope(), "RedIncandescentLights", None).unwrap();
        assert!(matches!(
            f.groups().delete(&scope(), "RedLights", Some(9)),
            Err(RegistryError::VersionConflict(_))
        ));
        f.groups().delete(&scope(), "RedLights", Some(1)).unwrap();
        f.groups().delete(&scope(), "RedLights", None).expect("deleting a missing group succeeds");
    }

    #[test]
    fn membership_limits_ten_groups_and_one_per_hierarchy() {
        let f = fixture();
        guide_hierarchy(&f);
        f.thing("MyLightBulb");
        f.groups().add_thing(&scope(), "RedLights", "MyLightBulb").unwrap();
        f.groups().add_thing(&scope(), "RedLights", "MyLightBulb").expect("adding twice is fine");
        let same_tree = f.groups().add_thing(&scope(), "ShinyObjects", "MyLightBulb");
        assert!(
            matches!(same_tree, Err(RegistryError::Invalid(ref m)) if m.contains("same hierarchy")),
            "{same_tree:?}"
        );
        f.groups().add_thing(&scope(), "ReplaceableObjects", "MyLightBulb").unwrap();
        for i in 0..8 {
            f.group(&format!("root{i}"), None);
            f.groups().add_thing(&scope(), &format!("root{i}"), "MyLightBulb").unwrap();
        }
        f.group("root8", None);
        let eleventh = f.groups().add_thing(&scope(), "root8", "MyLightBulb");
        assert!(
            matches!(eleventh, Err(RegistryError::Invalid(ref m)) if m.contains("10")),
            "{eleventh:?}"
        );
        assert!(matches!(
            f.groups().add_thing(&scope(), "RedLights", "ghost"),
            Err(RegistryError::NotFound(_))
        ));
        assert!(matches!(
            f.groups().add_thing(&scope(), "ghost", "MyLightBulb"),
            Err(RegistryError::NotFound(_))
        ));
    }

    #[test]
    fn update_groups_for_thing_is_all_or_nothing() {
        let f = fixture();
        guide_hierarchy(&f);
        f.thing("t");
        f.groups().add_thing(&scope(), "RedLEDLights", "t").unwrap();
        // Moving within the hierarchy works because removals go first.
        f.groups()
            .update_groups_for_thing(
                &scope(),
                "t",
                &["RedIncandescentLights".into()],
                &["RedLEDLights".into()],
            )
            .unwrap();
        let page = f.groups().groups_for_thing(&scope(), "t", None, 0).unwrap();
        assert_eq!(page.items, ["RedIncandescentLights"]);
        let bad = f.groups().update_groups_for_thing(
            &scope(),
            "t",
            &["ReplaceableObjects".into(), "nope".into()],
            &[],
        );
        assert!(matches!(bad, Err(RegistryError::NotFound(_))));
        assert_eq!(
            f.groups().groups_for_thing(&scope(), "t", None, 0).unwrap().items,
            ["RedIncandescentLights"]
        );
    }

    #[test]
    fn things_in_group_directly_and_recursively() {
        let f = fixture();
        guide_hierarchy(&f);
        for t in ["TestThingA", "MyLightBulb", "Other"] {
            f.thing(t);
        }
        f.groups().add_thing(&scope(), "LightBulbs", "TestThingA").unwrap();
        f.groups().add_thing(&scope(), "RedLEDLights", "MyLightBulb").unwrap();
        f.groups().add_thing(&scope(), "ReplaceableObjects", "Other").unwrap();
        let direct = f.groups().things_in_group(&scope(), "LightBulbs", false, None, 0).unwrap();
        assert_eq!(direct.items, ["TestThingA"]);
        let all = f.groups().things_in_group(&scope(), "LightBulbs", true, None, 1).unwrap();
        assert_eq!(
            (all.items.clone(), all.next_after.as_deref()),
            (vec!["MyLightBulb".to_string()], Some("MyLightBulb"))
        );
        let rest = f
            .groups()
            .things_in_group(&scope(), "LightBulbs", true, all.next_after.as_deref(), 1)
            .unwrap();
        assert_eq!((rest.items, rest.next_after), (vec!["TestThingA".to_string()], None));
    }

    #[test]
    fn list_groups_by_parent_recursively_and_by_prefix() {
        let f = fixture();
        guide_hierarchy(&f);
        let list = |q: GroupQuery| f.groups().list(&scope(), q).unwrap().items;
        assert_eq!(names(&list(GroupQuery::default())).len(), 6);
        let children = list(GroupQuery { parent: Some("LightBulbs".into()), ..Default::default() });
        assert_eq!(names(&children), ["RedLights"]);
        let all = list(GroupQuery {
            parent: Some("LightBulbs".into()),
            recursive: true,
            ..Default::default()
        });
        assert_eq!(names(&all), ["RedIncandescentLights", "RedLEDLights", "RedLights"]);
        let red = list(GroupQuery { name_prefix: Some("Red".into()), ..Default::default() });
        assert_eq!(names(&red), ["RedIncandescentLights", "RedLEDLights", "RedLights"]);
        let missing = f
            .groups()
            .list(&scope(), GroupQuery { parent: Some("nope".into()), ..Default::default() });
        assert!(matches!(missing, Err(RegistryError::NotFound(_))));
    }

    #[test]
    fn update_merges_attributes_and_checks_the_version() {
        let f = fixture();
        f.group("g", None);
        let props = |pairs: &[(&str, &str)], merge| GroupProperties {
            description: Some("this is a test group".into()),
            attributes: Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            merge,
        };
        assert_eq!(
            f.groups().update(&scope(), "g", props(&[("Owner", "150")], false), Some(1)).unwrap(),
            2
        );
        assert_eq!(
            f.groups().update(&scope(), "g", props(&[("modelNames", "456")], true), None).unwrap(),
            3
        );
        let g = f.groups().describe(&scope(), "g").unwrap().group;
        assert_eq!(g.attributes.len(), 2);
        assert_eq!(g.description.as_deref(), Some("this is a test group"));
        let stale = f.groups().update(&scope(), "g", GroupProperties::default(), Some(1));
        assert!(matches!(stale, Err(RegistryError::VersionConflict(_))));
        let too_many = (0..51).map(|i| (format!("k{i}"), "v".to_string())).collect();
        let big = GroupProperties { attributes: Some(too_many), ..Default::default() };
        assert!(matches!(
            f.groups().update(&scope(), "g", big, None),
            Err(RegistryError::Invalid(_))
        ));
    }

    #[test]
    fn deleting_a_thing_drops_its_memberships() {
        let f = fixture();
        f.group("g", None);
        f.thing("t");
        f.groups().add_thing(&scope(), "g", "t").unwrap();
        f.things().delete(&scope(), "t", None).unwrap();
        assert!(
            f.groups().things_in_group(&scope(), "g", false, None, 0).unwrap().items.is_empty()
        );
    }
}
