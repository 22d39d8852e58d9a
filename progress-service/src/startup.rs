//! Assembles the service on the kit (`shared::service`): the database with its indexes, the outbox relay
//! and the event consumer, with the course-service directory (briefly cached lectures and enrolment checks)
//! in its `AppState`. The kit binds the listener (port 0 in tests) and stops every task with it.

use std::sync::Arc;

use anyhow::Context;
use shared::http::BoundServer;
use shared::service::ServiceKit;

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
    let s = &settings.service;
    let kit = ServiceKit::connect_api(SERVICE_NAME, s, &settings.mongo, &settings.api).await?;
    let courses = CourseDirectory::new(
        &settings.course_service,
        &s.internal_api_token,
        settings.course_cache_ttl,
        settings.enrolment_cache_ttl,
    )
    .context("building the course-service client")?;
    let state = AppState {
        settings: settings.clone(),
        store: Store::new(kit.db()),
        courses: courses.clone(),
        outbox_notify: Arc::default(),
        redis: kit.redis(),
    };
    let store = state.store.clone();
    let server = kit
        .startup("indexes", store.clone(), |s| async move {
            s.ensure_indexes().await
        })
        .outbox(store.outbox.clone(), state.outbox_notify.clone())
        .consumer(events::consumer_config, move |e| {
            events::handle(store.clone(), courses.clone(), e)
        })
        .data(state)
        .configure(routes::configure)
        .bind()
        .await?;
    Ok(server)
}
