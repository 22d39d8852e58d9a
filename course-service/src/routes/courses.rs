//! Course management: create (multipart), the caller's own courses, details, update, publish, delete.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use shared::error::{ApiError, ErrorCode, JWT_TOKEN_ERROR};
use shared::events::{COURSE_DELETED, CourseDeleted};
use shared::media::{MediaKind, MediaStore, new_key};
use shared::principal::{MaybePrincipal, Principal};
use shared::query::Page;

use super::access::{COURSE_NOT_FOUND, course_access, ensure_manager, ensure_teacher, load_course};
use super::form::{self, Errors, FileSpec, Form};
use super::views;
use crate::domain::{Category, CourseDescription, CourseTitle, Level, Price, Subtitle};
use crate::error::{CourseError, CourseResult};
use crate::events;
use crate::media::{self, THUMBNAILS};
use crate::state::AppState;
use crate::store::{CourseChanges, CourseQuery, NewCourse, object_id};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses")
            .route(web::post().to(create_course))
            .route(web::get().to(list_own_courses)),
    );
}

/// Routes under `/courses/{courseId}`; mounted after the fixed paths (`published`, `search`).
pub fn configure_item(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses/{courseId}")
            .route(web::get().to(get_course))
            .route(web::patch().to(update_course))
            .route(web::delete().to(delete_course)),
    )
    .service(web::resource("/courses/{courseId}/publish").route(web::patch().to(publish_course)));
}

const COURSE_FIELDS: &[&str] = &[
    "title",
    "subtitle",
    "description",
    "category",
    "price",
    "level",
];

fn thumbnail_spec(state: &AppState) -> FileSpec {
    FileSpec {
        name: "thumbnail",
        kind: MediaKind::Image,
        max_bytes: state.settings.thumbnail_max_bytes,
    }
}

/// Parses the course fields present in `form` (all required when `creating`).
fn course_changes(form: &Form, creating: bool) -> CourseResult<CourseChanges> {
    let mut errors = Errors::default();
    let mut required = |name: &str, label: &str| -> Option<String> {
        match form.get(name) {
            Some(v) => Some(v.to_owned()),
            None if creating => {
                errors.0.push(shared::error::FieldError::new(
                    name,
                    format!("{label} is required"),
                ));
                None
            }
            None => None,
        }
    };
    let title = required("title", "Title");
    let category = required("category", "Category");
    let price = required("price", "Price");
    let changes = CourseChanges {
        title: title.and_then(|v| {
            errors
                .check("title", CourseTitle::parse(&v))
                .map(CourseTitle::into_inner)
        }),
        category: category.and_then(|v| {
            errors
                .check("category", Category::parse(&v))
                .map(Category::into_inner)
        }),
        price: price.and_then(|v| errors.check("price", Price::parse(&v))),
        subtitle: form.get("subtitle").and_then(|v| {
            errors
                .check("subtitle", Subtitle::parse(v))
                .map(Subtitle::into_inner)
        }),
        description: form.get("description").and_then(|v| {
            errors
                .check("description", CourseDescription::parse(v))
                .map(CourseDescription::into_inner)
        }),
        level: form
            .get("level")
            .and_then(|v| errors.check("level", Level::parse(v))),
        thumbnail_key: None,
    };
    if creating && form.file.is_none() {
        errors.0.push(shared::error::FieldError::new(
            "thumbnail",
            "Thumbnail is required",
        ));
    }
    errors.finish()?;
    Ok(changes)
}

/// The caller's user id as an ObjectId (tokens we sign always carry one).
pub fn caller_oid(caller: &Principal) -> CourseResult<mongodb::bson::oid::ObjectId> {
    object_id(&caller.user_id).ok_or_else(|| {
        ApiError::unauthorized(JWT_TOKEN_ERROR)
            .with_details(json!({ "reason": "invalid_claims" }))
            .into()
    })
}

/// Creates an unpublished course (instructor or admin; multipart with a `thumbnail`).
async fn create_course(
    state: web::Data<AppState>,
    caller: Principal,
    req: HttpRequest,
    payload: web::Payload,
) -> CourseResult<HttpResponse> {
    ensure_teacher(&caller)?;
    let instructor = caller_oid(&caller)?;
    if !form::is_multipart(&req) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Content-Type must be multipart/form-data",
        )
        .into());
    }
    let mut form = form::read_multipart(
        &state,
        &req,
        payload,
        COURSE_FIELDS,
        &thumbnail_spec(&state),
    )
    .await?;
    let changes = course_changes(&form, true)?;
    let temp = form
        .file
        .take()
        .ok_or_else(|| CourseError::field("thumbnail", "Thumbnail is required"))?;
    let key = new_key(THUMBNAILS, temp.extension());
    state.media.put(temp, &key).await?;
    let new = NewCourse {
        title: changes.title.unwrap_or_default(),
        subtitle: changes.subtitle.unwrap_or_default(),
        description: changes.description.unwrap_or_default(),
        category: changes.category.unwrap_or_default(),
        level: changes.level.unwrap_or_default(),
        price: changes.price.unwrap_or(Price::from_cents(0)),
        thumbnail_key: key.clone(),
        instructor,
    };
    let course = match state.store.courses.insert(new).await {
        Ok(course) => course,
        Err(e) => {
            media::remove(state.media.as_ref(), &key).await;
            return Err(e.into());
        }
    };
    tracing::info!(course.id = %course.id, user.id = %caller.user_id, "course created");
    let instructors = state
        .users
        .lookup(std::slice::from_ref(&course.instructor_id))
        .await;
    Ok(HttpResponse::Created().json(json!({
        "success": true,
        "message": "Course created successfully",
        "course": views::course(&state, &course, &instructors, None),
    })))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
    limit: Option<String>,
}

/// The caller's own courses, drafts included, newest first (instructor or admin).
async fn list_own_courses(
    state: web::Data<AppState>,
    caller: Principal,
    query: web::Query<PageQuery>,
) -> CourseResult<HttpResponse> {
    ensure_teacher(&caller)?;
    let page = Page::parse(query.page.as_deref(), query.limit.as_deref())?;
    let filter = CourseQuery {
        instructor: Some(caller_oid(&caller)?),
        ..CourseQuery::default()
    };
    let (courses, total) = state
        .store
        .courses
        .list(&filter, page.skip(), page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "data": views::courses(&state, &courses).await,
        "pagination": page.meta(total),
    })))
}

/// One course with its ordered lectures; drafts only for the owner, admins and enrolled students.
async fn get_course(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<String>,
) -> CourseResult<HttpResponse> {
    let (id, course) = load_course(&state, &path).await?;
    let access = course_access(&state, caller.0.as_ref(), id, &course).await?;
    let lectures = state.store.lectures.list(id).await?;
    let lectures = lectures
        .iter()
        .map(|l| views::lecture(&state, l, access.can_watch(&course, l)))
        .collect();
    let instructors = state
        .users
        .lookup(std::slice::from_ref(&course.instructor_id))
        .await;
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "course": views::course(&state, &course, &instructors, Some(lectures)),
    })))
}

/// Changes any create field (multipart with an optional new `thumbnail`, or JSON); the old thumbnail is
/// removed once the new one is in place.
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
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "message": "Course updated successfully",
        "course": views::course(&state, &after, &instructors, None),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    publish: bool,
}

/// Publishes (needs at least one lecture) or unpublishes a course.
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
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "message": if body.publish { "Course published successfully" } else { "Course unpublished successfully" },
        "course": views::course(&state, &course, &instructors, None),
    })))
}

/// Deletes a course with its lectures and media; refused (409) while students are enrolled, unless the
/// caller is an admin.
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
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "message": "Course deleted successfully",
    })))
}
