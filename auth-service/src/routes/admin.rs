//! Admin routes: `POST /auth/invite-admin`, `GET /auth/users`, `PATCH /auth/users/{userId}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, web};
use serde::Deserialize;
use shared::claims::Role;
use shared::openapi::responses::{JsonBodyRefused, RevocationCheckedLogin};
use shared::query::{Page, escape_regex};
use utoipa::{IntoParams, ToSchema};

use super::dto::{ErrorEnvelope, UserListResponse, UserMessageResponse};
use super::signup::{create_account, parse_account};
use crate::auth::AdminUser;
use crate::error::{AuthError, AuthResult};
use crate::state::AppState;
use crate::store::UserFilter;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/invite-admin").route(web::post().to(invite_admin)))
        .service(web::resource("/auth/users").route(web::get().to(list_users)))
        .service(web::resource("/auth/users/{userId}").route(web::patch().to(update_user)));
}

#[derive(Deserialize, ToSchema)]
struct InviteBody {
    /// 2–50 characters after trimming.
    #[schema(value_type = String, min_length = 2, max_length = 50, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$", example = "Ada Lovelace")]
    name: Option<String>,
    /// Stored trimmed and lower-case; must be unused.
    #[schema(value_type = String, max_length = 254, pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", example = "ada@example.com")]
    email: Option<String>,
    /// 8–72 bytes with at least one letter and one digit.
    #[schema(value_type = String, min_length = 8, max_length = 72, pattern = r"^[ -~]*([A-Za-z][ -~]*[0-9]|[0-9][ -~]*[A-Za-z])[ -~]*$", example = "correct-horse-1")]
    password: Option<String>,
}

/// Creates another admin account.
#[utoipa::path(
    post,
    path = "/api/v1/auth/invite-admin",
    tag = "admin",
    request_body = InviteBody,
    responses(
        (status = 201, description = "Admin created", body = UserMessageResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        RevocationCheckedLogin,
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 409, description = "Email already registered", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
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
    Ok(
        HttpResponseBuilder::new(StatusCode::CREATED).json(UserMessageResponse {
            success: true,
            message: "Admin user created successfully".to_owned(),
            user: user.public(),
        }),
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Page number, from 1 (default 1).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000)]
    page: Option<String>,
    /// Page size, 1–100 (default 10).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// Only users with this role.
    #[param(value_type = Option<super::dto::Role>)]
    role: Option<String>,
    /// Literal text searched in names and e-mails (at most 100 characters).
    #[param(max_length = 100)]
    q: Option<String>,
}

/// Lists users, newest first, with pagination.
#[utoipa::path(
    get,
    path = "/api/v1/auth/users",
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of users", body = UserListResponse),
        (status = 400, description = "Validation error (`errors` lists each field)", body = ErrorEnvelope),
        RevocationCheckedLogin,
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
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
    Ok(HttpResponse::Ok().json(UserListResponse {
        success: true,
        users,
        pagination: page.meta(total),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateUserBody {
    #[schema(value_type = Option<super::dto::Role>)]
    role: Option<String>,
    is_active: Option<bool>,
}

/// Changes a user's role or active flag; either change revokes the user's current tokens, so the new role
/// or the deactivation takes effect at once. An admin cannot demote or deactivate their own account.
#[utoipa::path(
    patch,
    path = "/api/v1/auth/users/{userId}",
    tag = "admin",
    params(("userId" = String, Path, description = "The user's id (ObjectId hex)")),
    request_body = UpdateUserBody,
    responses(
        (status = 200, description = "User updated; their tokens revoked", body = UserMessageResponse),
        (status = 400, description = "Validation error, a malformed id, or an admin changing themselves", body = ErrorEnvelope),
        RevocationCheckedLogin,
        (status = 403, description = "The caller is not an admin", body = ErrorEnvelope),
        (status = 404, description = "User not found", body = ErrorEnvelope),
        JsonBodyRefused,
    ),
    security(("bearer" = []), ("cookie" = []), ("apiKey" = [])),
)]
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
    state.revoke_all_tokens(&user_id).await?;
    if body.is_active == Some(false) {
        state
            .store
            .sessions
            .delete_all_for_user(&user_id, None)
            .await?;
    }
    tracing::info!(user.id = %user_id, changed_by = %admin.0.user.id, "user updated by an admin");
    Ok(HttpResponse::Ok().json(UserMessageResponse {
        success: true,
        message: "User updated successfully".to_owned(),
        user: updated.public(),
    }))
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
