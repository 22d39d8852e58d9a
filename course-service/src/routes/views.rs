//! The JSON shapes of courses and lectures (`api.md` §4 field names; prices in dollars).

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::state::AppState;
use crate::store::{Course, Lecture};
use crate::users::UserSummary;

/// `{ _id, name, avatar }` of an instructor (name and avatar null when auth-service did not say).
pub fn instructor(id: &str, summary: Option<&UserSummary>) -> Value {
    json!({
        "_id": id,
        "name": summary.and_then(|s| s.name.clone()),
        "avatar": summary.and_then(|s| s.avatar.clone()),
    })
}

/// A course; `lectures` are ids unless full lecture objects are given.
pub fn course(
    state: &AppState,
    course: &Course,
    instructors: &HashMap<String, UserSummary>,
    lectures: Option<Vec<Value>>,
) -> Value {
    let lectures = lectures.map_or_else(|| json!(course.lecture_ids), Value::Array);
    json!({
        "_id": course.id,
        "title": course.title,
        "subtitle": course.subtitle,
        "description": course.description,
        "category": course.category,
        "level": course.level,
        "price": course.price.dollars(),
        "thumbnail": state.media_url(&course.thumbnail_key),
        "instructor": instructor(&course.instructor_id, instructors.get(&course.instructor_id)),
        "lectures": lectures,
        "totalLectures": course.lecture_ids.len(),
        "totalDuration": (course.total_duration * 100.0).round() / 100.0,
        "isPublished": course.is_published,
        "enrolledStudents": course.enrolled_count.max(0),
        "createdAt": course.created_at,
        "updatedAt": course.updated_at,
    })
}

/// A lecture; `videoUrl` and `publicId` only when the caller may watch it.
/// The course the caller may see and its lectures, ordered, each with `videoUrl` only where the caller may
/// watch it (the course page and the lecture list show the same thing).
pub async fn visible_lectures(
    state: &AppState,
    caller: Option<&shared::principal::Principal>,
    raw_course_id: &str,
) -> crate::error::CourseResult<(crate::store::Course, Vec<Value>)> {
    let (id, course) = super::access::load_course(state, raw_course_id).await?;
    let access = super::access::course_access(state, caller, id, &course).await?;
    let lectures = state.store.lectures.list(id).await?;
    let lectures = lectures
        .iter()
        .map(|l| lecture(state, l, access.can_watch(&course, l)))
        .collect();
    Ok((course, lectures))
}

pub fn lecture(state: &AppState, lecture: &Lecture, can_watch: bool) -> Value {
    let mut value = json!({
        "_id": lecture.id,
        "course": lecture.course_id,
        "title": lecture.title,
        "description": lecture.description,
        "duration": lecture.duration,
        "isPreview": lecture.is_preview,
        "order": lecture.order,
        "createdAt": lecture.created_at,
        "updatedAt": lecture.updated_at,
    });
    if can_watch && let Some(map) = value.as_object_mut() {
        map.insert(
            "videoUrl".into(),
            json!(state.media_url(&lecture.video_key)),
        );
        map.insert("publicId".into(), json!(lecture.video_key));
    }
    value
}

/// Courses with their instructors looked up in one batch.
pub async fn courses(state: &AppState, courses: &[Course]) -> Vec<Value> {
    let ids: Vec<String> = courses.iter().map(|c| c.instructor_id.clone()).collect();
    let instructors = state.users.lookup(&ids).await;
    courses
        .iter()
        .map(|c| course(state, c, &instructors, None))
        .collect()
}
