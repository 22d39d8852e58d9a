//! Test controls under `/_sim`: drive sessions and deliveries over HTTP (an end-to-end suite, a browser).
//!
//! No key is asked for: the simulator is a local development tool and these routes move no real money.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::app_state::{AppState, DeliverJob};
use crate::delivery::Delivery;
use crate::session;
use crate::state::{Outcome, RequestInfo};

/// The failure reason `fail_next_refund` uses when none is given.
pub const DEFAULT_REFUND_FAILURE: &str = "expired_or_canceled_card";

/// Mounts `/_sim/...` and `/healthz` (what `./scripts/run` waits for).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health));
    cfg.service(
        web::scope("/_sim")
            .route("/events", web::get().to(list_all_events))
            .route("/events/{id}", web::get().to(show_event))
            .route("/events/{id}/deliver", web::post().to(deliver_event))
            .route("/sessions/{id}", web::get().to(show_session))
            .route("/sessions/{id}/{action}", web::post().to(act_on_session))
            .route(
                "/payment_intents/{id}/fail_next_refund",
                web::post().to(fail_next_refund),
            )
            .route("/delivery", web::post().to(set_delivery))
            .route("/webhook", web::post().to(set_webhook))
            .route("/stats", web::get().to(show_stats)),
    );
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

fn problem(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message.into() }))
}

fn event_json(e: &crate::state::StoredEvent) -> Value {
    json!({
        "id": e.id,
        "type": e.kind,
        "attempts": e.attempts,
        "event": serde_json::from_str::<Value>(&e.payload).unwrap_or(Value::Null),
    })
}

async fn list_all_events(state: web::Data<AppState>) -> HttpResponse {
    let events: Vec<Value> = state.store.events().iter().map(event_json).collect();
    HttpResponse::Ok().json(events)
}

async fn show_event(path: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match state.store.event(&path) {
        Some(e) => HttpResponse::Ok().json(event_json(&e)),
        None => problem(StatusCode::NOT_FOUND, format!("no event {path}")),
    }
}

#[derive(Deserialize)]
struct DeliverQuery {
    /// Sign with this Unix time instead of now (a late delivery).
    timestamp: Option<i64>,
}

async fn deliver_event(
    path: web::Path<String>,
    query: web::Query<DeliverQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if state.store.event(&path).is_none() {
        return problem(StatusCode::NOT_FOUND, format!("no event {path}"));
    }
    let (reply, answer) = oneshot::channel();
    let job = DeliverJob {
        event_id: path.into_inner(),
        timestamp: query.timestamp,
        reply,
    };
    if state.jobs.send(job).is_err() {
        return problem(StatusCode::SERVICE_UNAVAILABLE, "the simulator is stopping");
    }
    match answer.await {
        Ok(Ok(status)) => HttpResponse::Ok().json(json!({ "status": status })),
        Ok(Err(e)) => problem(StatusCode::BAD_GATEWAY, format!("{e:#}")),
        Err(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "the simulator is stopping"),
    }
}

async fn show_session(path: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    match state.store.session_raw(&path) {
        Some(s) => HttpResponse::Ok().json(session::public(&s)),
        None => problem(StatusCode::NOT_FOUND, format!("no session {path}")),
    }
}

#[derive(Deserialize)]
struct PayQuery {
    /// The address the customer would type on the page (see `page`).
    email: Option<String>,
}

async fn act_on_session(
    path: web::Path<(String, String)>,
    query: web::Query<PayQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let email = query.email.as_deref().filter(|e| !e.is_empty());
    if let Some(e) = email
        .map(|e| crate::rules::email("email", e))
        .and_then(Result::err)
    {
        return HttpResponse::build(e.status()).json(e.body());
    }
    let result = state.store.with(|tx| match action.as_str() {
        "pay" => Some(tx.complete_session(&id, Outcome::Paid, email)),
        "pay_async" => Some(tx.complete_session(&id, Outcome::AsyncSucceeded, email)),
        "fail_async" => Some(tx.complete_session(&id, Outcome::AsyncFailed, email)),
        "expire" => Some(tx.expire_session(&id, &RequestInfo::default())),
        _ => None,
    });
    match result {
        Some(Ok(session)) => HttpResponse::Ok().json(session),
        Some(Err(e)) => HttpResponse::build(e.status()).json(e.body()),
        None => problem(
            StatusCode::NOT_FOUND,
            "action must be pay, pay_async, fail_async or expire",
        ),
    }
}

#[derive(Deserialize)]
struct FailQuery {
    /// Stripe's `failure_reason`; default `expired_or_canceled_card`.
    failure_reason: Option<String>,
}

async fn fail_next_refund(
    path: web::Path<String>,
    query: web::Query<FailQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let reason = query
        .failure_reason
        .clone()
        .unwrap_or_else(|| DEFAULT_REFUND_FAILURE.to_owned());
    match state.store.with(|tx| tx.fail_next_refund(&path, &reason)) {
        Ok(()) => {
            HttpResponse::Ok().json(json!({ "payment_intent": *path, "failure_reason": reason }))
        }
        Err(e) => HttpResponse::build(e.status()).json(e.body()),
    }
}

#[derive(Deserialize)]
struct DeliveryQuery {
    mode: String,
}

async fn set_delivery(
    query: web::Query<DeliveryQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(mode) = Delivery::from_name(&query.mode) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "mode must be auto, manual or unordered",
        );
    };
    state.deliverer.set_mode(mode);
    HttpResponse::Ok().json(json!({ "mode": mode.name() }))
}

#[derive(Deserialize)]
struct WebhookQuery {
    url: Option<String>,
}

async fn set_webhook(query: web::Query<WebhookQuery>, state: web::Data<AppState>) -> HttpResponse {
    let url = query.url.clone().filter(|u| !u.is_empty());
    state.deliverer.set_url(url.clone());
    HttpResponse::Ok().json(json!({ "url": url }))
}

async fn show_stats(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sessionsCreated": state.store.sessions_created(),
        "events": state.store.events().len(),
        "delivery": state.deliverer.mode().name(),
    }))
}
