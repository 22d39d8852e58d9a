//! Who may see or change progress: ids parsed first (malformed → 400), the course asked of course-service
//! (unknown → 404), then the caller's standing: enrolled students learn; the owner and admins may also
//! read; anyone else gets 403.

use std::sync::Arc;

use mongodb::bson::oid::ObjectId;
use shared::internal::{CourseSummary, LectureSummary};
use shared::principal::Principal;

use crate::error::{ProgressError, ProgressResult};
use crate::state::AppState;
use crate::store::object_id;

/// What the route needs of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Enrolled in the course (changing one's own progress, resume).
    Enrolled,
    /// Enrolled, or the course's owner, or an admin (reading one's own record).
    EnrolledOrManager,
    /// The course's owner or an admin (statistics).
    Manager,
}

/// A caller cleared for a course.
pub struct Cleared {
    pub user: ObjectId,
    pub course_id: ObjectId,
    pub course: Arc<CourseSummary>,
}

impl Cleared {
    /// A lecture of the course by its path id (404 when the course has no such lecture now).
    pub fn lecture(&self, id: ObjectId) -> ProgressResult<&LectureSummary> {
        let hex = id.to_hex();
        self.course
            .lectures
            .iter()
            .find(|l| l.id == hex)
            .ok_or(ProgressError::NotFound("Lecture not found"))
    }
}

/// Parses a path id; the error names the parameter.
pub fn parse_id(raw: &str, field: &str) -> ProgressResult<ObjectId> {
    object_id(raw).ok_or_else(|| ProgressError::field(field, format!("Invalid {field}")))
}

/// The caller's user id (tokens carry ObjectId hex; anything else cannot own progress).
pub fn user_id(caller: &Principal) -> ProgressResult<ObjectId> {
    object_id(&caller.user_id).ok_or(ProgressError::Forbidden("This account has no progress"))
}

/// Clears `caller` for `course_id` (already parsed) as `need` demands.
pub async fn authorize(
    state: &AppState,
    caller: &Principal,
    course_id: ObjectId,
    need: Need,
) -> ProgressResult<Cleared> {
    let user = user_id(caller)?;
    let course = state
        .courses
        .course(&course_id.to_hex())
        .await?
        .ok_or(ProgressError::NotFound("Course not found"))?;
    let manager = caller.is_admin() || course.instructor == caller.user_id;
    let allowed = match need {
        Need::Manager => manager,
        Need::EnrolledOrManager if manager => true,
        Need::Enrolled | Need::EnrolledOrManager => state
            .courses
            .enrolment(&course.id, &caller.user_id)
            .await?
            .is_some_and(|check| check.enrolled),
    };
    if !allowed {
        return Err(ProgressError::Forbidden(match need {
            Need::Manager => "Only the course's instructor or an admin may see its statistics",
            _ => "You are not enrolled in this course",
        }));
    }
    Ok(Cleared {
        user,
        course_id,
        course,
    })
}
