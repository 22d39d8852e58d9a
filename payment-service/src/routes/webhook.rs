//! `POST /payments/webhook`: Stripe's signed events. The raw body (at most `WEBHOOK_LIMIT_BYTES`) is
//! verified before anything is read from it; a bad signature or stale timestamp is a 400 and changes
//! nothing. Each event id is processed once; handled types move their purchase through `lifecycle`, other
//! types are acknowledged and ignored. A failure while applying answers 500 so Stripe delivers it again.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use shared::error::{ApiError, ErrorCode};

use super::views::WebhookAck;
use crate::domain::Observation;
use crate::error::{PaymentError, PaymentResult};
use crate::lifecycle::observe;
use crate::state::AppState;
use crate::store::Purchase;
use crate::stripe::{EventKind, WebhookEvent, parse_event, verify_signature};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/payments/webhook").route(web::post().to(stripe_webhook)));
}

/// Receives a Stripe event.
#[utoipa::path(
    post,
    path = "/api/v1/payments/webhook",
    tag = "payments",
    request_body(content = String, description = "The event exactly as Stripe sent it (at most 1 MB)", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix seconds>,v1=<HMAC-SHA256 hex>[,v1=...]")),
    responses(
        (status = 200, description = "Processed, a duplicate, or a type that is ignored", body = WebhookAck),
        (status = 400, description = "Missing or bad signature, stale timestamp, or not an event", body = shared::error::ErrorBody),
        (status = 401, description = "A bearer token or API key was sent and is bad, expired or revoked (the gateway judges every credential)", body = shared::error::ErrorBody),
        (status = 413, description = "Body over the limit", body = shared::error::ErrorBody),
        (status = 500, description = "Could not apply it now; Stripe retries", body = shared::error::ErrorBody),
    ),
)]
pub async fn stripe_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PaymentResult<HttpResponse> {
    let body = shared::http::read_body(payload, state.settings.webhook_limit_bytes).await?;
    let header = req
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            count("unknown", "refused");
            bad_request("Missing Stripe-Signature header")
        })?;
    verify_signature(
        &body,
        header,
        &state.settings.stripe.webhook_secrets,
        Utc::now().timestamp(),
    )
    .map_err(|e| {
        count("unknown", "refused");
        tracing::warn!(reason = %e, "refused a webhook delivery");
        bad_request("Invalid Stripe signature")
    })?;
    let event = parse_event(&body).map_err(|e| {
        count("unknown", "refused");
        tracing::warn!(error = %e, "a signed webhook body is not a readable Stripe event");
        bad_request("Invalid Stripe event")
    })?;
    if state.store.stripe_events.was_processed(&event.id).await? {
        count(event.type_label, "duplicate");
        tracing::debug!(stripe.event_id = %event.id, "duplicate delivery ignored");
        return Ok(ack());
    }
    let applied = apply(&state, &event).await;
    let kind_name = applied.inspect_err(|_| count(event.type_label, "error"))?;
    state
        .store
        .stripe_events
        .mark_processed(&event.id, &kind_name)
        .await?;
    let result = if matches!(event.kind, EventKind::Ignored(_)) {
        "ignored"
    } else {
        "processed"
    };
    count(event.type_label, result);
    Ok(ack())
}

/// Webhook outcomes for `/metrics`, by event type and result (`processed`, `duplicate`, `ignored`,
/// `refused`, `error`).
fn count(event_type: &'static str, result: &'static str) {
    metrics::counter!(WEBHOOK_EVENTS, "event_type" => event_type, "result" => result).increment(1);
}

/// Webhook deliveries by event type and result.
pub const WEBHOOK_EVENTS: &str = "payment_webhook_events_total";

fn ack() -> HttpResponse {
    HttpResponse::Ok().json(WebhookAck { received: true })
}

fn bad_request(message: &str) -> PaymentError {
    ApiError::new(ErrorCode::ValidationError, message).into()
}

/// Applies one event; returns a name for the processed-events record.
async fn apply(state: &AppState, event: &WebhookEvent) -> anyhow::Result<String> {
    let store = &state.store;
    match &event.kind {
        EventKind::Session {
            session,
            observation,
        } => {
            let purchase = match store.purchases.find_by_session(&session.id).await? {
                Some(p) => Some(p),
                None => by_metadata(state, session.metadata.get("purchaseId")).await?,
            };
            match purchase {
                Some(p) => observe(store, &state.outbox_notify, p, observation).await?,
                None => {
                    tracing::warn!(stripe.event_id = %event.id, stripe.session_id = %session.id, "event for a session we do not know; ignored")
                }
            }
            Ok("checkout.session".to_owned())
        }
        EventKind::ChargeRefunded(charge) => {
            let purchase = match &charge.payment_intent {
                Some(pi) => store.purchases.find_by_payment_intent(pi).await?,
                None => None,
            };
            let purchase = match purchase {
                Some(p) => Some(p),
                None => by_metadata(state, charge.purchase_id.as_ref()).await?,
            };
            match purchase {
                Some(p) => {
                    let observation = Observation::Refunded {
                        amount_refunded: charge.amount_refunded,
                        full: charge.refunded || charge.amount_refunded >= charge.amount,
                    };
                    observe(store, &state.outbox_notify, p, &observation).await?;
                }
                None => {
                    tracing::warn!(stripe.event_id = %event.id, stripe.charge_id = %charge.id, "refund of a charge we do not know; ignored")
                }
            }
            Ok("charge.refunded".to_owned())
        }
        EventKind::Ignored(kind) => {
            tracing::debug!(stripe.event_id = %event.id, stripe.event_type = %kind, "event type ignored");
            Ok(kind.clone())
        }
    }
}

async fn by_metadata(state: &AppState, id: Option<&String>) -> anyhow::Result<Option<Purchase>> {
    Ok(match id {
        Some(id) => state.store.purchases.find_by_id(id).await?,
        None => None,
    })
}
