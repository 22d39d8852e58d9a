//! Builds the wire shapes of courses and lectures (`dto`) from stored documents (prices in dollars, URLs
//! for media keys, instructors from one batch lookup).

use std::collections::HashMap;

use super::dto::{CourseDetail, CourseFields, CourseView, InstructorView, LectureView};
use super::review_dto::{OwnReviewView, RatingView, ReplyView, ReviewView};
use crate::domain::{Histogram, rating};
use crate::state::AppState;
use crate::store::{Course, Lecture, Review};
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
        rating: rating(&course.rating),
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

/// A course's rating as answered (negative counts, which only drift could make, read as 0).
pub fn rating(histogram: &Histogram) -> RatingView {
    let histogram = Histogram(histogram.0.map(|n| n.max(0)));
    RatingView {
        average: histogram.average().map(rating::one_decimal),
        count: u64::try_from(histogram.count()).unwrap_or(0),
        histogram: histogram
            .0
            .iter()
            .map(|n| u64::try_from(*n).unwrap_or(0))
            .collect(),
    }
}

/// A review as the public sees it, the reviewer from a batch lookup.
pub fn review(review: &Review, reviewers: &HashMap<String, UserSummary>) -> ReviewView {
    ReviewView {
        id: review.id.clone(),
        course: review.course_id.clone(),
        reviewer: instructor(&review.user_id, reviewers.get(&review.user_id)),
        rating: review.rating.value(),
        comment: review.comment.clone(),
        edited: review.edited,
        reply: review.reply.as_ref().map(|r| ReplyView {
            text: r.text.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }),
        created_at: review.created_at,
        updated_at: review.updated_at,
    }
}

/// A review as its author or a moderator sees it.
pub fn own_review(r: &Review, reviewers: &HashMap<String, UserSummary>) -> OwnReviewView {
    OwnReviewView {
        review: review(r, reviewers),
        hidden: r.hidden.is_some(),
        hidden_reason: r.hidden.as_ref().map(|h| h.reason.clone()),
        verified_purchase: !r.refunded,
    }
}

/// Reviews with their reviewers looked up in one batch.
pub async fn reviewers(state: &AppState, reviews: &[Review]) -> HashMap<String, UserSummary> {
    let ids: Vec<String> = reviews.iter().map(|r| r.user_id.clone()).collect();
    state.users.lookup(&ids).await
}
