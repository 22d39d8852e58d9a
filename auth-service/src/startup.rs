//! Builds the application: connects to MongoDB and Redis, prepares keys, mail and media, starts the
//! background tasks, and binds the HTTP server (port 0 in tests).

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use redis::aio::ConnectionManager;
use shared::events::{Consumer, Publisher};
use shared::http::BoundServer;
use shared::jwks::{Verifier, VerifierConfig};
use shared::media::LocalDiskStore;
use tokio::sync::{Notify, watch};

use crate::config::Settings;
use crate::mail::Mailer;
use crate::revocations::Revocations;
use crate::state::AppState;
use crate::store::Store;
use crate::tokens::{KeyRing, TokenIssuer};
use crate::{bootstrap, events, passwords, routes};

/// A built, bound, not yet running auth-service.
pub struct Application {
    server: BoundServer,
    shutdown: watch::Sender<bool>,
    state: AppState,
}

/// Connects to the service's database and checks it answers, so a wrong URI fails start-up.
pub async fn connect_store(settings: &Settings) -> anyhow::Result<Store> {
    let db =
        shared::stores::mongo_database(&settings.mongo_uri, &settings.mongo_db, "auth-service")
            .await
            .context("MONGO_URI is not a valid MongoDB URI")?;
    let store = Store::new(db);
    store.ping().await?;
    Ok(store)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let store = connect_store(&settings).await?;
        store.ensure_indexes().await?;
        let redis = shared::stores::redis_connection(&settings.redis_url)
            .context("REDIS_URL is not a valid Redis URL")?;

        let keys = KeyRing::load_or_create(&store.signing_keys).await?;
        let verifier_config = VerifierConfig {
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway_secs: 5,
        };
        let verifier = Verifier::from_keys(keys.jwks()?, verifier_config);
        let tokens = TokenIssuer {
            keys,
            verifier,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl: settings.access_ttl,
            key_store: store.signing_keys.clone(),
            last_reload_ms: Arc::default(),
        };
        let media =
            LocalDiskStore::new(settings.media_dir.clone()).context("preparing MEDIA_DIR")?;
        let state = AppState {
            revocations: Revocations::new(
                redis.clone(),
                settings.redis_prefix.clone(),
                settings.access_ttl,
            ),
            mailer: Mailer::new(&settings.smtp)?,
            media: Arc::new(media),
            dummy_hash: passwords::dummy_hash(settings.bcrypt_cost).await?.into(),
            outbox_notify: Arc::new(Notify::new()),
            store,
            tokens,
            settings: settings.clone(),
        };
        if let Some(admin) = &settings.admin {
            bootstrap::ensure_admin(&state, admin).await?;
        }

        let (shutdown, shutdown_rx) = watch::channel(false);
        spawn_background(&state, redis, shutdown_rx).await?;

        let data = web::Data::new(state.clone());
        let (host, port) = (settings.host.as_str(), settings.port);
        let server = BoundServer::bind(
            host,
            port,
            data,
            settings.json_limit_bytes,
            routes::configure,
        )
        .with_context(|| format!("binding {host}:{port}"))?;
        Ok(Self {
            server,
            shutdown,
            state,
        })
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
        let result = self.server.run_until_stopped().await;
        let _ = self.shutdown.send(true);
        result
    }
}

async fn spawn_background(
    state: &AppState,
    redis: ConnectionManager,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let s = &state.settings;
    let publisher = Publisher::new(redis, s.redis_prefix.clone());
    tokio::spawn(shared::outbox::run_relay(
        state.store.outbox.clone(),
        publisher,
        state.outbox_notify.clone(),
        shutdown.clone(),
    ));

    let consumer =
        Consumer::connect(&s.redis_url, events::consumer_config(&s.redis_prefix)).await?;
    tokio::spawn(events::run_enrolment_consumer(
        state.store.clone(),
        consumer,
        shutdown.clone(),
    ));

    tokio::spawn(reload_keys(state.clone(), shutdown));
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
