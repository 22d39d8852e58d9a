//! `GET /v1/events` (a Stripe list with type, created and cursor filters) and `GET /v1/events/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::{authorize, decode, respond};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::state::{Answer, EventFilter, RequestInfo};

pub(super) async fn list_events(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = decode(req.query_string().as_bytes())?;
    let limit = match params.get("limit").and_then(Value::as_str) {
        None => 10,
        Some(l) => match l.parse::<usize>() {
            Ok(l) if (1..=100).contains(&l) => l,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    "This value must be between 1 and 100.",
                ));
            }
        },
    };
    let mut types: Vec<String> = Vec::new();
    if let Some(t) = params.get("type").and_then(Value::as_str) {
        types.push(t.to_owned());
    }
    if let Some(Value::Array(list)) = params.get("types") {
        types.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let mut created = (i64::MIN, i64::MAX);
    match params.get("created") {
        Some(Value::String(exact)) => {
            let at = parse_time("created", exact)?;
            created = (at, at);
        }
        Some(Value::Object(range)) => {
            for (op, v) in range {
                let at = parse_time(&format!("created[{op}]"), v.as_str().unwrap_or_default())?;
                match op.as_str() {
                    "gte" => created.0 = created.0.max(at),
                    "gt" => created.0 = created.0.max(at.saturating_add(1)),
                    "lte" => created.1 = created.1.min(at),
                    "lt" => created.1 = created.1.min(at.saturating_sub(1)),
                    _ => {
                        return Err(ApiError::invalid(
                            format!("created[{op}]"),
                            "Received unknown parameter",
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    let filter = EventFilter {
        limit,
        starting_after: params
            .get("starting_after")
            .and_then(Value::as_str)
            .map(str::to_owned),
        types,
        created,
    };
    let body = state.store.with(|tx| tx.list_events(&filter));
    let request = RequestInfo {
        id: Some(new_id("req")),
        idempotency_key: None,
    };
    Ok(respond(
        Answer {
            status: 200,
            body,
            replayed: false,
        },
        &request,
    ))
}

pub(super) async fn retrieve_event(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let event = state
        .store
        .event(&path)
        .ok_or_else(|| ApiError::no_such("event", &path, None))?;
    let body: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let request = RequestInfo {
        id: Some(new_id("req")),
        idempotency_key: None,
    };
    Ok(respond(
        Answer {
            status: 200,
            body,
            replayed: false,
        },
        &request,
    ))
}

fn parse_time(param: &str, value: &str) -> Result<i64, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::invalid(param, format!("Invalid integer: {value}")))
}
