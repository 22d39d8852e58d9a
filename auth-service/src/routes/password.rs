//! `PATCH /user/change-password`, `POST /user/forgot-password` and `POST /user/reset-password/{token}`.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use shared::openapi::responses::{BadCredential, JsonBodyRefused, RevocationUnavailable};

use super::dto::{ChangePasswordResponse, ErrorEnvelope, MessageResponse};
use crate::auth::{CurrentUser, MaybeUser};
use crate::cookies;
use crate::domain::{Email, Password};
use crate::error::{AuthError, AuthResult};
use crate::passwords;
use crate::refresh;
use crate::state::AppState;
use crate::tokens::secrets::{random_token, sha256_hex};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/change-password").route(web::patch().to(change_password)))
        .service(web::resource("/user/forgot-password").route(web::post().to(forgot_password)))
        .service(
            web::resource("/user/reset-password/{token}").route(web::post().to(reset_password)),
        );
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ChangePasswordBody {
    #[schema(value_type = String, min_length = 1, example = "correct-horse-1")]
    current_password: Option<String>,
    /// 8–72 bytes with at least one letter and one digit; must differ from the current one.
    #[schema(value_type = String, min_length = 8, max_length = 72, pattern = r"^[ -~]*([A-Za-z][ -~]*[0-9]|[0-9][ -~]*[A-Za-z])[ -~]*$", example = "correct-horse-1")]
    new_password: Option<String>,
}

/// Changes the password, ends every other session, and keeps the caller signed in with a fresh token.
#[utoipa::path(
    patch,
    path = "/api/v1/user/change-password",
    tag = "user",
    request_body = ChangePasswordBody,
    responses(
        (status = 200, description = "Password changed; other sessions revoked", body = ChangePasswordResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        (status = 401, description = "Not logged in, a bad token, or the current password is incorrect", body = ErrorEnvelope),
        JsonBodyRefused,
        RevocationUnavailable,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn change_password(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<ChangePasswordBody>,
) -> AuthResult<HttpResponse> {
    let current = body
        .current_password
        .clone()
        .ok_or_else(|| AuthError::field("currentPassword", "Current password is required"))?;
    let new_raw = body
        .new_password
        .as_deref()
        .ok_or_else(|| AuthError::field("newPassword", "New password is required"))?;
    let new = Password::parse(new_raw).map_err(|m| AuthError::field("newPassword", m))?;
    if !passwords::verify(current.clone(), caller.user.password_hash.clone()).await? {
        return Err(AuthError::Unauthorized("Current password is incorrect"));
    }
    if current == new.expose() {
        return Err(AuthError::field(
            "newPassword",
            "New password must be different from the current one",
        ));
    }
    let hash = passwords::hash(new.expose().to_owned(), state.settings.bcrypt_cost).await?;
    let user_id = caller.user.id.clone();
    state.store.users.set_password(&user_id, &hash).await?;
    let not_before = state.revoke_all_tokens(&user_id).await?;
    let keep = caller.claims.as_ref().and_then(|c| c.sid.clone());
    state
        .store
        .sessions
        .delete_all_for_user(&user_id, keep.as_deref())
        .await?;
    tracing::info!(user.id = %user_id, "password changed; other sessions revoked");

    let mut response = HttpResponse::Ok();
    let mut body = ChangePasswordResponse {
        success: true,
        message: "Password changed successfully".to_owned(),
        token: None,
        expires_in: None,
    };
    if let Some(sid) = keep {
        let mut user = caller.user;
        user.tokens_not_before = Some(not_before);
        let access = refresh::access_token(&state, &user, &sid)?;
        response.cookie(cookies::access(&access.token, &state.settings));
        body.token = Some(access.token);
        body.expires_in = Some(access.expires_in);
    }
    Ok(response.json(body))
}

#[derive(Deserialize, ToSchema)]
struct ForgotPasswordBody {
    #[schema(value_type = String, max_length = 254, pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", example = "ada@example.com")]
    email: Option<String>,
}

/// The answer to every well-formed request, whether or not the account exists.
const FORGOT_MESSAGE: &str =
    "If an account exists for that email, a password reset link has been sent";

/// Answers at once with the same body for every well-formed e-mail; when the account exists a single-use
/// reset link (valid 10 minutes) is e-mailed. The token is never in a response.
#[utoipa::path(
    post,
    path = "/api/v1/user/forgot-password",
    tag = "user",
    request_body = ForgotPasswordBody,
    responses(
        (status = 200, description = "Always the same body", body = MessageResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        BadCredential,
        JsonBodyRefused,
    ),
)]
async fn forgot_password(
    state: web::Data<AppState>,
    _caller: MaybeUser,
    body: web::Json<ForgotPasswordBody>,
) -> AuthResult<HttpResponse> {
    let raw = body
        .email
        .as_deref()
        .ok_or_else(|| AuthError::field("email", "Email is required"))?;
    let email = Email::parse(raw).map_err(|m| AuthError::field("email", m))?;
    let state = state.get_ref().clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&state, email).await {
            tracing::error!(error.cause = ?e, "password reset mail failed");
        }
    });
    Ok(HttpResponse::Ok().json(MessageResponse::ok(FORGOT_MESSAGE)))
}

async fn send_reset_link(state: &AppState, email: Email) -> anyhow::Result<()> {
    let Some(user) = state.store.users.find_by_email(email.as_str()).await? else {
        return Ok(());
    };
    if !user.is_active {
        return Ok(());
    }
    let token = random_token()?;
    let ttl = state.settings.reset_token_ttl;
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl)?;
    state
        .store
        .reset_tokens
        .insert(&sha256_hex(&token), &user.id, expires_at)
        .await?;
    let link = format!(
        "{}/reset-password/{token}",
        state.settings.client_url().trim_end_matches('/')
    );
    state
        .mailer
        .send_password_reset(&user.name, &user.email, &link, ttl.as_secs() / 60)
        .await?;
    tracing::info!(user.id = %user.id, "password reset link sent");
    Ok(())
}

#[derive(Deserialize, ToSchema)]
struct ResetPasswordBody {
    /// The new password: 8–72 printable ASCII characters with at least one letter and one digit.
    #[schema(value_type = String, min_length = 8, max_length = 72, pattern = r"^[ -~]*([A-Za-z][ -~]*[0-9]|[0-9][ -~]*[A-Za-z])[ -~]*$", example = "correct-horse-1")]
    password: Option<String>,
}

/// Consumes the token (once), sets the new password and revokes every session and token.
#[utoipa::path(
    post,
    path = "/api/v1/user/reset-password/{token}",
    tag = "user",
    params(("token" = String, Path, description = "The token from the e-mailed link")),
    request_body = ResetPasswordBody,
    responses(
        (status = 200, description = "Password reset; sign in again", body = MessageResponse),
        (status = 400, description = "Validation error, or an invalid, expired or used token", body = ErrorEnvelope),
        BadCredential,
        JsonBodyRefused,
    ),
)]
async fn reset_password(
    state: web::Data<AppState>,
    _caller: MaybeUser,
    token: web::Path<String>,
    body: web::Json<ResetPasswordBody>,
) -> AuthResult<HttpResponse> {
    let raw = body
        .password
        .as_deref()
        .ok_or_else(|| AuthError::field("password", "Password is required"))?;
    // Checked before the token is consumed, so a weak password does not burn the link.
    let password = Password::parse(raw).map_err(|m| AuthError::field("password", m))?;
    let hash_of_token = sha256_hex(&token.into_inner());
    let user_id = state
        .store
        .reset_tokens
        .consume(&hash_of_token, Utc::now())
        .await?
        .ok_or(AuthError::BadRequest("Invalid or expired reset token"))?;
    let hash = passwords::hash(password.expose().to_owned(), state.settings.bcrypt_cost).await?;
    if !state.store.users.set_password(&user_id, &hash).await? {
        return Err(AuthError::BadRequest("Invalid or expired reset token"));
    }
    state.store.reset_tokens.delete_for_user(&user_id).await?;
    // The reset proved the address: identities nobody trusted vouched for it go (docs/auth.md).
    let unlinked = state
        .store
        .identities
        .delete_unvouched_for_user(&user_id)
        .await?;
    state
        .store
        .sessions
        .delete_all_for_user(&user_id, None)
        .await?;
    state.revoke_all_tokens(&user_id).await?;
    tracing::info!(user.id = %user_id, identities.unlinked = unlinked, "password reset; every session revoked");
    Ok(HttpResponse::Ok().json(MessageResponse::ok(
        "Password has been reset; please sign in",
    )))
}
