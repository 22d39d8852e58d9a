//! `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}`, `POST .../{id}/expire`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{authorize, decode, fingerprint, request_info, respond};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::session::NewSession;
use crate::state::{Answer, RequestInfo};

pub(super) async fn create_checkout_session(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let params = decode(&body)?;
    let new = NewSession::parse(&params, crate::ids::now())?;
    let fingerprint = fingerprint(&req, &params);
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            Ok(tx.create_session(new, &state.page_base))
        })?;
    Ok(respond(answer, &request))
}

pub(super) async fn retrieve_checkout_session(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let session = state.store.with(|tx| tx.session(&path))?;
    let request = RequestInfo {
        id: Some(new_id("req")),
        idempotency_key: None,
    };
    Ok(respond(
        Answer {
            status: 200,
            body: session,
            replayed: false,
        },
        &request,
    ))
}

pub(super) async fn expire_checkout_session(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let fingerprint = fingerprint(&req, &decode(&body)?);
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            tx.expire_session(&path, &request)
        })?;
    Ok(respond(answer, &request))
}
