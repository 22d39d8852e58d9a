//! Builds the application through the shared skeleton: prepares the stores lazily (MongoDB and Redis may
//! still be down), starts the background tasks, and binds the HTTP server (port 0 in tests). The start-up
//! work that needs MongoDB (indexes, the signing key, the configured admin) is retried in the background
//! until it succeeds; until then `/readyz` reports `mongodb` failing and every other route answers 503.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use anyhow::Context;
use redis::aio::ConnectionManager;
use shared::error::{ApiError, ErrorCode};
use shared::events::{Consumer, Publisher};
use shared::http::{BoundServer, Listen};
use shared::internal_auth::ServiceToken;
use shared::jwks::{JwkSet, Verifier, VerifierConfig};
use shared::media::LocalDiskStore;
use tokio::sync::{Notify, watch};

use crate::config::Settings;
use crate::mail::Mailer;
use crate::revocations::Revocations;
use crate::state::AppState;
use crate::store::Store;
use crate::tokens::{KeyRing, TokenIssuer};
use crate::{bootstrap, events, passwords, routes};

const SERVICE_NAME: &str = "auth-service";

/// A built, bound, not yet running auth-service.
pub struct Application {
    server: BoundServer,
    state: AppState,
}

/// The service's database, connected lazily: a wrong URI fails here, an unreachable server only on use.
pub async fn store(settings: &Settings) -> anyhow::Result<Store> {
    let db = shared::stores::mongo_database(&settings.mongo.uri, &settings.mongo.db, SERVICE_NAME)
        .await
        .context("MONGO_URI is not a valid MongoDB URI")?;
    Ok(Store::new(db))
}

/// Everything a handler needs, without touching MongoDB or Redis yet.
pub async fn state(settings: Settings) -> anyhow::Result<(AppState, ConnectionManager)> {
    let settings = Arc::new(settings);
    let store = store(&settings).await?;
    let redis = shared::stores::redis_connection(&settings.service.redis_url)
        .context("REDIS_URL is not a valid Redis URL")?;
    let keys = KeyRing::empty();
    let verifier_config = VerifierConfig {
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
        leeway_secs: 5,
    };
    let tokens = TokenIssuer {
        verifier: Verifier::from_keys(JwkSet::default(), verifier_config),
        keys,
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
        ttl: settings.access_ttl,
        key_store: store.signing_keys.clone(),
        last_reload_ms: Arc::default(),
    };
    let media = LocalDiskStore::new(settings.media_dir.clone()).context("preparing MEDIA_DIR")?;
    let state = AppState {
        revocations: Revocations::new(
            redis.clone(),
            settings.service.redis_prefix.clone(),
            settings.access_ttl,
        ),
        mailer: Mailer::new(&settings.smtp)?,
        media: Arc::new(media),
        dummy_hash: passwords::dummy_hash(settings.bcrypt_cost).await?.into(),
        outbox_notify: Arc::new(Notify::new()),
        prepared: Arc::default(),
        store,
        tokens,
        settings,
    };
    Ok((state, redis))
}

/// The start-up work that needs MongoDB, once: indexes, the signing key (created when there is none) and
/// the configured admin. Idempotent; marks the state prepared when all of it is done.
pub async fn prepare(state: &AppState) -> anyhow::Result<()> {
    state.store.ensure_indexes().await?;
    let jwks = state
        .tokens
        .keys
        .load_or_create(&state.store.signing_keys)
        .await?;
    state.tokens.verifier.replace_keys(jwks);
    if let Some(admin) = &state.settings.admin {
        bootstrap::ensure_admin(state, admin).await?;
    }
    state.prepared.store(true, Ordering::Release);
    Ok(())
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (state, redis) = state(settings).await?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        spawn_background(&state, redis, shutdown_rx).await?;

        let s = &state.settings.service;
        let data = web::Data::new(state.clone());
        let token = web::Data::new(ServiceToken(s.internal_api_token.clone()));
        let listen = Listen {
            host: &s.host,
            port: s.port,
            json_limit_bytes: state.settings.json_limit_bytes,
            workers: None,
        };
        let server = BoundServer::bind_with_middleware(&listen, until_prepared, move |cfg| {
            cfg.app_data(data.clone())
                .app_data(token.clone())
                .configure(routes::configure);
        })
        .with_context(|| format!("binding {}:{}", s.host, s.port))?;
        let server = server.on_stop(move || {
            let _ = shutdown.send(true);
        });
        Ok(Self { server, state })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The shared state (tests use it to reach the store directly).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until the server stops (SIGINT/SIGTERM), then stops the background tasks.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.run_until_stopped().await
    }
}

/// Until the start-up work is done nothing can be signed and the unique indexes may be missing, so every
/// route but the probes answers 503 (retry shortly) instead of half-working.
async fn until_prepared(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let prepared = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.prepared.load(Ordering::Acquire));
    if prepared || matches!(req.path(), "/healthz" | "/readyz") {
        return next.call(req).await;
    }
    let refusal = ApiError::new(
        ErrorCode::ServiceUnavailable,
        "The service is starting, please retry shortly",
    );
    Ok(req.into_response(refusal.error_response()))
}

async fn spawn_background(
    state: &AppState,
    redis: ConnectionManager,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let prepared = state.clone();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let keys = prepared.clone();
        if shared::background::retry_until_done(
            "indexes, signing key and admin",
            stop.clone(),
            || prepare(&prepared),
        )
        .await
        {
            reload_keys(keys, stop).await;
        }
    });

    let s = &state.settings.service;
    let publisher = Publisher::new(redis, s.redis_prefix.clone());
    tokio::spawn(shared::outbox::run_relay(
        state.store.outbox.clone(),
        publisher,
        state.outbox_notify.clone(),
        shutdown.clone(),
    ));

    let consumer = Consumer::connect(&s.redis_url, events::consumer_config(&s.redis_prefix))
        .await
        .context("preparing the event consumer")?;
    tokio::spawn(events::run_enrolment_consumer(
        state.store.clone(),
        consumer,
        shutdown,
    ));
    Ok(())
}

/// Picks up keys rotated by the CLI or another replica, so this replica signs with the newest key and
/// serves the full key set.
async fn reload_keys(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            _ = shutdown.changed() => return,
        }
        match state.tokens.reload_keys().await {
            Ok(true) => tracing::info!("signing keys reloaded"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "reloading signing keys failed"),
        }
    }
}
