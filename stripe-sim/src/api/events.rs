//! `GET /v1/events` (a Stripe list with type, created and both cursor filters) and `GET /v1/events/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::{authorize, ok, query, read_request, respond};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::list::{self, Paging};
use crate::params::{CREATED, EXPAND, Shape};
use crate::state::EventFilter;

/// `GET /v1/events` parameters.
const LIST_PARAMS: &[(&str, Shape)] = &[
    ("limit", Shape::Leaf),
    ("starting_after", Shape::Leaf),
    ("ending_before", Shape::Leaf),
    ("type", Shape::Leaf),
    ("types", Shape::List(&Shape::Leaf)),
    CREATED,
    EXPAND,
];

pub(super) async fn list_events(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = query(&req, LIST_PARAMS)?;
    let paging = Paging::parse(&params)?;
    let mut types: Vec<String> = Vec::new();
    if let Some(t) = params.get("type").and_then(Value::as_str) {
        types.push(t.to_owned());
    }
    if let Some(Value::Array(list)) = params.get("types") {
        types.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let filter = EventFilter {
        types,
        created: list::created_range(&params)?,
    };
    let events = state.store.events_newest_first();
    let body = list::page(
        events,
        |e| filter.matches(e),
        &paging,
        "/v1/events",
        "event",
    )?;
    Ok(respond(ok(body), &read_request()))
}

pub(super) async fn retrieve_event(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    query(&req, &[EXPAND])?;
    let event = state
        .store
        .event(&path)
        .ok_or_else(|| ApiError::no_such("event", &path, None))?;
    let body: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    Ok(respond(ok(body), &read_request()))
}
