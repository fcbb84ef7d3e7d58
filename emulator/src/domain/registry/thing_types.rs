//! Thing types: create, describe, list, deprecate (and undo), delete, with the
//! guide's rules (L3113-3295): immutable once made, a deprecated type takes no new
//! things, and deletion waits for deprecation, a delay, and no associated things.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RegistryError;
use crate::domain::paging::{page_limit, paginate};
use crate::domain::tags::add_tags;
use crate::domain::{Clock, IdGen, Millis, Scope, Store, StoreError};

/// One MQTT 5 propagating attribute of a thing type (today's API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropagatingAttribute {
    pub user_property_key: Option<String>,
    pub thing_attribute: Option<String>,
    pub connection_attribute: Option<String>,
}

/// What a thing type is made with; immutable afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThingTypeProperties {
    pub description: Option<String>,
    pub searchable_attributes: Vec<String>,
    pub propagating_attributes: Option<Vec<PropagatingAttribute>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingType {
    pub name: String,
    pub id: String,
    pub properties: ThingTypeProperties,
    pub deprecated: bool,
    pub deprecated_at: Option<Millis>,
    pub created_at: Millis,
}

impl ThingType {
    pub fn arn(&self, scope: &Scope) -> String {
        scope.arn(&format!("thingtype/{}", self.name))
    }
}

/// Storage of thing types, inside a transaction.
pub trait ThingTypeRecords {
    fn thing_type(&self, scope: &Scope, name: &str) -> Result<Option<ThingType>, StoreError>;
    fn put_thing_type(&self, scope: &Scope, thing_type: &ThingType) -> Result<(), StoreError>;
    fn delete_thing_type(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;
    /// Up to `limit` types in name order after `after`, only `name` if given.
    fn list_thing_types(
        &self,
        scope: &Scope,
        name: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ThingType>, StoreError>;
    /// How many things have this type.
    fn count_things_of_type(&self, scope: &Scope, name: &str) -> Result<u64, StoreError>;
}

/// A page of ListThingTypes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThingTypePage {
    pub thing_types: Vec<ThingType>,
    pub next_after: Option<String>,
}

/// The thing type operations.
pub struct ThingTypes<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGen,
    /// How long after deprecation a type may be deleted (the guide: five minutes).
    pub delete_delay_ms: Millis,
}

pub(crate) fn type_not_found(name: &str) -> RegistryError {
    RegistryError::NotFound(format!("Thing type {name} does not exist."))
}

/// A thing may be newly associated only with an existing, undeprecated type.
pub(crate) fn check_associable(
    tx: &dyn crate::domain::Tx,
    scope: &Scope,
    name: &str,
) -> Result<ThingType, RegistryError> {
    let t = tx.thing_type(scope, name)?.ok_or_else(|| type_not_found(name))?;
    if t.deprecated {
        return Err(RegistryError::Invalid(format!(
            "Can not associate a thing with deprecated thing type {name}."
        )));
    }
    Ok(t)
}

impl<S: Store> ThingTypes<'_, S> {
    /// CreateThingType; repeating it with the same properties returns the existing type.
    pub fn create(
        &self,
        scope: &Scope,
        name: &str,
        properties: ThingTypeProperties,
        tags: &BTreeMap<String, String>,
    ) -> Result<ThingType, RegistryError> {
        self.create_reporting(scope, name, properties, tags).map(|(t, _)| t)
    }

    /// CreateThingType, also saying whether the type is new.
    pub fn create_reporting(
        &self,
        scope: &Scope,
        name: &str,
        properties: ThingTypeProperties,
        tags: &BTreeMap<String, String>,
    ) -> Result<(ThingType, bool), RegistryError> {
        self.store.write(|tx| {
            if let Some(existing) = tx.thing_type(scope, name)? {
                if existing.properties == properties {
                    return Ok((existing, false));
                }
                return Err(RegistryError::AlreadyExists(format!(
                    "Thing type {name} already exists with different properties."
                )));
            }
            let t = ThingType {
                name: name.to_owned(),
                id: self.ids.uuid(),
                properties,
                deprecated: false,
                deprecated_at: None,
                created_at: self.clock.now_millis(),
            };
            tx.put_thing_type(scope, &t)?;
            add_tags(tx, scope, &t.arn(scope), tags)?;
            Ok((t, true))
        })
    }

    pub fn describe(&self, scope: &Scope, name: &str) -> Result<ThingType, RegistryError> {
        self.store.read(|tx| tx.thing_type(scope, name)?.ok_or_else(|| type_not_found(name)))
    }

    pub fn list(
        &self,
        scope: &Scope,
        name: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<ThingTypePage, RegistryError> {
        let limit = page_limit(limit);
        let thing_types =
            self.store.read(|tx| tx.list_thing_types(scope, name, after, limit + 1))?;
        let (thing_types, next_after) = paginate(thing_types, limit, |t| t.name.clone());
        Ok(ThingTypePage { thing_types, next_after })
    }

    /// DeprecateThingType, or with `undo` its reversal.
    pub fn deprecate(
        &self,
        scope: &Scope,
        name: &str,
        undo: bool,
    ) -> Result<ThingType, RegistryError> {
        self.store.write(|tx| {
            let mut t = tx.thing_type(scope, name)?.ok_or_else(|| type_not_found(name))?;
            if undo {
                t.deprecated = false;
                t.deprecated_at = None;
            } else if !t.deprecated {
                t.deprecated = true;
                t.deprecated_at = Some(self.clock.now_millis());
            }
            tx.put_thing_type(scope, &t)?;
            Ok(t)
        })
    }

    /// DeleteThingType: only deprecated, after the delay, with no things of the type.
    pub fn delete(&self, scope: &Scope, name: &str) -> Result<ThingType, RegistryError> {
        self.store.write(|tx| {
            let t = tx.thing_type(scope, name)?.ok_or_else(|| type_not_found(name))?;
            let Some(since) = t.deprecated_at.filter(|_| t.deprecated) else {
                return Err(RegistryError::Invalid(format!(
                    "Thing type {name} must be deprecated before it can be deleted."
                )));
            };
            let wait = since + self.delete_delay_ms - self.clock.now_millis();
            if wait > 0 {
                return Err(RegistryError::Invalid(format!(
                    "Thing type {name} can be deleted {} ms after its deprecation; {wait} ms remain.",
                    self.delete_delay_ms
                )));
            }
            let things = tx.count_things_of_type(scope, name)?;
            if things > 0 {
                return Err(RegistryError::Invalid(format!(
                    "Can not delete thing type {name}: {things} things are associated with it."
                )));
            }
            tx.delete_thing_type(scope, name)?;
            tx.drop_tags(scope, &t.arn(scope))?;
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registry::things::{NewThing, ThingUpdate};
    use crate::domain::testing::Fixture;

    const FIVE_MINUTES: Millis = 5 * 60 * 1000;

    fn fixture() -> Fixture {
        Fixture::at(1_468_423_800_950)
    }

    fn scope() -> Scope {
        Scope::new("123456789012", "us-west-2")
    }

    fn no_tags() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn light_bulb() -> ThingTypeProperties {
        ThingTypeProperties {
            description: Some("light bulb type".into()),
            searchable_attributes: vec!["wattage".into(), "model".into()],
            propagating_attributes: None,
        }
    }

    #[test]
    fn create_describe_and_the_arn_of_the_guide() {
        let f = fixture();
        let t =
            f.types(FIVE_MINUTES).create(&scope(), "LightBulb", light_bulb(), &no_tags()).unwrap();
        assert_eq!(t.arn(&scope()), "arn:aws:iot:us-west-2:123456789012:thingtype/LightBulb");
        assert_eq!((t.deprecated, t.created_at), (false, 1_468_423_800_950));
        assert_eq!(f.types(FIVE_MINUTES).describe(&scope(), "LightBulb").unwrap(), t);
        assert_eq!(
            f.types(FIVE_MINUTES).create(&scope(), "LightBulb", light_bulb(), &no_tags()).unwrap(),
            t,
            "same again is fine"
        );
        let other = ThingTypeProperties { description: Some("other".into()), ..light_bulb() };
        assert!(matches!(
            f.types(FIVE_MINUTES).create(&scope(), "LightBulb", other, &no_tags()),
            Err(RegistryError::AlreadyExists(_))
        ));
    }

    #[test]
    fn typed_things_hold_fifty_attributes() {
        let f = fixture();
        f.types(FIVE_MINUTES).create(&scope(), "LightBulb", light_bulb(), &no_tags()).unwrap();
        let attrs = |n: usize| (0..n).map(|i| (format!("a{i}"), "v".to_string())).collect();
        let typed = |n| NewThing {
            name: format!("t{n}"),
            type_name: Some("LightBulb".into()),
            attributes: attrs(n),
        };
        f.things().create(&scope(), typed(50)).unwrap();
        assert!(matches!(f.things().create(&scope(), typed(51)), Err(RegistryError::Invalid(_))));
        // Removing the type of a thing with 50 attributes would break the untyped limit.
        let untype = ThingUpdate { name: "t50".into(), remove_type: true, ..Default::default() };
        assert!(matches!(f.things().update(&scope(), untype), Err(RegistryError::Invalid(_))));
    }

    #[test]
    fn a_deprecated_type_takes_no_new_things_and_undo_restores_it() {
        let f = fixture();
        f.types(FIVE_MINUTES).create(&scope(), "LightBulb", light_bulb(), &no_tags()).unwrap();
        let thing = |name: &str| NewThing {
            name: name.into(),
            type_name: Some("LightBulb".into()),
            ..Default::default()
        };
        f.things().create(&scope(), thing("old")).unwrap();
        f.clock.advance(1000);
        f.types(FIVE_MINUTES).deprecate(&scope(), "LightBulb", false).unwrap();
        let t = f.types(FIVE_MINUTES).describe(&scope(), "LightBulb").unwrap();
        assert_eq!((t.deprecated, t.deprecated_at), (true, Some(1_468_423_801_950)));
        assert!(matches!(
            f.things().create(&scope(), thing("new")),
            Err(RegistryError::Invalid(_))
        ));
        f.things()
            .create(&scope(), NewThing { name: "plain".into(), ..Default::default() })
            .unwrap();
        let retype = ThingUpdate {
            name: "plain".into(),
            type_name: Some("LightBulb".into()),
            ..Default::default()
        };
        assert!(matches!(
            f.things().update(&scope(), retype.clone()),
            Err(RegistryError::Invalid(_))
        ));
        // Existing things are unchanged and can still be updated.
        let touch = ThingUpdate { name: "old".into(), ..Default::default() };
        assert_eq!(
            f.things().update(&scope(), touch).unwrap().type_name.as_deref(),
            Some("LightBulb")
        );
        f.types(FIVE_MINUTES).deprecate(&scope(), "LightBulb", true).unwrap();
        let t = f.types(FIVE_MINUTES).describe(&scope(), "LightBulb").unwrap();
        assert_eq!((t.deprecated, t.deprecated_at), (false, None));
        f.things().update(&scope(), retype).unwrap();
    }

    #[test]
    fn delete_needs_deprecation_the_delay_and_no_things() {
        let f = fixture();
        f.types(FIVE_MINUTES)
            .create(&scope(), "StopLight", ThingTypeProperties::default(), &no_tags())
            .unwrap();
        let typed = NewThing {
            name: "x".into(),
            type_name: Some("StopLight".into()),
            ..Default::default()
        };
        f.things().create(&scope(), typed).unwrap();
        let refused = |f: &Fixture| {
            matches!(
                f.types(FIVE_MINUTES).delete(&scope(), "StopLight"),
                Err(RegistryError::Invalid(_))
            )
        };
        assert!(refused(&f), "not deprecated");
        f.types(FIVE_MINUTES).deprecate(&scope(), "StopLight", false).unwrap();
        f.clock.advance(FIVE_MINUTES - 1);
        assert!(refused(&f), "too early");
        f.clock.advance(1);
        assert!(refused(&f), "a thing still has the type");
        f.things().delete(&scope(), "x", None).unwrap();
        f.types(FIVE_MINUTES).delete(&scope(), "StopLight").unwrap();
        assert!(matches!(
            f.types(FIVE_MINUTES).describe(&scope(), "StopLight"),
            Err(RegistryError::NotFound(_))
        ));
        assert!(matches!(
            f.types(FIVE_MINUTES).delete(&scope(), "StopLight"),
            Err(RegistryError::NotFound(_))
        ));
    }

    #[test]
    fn list_pages_and_filters_by_name() {
        let f = fixture();
        for name in ["c", "a", "b"] {
            f.types(FIVE_MINUTES)
                .create(&scope(), name, ThingTypeProperties::default(), &no_tags())
                .unwrap();
        }
        let p = f.types(FIVE_MINUTES).list(&scope(), None, None, 2).unwrap();
        assert_eq!(p.thing_types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let p = f.types(FIVE_MINUTES).list(&scope(), None, p.next_after.as_deref(), 2).unwrap();
        assert_eq!((p.thing_types.len(), p.next_after), (1, None));
        let p = f.types(FIVE_MINUTES).list(&scope(), Some("b"), None, 0).unwrap();
        assert_eq!(p.thing_types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["b"]);
    }
}
