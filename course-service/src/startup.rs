//! Builds the HTTP server: prepares the stores, the token verifier and the media store, starts the
//! background tasks (index creation, outbox relay, event consumer), binds the listener (port 0 in tests)
//! and mounts the routes. The background tasks stop when the server does.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use actix_web::web;
use anyhow::Context;
use shared::events::{Consumer, Publisher};
use shared::http::BoundServer;
use shared::internal_auth::ServiceToken;
use shared::jwks::{JwksOptions, Verifier, VerifierConfig};
use shared::media::{LocalDiskStore, MediaStore};
use tokio::sync::{Notify, watch};

use crate::config::{MediaBackend, Settings};
use crate::state::AppState;
use crate::store::Store;
use crate::users::UserDirectory;
use crate::{events, routes};

const SERVICE_NAME: &str = "course-service";

/// Prepares everything lazily (neither MongoDB, Redis nor auth-service needs to be up yet: `/readyz` says
/// what is missing) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let settings = Arc::new(settings.clone());
    let db = shared::stores::mongo_database(&settings.mongo.uri, &settings.mongo.db, SERVICE_NAME)
        .await
        .context("MONGO_URI is not a valid MongoDB connection string")?;
    let store = Store::new(db);
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
    let media = media_store(&settings)?;
    let users = UserDirectory::new(
        &settings.auth_service_url,
        &settings.service.internal_api_token,
        settings.user_cache_ttl,
        settings.auth_service_timeout,
    )
    .context("building the auth-service client")?;
    let state = AppState {
        settings: settings.clone(),
        store,
        media,
        users,
        outbox_notify: Arc::new(Notify::new()),
        redis: redis.clone(),
        indexed: Arc::default(),
    };

    let (shutdown, shutdown_rx) = watch::channel(false);
    spawn_background(&state, redis.clone(), shutdown_rx).await?;

    let s = &settings.service;
    let data = web::Data::new(state);
    let verifier = web::Data::new(verifier);
    let revocations = web::Data::new(shared::revocation::RevocationReader::new(
        redis.clone(),
        s.redis_prefix.clone(),
    ));
    let token = web::Data::new(ServiceToken(s.internal_api_token.clone()));
    let server = BoundServer::bind_with(&s.host, s.port, settings.json_limit_bytes, move |cfg| {
        cfg.app_data(data.clone())
            .app_data(verifier.clone())
            .app_data(revocations.clone())
            .app_data(token.clone())
            .configure(routes::configure);
    })
    .with_context(|| format!("cannot bind {}:{}", s.host, s.port))?;
    Ok(server.on_stop(move || {
        let _ = shutdown.send(true);
    }))
}

/// The backend `MEDIA_BACKEND` names. Uploads stream to `MEDIA_DIR/.tmp` with either, so it is created too.
fn media_store(settings: &Settings) -> anyhow::Result<Arc<dyn MediaStore>> {
    let local = LocalDiskStore::new(settings.media_dir.clone()).context("preparing MEDIA_DIR")?;
    match &settings.media_backend {
        MediaBackend::Local => Ok(Arc::new(local)),
        #[cfg(feature = "s3")]
        MediaBackend::S3(s3) => {
            let config = shared::media::s3::S3Config {
                bucket: s3.bucket.clone(),
                endpoint: s3.endpoint.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.clone(),
            };
            let store = shared::media::s3::S3Store::new(&config)
                .context("building the S3 client (S3_* variables)")?;
            Ok(Arc::new(store))
        }
        // Settings refuse `s3` in a build without the feature; this arm only keeps the match total.
        #[cfg(not(feature = "s3"))]
        MediaBackend::S3(_) => {
            anyhow::bail!("MEDIA_BACKEND=s3 needs course-service built with the cargo feature `s3`")
        }
    }
}

async fn spawn_background(
    state: &AppState,
    redis: redis::aio::ConnectionManager,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let store = state.store.clone();
    let indexed = state.indexed.clone();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let done =
            shared::background::retry_until_done("indexes", stop, || store.ensure_indexes()).await;
        indexed.store(done, Ordering::Release);
    });
    let prefix = &state.settings.service.redis_prefix;
    let publisher = Publisher::new(redis, prefix.clone());
    tokio::spawn(shared::outbox::run_relay(
        state.store.outbox.clone(),
        publisher,
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
        state.outbox_notify.clone(),
        consumer,
        shutdown,
    ));
    Ok(())
}
