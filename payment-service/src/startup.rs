//! Builds the HTTP server: prepares the stores, binds the listener (port 0 in tests) and mounts the routes.

use actix_web::web;
use anyhow::Context;
use shared::http::BoundServer;

use crate::config::Settings;
use crate::routes;
use crate::state::AppState;

/// Largest JSON body a handler accepts.
const JSON_LIMIT_BYTES: usize = 10 * 1024;
const SERVICE_NAME: &str = "payment-service";

/// Prepares the stores (lazily: neither server needs to be up yet) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let db = shared::stores::mongo_database(&settings.mongo.uri, &settings.mongo.db, SERVICE_NAME)
        .await
        .context("MONGO_URI is not a valid MongoDB connection string")?;
    let redis = shared::stores::redis_connection(&settings.service.redis_url)
        .context("REDIS_URL is not a valid Redis URL")?;
    let state = web::Data::new(AppState { db, redis });
    let s = &settings.service;
    BoundServer::bind(&s.host, s.port, state, JSON_LIMIT_BYTES, routes::configure)
        .with_context(|| format!("cannot bind {}:{}", s.host, s.port))
}
