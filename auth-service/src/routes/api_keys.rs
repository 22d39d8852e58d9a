//! `GET/POST /auth/api-keys` and `DELETE /auth/api-keys/{keyId}`: keys are shown once and stored hashed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, web};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::openapi::responses::{JsonBodyRefused, RevocationCheckedLogin};

use super::dto::{
    ApiKeyCreatedResponse, ApiKeyListResponse, ApiKeyView, CreatedApiKey, ErrorEnvelope,
    MessageResponse,
};
use crate::auth::CurrentUser;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;
use crate::store::ApiKey;
use crate::tokens::secrets::{api_key, sha256_hex};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/auth/api-keys")
            .route(web::get().to(list_api_keys))
            .route(web::post().to(create_api_key)),
    )
    .service(web::resource("/auth/api-keys/{keyId}").route(web::delete().to(delete_api_key)));
}

/// How many keys one user may hold.
const MAX_KEYS_PER_USER: usize = 25;

fn view(key: &ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: key.id.clone(),
        name: key.name.clone(),
        prefix: key.prefix.clone(),
        created_at: key.created_at,
        last_used_at: key.last_used_at,
    }
}

#[derive(Deserialize, ToSchema)]
struct CreateBody {
    /// A label, 1–100 characters.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"[^\s]", example = "CI pipeline")]
    name: Option<String>,
}

/// Creates an API key (at most 25 per user). The key is in this response only; it is stored hashed.
#[utoipa::path(
    post,
    path = "/api/v1/auth/api-keys",
    tag = "api-keys",
    request_body = CreateBody,
    responses(
        (status = 201, description = "Key created; shown once", body = ApiKeyCreatedResponse, links(("DeleteApiKey" = (operation_id = "delete_api_key", parameters(("keyId" = "$response.body#/apiKey/id")))))),
        (status = 400, description = "Validation error", body = ErrorEnvelope),
        (status = 409, description = "Too many keys (revoke one first)", body = ErrorEnvelope),
        RevocationCheckedLogin,
        JsonBodyRefused,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn create_api_key(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<CreateBody>,
) -> AuthResult<HttpResponse> {
    let name = body.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AuthError::field(
            "name",
            "Name is required (at most 100 characters)",
        ));
    }
    let existing = state.store.api_keys.list_for_user(&caller.user.id).await?;
    if existing.len() >= MAX_KEYS_PER_USER {
        return Err(AuthError::Conflict("Too many API keys; revoke one first"));
    }
    let key = api_key()?;
    let stored = state
        .store
        .api_keys
        .insert(&caller.user.id, name, &key[..8], &sha256_hex(&key))
        .await?;
    tracing::info!(user.id = %caller.user.id, api_key.id = %stored.id, "API key created");
    let created = CreatedApiKey {
        id: stored.id,
        name: stored.name,
        prefix: stored.prefix,
        created_at: stored.created_at,
        last_used_at: stored.last_used_at,
        key,
    };
    Ok(
        HttpResponseBuilder::new(StatusCode::CREATED).json(ApiKeyCreatedResponse {
            success: true,
            message: "API key created; it will not be shown again".to_owned(),
            api_key: created,
        }),
    )
}

/// Lists the caller's API keys (never the keys themselves).
#[utoipa::path(
    get,
    path = "/api/v1/auth/api-keys",
    tag = "api-keys",
    responses(
        (status = 200, description = "The caller's keys", body = ApiKeyListResponse, links(("DeleteApiKey" = (operation_id = "delete_api_key", parameters(("keyId" = "$response.body#/apiKeys/0/id")))))),
        RevocationCheckedLogin,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn list_api_keys(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> AuthResult<HttpResponse> {
    let keys = state.store.api_keys.list_for_user(&caller.user.id).await?;
    let keys: Vec<_> = keys.iter().map(view).collect();
    Ok(HttpResponse::Ok().json(ApiKeyListResponse {
        success: true,
        api_keys: keys,
    }))
}

/// Revokes one of the caller's API keys; it stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/api-keys/{keyId}",
    tag = "api-keys",
    params(("keyId" = String, Path, pattern = "^[0-9a-fA-F]{24}$", description = "The key's id (ObjectId hex)")),
    responses(
        (status = 200, description = "Key revoked", body = MessageResponse),
        (status = 400, description = "Malformed key id", body = ErrorEnvelope),
        RevocationCheckedLogin,
        (status = 404, description = "API key not found", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn delete_api_key(
    state: web::Data<AppState>,
    caller: CurrentUser,
    key_id: web::Path<String>,
) -> AuthResult<HttpResponse> {
    let key_id = key_id.into_inner();
    if crate::store::object_id(&key_id).is_none() {
        return Err(AuthError::field("keyId", "Invalid key id"));
    }
    let deleted = state
        .store
        .api_keys
        .delete_for_user(&caller.user.id, &key_id)
        .await?
        .ok_or(AuthError::NotFound("API key not found"))?;
    state
        .revocations
        .revoke_api_key(&deleted.id, &deleted.key_hash)
        .await?;
    tracing::info!(user.id = %caller.user.id, api_key.id = %deleted.id, "API key revoked");
    Ok(HttpResponse::Ok().json(MessageResponse::ok("API key revoked")))
}
