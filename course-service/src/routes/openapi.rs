//! The service's OpenAPI 3.1 document (`GET /api/v1/courses/openapi.json`, public, and `GET /openapi.json`). The gateway merges every
//! service's document into `/api/v1/openapi.json`. The structs below only describe bodies for the document
//! (the handlers build their JSON in `views`); keep them in step with the handlers.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub use shared::error::{ErrorBody as ErrorEnvelope, ErrorCode, FieldError};
pub use shared::query::Pagination;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/openapi.json").route(web::get().to(openapi_json)));
}

/// The same document at `/openapi.json`, where the gateway collects every service's document.
pub fn configure_root(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").route(web::get().to(openapi_json)));
}

/// Built once: the document never changes while the process runs.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// The methods of every route, for `Allow`, `OPTIONS` and `HEAD` (`shared::http::AllowTable`): the
/// document's paths, plus the routes it leaves out.
pub fn allow_table() -> shared::http::AllowTable {
    use actix_web::http::Method;
    let document = serde_json::to_value(&*DOCUMENT).unwrap_or_default();
    shared::http::AllowTable::new()
        .with_openapi(&document)
        .route("/openapi.json", &[Method::GET])
        .route("/api/v1/media/*", &[Method::GET])
        .route("/internal/courses/{courseId}", &[Method::GET])
        .route("/internal/courses/{courseId}/enrolments/{userId}", &[Method::GET])
}

/// The OpenAPI document of the public course routes.
#[utoipa::path(
    get,
    path = "/api/v1/courses/openapi.json",
    tag = "courses",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json")),
)]
async fn openapi_json(_caller: shared::principal::MaybePrincipal) -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

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
        openapi_json,
    ),
    components(schemas(
        ErrorEnvelope,
        ErrorCode,
        FieldError,
        Pagination,
        InstructorView,
        CourseView,
        LectureView,
        StudentView,
        super::course_item::PublishBody,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "courses", description = "Courses: create, list, search, read, update, publish, delete"),
        (name = "lectures", description = "Lectures of a course, with their videos"),
        (name = "media", description = "Thumbnails and lecture videos, with `Range` support"),
    ),
)]
pub struct ApiDoc;

/// `bearer` (JWT in `Authorization`) and `cookie` (`token`).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token (EdDSA JWT)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "token",
                "The access token in the `token` cookie (what `<video>` tags send)",
            ))),
        );
        openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    }
}

/// The instructor embedded in course responses.
#[derive(Serialize, ToSchema)]
pub struct InstructorView {
    #[serde(rename = "_id")]
    pub id: String,
    /// Null when auth-service could not be asked.
    pub name: Option<String>,
    pub avatar: Option<String>,
}

/// A course.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseView {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub category: String,
    /// `beginner`, `intermediate` or `advanced`.
    pub level: String,
    /// USD.
    #[schema(example = 49.99)]
    pub price: f64,
    /// URL of the thumbnail (`/api/v1/media/thumbnails/...`).
    pub thumbnail: String,
    pub instructor: InstructorView,
    /// Lecture ids in order (listings), or lecture objects (`GET /courses/{courseId}`).
    #[schema(value_type = Vec<Object>)]
    pub lectures: Vec<serde_json::Value>,
    pub total_lectures: u64,
    /// Seconds.
    pub total_duration: f64,
    pub is_published: bool,
    /// How many students are enrolled.
    pub enrolled_students: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A lecture; `videoUrl` and `publicId` only for callers who may watch it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureView {
    #[serde(rename = "_id")]
    pub id: String,
    pub course: String,
    pub title: String,
    pub description: String,
    pub video_url: Option<String>,
    pub public_id: Option<String>,
    /// Seconds, read from the MP4/WebM container.
    pub duration: f64,
    pub is_preview: bool,
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An enrolled student.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StudentView {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub enrolled_at: DateTime<Utc>,
}

/// `{ success, message, course }`.
#[derive(Serialize, ToSchema)]
pub struct CourseResponse {
    pub success: bool,
    pub message: Option<String>,
    pub course: CourseView,
}

/// A page of courses.
#[derive(Serialize, ToSchema)]
pub struct CourseListResponse {
    pub success: bool,
    pub data: Vec<CourseView>,
    pub pagination: Pagination,
}

/// `{ success, message, lecture }`.
#[derive(Serialize, ToSchema)]
pub struct LectureResponse {
    pub success: bool,
    pub message: String,
    pub lecture: LectureView,
}

/// A course's lectures in order.
#[derive(Serialize, ToSchema)]
pub struct LectureListResponse {
    pub success: bool,
    pub count: u64,
    pub lectures: Vec<LectureView>,
}

/// A page of enrolled students.
#[derive(Serialize, ToSchema)]
pub struct StudentListResponse {
    pub success: bool,
    pub data: Vec<StudentView>,
    pub pagination: Pagination,
}

/// `{ success, message }`.
#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub success: bool,
    pub message: String,
}

/// Course fields as multipart (create: `title`, `category`, `price`, `thumbnail` required).
#[derive(Serialize, ToSchema)]
pub struct CourseForm {
    /// At most 100 characters.
    pub title: Option<String>,
    /// At most 200 characters.
    pub subtitle: Option<String>,
    /// At most 5,000 characters.
    pub description: Option<String>,
    /// Free text, 1–50 characters.
    pub category: Option<String>,
    /// USD, 0 to 100000, at most two decimals.
    pub price: Option<String>,
    /// `beginner` (default), `intermediate`, `advanced`.
    pub level: Option<String>,
    /// JPEG, PNG, WebP or GIF (by magic bytes), at most `THUMBNAIL_MAX_BYTES` (5 MB).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "image/*")]
    pub thumbnail: Option<Vec<u8>>,
}

/// Course fields as JSON (update).
#[derive(Serialize, ToSchema)]
pub struct CourseJson {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub price: Option<f64>,
    pub level: Option<String>,
}

/// Lecture fields as multipart (add: `title`, `order`, `video` required).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureForm {
    /// At most 100 characters.
    pub title: Option<String>,
    /// At most 500 characters.
    pub description: Option<String>,
    /// Whole number 0–10000.
    pub order: Option<String>,
    /// `true` or `false` (default false).
    pub is_preview: Option<String>,
    /// MP4 or WebM (by magic bytes), at most `VIDEO_MAX_BYTES` (1 GB).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "video/*")]
    pub video: Option<Vec<u8>>,
}

/// Lecture fields as JSON (update).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureJson {
    pub title: Option<String>,
    pub description: Option<String>,
    pub order: Option<i32>,
    pub is_preview: Option<bool>,
}
