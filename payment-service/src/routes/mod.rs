//! HTTP routes of payment-service, one module per resource. Public routes live under `/api/v1` at the
//! same paths the gateway exposes.

mod access;
mod admin;
mod checkout;
pub mod openapi;
mod purchases;
pub mod views;
mod webhook;

use actix_web::web;

/// Mounts every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    openapi::DOCUMENT.configure::<()>(cfg, openapi::UNDOCUMENTED);
    cfg.service(
        web::scope("/api/v1")
            .configure(checkout::configure)
            .configure(webhook::configure)
            .configure(purchases::configure)
            .configure(admin::configure),
    );
}
