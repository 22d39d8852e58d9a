//! One user's progress through one course: read it, send heartbeats and completions for a lecture,
//! complete or reset the whole course, and ask where to resume.

use actix_web::{HttpResponse, web};
use shared::internal::LectureSummary;
use shared::openapi::params::{CourseIdPath, LectureIdPath};
use shared::openapi::responses::{
    CourseServiceUnavailable, JsonBodyRefused, MalformedId, NotLoggedIn,
};
use shared::principal::Principal;

use super::access::{Cleared, Need, authorize, parse_id};
use super::views::ErrorEnvelope;
use super::views::{self, CourseProgressResponse, ResumeResponse, ResumeView};
use crate::domain::{CourseProgress, Heartbeat, HeartbeatBody};
use crate::error::{ProgressError, ProgressResult};
use crate::events::emit_course_completed;
use crate::state::AppState;
use crate::store::now;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/progress/{courseId}").route(web::get().to(get_progress)))
        .service(web::resource("/progress/{courseId}/resume").route(web::get().to(get_resume)))
        .service(
            web::resource("/progress/{courseId}/complete").route(web::post().to(complete_course)),
        )
        .service(web::resource("/progress/{courseId}/reset").route(web::post().to(reset_course)))
        .service(
            web::resource("/progress/{courseId}/lectures/{lectureId}")
                .route(web::patch().to(update_lecture)),
        );
}

/// The caller's progress in a course; a zero record when nothing was stored yet.
#[utoipa::path(
    get,
    path = "/api/v1/progress/{courseId}",
    tag = "progress",
    params(CourseIdPath),
    responses(
        (status = 200, description = "The record, computed against the course's current lectures", body = CourseProgressResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Neither enrolled, the owner nor an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn get_progress(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> ProgressResult<HttpResponse> {
    let course_id = parse_id(&path, "courseId")?;
    let cleared = authorize(&state, &caller, course_id, Need::EnrolledOrManager).await?;
    let record = state
        .store
        .progress
        .find(cleared.user, course_id)
        .await?
        .unwrap_or_default();
    Ok(CourseProgressResponse::ok(views::course_progress(
        &cleared.course,
        &record,
    )))
}

/// Heartbeats applied (`PATCH /progress/{courseId}/lectures/{lectureId}`).
pub const HEARTBEATS: &str = "progress_heartbeats_total";
/// Completions this service recorded at a lecture's threshold or a course's last lecture, by `kind`
/// (`lecture`, `course`).
pub const COMPLETIONS: &str = "progress_completions_total";

/// Heartbeat and explicit (un)completion of one lecture; applied on the first call too.
#[utoipa::path(
    patch,
    path = "/api/v1/progress/{courseId}/lectures/{lectureId}",
    tag = "progress",
    params(CourseIdPath, LectureIdPath),
    request_body = HeartbeatBody,
    responses(
        (status = 200, description = "The record after the update", body = CourseProgressResponse),
        (status = 400, description = "Malformed id; negative, reversed or malformed segments or position; more than 100 segments", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not enrolled", body = ErrorEnvelope),
        (status = 404, description = "Unknown course, or a lecture the course does not have", body = ErrorEnvelope),
        JsonBodyRefused,
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn update_lecture(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
    body: web::Json<HeartbeatBody>,
) -> ProgressResult<HttpResponse> {
    let (course_raw, lecture_raw) = path.into_inner();
    let course_id = parse_id(&course_raw, "courseId")?;
    let lecture_id = parse_id(&lecture_raw, "lectureId")?;
    let cleared = authorize(&state, &caller, course_id, Need::Enrolled).await?;
    let lecture = cleared.lecture(lecture_id)?;
    let heartbeat =
        Heartbeat::parse(body.into_inner(), lecture.duration).map_err(ProgressError::Validation)?;
    let record = state
        .store
        .progress
        .apply_heartbeat(cleared.user, course_id, &lecture.id, &heartbeat, now())
        .await?;
    metrics::counter!(HEARTBEATS).increment(1);
    let explicit_false = heartbeat.is_completed == Some(false);
    let record = settle(
        &state,
        &cleared,
        record,
        (!explicit_false).then_some(lecture),
    )
    .await?;
    Ok(CourseProgressResponse::ok(views::course_progress(
        &cleared.course,
        &record,
    )))
}

/// Completes every lecture of the course: 100 %.
#[utoipa::path(
    post,
    path = "/api/v1/progress/{courseId}/complete",
    tag = "progress",
    params(CourseIdPath),
    responses(
        (status = 200, description = "Every current lecture completed", body = CourseProgressResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not enrolled", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn complete_course(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> ProgressResult<HttpResponse> {
    let course_id = parse_id(&path, "courseId")?;
    let cleared = authorize(&state, &caller, course_id, Need::Enrolled).await?;
    let ids: Vec<String> = cleared
        .course
        .lectures
        .iter()
        .map(|l| l.id.clone())
        .collect();
    let record = state
        .store
        .progress
        .complete_all(cleared.user, course_id, &ids, now())
        .await?;
    let record = settle(&state, &cleared, record, None).await?;
    Ok(CourseProgressResponse::ok(views::course_progress(
        &cleared.course,
        &record,
    )))
}

/// Every lecture back to not completed and unwatched: 0 %. The course's `completedAt` stays (sticky).
#[utoipa::path(
    post,
    path = "/api/v1/progress/{courseId}/reset",
    tag = "progress",
    params(CourseIdPath),
    responses(
        (status = 200, description = "Every lecture reset", body = CourseProgressResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not enrolled", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn reset_course(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> ProgressResult<HttpResponse> {
    let course_id = parse_id(&path, "courseId")?;
    let cleared = authorize(&state, &caller, course_id, Need::Enrolled).await?;
    let record = state
        .store
        .progress
        .reset(cleared.user, course_id, now())
        .await?;
    Ok(CourseProgressResponse::ok(views::course_progress(
        &cleared.course,
        &record,
    )))
}

/// Where the player should continue.
#[utoipa::path(
    get,
    path = "/api/v1/progress/{courseId}/resume",
    tag = "progress",
    params(CourseIdPath),
    responses(
        (status = 200, description = "The most recently watched lecture not completed, else the next in order, else the first", body = ResumeResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not enrolled", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn get_resume(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> ProgressResult<HttpResponse> {
    let course_id = parse_id(&path, "courseId")?;
    let cleared = authorize(&state, &caller, course_id, Need::Enrolled).await?;
    let record = state
        .store
        .progress
        .find(cleared.user, course_id)
        .await?
        .unwrap_or_default();
    Ok(ResumeResponse::ok(ResumeView::from(
        record.resume(&cleared.course.lectures),
    )))
}

/// After a write: completes `lecture` if its unique watched seconds reached the threshold, then marks
/// the course completed if every current lecture is. Both are compare-and-set updates, so under
/// concurrent requests each happens once, and only the request that set `completedAt` emits
/// `course.completed`.
async fn settle(
    state: &AppState,
    cleared: &Cleared,
    mut record: CourseProgress,
    lecture: Option<&LectureSummary>,
) -> ProgressResult<CourseProgress> {
    let store = &state.store.progress;
    if let Some(lecture) = lecture {
        let required = state
            .settings
            .completion_threshold
            .required_seconds(lecture.duration);
        let reached = record.lecture(&lecture.id).is_some_and(|l| {
            !l.is_completed && required.is_some_and(|r| l.watch_time(lecture.duration) >= r)
        });
        if reached {
            let now = now();
            if store
                .complete_lecture_if_unchanged(
                    cleared.user,
                    cleared.course_id,
                    &lecture.id,
                    &record,
                    now,
                )
                .await?
                && let Some(l) = record.lectures.get_mut(&lecture.id)
            {
                l.is_completed = true;
                l.completed_at = Some(now);
                metrics::counter!(COMPLETIONS, "kind" => "lecture").increment(1);
            }
        }
    }
    if record.completed_at.is_none() && record.all_completed(&cleared.course.lectures) {
        let now = now();
        if store
            .mark_course_completed(cleared.user, cleared.course_id, now)
            .await?
        {
            record.completed_at = Some(now);
            metrics::counter!(COMPLETIONS, "kind" => "course").increment(1);
            emit_course_completed(
                &state.store,
                &state.outbox_notify,
                cleared.user,
                cleared.course_id,
                now,
            )
            .await?;
        }
    }
    Ok(record)
}
