//! `/internal/...` routes for payment-service and progress-service (never proxied by the gateway),
//! guarded by the service token in `x-internal-token`.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use serde_json::json;
use shared::error::ApiError;
use shared::internal_auth::{INTERNAL_TOKEN_HEADER, service_token_matches};

use super::access::{load_course, parse_id};
use crate::error::CourseResult;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/internal")
            .service(web::resource("/courses/{courseId}").route(web::get().to(get_course_summary)))
            .service(
                web::resource("/courses/{courseId}/enrolments/{userId}")
                    .route(web::get().to(get_enrolment)),
            ),
    );
}

/// A caller that presented the service token.
pub struct ServiceCaller;

impl FromRequest for ServiceCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let expected = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.service.internal_api_token.clone());
        let presented = req
            .headers()
            .get(INTERNAL_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok());
        ready(match (presented, expected) {
            (Some(p), Some(e)) if service_token_matches(p, &e) => Ok(Self),
            (None, _) => Err(ApiError::unauthorized("Service token required")),
            _ => Err(ApiError::forbidden("Invalid service token")),
        })
    }
}

/// What payment- and progress-service need of a course, drafts included.
async fn get_course_summary(
    state: web::Data<AppState>,
    _caller: ServiceCaller,
    path: web::Path<String>,
) -> CourseResult<HttpResponse> {
    let (_, course) = load_course(&state, &path).await?;
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "course": {
            "_id": course.id,
            "title": course.title,
            "price": course.price.dollars(),
            "priceCents": course.price.cents(),
            "thumbnail": state.media_url(&course.thumbnail_key),
            "instructor": course.instructor_id,
            "isPublished": course.is_published,
            "lectureIds": course.lecture_ids,
        },
    })))
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
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "courseId": course.id,
        "userId": user.to_hex(),
        "enrolled": enrolled,
        "isOwner": course.instructor_id == user.to_hex(),
    })))
}
