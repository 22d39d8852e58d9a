//! Builds the wire shapes of courses and lectures (`dto`) from stored documents (prices in dollars, URLs
//! for media keys, instructors from one batch lookup).

use std::collections::HashMap;

use super::dto::{CourseDetail, CourseFields, CourseView, InstructorView, LectureView};
use crate::state::AppState;
use crate::store::{Course, Lecture};
use crate::users::UserSummary;

/// `{ _id, name, avatar }` of an instructor (name and avatar null when auth-service did not say).
pub fn instructor(id: &str, summary: Option<&UserSummary>) -> InstructorView {
    InstructorView {
        id: id.to_owned(),
        name: summary.and_then(|s| s.name.clone()),
        avatar: summary.and_then(|s| s.avatar.clone()),
    }
}

fn fields(
    state: &AppState,
    course: &Course,
    instructors: &HashMap<String, UserSummary>,
) -> CourseFields {
    CourseFields {
        id: course.id.clone(),
        title: course.title.clone(),
        subtitle: course.subtitle.clone(),
        description: course.description.clone(),
        category: course.category.clone(),
        level: course.level,
        price: course.price.dollars(),
        thumbnail: state.media_url(&course.thumbnail_key),
        instructor: instructor(
            &course.instructor_id,
            instructors.get(&course.instructor_id),
        ),
        total_lectures: course.lecture_ids.len() as u64,
        total_duration: ((course.total_duration * 100.0).round() / 100.0).max(0.0),
        is_published: course.is_published,
        enrolled_students: u64::try_from(course.enrolled_count).unwrap_or(0),
        created_at: course.created_at,
        updated_at: course.updated_at,
    }
}

/// A course with its lecture ids.
pub fn course(
    state: &AppState,
    course: &Course,
    instructors: &HashMap<String, UserSummary>,
) -> CourseView {
    CourseView {
        course: fields(state, course, instructors),
        lectures: course.lecture_ids.clone(),
    }
}

/// A course with its lectures.
pub fn course_detail(
    state: &AppState,
    course: &Course,
    instructors: &HashMap<String, UserSummary>,
    lectures: Vec<LectureView>,
) -> CourseDetail {
    CourseDetail {
        course: fields(state, course, instructors),
        lectures,
    }
}

/// The course the caller may see and its lectures, ordered, each with `videoUrl` only where the caller may
/// watch it (the course page and the lecture list show the same thing).
pub async fn visible_lectures(
    state: &AppState,
    caller: Option<&shared::principal::Principal>,
    raw_course_id: &str,
) -> crate::error::CourseResult<(crate::store::Course, Vec<LectureView>)> {
    let (id, course) = super::access::load_course(state, raw_course_id).await?;
    let access = super::access::course_access(state, caller, id, &course).await?;
    let lectures = state.store.lectures.list(id).await?;
    let lectures = lectures
        .iter()
        .map(|l| lecture(state, l, access.can_watch(&course, l)))
        .collect();
    Ok((course, lectures))
}

/// A lecture; `videoUrl` and `publicId` only when the caller may watch it.
pub fn lecture(state: &AppState, lecture: &Lecture, can_watch: bool) -> LectureView {
    LectureView {
        id: lecture.id.clone(),
        course: lecture.course_id.clone(),
        title: lecture.title.clone(),
        description: lecture.description.clone(),
        video_url: can_watch.then(|| state.media_url(&lecture.video_key)),
        public_id: can_watch.then(|| lecture.video_key.clone()),
        duration: lecture.duration,
        is_preview: lecture.is_preview,
        order: lecture.order,
        created_at: lecture.created_at,
        updated_at: lecture.updated_at,
    }
}

/// Courses with their instructors looked up in one batch.
pub async fn courses(state: &AppState, courses: &[Course]) -> Vec<CourseView> {
    let ids: Vec<String> = courses.iter().map(|c| c.instructor_id.clone()).collect();
    let instructors = state.users.lookup(&ids).await;
    courses
        .iter()
        .map(|c| course(state, c, &instructors))
        .collect()
}
