//! Resource tags, by ARN: TagResource, UntagResource, ListTagsForResource, and the
//! tags given when a resource is created.

use std::collections::BTreeMap;

use super::registry::RegistryError;
use super::{Scope, Store, StoreError, Tx};

/// Tags one resource may carry.
pub const MAX_TAGS: usize = 50;

/// Storage of tags, inside a transaction.
pub trait TagRecords {
    fn tags(&self, scope: &Scope, arn: &str) -> Result<BTreeMap<String, String>, StoreError>;
    /// Sets each tag, replacing the value of a key already there.
    fn put_tags(
        &self,
        scope: &Scope,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), StoreError>;
    fn remove_tags(&self, scope: &Scope, arn: &str, keys: &[String]) -> Result<(), StoreError>;

    /// Removes every tag of a resource (when the resource is deleted).
    fn drop_tags(&self, scope: &Scope, arn: &str) -> Result<(), StoreError> {
        let keys: Vec<String> = self.tags(scope, arn)?.into_keys().collect();
        self.remove_tags(scope, arn, &keys)
    }
}

/// Whether the resource an ARN names exists in `scope`. Kinds of resource that the
/// emulator cannot create yet cannot exist.
fn resource_exists(tx: &dyn Tx, scope: &Scope, arn: &str) -> Result<bool, StoreError> {
    let Some(resource) = arn.strip_prefix(&scope.arn("")) else { return Ok(false) };
    let Some((kind, name)) = resource.split_once('/') else { return Ok(false) };
    Ok(match kind {
        "thingtype" => tx.thing_type(scope, name)?.is_some(),
        "thinggroup" => tx.thing_group(scope, name)?.is_some(),
        "policy" => tx.policy(scope, name)?.is_some(),
        "cacert" => tx.ca_certificate(scope, name)?.is_some(),
        "rule" => tx.topic_rule(scope, name)?.is_some(),
        _ => false,
    })
}

fn not_found(arn: &str) -> RegistryError {
    RegistryError::NotFound(format!("Resource {arn} does not exist."))
}

/// Adds `tags` to the resource at `arn` inside an open transaction (also used by
/// the Create operations that take tags).
pub fn add_tags(
    tx: &dyn Tx,
    scope: &Scope,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), RegistryError> {
    let mut all = tx.tags(scope, arn)?;
    all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    if all.len() > MAX_TAGS {
        return Err(RegistryError::Invalid(format!(
            "A resource can have at most {MAX_TAGS} tags; this request would give it {}.",
            all.len()
        )));
    }
    tx.put_tags(scope, arn, tags)?;
    Ok(())
}

pub fn tag_resource(
    store: &impl Store,
    scope: &Scope,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), RegistryError> {
    store.write(|tx| {
        if !resource_exists(tx, scope, arn)? {
            return Err(not_found(arn));
        }
        add_tags(tx, scope, arn, tags)
    })
}

pub fn untag_resource(
    store: &impl Store,
    scope: &Scope,
    arn: &str,
    keys: &[String],
) -> Result<(), RegistryError> {
    store.write(|tx| {
        if !resource_exists(tx, scope, arn)? {
            return Err(not_found(arn));
        }
        tx.remove_tags(scope, arn, keys)?;
        Ok(())
    })
}

pub fn list_tags(
    store: &impl Store,
    scope: &Scope,
    arn: &str,
) -> Result<BTreeMap<String, String>, RegistryError> {
    store.read(|tx| {
        if !resource_exists(tx, scope, arn)? {
            return Err(not_found(arn));
        }
        Ok(tx.tags(scope, arn)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registry::thing_types::{ThingTypeProperties, ThingTypes};
    use crate::domain::{FixedClock, SequentialIds};
    use crate::store::SqliteStore;

    #[test]
    fn tags_live_with_their_resource() {
        let store = SqliteStore::open_in_memory().unwrap();
        let (clock, ids) = (FixedClock::new(0), SequentialIds::default());
        let scope = Scope::new("123456789012", "us-east-1");
        let arn = scope.arn("thingtype/lamp");
        let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert!(matches!(
            tag_resource(&store, &scope, &arn, &tags(&[("a", "1")])),
            Err(RegistryError::NotFound(_))
        ));
        let types = ThingTypes { store: &store, clock: &clock, ids: &ids, delete_delay_ms: 0 };
        types.create(&scope, "lamp", ThingTypeProperties::default(), &BTreeMap::new()).unwrap();
        tag_resource(&store, &scope, &arn, &tags(&[("a", "1"), ("b", "2")])).unwrap();
        tag_resource(&store, &scope, &arn, &tags(&[("a", "9")])).unwrap();
        untag_resource(&store, &scope, &arn, &["b".to_string(), "absent".to_string()]).unwrap();
        assert_eq!(list_tags(&store, &scope, &arn).unwrap(), tags(&[("a", "9")]));
        let other_region = Scope::new("123456789012", "eu-west-1");
        assert!(matches!(list_tags(&store, &other_region, &arn), Err(RegistryError::NotFound(_))));
        let many: BTreeMap<String, String> =
            (0..MAX_TAGS).map(|i| (format!("k{i}"), "v".to_string())).collect();
        assert!(matches!(
            tag_resource(&store, &scope, &arn, &many),
            Err(RegistryError::Invalid(_))
        ));
        assert_eq!(
            list_tags(&store, &scope, &arn).unwrap().len(),
            1,
            "a refused request adds nothing"
        );
    }
}
