//! payment-service: purchases through Stripe Checkout, signed webhooks, refunds and reconciliation, in its
//! own database.

pub mod config;
pub mod courses;
pub mod domain;
pub mod error;
pub mod events;
pub mod lifecycle;
pub mod reconcile;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod stripe;
