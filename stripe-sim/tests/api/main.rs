//! stripe-sim's integration tests: the real simulator over HTTP, driven by async-stripe (the client
//! payment-service uses) and by a real webhook receiver.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking, loudly"
)]

mod auth;
mod delivery;
mod events;
mod helpers;
mod page;
mod refunds;
mod sdk;
mod sessions;
