//! `POST /v1/coupons`, `GET /v1/coupons/{id}` and `GET /v1/coupons` (newest first, both cursors).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::{authorize, body_params, fingerprint, ok, query, read_request, request_info, respond};
use crate::app_state::AppState;
use crate::coupon;
use crate::error::ApiError;
use crate::list::{self, Paging};
use crate::params::{CREATED, EXPAND, Shape};

/// `GET /v1/coupons` parameters.
const LIST_PARAMS: &[(&str, Shape)] = &[
    ("limit", Shape::Leaf),
    ("starting_after", Shape::Leaf),
    ("ending_before", Shape::Leaf),
    CREATED,
    EXPAND,
];

pub(super) async fn create_coupon(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = body_params(&body, coupon::CREATE_PARAMS)?;
    let object = coupon::parse(&params, crate::ids::now())?;
    let fingerprint = fingerprint(&req, &params);
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            tx.create_coupon(object, &request)
        })?;
    Ok(respond(answer, &request))
}

pub(super) async fn retrieve_coupon(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    query(&req, &[EXPAND])?;
    let coupon = state.store.with(|tx| tx.coupon(&path))?;
    Ok(respond(ok(coupon), &read_request()))
}

pub(super) async fn list_coupons(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = query(&req, LIST_PARAMS)?;
    let paging = Paging::parse(&params)?;
    let (from, to) = list::created_range(&params)?;
    let coupons = state.store.with(|tx| tx.coupons());
    let created = |c: &Value| {
        c["created"]
            .as_i64()
            .is_some_and(|at| (from..=to).contains(&at))
    };
    let body = list::page(coupons, created, &paging, "/v1/coupons", "coupon")?;
    Ok(respond(ok(body), &read_request()))
}
