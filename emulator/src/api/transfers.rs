//! Certificate transfers: TransferCertificate, AcceptCertificateTransfer,
//! RejectCertificateTransfer, CancelCertificateTransfer, ListOutgoingCertificates.

use super::certificates::certificate_error;
use super::generated::iot::{
    AcceptCertificateTransferInput, AcceptCertificateTransferOutput,
    CancelCertificateTransferInput, CancelCertificateTransferOutput, ListOutgoingCertificatesInput,
    ListOutgoingCertificatesOutput, OutgoingCertificate, RejectCertificateTransferInput,
    RejectCertificateTransferOutput, TransferCertificateInput, TransferCertificateOutput,
};
use super::paging::{decode_token, encode_token, page_size, page_sorted};
use super::wire::{ApiError, RequestContext, Timestamp};
use crate::app::App;
use crate::domain::security::transfers::Transfers;
use crate::store::SqliteStore;

fn transfers(app: &App) -> Transfers<'_, SqliteStore> {
    Transfers { store: &app.store, clock: app.clock.as_ref() }
}

pub fn transfer_certificate(
    app: &App,
    ctx: &RequestContext,
    input: TransferCertificateInput,
) -> Result<TransferCertificateOutput, ApiError> {
    let cert = transfers(app)
        .transfer(
            &ctx.scope,
            &input.certificate_id,
            &input.target_aws_account,
            input.transfer_message,
        )
        .map_err(certificate_error)?;
    Ok(TransferCertificateOutput { transferred_certificate_arn: Some(cert.arn(&ctx.scope)) })
}

pub fn accept_certificate_transfer(
    app: &App,
    ctx: &RequestContext,
    input: AcceptCertificateTransferInput,
) -> Result<AcceptCertificateTransferOutput, ApiError> {
    transfers(app)
        .accept(&ctx.scope, &input.certificate_id, input.set_as_active.unwrap_or(false))
        .map_err(certificate_error)?;
    Ok(AcceptCertificateTransferOutput {})
}

pub fn reject_certificate_transfer(
    app: &App,
    ctx: &RequestContext,
    input: RejectCertificateTransferInput,
) -> Result<RejectCertificateTransferOutput, ApiError> {
    transfers(app)
        .reject(&ctx.scope, &input.certificate_id, input.reject_reason)
        .map_err(certificate_error)?;
    Ok(RejectCertificateTransferOutput {})
}

pub fn cancel_certificate_transfer(
    app: &App,
    ctx: &RequestContext,
    input: CancelCertificateTransferInput,
) -> Result<CancelCertificateTransferOutput, ApiError> {
    transfers(app).cancel(&ctx.scope, &input.certificate_id).map_err(certificate_error)?;
    Ok(CancelCertificateTransferOutput {})
}

pub fn list_outgoing_certificates(
    app: &App,
    ctx: &RequestContext,
    input: ListOutgoingCertificatesInput,
) -> Result<ListOutgoingCertificatesOutput, ApiError> {
    let all = transfers(app).outgoing(&ctx.scope).map_err(certificate_error)?;
    let marker = input.marker.as_deref().map(decode_token).transpose()?;
    let (page, next) = page_sorted(
        all,
        |c| c.id.as_str(),
        input.ascending_order.unwrap_or(true),
        marker.as_deref(),
        page_size(input.page_size),
    );
    Ok(ListOutgoingCertificatesOutput {
        outgoing_certificates: Some(
            page.into_iter()
                .map(|c| OutgoingCertificate {
                    certificate_arn: Some(c.arn(&ctx.scope)),
                    transferred_to: c.transfer.as_ref().map(|t| t.target_account.clone()),
                    transfer_date: c.transfer.as_ref().map(|t| Timestamp(t.transfer_date)),
                    transfer_message: c.transfer.as_ref().and_then(|t| t.message.clone()),
                    creation_date: Some(Timestamp(c.created_at)),
                    certificate_id: Some(c.id),
                })
                .collect(),
        ),
        next_marker: next.as_deref().map(encode_token),
    })
}
