//! `/internal/...` routes for other services (never proxied by the gateway), guarded by the service token.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use shared::internal_auth::ServiceCaller;

use crate::auth::resolve_api_key;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;
use crate::tokens::TokenSubject;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/internal")
            .service(web::resource("/users/batch").route(web::post().to(get_users_batch)))
            .service(web::resource("/users/{id}").route(web::get().to(get_user)))
            .service(web::resource("/api-keys/resolve").route(web::post().to(resolve_key))),
    );
}

fn summary(user: &crate::domain::User) -> serde_json::Value {
    json!({
        "_id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "avatar": user.avatar,
        "isActive": user.is_active,
    })
}

async fn get_user(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
    id: web::Path<String>,
) -> AuthResult<HttpResponse> {
    if crate::store::object_id(&id).is_none() {
        return Err(AuthError::field("id", "Invalid user id"));
    }
    let user = state.store.users.find_by_id(&id).await?;
    let user = user.ok_or(AuthError::NotFound("User not found"))?;
    Ok(HttpResponse::Ok().json(json!({ "success": true, "user": summary(&user) })))
}

#[derive(Deserialize)]
struct BatchBody {
    ids: Vec<String>,
}

/// Several users in one call (listings embed instructors without a call per row).
async fn get_users_batch(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
    body: web::Json<BatchBody>,
) -> AuthResult<HttpResponse> {
    if body.ids.len() > 100 {
        return Err(AuthError::field("ids", "At most 100 ids per call"));
    }
    let users = state.store.users.find_many(&body.ids).await?;
    let users: Vec<_> = users.iter().map(summary).collect();
    Ok(HttpResponse::Ok().json(json!({ "success": true, "users": users })))
}

#[derive(Deserialize)]
struct ResolveBody {
    key: String,
}

/// Resolves an API key to its owner and mints a short-lived access token standing for the key, which the
/// gateway forwards so every service verifies API-key calls like any other token.
async fn resolve_key(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
    body: web::Json<ResolveBody>,
) -> AuthResult<HttpResponse> {
    let (user, key_id) = resolve_api_key(&state, &body.key).await?;
    let subject = TokenSubject {
        user_id: &user.id,
        role: user.role,
        not_before: user.tokens_not_before,
        session_id: None,
        api_key_id: Some(&key_id),
    };
    let token = state
        .tokens
        .issue(subject, Some(state.settings.api_key_token_ttl))?;
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "userId": user.id,
        "role": user.role,
        "keyId": key_id,
        "token": token.token,
        "expiresIn": token.expires_in,
    })))
}
