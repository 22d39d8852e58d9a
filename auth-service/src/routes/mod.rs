//! HTTP routes, one file per resource. Seed paths live under `/api/v1/user`, the newer ones under
//! `/api/v1/auth`, and several handlers answer on both.

mod account;
mod admin;
mod api_keys;
mod avatars;
pub mod dto;
mod identities;
mod internal;
mod jwks;
pub mod openapi;
mod password;
mod profile;
mod respond;
mod sessions;
mod signin;
mod signout;
mod signup;
mod sso;
mod token_refresh;

use actix_web::web;

pub use admin::create_admin_account;

/// Registers every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    openapi::DOCUMENT.configure::<crate::auth::MaybeUser>(cfg, openapi::UNDOCUMENTED);
    cfg.configure(internal::configure).service(
        web::scope("/api/v1")
            .configure(signup::configure)
            .configure(signin::configure)
            .configure(signout::configure)
            .configure(token_refresh::configure)
            .configure(profile::configure)
            .configure(avatars::configure)
            .configure(password::configure)
            .configure(account::configure)
            .configure(admin::configure)
            .configure(api_keys::configure)
            .configure(sessions::configure)
            .configure(sso::configure)
            .configure(identities::configure)
            .configure(jwks::configure),
    );
}
