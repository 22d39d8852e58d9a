//! Integration tests for course-service: the real server on port 0 against the test MongoDB and Redis, with
//! a real auth-service in-process issuing the tokens and answering the user lookups.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking, loudly"
)]

mod authz;
mod catalogue;
mod course_item;
mod create;
mod events;
mod flow;
mod health;
mod helpers;
mod internal;
mod lectures;
mod media;
mod metrics;
mod openapi;
mod ratings;
mod reviews;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "s3")]
mod s3_redirect;
mod students;
