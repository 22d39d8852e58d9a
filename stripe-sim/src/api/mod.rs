//! Stripe's `/v1` API as payment-service calls it: Checkout Sessions, Coupons, Refunds and Events, with Stripe's key
//! check, request ids and `Idempotency-Key` replays shared here.

mod coupons;
mod events;
mod refunds;
mod sessions;

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::{Map, Value};

use crate::app_state::AppState;
use crate::error::ApiError;
use crate::form;
use crate::ids::new_id;
use crate::params::{self, Shape};
use crate::state::{Answer, RequestInfo};
use coupons::{create_coupon, list_coupons, retrieve_coupon};
use events::{list_events, retrieve_event};
use refunds::create_refund;
use sessions::{
    create_checkout_session, expire_checkout_session, list_checkout_sessions,
    retrieve_checkout_session,
};

/// Mounts `/v1/...`; any other `/v1` path answers Stripe's 404 shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1")
            .route(
                "/checkout/sessions",
                web::post().to(create_checkout_session),
            )
            .route("/checkout/sessions", web::get().to(list_checkout_sessions))
            .route(
                "/checkout/sessions/{id}",
                web::get().to(retrieve_checkout_session),
            )
            .route(
                "/checkout/sessions/{id}/expire",
                web::post().to(expire_checkout_session),
            )
            .route("/refunds", web::post().to(create_refund))
            .route("/coupons", web::post().to(create_coupon))
            .route("/coupons", web::get().to(list_coupons))
            .route("/coupons/{id}", web::get().to(retrieve_coupon))
            .route("/events", web::get().to(list_events))
            .route("/events/{id}", web::get().to(retrieve_event))
            .default_service(web::to(unknown_route)),
    );
}

/// Checks `Authorization: Bearer <key>` (or HTTP Basic with the key as user name, which Stripe also takes).
fn authorize(headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::unauthorized(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ));
    };
    let key = if let Some(bearer) = value.strip_prefix("Bearer ") {
        bearer.trim().to_owned()
    } else if let Some(basic) = value.strip_prefix("Basic ") {
        // `curl -u sk_test_...:` sends the key as the user name with an empty password.
        base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .map(|pair| pair.split(':').next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let key = key.as_str();
    // Constant time: the key is a secret even in a simulator that may be reachable on a LAN.
    if aws_lc_rs::constant_time::verify_slices_are_equal(
        key.as_bytes(),
        state.secret_key.as_bytes(),
    )
    .is_ok()
    {
        return Ok(());
    }
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Err(ApiError::unauthorized(format!(
        "Invalid API Key provided: sk_****{tail}"
    )))
}

/// Each API answer carries a `Request-Id`, echoed in the events it causes.
fn request_info(req: &HttpRequest) -> RequestInfo {
    RequestInfo {
        id: Some(new_id("req")),
        idempotency_key: req
            .headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// A plain 200 answer (reads are not idempotent requests).
fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        body,
        replayed: false,
    }
}

/// The request info of a read: a request id, no idempotency key.
fn read_request() -> RequestInfo {
    RequestInfo {
        id: Some(new_id("req")),
        idempotency_key: None,
    }
}

/// The query string's parameters, checked against what the endpoint knows.
fn query(req: &HttpRequest, known: &[(&str, Shape)]) -> Result<Map<String, Value>, ApiError> {
    let params = decode(req.query_string().as_bytes())?;
    params::check(&params, known)?;
    Ok(params)
}

/// The form body's parameters, checked against what the endpoint knows.
fn body_params(body: &[u8], known: &[(&str, Shape)]) -> Result<Map<String, Value>, ApiError> {
    let params = decode(body)?;
    params::check(&params, known)?;
    Ok(params)
}

fn respond(answer: Answer, request: &RequestInfo) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut builder = HttpResponse::build(status);
    if let Some(id) = &request.id {
        builder.insert_header(("request-id", id.as_str()));
    }
    if let Some(key) = &request.idempotency_key {
        builder.insert_header(("idempotency-key", key.as_str()));
    }
    if answer.replayed {
        builder.insert_header(("idempotent-replayed", "true"));
    }
    builder.json(answer.body)
}

/// What an idempotency key is bound to: the endpoint and the decoded parameters. Decoded, not raw bytes,
/// because clients may order keys differently on a retry (async-stripe serialises metadata from a HashMap).
fn fingerprint(req: &HttpRequest, params: &Map<String, Value>) -> String {
    let mut text = format!("{} {}\n", req.method(), req.path());
    canonical(&Value::Object(params.clone()), &mut text);
    text
}

/// JSON text with object keys sorted (serde_json keeps insertion order when `preserve_order` is on).
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key.as_str()], out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn decode(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    form::decode(body).map_err(|e| ApiError::invalid(e.param, e.message))
}

async fn unknown_route(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    Err(ApiError::unknown_route(req.method().as_str(), req.path()))
}
