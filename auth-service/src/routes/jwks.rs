//! `GET /auth/.well-known/jwks.json`: the public keys that verify access tokens.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use shared::openapi::responses::BadCredential;

use super::dto::Jwks;
use crate::auth::MaybeUser;
use crate::error::AuthResult;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/.well-known/jwks.json").route(web::get().to(get_jwks)));
}

/// The public keys that verify access tokens (JWKS, Ed25519). Cached for 60 s.
#[utoipa::path(
    get,
    path = "/api/v1/auth/.well-known/jwks.json",
    tag = "auth",
    responses(
        (status = 200, description = "The JSON Web Key Set", body = Jwks),
        BadCredential,
    ),
)]
async fn get_jwks(state: web::Data<AppState>, _caller: MaybeUser) -> AuthResult<HttpResponse> {
    let jwks = state.tokens.keys.jwks()?;
    // Short caching: verifiers refetch on an unknown `kid` anyway, and rotation must spread quickly.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(jwks))
}
