//! The wire shapes of course-service's public routes: what handlers return and (for multipart and JSON
//! bodies parsed by hand) what they accept. One type per shape, serialised by the handlers and described
//! in the OpenAPI document by the same derive, so the two cannot drift. Field names follow `api.md` §4.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::query::Pagination;
use utoipa::ToSchema;

use crate::domain::Level;

pub use shared::error::ErrorBody as ErrorEnvelope;
pub use shared::message::MessageResponse;

/// The instructor embedded in course responses; `name` and `avatar` are null when auth-service could not
/// be asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstructorView {
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub avatar: Option<String>,
}

/// The fields every course answer has.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseFields {
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[schema(max_length = 200)]
    pub subtitle: String,
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(min_length = 1, max_length = 50)]
    pub category: String,
    pub level: Level,
    /// USD.
    #[schema(minimum = 0, maximum = 100000, example = 49.99)]
    pub price: f64,
    /// URL of the thumbnail (`/api/v1/media/thumbnails/...`).
    pub thumbnail: String,
    pub instructor: InstructorView,
    #[schema(minimum = 0)]
    pub total_lectures: u64,
    /// Seconds.
    #[schema(minimum = 0)]
    pub total_duration: f64,
    pub is_published: bool,
    /// How many students are enrolled.
    #[schema(minimum = 0)]
    pub enrolled_students: u64,
    pub rating: super::review_dto::RatingView,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A course in listings and write answers: `lectures` are the lecture ids in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseView {
    #[serde(flatten)]
    pub course: CourseFields,
    pub lectures: Vec<String>,
}

/// A course as `GET /courses/{courseId}` shows it: `lectures` are the lectures themselves, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: CourseFields,
    pub lectures: Vec<LectureView>,
}

/// A lecture; `videoUrl` and `publicId` only for callers who may watch it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LectureView {
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    /// The course's id.
    pub course: String,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[schema(max_length = 500)]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub video_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub public_id: Option<String>,
    /// Seconds, read from the MP4/WebM container.
    #[schema(minimum = 0)]
    pub duration: f64,
    pub is_preview: bool,
    #[schema(minimum = 0, maximum = 10000)]
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An enrolled student; `name` and `email` are null when auth-service could not be asked.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StudentView {
    #[serde(rename = "_id")]
    pub id: String,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    pub enrolled_at: DateTime<Utc>,
}

/// `{ success, message, course }` of create, update and publish.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseResponse {
    pub success: bool,
    pub message: String,
    pub course: CourseView,
}

/// `{ success, course }` of `GET /courses/{courseId}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetailResponse {
    pub success: bool,
    pub course: CourseDetail,
}

/// A page of courses.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseListResponse {
    pub success: bool,
    pub data: Vec<CourseView>,
    pub pagination: Pagination,
}

/// `{ success, message, lecture }`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LectureResponse {
    pub success: bool,
    pub message: String,
    pub lecture: LectureView,
}

/// A course's lectures in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct LectureListResponse {
    pub success: bool,
    pub count: u64,
    pub lectures: Vec<LectureView>,
}

/// A page of enrolled students.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentListResponse {
    pub success: bool,
    pub data: Vec<StudentView>,
    pub pagination: Pagination,
}

// Text patterns: no control characters but tab, CR and LF (the domain types refuse them); a required text
// also needs one non-space character (it is trimmed). Lengths count characters.

/// A new course as multipart. Unknown fields are refused.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourseForm {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub subtitle: Option<String>,
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub description: Option<String>,
    /// Free text.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub category: String,
    /// USD, 0 to 100000, at most two decimals.
    #[schema(
        pattern = r"^((0{0,6}[0-9]|0{0,5}[0-9]{2}|0{0,4}[0-9]{3}|0{0,3}[0-9]{4}|0{0,2}[0-9]{5})(\.[0-9]{0,2})?|0?100000(\.0{0,2})?)$",
        example = "49.99"
    )]
    pub price: String,
    /// Default `beginner`.
    #[schema(nullable = false)]
    pub level: Option<Level>,
    /// JPEG, PNG, WebP or GIF (by magic bytes), at most `THUMBNAIL_MAX_BYTES` (5 MB).
    #[schema(value_type = String, format = Binary, content_media_type = "image/*")]
    pub thumbnail: Vec<u8>,
}

/// Course changes as multipart: any of the fields, a new `thumbnail` replaces the old one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseForm {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub title: Option<String>,
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub subtitle: Option<String>,
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub description: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub category: Option<String>,
    /// USD, 0 to 100000, at most two decimals.
    #[schema(
        pattern = r"^((0{0,6}[0-9]|0{0,5}[0-9]{2}|0{0,4}[0-9]{3}|0{0,3}[0-9]{4}|0{0,2}[0-9]{5})(\.[0-9]{0,2})?|0?100000(\.0{0,2})?)$"
    )]
    #[schema(nullable = false)]
    pub price: Option<String>,
    #[schema(nullable = false)]
    pub level: Option<Level>,
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "image/*")]
    #[schema(nullable = false)]
    pub thumbnail: Option<Vec<u8>>,
}

/// Course changes as JSON (no thumbnail); null leaves a field unchanged.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseJson {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub subtitle: Option<String>,
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub description: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub category: Option<String>,
    /// USD, at most two decimals.
    #[schema(minimum = 0, maximum = 100000, multiple_of = 0.01)]
    pub price: Option<f64>,
    pub level: Option<Level>,
}

/// A new lecture as multipart. Unknown fields are refused.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewLectureForm {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    #[schema(
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub description: Option<String>,
    /// Whole number 0–10000.
    #[schema(pattern = "^(10000|[0-9]{1,4})$")]
    pub order: String,
    /// Default false.
    #[schema(pattern = "^(true|false)$")]
    #[schema(nullable = false)]
    pub is_preview: Option<String>,
    /// MP4 or WebM (by magic bytes) with a readable duration, at most `VIDEO_MAX_BYTES` (1 GB).
    #[schema(value_type = String, format = Binary, content_media_type = "video/*")]
    pub video: Vec<u8>,
}

/// Lecture changes as multipart; a new `video` replaces the old one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LectureForm {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub title: Option<String>,
    #[schema(
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    #[schema(nullable = false)]
    pub description: Option<String>,
    #[schema(pattern = "^(10000|[0-9]{1,4})$")]
    #[schema(nullable = false)]
    pub order: Option<String>,
    #[schema(pattern = "^(true|false)$")]
    #[schema(nullable = false)]
    pub is_preview: Option<String>,
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "video/*")]
    #[schema(nullable = false)]
    pub video: Option<Vec<u8>>,
}

/// Lecture changes as JSON (no video); null leaves a field unchanged.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LectureJson {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    #[schema(
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub description: Option<String>,
    #[schema(minimum = 0, maximum = 10000)]
    pub order: Option<i32>,
    pub is_preview: Option<bool>,
}
