//! What others do to a review: the course's instructor replies (one reply, editable, removable) and an
//! admin hides or shows it with a reason. A hidden review leaves the public list and the rating; its
//! author still sees it, marked hidden, in `GET /user/reviews`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use shared::openapi::params::CourseIdPath;
use shared::openapi::responses::{JsonBodyRefused, NotLoggedIn};
use shared::principal::Principal;

use super::access::ensure_manager;
use super::dto::ErrorEnvelope;
use super::review_dto::{ModerationBody, ReplyBody, ReviewIdPath, ReviewResponse};
use super::reviews::{REVIEW_NOT_FOUND, load_review, review_answer};
use crate::domain::ReviewText;
use crate::error::{CourseError, CourseResult};
use crate::reviews;
use crate::state::AppState;
use crate::store::object_id;

/// Longest moderation reason, in characters.
const REASON_MAX: usize = 500;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses/{courseId}/reviews/{reviewId}/reply")
            .route(web::put().to(put_reply))
            .route(web::delete().to(delete_reply)),
    )
    .service(
        web::resource("/courses/{courseId}/reviews/{reviewId}/moderation")
            .route(web::put().to(moderate_review)),
    );
}

/// Writes or replaces the instructor's reply (the course's owner, or an admin).
#[utoipa::path(
    put,
    path = "/api/v1/courses/{courseId}/reviews/{reviewId}/reply",
    tag = "reviews",
    params(CourseIdPath, ReviewIdPath),
    request_body = ReplyBody,
    responses(
        (status = 200, description = "Reply written or replaced", body = ReviewResponse),
        (status = 400, description = "Malformed id, or a bad text", body = ErrorEnvelope),
        JsonBodyRefused,
        NotLoggedIn,
        (status = 403, description = "Not the course's instructor or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or review", body = ErrorEnvelope),
        (status = 429, description = "Too many review writes", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn put_reply(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
    body: web::Json<ReplyBody>,
) -> CourseResult<HttpResponse> {
    let (course, id, _) = load_review(&state, &path.0, &path.1).await?;
    ensure_manager(&caller, &course)?;
    let text = ReviewText::parse(&body.text, "Reply", true)
        .map_err(|m| CourseError::field("text", m))?
        .into_inner();
    if !caller.is_admin() {
        state.write_limit.check(&caller.user_id).await?;
    }
    let review = state.store.reviews.set_reply(id, &text).await?;
    let review = review.ok_or(REVIEW_NOT_FOUND)?;
    Ok(review_answer(&state, &review, StatusCode::OK).await)
}

/// Removes the instructor's reply (the course's owner, or an admin).
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{courseId}/reviews/{reviewId}/reply",
    tag = "reviews",
    params(CourseIdPath, ReviewIdPath),
    responses(
        (status = 200, description = "Reply removed (also when there was none)", body = ReviewResponse),
        (status = 400, description = "Malformed id", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not the course's instructor or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or review", body = ErrorEnvelope),
        (status = 429, description = "Too many review writes", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn delete_reply(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
) -> CourseResult<HttpResponse> {
    let (course, id, _) = load_review(&state, &path.0, &path.1).await?;
    ensure_manager(&caller, &course)?;
    if !caller.is_admin() {
        state.write_limit.check(&caller.user_id).await?;
    }
    let review = state.store.reviews.delete_reply(id).await?;
    let review = review.ok_or(REVIEW_NOT_FOUND)?;
    Ok(review_answer(&state, &review, StatusCode::OK).await)
}

/// Hides a review with a reason, or shows it again (admins only). Idempotent: hiding a hidden review
/// keeps its first reason.
#[utoipa::path(
    put,
    path = "/api/v1/courses/{courseId}/reviews/{reviewId}/moderation",
    tag = "reviews",
    params(CourseIdPath, ReviewIdPath),
    request_body = ModerationBody,
    responses(
        (status = 200, description = "The review as it now is; the course's rating follows", body = ReviewResponse),
        (status = 400, description = "Malformed id, or hiding without a reason", body = ErrorEnvelope),
        JsonBodyRefused,
        NotLoggedIn,
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or review", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn moderate_review(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
    body: web::Json<ModerationBody>,
) -> CourseResult<HttpResponse> {
    let (_, id, _) = load_review(&state, &path.0, &path.1).await?;
    if !caller.is_admin() {
        return Err(CourseError::Forbidden("Only admins may moderate reviews"));
    }
    let admin = object_id(&caller.user_id)
        .ok_or(CourseError::Forbidden("Only admins may moderate reviews"))?;
    let reason = if body.hidden {
        let raw = body.reason.as_deref().unwrap_or_default();
        let reason = ReviewText::parse(raw, "Reason", true)
            .map_err(|m| CourseError::field("reason", m))?
            .into_inner();
        if reason.chars().count() > REASON_MAX {
            return Err(CourseError::field(
                "reason",
                format!("Reason must be at most {REASON_MAX} characters"),
            ));
        }
        Some(reason)
    } else {
        None
    };
    let hide = reason.as_deref().map(|r| (r, admin));
    let changed = reviews::moderate(&state.store, id, hide).await?;
    let now = match changed {
        Some(review) => review,
        // Already in that state (or a concurrent moderation got there first): answer it as it is.
        None => state
            .store
            .reviews
            .find(id)
            .await?
            .ok_or(REVIEW_NOT_FOUND)?,
    };
    tracing::info!(review.id = %now.id, user.id = %caller.user_id, hidden = body.hidden, "review moderated");
    Ok(review_answer(&state, &now, StatusCode::OK).await)
}
