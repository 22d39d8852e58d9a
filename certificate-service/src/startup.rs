//! Assembles the service on the kit (`shared::service`): the database with its indexes and the issuer
//! key (retried until MongoDB answers), the event consumer, a key reload every 30 s, and the service's own
//! clients (auth- and course-service) in its `AppState`. The kit binds the listener (port 0 in tests) and
//! stops every task with it.

use std::sync::Arc;
use std::time::Duration;

use shared::http::BoundServer;
use shared::service::ServiceKit;

use crate::config::Settings;
use crate::keys::IssuerKeys;
use crate::neighbours::Neighbours;
use crate::state::AppState;
use crate::store::Store;
use crate::{events, routes};

const SERVICE_NAME: &str = "certificate-service";

/// How often the issuer keys are re-read (a rotation elsewhere is picked up within this).
const KEY_RELOAD: Duration = Duration::from_secs(30);

/// Prepares everything lazily (neither MongoDB, Redis, auth- nor course-service needs to be up yet:
/// `/readyz` says what is missing) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let settings = Arc::new(settings.clone());
    let s = &settings.service;
    let kit = ServiceKit::connect_api(SERVICE_NAME, s, &settings.mongo, &settings.api).await?;
    let state = AppState {
        neighbours: Neighbours::new(
            &settings.auth_service,
            &settings.course_service,
            &s.internal_api_token,
        )?,
        settings: settings.clone(),
        store: Store::new(kit.db()),
        keys: IssuerKeys::default(),
    };
    let (consumer, reloader) = (state.clone(), state.clone());
    let server = kit
        .startup("indexes", state.clone(), |st| async move {
            st.store
                .ensure_indexes()
                .await
                .map_err(anyhow::Error::from)?;
            st.keys.load_or_create(&st.store.issuer_keys).await
        })
        .consumer(events::consumer_config, move |e| {
            events::handle(consumer.clone(), e)
        })
        .after_startup(move |mut stop| async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(KEY_RELOAD) => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = reloader.keys.reload(&reloader.store.issuer_keys).await {
                    tracing::warn!(error = %format!("{e:#}"), "reloading the issuer keys failed");
                }
            }
        })
        .data(state)
        .configure(routes::configure)
        .bind()
        .await?;
    Ok(server)
}
