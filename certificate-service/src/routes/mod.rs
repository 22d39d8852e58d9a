//! HTTP routes of certificate-service, one module per resource. Public routes live under `/api/v1` at the
//! same paths the gateway exposes; the certificate's HTML page at `/certificates/{id}`, as on the gateway.

pub mod access;
mod admin;
mod certificates;
pub mod issuer;
pub mod openapi;
mod page;
pub mod views;

use actix_web::web;

/// Mounts every route of the service. The issuer and status routes come before `/certificates/{id}` so
/// their fixed segments are never read as an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    openapi::DOCUMENT.configure::<()>(cfg, openapi::UNDOCUMENTED);
    cfg.service(
        web::scope("/api/v1")
            .configure(issuer::configure)
            .configure(certificates::configure)
            .configure(admin::configure),
    )
    .configure(page::configure);
}
