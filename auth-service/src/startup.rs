//! Assembles the service on the kit (`shared::service`): the database, the outbox relay and the purchase
//! consumer, with the token issuer, revocations, mailer and avatar store in its `AppState`. The start-up
//! work that needs MongoDB (indexes, the signing key, the configured admin) is retried in the background
//! until it succeeds; until then `/readyz` reports `mongodb` failing and every other route answers 503.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use shared::http::BoundServer;
use shared::jwks::{JwkSet, Verifier, VerifierConfig};
use shared::media::LocalDiskStore;
use shared::service::ServiceKit;
use tokio::sync::watch;

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

/// The kit with the service's database and Redis, both lazy: a wrong URL fails here, an unreachable
/// server only on use.
pub async fn kit(settings: &Settings) -> anyhow::Result<ServiceKit> {
    let s = &settings.service;
    Ok(ServiceKit::connect(SERVICE_NAME, s, &settings.mongo, settings.json_limit_bytes).await?)
}

/// Everything a handler needs, without touching MongoDB or Redis yet.
pub async fn state(kit: &ServiceKit, settings: Settings) -> anyhow::Result<AppState> {
    let settings = Arc::new(settings);
    let store = Store::new(kit.db());
    let verifier_config = VerifierConfig {
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
        leeway_secs: 5,
    };
    let tokens = TokenIssuer {
        verifier: Verifier::from_keys(JwkSet::default(), verifier_config),
        keys: KeyRing::empty(),
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
        ttl: settings.access_ttl,
        key_store: store.signing_keys.clone(),
        last_reload_ms: Arc::default(),
    };
    let media = LocalDiskStore::new(settings.media_dir.clone()).context("preparing MEDIA_DIR")?;
    let prefix = settings.service.redis_prefix.clone();
    Ok(AppState {
        revocations: Revocations::new(kit.redis(), prefix, settings.access_ttl),
        mailer: Mailer::new(&settings.smtp)?,
        media: Arc::new(media),
        dummy_hash: passwords::dummy_hash(settings.bcrypt_cost).await?.into(),
        outbox_notify: Arc::default(),
        prepared: kit.startup_done(),
        store,
        tokens,
        settings,
    })
}

/// The start-up work that needs MongoDB, once: indexes, the signing key (created when there is none) and
/// the configured admin. Idempotent; the kit marks the state prepared when it is done.
pub async fn prepare(state: &AppState) -> anyhow::Result<()> {
    state.store.ensure_indexes().await?;
    let keys = &state.tokens.keys;
    let jwks = keys.load_or_create(&state.store.signing_keys).await?;
    state.tokens.verifier.replace_keys(jwks);
    if let Some(admin) = &state.settings.admin {
        bootstrap::ensure_admin(state, admin).await?;
    }
    Ok(())
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let kit = kit(&settings).await?;
        let state = state(&kit, settings).await?;
        let (store, reloader) = (state.store.clone(), state.clone());
        let server = kit
            .startup(
                "indexes, signing key and admin",
                state.clone(),
                |s| async move { prepare(&s).await },
            )
            // Until then nothing can be signed and the unique indexes may be missing: 503, not half-working.
            .refuse_until_started()
            .after_startup(|stop| reload_keys(reloader, stop))
            .outbox(store.outbox.clone(), state.outbox_notify.clone())
            .consumer(events::consumer_config, move |e| {
                events::handle(store.clone(), e)
            })
            .data(state.clone())
            .configure(routes::configure)
            .bind()
            .await?;
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
