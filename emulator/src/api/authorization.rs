//! GetEffectivePolicies and TestAuthorization, on the policy engine.

use super::generated::iot::{
    Allowed, AuthInfo as WireAuthInfo, AuthResult as WireAuthResult, Denied, EffectivePolicy,
    ExplicitDeny, GetEffectivePoliciesInput, GetEffectivePoliciesOutput, ImplicitDeny,
    Policy as WirePolicy, TestAuthorizationInput, TestAuthorizationOutput,
};
use super::policies::policy_error;
use super::wire::{ApiError, RequestContext};
use crate::app::App;
use crate::domain::Scope;
use crate::domain::security::authorization::{self, AuthInfo, AuthQuery};
use crate::domain::security::policies::policy_arn;

/// Cognito identity pools stand for IAM roles, which the emulator does not model.
fn refuse_identity_pool(pool: &Option<String>, operation: &str) -> Result<(), ApiError> {
    match pool {
        Some(_) => Err(ApiError::not_implemented(&format!(
            "{operation} with cognitoIdentityPoolId (IAM roles of Cognito identity pools)"
        ))),
        None => Ok(()),
    }
}

fn policies(scope: &Scope, names: Vec<String>) -> Option<Vec<WirePolicy>> {
    Some(
        names
            .into_iter()
            .map(|n| WirePolicy { policy_arn: Some(policy_arn(scope, &n)), policy_name: Some(n) })
            .collect(),
    )
}

pub fn get_effective_policies(
    app: &App,
    ctx: &RequestContext,
    input: GetEffectivePoliciesInput,
) -> Result<GetEffectivePoliciesOutput, ApiError> {
    refuse_identity_pool(&input.cognito_identity_pool_id, "GetEffectivePolicies")?;
    let found = authorization::effective_policies(
        &app.store,
        &ctx.scope,
        input.principal.as_deref(),
        input.thing_name.as_deref(),
    )
    .map_err(policy_error)?;
    Ok(GetEffectivePoliciesOutput {
        effective_policies: Some(
            found
                .into_iter()
                .map(|p| EffectivePolicy {
                    policy_arn: Some(policy_arn(&ctx.scope, &p.name)),
                    policy_name: Some(p.name),
                    policy_document: Some(p.document),
                })
                .collect(),
        ),
    })
}

pub fn test_authorization(
    app: &App,
    ctx: &RequestContext,
    input: TestAuthorizationInput,
) -> Result<TestAuthorizationOutput, ApiError> {
    refuse_identity_pool(&input.cognito_identity_pool_id, "TestAuthorization")?;
    let query = AuthQuery {
        principal: input.principal,
        client_id: input.client_id,
        auth_infos: input
            .auth_infos
            .into_iter()
            .map(|a| AuthInfo {
                action_type: a.action_type.unwrap_or_default(),
                resources: a.resources,
            })
            .collect(),
        policies_to_add: input.policy_names_to_add.unwrap_or_default(),
        policies_to_skip: input.policy_names_to_skip.unwrap_or_default(),
    };
    let results =
        authorization::test_authorization(&app.store, &ctx.scope, &query).map_err(policy_error)?;
    Ok(TestAuthorizationOutput {
        auth_results: Some(
            results
                .into_iter()
                .map(|r| WireAuthResult {
                    auth_info: Some(WireAuthInfo {
                        action_type: Some(r.info.action_type),
                        resources: r.info.resources,
                    }),
                    auth_decision: Some(r.decision.as_str().to_owned()),
                    allowed: Some(Allowed { policies: policies(&ctx.scope, r.allowed) }),
                    denied: Some(Denied {
                        explicit_deny: Some(ExplicitDeny {
                            policies: policies(&ctx.scope, r.explicit_deny),
                        }),
                        implicit_deny: Some(ImplicitDeny {
                            policies: policies(&ctx.scope, r.implicit_deny),
                        }),
                    }),
                    missing_context_values: Some(r.missing_context_values),
                })
                .collect(),
        ),
    })
}
