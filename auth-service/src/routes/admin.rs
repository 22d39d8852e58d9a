//! Admin routes: `POST /auth/invite-admin`, `GET /auth/users`, `PATCH /auth/users/{userId}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, web};
use serde::Deserialize;
use serde_json::json;
use shared::claims::Role;
use shared::query::{Page, escape_regex};

use super::signup::{create_account, parse_account};
use crate::auth::AdminUser;
use crate::error::{AuthError, AuthResult};
use crate::revocations::revoke_all_tokens;
use crate::state::AppState;
use crate::store::UserFilter;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/invite-admin").route(web::post().to(invite_admin)))
        .service(web::resource("/auth/users").route(web::get().to(list_users)))
        .service(web::resource("/auth/users/{userId}").route(web::patch().to(update_user)));
}

#[derive(Deserialize)]
struct InviteBody {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

async fn invite_admin(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<InviteBody>,
) -> AuthResult<HttpResponse> {
    let account = parse_account(
        body.name.as_deref(),
        body.email.as_deref(),
        body.password.as_deref(),
    )?;
    let user = create_account(&state, &account, Role::Admin).await?;
    tracing::info!(user.id = %user.id, invited_by = %admin.0.user.id, "admin invited");
    Ok(HttpResponseBuilder::new(StatusCode::CREATED).json(json!({
        "success": true,
        "message": "Admin user created successfully",
        "user": user.public(),
    })))
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<String>,
    limit: Option<String>,
    role: Option<String>,
    q: Option<String>,
}

async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<ListQuery>,
) -> AuthResult<HttpResponse> {
    let page = Page::parse(query.page.as_deref(), query.limit.as_deref())?;
    let role = match query.role.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Some(
            r.parse::<Role>()
                .map_err(|_| AuthError::field("role", "Please select a valid role"))?,
        ),
    };
    let query_regex = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 100 => {
            return Err(AuthError::field(
                "q",
                "Search text cannot exceed 100 characters",
            ));
        }
        Some(q) => Some(escape_regex(q)),
        None => None,
    };
    let (users, total) = state
        .store
        .users
        .list(&UserFilter { role, query_regex }, page.page, page.limit)
        .await?;
    let users: Vec<_> = users.iter().map(crate::domain::User::public).collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "success": true, "users": users, "pagination": page.meta(total) })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateUserBody {
    role: Option<String>,
    is_active: Option<bool>,
}

/// Changes a user's role or active flag; either change revokes the user's current tokens, so the new role
/// or the deactivation takes effect at once.
async fn update_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    user_id: web::Path<String>,
    body: web::Json<UpdateUserBody>,
) -> AuthResult<HttpResponse> {
    let user_id = user_id.into_inner();
    if crate::store::object_id(&user_id).is_none() {
        return Err(AuthError::field("userId", "Invalid user id"));
    }
    let role = match body.role.as_deref() {
        None => None,
        Some(r) => Some(
            r.parse::<Role>()
                .map_err(|_| AuthError::field("role", "Please select a valid role"))?,
        ),
    };
    if role.is_none() && body.is_active.is_none() {
        return Err(AuthError::field("body", "Provide role and/or isActive"));
    }
    if user_id == admin.0.user.id
        && (role.is_some_and(|r| r != Role::Admin) || body.is_active == Some(false))
    {
        return Err(AuthError::BadRequest(
            "Admins cannot demote or deactivate themselves",
        ));
    }
    let updated = state
        .store
        .users
        .update_admin_fields(&user_id, role, body.is_active)
        .await?
        .ok_or(AuthError::NotFound("User not found"))?;
    revoke_all_tokens(&state, &user_id).await?;
    if body.is_active == Some(false) {
        state
            .store
            .sessions
            .delete_all_for_user(&user_id, None)
            .await?;
    }
    tracing::info!(user.id = %user_id, changed_by = %admin.0.user.id, "user updated by an admin");
    Ok(HttpResponse::Ok().json(json!({ "success": true, "message": "User updated successfully", "user": updated.public() })))
}

/// Creates an admin account from raw input (start-up bootstrap and the `create-admin` command).
pub async fn create_admin_account(
    state: &AppState,
    name: &str,
    email: &str,
    password: &str,
) -> AuthResult<crate::domain::User> {
    let account = parse_account(Some(name), Some(email), Some(password))?;
    create_account(state, &account, Role::Admin).await
}
