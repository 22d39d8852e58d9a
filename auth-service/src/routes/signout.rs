//! `POST /user/signout` (alias `/auth/logout`) and `POST /auth/logout-all`.

use actix_web::{HttpRequest, HttpResponse, web};

use shared::openapi::responses::RevocationCheckedLogin;

use super::dto::{ErrorEnvelope, LogoutAllResponse, MessageResponse};
use super::respond;
use crate::auth::{CurrentUser, MaybeUser};
use crate::cookies::REFRESH_COOKIE;
use crate::error::AuthResult;
use crate::refresh;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/signout").route(web::post().to(sign_out)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/auth/logout-all").route(web::post().to(sign_out_everywhere)));
}

/// Works with or without a valid token: cookies are always cleared; a valid token is revoked and its
/// session ended; a refresh cookie alone ends its session. Alias: `POST /api/v1/auth/logout`.
#[utoipa::path(
    post,
    path = "/api/v1/user/signout",
    tag = "user",
    responses(
        (status = 200, description = "Signed out; both cookies cleared", body = MessageResponse),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\"); a bad cookie is simply cleared", body = ErrorEnvelope),
        (status = 503, description = "The token cannot be revoked (Redis unreachable)", body = ErrorEnvelope),
    ),
    security((), ("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeUser,
) -> AuthResult<HttpResponse> {
    if let Some(claims) = caller.0.as_ref().and_then(|c| c.claims.as_ref()) {
        state
            .revocations
            .revoke_token(&claims.jti, claims.exp)
            .await?;
        if let Some(sid) = &claims.sid {
            state
                .store
                .sessions
                .delete_for_user(&claims.sub, sid)
                .await?;
        }
    }
    if let Some(cookie) = req.cookie(REFRESH_COOKIE).filter(|c| !c.value().is_empty()) {
        refresh::end_by_token(&state, cookie.value()).await?;
    }
    Ok(respond::ok_clearing_cookies(
        "Signed out successfully",
        &state,
    ))
}

/// Revokes every session and every token of the caller, and clears both cookies.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-all",
    tag = "auth",
    responses(
        (status = 200, description = "Every session ended and every earlier token refused", body = LogoutAllResponse),
        RevocationCheckedLogin,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn sign_out_everywhere(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> AuthResult<HttpResponse> {
    let user_id = &caller.user.id;
    state.revoke_all_tokens(user_id).await?;
    let ended = state
        .store
        .sessions
        .delete_all_for_user(user_id, None)
        .await?;
    tracing::info!(user.id = %user_id, sessions = ended, "signed out everywhere");
    let [access, refresh] = crate::cookies::cleared(&state.settings);
    Ok(HttpResponse::Ok()
        .cookie(access)
        .cookie(refresh)
        .json(LogoutAllResponse {
            success: true,
            message: "Signed out of every session".to_owned(),
            sessions_ended: ended,
        }))
}

/// Alias of `POST /api/v1/user/signout`: works with or without a valid token; cookies are always cleared.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 200, description = "Signed out; both cookies cleared", body = MessageResponse),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\"); a bad cookie is simply cleared", body = ErrorEnvelope),
        (status = 503, description = "The token cannot be revoked (Redis unreachable)", body = ErrorEnvelope),
    ),
    security((), ("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeUser,
) -> AuthResult<HttpResponse> {
    sign_out(state, req, caller).await
}
