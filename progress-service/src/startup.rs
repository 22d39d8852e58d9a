//! Builds the HTTP server: prepares the stores, the token verifier and the course-service client, starts
//! the background tasks (index creation, outbox relay, event consumer), binds the listener (port 0 in
//! tests) and mounts the routes. The background tasks stop when the server does.

use std::sync::Arc;

use actix_web::web;
use anyhow::Context;
use shared::events::{Consumer, Publisher};
use shared::http::BoundServer;
use shared::jwks::{JwksOptions, Verifier, VerifierConfig};
use tokio::sync::{Notify, watch};

use crate::config::Settings;
use crate::courses::CourseDirectory;
use crate::state::AppState;
use crate::store::Store;
use crate::{events, routes};

const SERVICE_NAME: &str = "progress-service";

/// Prepares everything lazily (neither MongoDB, Redis, auth-service nor course-service needs to be up
/// yet: `/readyz` says what is missing) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let settings = Arc::new(settings.clone());
    let db = shared::stores::mongo_database(&settings.mongo.uri, &settings.mongo.db, SERVICE_NAME)
        .await
        .context("MONGO_URI is not a valid MongoDB connection string")?;
    let redis = shared::stores::redis_connection(&settings.service.redis_url)
        .context("REDIS_URL is not a valid Redis URL")?;
    let verifier = Verifier::from_jwks_url(
        settings.jwks_url.clone(),
        VerifierConfig {
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway_secs: 5,
        },
        JwksOptions::default(),
    )
    .await
    .context("building the JWKS client")?;
    let courses = CourseDirectory::new(
        &settings.course_service_url,
        &settings.service.internal_api_token,
        settings.course_cache_ttl,
        settings.enrolment_cache_ttl,
        settings.course_service_timeout,
    )
    .context("building the course-service client")?;
    let state = AppState {
        settings: settings.clone(),
        store: Store::new(db),
        courses,
        outbox_notify: Arc::new(Notify::new()),
        redis: redis.clone(),
    };

    let (shutdown, shutdown_rx) = watch::channel(false);
    spawn_background(&state, redis, shutdown_rx).await?;

    let s = &settings.service;
    let data = web::Data::new(state);
    let verifier = web::Data::new(verifier);
    let server = BoundServer::bind_with(&s.host, s.port, settings.json_limit_bytes, move |cfg| {
        cfg.app_data(data.clone())
            .app_data(verifier.clone())
            .configure(routes::configure);
    })
    .with_context(|| format!("cannot bind {}:{}", s.host, s.port))?;
    Ok(server.on_stop(move || {
        let _ = shutdown.send(true);
    }))
}

async fn spawn_background(
    state: &AppState,
    redis: redis::aio::ConnectionManager,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (store, stop) = (state.store.clone(), shutdown.clone());
    tokio::spawn(async move {
        shared::background::retry_until_done("indexes", stop, || store.ensure_indexes()).await
    });
    let prefix = &state.settings.service.redis_prefix;
    tokio::spawn(shared::outbox::run_relay(
        state.store.outbox.clone(),
        Publisher::new(redis, prefix.clone()),
        state.outbox_notify.clone(),
        shutdown.clone(),
    ));
    let consumer = Consumer::connect(
        &state.settings.service.redis_url,
        events::consumer_config(prefix),
    )
    .await
    .context("preparing the event consumer")?;
    tokio::spawn(events::run_consumer(
        state.store.clone(),
        state.courses.clone(),
        consumer,
        shutdown,
    ));
    Ok(())
}
