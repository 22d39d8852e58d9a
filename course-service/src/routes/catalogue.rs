//! The public catalogue: published courses (with `category`/`level` filters) and search. Both list
//! published courses only, embed each instructor's `{ _id, name, avatar }` from one batch lookup, and
//! use indexed filters; user text is bounded and escaped before it reaches a `$regex`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::principal::MaybePrincipal;
use shared::query::Page;

use super::form::Errors;
use serde_json::json;

use super::dto::{CourseListResponse, ErrorEnvelope};
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
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = ErrorEnvelope),
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

/// The search's query string as one object (`style=form, explode`): the rule "at least one filter" is a
/// constraint across parameters, which only an object schema can state (`anyOf` of `required`).
pub struct SearchFilters;

impl utoipa::ToSchema for SearchFilters {}

impl utoipa::PartialSchema for SearchFilters {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        const TEXT: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
        // Blank values count as absent, and values are trimmed, as `given` does.
        const PRICE: &str = r"^\s*((0{0,6}[0-9]|0{0,5}[0-9]{2}|0{0,4}[0-9]{3}|0{0,3}[0-9]{4}|0{0,2}[0-9]{5})(\.[0-9]{0,2})?|0?100000(\.0{0,2})?)?\s*$";
        let text = |max: u32| json!({ "type": "string", "maxLength": max, "pattern": TEXT });
        let present = |name: &str, schema: serde_json::Value| json!({ "required": [name], "properties": { name: schema } });
        let filled = json!({ "type": "string", "pattern": r"[^\s]" });
        let level =
            json!({ "type": "string", "pattern": r"^\s*(beginner|intermediate|advanced)?\s*$" });
        let price = json!({ "type": "string", "pattern": PRICE });
        let schema = json!({
            "type": "object",
            "properties": {
                "query": text(100),
                "title": text(100),
                "category": text(50),
                "level": level,
                "minPrice": price,
                "maxPrice": price,
                "sortBy": { "type": "string", "pattern": r"^\s*(newest|price-asc|price-desc|title)?\s*$" },
                "page": { "type": "integer", "minimum": 1, "maximum": 1_000_000 },
                "limit": { "type": "integer", "minimum": 1, "maximum": 100 },
            },
            "anyOf": [
                present("query", filled.clone()),
                present("title", filled.clone()),
                present("category", filled.clone()),
                present("level", filled.clone()),
                present("minPrice", filled.clone()),
                present("maxPrice", filled),
            ],
        });
        // A literal this module controls: it always deserializes.
        serde_json::from_value(schema).unwrap_or_default()
    }
}

/// Search over published courses; at least one filter is required.
#[utoipa::path(
    get,
    path = "/api/v1/courses/search",
    tag = "courses",
    params(("filters" = inline(SearchFilters), Query, style = Form, explode, description = "At least one of query, title, category, level, minPrice, maxPrice (not blank); sortBy, page and limit are optional")),
    responses(
        (status = 200, description = "Matching published courses", body = CourseListResponse),
        (status = 400, description = "No filter at all, or a bad value", body = ErrorEnvelope),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (\"JWT token error\")", body = ErrorEnvelope),
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
