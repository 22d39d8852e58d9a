//! The public catalogue: published courses (with `category`/`level` filters) and search. Both list
//! published courses only, embed each instructor's `{ _id, name, avatar }` from one batch lookup, and
//! use indexed filters; user text is bounded and escaped before it reaches a `$regex`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::openapi::responses::BadCredential;
use shared::principal::MaybePrincipal;
use shared::query::Page;

use super::form::Errors;

use super::dto::{CourseListResponse, ErrorEnvelope};
use super::views;
use crate::domain::{Category, Level, Price, SearchText, Stars};
use crate::error::{CourseError, CourseResult};
use crate::state::AppState;
use crate::store::{CourseQuery, CourseSort};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/published").route(web::get().to(list_published_courses)))
        .service(web::resource("/courses/search").route(web::get().to(search_courses)));
}

/// Query string of both listings (search uses every field).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CatalogueQuery {
    page: Option<String>,
    limit: Option<String>,
    category: Option<String>,
    level: Option<String>,
    query: Option<String>,
    title: Option<String>,
    min_price: Option<String>,
    max_price: Option<String>,
    min_rating: Option<String>,
    sort_by: Option<String>,
}

/// A query value that is present and not blank.
fn given(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn parse_sort(raw: &str) -> Result<CourseSort, String> {
    match raw {
        "newest" => Ok(CourseSort::Newest),
        "price-asc" => Ok(CourseSort::PriceAsc),
        "price-desc" => Ok(CourseSort::PriceDesc),
        "title" => Ok(CourseSort::Title),
        "rating" => Ok(CourseSort::Rating),
        _ => Err("sortBy must be one of newest, price-asc, price-desc, title, rating".to_owned()),
    }
}

/// Parses the filters into a query over published courses.
fn course_query(q: &CatalogueQuery, search: bool) -> CourseResult<CourseQuery> {
    let mut errors = Errors::default();
    let mut query = CourseQuery {
        published_only: true,
        category: given(q.category.as_ref()).and_then(|v| {
            errors
                .check("category", Category::parse(v))
                .map(Category::into_inner)
        }),
        level: given(q.level.as_ref()).and_then(|v| errors.check("level", Level::parse(v))),
        ..CourseQuery::default()
    };
    if search {
        query.text = given(q.query.as_ref()).and_then(|v| {
            errors
                .check("query", SearchText::parse(v))
                .map(SearchText::into_inner)
        });
        query.title = given(q.title.as_ref()).and_then(|v| {
            errors
                .check("title", SearchText::parse(v))
                .map(SearchText::into_inner)
        });
        query.min_price =
            given(q.min_price.as_ref()).and_then(|v| errors.check("minPrice", Price::parse(v)));
        query.max_price =
            given(q.max_price.as_ref()).and_then(|v| errors.check("maxPrice", Price::parse(v)));
        query.min_rating =
            given(q.min_rating.as_ref()).and_then(|v| errors.check("minRating", Stars::parse(v)));
        if let Some(v) = given(q.sort_by.as_ref()) {
            query.sort = errors.check("sortBy", parse_sort(v)).unwrap_or_default();
        }
    }
    errors.finish()?;
    let filters = [
        &q.query,
        &q.title,
        &q.category,
        &q.level,
        &q.min_price,
        &q.max_price,
        &q.min_rating,
    ];
    if search && filters.iter().all(|f| given(f.as_ref()).is_none()) {
        return Err(CourseError::field(
            "query",
            "Provide at least one of query, title, category, level, minPrice, maxPrice, minRating",
        ));
    }
    Ok(query)
}

async fn list(state: &AppState, q: &CatalogueQuery, search: bool) -> CourseResult<HttpResponse> {
    let page = Page::parse(q.page.as_deref(), q.limit.as_deref())?;
    let query = course_query(q, search)?;
    let (courses, total) = state
        .store
        .courses
        .list(&query, page.skip(), page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(CourseListResponse {
        success: true,
        data: views::courses(state, &courses).await,
        pagination: page.meta(total),
    }))
}

/// Published courses, newest first; optional `category` (case-insensitive, exact) and `level`.
#[utoipa::path(
    get,
    path = "/api/v1/courses/published",
    tag = "courses",
    params(
        ("page" = Option<u64>, Query, minimum = 1, maximum = 1000000, description = "Default 1"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100, description = "Default 10"),
        ("category" = Option<String>, Query, max_length = 50, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$", description = "Case-insensitive exact match; blank means none"),
        ("level" = Option<String>, Query, pattern = r"^\s*(beginner|intermediate|advanced)?\s*$", description = "beginner, intermediate or advanced; blank means none"),
    ),
    responses(
        (status = 200, description = "Published courses, newest first, instructors embedded", body = CourseListResponse),
        (status = 400, description = "Bad page, limit or level", body = ErrorEnvelope),
        BadCredential,
    ),
)]
async fn list_published_courses(
    state: web::Data<AppState>,
    // Anonymous is fine, bad credentials are not (`shared::principal`).
    _caller: MaybePrincipal,
    query: web::Query<CatalogueQuery>,
) -> CourseResult<HttpResponse> {
    list(&state, &query, false).await
}

/// Search over published courses; at least one filter is required.
#[utoipa::path(
    get,
    path = "/api/v1/courses/search",
    tag = "courses",
    // One parameter each, as typed clients send them (`?query=..&level=..`). "At least one filter" is a rule
    // across parameters that no parameter list can state: the description says it, and none answers 400.
    params(
        ("query" = Option<String>, Query, max_length = 100, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$", description = "A case-insensitive substring of the title, subtitle or description. A filter: at least one of query, title, category, level, minPrice, maxPrice or minRating must be given (not blank)"),
        ("title" = Option<String>, Query, max_length = 100, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$", description = "A case-insensitive substring of the title. A filter"),
        ("category" = Option<String>, Query, max_length = 50, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$", description = "Case-insensitive exact match. A filter"),
        ("level" = Option<String>, Query, pattern = r"^\s*(beginner|intermediate|advanced)?\s*$", description = "beginner, intermediate or advanced. A filter"),
        ("minPrice" = Option<String>, Query, pattern = r"^\s*((0{0,6}[0-9]|0{0,5}[0-9]{2}|0{0,4}[0-9]{3}|0{0,3}[0-9]{4}|0{0,2}[0-9]{5})(\.[0-9]{0,2})?|0?100000(\.0{0,2})?)?\s*$", description = "USD, at least this (0 to 100000, two decimals at most). A filter"),
        ("maxPrice" = Option<String>, Query, pattern = r"^\s*((0{0,6}[0-9]|0{0,5}[0-9]{2}|0{0,4}[0-9]{3}|0{0,3}[0-9]{4}|0{0,2}[0-9]{5})(\.[0-9]{0,2})?|0?100000(\.0{0,2})?)?\s*$", description = "USD, at most this; below minPrice gives an empty page. A filter"),
        ("minRating" = Option<String>, Query, pattern = r"^\s*[1-5]?\s*$", description = "Courses rated at least this many stars (1 to 5; the average as shown, to one decimal). A filter"),
        ("sortBy" = Option<String>, Query, pattern = r"^\s*(newest|price-asc|price-desc|title|rating)?\s*$", description = "newest (default), price-asc, price-desc, title, or rating (best average first, then most reviews, then id: pages never repeat)"),
        ("page" = Option<u64>, Query, minimum = 1, maximum = 1000000, description = "Default 1"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 100, description = "Default 10"),
    ),
    responses(
        (status = 200, description = "Matching published courses", body = CourseListResponse),
        (status = 400, description = "No filter at all, or a bad value", body = ErrorEnvelope),
        BadCredential,
    ),
)]
async fn search_courses(
    state: web::Data<AppState>,
    // Anonymous is fine, bad credentials are not (`shared::principal`).
    _caller: MaybePrincipal,
    query: web::Query<CatalogueQuery>,
) -> CourseResult<HttpResponse> {
    list(&state, &query, true).await
}
