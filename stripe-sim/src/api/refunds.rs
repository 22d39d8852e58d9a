//! `POST /v1/refunds`: by payment intent, whole or partial.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::{authorize, body_params, fingerprint, request_info, respond};
use crate::app_state::AppState;
use crate::error::ApiError;
use crate::params::{EXPAND, Shape};
use crate::rules;

/// `POST /v1/refunds` parameters (`charge` is known so that its refusal can say why).
const CREATE_PARAMS: &[(&str, Shape)] = &[
    ("payment_intent", Shape::Leaf),
    ("charge", Shape::Leaf),
    ("amount", Shape::Leaf),
    ("reason", Shape::Leaf),
    ("metadata", Shape::Free),
    EXPAND,
];

pub(super) async fn create_refund(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let mut params = body_params(&body, CREATE_PARAMS)?;
    let fingerprint = fingerprint(&req, &params);
    if params.contains_key("charge") {
        return Err(ApiError::invalid(
            "charge",
            "The simulator refunds by payment_intent only.",
        ));
    }
    let payment_intent = match params.remove("payment_intent") {
        Some(Value::String(pi)) if !pi.is_empty() => pi,
        _ => return Err(ApiError::missing("payment_intent")),
    };
    let amount = match params.remove("amount") {
        None => None,
        Some(Value::String(a)) => match a.parse::<i64>() {
            Ok(a) if a > 0 => Some(a),
            _ => {
                return Err(ApiError::invalid(
                    "amount",
                    format!("Invalid positive integer: {a}"),
                ));
            }
        },
        Some(_) => return Err(ApiError::invalid("amount", "Invalid positive integer")),
    };
    let reason = match params.remove("reason") {
        None => None,
        Some(Value::String(r))
            if ["duplicate", "fraudulent", "requested_by_customer"].contains(&r.as_str()) =>
        {
            Some(r)
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "reason",
                format!(
                    "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer (got {other})"
                ),
            ));
        }
    };
    let metadata = match params.remove("metadata") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    rules::metadata("metadata", &metadata)?;
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            tx.refund(&payment_intent, amount, reason, metadata, &request)
        })?;
    Ok(respond(answer, &request))
}
