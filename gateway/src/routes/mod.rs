//! HTTP routes of the gateway, one module per resource.

mod health;

use actix_web::web;

/// Mounts every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
}
