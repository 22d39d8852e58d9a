//! The service's OpenAPI 3.1 document (`GET /api/v1/courses/openapi.json`, public, and `GET /openapi.json`):
//! only the list of paths. Every schema comes from the handlers' own types (`dto`), collected by utoipa
//! from the paths. The gateway merges every service's document into `/api/v1/openapi.json`.

use actix_web::http::Method;
use shared::openapi::SecuritySchemes;
use shared::served_document::{DocumentRoute, ServedDocument};
use utoipa::OpenApi;

/// Built once; served at `/openapi.json` too, and the source of the service's `Allow` table.
pub static DOCUMENT: ServedDocument = ServedDocument::new(
    ApiDoc::openapi,
    DocumentRoute::public("/api/v1/courses/openapi.json", "courses"),
);

/// The routes the document leaves out, for the `Allow` table.
pub const UNDOCUMENTED: &[(&str, &[Method])] = &[
    ("/api/v1/media/*", &[Method::GET]),
    ("/internal/courses/{courseId}", &[Method::GET]),
    (
        "/internal/courses/{courseId}/enrolments/{userId}",
        &[Method::GET],
    ),
    ("/internal/ratings/repair", &[Method::POST]),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LMS course-service",
        description = "Courses, lectures, enrolments and media. Prices are USD numbers (stored as cents). \
                       Every error is the `ErrorEnvelope` (or RFC 9457 problem details with \
                       `Accept: application/problem+json`). A token that is present but invalid is a 401 \
                       even on routes that also serve anonymous callers."
    ),
    paths(
        super::courses::create_course,
        super::courses::list_own_courses,
        super::catalogue::list_published_courses,
        super::catalogue::search_courses,
        super::course_item::get_course,
        super::course_item::update_course,
        super::course_item::publish_course,
        super::course_item::delete_course,
        super::students::list_students,
        super::lectures::add_lecture,
        super::lectures::list_lectures,
        super::lectures::update_lecture,
        super::lectures::delete_lecture,
        super::files::get_media,
        super::reviews::create_review,
        super::reviews::list_reviews,
        super::reviews::update_review,
        super::reviews::delete_review,
        super::reviews::list_own_reviews,
        super::review_moderation::put_reply,
        super::review_moderation::delete_reply,
        super::review_moderation::moderate_review,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "courses", description = "Courses: create, list, search, read, update, publish, delete"),
        (name = "lectures", description = "Lectures of a course, with their videos"),
        (name = "media", description = "Thumbnails and lecture videos, with `Range` support"),
        (name = "reviews", description = "Reviews and ratings: enrolled students review, instructors reply, admins moderate"),
    ),
)]
pub struct ApiDoc;
