//! `GET /courses/{courseId}/students`: the enrolled students of a course (owner or admin), with names
//! and e-mails from one batch lookup in auth-service.

use actix_web::{HttpResponse, web};
use shared::openapi::params::CourseIdPath;
use shared::openapi::responses::NotLoggedIn;
use shared::principal::Principal;
use shared::query::PageQuery;

use super::access::{ensure_manager, load_course};
use super::dto::{ErrorEnvelope, StudentListResponse, StudentView};
use crate::error::CourseResult;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/{courseId}/students").route(web::get().to(list_students)));
}

/// Enrolled students `{ _id, name, email, enrolledAt }`, newest enrolment first.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{courseId}/students",
    tag = "courses",
    params(CourseIdPath, PageQuery),
    responses(
        (status = 200, description = "Enrolled students, newest enrolment first", body = StudentListResponse),
        (status = 400, description = "Malformed id, bad page or limit", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn list_students(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> CourseResult<HttpResponse> {
    let (course_id, course) = load_course(&state, &path).await?;
    ensure_manager(&caller, &course)?;
    let page = query.parse()?;
    let (enrolments, total) = state
        .store
        .enrolments
        .list_for_course(course_id, page.skip(), page.limit)
        .await?;
    let ids: Vec<String> = enrolments.iter().map(|e| e.user_id.clone()).collect();
    let users = state.users.lookup(&ids).await;
    let students: Vec<_> = enrolments
        .iter()
        .map(|e| {
            let user = users.get(&e.user_id);
            StudentView {
                id: e.user_id.clone(),
                name: user.and_then(|u| u.name.clone()),
                email: user.and_then(|u| u.email.clone()),
                enrolled_at: e.enrolled_at,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(StudentListResponse {
        success: true,
        data: students,
        pagination: page.meta(total),
    }))
}
