//! A local Stripe simulator: the Checkout Session, Refund and Event API payment-service calls, a hosted
//! checkout page per session, Coupons, and webhook events signed and delivered as Stripe does. Usable as a library
//! (`StripeSim::start`) by tests and as the `stripe-sim` binary by local stacks.

// The Stripe objects are written as one `json!` literal each, which needs more macro depth.
#![recursion_limit = "256"]

pub mod api;
pub mod app_state;
pub mod config;
pub mod control;
pub mod coupon;
pub mod delivery;
pub mod error;
pub mod form;
pub mod ids;
pub mod list;
pub mod page;
pub mod params;
pub mod payment;
pub mod rules;
pub mod session;
pub mod sim;
pub mod state;

pub use config::SimConfig;
pub use delivery::{Delivery, RetryPolicy};
pub use sim::StripeSim;
