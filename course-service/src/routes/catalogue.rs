//! The public catalogue: published courses (with `category`/`level` filters) and search. Both list
//! published courses only, embed each instructor's `{ _id, name, avatar }` from one batch lookup, and
//! use indexed filters; user text is bounded and escaped before it reaches a `$regex`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use shared::principal::MaybePrincipal;
use shared::query::Page;

use super::form::Errors;
use super::openapi::{CourseListResponse, ErrorEnvelope};
use super::views;
use crate::domain::{Category, Level, Price, SearchText};
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
        _ => Err("sortBy must be one of newest, price-asc, price-desc, title".to_owned()),
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
        if let Some(v) = given(q.sort_by.as_ref()) {
            query.sort = errors.check("sortBy", parse_sort(v)).unwrap_or_default();
        }
        if let (Some(min), Some(max)) = (query.min_price, query.max_price)
            && min > max
        {
            errors.0.push(shared::error::FieldError::new(
                "minPrice",
                "minPrice must not be greater than maxPrice",
            ));
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
    ];
    if search && filters.iter().all(|f| given(f.as_ref()).is_none()) {
        return Err(CourseError::field(
            "query",
            "Provide at least one of query, title, category, level, minPrice, maxPrice",
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
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "data": views::courses(state, &courses).await,
        "pagination": page.meta(total),
    })))
}

/// Published courses, newest first; optional `category` (case-insensitive, exact) and `level`.
#[utoipa::path(
    get,
    path = "/api/v1/courses/published",
    tag = "courses",
    params(("page" = Option<u64>, Query, description = "Default 1"), ("limit" = Option<u64>, Query, description = "Default 10, at most 100"), ("category" = Option<String>, Query, description = "Case-insensitive exact match"), ("level" = Option<String>, Query, description = "beginner, intermediate or advanced")),
    responses(
        (status = 200, description = "Published courses, newest first, instructors embedded", body = CourseListResponse),
        (status = 400, description = "Bad page, limit or level", body = ErrorEnvelope),
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
    params(
        ("query" = Option<String>, Query, description = "In title, subtitle or description; case-insensitive, literal, at most 100 characters"),
        ("title" = Option<String>, Query, description = "In the title; case-insensitive, literal, at most 100 characters"),
        ("category" = Option<String>, Query), ("level" = Option<String>, Query),
        ("minPrice" = Option<f64>, Query), ("maxPrice" = Option<f64>, Query),
        ("sortBy" = Option<String>, Query, description = "newest (default), price-asc, price-desc, title"),
        ("page" = Option<u64>, Query, description = "Default 1"), ("limit" = Option<u64>, Query, description = "Default 10, at most 100"),
    ),
    responses(
        (status = 200, description = "Matching published courses", body = CourseListResponse),
        (status = 400, description = "No filter at all, or a bad value", body = ErrorEnvelope),
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
