//! `GET /progress/{courseId}/stats`: for the course's owner or an admin, how many enrolled students
//! started and completed, the average live percentage, and per lecture how many completed it.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use shared::openapi::params::CourseIdPath;
use shared::openapi::responses::{CourseServiceUnavailable, MalformedId, NotLoggedIn};
use shared::principal::Principal;

use super::access::{Need, authorize, parse_id};
use super::views::ErrorEnvelope;
use super::views::{LectureStat, StatsResponse, StatsView};
use crate::error::ProgressResult;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/progress/{courseId}/stats").route(web::get().to(get_stats)));
}

/// The drop-off curve and completion figures of a course.
#[utoipa::path(
    get,
    path = "/api/v1/progress/{courseId}/stats",
    tag = "progress",
    params(CourseIdPath),
    responses(
        (status = 200, description = "Figures over the students enrolled now", body = StatsResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        CourseServiceUnavailable,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
pub async fn get_stats(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> ProgressResult<HttpResponse> {
    let course_id = parse_id(&path, "courseId")?;
    let cleared = authorize(&state, &caller, course_id, Need::Manager).await?;
    let lectures = &cleared.course.lectures;
    let enrolled: HashSet<_> = state
        .store
        .enrolments
        .users_of(course_id)
        .await?
        .into_iter()
        .collect();
    let records = state.store.progress.find_by_course(course_id).await?;
    let mut per_lecture = vec![0u64; lectures.len()];
    let (mut started, mut completed, mut percent_sum) = (0u64, 0u64, 0u64);
    for record in records
        .iter()
        .filter(|(user, _)| enrolled.contains(*user))
        .map(|(_, r)| r)
    {
        if !record.lectures.is_empty() {
            started += 1;
        }
        if record.completed_at.is_some() {
            completed += 1;
        }
        percent_sum += u64::from(record.percentage(lectures));
        for (count, lecture) in per_lecture.iter_mut().zip(lectures) {
            *count += u64::from(record.is_lecture_completed(&lecture.id));
        }
    }
    let n = enrolled.len() as u64;
    let average = if n == 0 {
        0.0
    } else {
        (percent_sum as f64 / n as f64 * 10.0).round() / 10.0
    };
    Ok(StatsResponse::ok(StatsView {
        enrolled: n,
        started,
        completed,
        average_completion: average,
        lectures: lectures
            .iter()
            .zip(per_lecture)
            .map(|(l, completed)| LectureStat {
                lecture_id: l.id.clone(),
                title: l.title.clone(),
                completed,
            })
            .collect(),
    }))
}
