//! `POST /certificates/{id}/revoke`: an admin revokes a certificate with a reason verifiers see.

use actix_web::{HttpResponse, web};
use shared::openapi::responses::{JsonBodyRefused, NotLoggedIn};
use shared::principal::Principal;

use super::access::{CertificateIdPath, shown};
use super::certificates::detail;
use super::views::{CertificateResponse, RevokeBody};
use crate::domain::Reason;
use crate::error::{CertificateError, CertificateResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/certificates/{id}/revoke").route(web::post().to(revoke_certificate)),
    );
}

/// Revokes a certificate (admins only); its bit in the status list is set at once.
#[utoipa::path(
    post,
    path = "/api/v1/certificates/{id}/revoke",
    tag = "certificates",
    params(CertificateIdPath),
    request_body = RevokeBody,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The certificate, now revoked", body = CertificateResponse),
        (status = 400, description = "Malformed id or a missing or bad reason", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "Not an admin", body = shared::error::ErrorBody),
        (status = 404, description = "Unknown certificate", body = shared::error::ErrorBody),
        (status = 409, description = "Already revoked", body = shared::error::ErrorBody),
        JsonBodyRefused,
    ),
)]
pub async fn revoke_certificate(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    body: web::Json<RevokeBody>,
) -> CertificateResult<HttpResponse> {
    if !caller.is_admin() {
        return Err(CertificateError::Forbidden(
            "Only admins may revoke certificates",
        ));
    }
    let reason = Reason::parse(&body.reason).map_err(|m| CertificateError::field("reason", m))?;
    let certificate = shown(&state, &path).await?;
    if !state
        .store
        .certificates
        .revoke(certificate.id, reason.as_str())
        .await?
    {
        return Err(CertificateError::Conflict(
            "The certificate is already revoked",
        ));
    }
    tracing::info!(certificate.id = %certificate.id, admin.id = %caller.user_id, "an admin revoked a certificate");
    let revoked = shown(&state, &path).await?;
    Ok(HttpResponse::Ok().json(CertificateResponse {
        success: true,
        certificate: detail(&state, &revoked)?,
    }))
}
