//! Integration tests for progress-service: the real server on port 0 beside a real auth-service and
//! course-service, against the test MongoDB (SecantusDB) and Redis.

mod access;
mod changes;
mod concurrency;
mod events;
mod failures;
mod health;
#[expect(
    clippy::expect_used,
    reason = "test set-up fails loudly; clippy only exempts #[test] functions"
)]
mod helpers;
mod openapi;
mod records;
mod reports;
