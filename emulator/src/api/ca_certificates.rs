//! CA certificates and bring-your-own certificates: GetRegistrationCode,
//! DeleteRegistrationCode, RegisterCACertificate, DescribeCACertificate,
//! ListCACertificates, UpdateCACertificate, DeleteCACertificate,
//! ListCertificatesByCA, RegisterCertificate, RegisterCertificateWithoutCA.

use super::certificates::{certificate_error, certificate_page};
use super::generated::iot::{
    CACertificate, CACertificateDescription, CertificateValidity, DeleteCACertificateInput,
    DeleteCACertificateOutput, DeleteRegistrationCodeInput, DeleteRegistrationCodeOutput,
    DescribeCACertificateInput, DescribeCACertificateOutput, GetRegistrationCodeInput,
    GetRegistrationCodeOutput, ListCACertificatesInput, ListCACertificatesOutput,
    ListCertificatesByCAInput, ListCertificatesByCAOutput, RegisterCACertificateInput,
    RegisterCACertificateOutput, RegisterCertificateInput, RegisterCertificateOutput,
    RegisterCertificateWithoutCAInput, RegisterCertificateWithoutCAOutput, RegistrationConfig,
    UpdateCACertificateInput, UpdateCACertificateOutput,
};
use super::paging::{decode_token, encode_token, page_size, page_sorted};
use super::tags::tag_map;
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::security::ca_certificates::{
    self as domain, CaCertificate, CaCertificates, CaRegistration, CaUpdate,
};
use crate::domain::security::certificates::{CertificateMode, CertificateStatus};
use crate::store::SqliteStore;

fn cas(app: &App) -> CaCertificates<'_, SqliteStore> {
    CaCertificates { store: &app.store, clock: app.clock.as_ref(), ids: app.ids.as_ref() }
}

fn config_from_wire(c: RegistrationConfig) -> domain::RegistrationConfig {
    domain::RegistrationConfig {
        template_body: c.template_body,
        role_arn: c.role_arn,
        template_name: c.template_name,
    }
}

fn status_of(
    text: Option<&str>,
    default: CertificateStatus,
) -> Result<CertificateStatus, ApiError> {
    match text {
        None => Ok(default),
        Some(s) => CertificateStatus::parse(s)
            .ok_or_else(|| ApiError::invalid_request(format!("{s} is not a certificate status."))),
    }
}

pub fn get_registration_code(
    app: &App,
    ctx: &RequestContext,
    _input: GetRegistrationCodeInput,
) -> Result<GetRegistrationCodeOutput, ApiError> {
    let code = cas(app).registration_code(&ctx.scope).map_err(certificate_error)?;
    Ok(GetRegistrationCodeOutput { registration_code: Some(code) })
}

pub fn delete_registration_code(
    app: &App,
    ctx: &RequestContext,
    _input: DeleteRegistrationCodeInput,
) -> Result<DeleteRegistrationCodeOutput, ApiError> {
    cas(app).delete_registration_code(&ctx.scope).map_err(certificate_error)?;
    Ok(DeleteRegistrationCodeOutput {})
}

pub fn register_ca_certificate(
    app: &App,
    ctx: &RequestContext,
    input: RegisterCACertificateInput,
) -> Result<RegisterCACertificateOutput, ApiError> {
    let mode = match input.certificate_mode.as_deref() {
        None => CertificateMode::Default,
        Some(m) => CertificateMode::parse(m)
            .ok_or_else(|| ApiError::invalid_request(format!("{m} is not a certificate mode.")))?,
    };
    let ca = cas(app)
        .register(
            &ctx.scope,
            CaRegistration {
                ca_pem: input.ca_certificate,
                verification_pem: input.verification_certificate,
                set_as_active: input.set_as_active.unwrap_or(false),
                allow_auto_registration: input.allow_auto_registration.unwrap_or(false),
                registration_config: input.registration_config.map(config_from_wire),
                mode,
                tags: tag_map(input.tags),
            },
        )
        .map_err(certificate_error)?;
    Ok(RegisterCACertificateOutput {
        certificate_arn: Some(ca.arn(&ctx.scope)),
        certificate_id: Some(ca.id),
    })
}

fn active_text(active: bool) -> String {
    if active { "ACTIVE" } else { "INACTIVE" }.to_owned()
}

pub fn describe_ca_certificate(
    app: &App,
    ctx: &RequestContext,
    input: DescribeCACertificateInput,
) -> Result<DescribeCACertificateOutput, ApiError> {
    let ca = cas(app).describe(&ctx.scope, &input.certificate_id).map_err(certificate_error)?;
    let registration_config = ca.registration_config.clone().map(|c| RegistrationConfig {
        template_body: c.template_body,
        role_arn: c.role_arn,
        template_name: c.template_name,
    });
    Ok(DescribeCACertificateOutput {
        certificate_description: Some(CACertificateDescription {
            certificate_arn: Some(ca.arn(&ctx.scope)),
            certificate_id: Some(ca.id),
            status: Some(active_text(ca.active)),
            certificate_pem: Some(ca.pem),
            owned_by: Some(ca.owner),
            creation_date: Some(Timestamp(ca.created_at)),
            auto_registration_status: Some(
                if ca.auto_registration { "ENABLE" } else { "DISABLE" }.to_owned(),
            ),
            last_modified_date: Some(Timestamp(ca.modified_at)),
            customer_version: Some(ca.customer_version as i32),
            generation_id: Some(ca.generation_id),
            validity: Some(CertificateValidity {
                not_before: Some(Timestamp(ca.not_before)),
                not_after: Some(Timestamp(ca.not_after)),
            }),
            certificate_mode: Some(ca.mode.as_str().to_owned()),
        }),
        registration_config,
    })
}

/// CA listing markers: the creation date and id of the last CA, zero-padded so
/// they sort as text.
fn position(ca: &CaCertificate) -> String {
    format!("{:020}:{}", ca.created_at, ca.id)
}

pub fn list_ca_certificates(
    app: &App,
    ctx: &RequestContext,
    input: ListCACertificatesInput,
) -> Result<ListCACertificatesOutput, ApiError> {
    let all =
        cas(app).list(&ctx.scope, input.template_name.as_deref()).map_err(certificate_error)?;
    let marker = input.marker.as_deref().map(decode_token).transpose()?;
    let keyed: Vec<(String, CaCertificate)> = all.into_iter().map(|c| (position(&c), c)).collect();
    let (page, next) = page_sorted(
        keyed,
        |(k, _)| k.as_str(),
        input.ascending_order.unwrap_or(false),
        marker.as_deref(),
        page_size(input.page_size),
    );
    Ok(ListCACertificatesOutput {
        certificates: Some(
            page.into_iter()
                .map(|(_, c)| CACertificate {
                    certificate_arn: Some(c.arn(&ctx.scope)),
                    certificate_id: Some(c.id),
                    status: Some(active_text(c.active)),
                    creation_date: Some(Timestamp(c.created_at)),
                })
                .collect(),
        ),
        next_marker: next.as_deref().map(encode_token),
    })
}

pub fn update_ca_certificate(
    app: &App,
    ctx: &RequestContext,
    input: UpdateCACertificateInput,
) -> Result<UpdateCACertificateOutput, ApiError> {
    let update = CaUpdate {
        active: input.new_status.as_deref().map(|s| s == "ACTIVE"),
        auto_registration: input.new_auto_registration_status.as_deref().map(|s| s == "ENABLE"),
        registration_config: input.registration_config.map(config_from_wire),
        remove_auto_registration: input.remove_auto_registration.unwrap_or(false),
    };
    cas(app).update(&ctx.scope, &input.certificate_id, update).map_err(certificate_error)?;
    Ok(UpdateCACertificateOutput {})
}

pub fn delete_ca_certificate(
    app: &App,
    ctx: &RequestContext,
    input: DeleteCACertificateInput,
) -> Result<DeleteCACertificateOutput, ApiError> {
    cas(app).delete(&ctx.scope, &input.certificate_id).map_err(certificate_error)?;
    Ok(DeleteCACertificateOutput {})
}

pub fn list_certificates_by_ca(
    app: &App,
    ctx: &RequestContext,
    input: ListCertificatesByCAInput,
) -> Result<ListCertificatesByCAOutput, ApiError> {
    cas(app).check_exists(&ctx.scope, &input.ca_certificate_id).map_err(certificate_error)?;
    let (certificates, next_marker) = certificate_page(
        app,
        &ctx.scope,
        Some(&input.ca_certificate_id),
        input.ascending_order,
        input.marker.as_deref(),
        input.page_size,
    )?;
    Ok(ListCertificatesByCAOutput { certificates: Some(certificates), next_marker })
}

pub fn register_certificate(
    app: &App,
    ctx: &RequestContext,
    input: RegisterCertificateInput,
) -> Result<RegisterCertificateOutput, ApiError> {
    // `setAsActive` is the deprecated spelling of `status: ACTIVE`.
    let default = if input.set_as_active == Some(true) {
        CertificateStatus::Active
    } else {
        CertificateStatus::Inactive
    };
    let status = status_of(input.status.as_deref(), default)?;
    let cert = cas(app)
        .register_certificate(
            &ctx.scope,
            &input.certificate_pem,
            input.ca_certificate_pem.as_deref(),
            status,
        )
        .map_err(certificate_error)?;
    Ok(RegisterCertificateOutput {
        certificate_arn: Some(cert.arn(&ctx.scope)),
        certificate_id: Some(cert.id),
    })
}

pub fn register_certificate_without_ca(
    app: &App,
    ctx: &RequestContext,
    input: RegisterCertificateWithoutCAInput,
) -> Result<RegisterCertificateWithoutCAOutput, ApiError> {
    let status = status_of(input.status.as_deref(), CertificateStatus::Inactive)?;
    let cert = cas(app)
        .register_without_ca(&ctx.scope, &input.certificate_pem, status)
        .map_err(certificate_error)?;
    Ok(RegisterCertificateWithoutCAOutput {
        certificate_arn: Some(cert.arn(&ctx.scope)),
        certificate_id: Some(cert.id),
    })
}
