//! Integration tests for the gateway: the real server on port 0 against the test Redis.

mod health;
#[expect(
    clippy::expect_used,
    reason = "test set-up fails loudly; clippy only exempts #[test] functions"
)]
mod helpers;
