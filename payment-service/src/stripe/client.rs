//! The Stripe API calls payment-service makes, through async-stripe: create, retrieve and expire Checkout
//! Sessions, and create Refunds, each with a timeout and, where a retry could duplicate money movement, an
//! idempotency key derived from our own ids. `STRIPE_API_BASE` points the client at a simulator.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use ::stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, ExpireCheckoutSession, ProductData,
    RetrieveCheckoutSession,
};
use stripe_checkout::{CheckoutSession, CheckoutSessionMode};
use stripe_core::refund::{CreateRefund, CreateRefundReason};

use crate::domain::Observation;

/// A Stripe call failed: Stripe answered with an error (status and Stripe's error code), or it could not be
/// reached / answered something unreadable.
#[derive(Debug, thiserror::Error)]
pub enum StripeCallError {
    #[error("Stripe refused the request ({status}): {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("Stripe could not be reached or answered unreadably: {0}")]
    Unavailable(String),
}

impl From<StripeError> for StripeCallError {
    fn from(e: StripeError) -> Self {
        match e {
            StripeError::Stripe(errors, status) => Self::Refused {
                status,
                message: format!(
                    "{} (param {})",
                    errors.message.as_deref().unwrap_or("no message"),
                    errors.param.as_deref().unwrap_or("none")
                ),
                code: errors
                    .code
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_else(|| errors.type_.as_str().to_owned()),
            },
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// What we keep of a Checkout Session, from the API or from a webhook event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionFacts {
    pub id: String,
    pub url: Option<String>,
    /// `open`, `complete` or `expired`.
    pub status: String,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    pub payment_intent: Option<String>,
    pub metadata: HashMap<String, String>,
    /// Unix seconds.
    pub expires_at: i64,
    pub amount_total: Option<i64>,
}

impl SessionFacts {
    /// What a completed session means: paid now, or a delayed method still under way.
    pub fn observation(&self) -> Observation {
        match self.payment_status.as_str() {
            "paid" | "no_payment_required" => Observation::Paid {
                payment_intent: self.payment_intent.clone(),
            },
            _ => Observation::AwaitingPayment {
                payment_intent: self.payment_intent.clone(),
            },
        }
    }

    /// What the session's current state means (reconciliation); `None` while it is still open.
    pub fn current_observation(&self) -> Option<Observation> {
        match self.status.as_str() {
            "complete" => Some(self.observation()),
            "expired" => Some(Observation::Expired),
            _ => None,
        }
    }

    fn from_session(s: CheckoutSession) -> Self {
        Self {
            id: s.id.as_str().to_owned(),
            url: s.url,
            status: s
                .status
                .map(|st| st.as_str().to_owned())
                .unwrap_or_default(),
            payment_status: s.payment_status.as_str().to_owned(),
            payment_intent: s.payment_intent.map(|pi| pi.id().as_str().to_owned()),
            metadata: s.metadata.unwrap_or_default(),
            expires_at: s.expires_at,
            amount_total: s.amount_total,
        }
    }
}

/// The Checkout Session for one purchase.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub purchase_id: &'a str,
    pub user_id: &'a str,
    pub course_id: &'a str,
    pub course_title: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// Unix seconds; fixed when the purchase is recorded so a retried create sends identical parameters.
    pub expires_at: i64,
}

/// A refund of (part of) a purchase's payment.
#[derive(Debug, Clone)]
pub struct RefundRequest<'a> {
    pub purchase_id: &'a str,
    pub payment_intent: &'a str,
    pub amount_cents: i64,
    pub reason: Option<&'a str>,
    pub idempotency_key: String,
}

/// The Stripe client; cheap to clone.
#[derive(Clone)]
pub struct StripeApi {
    client: ::stripe::Client,
}

impl StripeApi {
    /// A client for `secret_key`, aimed at `api_base` (a bare origin) when given, with a per-call timeout.
    pub fn new(
        secret_key: &str,
        api_base: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, StripeCallError> {
        let mut builder = ::stripe::ClientBuilder::new(secret_key)
            .timeout(timeout)
            .app_info(
                "lms-payment-service",
                Some(env!("CARGO_PKG_VERSION").to_owned()),
                None,
            );
        if let Some(base) = api_base {
            // async-stripe appends `v1/...` to the base, which must therefore end with a slash.
            builder = builder.url(format!("{}/", base.trim_end_matches('/')));
        }
        let client = builder
            .build()
            .map_err(|e| StripeCallError::Unavailable(e.to_string()))?;
        Ok(Self { client })
    }

    /// Creates the session; the idempotency key is derived from the purchase, so a retried request (or a
    /// concurrent one for the same purchase) gets the same session back instead of a second one.
    pub async fn create_session(
        &self,
        s: &NewSession<'_>,
    ) -> Result<SessionFacts, StripeCallError> {
        let metadata = HashMap::from([
            ("purchaseId".to_owned(), s.purchase_id.to_owned()),
            ("courseId".to_owned(), s.course_id.to_owned()),
            ("userId".to_owned(), s.user_id.to_owned()),
        ]);
        let mut price = CreateCheckoutSessionLineItemsPriceData::new(
            stripe_types::Currency::from_str(s.currency).unwrap_or_default(),
        );
        price.product_data = Some(ProductData::new(s.course_title));
        price.unit_amount = Some(s.amount_cents);
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price_data = Some(price);
        item.quantity = Some(1);
        let mut intent = CreateCheckoutSessionPaymentIntentData::new();
        intent.metadata = Some(metadata.clone());
        let key = idempotency_key(&format!("checkout-session:{}", s.purchase_id))?;
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(vec![item])
            .success_url(s.success_url)
            .cancel_url(s.cancel_url)
            .client_reference_id(s.purchase_id)
            .metadata(metadata)
            .payment_intent_data(intent)
            .expires_at(s.expires_at)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await?;
        Ok(SessionFacts::from_session(session))
    }

    /// The session as Stripe has it now.
    pub async fn retrieve_session(&self, id: &str) -> Result<SessionFacts, StripeCallError> {
        let session = RetrieveCheckoutSession::new(id).send(&self.client).await?;
        Ok(SessionFacts::from_session(session))
    }

    /// Expires an open session so it can no longer be paid.
    pub async fn expire_session(&self, id: &str) -> Result<SessionFacts, StripeCallError> {
        let session = ExpireCheckoutSession::new(id).send(&self.client).await?;
        Ok(SessionFacts::from_session(session))
    }

    /// Creates a refund; returns its id.
    pub async fn create_refund(&self, r: &RefundRequest<'_>) -> Result<String, StripeCallError> {
        let mut request = CreateRefund::new()
            .payment_intent(r.payment_intent)
            .amount(r.amount_cents)
            .metadata(HashMap::from([(
                "purchaseId".to_owned(),
                r.purchase_id.to_owned(),
            )]));
        if let Some(reason) = r.reason.and_then(stripe_reason) {
            request = request.reason(reason);
        }
        let refund = request
            .customize()
            .request_strategy(RequestStrategy::Idempotent(idempotency_key(
                &r.idempotency_key,
            )?))
            .send(&self.client)
            .await?;
        Ok(refund.id.as_str().to_owned())
    }
}

fn idempotency_key(key: &str) -> Result<IdempotencyKey, StripeCallError> {
    IdempotencyKey::new(key).map_err(|e| StripeCallError::Unavailable(e.to_string()))
}

/// Stripe's own reason codes, when the admin's text is one of them.
fn stripe_reason(reason: &str) -> Option<CreateRefundReason> {
    match reason.trim() {
        "duplicate" => Some(CreateRefundReason::Duplicate),
        "fraudulent" => Some(CreateRefundReason::Fraudulent),
        "requested_by_customer" => Some(CreateRefundReason::RequestedByCustomer),
        _ => None,
    }
}
