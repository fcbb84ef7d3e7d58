//! Principals attached to things (AttachThingPrincipal and its kin): certificate
//! ARNs or Cognito identity ids, many-to-many with things.

use super::RegistryError;
use super::things::not_found as thing_not_found;
use crate::domain::security::certificates::certificate_not_found;
use crate::domain::security::policies::Target;
use crate::domain::{Scope, Store, StoreError, Tx};

/// Storage of thing–principal attachments, inside a transaction.
pub trait ThingPrincipalRecords {
    /// Principals attached to a thing, in order.
    fn thing_principals(&self, scope: &Scope, thing: &str) -> Result<Vec<String>, StoreError>;
    /// Things a principal is attached to, in order.
    fn principal_things(&self, scope: &Scope, principal: &str) -> Result<Vec<String>, StoreError>;
    fn attach_thing_principal(
        &self,
        scope: &Scope,
        thing: &str,
        principal: &str,
    ) -> Result<(), StoreError>;
    fn detach_thing_principal(
        &self,
        scope: &Scope,
        thing: &str,
        principal: &str,
    ) -> Result<(), StoreError>;
}

fn check_thing(tx: &dyn Tx, scope: &Scope, thing: &str) -> Result<(), RegistryError> {
    match tx.thing(scope, thing)? {
        Some(_) => Ok(()),
        None => Err(thing_not_found(thing)),
    }
}

/// A principal is a certificate ARN (which must exist) or a Cognito identity id.
fn check_principal(tx: &dyn Tx, scope: &Scope, principal: &str) -> Result<(), RegistryError> {
    match Target::parse(scope, principal)? {
        Target::Certificate(id) if !tx.certificate_exists(scope, &id)? => {
            Err(certificate_not_found(&id))
        }
        Target::ThingGroup(_) => Err(RegistryError::Invalid(format!(
            "{principal} is not a certificate or Cognito identity."
        ))),
        _ => Ok(()),
    }
}

pub fn attach(
    store: &impl Store,
    scope: &Scope,
    thing: &str,
    principal: &str,
) -> Result<(), RegistryError> {
    store.write(|tx| {
        check_thing(tx, scope, thing)?;
        check_principal(tx, scope, principal)?;
        tx.attach_thing_principal(scope, thing, principal)?;
        Ok(())
    })
}

pub fn detach(
    store: &impl Store,
    scope: &Scope,
    thing: &str,
    principal: &str,
) -> Result<(), RegistryError> {
    store.write(|tx| {
        check_thing(tx, scope, thing)?;
        tx.detach_thing_principal(scope, thing, principal)?;
        Ok(())
    })
}

pub fn principals_of(
    store: &impl Store,
    scope: &Scope,
    thing: &str,
) -> Result<Vec<String>, RegistryError> {
    store.read(|tx| {
        check_thing(tx, scope, thing)?;
        Ok(tx.thing_principals(scope, thing)?)
    })
}

pub fn things_of(
    store: &impl Store,
    scope: &Scope,
    principal: &str,
) -> Result<Vec<String>, RegistryError> {
    store.read(|tx| {
        check_principal(tx, scope, principal)?;
        Ok(tx.principal_things(scope, principal)?)
    })
}
