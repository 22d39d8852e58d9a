//! `POST /payments/create-checkout-session`: a pending purchase and its Stripe Checkout Session (or the
//! open one the student already has), or an immediate enrolment for a free course.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use anyhow::Context;
use chrono::{Duration, Utc};
use serde::Deserialize;
use shared::openapi::responses::{JsonBodyRefused, NotLoggedIn};
use shared::principal::Principal;
use utoipa::ToSchema;

use super::access::{caller_id, parse_id};
use super::views::{
    CheckoutData, CheckoutResponse, CheckoutSession, EnrolledData, EnrolledResponse,
};
use crate::domain::{Observation, PurchaseStatus};
use crate::error::{PaymentError, PaymentResult};
use crate::events::emit_completed;
use crate::lifecycle::observe;
use crate::state::AppState;
use crate::store::{NewPurchase, Purchase};
use crate::stripe::NewSession;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/payments/create-checkout-session")
            .route(web::post().to(create_checkout_session)),
    );
}

/// An open session this close to its expiry is not handed out again: the student could not finish paying.
const MIN_REMAINING_MINUTES: i64 = 5;
/// Stripe wants `expires_at` at least 30 minutes after the create call; the purchase fixes it when it is
/// recorded (so a retried create sends identical parameters), this much later than the configured expiry.
const EXPIRY_MARGIN_SECS: i64 = 60;
const STRIPE_MIN_EXPIRY_SECS: i64 = 30 * 60;
const STRIPE_MAX_EXPIRY_SECS: i64 = 24 * 3600;
/// How often the open-purchase race is retried before giving up.
const ATTEMPTS: usize = 3;

const COURSE_NOT_FOUND: PaymentError = PaymentError::NotFound("Course not found");

/// `{ courseId }`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutBody {
    /// The course to buy (ObjectId hex).
    #[schema(pattern = r"^[ \t\n\r]*[0-9a-fA-F]{24}[ \t\n\r]*$")]
    pub course_id: String,
}

/// Starts buying a course.
#[utoipa::path(
    post,
    path = "/api/v1/payments/create-checkout-session",
    tag = "payments",
    request_body = CheckoutBody,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "A Checkout Session to redirect to (a new one, or the open one the caller already has)", body = CheckoutResponse, links(("GetPurchaseStatus" = (operation_id = "get_purchase_status", parameters(("courseId" = "$request.body#/courseId")))))),
        (status = 200, description = "A free course: enrolled at once", body = EnrolledResponse, links(("GetPurchaseStatus" = (operation_id = "get_purchase_status", parameters(("courseId" = "$request.body#/courseId")))))),
        (status = 400, description = "Malformed body or courseId, or the caller's own course", body = shared::error::ErrorBody),
        NotLoggedIn,
        (status = 403, description = "An account whose id is not an ObjectId (it cannot buy courses)", body = shared::error::ErrorBody),
        (status = 404, description = "Unknown or unpublished course", body = shared::error::ErrorBody),
        (status = 409, description = "Already purchased, or another checkout for the course is being started", body = shared::error::ErrorBody),
        JsonBodyRefused,
        (status = 502, description = "course-service or Stripe failed", body = shared::error::ErrorBody),
    ),
)]
pub async fn create_checkout_session(
    state: web::Data<AppState>,
    caller: Principal,
    body: web::Json<CheckoutBody>,
) -> PaymentResult<HttpResponse> {
    let course_oid = parse_id(&body.course_id, "courseId")?;
    let user = caller_id(&caller)?;
    let course = state
        .courses
        .course(&course_oid.to_hex())
        .await
        .map_err(PaymentError::Upstream)?
        .ok_or(COURSE_NOT_FOUND)?;
    if !course.is_published {
        return Err(COURSE_NOT_FOUND);
    }
    if course.instructor == caller.user_id {
        return Err(PaymentError::field(
            "courseId",
            "You cannot buy your own course",
        ));
    }
    let owned = state
        .store
        .purchases
        .find_for_user_course(user, course_oid)
        .await?;
    if owned.is_some_and(|p| p.status == PurchaseStatus::Completed) {
        return Err(PaymentError::Conflict(
            "You have already purchased this course",
        ));
    }
    let new = NewPurchase {
        user,
        course: course_oid,
        course_title: course.title.clone(),
        amount: course.price_cents,
        currency: state.settings.stripe.currency.clone(),
        session_expires_at: Utc::now() + session_lifetime(&state),
    };
    if course.price_cents == 0 {
        return enrol_free(&state, &new).await;
    }
    for _ in 0..ATTEMPTS {
        let purchase = match state.store.purchases.find_open(user, course_oid).await? {
            Some(open) if usable(&open) => open,
            Some(stale) => {
                // Its session is (nearly) over: close it so a new one can be opened.
                observe(
                    &state.store,
                    &state.outbox_notify,
                    stale,
                    &Observation::Expired,
                )
                .await?;
                continue;
            }
            None => match state.store.purchases.insert_pending(&new).await? {
                Some(p) => p,
                None => continue, // a concurrent request opened one first: use it
            },
        };
        let session = session_for(&state, &purchase).await?;
        return Ok(HttpResponse::Created().json(CheckoutResponse {
            success: true,
            message: "Stripe checkout initiated successfully.".to_owned(),
            data: CheckoutData { session },
        }));
    }
    Err(PaymentError::Conflict(
        "Another checkout for this course is being started; try again",
    ))
}

/// The session's lifetime: the configured expiry plus a margin for the time until the create call, within
/// Stripe's limits.
fn session_lifetime(state: &AppState) -> Duration {
    let configured = i64::try_from(state.settings.stripe.session_expiry.as_secs()).unwrap_or(0);
    Duration::seconds((configured + EXPIRY_MARGIN_SECS).clamp(
        STRIPE_MIN_EXPIRY_SECS,
        STRIPE_MAX_EXPIRY_SECS - EXPIRY_MARGIN_SECS,
    ))
}

/// Whether an open purchase can still be handed out: its session has time left for paying, or (no session
/// yet) Stripe would still accept its `expires_at` on a create.
fn usable(open: &Purchase) -> bool {
    let left = open.session_expires_at - Utc::now();
    if open.payment_id.is_some() {
        left > Duration::minutes(MIN_REMAINING_MINUTES)
    } else {
        left > Duration::seconds(STRIPE_MIN_EXPIRY_SECS + 10)
    }
}

/// The purchase's session: the recorded one, or a new one created with the purchase's idempotency key (so
/// a retry after a failure, or a concurrent request, gets the same session from Stripe).
async fn session_for(state: &AppState, p: &Purchase) -> PaymentResult<CheckoutSession> {
    let user_id = p.user_id.clone().unwrap_or_default();
    let metadata = HashMap::from([
        ("courseId".to_owned(), p.course_id.clone()),
        ("userId".to_owned(), user_id.clone()),
        ("purchaseId".to_owned(), p.id.clone()),
    ]);
    if let Some(id) = &p.payment_id {
        return Ok(CheckoutSession {
            id: id.clone(),
            url: p.session_url.clone(),
            payment_status: "unpaid".to_owned(),
            metadata,
        });
    }
    let stripe = &state.settings.stripe;
    let session = state
        .stripe
        .create_session(&NewSession {
            purchase_id: &p.id,
            user_id: &user_id,
            course_id: &p.course_id,
            course_title: &p.course_title,
            amount_cents: p.amount,
            currency: &p.currency,
            success_url: &stripe.success_url,
            cancel_url: &stripe.cancel_url,
            expires_at: p.session_expires_at.timestamp(),
        })
        .await
        .context("creating a Checkout Session")
        .map_err(PaymentError::Upstream)?;
    state
        .store
        .purchases
        .set_session(&p.id, &session.id, session.url.as_deref())
        .await?;
    tracing::info!(purchase.id = %p.id, course.id = %p.course_id, amount_cents = p.amount, "checkout started");
    Ok(CheckoutSession {
        id: session.id,
        url: session.url,
        payment_status: session.payment_status,
        metadata: if session.metadata.is_empty() {
            metadata
        } else {
            session.metadata
        },
    })
}

async fn enrol_free(state: &AppState, new: &NewPurchase) -> PaymentResult<HttpResponse> {
    let purchase = state
        .store
        .purchases
        .insert_free(new)
        .await?
        .ok_or(PaymentError::Conflict(
            "You have already purchased this course",
        ))?;
    emit_completed(&state.store, &state.outbox_notify, &purchase).await?;
    state.store.purchases.mark_published(&purchase.id).await?;
    tracing::info!(purchase.id = %purchase.id, course.id = %purchase.course_id, "enrolled in a free course");
    Ok(HttpResponse::Ok().json(EnrolledResponse {
        success: true,
        message: "Enrolled in the free course.".to_owned(),
        data: EnrolledData { enrolled: true },
    }))
}
