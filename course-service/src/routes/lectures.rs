//! Lectures of a course: add (multipart with a `video`), list in order, update, delete. Every change
//! rewrites the course's ordered lecture list and total duration and announces `course.updated`.

use actix_web::{HttpRequest, HttpResponse, web};
use mongodb::bson::oid::ObjectId;
use shared::error::{ApiError, ErrorCode};
use shared::events::{LECTURE_DELETED, LectureDeleted};
use shared::media::{MediaKind, TempUpload, new_key};
use shared::openapi::params::{CourseIdPath, LectureIdPath};
use shared::openapi::responses::{MalformedId, NotLoggedIn};
use shared::principal::{MaybePrincipal, Principal};

use super::access::{LECTURE_NOT_FOUND, ensure_manager, load_course, parse_id};
use super::dto::{
    ErrorEnvelope, LectureForm, LectureJson, LectureListResponse, LectureResponse, MessageResponse,
    NewLectureForm,
};
use super::form::{self, Errors, FileSpec, Form, parse_bool};
use super::views;
use crate::domain::{LectureDescription, LectureOrder, LectureTitle};
use crate::error::{CourseError, CourseResult};
use crate::events;
use crate::media::{self, VIDEOS};
use crate::state::AppState;
use crate::store::{LectureChanges, NewLecture};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses/{courseId}/lectures")
            .route(web::post().to(add_lecture))
            .route(web::get().to(list_lectures)),
    )
    .service(
        web::resource("/courses/{courseId}/lectures/{lectureId}")
            .route(web::patch().to(update_lecture))
            .route(web::delete().to(delete_lecture)),
    );
}

const LECTURE_FIELDS: &[&str] = &["title", "description", "order", "isPreview"];

fn video_spec(state: &AppState) -> FileSpec {
    FileSpec {
        name: "video",
        kind: MediaKind::Video,
        max_bytes: state.settings.video_max_bytes,
    }
}

fn lecture_changes(form: &Form, creating: bool) -> CourseResult<LectureChanges> {
    let mut errors = Errors::default();
    if creating {
        for (name, label) in [("title", "Title"), ("order", "Order")] {
            if form.get(name).is_none() {
                errors.0.push(shared::error::FieldError::new(
                    name,
                    format!("{label} is required"),
                ));
            }
        }
        if form.file.is_none() {
            errors
                .0
                .push(shared::error::FieldError::new("video", "Video is required"));
        }
    }
    let changes = LectureChanges {
        title: form.get("title").and_then(|v| {
            errors
                .check("title", LectureTitle::parse(v))
                .map(LectureTitle::into_inner)
        }),
        description: form.get("description").and_then(|v| {
            errors
                .check("description", LectureDescription::parse(v))
                .map(LectureDescription::into_inner)
        }),
        order: form.get("order").and_then(|v| {
            errors
                .check("order", LectureOrder::parse(v))
                .map(LectureOrder::value)
        }),
        is_preview: form
            .get("isPreview")
            .and_then(|v| errors.check("isPreview", parse_bool(v))),
        video: None,
    };
    errors.finish()?;
    Ok(changes)
}

/// Reads the video's duration and moves it into place; returns `(key, duration)`.
async fn store_video(state: &AppState, temp: TempUpload) -> CourseResult<(String, f64)> {
    let duration = media::video_duration(&temp).await.ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "The video has no readable duration (is the MP4 or WebM file complete?)",
        )
    })?;
    let key = new_key(VIDEOS, temp.extension());
    state.media.put(temp, &key).await?;
    Ok((key, duration))
}

/// Rewrites the course's ordered lecture ids and total duration, then announces `course.updated`.
async fn refresh_course(state: &AppState, course_id: ObjectId) -> CourseResult<()> {
    let lectures = state.store.lectures.list(course_id).await?;
    let ids = lectures
        .iter()
        .filter_map(|l| crate::store::object_id(&l.id))
        .collect();
    let total = lectures.iter().map(|l| l.duration).sum();
    if let Some(course) = state
        .store
        .courses
        .set_lectures(course_id, ids, total)
        .await?
    {
        events::emit_course_updated(&state.store, &state.outbox_notify, &course).await?;
    }
    Ok(())
}

/// Adds a lecture (owner or admin); its duration is read from the video container.
#[utoipa::path(
    post,
    path = "/api/v1/courses/{courseId}/lectures",
    tag = "lectures",
    params(CourseIdPath),
    request_body(content = NewLectureForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added (\"Lecture added successfully\"); `duration` read from the container", body = LectureResponse, links(("UpdateLecture" = (operation_id = "update_lecture", parameters(("courseId" = "$response.body#/lecture/course"), ("lectureId" = "$response.body#/lecture/_id")))), ("DeleteLecture" = (operation_id = "delete_lecture", parameters(("courseId" = "$response.body#/lecture/course"), ("lectureId" = "$response.body#/lecture/_id")))))),
        (status = 400, description = "Malformed id, validation error, missing video or an unknown field", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course", body = ErrorEnvelope),
        (status = 413, description = "Video over `VIDEO_MAX_BYTES` (1 GB)", body = ErrorEnvelope),
        (status = 415, description = "Not multipart, not an MP4 or WebM, or no readable duration", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn add_lecture(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> CourseResult<HttpResponse> {
    let (course_id, course) = load_course(&state, &path).await?;
    ensure_manager(&caller, &course)?;
    if !form::is_multipart(&req) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Content-Type must be multipart/form-data",
        )
        .into());
    }
    let mut form =
        form::read_multipart(&state, &req, payload, LECTURE_FIELDS, &video_spec(&state)).await?;
    let changes = lecture_changes(&form, true)?;
    let temp = form
        .file
        .take()
        .ok_or_else(|| CourseError::field("video", "Video is required"))?;
    let (key, duration) = store_video(&state, temp).await?;
    let new = NewLecture {
        course: course_id,
        title: changes.title.unwrap_or_default(),
        description: changes.description.unwrap_or_default(),
        video_key: key.clone(),
        duration,
        is_preview: changes.is_preview.unwrap_or(false),
        order: changes.order.unwrap_or_default(),
    };
    let lecture = match state.store.lectures.insert(new).await {
        Ok(lecture) => lecture,
        Err(e) => {
            media::remove(state.media.as_ref(), &key).await;
            return Err(e.into());
        }
    };
    refresh_course(&state, course_id).await?;
    tracing::info!(course.id = %course.id, lecture.id = %lecture.id, duration_s = duration, "lecture added");
    Ok(HttpResponse::Created().json(LectureResponse {
        success: true,
        message: "Lecture added successfully".to_owned(),
        lecture: views::lecture(&state, &lecture, true),
    }))
}

/// A course's lectures sorted by `order`; `videoUrl` only where the caller may watch.
#[utoipa::path(
    get,
    path = "/api/v1/courses/{courseId}/lectures",
    tag = "lectures",
    params(CourseIdPath),
    responses(
        (status = 200, description = "Lectures by `order`; `videoUrl` only where the caller may watch", body = LectureListResponse, links(("UpdateLecture" = (operation_id = "update_lecture", parameters(("courseId" = "$request.path.courseId"), ("lectureId" = "$response.body#/lectures/0/_id")))), ("DeleteLecture" = (operation_id = "delete_lecture", parameters(("courseId" = "$request.path.courseId"), ("lectureId" = "$response.body#/lectures/0/_id")))))),
        MalformedId,
        (status = 401, description = "A token was sent and is bad or expired (\"JWT token error\")", body = ErrorEnvelope),
        (status = 404, description = "Unknown, or a draft the caller may not see", body = ErrorEnvelope),
    ),
    security((), ("bearer" = []), ("cookie" = [])),
)]
async fn list_lectures(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> CourseResult<HttpResponse> {
    let (_, lectures) = views::visible_lectures(&state, caller.0.as_ref(), &path).await?;
    Ok(HttpResponse::Ok().json(LectureListResponse {
        success: true,
        count: lectures.len() as u64,
        lectures,
    }))
}

/// Changes a lecture (multipart with an optional new `video`, or JSON); the old video is removed.
#[utoipa::path(
    patch,
    path = "/api/v1/courses/{courseId}/lectures/{lectureId}",
    tag = "lectures",
    params(CourseIdPath, LectureIdPath),
    request_body(content(
        (LectureJson = "application/json"),
        (LectureForm = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "Updated; a replaced video is removed", body = LectureResponse),
        (status = 400, description = "Malformed id or validation error", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or lecture", body = ErrorEnvelope),
        (status = 413, description = "Video too large", body = ErrorEnvelope),
        (status = 415, description = "Not an MP4 or WebM", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn update_lecture(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> CourseResult<HttpResponse> {
    let (course_raw, lecture_raw) = path.into_inner();
    let (course_id, course) = load_course(&state, &course_raw).await?;
    ensure_manager(&caller, &course)?;
    let lecture_id = parse_id(&lecture_raw, "lectureId")?;
    if state
        .store
        .lectures
        .find(course_id, lecture_id)
        .await?
        .is_none()
    {
        return Err(LECTURE_NOT_FOUND);
    }
    let mut form = if form::is_multipart(&req) {
        form::read_multipart(&state, &req, payload, LECTURE_FIELDS, &video_spec(&state)).await?
    } else {
        form::read_json(&state, payload, LECTURE_FIELDS).await?
    };
    let mut changes = lecture_changes(&form, false)?;
    if let Some(temp) = form.file.take() {
        changes.video = Some(store_video(&state, temp).await?);
    }
    let new_key = changes.video.as_ref().map(|(k, _)| k.clone());
    let updated = state
        .store
        .lectures
        .update(course_id, lecture_id, changes)
        .await;
    let updated = match updated {
        Ok(Some(pair)) => pair,
        other => {
            if let Some(key) = &new_key {
                media::remove(state.media.as_ref(), key).await;
            }
            return Err(other.err().map_or(LECTURE_NOT_FOUND, CourseError::from));
        }
    };
    let (before, after) = updated;
    if new_key.is_some() && before.video_key != after.video_key {
        media::remove(state.media.as_ref(), &before.video_key).await;
    }
    refresh_course(&state, course_id).await?;
    Ok(HttpResponse::Ok().json(LectureResponse {
        success: true,
        message: "Lecture updated successfully".to_owned(),
        lecture: views::lecture(&state, &after, true),
    }))
}

/// Deletes a lecture and its video. The last lecture of a published course cannot go (409): unpublish
/// first, so the catalogue never lists an empty course.
#[utoipa::path(
    delete,
    path = "/api/v1/courses/{courseId}/lectures/{lectureId}",
    tag = "lectures",
    params(CourseIdPath, LectureIdPath),
    responses(
        (status = 200, description = "Deleted with its video", body = MessageResponse),
        MalformedId,
        NotLoggedIn,
        (status = 403, description = "Not the owner or an admin", body = ErrorEnvelope),
        (status = 404, description = "Unknown course or lecture", body = ErrorEnvelope),
        (status = 409, description = "The last lecture of a published course", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn delete_lecture(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<(String, String)>,
) -> CourseResult<HttpResponse> {
    let (course_raw, lecture_raw) = path.into_inner();
    let (course_id, course) = load_course(&state, &course_raw).await?;
    ensure_manager(&caller, &course)?;
    let lecture_id = parse_id(&lecture_raw, "lectureId")?;
    if course.is_published && course.lecture_ids == [lecture_id.to_hex()] {
        return Err(CourseError::Conflict(
            "A published course must keep at least one lecture; unpublish it first",
        ));
    }
    let lecture = state.store.lectures.delete(course_id, lecture_id).await?;
    let lecture = lecture.ok_or(LECTURE_NOT_FOUND)?;
    refresh_course(&state, course_id).await?;
    events::emit(
        &state.store,
        &state.outbox_notify,
        LECTURE_DELETED,
        LectureDeleted {
            course_id: course.id.clone(),
            lecture_id: lecture.id.clone(),
        },
    )
    .await?;
    media::remove(state.media.as_ref(), &lecture.video_key).await;
    Ok(HttpResponse::Ok().json(MessageResponse::ok("Lecture deleted successfully")))
}
