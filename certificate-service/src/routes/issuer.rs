//! What a verifier fetches, all public and without the envelope, since other software reads them: the
//! issuer's `Profile` (the credentials' `issuer.id`), its keys as a JWKS, and each Bitstring Status List
//! credential, signed as a JWT (`application/vc+jwt`).

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use utoipa::IntoParams;

use crate::credential::issuer_profile;
use crate::error::{CertificateError, CertificateResult};
use crate::state::AppState;
use crate::status_list::{LIST_SIZE, encode, list_credential};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/certificates/issuer").route(web::get().to(get_issuer)))
        .service(
            web::resource("/certificates/issuer/jwks.json").route(web::get().to(get_issuer_jwks)),
        )
        .service(
            web::resource("/certificates/status/{list}").route(web::get().to(get_status_list)),
        );
}

/// `{list}`: a status list's number.
#[derive(IntoParams)]
#[into_params(names("list"), parameter_in = Path)]
pub struct ListPath(
    /// Status list number (0, 1, ...)
    #[param(pattern = "^[0-9]{1,9}$")]
    pub String,
);

/// The issuer's Open Badges `Profile`.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/issuer",
    tag = "certificates",
    responses((status = 200, description = "The issuer `Profile` every certificate names (JSON, no envelope)", body = Object)),
)]
pub async fn get_issuer(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=300"))
        .json(issuer_profile(&state.settings))
}

/// The issuer's public keys: every key that ever signed a certificate, the newest first.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/issuer/jwks.json",
    tag = "certificates",
    responses(
        (status = 200, description = "The issuer's JWKS (Ed25519 `OKP` keys, `alg` EdDSA); keys stay published after a rotation", body = Object),
        (status = 503, description = "No issuer key loaded yet (the database was not reachable since start-up)", body = shared::error::ErrorBody),
    ),
)]
pub async fn get_issuer_jwks(state: web::Data<AppState>) -> CertificateResult<HttpResponse> {
    let jwks = state.keys.jwks();
    if jwks.keys.is_empty() {
        return Err(shared::error::ApiError::new(
            shared::error::ErrorCode::ServiceUnavailable,
            "No issuer key loaded yet",
        )
        .into());
    }
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=300"))
        .json(jwks))
}

/// A `BitstringStatusListCredential` as a signed JWT, built from the revocations as they are now.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/status/{list}",
    tag = "certificates",
    params(ListPath),
    responses(
        (status = 200, description = "The status list credential secured as a JWT (`application/vc+jwt`); its `encodedList` is a gzipped bitstring, multibase base64url", content_type = "application/vc+jwt", body = String),
        (status = 400, description = "Not a list number", body = shared::error::ErrorBody),
        (status = 404, description = "No such list yet", body = shared::error::ErrorBody),
    ),
)]
pub async fn get_status_list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> CertificateResult<HttpResponse> {
    let list: u64 = path
        .parse()
        .ok()
        .filter(|_| path.len() <= 9)
        .ok_or_else(|| CertificateError::field("list", "Invalid status list number"))?;
    let taken = state.store.counters.status_numbers_taken().await?;
    // List 0 always exists, so a verifier can fetch it before the first certificate.
    if list > 0 && list * LIST_SIZE >= taken {
        return Err(CertificateError::NotFound("Status list not found"));
    }
    let revoked = state
        .store
        .certificates
        .revoked_numbers(list * LIST_SIZE, (list + 1) * LIST_SIZE)
        .await?
        .into_iter()
        .map(|n| n % LIST_SIZE);
    let credential = list_credential(&state.settings, list, encode(revoked)?, Utc::now());
    let (jwt, _) = state
        .keys
        .sign(&crate::credential::jwt_claims(&credential, Utc::now()))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/vc+jwt"))
        // Revocation must reach verifiers quickly; a short cache still spares us a burst.
        .insert_header((CACHE_CONTROL, "public, max-age=30"))
        .body(jwt))
}
