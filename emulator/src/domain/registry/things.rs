//! Things in the registry: create, describe, list, update and delete, with the
//! guide's rules (attribute limits, merge, optimistic locking by version).

use std::collections::BTreeMap;

use super::RegistryError;
use super::thing_types::check_associable;
use crate::domain::paging::{page_limit, paginate};
use crate::domain::{Clock, IdGen, Millis, Scope, Store, StoreError};

/// Attributes a thing may have without a thing type (guide L3109-3110).
pub const MAX_ATTRIBUTES_UNTYPED: usize = 3;
/// Attributes a thing may have with a thing type.
pub const MAX_ATTRIBUTES_TYPED: usize = 50;

/// A thing as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thing {
    pub name: String,
    pub id: String,
    pub type_name: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub version: i64,
    pub created_at: Millis,
}

impl Thing {
    pub fn arn(&self, scope: &Scope) -> String {
        scope.arn(&format!("thing/{}", self.name))
    }
}

/// Which things a listing returns, and from where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThingQuery {
    pub type_name: Option<String>,
    pub attribute: Option<AttributeFilter>,
    /// Only names after this one (names are listed in order).
    pub after: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeFilter {
    pub name: String,
    pub value: String,
    /// Match values that start with `value` instead of equal it.
    pub prefix: bool,
}

/// Storage of things, inside a transaction.
pub trait ThingRecords {
    fn thing(&self, scope: &Scope, name: &str) -> Result<Option<Thing>, StoreError>;
    fn put_thing(&self, scope: &Scope, thing: &Thing) -> Result<(), StoreError>;
    fn delete_thing(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;
    /// Up to `query.limit` things in name order.
    fn list_things(&self, scope: &Scope, query: &ThingQuery) -> Result<Vec<Thing>, StoreError>;
}

/// A CreateThing request.
#[derive(Debug, Clone, Default)]
pub struct NewThing {
    pub name: String,
    pub type_name: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// An UpdateThing request.
#[derive(Debug, Clone, Default)]
pub struct ThingUpdate {
    pub name: String,
    pub type_name: Option<String>,
    pub remove_type: bool,
    pub attributes: Option<AttributeChange>,
    pub expected_version: Option<i64>,
}

/// New attributes, merged into the stored ones or replacing them.
#[derive(Debug, Clone, Default)]
pub struct AttributeChange {
    pub attributes: BTreeMap<String, String>,
    pub merge: bool,
}

/// A page of ListThings: the things and the name to continue after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingPage {
    pub things: Vec<Thing>,
    pub next_after: Option<String>,
}

/// The thing operations over a store, a clock and an id source.
pub struct Things<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGen,
}

fn check_attribute_count(
    attributes: &BTreeMap<String, String>,
    type_name: Option<&str>,
) -> Result<(), RegistryError> {
    let max = if type_name.is_some() { MAX_ATTRIBUTES_TYPED } else { MAX_ATTRIBUTES_UNTYPED };
    if attributes.len() > max {
        let kind = if type_name.is_some() { "with" } else { "without" };
        return Err(RegistryError::Invalid(format!(
            "A thing {kind} a thing type can have at most {max} attributes; {} were given.",
            attributes.len()
        )));
    }
    Ok(())
}

fn check_version(thing: &Thing, expected: Option<i64>) -> Result<(), RegistryError> {
    match expected {
        Some(v) if v != thing.version => Err(RegistryError::VersionConflict(format!(
            "The version for thing {} does not match the expected version.",
            thing.name
        ))),
        _ => Ok(()),
    }
}

impl<S: Store> Things<'_, S> {
    /// CreateThing. Repeating a create with the same configuration returns the
    /// existing thing; a different configuration is a conflict.
    pub fn create(&self, scope: &Scope, new: NewThing) -> Result<Thing, RegistryError> {
        self.create_reporting(scope, new).map(|(t, _)| t)
    }

    /// CreateThing, also saying whether the thing is new (not a repeated create).
    pub fn create_reporting(
        &self,
        scope: &Scope,
        new: NewThing,
    ) -> Result<(Thing, bool), RegistryError> {
        let attributes = new.attributes;
        check_attribute_count(&attributes, new.type_name.as_deref())?;
        self.store.write(|tx| {
            if let Some(t) = &new.type_name {
                check_associable(tx, scope, t)?;
            }
            if let Some(existing) = tx.thing(scope, &new.name)? {
                if existing.type_name == new.type_name && existing.attributes == attributes {
                    return Ok((existing, false));
                }
                return Err(RegistryError::AlreadyExists(format!(
                    "Thing {} already exists in account with different attributes",
                    new.name
                )));
            }
            let thing = Thing {
                name: new.name,
                id: self.ids.uuid(),
                type_name: new.type_name,
                attributes,
                version: 1,
                created_at: self.clock.now_millis(),
            };
            tx.put_thing(scope, &thing)?;
            Ok((thing, true))
        })
    }

    /// DescribeThing.
    pub fn describe(&self, scope: &Scope, name: &str) -> Result<Thing, RegistryError> {
        self.store.read(|tx| tx.thing(scope, name)?.ok_or_else(|| not_found(name)))
    }

    /// UpdateThing: attributes merged or replaced (an empty value removes one), type
    /// set or removed, version checked and incremented.
    pub fn update(&self, scope: &Scope, update: ThingUpdate) -> Result<Thing, RegistryError> {
        if update.remove_type && update.type_name.is_some() {
            return Err(RegistryError::Invalid(
                "Cannot specify thingTypeName and removeThingType at the same time.".to_owned(),
            ));
        }
        self.store.write(|tx| {
            let mut thing =
                tx.thing(scope, &update.name)?.ok_or_else(|| not_found(&update.name))?;
            check_version(&thing, update.expected_version)?;
            if update.remove_type {
                thing.type_name = None;
            } else if let Some(t) = update.type_name.filter(|t| thing.type_name.as_ref() != Some(t))
            {
                // Only a new association is refused for a deprecated type.
                check_associable(tx, scope, &t)?;
                thing.type_name = Some(t);
            }
            if let Some(change) = update.attributes {
                if !change.merge {
                    thing.attributes.clear();
                }
                for (k, v) in change.attributes {
                    if v.is_empty() {
                        thing.attributes.remove(&k);
                    } else {
                        thing.attributes.insert(k, v);
                    }
                }
            }
            check_attribute_count(&thing.attributes, thing.type_name.as_deref())?;
            thing.version += 1;
            tx.put_thing(scope, &thing)?;
            Ok(thing)
        })
    }

    /// DeleteThing: succeeds for a thing that does not exist, as AWS does.
    pub fn delete(
        &self,
        scope: &Scope,
        name: &str,
        expected: Option<i64>,
    ) -> Result<Option<Thing>, RegistryError> {
        self.store.write(|tx| {
            let Some(thing) = tx.thing(scope, name)? else { return Ok(None) };
            check_version(&thing, expected)?;
            tx.delete_thing(scope, name)?;
            // The thing's shadows go with it (issue 5; the 2018 guide keeps them, L10618).
            tx.delete_shadows_of_thing(scope, name)?;
            Ok(Some(thing))
        })
    }

    /// ListThings: one page in name order.
    pub fn list(&self, scope: &Scope, mut query: ThingQuery) -> Result<ThingPage, RegistryError> {
        if query.type_name.is_some() && query.attribute.is_some() {
            return Err(RegistryError::Invalid(
                "Listing things by the combination of attribute and thing type is not supported"
                    .to_owned(),
            ));
        }
        let limit = page_limit(query.limit);
        query.limit = limit + 1;
        let things = self.store.read(|tx| tx.list_things(scope, &query))?;
        let (things, next_after) = paginate(things, limit, |t| t.name.clone());
        Ok(ThingPage { things, next_after })
    }
}

pub(crate) fn not_found(name: &str) -> RegistryError {
    RegistryError::NotFound(format!("Thing {name} cannot be found."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::Fixture;

    fn fixture() -> Fixture {
        Fixture::at(1_700_000_000_000)
    }

    fn scope() -> Scope {
        Scope::new("123456789012", "eu-west-1")
    }

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn new_thing(name: &str, pairs: &[(&str, &str)]) -> NewThing {
        NewThing { name: name.into(), type_name: None, attributes: attrs(pairs) }
    }

    #[test]
    fn create_then_describe_with_pinned_clock_and_ids() {
        let f = fixture();
        let t = f.things().create(&scope(), new_thing("lamp", &[("color", "red")])).unwrap();
        assert_eq!(t.id, "00000000-0000-4000-8000-000000000001");
        assert_eq!(t.version, 1);
        assert_eq!(t.created_at, 1_700_000_000_000);
        assert_eq!(t.arn(&scope()), "arn:aws:iot:eu-west-1:123456789012:thing/lamp");
        assert_eq!(f.things().describe(&scope(), "lamp").unwrap(), t);
    }

    #[test]
    fn create_is_idempotent_for_the_same_configuration_only() {
        let f = fixture();
        let a = f.things().create(&scope(), new_thing("lamp", &[("a", "1")])).unwrap();
        let b = f.things().create(&scope(), new_thing("lamp", &[("a", "1")])).unwrap();
        assert_eq!(a, b);
        let err = f.things().create(&scope(), new_thing("lamp", &[("a", "2")])).unwrap_err();
        assert!(matches!(err, RegistryError::AlreadyExists(_)), "{err:?}");
    }

    #[test]
    fn untyped_things_hold_at_most_three_attributes() {
        let f = fixture();
        let four = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")];
        let err = f.things().create(&scope(), new_thing("x", &four)).unwrap_err();
        assert!(matches!(err, RegistryError::Invalid(ref m) if m.contains("at most 3")), "{err:?}");
        f.things().create(&scope(), new_thing("x", &four[..3])).unwrap();
        let update = ThingUpdate {
            name: "x".into(),
            attributes: Some(AttributeChange { attributes: attrs(&[("d", "4")]), merge: true }),
            ..Default::default()
        };
        assert!(matches!(f.things().update(&scope(), update), Err(RegistryError::Invalid(_))));
        assert_eq!(
            f.things().describe(&scope(), "x").unwrap().version,
            1,
            "a refused update changes nothing"
        );
    }

    #[test]
    fn update_merges_replaces_and_removes_attributes() {
        let f = fixture();
        f.things().create(&scope(), new_thing("x", &[("a", "1"), ("b", "2")])).unwrap();
        let change = |pairs: &[(&str, &str)], merge| ThingUpdate {
            name: "x".into(),
            attributes: Some(AttributeChange { attributes: attrs(pairs), merge }),
            ..Default::default()
        };
        let t = f.things().update(&scope(), change(&[("c", "3"), ("a", "")], true)).unwrap();
        assert_eq!(t.attributes, attrs(&[("b", "2"), ("c", "3")]));
        assert_eq!(t.version, 2);
        let t = f.things().update(&scope(), change(&[("z", "9")], false)).unwrap();
        assert_eq!(t.attributes, attrs(&[("z", "9")]));
        assert_eq!(t.version, 3);
    }

    #[test]
    fn expected_version_guards_update_and_delete() {
        let f = fixture();
        f.things().create(&scope(), new_thing("x", &[])).unwrap();
        let stale =
            ThingUpdate { name: "x".into(), expected_version: Some(7), ..Default::default() };
        assert!(matches!(
            f.things().update(&scope(), stale),
            Err(RegistryError::VersionConflict(_))
        ));
        assert!(matches!(
            f.things().delete(&scope(), "x", Some(2)),
            Err(RegistryError::VersionConflict(_))
        ));
        f.things().delete(&scope(), "x", Some(1)).unwrap();
        assert!(matches!(f.things().describe(&scope(), "x"), Err(RegistryError::NotFound(_))));
        f.things().delete(&scope(), "x", None).expect("deleting a missing thing succeeds");
    }

    #[test]
    fn scopes_do_not_see_each_other() {
        let f = fixture();
        f.things().create(&scope(), new_thing("x", &[])).unwrap();
        let other_region = Scope::new("123456789012", "us-east-1");
        let other_account = Scope::new("210987654321", "eu-west-1");
        for s in [other_region, other_account] {
            assert!(matches!(f.things().describe(&s, "x"), Err(RegistryError::NotFound(_))));
            assert!(f.things().list(&s, ThingQuery::default()).unwrap().things.is_empty());
        }
    }

    #[test]
    fn list_filters_and_pages_in_name_order() {
        let f = fixture();
        for (name, floor) in [("e", "1"), ("a", "1"), ("c", "2"), ("b", "1"), ("d", "12")] {
            f.things().create(&scope(), new_thing(name, &[("floor", floor)])).unwrap();
        }
        let by_floor = |value: &str, prefix| ThingQuery {
            attribute: Some(AttributeFilter { name: "floor".into(), value: value.into(), prefix }),
            limit: 2,
            ..Default::default()
        };
        let names = |p: &ThingPage| p.things.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        let p1 = f.things().list(&scope(), by_floor("1", false)).unwrap();
        assert_eq!(
            (names(&p1), p1.next_after.as_deref()),
            (vec!["a".into(), "b".into()], Some("b"))
        );
        let p2 = f
            .things()
            .list(&scope(), ThingQuery { after: p1.next_after, ..by_floor("1", false) })
            .unwrap();
        assert_eq!((names(&p2), p2.next_after), (vec!["e".to_string()], None));
        let prefixed =
            f.things().list(&scope(), ThingQuery { limit: 10, ..by_floor("1", true) }).unwrap();
        assert_eq!(names(&prefixed), ["a", "b", "d", "e"]);
    }

    #[test]
    fn list_by_type_sees_only_that_type() {
        let f = fixture();
        // Thing types come with the registry issue; put typed things straight into the store.
        f.store
            .write(|tx| {
                for (name, ty) in
                    [("a", Some("lamp")), ("b", None), ("c", Some("lamp")), ("d", Some("fan"))]
                {
                    let t = Thing {
                        name: name.into(),
                        id: name.into(),
                        type_name: ty.map(str::to_owned),
                        attributes: BTreeMap::new(),
                        version: 1,
                        created_at: 0,
                    };
                    tx.put_thing(&scope(), &t)?;
                }
                Ok::<_, RegistryError>(())
            })
            .unwrap();
        let q = ThingQuery { type_name: Some("lamp".into()), ..Default::default() };
        let page = f.things().list(&scope(), q).unwrap();
        assert_eq!(page.things.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        let both = ThingQuery {
            type_name: Some("lamp".into()),
            attribute: Some(AttributeFilter { name: "n".into(), value: "v".into(), prefix: false }),
            ..Default::default()
        };
        assert!(matches!(f.things().list(&scope(), both), Err(RegistryError::Invalid(_))));
    }

    #[test]
    fn naming_a_thing_type_that_does_not_exist_is_not_found() {
        let f = fixture();
        let new = NewThing { type_name: Some("lamp".into()), ..new_thing("x", &[]) };
        assert!(matches!(f.things().create(&scope(), new), Err(RegistryError::NotFound(_))));
    }
}
