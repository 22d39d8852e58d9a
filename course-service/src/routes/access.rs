//! Who may do what with a course: parsing ids (malformed → 400), loading (unknown → 404), managing
//! (owner or admin, else 403), viewing drafts (owner, admin or enrolled, else 404) and watching videos.

use mongodb::bson::oid::ObjectId;
use shared::claims::Role;
use shared::principal::Principal;

use crate::error::{CourseError, CourseResult};
use crate::state::AppState;
use crate::store::{Course, Lecture, object_id};

pub const COURSE_NOT_FOUND: CourseError = CourseError::NotFound("Course not found");
pub const LECTURE_NOT_FOUND: CourseError = CourseError::NotFound("Lecture not found");

/// Parses a path id; the error names the parameter.
pub fn parse_id(raw: &str, field: &str) -> CourseResult<ObjectId> {
    object_id(raw).ok_or_else(|| CourseError::field(field, format!("Invalid {field}")))
}

/// Loads a course by its path id.
pub async fn load_course(state: &AppState, raw_id: &str) -> CourseResult<(ObjectId, Course)> {
    let id = parse_id(raw_id, "courseId")?;
    let course = state.store.courses.find_by_id(id).await?;
    Ok((id, course.ok_or(COURSE_NOT_FOUND)?))
}

/// Whether the caller owns the course or is an admin.
pub fn manages(caller: &Principal, course: &Course) -> bool {
    caller.role == Role::Admin || caller.user_id == course.instructor_id
}

/// 403 unless the caller owns the course or is an admin.
pub fn ensure_manager(caller: &Principal, course: &Course) -> CourseResult<()> {
    if manages(caller, course) {
        Ok(())
    } else {
        Err(CourseError::Forbidden(
            "Only the course's instructor or an admin may do this",
        ))
    }
}

/// 403 unless the caller is an instructor or an admin (creating and listing own courses).
pub fn ensure_teacher(caller: &Principal) -> CourseResult<()> {
    caller
        .require_role(
            &[Role::Instructor, Role::Admin],
            "Only instructors and admins may do this",
        )
        .map_err(CourseError::from)
}

/// What the caller may see of a course.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    /// Owner or admin.
    pub manager: bool,
    pub enrolled: bool,
}

impl Access {
    /// Whether the caller may watch this lecture's video.
    pub fn can_watch(self, course: &Course, lecture: &Lecture) -> bool {
        self.manager || self.enrolled || (lecture.is_preview && course.is_published)
    }
}

/// The caller's access to a course; an unpublished course is 404 to everyone who is not its owner, an
/// admin, or already enrolled (students keep what they bought when a course is withdrawn).
pub async fn course_access(
    state: &AppState,
    caller: Option<&Principal>,
    course_id: ObjectId,
    course: &Course,
) -> CourseResult<Access> {
    let manager = caller.is_some_and(|c| manages(c, course));
    let enrolled = match caller {
        Some(c) if !manager => match object_id(&c.user_id) {
            Some(user) => state.store.enrolments.is_enrolled(course_id, user).await?,
            None => false,
        },
        _ => false,
    };
    if !course.is_published && !manager && !enrolled {
        return Err(COURSE_NOT_FOUND);
    }
    Ok(Access { manager, enrolled })
}
