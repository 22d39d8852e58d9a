//! The harness tested on itself: the services it starts, its guards and its polling helper.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking, loudly"
)]

mod guards;
mod services;
