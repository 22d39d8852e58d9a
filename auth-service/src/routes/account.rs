//! `DELETE /user/account`: re-authenticate with the password, remove the account, revoke everything, and
//! tell the other services (`user.deleted`, through the outbox).

use actix_web::{HttpResponse, web};
use anyhow::Context;
use serde::Deserialize;
use shared::events::{EventEnvelope, USER_DELETED, UserDeleted};
use shared::openapi::responses::{JsonBodyRefused, RevocationUnavailable};
use utoipa::ToSchema;

use super::dto::{ErrorEnvelope, MessageResponse};
use super::profile::remove_media;
use super::respond;
use crate::auth::CurrentUser;
use crate::error::{AuthError, AuthResult};
use crate::passwords;

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/account").route(web::delete().to(delete_account)));
}

#[derive(Deserialize, ToSchema)]
struct DeleteAccountBody {
    /// The current password (re-authentication).
    #[schema(value_type = String, min_length = 1, example = "correct-horse-1")]
    password: Option<String>,
}

/// Deletes the caller's account after re-authentication: revokes every token, session and API key, clears
/// the cookies, and tells the other services (`user.deleted`).
#[utoipa::path(
    delete,
    path = "/api/v1/user/account",
    tag = "user",
    request_body = DeleteAccountBody,
    responses(
        (status = 200, description = "Account deleted; cookies cleared", body = MessageResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        (status = 401, description = "Not logged in, a bad token, or the password is incorrect", body = ErrorEnvelope),
        JsonBodyRefused,
        RevocationUnavailable,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn delete_account(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<DeleteAccountBody>,
) -> AuthResult<HttpResponse> {
    let password = body
        .password
        .clone()
        .ok_or_else(|| AuthError::field("password", "Password is required"))?;
    if !passwords::verify(password, caller.user.password_hash.clone()).await? {
        return Err(AuthError::Unauthorized("Password is incorrect"));
    }
    let user = caller.user;
    // The event is recorded before the account goes, so a crash in between still tells the other services.
    let event = EventEnvelope::new(
        USER_DELETED,
        UserDeleted {
            user_id: user.id.clone(),
            role: user.role.to_string(),
        },
    );
    let envelope = serde_json::to_string(&event).context("serialising user.deleted")?;
    state
        .store
        .outbox
        .insert(&event.id, USER_DELETED, &envelope)
        .await?;

    state.store.users.delete(&user.id).await?;
    state
        .store
        .sessions
        .delete_all_for_user(&user.id, None)
        .await?;
    state.store.reset_tokens.delete_for_user(&user.id).await?;
    state.store.identities.delete_all_for_user(&user.id).await?;
    for key in state.store.api_keys.delete_all_for_user(&user.id).await? {
        state
            .revocations
            .revoke_api_key(&key.id, &key.key_hash)
            .await?;
    }
    // The account is gone, so only Redis can refuse its tokens now.
    state
        .revocations
        .revoke_user(&user.id, chrono::Utc::now().timestamp() + 1)
        .await?;
    if let Some(key) = &user.avatar_key {
        remove_media(&state, key).await;
    }
    state.outbox_notify.notify_one();
    tracing::info!(user.id = %user.id, "account deleted");
    Ok(respond::ok_clearing_cookies(
        "Account deleted successfully",
        &state,
    ))
}
