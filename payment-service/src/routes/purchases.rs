//! The caller's own purchases: `GET /payments/courses/{courseId}/purchase-status` and
//! `GET /payments/purchased-courses`.

use actix_web::{HttpResponse, web};
use futures_util::future::join_all;
use shared::openapi::params::CourseIdPath;
use shared::openapi::responses::NotLoggedIn;
use shared::principal::Principal;
use shared::query::PageQuery;

use super::access::{caller_id, parse_id};
use super::views::{
    CourseBrief, PurchaseStatusData, PurchaseStatusResponse, PurchasedCourse,
    PurchasedCoursesResponse,
};
use crate::domain::PurchaseStatus;
use crate::error::{PaymentError, PaymentResult};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/payments/courses/{courseId}/purchase-status")
            .route(web::get().to(get_purchase_status)),
    )
    .service(
        web::resource("/payments/purchased-courses").route(web::get().to(list_purchased_courses)),
    );
}

/// Whether the caller bought a course.
#[utoipa::path(
    get,
    path = "/api/v1/payments/courses/{courseId}/purchase-status",
    tag = "payments",
    params(CourseIdPath),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Whether the caller bought the course, and whether the course already lets them in (`accessReady`)", body = PurchaseStatusResponse),
        (status = 400, description = "Malformed courseId", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "An account whose id is not an ObjectId (it cannot buy courses)", body = shared::error::ErrorBody),
        (status = 404, description = "Unknown course, or a draft the caller neither owns nor bought", body = shared::error::ErrorBody),
        (status = 502, description = "course-service did not answer properly", body = shared::error::ErrorBody),
    ),
)]
pub async fn get_purchase_status(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> PaymentResult<HttpResponse> {
    let course_oid = parse_id(&path, "courseId")?;
    let user = caller_id(&caller)?;
    let course = state
        .courses
        .course(&course_oid.to_hex())
        .await
        .map_err(PaymentError::Upstream)?
        .ok_or(PaymentError::NotFound("Course not found"))?;
    let purchase = state
        .store
        .purchases
        .find_for_user_course(user, course_oid)
        .await?;
    // A draft stays hidden, as course-service hides it, from everyone but its owner, admins and buyers.
    if !course.is_published
        && purchase.is_none()
        && course.instructor != caller.user_id
        && !caller.is_admin()
    {
        return Err(PaymentError::NotFound("Course not found"));
    }
    let is_purchased = purchase
        .as_ref()
        .is_some_and(|p| p.status == PurchaseStatus::Completed);
    // Only asked once the purchase is complete: before that there is no enrolment to wait for.
    let access_ready = is_purchased
        && state
            .courses
            .enrolled(&course.id, &user.to_hex())
            .await
            .map_err(PaymentError::Upstream)?;
    Ok(HttpResponse::Ok().json(PurchaseStatusResponse {
        success: true,
        data: PurchaseStatusData {
            course: CourseBrief::from_summary(&course),
            is_purchased,
            access_ready,
            status: purchase.map(|p| p.status.as_str().to_owned()),
        },
    }))
}

/// The caller's completed purchases, newest first, each with its course.
#[utoipa::path(
    get,
    path = "/api/v1/payments/purchased-courses",
    tag = "payments",
    params(PageQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of the caller's completed purchases, newest first", body = PurchasedCoursesResponse),
        (status = 400, description = "Bad page or limit", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "An account whose id is not an ObjectId (it cannot buy courses)", body = shared::error::ErrorBody),
    ),
)]
pub async fn list_purchased_courses(
    state: web::Data<AppState>,
    caller: Principal,
    query: web::Query<PageQuery>,
) -> PaymentResult<HttpResponse> {
    let page = query.parse()?;
    let user = caller_id(&caller)?;
    let (purchases, total) = state
        .store
        .purchases
        .list_completed_for_user(user, page.skip(), page.limit)
        .await?;
    // One lookup per course, concurrently; a course course-service cannot describe keeps the title the
    // purchase recorded.
    let courses = join_all(purchases.iter().map(|p| state.courses.course(&p.course_id))).await;
    let data = purchases
        .iter()
        .zip(courses)
        .map(|(p, course)| PurchasedCourse {
            id: p.id.clone(),
            course: match course {
                Ok(Some(c)) => CourseBrief::from_summary(&c),
                _ => CourseBrief::from_purchase(p),
            },
            amount: p.amount,
            currency: p.currency.clone(),
            status: p.status.as_str().to_owned(),
            purchased_at: p.completed_at.unwrap_or(p.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(PurchasedCoursesResponse {
        success: true,
        data,
        pagination: page.meta(total),
    }))
}
