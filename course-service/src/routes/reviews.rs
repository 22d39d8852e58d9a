//! Reviews of a course: students enrolled in it write one each (`POST`), edit and delete their own, and
//! anyone reads the counted ones (`GET`, paged, sorted, filtered by stars). `GET /user/reviews` lists the
//! caller's own, hidden ones included. Every write goes through `crate::reviews`, which keeps the course's
//! rating exact, and spends the author's review-write budget (`crate::write_limit`).

use actix_web::{HttpResponse, web};
use shared::error::ApiError;
use shared::openapi::params::CourseIdPath;
use shared::openapi::responses::{JsonBodyRefused, NotLoggedIn};
use shared::principal::{MaybePrincipal, Principal};
use shared::query::{Page, PageQuery};

use super::access::{course_access, load_course, parse_id};
use super::dto::ErrorEnvelope;
use super::review_dto::{
    NewReviewBody, OwnReviewListResponse, ReviewChangesBody, ReviewIdPath, ReviewListQuery,
    ReviewListResponse, ReviewResponse,
};
use super::views;
use crate::domain::{ReviewText, Stars};
use crate::error::{CourseError, CourseResult};
use crate::reviews::{self, WriteError};
use crate::state::AppState;
use crate::store::{Review, ReviewSort, object_id};

pub const REVIEW_NOT_FOUND: CourseError = CourseError::NotFound("Review not found");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses/{courseId}/reviews")
            .route(web::get().to(list_reviews))
            .route(web::post().to(create_review)),
    )
    .service(
        web::resource("/courses/{courseId}/reviews/{reviewId}")
            .route(web::patch().to(update_review))
            .route(web::delete().to(delete_review)),
    )
    .service(web::resource("/user/reviews").route(web::get().to(list_own_reviews)));
}

/// The review `raw_review` of the course `raw_course` (404 when either is unknown or they do not match).
pub async fn load_review(
    state: &AppState,
    raw_course: &str,
    raw_review: &str,
) -> CourseResult<(crate::store::Course, mongodb::bson::oid::ObjectId, Review)> {
    let (_, course) = load_course(state, raw_course).await?;
    let id = parse_id(raw_review, "reviewId")?;
    let review = state.store.reviews.find(id).await?;
    match review {
        Some(review) if review.course_id == course.id => Ok((course, id, review)),
        _ => Err(REVIEW_NOT_FOUND),
    }
}

/// `{ success, review }` as its author sees it.
pub async fn review_answer(
    state: &AppState,
    review: &Review,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    let reviewers = views::reviewers(state, std::slice::from_ref(review)).await;
    HttpResponse::build(status).json(ReviewResponse {
        success: true,
        review: views::own_review(review, &reviewers),
    })
}

fn stars(raw: f64) -> CourseResult<Stars> {
    Stars::from_number(raw).map_err(|m| CourseError::field("rating", m))
}

fn comment(raw: &str) -> CourseResult<String> {
    ReviewText::parse(raw, "Comment", false)
        .map(ReviewText::into_inner)
        .map_err(|m| CourseError::field("comment", m))
}

/// Writes a review of the course: enrolled students only, one each.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{courseId}/reviews",
    tag = "reviews",
    params(CourseIdPath),
    request_body = NewReviewBody,
    responses(
        (status = 201, description = "Review written; the course's rating includes it", body = ReviewResponse),
        (status = 400, description = "Malformed id, or a bad rating or comment", body = ErrorEnvelope),
        JsonBodyRefused,
        NotLoggedIn,
        (status = 403, description = "Not enrolled in the course, its instructor, or a deactivated account", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        (status = 409, description = "The caller has already reviewed this course", body = ErrorEnvelope),
        (status = 429, description = "Too many review writes; `details.retryAfterSeconds` says when to retry", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn create_review(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    body: web::Json<NewReviewBody>,
) -> CourseResult<HttpResponse> {
    let (course_id, course) = load_course(&state, &path).await?;
    if caller.user_id == course.instructor_id {
        return Err(CourseError::Forbidden(
            "An instructor cannot review their own course",
        ));
    }
    let access = course_access(&state, Some(&caller), course_id, &course).await?;
    if !access.enrolled {
        return Err(CourseError::Forbidden(
            "Only students enrolled in the course may review it",
        ));
    }
    let user = object_id(&caller.user_id).ok_or(CourseError::Forbidden(
        "Only students enrolled in the course may review it",
    ))?;
    let summaries = state
        .users
        .lookup(std::slice::from_ref(&caller.user_id))
        .await;
    if summaries
        .get(&caller.user_id)
        .is_some_and(|u| u.is_active == Some(false))
    {
        return Err(CourseError::Api(ApiError::account_inactive()));
    }
    let rating = stars(body.rating)?;
    let text = comment(body.comment.as_deref().unwrap_or_default())?;
    state.write_limit.check(&caller.user_id).await?;
    let review = match reviews::create(&state.store, course_id, user, rating, text).await {
        Ok(review) => review,
        Err(WriteError::Duplicate) => {
            return Err(CourseError::Conflict(
                "You have already reviewed this course; edit your review instead",
            ));
        }
        Err(WriteError::Store(e)) => return Err(e.into()),
    };
    tracing::info!(course.id = %course.id, user.id = %caller.user_id, review.id = %review.id, "review written");
    Ok(review_answer(&state, &review, actix_web::http::StatusCode::CREATED).await)
}

/// The course's counted reviews (hidden ones and those of refunded purchases left out), with its rating.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{courseId}/reviews",
    tag = "reviews",
    params(CourseIdPath, ReviewListQuery),
    responses(
        (status = 200, description = "One page of reviews, and the course's rating", body = ReviewListResponse),
        (status = 400, description = "Malformed id, or a bad page, limit, sort or rating", body = ErrorEnvelope),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = ErrorEnvelope),
        (status = 404, description = "Unknown course (or a draft the caller may not see)", body = ErrorEnvelope),
    ),
)]
async fn list_reviews(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<String>,
    query: web::Query<ReviewListQuery>,
) -> CourseResult<HttpResponse> {
    let (course_id, course) = load_course(&state, &path).await?;
    course_access(&state, caller.0.as_ref(), course_id, &course).await?;
    let page = Page::parse(query.page.as_deref(), query.limit.as_deref())?;
    let sort = match query.sort.as_deref().map(str::trim) {
        None | Some("" | "newest") => ReviewSort::Newest,
        Some("highest") => ReviewSort::Highest,
        Some("lowest") => ReviewSort::Lowest,
        Some(_) => {
            return Err(CourseError::field(
                "sort",
                "sort must be one of newest, highest, lowest",
            ));
        }
    };
    let rating = match query.rating.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(Stars::parse(raw).map_err(|m| CourseError::field("rating", m))?),
    };
    let (reviews, total) = state
        .store
        .reviews
        .list_public(course_id, rating, sort, page.skip(), page.limit)
        .await?;
    let reviewers = views::reviewers(&state, &reviews).await;
    Ok(HttpResponse::Ok().json(ReviewListResponse {
        success: true,
        rating: views::rating(&course.rating),
        data: reviews
            .iter()
            .map(|r| views::review(r, &reviewers))
            .collect(),
        pagination: page.meta(total),
    }))
}

/// Changes the caller's own review (rating, comment or both); it is marked `edited`.
#[utoipa::path(
    patch,
    path = "/api/v1/courses/{courseId}/reviews/{reviewId}",
    tag = "reviews",
    params(CourseIdPath, ReviewIdPath),
    request_body = ReviewChangesBody,
    responses(
        (status = 200, description = "Review changed; the course's rating follows", body = ReviewResponse),
        (status = 400, description = "Malformed id, no field, or a bad rating or comment", body = ErrorEnvelope),
        JsonBodyRefused,
        NotLoggedIn,
        (status = 403, description = "Not the review's author", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or review", body = ErrorEnvelope),
        (status = 429, description = "Too many review writes", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn update_review(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
    body: web::Json<ReviewChangesBody>,
) -> CourseResult<HttpResponse> {
    let (_, id, review) = load_review(&state, &path.0, &path.1).await?;
    if review.user_id != caller.user_id {
        return Err(CourseError::Forbidden(
            "Only the review's author may change it",
        ));
    }
    if body.rating.is_none() && body.comment.is_none() {
        return Err(CourseError::field(
            "rating",
            "Send a rating, a comment or both",
        ));
    }
    let rating = body.rating.map(stars).transpose()?;
    let text = body.comment.as_deref().map(comment).transpose()?;
    state.write_limit.check(&caller.user_id).await?;
    let author = object_id(&caller.user_id).ok_or(REVIEW_NOT_FOUND)?;
    let updated = reviews::edit(&state.store, id, author, rating, text).await?;
    let review = updated.ok_or(REVIEW_NOT_FOUND)?;
    Ok(review_answer(&state, &review, actix_web::http::StatusCode::OK).await)
}

/// Deletes a review: its author, or an admin.
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{courseId}/reviews/{reviewId}",
    tag = "reviews",
    params(CourseIdPath, ReviewIdPath),
    responses(
        (status = 200, description = "Review deleted; the course's rating follows", body = super::dto::MessageResponse),
        (status = 400, description = "Malformed id", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Neither the review's author nor an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or review", body = ErrorEnvelope),
        (status = 429, description = "Too many review writes", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn delete_review(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
) -> CourseResult<HttpResponse> {
    let (_, id, review) = load_review(&state, &path.0, &path.1).await?;
    let author = review.user_id == caller.user_id;
    if !author && !caller.is_admin() {
        return Err(CourseError::Forbidden(
            "Only the review's author or an admin may delete it",
        ));
    }
    if author {
        state.write_limit.check(&caller.user_id).await?;
    }
    reviews::delete(&state.store, id)
        .await?
        .ok_or(REVIEW_NOT_FOUND)?;
    tracing::info!(review.id = %review.id, user.id = %caller.user_id, "review deleted");
    Ok(HttpResponse::Ok().json(super::dto::MessageResponse::ok(
        "Review deleted successfully",
    )))
}

/// The caller's own reviews, newest first, hidden ones and those of refunded purchases included.
#[utoipa::path(
    get,
    path = "/api/v1/user/reviews",
    tag = "reviews",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of the caller's reviews", body = OwnReviewListResponse),
        (status = 400, description = "Bad page or limit", body = ErrorEnvelope),
        NotLoggedIn,
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn list_own_reviews(
    state: web::Data<AppState>,
    caller: Principal,
    query: web::Query<PageQuery>,
) -> CourseResult<HttpResponse> {
    let page = query.parse()?;
    let Some(user) = object_id(&caller.user_id) else {
        return Ok(HttpResponse::Ok().json(OwnReviewListResponse {
            success: true,
            data: Vec::new(),
            pagination: page.meta(0),
        }));
    };
    let (reviews, total) = state
        .store
        .reviews
        .list_by_user(user, page.skip(), page.limit)
        .await?;
    let reviewers = views::reviewers(&state, &reviews).await;
    Ok(HttpResponse::Ok().json(OwnReviewListResponse {
        success: true,
        data: reviews
            .iter()
            .map(|r| views::own_review(r, &reviewers))
            .collect(),
        pagination: page.meta(total),
    }))
}
