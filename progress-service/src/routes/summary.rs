//! `GET /progress`: one row per course the caller is enrolled in, never-opened ones at 0 %.

use actix_web::{HttpResponse, web};
use futures_util::future::join_all;
use shared::openapi::responses::{CourseServiceUnavailable, NotLoggedIn};
use shared::principal::Principal;

use super::access::user_id;
use super::views::ErrorEnvelope;
use super::views::{CourseRef, SummaryResponse, SummaryRow};
use crate::error::ProgressResult;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/progress").route(web::get().to(list_progress)));
}

/// The caller's enrolled courses with their live percentages, in enrolment order.
#[utoipa::path(
    get,
    path = "/api/v1/progress",
    tag = "progress",
    responses(
        (status = 200, description = "One row per enrolled course", body = SummaryResponse),
        NotLoggedIn,
        (status = 403, description = "An account whose id is not an ObjectId (it has no progress)", body = ErrorEnvelope),
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn list_progress(
    state: web::Data<AppState>,
    caller: Principal,
) -> ProgressResult<HttpResponse> {
    let user = user_id(&caller)?;
    let enrolments = state.store.enrolments.courses_of(user).await?;
    let mut records = state.store.progress.find_by_user(user).await?;
    // Cached per course, so this is usually no network call at all.
    let courses = join_all(
        enrolments
            .iter()
            .map(|(course, _)| state.courses.course_owned(course.to_hex())),
    )
    .await;
    let mut rows = Vec::with_capacity(enrolments.len());
    for ((course_id, enrolled_at), course) in enrolments.into_iter().zip(courses) {
        // A course course-service no longer knows is gone; its row goes with it.
        let Some(course) = course? else { continue };
        let record = records.remove(&course_id).unwrap_or_default();
        rows.push(SummaryRow {
            course: CourseRef {
                id: course.id.clone(),
                title: course.title.clone(),
                thumbnail: course.thumbnail.clone(),
            },
            completion_percentage: record.percentage(&course.lectures),
            is_completed: record.completed_at.is_some(),
            completed_at: record.completed_at,
            last_accessed: record.last_accessed,
            enrolled_at,
        });
    }
    Ok(SummaryResponse::ok(rows))
}
