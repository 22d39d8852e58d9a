//! The service's OpenAPI 3.1 document (`GET /api/v1/auth/openapi.json`, public, and `GET /openapi.json`). The gateway merges every
//! service's document into `/api/v1/openapi.json`. The structs below only describe response bodies for the
//! document (the handlers build their JSON directly); keep them in step with the handlers.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::domain::{EnrolledCourse, PublicUser};
pub use shared::claims::Role;
pub use shared::error::{ErrorBody as ErrorEnvelope, ErrorCode, FieldError};
pub use shared::query::Pagination;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/openapi.json").route(web::get().to(openapi_json)));
}

/// The same document at `/openapi.json`, where the gateway collects every service's document.
pub fn configure_root(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").route(web::get().to(openapi_json)));
}

/// Built once: the document never changes while the process runs.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// The methods of every route, for `Allow`, `OPTIONS` and `HEAD` (`shared::http::AllowTable`): the
/// document's paths, plus the routes it leaves out.
pub fn allow_table() -> shared::http::AllowTable {
    use actix_web::http::Method;
    let document = serde_json::to_value(&*DOCUMENT).unwrap_or_default();
    shared::http::AllowTable::new()
        .with_openapi(&document)
        .route("/openapi.json", &[Method::GET])
        .route("/internal/users/batch", &[Method::POST])
        .route("/internal/users/{id}", &[Method::GET])
        .route("/internal/api-keys/resolve", &[Method::POST])
}

/// The OpenAPI document of the public auth routes.
#[utoipa::path(
    get,
    path = "/api/v1/auth/openapi.json",
    tag = "auth",
    responses(
        (status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json"),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = shared::error::ErrorBody),
    ),
)]
async fn openapi_json(_caller: crate::auth::MaybeUser) -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LMS auth-service",
        description = "Users, sign-up/in/out, refresh sessions, profile, password reset, roles, admin \
                       invites and API keys. Seed paths live under `/api/v1/user`, newer ones under \
                       `/api/v1/auth`; aliases are listed as separate operations. Every error is the \
                       `ErrorEnvelope` (or RFC 9457 problem details with `Accept: application/problem+json`)."
    ),
    paths(
        super::signup::sign_up,
        super::signup::register,
        super::signin::sign_in,
        super::signin::login,
        super::signout::sign_out,
        super::signout::logout,
        super::signout::sign_out_everywhere,
        super::token_refresh::refresh_token,
        super::profile::get_profile,
        super::profile::get_me,
        super::profile::update_profile,
        super::avatars::get_avatar,
        super::password::change_password,
        super::password::forgot_password,
        super::password::reset_password,
        super::account::delete_account,
        super::admin::invite_admin,
        super::admin::list_users,
        super::admin::update_user,
        super::api_keys::list_api_keys,
        super::api_keys::create_api_key,
        super::api_keys::delete_api_key,
        super::sessions::list_sessions,
        super::sessions::delete_session,
        super::jwks::get_jwks,
        openapi_json,
    ),
    components(schemas(
        ErrorEnvelope,
        ErrorCode,
        FieldError,
        Role,
        PublicUser,
        EnrolledCourse,
        Pagination,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "user", description = "The seed's account routes under `/api/v1/user`"),
        (name = "auth", description = "Sign-in aliases, tokens, refresh and keys under `/api/v1/auth`"),
        (name = "admin", description = "Admin only: invite admins, list and update users"),
        (name = "api-keys", description = "The caller's API keys"),
        (name = "sessions", description = "The caller's refresh sessions"),
    ),
)]
pub struct ApiDoc;

/// `bearer` (JWT in `Authorization`), `cookie` (`token`) and `apiKey` (`X-API-Key`).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token (EdDSA JWT), or an API key as `Bearer pk_...`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "token",
                "The access token in the `token` cookie (set by sign-in, sign-up and refresh)",
            ))),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key (`pk_` + 32 alphanumerics); acts as its owner",
            ))),
        );
        openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    }
}

/// `{ success, message }`.
#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub success: bool,
    pub message: String,
}

/// Sign-up and sign-in: the user and both tokens (also set as the `token` and `refresh_token` cookies).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse<'a> {
    pub success: bool,
    pub message: String,
    pub user: PublicUser<'a>,
    /// Access token (EdDSA JWT).
    pub token: String,
    /// Refresh token (rotated on every use).
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

/// A rotated token pair (also set as cookies).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshResponse {
    pub success: bool,
    pub token: String,
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

/// `{ success, user }`.
#[derive(Serialize, ToSchema)]
pub struct UserResponse<'a> {
    pub success: bool,
    pub user: PublicUser<'a>,
}

/// `{ success, message, user }`.
#[derive(Serialize, ToSchema)]
pub struct UserMessageResponse<'a> {
    pub success: bool,
    pub message: String,
    pub user: PublicUser<'a>,
}

/// Sign-out everywhere.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogoutAllResponse {
    pub success: bool,
    pub message: String,
    /// How many refresh sessions were ended.
    pub sessions_ended: u64,
}

/// Password changed; when the caller signed in with a session, a fresh access token (also set as the
/// `token` cookie) keeps it signed in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordResponse {
    pub success: bool,
    pub message: String,
    pub token: Option<String>,
    pub expires_in: Option<u64>,
}

/// A page of users.
#[derive(Serialize, ToSchema)]
pub struct UserListResponse<'a> {
    pub success: bool,
    pub users: Vec<PublicUser<'a>>,
    pub pagination: Pagination,
}

/// An API key as listed (the key itself is never shown again).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The first 8 characters of the key.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new API key, with the key shown this once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// `pk_` + 32 alphanumerics.
    pub key: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreatedResponse {
    pub success: bool,
    pub message: String,
    pub api_key: CreatedApiKey,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyListResponse {
    pub success: bool,
    pub api_keys: Vec<ApiKeyView>,
}

/// One refresh session of the caller.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Whether the caller's own token belongs to this session.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionListResponse {
    pub success: bool,
    pub sessions: Vec<SessionView>,
}

/// One public signing key.
#[derive(Serialize, ToSchema)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    pub x: String,
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// The public keys that verify access tokens.
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// `PATCH /user/profile` as multipart: text fields `name`, `bio` and an `avatar` image file.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileForm {
    #[schema(min_length = 2, max_length = 50, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$", example = "Ada Lovelace")]
    pub name: Option<String>,
    #[schema(max_length = 200)]
    pub bio: Option<String>,
    /// JPEG, PNG, WebP or GIF (by magic bytes), at most `AVATAR_MAX_BYTES` (5 MB).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "image/*", min_length = 1)]
    pub avatar: Option<Vec<u8>>,
}
