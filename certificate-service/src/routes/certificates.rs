//! Certificates: the caller's own (`GET /certificates`), one in public (`GET /certificates/{id}`), its
//! verification (`GET /certificates/{id}/verify`), and a re-issue with the current name
//! (`POST /certificates/{id}/reissue`, the owner only).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde_json::Value;
use shared::openapi::responses::{MalformedId, NotLoggedIn};
use shared::principal::Principal;
use shared::query::PageQuery;

use super::access::{CertificateIdPath, caller_id, shown};
use super::views::{
    CertificateDetail, CertificateListResponse, CertificateResponse, CertificateView,
    VerificationResponse,
};
use crate::domain::SUPERSEDED;
use crate::error::{CertificateError, CertificateResult};
use crate::issuing::{Issued, issue};
use crate::state::AppState;
use crate::store::Certificate;
use crate::verify;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/certificates").route(web::get().to(list_certificates)))
        .service(web::resource("/certificates/{id}").route(web::get().to(get_certificate)))
        .service(
            web::resource("/certificates/{id}/verify").route(web::get().to(verify_certificate)),
        )
        .service(
            web::resource("/certificates/{id}/reissue").route(web::post().to(reissue_certificate)),
        );
}

/// The certificate with its credential, as the public sees it.
pub fn detail(state: &AppState, c: &Certificate) -> CertificateResult<CertificateDetail> {
    let credential: Value = serde_json::from_str(c.credential.as_deref().unwrap_or("null"))
        .map_err(|e| CertificateError::Unexpected(e.into()))?;
    Ok(CertificateDetail {
        certificate: CertificateView::new(&state.settings, c),
        credential,
        jwt: c.jwt.clone().unwrap_or_default(),
    })
}

/// The caller's certificates, newest first (revoked ones too, marked).
#[utoipa::path(
    get,
    path = "/api/v1/certificates",
    tag = "certificates",
    params(PageQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of the caller's certificates, newest first", body = CertificateListResponse),
        (status = 400, description = "Bad page or limit", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "An account whose id is not an ObjectId", body = shared::error::ErrorBody),
    ),
)]
pub async fn list_certificates(
    state: web::Data<AppState>,
    caller: Principal,
    query: web::Query<PageQuery>,
) -> CertificateResult<HttpResponse> {
    let page = query.parse()?;
    let user = caller_id(&caller)?;
    let (certificates, total) = state
        .store
        .certificates
        .list_for_user(user, page.skip(), page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(CertificateListResponse {
        success: true,
        data: certificates
            .iter()
            .map(|c| CertificateView::new(&state.settings, c))
            .collect(),
        pagination: page.meta(total),
    }))
}

/// One certificate, public: the credential and its JWT, the learner's name as issued, no e-mail.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}",
    tag = "certificates",
    params(CertificateIdPath),
    responses(
        (status = 200, description = "The certificate, its Open Badges 3.0 credential and the signed JWT", body = CertificateResponse),
        MalformedId,
        (status = 404, description = "Unknown certificate, or one erased with its account", body = shared::error::ErrorBody),
    ),
)]
pub async fn get_certificate(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> CertificateResult<HttpResponse> {
    let certificate = shown(&state, &path).await?;
    Ok(HttpResponse::Ok().json(CertificateResponse {
        success: true,
        certificate: detail(&state, &certificate)?,
    }))
}

/// Checks a certificate as a third party would, each check named with its result.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}/verify",
    tag = "certificates",
    params(CertificateIdPath),
    responses(
        (status = 200, description = "The checks (`signature`, `issuerKey`, `status`, `course`) and whether the required ones passed", body = VerificationResponse),
        MalformedId,
        (status = 404, description = "Unknown certificate, or one erased with its account", body = shared::error::ErrorBody),
    ),
)]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> CertificateResult<HttpResponse> {
    let certificate = shown(&state, &path).await?;
    let checks = verify::run(&state, &certificate).await?;
    Ok(HttpResponse::Ok().json(VerificationResponse {
        success: true,
        certificate_id: certificate.id.to_hex(),
        valid: verify::valid(&checks),
        checks,
    }))
}

/// A new certificate for the same completion with the account's current name; the old one is revoked as
/// superseded. Only the owner, and only from a certificate that is still active.
#[utoipa::path(
    post,
    path = "/api/v1/certificates/{id}/reissue",
    tag = "certificates",
    params(CertificateIdPath),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The new certificate", body = CertificateResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not the caller's certificate", body = shared::error::ErrorBody),
        (status = 404, description = "Unknown certificate", body = shared::error::ErrorBody),
        (status = 409, description = "The certificate is revoked, or a re-issue is already under way", body = shared::error::ErrorBody),
        (status = 502, description = "auth- or course-service did not answer properly", body = shared::error::ErrorBody),
    ),
)]
pub async fn reissue_certificate(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> CertificateResult<HttpResponse> {
    let old = shown(&state, &path).await?;
    if old.user != caller_id(&caller)? {
        return Err(CertificateError::Forbidden(
            "Only the certificate's owner may re-issue it",
        ));
    }
    if old.revoked_at.is_some() {
        return Err(CertificateError::Conflict(
            "A revoked certificate cannot be re-issued",
        ));
    }
    // Only an active certificate is re-issued and a re-issue revokes it, so the next generation of the
    // chain is `old + 1`; two re-issues at once meet on the unique (user, course, generation) index.
    let new = match issue(
        &state,
        old.user,
        old.course,
        old.generation + 1,
        old.completed_at,
    )
    .await
    .map_err(CertificateError::Upstream)?
    {
        Issued::New(c) => c,
        Issued::Exists => {
            return Err(CertificateError::Conflict(
                "A re-issue is already under way",
            ));
        }
        Issued::Gone => return Err(CertificateError::NotFound("The course no longer exists")),
    };
    state.store.certificates.revoke(old.id, SUPERSEDED).await?;
    tracing::info!(certificate.id = %new.id, replaced = %old.id, at = %Utc::now(), "re-issued a certificate");
    Ok(HttpResponse::Created().json(CertificateResponse {
        success: true,
        certificate: detail(&state, &new)?,
    }))
}
