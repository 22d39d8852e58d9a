//! The end-to-end suite: the whole platform in-process (five services and the Stripe simulator, against
//! the test SecantusDB and Redis), driven only through the gateway. Each test is one user journey; they
//! run in parallel, each with its own databases and Redis prefix (two platforms, modest load on
//! SecantusDB).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken set-up"
)]

mod actor;
mod bearer;
mod browser;
mod bucket;
mod cookies;
mod failover;
mod faults;
mod helpers;
mod openapi;
mod sentinel;
mod steps;
