//! Assembles the service on the kit (`shared::service`): the database with its indexes, the outbox relay,
//! the `user.deleted` consumer and the reconciliation task, and the service's own clients (course-service,
//! Stripe) in its `AppState`. The kit binds the listener (port 0 in tests) and stops every task with it.

use std::sync::Arc;

use anyhow::Context;
use shared::http::BoundServer;
use shared::service::ServiceKit;

use crate::config::Settings;
use crate::courses::CourseClient;
use crate::state::AppState;
use crate::store::Store;
use crate::stripe::StripeApi;
use crate::{events, reconcile, routes};

const SERVICE_NAME: &str = "payment-service";

/// Prepares everything lazily (neither MongoDB, Redis, auth-service, course-service nor Stripe needs to be
/// up yet: `/readyz` says what is missing) and binds `HOST:PORT`.
pub async fn build(settings: &Settings) -> anyhow::Result<BoundServer> {
    let settings = Arc::new(settings.clone());
    let s = &settings.service;
    let kit = ServiceKit::connect_api(SERVICE_NAME, s, &settings.mongo, &settings.api).await?;
    let courses = CourseClient::new(&settings.course_service, &s.internal_api_token)?;
    let stripe = StripeApi::new(
        &settings.stripe.secret_key,
        settings.stripe.api_base.as_deref(),
        settings.stripe.timeout,
    )
    .context("building the Stripe client (STRIPE_* variables)")?;
    let state = AppState {
        settings: settings.clone(),
        store: Store::new(kit.db()),
        courses,
        stripe,
        outbox_notify: Arc::default(),
        redis: kit.redis(),
    };
    let (store, reconciler) = (state.store.clone(), state.clone());
    let server = kit
        .startup("indexes", store.clone(), |s| async move {
            s.ensure_indexes().await
        })
        .outbox(store.outbox.clone(), state.outbox_notify.clone())
        .consumer(events::consumer_config, move |e| {
            events::handle(store.clone(), e)
        })
        .task(|stop| reconcile::run(reconciler, stop))
        .data(state)
        .configure(routes::configure)
        .bind()
        .await?;
    Ok(server)
}
