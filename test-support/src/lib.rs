//! What the services' integration tests share: the variables `scripts/test` exports and fresh per-test
//! names, drop guards for what a test creates (database, Redis keys, media directory), the one log set-up
//! and the one polling helper, a TCP proxy that takes a store away and brings it back, a client for a server on port 0, the health contract every service answers,
//! the `healthcheck` subcommand every binary has, a real OpenID provider (npm `oidc-provider`), and real auth- and course-services for the tests of the
//! crates that call them.
//!
//! A dev-dependency only: it may depend on the services it starts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support panics to fail the test loudly"
)]

mod certificates;
mod client;
mod env;
mod fixtures;
mod guards;
mod health;
mod healthcheck;
mod logs;
mod oidc;
mod poll;
mod proxy;
mod services;

pub use certificates::independent_verdict;
pub use client::{TestClient, browser, send_json};
pub use env::{base_vars, closed_port, email, required_env, run_id, with_overrides};
pub use fixtures::{course_fields, form, lecture_form, mp4, png, tampered};
pub use guards::{MediaDir, RedisPrefix, TestDatabase};
pub use health::{
    Check, MONGO, RECOVERY_TIMEOUT, REDIS, assert_allow, assert_health_contract, assert_live,
    assert_ready, assert_recovers_when_back, assert_unknown_route_404, assert_unready_when,
};
pub use healthcheck::{assert_healthcheck_command, port_of, run_healthcheck};
pub use logs::{DEFAULT_TEST_LOG, init_logs, logs};
pub use oidc::{OidcClient, OidcLogin, OidcProvider, provider_dir};
pub use poll::{POLL_INTERVAL, eventually};
pub use proxy::TcpProxy;
pub use services::{
    ADMIN_EMAIL, AuthService, CLIENT_URL, CourseService, Credentials, EVENT_TIMEOUT, PASSWORD,
    PublishedCourse, Services, User,
};
