//! Builds the application: connects to MongoDB and Redis, prepares keys, mail and media, starts the
//! background tasks, and binds the HTTP server (port 0 in tests).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use redis::aio::ConnectionManager;
use shared::events::{Consumer, Publisher};
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
    port: u16,
    server: Server,
    shutdown: watch::Sender<bool>,
    state: AppState,
}

/// Connects to MongoDB with bounded waits, so a wrong URI fails start-up instead of hanging.
pub async fn connect_store(settings: &Settings) -> anyhow::Result<Store> {
    let mut options = mongodb::options::ClientOptions::parse(&settings.mongo_uri)
        .await
        .context("MONGO_URI is not a valid MongoDB URI")?;
    options.app_name = Some("auth-service".to_owned());
    options.server_selection_timeout = Some(Duration::from_secs(5));
    options.connect_timeout = Some(Duration::from_secs(5));
    let client = mongodb::Client::with_options(options).context("creating the MongoDB client")?;
    let store = Store::new(client.database(&settings.mongo_db));
    store.ping().await?;
    Ok(store)
}

/// Opens a managed Redis connection (it reconnects by itself).
pub async fn connect_redis(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(3)))
        .set_response_timeout(Some(Duration::from_secs(3)));
    ConnectionManager::new_with_config(client, config)
        .await
        .context("connecting to Redis")
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let store = connect_store(&settings).await?;
        store.ensure_indexes().await?;
        let redis = connect_redis(&settings.redis_url).await?;

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

        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let json_limit = settings.json_limit_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(shared::http::request_context))
                .app_data(data.clone())
                .configure(|cfg| shared::http::configure_defaults(cfg, json_limit))
                .configure(routes::configure)
                .default_service(web::to(shared::http::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            port,
            server,
            shutdown,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use it to reach the store directly).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until the server stops (SIGINT/SIGTERM), then stops the background tasks.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
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
    tokio::spawn(events::run_outbox_relay(
        state.store.clone(),
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

/// Picks up keys rotated by the CLI or another replica.
async fn reload_keys(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => return,
        }
        match state.tokens.keys.reload(&state.store.signing_keys).await {
            Ok(Some(jwks)) => {
                state.tokens.verifier.replace_keys(jwks);
                tracing::info!("signing keys reloaded");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "reloading signing keys failed"),
        }
    }
}
