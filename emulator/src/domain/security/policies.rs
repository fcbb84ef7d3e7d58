//! AWS IoT policies as resources: create, get, delete and list them, their versions
//! (at most five, one default), and their attachment to targets (certificates,
//! thing groups, Cognito identities), with the guide's rules (L18812-19017,
//! L20808-20899, L3646-3662).

use std::collections::BTreeMap;

use super::policy::PolicyDocument;

use crate::domain::registry::RegistryError;
use crate::domain::registry::thing_groups::group_not_found;
use crate::domain::tags::add_tags;
use crate::domain::{Clock, IdGen, Millis, Scope, Store, StoreError, Tx};

/// Versions one policy may have (guide L18948).
pub const MAX_VERSIONS: usize = 5;
/// Policies one thing group may have attached (guide L3660).
pub const MAX_POLICIES_PER_GROUP: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub default_version: u32,
    /// The id the next version gets; ids are never reused.
    pub next_version: u32,
    pub generation_id: String,
    pub created_at: Millis,
    pub modified_at: Millis,
}

impl Policy {
    pub fn arn(&self, scope: &Scope) -> String {
        policy_arn(scope, &self.name)
    }
}

pub fn policy_arn(scope: &Scope, name: &str) -> String {
    scope.arn(&format!("policy/{name}"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub id: u32,
    pub document: String,
    pub created_at: Millis,
}

/// A policy with the version that is in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWithDocument {
    pub policy: Policy,
    pub version: PolicyVersion,
}

/// Storage of policies, versions and attachments, inside a transaction.
pub trait PolicyRecords {
    fn policy(&self, scope: &Scope, name: &str) -> Result<Option<Policy>, StoreError>;
    fn put_policy(&self, scope: &Scope, policy: &Policy) -> Result<(), StoreError>;
    /// Deletes the policy with its versions.
    fn delete_policy(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;
    /// Up to `limit` policies in name order (reversed unless `ascending`) after `after`.
    fn list_policies(
        &self,
        scope: &Scope,
        ascending: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Policy>, StoreError>;
    /// Every version of a policy, oldest first.
    fn policy_versions(&self, scope: &Scope, name: &str) -> Result<Vec<PolicyVersion>, StoreError>;
    fn put_policy_version(
        &self,
        scope: &Scope,
        name: &str,
        version: &PolicyVersion,
    ) -> Result<(), StoreError>;
    fn delete_policy_version(&self, scope: &Scope, name: &str, id: u32) -> Result<(), StoreError>;
    /// Targets (ARNs or Cognito identity ids) the policy is attached to, in order.
    fn policy_targets(&self, scope: &Scope, name: &str) -> Result<Vec<String>, StoreError>;
    /// Names of the policies attached to `target`, in order.
    fn target_policies(&self, scope: &Scope, target: &str) -> Result<Vec<String>, StoreError>;
    fn attach_policy(&self, scope: &Scope, name: &str, target: &str) -> Result<(), StoreError>;
    fn detach_policy(&self, scope: &Scope, name: &str, target: &str) -> Result<(), StoreError>;
}

/// What a policy may be attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Certificate(String),
    ThingGroup(String),
    CognitoIdentity(String),
}

impl Target {
    /// Reads a target as the API gives it: a certificate or thing group ARN in the
    /// caller's scope, or a Cognito identity id (`region:uuid`).
    pub fn parse(scope: &Scope, target: &str) -> Result<Target, RegistryError> {
        let prefix = scope.arn("");
        if let Some(resource) = target.strip_prefix(&prefix) {
            if let Some(id) = resource.strip_prefix("cert/").filter(|s| !s.is_empty()) {
                return Ok(Target::Certificate(id.to_owned()));
            }
            if let Some(name) = resource.strip_prefix("thinggroup/").filter(|s| !s.is_empty()) {
                return Ok(Target::ThingGroup(name.to_owned()));
            }
        }
        let cognito = target.split_once(':').is_some_and(|(region, id)| {
            !region.is_empty()
                && !id.is_empty()
                && !region.contains('/')
                && !target.starts_with("arn:")
        });
        if cognito {
            return Ok(Target::CognitoIdentity(target.to_owned()));
        }
        Err(RegistryError::Invalid(format!(
            "{target} is not a certificate ARN, thing group ARN or Cognito identity id of this account and region."
        )))
    }
}

/// The policy operations.
pub struct Policies<'a, S: Store> {
    pub store: &'a S,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGen,
}

/// Why a policy operation was refused, beyond the registry's kinds.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    VersionsLimitExceeded(String),
    #[error("{0}")]
    LimitExceeded(String),
}

impl From<StoreError> for PolicyError {
    fn from(e: StoreError) -> Self {
        PolicyError::Registry(RegistryError::Store(e))
    }
}

pub(crate) fn policy_not_found(name: &str) -> RegistryError {
    RegistryError::NotFound(format!("Policy {name} does not exist."))
}

fn get_policy(tx: &dyn Tx, scope: &Scope, name: &str) -> Result<Policy, PolicyError> {
    Ok(tx.policy(scope, name)?.ok_or_else(|| policy_not_found(name))?)
}

fn check_document(text: &str) -> Result<(), PolicyError> {
    PolicyDocument::parse(text).map(drop).map_err(|e| PolicyError::Malformed(e.message))
}

fn parse_version(id: &str) -> Result<u32, PolicyError> {
    id.parse().map_err(|_| {
        PolicyError::Registry(RegistryError::Invalid(format!("{id} is not a policy version id.")))
    })
}

/// Whether the target exists, and attaching one more policy to it is allowed.
fn check_target(tx: &dyn Tx, scope: &Scope, target: &Target, raw: &str) -> Result<(), PolicyError> {
    match target {
        Target::Certificate(id) => {
            if !tx.certificate_exists(scope, id)? {
                return Err(
                    RegistryError::NotFound(format!("Certificate {id} does not exist.")).into()
                );
            }
        }
        Target::ThingGroup(name) => {
            if tx.thing_group(scope, name)?.is_none() {
                return Err(group_not_found(name).into());
            }
            if tx.target_policies(scope, raw)?.len() >= MAX_POLICIES_PER_GROUP {
                return Err(PolicyError::LimitExceeded(format!(
                    "Thing group {name} already has {MAX_POLICIES_PER_GROUP} policies attached, the most a group can have."
                )));
            }
        }
        Target::CognitoIdentity(_) => {}
    }
    Ok(())
}

impl<S: Store> Policies<'_, S> {
    /// CreatePolicy: version 1, the default.
    pub fn create(
        &self,
        scope: &Scope,
        name: &str,
        document: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<PolicyWithDocument, PolicyError> {
        check_document(document)?;
        self.store.write(|tx| {
            if tx.policy(scope, name)?.is_some() {
                return Err(
                    RegistryError::AlreadyExists(format!("Policy {name} already exists.")).into()
                );
            }
            let now = self.clock.now_millis();
            let policy = Policy {
                name: name.to_owned(),
                default_version: 1,
                next_version: 2,
                generation_id: self.ids.uuid(),
                created_at: now,
                modified_at: now,
            };
            let version = PolicyVersion { id: 1, document: document.to_owned(), created_at: now };
            tx.put_policy(scope, &policy)?;
            tx.put_policy_version(scope, name, &version)?;
            add_tags(tx, scope, &policy.arn(scope), tags)?;
            Ok(PolicyWithDocument { policy, version })
        })
    }

    /// GetPolicy: the policy with its default version.
    pub fn get(&self, scope: &Scope, name: &str) -> Result<PolicyWithDocument, PolicyError> {
        self.store.read(|tx| {
            let policy = get_policy(tx, scope, name)?;
            let version = tx
                .policy_versions(scope, name)?
                .into_iter()
                .find(|v| v.id == policy.default_version)
                .ok_or_else(|| policy_not_found(name))?;
            Ok(PolicyWithDocument { policy, version })
        })
    }

    /// DeletePolicy: refused while attached or while it has other versions.
    pub fn delete(&self, scope: &Scope, name: &str) -> Result<(), PolicyError> {
        self.store.write(|tx| {
            let policy = get_policy(tx, scope, name)?;
            if !tx.policy_targets(scope, name)?.is_empty() {
                return Err(PolicyError::DeleteConflict(format!(
                    "The policy cannot be deleted as the policy is attached to one or more principals (name={name})"
                )));
            }
            if tx.policy_versions(scope, name)?.len() > 1 {
                return Err(PolicyError::DeleteConflict(format!(
                    "Cannot delete the policy because it has one or more policy versions attached to it (name={name})"
                )));
            }
            tx.delete_policy(scope, name)?;
            tx.drop_tags(scope, &policy.arn(scope))?;
            Ok(())
        })
    }

    pub fn list(
        &self,
        scope: &Scope,
        ascending: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Policy>, Option<String>), PolicyError> {
        let policies =
            self.store.read(|tx| tx.list_policies(scope, ascending, after, limit + 1))?;
        Ok(crate::domain::paging::paginate(policies, limit, |p| p.name.clone()))
    }

    /// CreatePolicyVersion: at most five versions; optionally the new default.
    pub fn create_version(
        &self,
        scope: &Scope,
        name: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<(Policy, PolicyVersion), PolicyError> {
        check_document(document)?;
        self.store.write(|tx| {
            let mut policy = get_policy(tx, scope, name)?;
            if tx.policy_versions(scope, name)?.len() >= MAX_VERSIONS {
                return Err(PolicyError::VersionsLimitExceeded(format!(
                    "The policy {name} already has the maximum number of versions ({MAX_VERSIONS})"
                )));
            }
            let now = self.clock.now_millis();
            let version = PolicyVersion {
                id: policy.next_version,
                document: document.to_owned(),
                created_at: now,
            };
            policy.next_version += 1;
            if set_as_default {
                policy.default_version = version.id;
            }
            policy.modified_at = now;
            tx.put_policy_version(scope, name, &version)?;
            tx.put_policy(scope, &policy)?;
            Ok((policy, version))
        })
    }

    pub fn version(
        &self,
        scope: &Scope,
        name: &str,
        id: &str,
    ) -> Result<(Policy, PolicyVersion), PolicyError> {
        let id = parse_version(id)?;
        self.store.read(|tx| {
            let policy = get_policy(tx, scope, name)?;
            let version =
                tx.policy_versions(scope, name)?.into_iter().find(|v| v.id == id).ok_or_else(
                    || {
                        RegistryError::NotFound(format!(
                            "Version {id} of policy {name} does not exist."
                        ))
                    },
                )?;
            Ok((policy, version))
        })
    }

    pub fn versions(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<(Policy, Vec<PolicyVersion>), PolicyError> {
        self.store.read(|tx| {
            let policy = get_policy(tx, scope, name)?;
            Ok((policy, tx.policy_versions(scope, name)?))
        })
    }

    /// DeletePolicyVersion: never the default one.
    pub fn delete_version(&self, scope: &Scope, name: &str, id: &str) -> Result<(), PolicyError> {
        let id = parse_version(id)?;
        self.store.write(|tx| {
            let policy = get_policy(tx, scope, name)?;
            if !tx.policy_versions(scope, name)?.iter().any(|v| v.id == id) {
                return Err(RegistryError::NotFound(format!(
                    "Version {id} of policy {name} does not exist."
                ))
                .into());
            }
            if policy.default_version == id {
                return Err(PolicyError::DeleteConflict(
                    "Cannot delete the default version of a policy".to_owned(),
                ));
            }
            tx.delete_policy_version(scope, name, id)?;
            Ok(())
        })
    }

    /// SetDefaultPolicyVersion: every principal with the policy sees the new version.
    pub fn set_default_version(
        &self,
        scope: &Scope,
        name: &str,
        id: &str,
    ) -> Result<(), PolicyError> {
        let id = parse_version(id)?;
        self.store.write(|tx| {
            let mut policy = get_policy(tx, scope, name)?;
            if !tx.policy_versions(scope, name)?.iter().any(|v| v.id == id) {
                return Err(RegistryError::NotFound(format!(
                    "Version {id} of policy {name} does not exist."
                ))
                .into());
            }
            policy.default_version = id;
            policy.modified_at = self.clock.now_millis();
            tx.put_policy(scope, &policy)?;
            Ok(())
        })
    }

    /// AttachPolicy (and the deprecated AttachPrincipalPolicy); attaching twice is fine.
    pub fn attach(&self, scope: &Scope, name: &str, target: &str) -> Result<(), PolicyError> {
        let parsed = Target::parse(scope, target)?;
        self.store.write(|tx| {
            get_policy(tx, scope, name)?;
            if tx.target_policies(scope, target)?.iter().any(|p| p == name) {
                return Ok(());
            }
            check_target(tx, scope, &parsed, target)?;
            tx.attach_policy(scope, name, target)?;
            Ok(())
        })
    }

    /// DetachPolicy (and DetachPrincipalPolicy); detaching what is not attached is fine.
    pub fn detach(&self, scope: &Scope, name: &str, target: &str) -> Result<(), PolicyError> {
        Target::parse(scope, target)?;
        self.store.write(|tx| {
            get_policy(tx, scope, name)?;
            tx.detach_policy(scope, name, target)?;
            Ok(())
        })
    }

    /// ListTargetsForPolicy / ListPolicyPrincipals.
    pub fn targets(&self, scope: &Scope, name: &str) -> Result<Vec<String>, PolicyError> {
        self.store.read(|tx| {
            get_policy(tx, scope, name)?;
            Ok(tx.policy_targets(scope, name)?)
        })
    }

    /// ListAttachedPolicies / ListPrincipalPolicies: with `recursive`, a thing
    /// group's target also yields the policies of its ancestors, nearest first.
    pub fn attached(
        &self,
        scope: &Scope,
        target: &str,
        recursive: bool,
    ) -> Result<Vec<Policy>, PolicyError> {
        let parsed = Target::parse(scope, target)?;
        self.store.read(|tx| {
            let mut targets = vec![target.to_owned()];
            match &parsed {
                Target::ThingGroup(name) => {
                    let mut group =
                        tx.thing_group(scope, name)?.ok_or_else(|| group_not_found(name))?;
                    while let (true, Some(parent)) = (recursive, group.parent.clone()) {
                        targets
                            .push(crate::domain::registry::thing_groups::group_arn(scope, &parent));
                        group = tx
                            .thing_group(scope, &parent)?
                            .ok_or_else(|| group_not_found(&parent))?;
                    }
                }
                Target::Certificate(id) => {
                    if !tx.certificate_exists(scope, id)? {
                        return Err(RegistryError::NotFound(format!(
                            "Certificate {id} does not exist."
                        ))
                        .into());
                    }
                }
                Target::CognitoIdentity(_) => {}
            }
            let mut out = Vec::new();
            for t in targets {
                for name in tx.target_policies(scope, &t)? {
                    if !out.iter().any(|p: &Policy| p.name == name) {
                        out.push(get_policy(tx, scope, &name)?);
                    }
                }
            }
            Ok(out)
        })
    }
}
