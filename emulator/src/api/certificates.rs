//! Certificates: CreateKeysAndCertificate, CreateCertificateFromCsr,
//! DescribeCertificate, ListCertificates, UpdateCertificate, DeleteCertificate, and
//! the thing–principal attachments (AttachThingPrincipal and its kin).

use super::generated::iot::{
    AttachThingPrincipalInput, AttachThingPrincipalOutput, Certificate as WireCertificate,
    CertificateDescription, CertificateValidity, CreateCertificateFromCsrInput,
    CreateCertificateFromCsrOutput, CreateKeysAndCertificateInput, CreateKeysAndCertificateOutput,
    DeleteCertificateInput, DeleteCertificateOutput, DescribeCertificateInput,
    DescribeCertificateOutput, DetachThingPrincipalInput, DetachThingPrincipalOutput, ErrorCode,
    KeyPair, ListCertificatesInput, ListCertificatesOutput, ListPrincipalThingsInput,
    ListPrincipalThingsOutput, ListThingPrincipalsInput, ListThingPrincipalsOutput, TransferData,
    UpdateCertificateInput, UpdateCertificateOutput,
};
use super::iot::registry_error;
use super::paging::{DEFAULT_MARKER_PAGE, decode_token, encode_token, page_size, page_sorted};
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::registry::principals;
use crate::domain::security::certificates::{
    Certificate, CertificateError, CertificateStatus, Certificates,
};
use crate::domain::security::x509::{KeyAlgorithm, X509Error};
use crate::domain::{Millis, Scope};
use crate::store::SqliteStore;

fn certificates(app: &App) -> Certificates<'_, SqliteStore> {
    Certificates {
        store: &app.store,
        clock: app.clock.as_ref(),
        ids: app.ids.as_ref(),
        ca: &app.ca,
        key_algorithm: KeyAlgorithm::Rsa2048,
    }
}

pub fn certificate_error(e: CertificateError) -> ApiError {
    match e {
        CertificateError::Registry(e) => registry_error(e),
        CertificateError::State(m) => ApiError::new(ErrorCode::CertificateStateException, m),
        CertificateError::DeleteConflict(m) => ApiError::new(ErrorCode::DeleteConflictException, m),
        CertificateError::Conflict(m) => ApiError::new(ErrorCode::CertificateConflictException, m),
        CertificateError::TransferConflict(m) => {
            ApiError::new(ErrorCode::TransferConflictException, m)
        }
        CertificateError::TransferAlreadyCompleted(m) => {
            ApiError::new(ErrorCode::TransferAlreadyCompletedException, m)
        }
        CertificateError::X509(X509Error::Invalid(m)) => {
            ApiError::new(ErrorCode::CertificateValidationException, m)
        }
        CertificateError::X509(X509Error::RegistrationCode(m)) => {
            ApiError::new(ErrorCode::RegistrationCodeValidationException, m)
        }
        CertificateError::X509(X509Error::InvalidRequest(m)) => ApiError::invalid_request(m),
        CertificateError::X509(X509Error::Internal(m)) => ApiError::internal(m),
    }
}

fn description(scope: &Scope, c: Certificate) -> CertificateDescription {
    CertificateDescription {
        certificate_arn: Some(c.arn(scope)),
        certificate_id: Some(c.id),
        ca_certificate_id: c.ca_id,
        status: Some(c.status.as_str().to_owned()),
        certificate_pem: Some(c.pem),
        owned_by: Some(c.owner),
        previous_owned_by: c.previous_owner,
        creation_date: Some(Timestamp(c.created_at)),
        last_modified_date: Some(Timestamp(c.modified_at)),
        customer_version: Some(c.customer_version as i32),
        generation_id: Some(c.generation_id),
        transfer_data: c.transfer.map(|t| TransferData {
            transfer_message: t.message,
            reject_reason: t.reject_reason,
            transfer_date: Some(Timestamp(t.transfer_date)),
            accept_date: t.accept_date.map(Timestamp),
            reject_date: t.reject_date.map(Timestamp),
        }),
        validity: Some(CertificateValidity {
            not_before: Some(Timestamp(c.not_before)),
            not_after: Some(Timestamp(c.not_after)),
        }),
        certificate_mode: Some(c.mode.as_str().to_owned()),
    }
}

pub fn create_keys_and_certificate(
    app: &App,
    ctx: &RequestContext,
    input: CreateKeysAndCertificateInput,
) -> Result<CreateKeysAndCertificateOutput, ApiError> {
    let (cert, issued) = certificates(app)
        .create_keys_and_certificate(&ctx.scope, input.set_as_active.unwrap_or(false))
        .map_err(certificate_error)?;
    Ok(CreateKeysAndCertificateOutput {
        certificate_arn: Some(cert.arn(&ctx.scope)),
        certificate_id: Some(cert.id),
        certificate_pem: Some(cert.pem),
        key_pair: Some(KeyPair {
            public_key: Some(issued.public_key_pem),
            private_key: Some(issued.private_key_pem),
        }),
    })
}

pub fn create_certificate_from_csr(
    app: &App,
    ctx: &RequestContext,
    input: CreateCertificateFromCsrInput,
) -> Result<CreateCertificateFromCsrOutput, ApiError> {
    let cert = certificates(app)
        .create_from_csr(
            &ctx.scope,
            &input.certificate_signing_request,
            input.set_as_active.unwrap_or(false),
        )
        .map_err(certificate_error)?;
    Ok(CreateCertificateFromCsrOutput {
        certificate_arn: Some(cert.arn(&ctx.scope)),
        certificate_id: Some(cert.id),
        certificate_pem: Some(cert.pem),
    })
}

pub fn describe_certificate(
    app: &App,
    ctx: &RequestContext,
    input: DescribeCertificateInput,
) -> Result<DescribeCertificateOutput, ApiError> {
    let cert =
        certificates(app).describe(&ctx.scope, &input.certificate_id).map_err(certificate_error)?;
    Ok(DescribeCertificateOutput { certificate_description: Some(description(&ctx.scope, cert)) })
}

/// Certificate list markers carry the creation date and id of the last one.
fn decode_marker(marker: &str) -> Result<(Millis, String), ApiError> {
    let text = decode_token(marker)?;
    text.split_once(':')
        .and_then(|(t, id)| Some((t.parse().ok()?, id.to_owned())))
        .ok_or_else(|| ApiError::invalid_request("The marker is not valid."))
}

/// One page of certificates, all or those of one CA, by creation date.
pub fn certificate_page(
    app: &App,
    scope: &Scope,
    ca: Option<&str>,
    ascending: Option<bool>,
    marker: Option<&str>,
    page: Option<i32>,
) -> Result<(Vec<WireCertificate>, Option<String>), ApiError> {
    let after = marker.map(decode_marker).transpose()?;
    let size = match page_size(page) {
        0 => DEFAULT_MARKER_PAGE,
        n => n,
    };
    let (certs, next) = certificates(app)
        .list(
            scope,
            ca,
            ascending.unwrap_or(false),
            after.as_ref().map(|(t, id)| (*t, id.as_str())),
            size,
        )
        .map_err(certificate_error)?;
    let items = certs
        .into_iter()
        .map(|c| WireCertificate {
            certificate_arn: Some(c.arn(scope)),
            certificate_id: Some(c.id),
            status: Some(c.status.as_str().to_owned()),
            creation_date: Some(Timestamp(c.created_at)),
            certificate_mode: Some(c.mode.as_str().to_owned()),
        })
        .collect();
    Ok((items, next.map(|(t, id)| encode_token(&format!("{t}:{id}")))))
}

pub fn list_certificates(
    app: &App,
    ctx: &RequestContext,
    input: ListCertificatesInput,
) -> Result<ListCertificatesOutput, ApiError> {
    let (certificates, next_marker) = certificate_page(
        app,
        &ctx.scope,
        None,
        input.ascending_order,
        input.marker.as_deref(),
        input.page_size,
    )?;
    Ok(ListCertificatesOutput { certificates: Some(certificates), next_marker })
}

pub fn update_certificate(
    app: &App,
    ctx: &RequestContext,
    input: UpdateCertificateInput,
) -> Result<UpdateCertificateOutput, ApiError> {
    let status = CertificateStatus::parse(&input.new_status).ok_or_else(|| {
        ApiError::invalid_request(format!("{} is not a certificate status.", input.new_status))
    })?;
    certificates(app)
        .update_status(&ctx.scope, &input.certificate_id, status)
        .map_err(certificate_error)?;
    Ok(UpdateCertificateOutput {})
}

pub fn delete_certificate(
    app: &App,
    ctx: &RequestContext,
    input: DeleteCertificateInput,
) -> Result<DeleteCertificateOutput, ApiError> {
    certificates(app)
        .delete(&ctx.scope, &input.certificate_id, input.force_delete.unwrap_or(false))
        .map_err(certificate_error)?;
    Ok(DeleteCertificateOutput {})
}

pub fn attach_thing_principal(
    app: &App,
    ctx: &RequestContext,
    input: AttachThingPrincipalInput,
) -> Result<AttachThingPrincipalOutput, ApiError> {
    principals::attach(&app.store, &ctx.scope, &input.thing_name, &input.principal)
        .map_err(registry_error)?;
    Ok(AttachThingPrincipalOutput {})
}

pub fn detach_thing_principal(
    app: &App,
    ctx: &RequestContext,
    input: DetachThingPrincipalInput,
) -> Result<DetachThingPrincipalOutput, ApiError> {
    principals::detach(&app.store, &ctx.scope, &input.thing_name, &input.principal)
        .map_err(registry_error)?;
    Ok(DetachThingPrincipalOutput {})
}

pub fn list_thing_principals(
    app: &App,
    ctx: &RequestContext,
    input: ListThingPrincipalsInput,
) -> Result<ListThingPrincipalsOutput, ApiError> {
    let all = principals::principals_of(&app.store, &ctx.scope, &input.thing_name)
        .map_err(registry_error)?;
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let (page, next) =
        page_sorted(all, String::as_str, true, after.as_deref(), page_size(input.max_results));
    Ok(ListThingPrincipalsOutput {
        principals: Some(page),
        next_token: next.as_deref().map(encode_token),
    })
}

pub fn list_principal_things(
    app: &App,
    ctx: &RequestContext,
    input: ListPrincipalThingsInput,
) -> Result<ListPrincipalThingsOutput, ApiError> {
    let all =
        principals::things_of(&app.store, &ctx.scope, &input.principal).map_err(registry_error)?;
    let after = input.next_token.as_deref().map(decode_token).transpose()?;
    let (page, next) =
        page_sorted(all, String::as_str, true, after.as_deref(), page_size(input.max_results));
    Ok(ListPrincipalThingsOutput {
        things: Some(page),
        next_token: next.as_deref().map(encode_token),
    })
}
