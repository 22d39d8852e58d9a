//! payment-service: purchases through Stripe Checkout, refunds and processed Stripe events, in its own database.

pub mod config;
pub mod routes;
pub mod startup;
pub mod state;
