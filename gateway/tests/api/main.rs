//! Integration tests for the gateway: the real gateway and auth-service on port 0 against the test Redis
//! and MongoDB, with a small real HTTP upstream for the route groups of the other services.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken set-up"
)]

mod api_keys;
mod auth_flow;
mod catalogue;
mod cookies;
mod cors;
mod credentials;
mod errors;
mod health;
mod helpers;
mod hygiene;
mod key_lookups;
mod methods;
mod metrics;
mod proxying;
mod purchase;
mod rate_limit;
mod refresh;
mod revocation;
mod traces;
mod upstream;
