//! `POST /courses` (create, multipart) and `GET /courses` (the caller's own courses), and the course field
//! parsing that updates share.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use shared::error::{ApiError, ErrorCode, JWT_TOKEN_ERROR};
use shared::media::{MediaKind, new_key};
use shared::openapi::responses::NotLoggedIn;
use shared::principal::Principal;
use shared::query::PageQuery;

use super::access::ensure_teacher;
use super::dto::{CourseListResponse, CourseResponse, ErrorEnvelope, NewCourseForm};
use super::form::{self, Errors, FileSpec, Form};
use super::views;
use crate::domain::{Category, CourseDescription, CourseTitle, Level, Price, Subtitle};
use crate::error::{CourseError, CourseResult};
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

pub(super) const COURSE_FIELDS: &[&str] = &[
    "title",
    "subtitle",
    "description",
    "category",
    "price",
    "level",
];

pub(super) fn thumbnail_spec(state: &AppState) -> FileSpec {
    FileSpec {
        name: "thumbnail",
        kind: MediaKind::Image,
        max_bytes: state.settings.thumbnail_max_bytes,
    }
}

/// Parses the course fields present in `form` (all required when `creating`).
pub(super) fn course_changes(form: &Form, creating: bool) -> CourseResult<CourseChanges> {
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
#[utoipa::path(
    post,
    path = "/api/v1/courses",
    tag = "courses",
    request_body(content = NewCourseForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Created, unpublished (\"Course created successfully\")", body = CourseResponse, links(("GetCourse" = (operation_id = "get_course", parameters(("courseId" = "$response.body#/course/_id")))), ("UpdateCourse" = (operation_id = "update_course", parameters(("courseId" = "$response.body#/course/_id")))), ("PublishCourse" = (operation_id = "publish_course", parameters(("courseId" = "$response.body#/course/_id")))), ("ListLectures" = (operation_id = "list_lectures", parameters(("courseId" = "$response.body#/course/_id")))), ("AddLecture" = (operation_id = "add_lecture", parameters(("courseId" = "$response.body#/course/_id")))), ("ListStudents" = (operation_id = "list_students", parameters(("courseId" = "$response.body#/course/_id")))), ("DeleteCourse" = (operation_id = "delete_course", parameters(("courseId" = "$response.body#/course/_id")))))),
        (status = 400, description = "Validation error, missing thumbnail or an unknown field", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not an instructor or admin", body = ErrorEnvelope),
        (status = 413, description = "Thumbnail over 5 MB", body = ErrorEnvelope),
        (status = 415, description = "Not multipart, or the thumbnail is not a JPEG, PNG, WebP or GIF", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
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
    Ok(HttpResponse::Created().json(CourseResponse {
        success: true,
        message: "Course created successfully".to_owned(),
        course: views::course(&state, &course, &instructors),
    }))
}

/// The caller's own courses, drafts included, newest first (instructor or admin).
#[utoipa::path(
    get,
    path = "/api/v1/courses",
    tag = "courses",
    params(PageQuery),
    responses(
        (status = 200, description = "The caller's courses, drafts included, newest first", body = CourseListResponse, links(("GetCourse" = (operation_id = "get_course", parameters(("courseId" = "$response.body#/data/0/_id")))), ("UpdateCourse" = (operation_id = "update_course", parameters(("courseId" = "$response.body#/data/0/_id")))), ("PublishCourse" = (operation_id = "publish_course", parameters(("courseId" = "$response.body#/data/0/_id")))), ("ListLectures" = (operation_id = "list_lectures", parameters(("courseId" = "$response.body#/data/0/_id")))), ("AddLecture" = (operation_id = "add_lecture", parameters(("courseId" = "$response.body#/data/0/_id")))), ("ListStudents" = (operation_id = "list_students", parameters(("courseId" = "$response.body#/data/0/_id")))), ("DeleteCourse" = (operation_id = "delete_course", parameters(("courseId" = "$response.body#/data/0/_id")))))),
        (status = 400, description = "Bad page or limit", body = ErrorEnvelope),
        NotLoggedIn,
        (status = 403, description = "Not an instructor or admin", body = ErrorEnvelope),
    ),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn list_own_courses(
    state: web::Data<AppState>,
    caller: Principal,
    query: web::Query<PageQuery>,
) -> CourseResult<HttpResponse> {
    ensure_teacher(&caller)?;
    let page = query.parse()?;
    let filter = CourseQuery {
        instructor: Some(caller_oid(&caller)?),
        ..CourseQuery::default()
    };
    let (courses, total) = state
        .store
        .courses
        .list(&filter, page.skip(), page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(CourseListResponse {
        success: true,
        data: views::courses(&state, &courses).await,
        pagination: page.meta(total),
    }))
}
