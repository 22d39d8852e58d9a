//! Response helpers shared by the route files: token responses with cookies, and client info.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use super::dto::{AuthResponse, MessageResponse};

use crate::cookies;
use crate::domain::User;
use crate::refresh::{ClientInfo, IssuedTokens};
use crate::state::AppState;

/// `{ success, message, user, token, refreshToken, expiresIn }` with both cookies set.
pub fn with_tokens(
    status: StatusCode,
    message: &str,
    user: &User,
    tokens: &IssuedTokens,
    state: &AppState,
) -> HttpResponse {
    let s = &state.settings;
    HttpResponseBuilder::new(status)
        .cookie(cookies::access(&tokens.access.token, s))
        .cookie(cookies::refresh(&tokens.refresh_token, s))
        .json(AuthResponse {
            success: true,
            message: message.to_owned(),
            user: user.public(),
            token: tokens.access.token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_in: tokens.access.expires_in,
        })
}

/// `303 See Other` to `location` with both token cookies set, as sign-in sets them (single sign-on ends
/// on the frontend, not in JSON).
pub fn redirect_with_tokens(
    location: &str,
    tokens: &IssuedTokens,
    state: &AppState,
) -> HttpResponse {
    let s = &state.settings;
    HttpResponse::SeeOther()
        .insert_header(("location", location))
        .insert_header(("cache-control", "no-store"))
        .cookie(cookies::access(&tokens.access.token, s))
        .cookie(cookies::refresh(&tokens.refresh_token, s))
        .finish()
}

/// An OK response that also drops both cookies.
pub fn ok_clearing_cookies(message: &str, state: &AppState) -> HttpResponse {
    let [access, refresh] = cookies::cleared(&state.settings);
    HttpResponse::Ok()
        .cookie(access)
        .cookie(refresh)
        .json(MessageResponse::ok(message))
}

/// User agent and client address, for the session list.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: req
            .connection_info()
            .realip_remote_addr()
            .map(str::to_owned),
    }
}
