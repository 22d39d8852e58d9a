//! HTTP routes of the gateway: its own (health, the platform report, API docs) and the proxied groups.

mod docs;
mod health;
mod healthcheck;

use actix_web::web;

use crate::proxy::proxy;

/// The proxied groups, one resource each so traces name the group rather than the raw path.
const PROXIED: [&str; 6] = [
    "/api/v1/user/{tail:.*}",
    "/api/v1/auth/{tail:.*}",
    "/api/v1/courses{tail:.*}",
    "/api/v1/media/{tail:.*}",
    "/api/v1/progress{tail:.*}",
    "/api/v1/payments/{tail:.*}",
];

/// Mounts every route of the gateway.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    healthcheck::configure(cfg);
    docs::configure(cfg);
    for pattern in PROXIED {
        cfg.service(web::resource(pattern).route(web::route().to(proxy)));
    }
}
