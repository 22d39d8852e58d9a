//! The wire shapes of auth-service's public routes: what handlers return and (for bodies parsed by hand)
//! what they accept. One type per shape, serialised by the handlers and described in the OpenAPI document
//! by the same derive, so the two cannot drift (`docs/contract.md`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::PublicUser;
pub use shared::claims::Role;
pub use shared::error::ErrorBody as ErrorEnvelope;
pub use shared::message::MessageResponse;
pub use shared::query::Pagination;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
    #[schema(required = true)]
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
    #[schema(required = true)]
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

/// One refresh session of the caller (a signed-in device; not payment-service's `CheckoutSession`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshSession {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    #[schema(required = true)]
    pub ip: Option<String>,
    /// Whether the caller's own token belongs to this session.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionListResponse {
    pub success: bool,
    pub sessions: Vec<RefreshSession>,
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
    #[schema(
        min_length = 2,
        max_length = 50,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        example = "Ada Lovelace"
    )]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[schema(max_length = 200)]
    #[schema(nullable = false)]
    pub bio: Option<String>,
    /// JPEG, PNG, WebP or GIF (by magic bytes), at most `AVATAR_MAX_BYTES` (5 MB).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "image/*")]
    #[schema(nullable = false)]
    pub avatar: Option<Vec<u8>>,
}
