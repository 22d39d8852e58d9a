//! auth-service integration tests: the real service on port 0, real MongoDB (SecantusDB), Redis and SMTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking, loudly"
)]

mod account;
mod admin;
mod api_keys;
mod events;
mod health;
mod helpers;
mod internal;
mod logout;
mod openapi;
mod password;
mod profile;
mod refresh;
mod sessions;
mod signin;
mod signup;
mod sso;
mod tokens;
