//! `GET /user/identities` and `DELETE /user/identities/{id}`: the provider identities linked to the
//! caller's account. The last way to sign in (no password and one identity) cannot be removed.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::openapi::responses::RevocationCheckedLogin;
use utoipa::ToSchema;

use super::dto::{ErrorEnvelope, MessageResponse};
use crate::auth::CurrentUser;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/user/identities").route(web::get().to(list_identities)))
        .service(web::resource("/user/identities/{id}").route(web::delete().to(delete_identity)));
}

/// One linked identity.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IdentityView {
    id: String,
    /// The provider id it was linked through.
    provider: String,
    /// The provider's display name (the id when the provider is no longer configured).
    provider_name: String,
    issuer: String,
    /// The address the provider reported when it was linked.
    #[schema(required = true)]
    email: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IdentityListResponse {
    success: bool,
    /// Whether the account has a password (when not, its last identity cannot be removed).
    has_password: bool,
    identities: Vec<IdentityView>,
}

/// Lists the provider identities linked to the caller's account.
#[utoipa::path(
    get,
    path = "/api/v1/user/identities",
    tag = "sso",
    responses(
        (status = 200, description = "The caller's identities", body = IdentityListResponse, links(("DeleteIdentity" = (operation_id = "delete_identity", parameters(("id" = "$response.body#/identities/0/id")))))),
        RevocationCheckedLogin,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn list_identities(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> AuthResult<HttpResponse> {
    let identities = state
        .store
        .identities
        .list_for_user(&caller.user.id)
        .await?
        .into_iter()
        .map(|i| IdentityView {
            provider_name: state
                .sso
                .provider(&i.provider)
                .map_or_else(|| i.provider.clone(), |p| p.name.clone()),
            id: i.id,
            provider: i.provider,
            issuer: i.issuer,
            email: i.email,
            created_at: i.created_at,
            last_used_at: i.last_used_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(IdentityListResponse {
        success: true,
        has_password: !caller.user.password_hash.is_empty(),
        identities,
    }))
}

/// Unlinks one of the caller's identities; refused (409) when it is the last way to sign in.
#[utoipa::path(
    delete,
    path = "/api/v1/user/identities/{id}",
    tag = "sso",
    params(("id" = String, Path, description = "The identity's id")),
    responses(
        (status = 200, description = "Identity unlinked", body = MessageResponse),
        RevocationCheckedLogin,
        (status = 404, description = "Identity not found", body = ErrorEnvelope),
        (status = 409, description = "The last way to sign in (no password, no other identity)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
async fn delete_identity(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<String>,
) -> AuthResult<HttpResponse> {
    let user = &caller.user;
    let identities = state.store.identities.list_for_user(&user.id).await?;
    if !identities.iter().any(|i| i.id == *id) {
        return Err(AuthError::NotFound("Identity not found"));
    }
    if user.password_hash.is_empty() && identities.len() <= 1 {
        return Err(AuthError::Conflict(
            "This is the account's last way to sign in: set a password first",
        ));
    }
    if !state
        .store
        .identities
        .delete_for_user(&user.id, &id)
        .await?
    {
        return Err(AuthError::NotFound("Identity not found"));
    }
    tracing::info!(user.id = %user.id, "identity unlinked");
    Ok(HttpResponse::Ok().json(MessageResponse::ok("Identity unlinked")))
}
