//! One course: details (`GET`), update (`PATCH`, multipart or JSON), publish/unpublish and delete.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use shared::events::{COURSE_DELETED, CourseDeleted};
use shared::media::new_key;
use shared::openapi::params::CourseIdPath;
use shared::openapi::responses::{JsonBodyRefused, MalformedId, NotLoggedIn};
use shared::principal::{MaybePrincipal, Principal};

use super::access::{COURSE_NOT_FOUND, ensure_manager, load_course};
use super::courses::{COURSE_FIELDS, course_changes, thumbnail_spec};
use super::dto::{
    CourseDetailResponse, CourseForm, CourseJson, CourseResponse, ErrorEnvelope, MessageResponse,
};
use super::{form, views};
use crate::error::{CourseError, CourseResult};
use crate::events;
use crate::media::{self, THUMBNAILS};
use crate::state::AppState;

/// Routes under `/courses/{courseId}`; mounted after the fixed paths (`published`, `search`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses/{courseId}")
            .route(web::get().to(get_course))
            .route(web::patch().to(update_course))
            .route(web::delete().to(delete_course)),
    )
    .service(web::resource("/courses/{courseId}/publish").route(web::patch().to(publish_course)));
}

/// One course with its ordered lectures; drafts only for the owner, admins and enrolled students.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{courseId}",
    tag = "courses",
    params(CourseIdPath),
    responses(
        (status = 200, description = "The course with its ordered lectures (`videoUrl` only where the caller may watch)", body = CourseDetailResponse),
        MalformedId,
        (status = 401, description = "A token was sent and is bad or expired (\"JWT token error\")", body = ErrorEnvelope),
        (status = 404, description = "Unknown, or a draft the caller may not see", body = ErrorEnvelope),
    ),
    security((), ("bearer" = []), ("cookie" = [])),
)]
async fn get_course(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> CourseResult<HttpResponse> {
    let (course, lectures) = views::visible_lectures(&state, caller.0.as_ref(), &path).await?;
    let instructors = state
        .users
        .lookup(std::slice::from_ref(&course.instructor_id))
        .await;
    Ok(HttpResponse::Ok().json(CourseDetailResponse {
        success: true,
        course: views::course_detail(&state, &course, &instructors, lectures),
    }))
}

/// Changes any create field (multipart with an optional new `thumbnail`, or JSON); the old thumbnail is
/// removed once the new one is in place.
#[utoipa::path(
    patch,
    path = "/api/v1/courses/{courseId}",
    tag = "courses",
    params(CourseIdPath),
    request_body(content(
        (CourseJson = "application/json"),
        (CourseForm = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "Updated; a replaced thumbnail is removed", body = CourseResponse),
        (status = 400, description = "Malformed id, validation error or an unknown field", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        (status = 413, description = "Thumbnail over 5 MB or JSON over 10 KB", body = ErrorEnvelope),
        (status = 415, description = "The thumbnail is not an image", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn update_course(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> CourseResult<HttpResponse> {
    let (id, course) = load_course(&state, &path).await?;
    ensure_manager(&caller, &course)?;
    let mut form = if form::is_multipart(&req) {
        form::read_multipart(
            &state,
            &req,
            payload,
            COURSE_FIELDS,
            &thumbnail_spec(&state),
        )
        .await?
    } else {
        form::read_json(&state, payload, COURSE_FIELDS).await?
    };
    let mut changes = course_changes(&form, false)?;
    if let Some(temp) = form.file.take() {
        let key = new_key(THUMBNAILS, temp.extension());
        state.media.put(temp, &key).await?;
        changes.thumbnail_key = Some(key);
    }
    let new_key = changes.thumbnail_key.clone();
    let updated = match state.store.courses.update(id, changes).await {
        Ok(updated) => updated,
        Err(e) => {
            if let Some(key) = &new_key {
                media::remove(state.media.as_ref(), key).await;
            }
            return Err(e.into());
        }
    };
    let Some((before, after)) = updated else {
        if let Some(key) = &new_key {
            media::remove(state.media.as_ref(), key).await;
        }
        return Err(COURSE_NOT_FOUND);
    };
    if new_key.is_some() && before.thumbnail_key != after.thumbnail_key {
        media::remove(state.media.as_ref(), &before.thumbnail_key).await;
    }
    let instructors = state
        .users
        .lookup(std::slice::from_ref(&after.instructor_id))
        .await;
    Ok(HttpResponse::Ok().json(CourseResponse {
        success: true,
        message: "Course updated successfully".to_owned(),
        course: views::course(&state, &after, &instructors),
    }))
}

/// `{ "publish": true | false }`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// `true` publishes (needs a lecture), `false` withdraws the course from the catalogue.
    publish: bool,
}

/// Publishes (needs at least one lecture) or unpublishes a course.
#[utoipa::path(
    patch,
    path = "/api/v1/courses/{courseId}/publish",
    tag = "courses",
    params(CourseIdPath),
    request_body = PublishBody,
    responses(
        (status = 200, description = "Published or unpublished", body = CourseResponse),
        (status = 400, description = "Publishing a course without lectures, or a bad body", body = ErrorEnvelope),
        JsonBodyRefused,
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn publish_course(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    body: web::Json<PublishBody>,
) -> CourseResult<HttpResponse> {
    let (id, course) = load_course(&state, &path).await?;
    ensure_manager(&caller, &course)?;
    const NO_LECTURES: &str = "A course needs at least one lecture before it can be published";
    if body.publish && course.lecture_ids.is_empty() {
        return Err(CourseError::field("publish", NO_LECTURES));
    }
    let updated = state.store.courses.set_published(id, body.publish).await?;
    let course = updated.ok_or_else(|| CourseError::field("publish", NO_LECTURES))?;
    events::emit_course_updated(&state.store, &state.outbox_notify, &course).await?;
    let instructors = state
        .users
        .lookup(std::slice::from_ref(&course.instructor_id))
        .await;
    let message = if body.publish {
        "Course published successfully"
    } else {
        "Course unpublished successfully"
    };
    Ok(HttpResponse::Ok().json(CourseResponse {
        success: true,
        message: message.to_owned(),
        course: views::course(&state, &course, &instructors),
    }))
}

/// Deletes a course with its lectures and media; refused (409) while students are enrolled, unless the
/// caller is an admin.
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{courseId}",
    tag = "courses",
    params(CourseIdPath),
    responses(
        (status = 200, description = "Deleted with its lectures and media", body = MessageResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        (status = 409, description = "Students are enrolled (admins may still delete)", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn delete_course(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
) -> CourseResult<HttpResponse> {
    const ENROLLED: CourseError =
        CourseError::Conflict("The course has enrolled students and cannot be deleted");
    let (id, course) = load_course(&state, &path).await?;
    ensure_manager(&caller, &course)?;
    let admin = caller.is_admin();
    if !admin && course.enrolled_count > 0 {
        return Err(ENROLLED);
    }
    let Some(course) = state
        .store
        .courses
        .delete(id, (!admin).then_some(0))
        .await?
    else {
        // Someone enrolled (or deleted it) since it was loaded.
        return match state.store.courses.find_by_id(id).await? {
            Some(_) => Err(ENROLLED),
            None => Err(COURSE_NOT_FOUND),
        };
    };
    let lectures = state.store.lectures.delete_for_course(id).await?;
    state.store.enrolments.delete_for_course(id).await?;
    state.store.reviews.delete_for_course(id).await?;
    events::emit(
        &state.store,
        &state.outbox_notify,
        COURSE_DELETED,
        CourseDeleted {
            course_id: course.id.clone(),
        },
    )
    .await?;
    media::remove(state.media.as_ref(), &course.thumbnail_key).await;
    for lecture in &lectures {
        media::remove(state.media.as_ref(), &lecture.video_key).await;
    }
    tracing::info!(course.id = %course.id, user.id = %caller.user_id, "course deleted");
    Ok(HttpResponse::Ok().json(MessageResponse::ok("Course deleted successfully")))
}
