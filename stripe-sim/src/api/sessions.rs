//! `POST` and `GET /v1/checkout/sessions` (create, list), `GET /v1/checkout/sessions/{id}`,
//! `POST .../{id}/expire`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::{
    authorize, body_params, decode, fingerprint, ok, query, read_request, request_info, respond,
};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::list::{self, Paging};
use crate::params::{CREATED, EXPAND, Shape};
use crate::session::NewSession;

/// `GET /v1/checkout/sessions` parameters.
const LIST_PARAMS: &[(&str, Shape)] = &[
    ("limit", Shape::Leaf),
    ("starting_after", Shape::Leaf),
    ("ending_before", Shape::Leaf),
    ("payment_intent", Shape::Leaf),
    ("status", Shape::Leaf),
    CREATED,
    EXPAND,
];

pub(super) async fn create_checkout_session(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = decode(&body)?;
    // `NewSession::parse` checks the parameters against `session::CREATE_PARAMS`.
    let new = NewSession::parse(&params, crate::ids::now())?;
    let fingerprint = fingerprint(&req, &params);
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            tx.create_session(new, &state.page_base)
        })?;
    Ok(respond(answer, &request))
}

pub(super) async fn retrieve_checkout_session(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    query(&req, &[EXPAND])?;
    let session = state.store.with(|tx| tx.session(&path))?;
    Ok(respond(ok(session), &read_request()))
}

pub(super) async fn expire_checkout_session(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let fingerprint = fingerprint(&req, &body_params(&body, &[EXPAND])?);
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            tx.expire_session(&path, &request)
        })?;
    Ok(respond(answer, &request))
}

pub(super) async fn list_checkout_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = query(&req, LIST_PARAMS)?;
    let paging = Paging::parse(&params)?;
    let (from, to) = list::created_range(&params)?;
    let wanted = |key: &str| params.get(key).and_then(Value::as_str);
    if let Some(status) = wanted("status")
        && !["open", "complete", "expired"].contains(&status)
    {
        return Err(ApiError::invalid(
            "status",
            format!("Invalid status: must be one of open, complete, or expired (got {status})"),
        ));
    }
    let sessions = state.store.with(|tx| tx.sessions());
    let keep = |s: &Value| {
        s["created"]
            .as_i64()
            .is_some_and(|at| (from..=to).contains(&at))
            && wanted("status").is_none_or(|w| s["status"] == w)
            && wanted("payment_intent").is_none_or(|w| s["payment_intent"] == w)
    };
    let body = list::page(
        sessions,
        keep,
        &paging,
        "/v1/checkout/sessions",
        "checkout.session",
    )?;
    Ok(respond(ok(body), &read_request()))
}
