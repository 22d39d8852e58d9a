//! HTTP routes of course-service, one module per resource. Public routes live under `/api/v1` at the
//! same paths the gateway exposes; `/internal` is for other services only.

mod access;
mod catalogue;
mod course_item;
mod courses;
pub mod dto;
mod files;
mod form;
mod internal;
mod lectures;
pub mod openapi;
pub mod review_dto;
mod review_moderation;
mod reviews;
mod students;
mod views;

use actix_web::web;

pub use files::{RangeRequest, parse_range};

/// Mounts every route of the service. Fixed course paths (`published`, `search`) come before
/// `/courses/{courseId}` so they are not read as ids.
pub fn configure(cfg: &mut web::ServiceConfig) {
    openapi::DOCUMENT.configure::<shared::principal::MaybePrincipal>(cfg, openapi::UNDOCUMENTED);
    internal::configure(cfg);
    cfg.service(
        web::scope("/api/v1")
            .configure(catalogue::configure)
            .configure(courses::configure)
            .configure(course_item::configure)
            .configure(students::configure)
            .configure(lectures::configure)
            .configure(reviews::configure)
            .configure(review_moderation::configure)
            .configure(files::configure),
    );
}
