//! HTTP routes of progress-service, one module per resource. Public routes live under `/api/v1` at the
//! same paths the gateway exposes.

mod access;
mod course_progress;
pub mod openapi;
mod stats;
mod summary;
pub mod views;

use actix_web::web;

/// Mounts every route of the service. The document (with `/api/v1/progress/openapi.json`) comes before
/// `/progress/{courseId}` so that path is not read as an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    openapi::DOCUMENT.configure::<()>(cfg, openapi::UNDOCUMENTED);
    cfg.service(
        web::scope("/api/v1")
            .configure(summary::configure)
            .configure(stats::configure)
            .configure(course_progress::configure),
    );
}
