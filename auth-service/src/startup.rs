//! Assembles the service on the kit (`shared::service`): the database, the outbox relay and the purchase
//! consumer, with the token issuer, revocations, mailer and avatar store in its `AppState`. The start-up
//! work that needs MongoDB (indexes, the signing key, the configured admin) is retried in the background
//! until it succeeds; until then `/readyz` reports `mongodb` failing and every other route answers 503.

use shared::http::BoundServer;
use shared::service::ServiceKit;

use crate::config::Settings;
use crate::state::AppState;
use crate::{bootstrap, events, routes};

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

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let kit = kit(&settings).await?;
        let state = AppState::new(&kit, settings).await?;
        let (store, tokens) = (state.store.clone(), state.tokens.clone());
        let server = kit
            .startup(
                "indexes, signing key and admin",
                state.clone(),
                |s| async move { bootstrap::prepare(&s).await },
            )
            // Until then nothing can be signed and the unique indexes may be missing: 503, not half-working.
            .refuse_until_started()
            .after_startup(|stop| tokens.reload_until_stopped(stop))
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
