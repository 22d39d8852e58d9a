//! The service's OpenAPI 3.1 document (`GET /api/v1/auth/openapi.json`, public, and `GET /openapi.json`):
//! only the list of paths. Every schema comes from the handlers' own types (`dto`), collected by utoipa
//! from the paths. The gateway merges every service's document into `/api/v1/openapi.json`.

use actix_web::http::Method;
use shared::openapi::SecuritySchemes;
use shared::served_document::{DocumentRoute, ServedDocument};
use utoipa::OpenApi;

/// Built once; served at `/openapi.json` too, and the source of the service's `Allow` table.
pub static DOCUMENT: ServedDocument = ServedDocument::new(
    ApiDoc::openapi,
    DocumentRoute::public("/api/v1/auth/openapi.json", "auth"),
);

/// The routes the document leaves out, for the `Allow` table.
pub const UNDOCUMENTED: &[(&str, &[Method])] = &[
    ("/internal/users/batch", &[Method::POST]),
    ("/internal/users/{id}", &[Method::GET]),
    ("/internal/api-keys/resolve", &[Method::POST]),
];

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
        super::sso::list_sso_providers,
        super::sso::start_sso,
        super::sso::finish_sso,
        super::sso::link_sso_identity,
        super::identities::list_identities,
        super::identities::delete_identity,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "user", description = "The seed's account routes under `/api/v1/user`"),
        (name = "auth", description = "Sign-in aliases, tokens, refresh and keys under `/api/v1/auth`"),
        (name = "admin", description = "Admin only: invite admins, list and update users"),
        (name = "api-keys", description = "The caller's API keys"),
        (name = "sessions", description = "The caller's refresh sessions"),
        (name = "sso", description = "Single sign-on with OpenID providers and the caller's linked identities"),
    ),
)]
pub struct ApiDoc;
