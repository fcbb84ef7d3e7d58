//! Policies: CRUD, versions, attachments (AttachPolicy and the deprecated principal
//! APIs), and the listings of targets and attached policies.

use super::generated::iot::{
    AttachPolicyInput, AttachPolicyOutput, AttachPrincipalPolicyInput, AttachPrincipalPolicyOutput,
    CreatePolicyInput, CreatePolicyOutput, CreatePolicyVersionInput, CreatePolicyVersionOutput,
    DeletePolicyInput, DeletePolicyOutput, DeletePolicyVersionInput, DeletePolicyVersionOutput,
    DetachPolicyInput, DetachPolicyOutput, DetachPrincipalPolicyInput, DetachPrincipalPolicyOutput,
    ErrorCode, GetPolicyInput, GetPolicyOutput, GetPolicyVersionInput, GetPolicyVersionOutput,
    ListAttachedPoliciesInput, ListAttachedPoliciesOutput, ListPoliciesInput, ListPoliciesOutput,
    ListPolicyPrincipalsInput, ListPolicyPrincipalsOutput, ListPolicyVersionsInput,
    ListPolicyVersionsOutput, ListPrincipalPoliciesInput, ListPrincipalPoliciesOutput,
    ListTargetsForPolicyInput, ListTargetsForPolicyOutput, Policy as WirePolicy,
    PolicyVersion as WireVersion, SetDefaultPolicyVersionInput, SetDefaultPolicyVersionOutput,
};
use super::iot::registry_error;
use super::paging::{DEFAULT_MARKER_PAGE, decode_token, encode_token, page_size, page_sorted};
use super::tags::tag_map;
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::Scope;
use crate::domain::security::policies::{Policies, Policy, PolicyError};
use crate::store::SqliteStore;

fn policies(app: &App) -> Policies<'_, SqliteStore> {
    Policies { store: &app.store, clock: app.clock.as_ref(), ids: app.ids.as_ref() }
}

pub fn policy_error(e: PolicyError) -> ApiError {
    match e {
        PolicyError::Registry(e) => registry_error(e),
        PolicyError::Malformed(m) => ApiError::new(ErrorCode::MalformedPolicyException, m),
        PolicyError::DeleteConflict(m) => ApiError::new(ErrorCode::DeleteConflictException, m),
        PolicyError::VersionsLimitExceeded(m) => {
            ApiError::new(ErrorCode::VersionsLimitExceededException, m)
        }
        PolicyError::LimitExceeded(m) => ApiError::new(ErrorCode::LimitExceededException, m),
    }
}

fn wire_policy(scope: &Scope, p: &Policy) -> WirePolicy {
    WirePolicy { policy_arn: Some(p.arn(scope)), policy_name: Some(p.name.clone()) }
}

/// A page of policies sorted by name, after `marker`.
fn policy_page(
    scope: &Scope,
    all: Vec<Policy>,
    ascending: bool,
    marker: Option<String>,
    page: Option<i32>,
) -> (Vec<WirePolicy>, Option<String>) {
    let (items, next) =
        page_sorted(all, |p| p.name.as_str(), ascending, marker.as_deref(), page_size(page));
    (items.iter().map(|p| wire_policy(scope, p)).collect(), next.as_deref().map(encode_token))
}

pub fn create_policy(
    app: &App,
    ctx: &RequestContext,
    input: CreatePolicyInput,
) -> Result<CreatePolicyOutput, ApiError> {
    let p = policies(app)
        .create(&ctx.scope, &input.policy_name, &input.policy_document, &tag_map(input.tags))
        .map_err(policy_error)?;
    Ok(CreatePolicyOutput {
        policy_arn: Some(p.policy.arn(&ctx.scope)),
        policy_name: Some(p.policy.name),
        policy_document: Some(p.version.document),
        policy_version_id: Some(p.version.id.to_string()),
    })
}

pub fn get_policy(
    app: &App,
    ctx: &RequestContext,
    input: GetPolicyInput,
) -> Result<GetPolicyOutput, ApiError> {
    let p = policies(app).get(&ctx.scope, &input.policy_name).map_err(policy_error)?;
    Ok(GetPolicyOutput {
        policy_arn: Some(p.policy.arn(&ctx.scope)),
        default_version_id: Some(p.policy.default_version.to_string()),
        generation_id: Some(p.policy.generation_id),
        creation_date: Some(Timestamp(p.policy.created_at)),
        last_modified_date: Some(Timestamp(p.policy.modified_at)),
        policy_name: Some(p.policy.name),
        policy_document: Some(p.version.document),
    })
}

pub fn delete_policy(
    app: &App,
    ctx: &RequestContext,
    input: DeletePolicyInput,
) -> Result<DeletePolicyOutput, ApiError> {
    policies(app).delete(&ctx.scope, &input.policy_name).map_err(policy_error)?;
    Ok(DeletePolicyOutput {})
}

pub fn list_policies(
    app: &App,
    ctx: &RequestContext,
    input: ListPoliciesInput,
) -> Result<ListPoliciesOutput, ApiError> {
    let after = input.marker.as_deref().map(decode_token).transpose()?;
    let size = match page_size(input.page_size) {
        0 => DEFAULT_MARKER_PAGE,
        n => n,
    };
    // Name order; isAscendingOrder=false reverses it.
    let ascending = input.ascending_order.unwrap_or(true);
    let (list, next) =
        policies(app).list(&ctx.scope, ascending, after.as_deref(), size).map_err(policy_error)?;
    Ok(ListPoliciesOutput {
        policies: Some(list.iter().map(|p| wire_policy(&ctx.scope, p)).collect()),
        next_marker: next.as_deref().map(encode_token),
    })
}

pub fn create_policy_version(
    app: &App,
    ctx: &RequestContext,
    input: CreatePolicyVersionInput,
) -> Result<CreatePolicyVersionOutput, ApiError> {
    let (policy, version) = policies(app)
        .create_version(
            &ctx.scope,
            &input.policy_name,
            &input.policy_document,
            input.set_as_default.unwrap_or(false),
        )
        .map_err(policy_error)?;
    Ok(CreatePolicyVersionOutput {
        policy_arn: Some(policy.arn(&ctx.scope)),
        is_default_version: Some(policy.default_version == version.id),
        policy_document: Some(version.document),
        policy_version_id: Some(version.id.to_string()),
    })
}

pub fn get_policy_version(
    app: &App,
    ctx: &RequestContext,
    input: GetPolicyVersionInput,
) -> Result<GetPolicyVersionOutput, ApiError> {
    let (policy, version) = policies(app)
        .version(&ctx.scope, &input.policy_name, &input.policy_version_id)
        .map_err(policy_error)?;
    Ok(GetPolicyVersionOutput {
        policy_arn: Some(policy.arn(&ctx.scope)),
        is_default_version: Some(policy.default_version == version.id),
        generation_id: Some(policy.generation_id),
        creation_date: Some(Timestamp(version.created_at)),
        last_modified_date: Some(Timestamp(version.created_at)),
        policy_name: Some(policy.name),
        policy_document: Some(version.document),
        policy_version_id: Some(version.id.to_string()),
    })
}

pub fn list_policy_versions(
    app: &App,
    ctx: &RequestContext,
    input: ListPolicyVersionsInput,
) -> Result<ListPolicyVersionsOutput, ApiError> {
    let (policy, versions) =
        policies(app).versions(&ctx.scope, &input.policy_name).map_err(policy_error)?;
    Ok(ListPolicyVersionsOutput {
        policy_versions: Some(
            versions
                .into_iter()
                .map(|v| WireVersion {
                    version_id: Some(v.id.to_string()),
                    is_default_version: Some(v.id == policy.default_version),
                    create_date: Some(Timestamp(v.created_at)),
                })
                .collect(),
        ),
    })
}

pub fn delete_policy_version(
    app: &App,
    ctx: &RequestContext,
    input: DeletePolicyVersionInput,
) -> Result<DeletePolicyVersionOutput, ApiError> {
    policies(app)
        .delete_version(&ctx.scope, &input.policy_name, &input.policy_version_id)
        .map_err(policy_error)?;
    Ok(DeletePolicyVersionOutput {})
}

pub fn set_default_policy_version(
    app: &App,
    ctx: &RequestContext,
    input: SetDefaultPolicyVersionInput,
) -> Result<SetDefaultPolicyVersionOutput, ApiError> {
    policies(app)
        .set_default_version(&ctx.scope, &input.policy_name, &input.policy_version_id)
        .map_err(policy_error)?;
    Ok(SetDefaultPolicyVersionOutput {})
}

pub fn attach_policy(
    app: &App,
    ctx: &RequestContext,
    input: AttachPolicyInput,
) -> Result<AttachPolicyOutput, ApiError> {
    policies(app).attach(&ctx.scope, &input.policy_name, &input.target).map_err(policy_error)?;
    Ok(AttachPolicyOutput {})
}

pub fn detach_policy(
    app: &App,
    ctx: &RequestContext,
    input: DetachPolicyInput,
) -> Result<DetachPolicyOutput, ApiError> {
    policies(app).detach(&ctx.scope, &input.policy_name, &input.target).map_err(policy_error)?;
    Ok(DetachPolicyOutput {})
}

pub fn attach_principal_policy(
    app: &App,
    ctx: &RequestContext,
    input: AttachPrincipalPolicyInput,
) -> Result<AttachPrincipalPolicyOutput, ApiError> {
    policies(app).attach(&ctx.scope, &input.policy_name, &input.principal).map_err(policy_error)?;
    Ok(AttachPrincipalPolicyOutput {})
}

pub fn detach_principal_policy(
    app: &App,
    ctx: &RequestContext,
    input: DetachPrincipalPolicyInput,
) -> Result<DetachPrincipalPolicyOutput, ApiError> {
    policies(app).detach(&ctx.scope, &input.policy_name, &input.principal).map_err(policy_error)?;
    Ok(DetachPrincipalPolicyOutput {})
}

pub fn list_targets_for_policy(
    app: &App,
    ctx: &RequestContext,
    input: ListTargetsForPolicyInput,
) -> Result<ListTargetsForPolicyOutput, ApiError> {
    let targets = policies(app).targets(&ctx.scope, &input.policy_name).map_err(policy_error)?;
    let marker = input.marker.as_deref().map(decode_token).transpose()?;
    let (page, next) =
        page_sorted(targets, String::as_str, true, marker.as_deref(), page_size(input.page_size));
    Ok(ListTargetsForPolicyOutput {
        targets: Some(page),
        next_marker: next.as_deref().map(encode_token),
    })
}

pub fn list_policy_principals(
    app: &App,
    ctx: &RequestContext,
    input: ListPolicyPrincipalsInput,
) -> Result<ListPolicyPrincipalsOutput, ApiError> {
    let mut targets =
        policies(app).targets(&ctx.scope, &input.policy_name).map_err(policy_error)?;
    // Principals only: certificates and Cognito identities, not thing groups.
    targets.retain(|t| !t.contains(":thinggroup/"));
    let marker = input.marker.as_deref().map(decode_token).transpose()?;
    let ascending = input.ascending_order.unwrap_or(true);
    let (page, next) = page_sorted(
        targets,
        String::as_str,
        ascending,
        marker.as_deref(),
        page_size(input.page_size),
    );
    Ok(ListPolicyPrincipalsOutput {
        principals: Some(page),
        next_marker: next.as_deref().map(encode_token),
    })
}

pub fn list_attached_policies(
    app: &App,
    ctx: &RequestContext,
    input: ListAttachedPoliciesInput,
) -> Result<ListAttachedPoliciesOutput, ApiError> {
    let all = policies(app)
        .attached(&ctx.scope, &input.target, input.recursive.unwrap_or(false))
        .map_err(policy_error)?;
    let marker = input.marker.as_deref().map(decode_token).transpose()?;
    let (items, next) = policy_page(&ctx.scope, all, true, marker, input.page_size);
    Ok(ListAttachedPoliciesOutput { policies: Some(items), next_marker: next })
}

pub fn list_principal_policies(
    app: &App,
    ctx: &RequestContext,
    input: ListPrincipalPoliciesInput,
) -> Result<ListPrincipalPoliciesOutput, ApiError> {
    let all = policies(app).attached(&ctx.scope, &input.principal, false).map_err(policy_error)?;
    let marker = input.marker.as_deref().map(decode_token).transpose()?;
    let ascending = input.ascending_order.unwrap_or(true);
    let (items, next) = policy_page(&ctx.scope, all, ascending, marker, input.page_size);
    Ok(ListPrincipalPoliciesOutput { policies: Some(items), next_marker: next })
}
