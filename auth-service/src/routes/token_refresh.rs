//! `POST /auth/refresh-token`: rotate the refresh token (cookie or JSON `refreshToken`) and issue a new
//! access token.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::{ErrorEnvelope, RefreshResponse};
use crate::cookies::{self, REFRESH_COOKIE};
use crate::error::{AuthError, AuthResult};
use crate::refresh;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/refresh-token").route(web::post().to(refresh_token)));
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
struct RefreshBody {
    /// The refresh token; when absent, the `refresh_token` cookie is used.
    refresh_token: Option<String>,
}

/// Rotates the refresh token, taken from the JSON body or else from the `refresh_token` cookie, and issues
/// a new access token (both cookies are set again). A replay of the previous token within 10 s gets the same
/// successor; any other reuse ends the whole session family (401).
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh-token",
    tag = "auth",
    request_body(
        content = Option<RefreshBody>,
        description = "Optional: cookie clients send no body",
        content_type = "application/json",
    ),
    responses(
        (status = 200, description = "New token pair", body = RefreshResponse),
        (status = 400, description = "Body is not JSON with a refreshToken string", body = ErrorEnvelope),
        (status = 401, description = "Missing, unknown, expired or reused refresh token", body = ErrorEnvelope),
        (status = 413, description = "JSON body over the limit (10 KB)", body = ErrorEnvelope),
    ),
)]
async fn refresh_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> AuthResult<HttpResponse> {
    // The body is optional (cookie clients send none), so it is parsed only when present.
    let body = shared::http::read_body(payload, state.settings.json_limit_bytes).await?;
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<Option<RefreshBody>>(&body)
            .map_err(|_| {
                AuthError::field(
                    "refreshToken",
                    "Body must be JSON with a refreshToken string",
                )
            })?
            .and_then(|b| b.refresh_token)
    };
    let presented = from_body
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Unauthorized("Refresh token is required"))?;
    let tokens = refresh::rotate(&state, &presented).await?;
    let s = &state.settings;
    Ok(HttpResponse::Ok()
        .cookie(cookies::access(&tokens.access.token, s))
        .cookie(cookies::refresh(&tokens.refresh_token, s))
        .json(RefreshResponse {
            success: true,
            token: tokens.access.token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.access.expires_in,
        }))
}
