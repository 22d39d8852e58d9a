//! Admin routes: `GET /payments/purchases` (filters `status`, `userId`, `courseId`) and
//! `POST /payments/purchases/{purchaseId}/refund` (through Stripe; the `charge.refunded` webhook that
//! follows marks the purchase and ends the enrolment).

use actix_web::{HttpResponse, web};
use anyhow::Context;
use serde::Deserialize;
use shared::openapi::responses::NotLoggedIn;
use shared::principal::Principal;
use shared::query::Page;
use utoipa::{IntoParams, ToSchema};

use super::access::{ensure_admin, parse_id};
use super::views::{PurchaseListResponse, PurchaseView, RefundData, RefundResponse};
use crate::domain::PurchaseStatus;
use crate::error::{PaymentError, PaymentResult};
use crate::state::AppState;
use crate::store::PurchaseFilter;
use crate::stripe::RefundRequest;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/payments/purchases").route(web::get().to(list_purchases)))
        .service(
            web::resource("/payments/purchases/{purchaseId}/refund")
                .route(web::post().to(refund_purchase)),
        );
}

/// Filters and paging of the admin listing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PurchaseQuery {
    /// `pending`, `completed`, `failed`, `expired` or `refunded`.
    #[param(pattern = "^(pending|completed|failed|expired|refunded)$")]
    pub status: Option<String>,
    /// The buyer (ObjectId hex).
    #[param(pattern = r"^[ \t\n\r]*[0-9a-fA-F]{24}[ \t\n\r]*$")]
    pub user_id: Option<String>,
    /// The course (ObjectId hex).
    #[param(pattern = r"^[ \t\n\r]*[0-9a-fA-F]{24}[ \t\n\r]*$")]
    pub course_id: Option<String>,
    /// Default 1.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Default 10.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// Every purchase, newest first (admin).
#[utoipa::path(
    get,
    path = "/api/v1/payments/purchases",
    tag = "payments",
    params(PurchaseQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of purchases, newest first, filtered as asked", body = PurchaseListResponse),
        (status = 400, description = "A malformed filter", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "Not an admin", body = shared::error::ErrorBody),
    ),
)]
pub async fn list_purchases(
    state: web::Data<AppState>,
    caller: Principal,
    query: web::Query<PurchaseQuery>,
) -> PaymentResult<HttpResponse> {
    ensure_admin(&caller)?;
    let q = query.into_inner();
    let page = Page::parse(q.page.as_deref(), q.limit.as_deref())?;
    let filter = PurchaseFilter {
        status: q
            .status
            .as_deref()
            .map(|s| s.parse::<PurchaseStatus>())
            .transpose()
            .map_err(|e| PaymentError::field("status", e))?,
        user: q
            .user_id
            .as_deref()
            .map(|u| parse_id(u, "userId"))
            .transpose()?,
        course: q
            .course_id
            .as_deref()
            .map(|c| parse_id(c, "courseId"))
            .transpose()?,
    };
    let (purchases, total) = state
        .store
        .purchases
        .list(&filter, page.skip(), page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(PurchaseListResponse {
        success: true,
        data: purchases.iter().map(PurchaseView::from).collect(),
        pagination: page.meta(total),
    }))
}

/// `{ reason?, amount? }`; `amount` in integer cents, default everything not yet refunded.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// Free text, at most 500 characters; `duplicate`, `fraudulent` and `requested_by_customer` are also
    /// passed to Stripe as its reason code.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// Integer cents, 1 to what remains refundable.
    #[schema(minimum = 1)]
    pub amount: Option<i64>,
}

const MAX_REASON_CHARS: usize = 500;

/// Refunds (part of) a purchase through Stripe (admin).
#[utoipa::path(
    post,
    path = "/api/v1/payments/purchases/{purchaseId}/refund",
    tag = "payments",
    params(("purchaseId" = String, Path, pattern = "^[0-9a-fA-F]{24}$", description = "ObjectId hex")),
    request_body(content = Option<RefundBody>, content_type = "application/json"),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Stripe accepted the refund; the purchase becomes `refunded` when its `charge.refunded` arrives", body = RefundResponse),
        (status = 400, description = "Malformed id or body, or an amount over what remains", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "Not an admin", body = shared::error::ErrorBody),
        (status = 404, description = "Unknown purchase", body = shared::error::ErrorBody),
        (status = 409, description = "Not a paid purchase, or nothing left to refund", body = shared::error::ErrorBody),
        (status = 413, description = "Body over the JSON limit", body = shared::error::ErrorBody),
        (status = 502, description = "Stripe refused or failed", body = shared::error::ErrorBody),
    ),
)]
pub async fn refund_purchase(
    state: web::Data<AppState>,
    caller: Principal,
    path: web::Path<String>,
    payload: web::Payload,
) -> PaymentResult<HttpResponse> {
    ensure_admin(&caller)?;
    let id = parse_id(&path, "purchaseId")?.to_hex();
    let raw = shared::http::read_body(payload, state.settings.api.json_limit_bytes).await?;
    let body: RefundBody = if raw.iter().all(u8::is_ascii_whitespace) {
        RefundBody::default()
    } else {
        serde_json::from_slice(&raw)
            .map_err(|e| PaymentError::field("body", format!("Invalid refund body: {e}")))?
    };
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(PaymentError::field(
            "reason",
            "reason must be at most 500 characters",
        ));
    }
    let purchase = state
        .store
        .purchases
        .find_by_id(&id)
        .await?
        .ok_or(PaymentError::NotFound("Purchase not found"))?;
    let paid = purchase.status == PurchaseStatus::Completed || purchase.duplicate_payment;
    let Some(payment_intent) = purchase.payment_intent_id.clone().filter(|_| paid) else {
        return Err(PaymentError::Conflict(
            "Only a paid purchase can be refunded",
        ));
    };
    let remaining = purchase.amount - purchase.refund_amount;
    if remaining <= 0 {
        return Err(PaymentError::Conflict("Nothing is left to refund"));
    }
    let amount = body.amount.unwrap_or(remaining);
    if amount < 1 || amount > remaining {
        return Err(PaymentError::field(
            "amount",
            format!("amount must be from 1 to {remaining} cents"),
        ));
    }
    // Derived from the purchase and what was refunded so far: a retried request never refunds twice.
    let idempotency_key = format!("refund:{}:{}:{amount}", purchase.id, purchase.refund_amount);
    let refund_id = state
        .stripe
        .create_refund(&RefundRequest {
            purchase_id: &purchase.id,
            payment_intent: &payment_intent,
            amount_cents: amount,
            reason,
            idempotency_key,
        })
        .await
        .context("creating a Stripe refund")
        .map_err(PaymentError::Upstream)?;
    state
        .store
        .purchases
        .note_refund_request(&purchase.id, &refund_id, reason)
        .await?;
    tracing::info!(purchase.id = %purchase.id, amount_cents = amount, "refund requested");
    let purchase = state
        .store
        .purchases
        .find_by_id(&id)
        .await?
        .ok_or(PaymentError::NotFound("Purchase not found"))?;
    Ok(HttpResponse::Ok().json(RefundResponse {
        success: true,
        message: "Refund requested; the purchase is marked refunded when Stripe confirms it."
            .to_owned(),
        data: RefundData {
            refund_id,
            amount,
            purchase: PurchaseView::from(&purchase),
        },
    }))
}
