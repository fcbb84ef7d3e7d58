//! The control plane (`iot`): the operations the emulator implements, each
//! delegating to its resource-group file, and the mapping of domain errors to the
//! service's modeled errors. Every other operation keeps the generated 501.

use super::generated::iot::{
    AcceptCertificateTransferInput, AcceptCertificateTransferOutput, AddThingToThingGroupInput,
    AddThingToThingGroupOutput, AttachPolicyInput, AttachPolicyOutput, AttachPrincipalPolicyInput,
    AttachPrincipalPolicyOutput, AttachThingPrincipalInput, AttachThingPrincipalOutput,
    CancelCertificateTransferInput, CancelCertificateTransferOutput, CreateCertificateFromCsrInput,
    CreateCertificateFromCsrOutput, CreateKeysAndCertificateInput, CreateKeysAndCertificateOutput,
    CreatePolicyInput, CreatePolicyOutput, CreatePolicyVersionInput, CreatePolicyVersionOutput,
    CreateThingGroupInput, CreateThingGroupOutput, CreateThingInput, CreateThingOutput,
    CreateThingTypeInput, CreateThingTypeOutput, CreateTopicRuleInput, CreateTopicRuleOutput,
    DeleteCACertificateInput, DeleteCACertificateOutput, DeleteCertificateInput,
    DeleteCertificateOutput, DeletePolicyInput, DeletePolicyOutput, DeletePolicyVersionInput,
    DeletePolicyVersionOutput, DeleteRegistrationCodeInput, DeleteRegistrationCodeOutput,
    DeleteThingGroupInput, DeleteThingGroupOutput, DeleteThingInput, DeleteThingOutput,
    DeleteThingTypeInput, DeleteThingTypeOutput, DeleteTopicRuleInput, DeleteTopicRuleOutput,
    DeprecateThingTypeInput, DeprecateThingTypeOutput, DescribeCACertificateInput,
    DescribeCACertificateOutput, DescribeCertificateInput, DescribeCertificateOutput,
    DescribeEventConfigurationsInput, DescribeEventConfigurationsOutput, DescribeThingGroupInput,
    DescribeThingGroupOutput, DescribeThingInput, DescribeThingOutput, DescribeThingTypeInput,
    DescribeThingTypeOutput, DetachPolicyInput, DetachPolicyOutput, DetachPrincipalPolicyInput,
    DetachPrincipalPolicyOutput, DetachThingPrincipalInput, DetachThingPrincipalOutput,
    DisableTopicRuleInput, DisableTopicRuleOutput, EnableTopicRuleInput, EnableTopicRuleOutput,
    ErrorCode, GetEffectivePoliciesInput, GetEffectivePoliciesOutput, GetPolicyInput,
    GetPolicyOutput, GetPolicyVersionInput, GetPolicyVersionOutput, GetRegistrationCodeInput,
    GetRegistrationCodeOutput, GetTopicRuleInput, GetTopicRuleOutput, IotApi,
    ListAttachedPoliciesInput, ListAttachedPoliciesOutput, ListCACertificatesInput,
    ListCACertificatesOutput, ListCertificatesByCAInput, ListCertificatesByCAOutput,
    ListCertificatesInput, ListCertificatesOutput, ListOutgoingCertificatesInput,
    ListOutgoingCertificatesOutput, ListPoliciesInput, ListPoliciesOutput,
    ListPolicyPrincipalsInput, ListPolicyPrincipalsOutput, ListPolicyVersionsInput,
    ListPolicyVersionsOutput, ListPrincipalPoliciesInput, ListPrincipalPoliciesOutput,
    ListPrincipalThingsInput, ListPrincipalThingsOutput, ListTagsForResourceInput,
    ListTagsForResourceOutput, ListTargetsForPolicyInput, ListTargetsForPolicyOutput,
    ListThingGroupsForThingInput, ListThingGroupsForThingOutput, ListThingGroupsInput,
    ListThingGroupsOutput, ListThingPrincipalsInput, ListThingPrincipalsOutput,
    ListThingTypesInput, ListThingTypesOutput, ListThingsInThingGroupInput,
    ListThingsInThingGroupOutput, ListThingsInput, ListThingsOutput, ListTopicRulesInput,
    ListTopicRulesOutput, RegisterCACertificateInput, RegisterCACertificateOutput,
    RegisterCertificateInput, RegisterCertificateOutput, RegisterCertificateWithoutCAInput,
    RegisterCertificateWithoutCAOutput, RejectCertificateTransferInput,
    RejectCertificateTransferOutput, RemoveThingFromThingGroupInput,
    RemoveThingFromThingGroupOutput, ReplaceTopicRuleInput, ReplaceTopicRuleOutput,
    SetDefaultPolicyVersionInput, SetDefaultPolicyVersionOutput, TagResourceInput,
    TagResourceOutput, TestAuthorizationInput, TestAuthorizationOutput, TransferCertificateInput,
    TransferCertificateOutput, UntagResourceInput, UntagResourceOutput, UpdateCACertificateInput,
    UpdateCACertificateOutput, UpdateCertificateInput, UpdateCertificateOutput,
    UpdateEventConfigurationsInput, UpdateEventConfigurationsOutput, UpdateThingGroupInput,
    UpdateThingGroupOutput, UpdateThingGroupsForThingInput, UpdateThingGroupsForThingOutput,
    UpdateThingInput, UpdateThingOutput,
};
use super::wire::{ApiError, RequestContext};
use super::{
    authorization, ca_certificates, certificates, events, policies, tags, thing_groups,
    thing_types, things, topic_rules, transfers,
};
use crate::app::App;
use crate::domain::registry::RegistryError;

pub fn registry_error(e: RegistryError) -> ApiError {
    match e {
        RegistryError::Invalid(m) => ApiError::new(ErrorCode::InvalidRequestException, m),
        RegistryError::NotFound(m) => ApiError::new(ErrorCode::ResourceNotFoundException, m),
        RegistryError::AlreadyExists(m) => {
            ApiError::new(ErrorCode::ResourceAlreadyExistsException, m)
        }
        RegistryError::VersionConflict(m) => ApiError::new(ErrorCode::VersionConflictException, m),
        RegistryError::LimitExceeded(m) => ApiError::new(ErrorCode::LimitExceededException, m),
        RegistryError::Store(e) => ApiError::internal(e),
    }
}

impl IotApi for App {
    async fn create_thing(
        &self,
        ctx: &RequestContext,
        input: CreateThingInput,
    ) -> Result<CreateThingOutput, ApiError> {
        things::create_thing(self, ctx, input)
    }

    async fn describe_thing(
        &self,
        ctx: &RequestContext,
        input: DescribeThingInput,
    ) -> Result<DescribeThingOutput, ApiError> {
        things::describe_thing(self, ctx, input)
    }

    async fn list_things(
        &self,
        ctx: &RequestContext,
        input: ListThingsInput,
    ) -> Result<ListThingsOutput, ApiError> {
        things::list_things(self, ctx, input)
    }

    async fn update_thing(
        &self,
        ctx: &RequestContext,
        input: UpdateThingInput,
    ) -> Result<UpdateThingOutput, ApiError> {
        things::update_thing(self, ctx, input)
    }

    async fn delete_thing(
        &self,
        ctx: &RequestContext,
        input: DeleteThingInput,
    ) -> Result<DeleteThingOutput, ApiError> {
        things::delete_thing(self, ctx, input)
    }

    async fn create_thing_type(
        &self,
        ctx: &RequestContext,
        input: CreateThingTypeInput,
    ) -> Result<CreateThingTypeOutput, ApiError> {
        thing_types::create_thing_type(self, ctx, input)
    }

    async fn describe_thing_type(
        &self,
        ctx: &RequestContext,
        input: DescribeThingTypeInput,
    ) -> Result<DescribeThingTypeOutput, ApiError> {
        thing_types::describe_thing_type(self, ctx, input)
    }

    async fn list_thing_types(
        &self,
        ctx: &RequestContext,
        input: ListThingTypesInput,
    ) -> Result<ListThingTypesOutput, ApiError> {
        thing_types::list_thing_types(self, ctx, input)
    }

    async fn deprecate_thing_type(
        &self,
        ctx: &RequestContext,
        input: DeprecateThingTypeInput,
    ) -> Result<DeprecateThingTypeOutput, ApiError> {
        thing_types::deprecate_thing_type(self, ctx, input)
    }

    async fn delete_thing_type(
        &self,
        ctx: &RequestContext,
        input: DeleteThingTypeInput,
    ) -> Result<DeleteThingTypeOutput, ApiError> {
        thing_types::delete_thing_type(self, ctx, input)
    }

    async fn tag_resource(
        &self,
        ctx: &RequestContext,
        input: TagResourceInput,
    ) -> Result<TagResourceOutput, ApiError> {
        tags::tag_resource(self, ctx, input)
    }

    async fn untag_resource(
        &self,
        ctx: &RequestContext,
        input: UntagResourceInput,
    ) -> Result<UntagResourceOutput, ApiError> {
        tags::untag_resource(self, ctx, input)
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &RequestContext,
        input: ListTagsForResourceInput,
    ) -> Result<ListTagsForResourceOutput, ApiError> {
        tags::list_tags_for_resource(self, ctx, input)
    }

    async fn add_thing_to_thing_group(
        &self,
        ctx: &RequestContext,
        input: AddThingToThingGroupInput,
    ) -> Result<AddThingToThingGroupOutput, ApiError> {
        thing_groups::add_thing_to_thing_group(self, ctx, input)
    }

    async fn create_thing_group(
        &self,
        ctx: &RequestContext,
        input: CreateThingGroupInput,
    ) -> Result<CreateThingGroupOutput, ApiError> {
        thing_groups::create_thing_group(self, ctx, input)
    }

    async fn delete_thing_group(
        &self,
        ctx: &RequestContext,
        input: DeleteThingGroupInput,
    ) -> Result<DeleteThingGroupOutput, ApiError> {
        thing_groups::delete_thing_group(self, ctx, input)
    }

    async fn describe_thing_group(
        &self,
        ctx: &RequestContext,
        input: DescribeThingGroupInput,
    ) -> Result<DescribeThingGroupOutput, ApiError> {
        thing_groups::describe_thing_group(self, ctx, input)
    }

    async fn list_thing_groups(
        &self,
        ctx: &RequestContext,
        input: ListThingGroupsInput,
    ) -> Result<ListThingGroupsOutput, ApiError> {
        thing_groups::list_thing_groups(self, ctx, input)
    }

    async fn list_thing_groups_for_thing(
        &self,
        ctx: &RequestContext,
        input: ListThingGroupsForThingInput,
    ) -> Result<ListThingGroupsForThingOutput, ApiError> {
        thing_groups::list_thing_groups_for_thing(self, ctx, input)
    }

    async fn list_things_in_thing_group(
        &self,
        ctx: &RequestContext,
        input: ListThingsInThingGroupInput,
    ) -> Result<ListThingsInThingGroupOutput, ApiError> {
        thing_groups::list_things_in_thing_group(self, ctx, input)
    }

    async fn remove_thing_from_thing_group(
        &self,
        ctx: &RequestContext,
        input: RemoveThingFromThingGroupInput,
    ) -> Result<RemoveThingFromThingGroupOutput, ApiError> {
        thing_groups::remove_thing_from_thing_group(self, ctx, input)
    }

    async fn update_thing_group(
        &self,
        ctx: &RequestContext,
        input: UpdateThingGroupInput,
    ) -> Result<UpdateThingGroupOutput, ApiError> {
        thing_groups::update_thing_group(self, ctx, input)
    }

    async fn update_thing_groups_for_thing(
        &self,
        ctx: &RequestContext,
        input: UpdateThingGroupsForThingInput,
    ) -> Result<UpdateThingGroupsForThingOutput, ApiError> {
        thing_groups::update_thing_groups_for_thing(self, ctx, input)
    }

    async fn attach_policy(
        &self,
        ctx: &RequestContext,
        input: AttachPolicyInput,
    ) -> Result<AttachPolicyOutput, ApiError> {
        policies::attach_policy(self, ctx, input)
    }

    async fn attach_principal_policy(
        &self,
        ctx: &RequestContext,
        input: AttachPrincipalPolicyInput,
    ) -> Result<AttachPrincipalPolicyOutput, ApiError> {
        policies::attach_principal_policy(self, ctx, input)
    }

    async fn create_policy(
        &self,
        ctx: &RequestContext,
        input: CreatePolicyInput,
    ) -> Result<CreatePolicyOutput, ApiError> {
        policies::create_policy(self, ctx, input)
    }

    async fn create_policy_version(
        &self,
        ctx: &RequestContext,
        input: CreatePolicyVersionInput,
    ) -> Result<CreatePolicyVersionOutput, ApiError> {
        policies::create_policy_version(self, ctx, input)
    }

    async fn delete_policy(
        &self,
        ctx: &RequestContext,
        input: DeletePolicyInput,
    ) -> Result<DeletePolicyOutput, ApiError> {
        policies::delete_policy(self, ctx, input)
    }

    async fn delete_policy_version(
        &self,
        ctx: &RequestContext,
        input: DeletePolicyVersionInput,
    ) -> Result<DeletePolicyVersionOutput, ApiError> {
        policies::delete_policy_version(self, ctx, input)
    }

    async fn detach_policy(
        &self,
        ctx: &RequestContext,
        input: DetachPolicyInput,
    ) -> Result<DetachPolicyOutput, ApiError> {
        policies::detach_policy(self, ctx, input)
    }

    async fn detach_principal_policy(
        &self,
        ctx: &RequestContext,
        input: DetachPrincipalPolicyInput,
    ) -> Result<DetachPrincipalPolicyOutput, ApiError> {
        policies::detach_principal_policy(self, ctx, input)
    }

    async fn get_policy(
        &self,
        ctx: &RequestContext,
        input: GetPolicyInput,
    ) -> Result<GetPolicyOutput, ApiError> {
        policies::get_policy(self, ctx, input)
    }

    async fn get_policy_version(
        &self,
        ctx: &RequestContext,
        input: GetPolicyVersionInput,
    ) -> Result<GetPolicyVersionOutput, ApiError> {
        policies::get_policy_version(self, ctx, input)
    }

    async fn list_attached_policies(
        &self,
        ctx: &RequestContext,
        input: ListAttachedPoliciesInput,
    ) -> Result<ListAttachedPoliciesOutput, ApiError> {
        policies::list_attached_policies(self, ctx, input)
    }

    async fn list_policies(
        &self,
        ctx: &RequestContext,
        input: ListPoliciesInput,
    ) -> Result<ListPoliciesOutput, ApiError> {
        policies::list_policies(self, ctx, input)
    }

    async fn list_policy_principals(
        &self,
        ctx: &RequestContext,
        input: ListPolicyPrincipalsInput,
    ) -> Result<ListPolicyPrincipalsOutput, ApiError> {
        policies::list_policy_principals(self, ctx, input)
    }

    async fn list_policy_versions(
        &self,
        ctx: &RequestContext,
        input: ListPolicyVersionsInput,
    ) -> Result<ListPolicyVersionsOutput, ApiError> {
        policies::list_policy_versions(self, ctx, input)
    }

    async fn list_principal_policies(
        &self,
        ctx: &RequestContext,
        input: ListPrincipalPoliciesInput,
    ) -> Result<ListPrincipalPoliciesOutput, ApiError> {
        policies::list_principal_policies(self, ctx, input)
    }

    async fn list_targets_for_policy(
        &self,
        ctx: &RequestContext,
        input: ListTargetsForPolicyInput,
    ) -> Result<ListTargetsForPolicyOutput, ApiError> {
        policies::list_targets_for_policy(self, ctx, input)
    }

    async fn set_default_policy_version(
        &self,
        ctx: &RequestContext,
        input: SetDefaultPolicyVersionInput,
    ) -> Result<SetDefaultPolicyVersionOutput, ApiError> {
        policies::set_default_policy_version(self, ctx, input)
    }

    async fn attach_thing_principal(
        &self,
        ctx: &RequestContext,
        input: AttachThingPrincipalInput,
    ) -> Result<AttachThingPrincipalOutput, ApiError> {
        certificates::attach_thing_principal(self, ctx, input)
    }

    async fn create_certificate_from_csr(
        &self,
        ctx: &RequestContext,
        input: CreateCertificateFromCsrInput,
    ) -> Result<CreateCertificateFromCsrOutput, ApiError> {
        certificates::create_certificate_from_csr(self, ctx, input)
    }

    async fn create_keys_and_certificate(
        &self,
        ctx: &RequestContext,
        input: CreateKeysAndCertificateInput,
    ) -> Result<CreateKeysAndCertificateOutput, ApiError> {
        certificates::create_keys_and_certificate(self, ctx, input)
    }

    async fn delete_certificate(
        &self,
        ctx: &RequestContext,
        input: DeleteCertificateInput,
    ) -> Result<DeleteCertificateOutput, ApiError> {
        certificates::delete_certificate(self, ctx, input)
    }

    async fn describe_certificate(
        &self,
        ctx: &RequestContext,
        input: DescribeCertificateInput,
    ) -> Result<DescribeCertificateOutput, ApiError> {
        certificates::describe_certificate(self, ctx, input)
    }

    async fn detach_thing_principal(
        &self,
        ctx: &RequestContext,
        input: DetachThingPrincipalInput,
    ) -> Result<DetachThingPrincipalOutput, ApiError> {
        certificates::detach_thing_principal(self, ctx, input)
    }

    async fn list_certificates(
        &self,
        ctx: &RequestContext,
        input: ListCertificatesInput,
    ) -> Result<ListCertificatesOutput, ApiError> {
        certificates::list_certificates(self, ctx, input)
    }

    async fn list_principal_things(
        &self,
        ctx: &RequestContext,
        input: ListPrincipalThingsInput,
    ) -> Result<ListPrincipalThingsOutput, ApiError> {
        certificates::list_principal_things(self, ctx, input)
    }

    async fn list_thing_principals(
        &self,
        ctx: &RequestContext,
        input: ListThingPrincipalsInput,
    ) -> Result<ListThingPrincipalsOutput, ApiError> {
        certificates::list_thing_principals(self, ctx, input)
    }

    async fn update_certificate(
        &self,
        ctx: &RequestContext,
        input: UpdateCertificateInput,
    ) -> Result<UpdateCertificateOutput, ApiError> {
        certificates::update_certificate(self, ctx, input)
    }

    async fn delete_ca_certificate(
        &self,
        ctx: &RequestContext,
        input: DeleteCACertificateInput,
    ) -> Result<DeleteCACertificateOutput, ApiError> {
        ca_certificates::delete_ca_certificate(self, ctx, input)
    }

    async fn delete_registration_code(
        &self,
        ctx: &RequestContext,
        input: DeleteRegistrationCodeInput,
    ) -> Result<DeleteRegistrationCodeOutput, ApiError> {
        ca_certificates::delete_registration_code(self, ctx, input)
    }

    async fn describe_ca_certificate(
        &self,
        ctx: &RequestContext,
        input: DescribeCACertificateInput,
    ) -> Result<DescribeCACertificateOutput, ApiError> {
        ca_certificates::describe_ca_certificate(self, ctx, input)
    }

    async fn get_registration_code(
        &self,
        ctx: &RequestContext,
        input: GetRegistrationCodeInput,
    ) -> Result<GetRegistrationCodeOutput, ApiError> {
        ca_certificates::get_registration_code(self, ctx, input)
    }

    async fn list_ca_certificates(
        &self,
        ctx: &RequestContext,
        input: ListCACertificatesInput,
    ) -> Result<ListCACertificatesOutput, ApiError> {
        ca_certificates::list_ca_certificates(self, ctx, input)
    }

    async fn list_certificates_by_ca(
        &self,
        ctx: &RequestContext,
        input: ListCertificatesByCAInput,
    ) -> Result<ListCertificatesByCAOutput, ApiError> {
        ca_certificates::list_certificates_by_ca(self, ctx, input)
    }

    async fn register_ca_certificate(
        &self,
        ctx: &RequestContext,
        input: RegisterCACertificateInput,
    ) -> Result<RegisterCACertificateOutput, ApiError> {
        ca_certificates::register_ca_certificate(self, ctx, input)
    }

    async fn register_certificate(
        &self,
        ctx: &RequestContext,
        input: RegisterCertificateInput,
    ) -> Result<RegisterCertificateOutput, ApiError> {
        ca_certificates::register_certificate(self, ctx, input)
    }

    async fn register_certificate_without_ca(
        &self,
        ctx: &RequestContext,
        input: RegisterCertificateWithoutCAInput,
    ) -> Result<RegisterCertificateWithoutCAOutput, ApiError> {
        ca_certificates::register_certificate_without_ca(self, ctx, input)
    }

    async fn update_ca_certificate(
        &self,
        ctx: &RequestContext,
        input: UpdateCACertificateInput,
    ) -> Result<UpdateCACertificateOutput, ApiError> {
        ca_certificates::update_ca_certificate(self, ctx, input)
    }

    async fn accept_certificate_transfer(
        &self,
        ctx: &RequestContext,
        input: AcceptCertificateTransferInput,
    ) -> Result<AcceptCertificateTransferOutput, ApiError> {
        transfers::accept_certificate_transfer(self, ctx, input)
    }

    async fn cancel_certificate_transfer(
        &self,
        ctx: &RequestContext,
        input: CancelCertificateTransferInput,
    ) -> Result<CancelCertificateTransferOutput, ApiError> {
        transfers::cancel_certificate_transfer(self, ctx, input)
    }

    async fn list_outgoing_certificates(
        &self,
        ctx: &RequestContext,
        input: ListOutgoingCertificatesInput,
    ) -> Result<ListOutgoingCertificatesOutput, ApiError> {
        transfers::list_outgoing_certificates(self, ctx, input)
    }

    async fn reject_certificate_transfer(
        &self,
        ctx: &RequestContext,
        input: RejectCertificateTransferInput,
    ) -> Result<RejectCertificateTransferOutput, ApiError> {
        transfers::reject_certificate_transfer(self, ctx, input)
    }

    async fn transfer_certificate(
        &self,
        ctx: &RequestContext,
        input: TransferCertificateInput,
    ) -> Result<TransferCertificateOutput, ApiError> {
        transfers::transfer_certificate(self, ctx, input)
    }

    async fn get_effective_policies(
        &self,
        ctx: &RequestContext,
        input: GetEffectivePoliciesInput,
    ) -> Result<GetEffectivePoliciesOutput, ApiError> {
        authorization::get_effective_policies(self, ctx, input)
    }

    async fn test_authorization(
        &self,
        ctx: &RequestContext,
        input: TestAuthorizationInput,
    ) -> Result<TestAuthorizationOutput, ApiError> {
        authorization::test_authorization(self, ctx, input)
    }

    async fn describe_event_configurations(
        &self,
        ctx: &RequestContext,
        input: DescribeEventConfigurationsInput,
    ) -> Result<DescribeEventConfigurationsOutput, ApiError> {
        events::describe_event_configurations(self, ctx, input)
    }

    async fn update_event_configurations(
        &self,
        ctx: &RequestContext,
        input: UpdateEventConfigurationsInput,
    ) -> Result<UpdateEventConfigurationsOutput, ApiError> {
        events::update_event_configurations(self, ctx, input)
    }

    async fn create_topic_rule(
        &self,
        ctx: &RequestContext,
        input: CreateTopicRuleInput,
    ) -> Result<CreateTopicRuleOutput, ApiError> {
        topic_rules::create_topic_rule(self, ctx, input)
    }

    async fn replace_topic_rule(
        &self,
        ctx: &RequestContext,
        input: ReplaceTopicRuleInput,
    ) -> Result<ReplaceTopicRuleOutput, ApiError> {
        topic_rules::replace_topic_rule(self, ctx, input)
    }

    async fn get_topic_rule(
        &self,
        ctx: &RequestContext,
        input: GetTopicRuleInput,
    ) -> Result<GetTopicRuleOutput, ApiError> {
        topic_rules::get_topic_rule(self, ctx, input)
    }

    async fn list_topic_rules(
        &self,
        ctx: &RequestContext,
        input: ListTopicRulesInput,
    ) -> Result<ListTopicRulesOutput, ApiError> {
        topic_rules::list_topic_rules(self, ctx, input)
    }

    async fn delete_topic_rule(
        &self,
        ctx: &RequestContext,
        input: DeleteTopicRuleInput,
    ) -> Result<DeleteTopicRuleOutput, ApiError> {
        topic_rules::delete_topic_rule(self, ctx, input)
    }

    async fn enable_topic_rule(
        &self,
        ctx: &RequestContext,
        input: EnableTopicRuleInput,
    ) -> Result<EnableTopicRuleOutput, ApiError> {
        topic_rules::enable_topic_rule(self, ctx, input)
    }

    async fn disable_topic_rule(
        &self,
        ctx: &RequestContext,
        input: DisableTopicRuleInput,
    ) -> Result<DisableTopicRuleOutput, ApiError> {
        topic_rules::disable_topic_rule(self, ctx, input)
    }
}
