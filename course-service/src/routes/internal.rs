//! `/internal/...` routes for payment-service and progress-service, and the operators' rating repair
//! (never proxied by the gateway), guarded by the service token in `x-internal-token`.

use actix_web::{HttpResponse, web};
use shared::internal::{CourseSummary, CourseSummaryResponse, EnrolmentCheck, LectureSummary};
use shared::internal_auth::ServiceCaller;

use super::access::{load_course, parse_id};
use crate::error::CourseResult;
use crate::state::AppState;
use crate::store::Lecture;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/internal")
            .service(web::resource("/courses/{courseId}").route(web::get().to(get_course_summary)))
            .service(
                web::resource("/courses/{courseId}/enrolments/{userId}")
                    .route(web::get().to(get_enrolment)),
            )
            .service(web::resource("/ratings/repair").route(web::post().to(repair_ratings))),
    );
}

/// Recomputes every reviewed course's rating from its reviews, fixes drift, and reports it
/// (`docs/course.md`, "Reviews and ratings").
async fn repair_ratings(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
) -> CourseResult<HttpResponse> {
    let report = crate::reviews::repair(&state.store).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "success": true, "report": report })))
}

/// What payment- and progress-service need of a course, drafts included, with its lectures in order.
async fn get_course_summary(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
    path: web::Path<String>,
) -> CourseResult<HttpResponse> {
    let (id, course) = load_course(&state, &path).await?;
    let lectures = state.store.lectures.list(id).await?;
    let lectures = in_course_order(&course.lecture_ids, lectures)
        .into_iter()
        .map(|l| LectureSummary {
            id: l.id,
            title: l.title,
            duration: l.duration,
            order: l.order,
            is_preview: l.is_preview,
        })
        .collect();
    Ok(HttpResponse::Ok().json(CourseSummaryResponse {
        success: true,
        course: CourseSummary {
            thumbnail: state.media_url(&course.thumbnail_key),
            price: course.price.dollars(),
            price_cents: course.price.cents(),
            id: course.id,
            title: course.title,
            description: course.description,
            instructor: course.instructor_id,
            is_published: course.is_published,
            lecture_ids: course.lecture_ids,
            lectures,
        },
    }))
}

/// `lectures` ordered as the course lists them (lectures the list does not name go last, by `order`).
fn in_course_order(ids: &[String], mut lectures: Vec<Lecture>) -> Vec<Lecture> {
    let rank = |l: &Lecture| ids.iter().position(|id| *id == l.id).unwrap_or(usize::MAX);
    lectures.sort_by_key(|l| (rank(l), l.order));
    lectures
}

/// Whether a user is enrolled in a course (and whether they own it).
async fn get_enrolment(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
    path: web::Path<(String, String)>,
) -> CourseResult<HttpResponse> {
    let (course_raw, user_raw) = path.into_inner();
    let (course_id, course) = load_course(&state, &course_raw).await?;
    let user = parse_id(&user_raw, "userId")?;
    let enrolled = state.store.enrolments.is_enrolled(course_id, user).await?;
    Ok(HttpResponse::Ok().json(EnrolmentCheck {
        success: true,
        course_id: course.id.clone(),
        user_id: user.to_hex(),
        enrolled,
        is_owner: course.instructor_id == user.to_hex(),
    }))
}
