//! Builds the HTTP server: prepares the Redis connection, binds the listener (port 0 in tests) and mounts
//! the routes.

use actix_web::web;
use anyhow::Context;
use redis::aio::ConnectionManager;
use shared::http::BoundServer;

use crate::config::Settings;
use crate::routes;

/// Largest JSON body the gateway accepts.
const JSON_LIMIT_BYTES: usize = 10 * 1024;

/// State every handler can reach, registered once as `web::Data`.
#[derive(Clone)]
pub struct AppState {
    /// Shared, reconnecting Redis connection (revocations, rate limits).
    pub redis: ConnectionManager,
}

/// Prepares a lazy Redis connection (Redis need not be up yet) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let s = &settings.service;
    let redis = shared::stores::redis_connection(&s.redis_url)
        .context("REDIS_URL is not a valid Redis URL")?;
    let state = web::Data::new(AppState { redis });
    BoundServer::bind(&s.host, s.port, state, JSON_LIMIT_BYTES, routes::configure)
        .with_context(|| format!("cannot bind {}:{}", s.host, s.port))
}
