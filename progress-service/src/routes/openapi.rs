//! The service's OpenAPI 3.1 document (`GET /api/v1/progress/openapi.json`, and `GET /openapi.json` where
//! the gateway collects every service's document and merges them into `/api/v1/openapi.json`): only the
//! list of paths. Every schema comes from the handlers' own types (`views`), collected by utoipa.

use actix_web::http::Method;
use shared::openapi::SecuritySchemes;
use shared::served_document::{DocumentRoute, ServedDocument};
use utoipa::OpenApi;

/// Built once; served at `/openapi.json` too, and the source of the service's `Allow` table.
pub static DOCUMENT: ServedDocument = ServedDocument::new(
    ApiDoc::openapi,
    DocumentRoute::logged_in("/api/v1/progress/openapi.json", "progress"),
);

/// The routes the document leaves out, for the `Allow` table.
pub const UNDOCUMENTED: &[(&str, &[Method])] = &[];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LMS progress-service",
        description = "Per-user course progress. Percentages are computed when read, over the lectures the \
                       course has now; course completion is sticky. Bodies are the seed's \
                       `{ status: \"success\", data }` plus `success: true`; every error is the \
                       `ErrorEnvelope` (or RFC 9457 problem details with `Accept: application/problem+json`)."
    ),
    paths(
        super::summary::list_progress,
        super::course_progress::get_progress,
        super::course_progress::update_lecture,
        super::course_progress::get_resume,
        super::course_progress::complete_course,
        super::course_progress::reset_course,
        super::stats::get_stats,
    ),
    modifiers(&SecuritySchemes),
    tags((name = "progress", description = "Where each student is in each course, and what instructors see of it")),
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_route_with_its_method() {
        let doc = serde_json::to_value(DOCUMENT.document()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for (path, method) in [
            ("/api/v1/progress", "get"),
            ("/api/v1/progress/{courseId}", "get"),
            ("/api/v1/progress/{courseId}/lectures/{lectureId}", "patch"),
            ("/api/v1/progress/{courseId}/resume", "get"),
            ("/api/v1/progress/{courseId}/complete", "post"),
            ("/api/v1/progress/{courseId}/reset", "post"),
            ("/api/v1/progress/{courseId}/stats", "get"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path} missing");
        }
        assert!(!paths.keys().any(|p| p.contains("internal")));
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert!(schemas.contains_key("HeartbeatBody"));
    }
}
