//! Which policies apply to a principal, and what they decide: GetEffectivePolicies
//! and TestAuthorization (guide L3716-3851) on top of the policy engine. The broker
//! will use the same collection of policies on every connect, publish, subscribe and
//! delivery.
//!
//! The policies that apply are those attached to the principal (certificate or Cognito
//! identity) and those attached to the thing groups, and their ancestors, of the
//! thing: the thing named by GetEffectivePolicies' `thingName`, or for an MQTT client
//! the thing named by its client id when the principal is attached to it (the guide
//! leaves the choice open; this is the reading of L4720-4722).

use super::certificates::certificate_not_found;
use super::policies::{PolicyError, PolicyVersion, Target, policy_not_found};
use super::policy::{
    self, AuthContext, CertificateContext, NamedPolicy, PolicyDocument, ThingContext,
};
use super::x509;
use crate::domain::registry::RegistryError;
use crate::domain::registry::thing_groups::{group_arn, group_not_found};
use crate::domain::registry::things::not_found as thing_not_found;
use crate::domain::{Scope, Store, Tx};

/// A policy in force for a principal: its name and default document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePolicy {
    pub name: String,
    pub document: String,
}

/// One `authInfo` of TestAuthorization: an action type and the resources to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthInfo {
    pub action_type: String,
    pub resources: Vec<String>,
}

/// A TestAuthorization request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthQuery {
    pub principal: Option<String>,
    pub client_id: Option<String>,
    pub auth_infos: Vec<AuthInfo>,
    pub policies_to_add: Vec<String>,
    pub policies_to_skip: Vec<String>,
}

/// The answer for one `authInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResult {
    pub info: AuthInfo,
    pub decision: policy::Decision,
    pub allowed: Vec<String>,
    pub explicit_deny: Vec<String>,
    pub implicit_deny: Vec<String>,
    pub missing_context_values: Vec<String>,
}

/// The IoT action of a TestAuthorization `actionType`.
fn action_of(action_type: &str) -> Result<&'static str, RegistryError> {
    Ok(match action_type {
        "PUBLISH" => "iot:Publish",
        "SUBSCRIBE" => "iot:Subscribe",
        "RECEIVE" => "iot:Receive",
        "CONNECT" => "iot:Connect",
        other => {
            return Err(RegistryError::Invalid(format!(
                "{other} is not an action type (PUBLISH, SUBSCRIBE, RECEIVE, CONNECT)."
            )));
        }
    })
}

fn push_unique(out: &mut Vec<String>, names: Vec<String>) {
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
}

/// Policies of the thing's groups and of every ancestor of those groups.
fn group_policies(tx: &dyn Tx, scope: &Scope, thing: &str) -> Result<Vec<String>, PolicyError> {
    let mut out = Vec::new();
    for group in tx.groups_of_thing(scope, thing)? {
        let mut next = Some(group);
        while let Some(name) = next {
            push_unique(&mut out, tx.target_policies(scope, &group_arn(scope, &name))?);
            next = tx.thing_group(scope, &name)?.ok_or_else(|| group_not_found(&name))?.parent;
        }
    }
    Ok(out)
}

/// The principal's own policies; a certificate principal must exist.
fn principal_policies(
    tx: &dyn Tx,
    scope: &Scope,
    principal: &str,
) -> Result<Vec<String>, PolicyError> {
    match Target::parse(scope, principal)? {
        Target::Certificate(id) if !tx.certificate_exists(scope, &id)? => {
            Err(certificate_not_found(&id).into())
        }
        Target::ThingGroup(_) => {
            Err(RegistryError::Invalid(format!("{principal} is a thing group, not a principal."))
                .into())
        }
        _ => Ok(tx.target_policies(scope, principal)?),
    }
}

fn default_version(tx: &dyn Tx, scope: &Scope, name: &str) -> Result<PolicyVersion, PolicyError> {
    let policy = tx.policy(scope, name)?.ok_or_else(|| policy_not_found(name))?;
    Ok(tx
        .policy_versions(scope, name)?
        .into_iter()
        .find(|v| v.id == policy.default_version)
        .ok_or_else(|| policy_not_found(name))?)
}

/// The certificate context of a certificate principal, for certificate variables.
fn certificate_context(
    tx: &dyn Tx,
    scope: &Scope,
    principal: &str,
) -> Result<Option<CertificateContext>, PolicyError> {
    let Ok(Target::Certificate(id)) = Target::parse(scope, principal) else { return Ok(None) };
    let Some(cert) = tx.certificate(scope, &id)? else { return Ok(None) };
    let parsed = x509::parse_certificate_pem(&cert.pem)
        .map_err(|e| RegistryError::Invalid(e.to_string()))?;
    let ctx = CertificateContext::from_der(&parsed.der).map_err(RegistryError::Invalid)?;
    Ok(Some(ctx))
}

/// GetEffectivePolicies: the principal's policies and those its thing inherits.
pub fn effective_policies(
    store: &impl Store,
    scope: &Scope,
    principal: Option<&str>,
    thing: Option<&str>,
) -> Result<Vec<EffectivePolicy>, PolicyError> {
    store.read(|tx| {
        let mut names = Vec::new();
        if let Some(p) = principal {
            push_unique(&mut names, principal_policies(tx, scope, p)?);
        }
        if let Some(t) = thing {
            if tx.thing(scope, t)?.is_none() {
                return Err(thing_not_found(t).into());
            }
            push_unique(&mut names, group_policies(tx, scope, t)?);
        }
        names
            .into_iter()
            .map(|name| {
                let version = default_version(tx, scope, &name)?;
                Ok(EffectivePolicy { name, document: version.document })
            })
            .collect()
    })
}

/// What a principal connecting as `client_id` has in force: the default documents of
/// its policies (its own, plus those of the thing named by the client id and that
/// thing's groups, when the principal is attached to that thing), and the evaluation
/// context (client id, certificate, thing).
pub fn policies_in_force(
    tx: &dyn Tx,
    scope: &Scope,
    principal: Option<&str>,
    client_id: Option<&str>,
) -> Result<(Vec<(String, String)>, AuthContext), PolicyError> {
    let mut names = Vec::new();
    let mut ctx = AuthContext {
        client_id: client_id.map(str::to_owned),
        principal: principal.map(str::to_owned),
        ..AuthContext::default()
    };
    if let Some(p) = principal {
        push_unique(&mut names, principal_policies(tx, scope, p)?);
        ctx.certificate = certificate_context(tx, scope, p)?;
    }
    if let Some(thing) = client_id.map(|c| tx.thing(scope, c)).transpose()?.flatten() {
        let attached = match principal {
            Some(p) => tx.thing_principals(scope, &thing.name)?.iter().any(|x| x == p),
            None => false,
        };
        if attached {
            push_unique(&mut names, group_policies(tx, scope, &thing.name)?);
        }
        ctx.thing = Some(ThingContext {
            name: thing.name,
            type_name: thing.type_name,
            attributes: thing.attributes.into_iter().collect(),
            is_attached: attached,
        });
    }
    let documents = names
        .into_iter()
        .map(|n| Ok::<_, PolicyError>((n.clone(), default_version(tx, scope, &n)?.document)))
        .collect::<Result<_, _>>()?;
    Ok((documents, ctx))
}

/// Parses stored documents for the engine (they were validated when stored).
pub fn parse_documents(
    documents: Vec<(String, String)>,
) -> Result<Vec<(String, PolicyDocument)>, PolicyError> {
    documents
        .into_iter()
        .map(|(n, text)| {
            let doc =
                PolicyDocument::parse(&text).map_err(|e| PolicyError::Malformed(e.message))?;
            Ok((n, doc))
        })
        .collect()
}

/// TestAuthorization: evaluates each `authInfo` against the policies in force.
pub fn test_authorization(
    store: &impl Store,
    scope: &Scope,
    q: &AuthQuery,
) -> Result<Vec<AuthResult>, PolicyError> {
    let (names, ctx) = store.read(|tx| {
        let (mut documents, ctx) =
            policies_in_force(tx, scope, q.principal.as_deref(), q.client_id.as_deref())?;
        for add in &q.policies_to_add {
            if documents.iter().any(|(n, _)| n == add) {
                continue;
            }
            if tx.policy(scope, add)?.is_none() {
                return Err(PolicyError::from(policy_not_found(add)));
            }
            documents.push((add.clone(), default_version(tx, scope, add)?.document));
        }
        documents.retain(|(n, _)| !q.policies_to_skip.contains(n));
        Ok::<_, PolicyError>((documents, ctx))
    })?;
    let parsed = parse_documents(names)?;
    let named: Vec<NamedPolicy<'_>> =
        parsed.iter().map(|(n, d)| NamedPolicy { name: n, document: d }).collect();
    q.auth_infos
        .iter()
        .map(|info| {
            let action = action_of(&info.action_type)?;
            let mut result = AuthResult {
                info: info.clone(),
                decision: policy::Decision::Allowed,
                allowed: Vec::new(),
                explicit_deny: Vec::new(),
                implicit_deny: Vec::new(),
                missing_context_values: Vec::new(),
            };
            let mut any_implicit = info.resources.is_empty();
            for resource in &info.resources {
                let e = policy::evaluate(&named, action, resource, &ctx);
                match e.decision {
                    policy::Decision::ExplicitDeny => {
                        result.decision = policy::Decision::ExplicitDeny
                    }
                    policy::Decision::ImplicitDeny => any_implicit = true,
                    policy::Decision::Allowed => {}
                }
                push_unique(&mut result.allowed, e.allowed.iter().map(|s| s.to_string()).collect());
                push_unique(
                    &mut result.explicit_deny,
                    e.explicit_deny.iter().map(|s| s.to_string()).collect(),
                );
                push_unique(
                    &mut result.implicit_deny,
                    e.implicit_deny.iter().map(|s| s.to_string()).collect(),
                );
                push_unique(&mut result.missing_context_values, e.missing_context_values);
            }
            if result.decision != policy::Decision::ExplicitDeny && any_implicit {
                result.decision = policy::Decision::ImplicitDeny;
            }
            Ok(result)
        })
        .collect()
}
