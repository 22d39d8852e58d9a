//! The `token` and `refresh_token` cookies, with the attributes of `api.md` §1.

use actix_web::cookie::{Cookie, SameSite as CookieSameSite, time::Duration};

use crate::config::{SameSite, Settings};

pub use shared::credentials::{ACCESS_COOKIE, REFRESH_COOKIE};

/// The refresh cookie is sent on API routes only (not to the frontend's own pages). It has to reach every
/// API route, not just `/auth`, so the gateway can refresh silently for seed frontends.
pub const REFRESH_COOKIE_PATH: &str = "/api/v1";

fn same_site(s: SameSite) -> CookieSameSite {
    match s {
        SameSite::Strict => CookieSameSite::Strict,
        SameSite::Lax => CookieSameSite::Lax,
        SameSite::None => CookieSameSite::None,
    }
}

fn build(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age: Duration,
    s: &Settings,
) -> Cookie<'static> {
    build_same_site(name, value, path, max_age, s, same_site(s.cookie_same_site))
}

fn build_same_site(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age: Duration,
    s: &Settings,
    same_site: CookieSameSite,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .http_only(true)
        .secure(s.cookie_secure)
        .same_site(same_site)
        .path(path)
        .max_age(max_age)
        .finish()
}

/// Binds a single sign-on flow to the browser that started it.
pub const SSO_FLOW_COOKIE: &str = "sso_flow";
/// Names the pending link after "link required".
pub const SSO_LINK_COOKIE: &str = "sso_link";
/// Both single sign-on cookies go to the SSO routes only.
pub const SSO_COOKIE_PATH: &str = "/api/v1/auth/sso";

/// The flow-binding cookie. `Lax` whatever `COOKIE_SAMESITE` says: the provider sends the browser back
/// with a cross-site top-level navigation, on which a `Strict` cookie would not come along.
pub fn sso_flow(value: &str, s: &Settings) -> Cookie<'static> {
    let max_age = secs(s.sso.flow_ttl);
    build_same_site(
        SSO_FLOW_COOKIE,
        value.to_owned(),
        SSO_COOKIE_PATH,
        max_age,
        s,
        CookieSameSite::Lax,
    )
}

/// The pending-link cookie (sent with the frontend's `POST /auth/sso/link`).
pub fn sso_link(value: &str, s: &Settings) -> Cookie<'static> {
    build(
        SSO_LINK_COOKIE,
        value.to_owned(),
        SSO_COOKIE_PATH,
        secs(s.sso.flow_ttl),
        s,
    )
}

/// The pending-link cookie, expired.
pub fn sso_link_cleared(s: &Settings) -> Cookie<'static> {
    build(
        SSO_LINK_COOKIE,
        String::new(),
        SSO_COOKIE_PATH,
        Duration::ZERO,
        s,
    )
}

fn secs(d: std::time::Duration) -> Duration {
    Duration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The access-token cookie; lives as long as the token.
pub fn access(token: &str, s: &Settings) -> Cookie<'static> {
    build(ACCESS_COOKIE, token.to_owned(), "/", secs(s.access_ttl), s)
}

/// The refresh-token cookie; lives as long as the session may stay idle.
pub fn refresh(token: &str, s: &Settings) -> Cookie<'static> {
    build(
        REFRESH_COOKIE,
        token.to_owned(),
        REFRESH_COOKIE_PATH,
        secs(s.refresh_idle_ttl),
        s,
    )
}

/// Both cookies, expired, so the browser drops them.
pub fn cleared(s: &Settings) -> [Cookie<'static>; 2] {
    [
        build(ACCESS_COOKIE, String::new(), "/", Duration::ZERO, s),
        build(
            REFRESH_COOKIE,
            String::new(),
            REFRESH_COOKIE_PATH,
            Duration::ZERO,
            s,
        ),
    ]
}
