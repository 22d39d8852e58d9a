//! Everything that speaks Stripe: the API client (Checkout Sessions and Refunds through async-stripe), the
//! webhook signature check, and the lenient reading of webhook events into domain observations.

mod client;
mod event;
mod signature;

pub use client::{NewSession, RefundRequest, SessionFacts, StripeApi, StripeCallError};
pub use event::{ChargeFacts, EventKind, WebhookEvent, parse_event};
pub use signature::{SignatureError, TOLERANCE_SECS, sign, verify_signature};
