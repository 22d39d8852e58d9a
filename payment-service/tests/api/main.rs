//! Integration tests for payment-service: the real server on port 0 beside real auth- and course-services,
//! against the test MongoDB and Redis (and the Stripe simulator where Stripe is called).

mod authz;
mod checkout;
mod events;
mod free;
mod health;
#[expect(
    clippy::expect_used,
    reason = "test set-up fails loudly; clippy only exempts #[test] functions"
)]
mod helpers;
mod openapi;
mod reconcile;
mod refunds;
mod storm;
#[expect(
    clippy::unwrap_used,
    reason = "test fixtures fail loudly; clippy only exempts #[test] functions"
)]
mod stripe_events;
mod webhook;
