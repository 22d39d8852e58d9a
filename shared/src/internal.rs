//! Wire types of the `/internal/...` routes: one definition used by the service that serves a route and by
//! every service that calls it, so the two can never drift apart.

use serde::{Deserialize, Serialize};

/// `GET /internal/courses/{courseId}` (course-service): what payment- and progress-service need of a
/// course, drafts included. Wrapped as `{ "success": true, "course": CourseSummary }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseSummary {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    /// The course's description (empty from a course-service older than the field).
    #[serde(default)]
    pub description: String,
    /// Dollars, as the public API shows prices.
    pub price: f64,
    /// The same price in integer cents: what money arithmetic uses.
    pub price_cents: i64,
    /// Public URL of the thumbnail.
    pub thumbnail: String,
    /// The instructor's user id.
    pub instructor: String,
    pub is_published: bool,
    /// Lecture ids in course order.
    pub lecture_ids: Vec<String>,
    /// The lectures in course order (same order as `lecture_ids`).
    pub lectures: Vec<LectureSummary>,
}

/// One lecture of a [`CourseSummary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LectureSummary {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    /// Seconds, as read from the video container.
    pub duration: f64,
    pub order: i32,
    pub is_preview: bool,
}

/// The body of `GET /internal/courses/{courseId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseSummaryResponse {
    pub success: bool,
    pub course: CourseSummary,
}

/// `GET /internal/courses/{courseId}/enrolments/{userId}` (course-service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentCheck {
    pub success: bool,
    pub course_id: String,
    pub user_id: String,
    pub enrolled: bool,
    pub is_owner: bool,
}
