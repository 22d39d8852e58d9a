//! The response bodies of the public routes, typed, so the OpenAPI document describes exactly what the
//! handlers send.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::internal::CourseSummary;
use shared::query::Pagination;
use utoipa::ToSchema;

use crate::store::Purchase;

/// The Checkout Session a client redirects to (`url`). (Not auth-service's `RefreshSession`.)
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckoutSession {
    /// `cs_...`
    pub id: String,
    /// The hosted payment page; null once the session is no longer open.
    #[schema(required = true)]
    pub url: Option<String>,
    /// `unpaid` until the payment goes through.
    #[schema(example = "unpaid")]
    pub payment_status: String,
    /// `courseId`, `userId`, `purchaseId`.
    pub metadata: HashMap<String, String>,
}

/// `data` of a started checkout.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckoutData {
    pub session: CheckoutSession,
}

/// 201 of `create-checkout-session`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckoutResponse {
    pub success: bool,
    #[schema(example = "Stripe checkout initiated successfully.")]
    pub message: String,
    pub data: CheckoutData,
}

/// `data` of a free course's enrolment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrolledData {
    pub enrolled: bool,
}

/// 200 of `create-checkout-session` for a free course.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrolledResponse {
    pub success: bool,
    pub message: String,
    pub data: EnrolledData,
}

/// The course summary embedded in purchase responses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseBrief {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    /// USD; null when course-service could not be asked.
    #[schema(required = true)]
    pub price: Option<f64>,
    /// URL of the thumbnail; null when course-service could not be asked.
    #[schema(required = true)]
    pub thumbnail: Option<String>,
}

impl CourseBrief {
    pub fn from_summary(c: &CourseSummary) -> Self {
        Self {
            id: c.id.clone(),
            title: c.title.clone(),
            price: Some(c.price),
            thumbnail: Some(c.thumbnail.clone()),
        }
    }

    /// What the purchase itself remembers, when course-service is unreachable or the course is gone.
    pub fn from_purchase(p: &Purchase) -> Self {
        Self {
            id: p.course_id.clone(),
            title: p.course_title.clone(),
            price: None,
            thumbnail: None,
        }
    }
}

/// `data` of `purchase-status`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseStatusData {
    pub course: CourseBrief,
    pub is_purchased: bool,
    /// Whether the course already grants the caller access (course-service has the enrolment). It
    /// follows `isPurchased` as an event, usually within a few hundred milliseconds: a client that wants
    /// to open the course right after paying polls this route until `accessReady` is true.
    pub access_ready: bool,
    /// The status of the caller's latest purchase of the course; null when there is none.
    #[schema(example = "completed", required = true)]
    pub status: Option<String>,
}

/// 200 of `purchase-status`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PurchaseStatusResponse {
    pub success: bool,
    pub data: PurchaseStatusData,
}

/// A purchase. Amounts are integer cents.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseView {
    #[serde(rename = "_id")]
    pub id: String,
    /// The buyer's user id; null once their account was deleted.
    #[schema(required = true)]
    pub user: Option<String>,
    pub course: String,
    pub course_title: String,
    /// Integer cents.
    #[schema(example = 4999)]
    pub amount: i64,
    #[schema(example = "usd")]
    pub currency: String,
    /// `pending`, `completed`, `failed`, `expired` or `refunded`.
    pub status: String,
    /// `stripe` or `free`.
    pub payment_method: String,
    /// The Checkout Session id.
    #[schema(required = true)]
    pub payment_id: Option<String>,
    #[schema(required = true)]
    pub payment_intent_id: Option<String>,
    #[schema(required = true)]
    pub refund_id: Option<String>,
    /// Integer cents refunded so far.
    pub refund_amount: i64,
    #[schema(required = true)]
    pub refund_reason: Option<String>,
    /// A second payment for a course the buyer already owned (to be refunded).
    pub duplicate_payment: bool,
    #[schema(required = true)]
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Purchase> for PurchaseView {
    fn from(p: &Purchase) -> Self {
        Self {
            id: p.id.clone(),
            user: p.user_id.clone(),
            course: p.course_id.clone(),
            course_title: p.course_title.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            status: p.status.as_str().to_owned(),
            payment_method: p.payment_method.clone(),
            payment_id: p.payment_id.clone(),
            payment_intent_id: p.payment_intent_id.clone(),
            refund_id: p.refund_id.clone(),
            refund_amount: p.refund_amount,
            refund_reason: p.refund_reason.clone(),
            duplicate_payment: p.duplicate_payment,
            completed_at: p.completed_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of purchases (admin).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PurchaseListResponse {
    pub success: bool,
    pub data: Vec<PurchaseView>,
    pub pagination: Pagination,
}

/// One course the caller bought.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PurchasedCourse {
    /// The purchase id.
    #[serde(rename = "_id")]
    pub id: String,
    pub course: CourseBrief,
    /// Integer cents.
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub purchased_at: DateTime<Utc>,
}

/// A page of the caller's purchased courses.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PurchasedCoursesResponse {
    pub success: bool,
    pub data: Vec<PurchasedCourse>,
    pub pagination: Pagination,
}

/// `data` of an admin refund.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundData {
    /// Stripe's refund id (`re_...`).
    pub refund_id: String,
    /// Integer cents asked back.
    pub amount: i64,
    /// The purchase as it is now (still `completed` until Stripe's `charge.refunded` arrives).
    pub purchase: PurchaseView,
}

/// 200 of an admin refund.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RefundResponse {
    pub success: bool,
    pub message: String,
    pub data: RefundData,
}

/// 200 of the webhook.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookAck {
    pub received: bool,
}
