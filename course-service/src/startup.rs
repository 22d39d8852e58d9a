//! Assembles the service on the kit (`shared::service`): the database with its indexes, the outbox relay
//! and the purchase/account consumer, with the media store and the auth-service directory in its
//! `AppState`. The kit binds the listener (port 0 in tests) and stops every task with it.

use std::sync::Arc;

use anyhow::Context;
use shared::http::BoundServer;
use shared::revocation::RevocationReader;
use shared::service::ServiceKit;

use crate::config::Settings;
use crate::state::AppState;
use crate::store::Store;
use crate::users::UserDirectory;
use crate::write_limit::WriteLimit;
use crate::{events, media, routes};

const SERVICE_NAME: &str = "course-service";

/// Prepares everything lazily (neither MongoDB, Redis nor auth-service needs to be up yet: `/readyz` says
/// what is missing) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let settings = Arc::new(settings.clone());
    let s = &settings.service;
    let kit = ServiceKit::connect_api(SERVICE_NAME, s, &settings.mongo, &settings.api).await?;
    let users = UserDirectory::new(
        &settings.auth_service,
        &s.internal_api_token,
        settings.user_cache_ttl,
    )
    .context("building the auth-service client")?;
    let state = AppState {
        settings: settings.clone(),
        store: Store::new(kit.db()),
        media: media::backend::open(&settings)?,
        users,
        outbox_notify: Arc::default(),
        redis: kit.redis(),
        write_limit: WriteLimit::new(kit.redis(), &s.redis_prefix, settings.review_writes),
    };
    let (store, notify) = (state.store.clone(), state.outbox_notify.clone());
    // Defence in depth behind the gateway: a revoked token is refused here too (docs/course.md).
    let revocations = RevocationReader::new(kit.redis(), s.redis_prefix.clone());
    let server = kit
        .startup("indexes", store.clone(), |s| async move {
            s.ensure_indexes().await
        })
        .outbox(store.outbox.clone(), notify.clone())
        .consumer(events::consumer_config, move |e| {
            events::handle(store.clone(), notify.clone(), e)
        })
        .data(revocations)
        .data(state)
        .configure(routes::configure)
        .bind()
        .await?;
    Ok(server)
}
