//! Stripe's `/v1` API as payment-service calls it: Checkout Sessions, Refunds and Events.

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::form;
use crate::ids::new_id;
use crate::session::NewSession;
use crate::sim::AppState;
use crate::state::{Answer, EventFilter, RequestInfo};

/// Mounts `/v1/...`; any other `/v1` path answers Stripe's 404 shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1")
            .route(
                "/checkout/sessions",
                web::post().to(create_checkout_session),
            )
            .route(
                "/checkout/sessions/{id}",
                web::get().to(retrieve_checkout_session),
            )
            .route(
                "/checkout/sessions/{id}/expire",
                web::post().to(expire_checkout_session),
            )
            .route("/refunds", web::post().to(create_refund))
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
    let key = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .unwrap_or_default();
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

async fn create_checkout_session(
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

async fn retrieve_checkout_session(
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

async fn expire_checkout_session(
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

async fn create_refund(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    let mut params = decode(&body)?;
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
    let request = request_info(&req);
    let answer = state
        .store
        .idempotent(request.idempotency_key.as_deref(), fingerprint, |tx| {
            tx.refund(&payment_intent, amount, reason, metadata, &request)
        })?;
    Ok(respond(answer, &request))
}

async fn list_events(
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

async fn retrieve_event(
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

async fn unknown_route(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(req.headers(), &state)?;
    Err(ApiError::unknown_route(req.method().as_str(), req.path()))
}
