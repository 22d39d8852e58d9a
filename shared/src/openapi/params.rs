//! Path parameters that several services' routes take alike, each with its pattern, so a route writes
//! `params(CourseIdPath)` and every service documents the id the same way (and clients validate it alike).
//! The types only describe parameters; the handlers still extract `web::Path<String>` and parse it.

use utoipa::IntoParams;

/// `{courseId}`: a course's ObjectId, 24 hex digits.
#[derive(IntoParams)]
#[into_params(names("courseId"), parameter_in = Path)]
pub struct CourseIdPath(
    /// Course id (ObjectId hex)
    #[param(pattern = "^[0-9a-fA-F]{24}$")]
    pub String,
);

/// `{lectureId}`: a lecture's ObjectId, 24 hex digits.
#[derive(IntoParams)]
#[into_params(names("lectureId"), parameter_in = Path)]
pub struct LectureIdPath(
    /// Lecture id (ObjectId hex)
    #[param(pattern = "^[0-9a-fA-F]{24}$")]
    pub String,
);
