//! Events in and out: `emit` writes `purchase.completed` / `purchase.refunded` to the outbox (the shared
//! relay publishes them), and the consumer anonymises a deleted user's purchases on `user.deleted`.
//!
//! Event ids are derived from the purchase (`purchase.<id>.completed`), so an event emitted again for the
//! same change is a duplicate every consumer already drops.

use anyhow::Context;
use serde::Serialize;
use shared::events::{
    ConsumerConfig, EventEnvelope, PURCHASE_COMPLETED, PURCHASE_REFUNDED, PurchaseCompleted,
    PurchaseRefunded, RawEvent, USER_DELETED, UserDeleted,
};
use tokio::sync::Notify;

use crate::store::{Purchase, Store, is_duplicate_key, object_id};

/// The consumer group of payment-service.
pub const CONSUMER_GROUP: &str = "payment-service";

async fn emit<T: Serialize>(
    store: &Store,
    notify: &Notify,
    topic: &str,
    event_id: String,
    payload: T,
) -> anyhow::Result<()> {
    let mut envelope = EventEnvelope::new(topic, payload);
    envelope.id = event_id;
    let json = serde_json::to_string(&envelope).context("serializing an event")?;
    match store.outbox.insert(&envelope.id, topic, &json).await {
        // Already waiting in the outbox: emitted once is enough.
        Err(e) if !is_duplicate_key(&e) => {
            return Err(anyhow::Error::from(e).context("writing an event to the outbox"));
        }
        _ => {}
    }
    notify.notify_one();
    Ok(())
}

/// `purchase.completed`: course-service enrols the student, auth-service lists the course.
pub async fn emit_completed(store: &Store, notify: &Notify, p: &Purchase) -> anyhow::Result<()> {
    let Some(user_id) = &p.user_id else {
        return Ok(()); // the account is gone: nobody to enrol
    };
    let payload = PurchaseCompleted {
        purchase_id: p.id.clone(),
        user_id: user_id.clone(),
        course_id: p.course_id.clone(),
        amount_cents: p.amount,
        currency: p.currency.clone(),
    };
    let id = format!("purchase.{}.completed", p.id);
    emit(store, notify, PURCHASE_COMPLETED, id, payload).await
}

/// `purchase.refunded`: the enrolment ends.
pub async fn emit_refunded(store: &Store, notify: &Notify, p: &Purchase) -> anyhow::Result<()> {
    let Some(user_id) = &p.user_id else {
        return Ok(());
    };
    let payload = PurchaseRefunded {
        purchase_id: p.id.clone(),
        user_id: user_id.clone(),
        course_id: p.course_id.clone(),
    };
    let id = format!("purchase.{}.refunded", p.id);
    emit(store, notify, PURCHASE_REFUNDED, id, payload).await
}

/// The consumer-group settings of payment-service.
pub fn consumer_config(prefix: &str) -> ConsumerConfig {
    ConsumerConfig::new(prefix, CONSUMER_GROUP, vec![USER_DELETED.to_owned()])
}

/// Handles one event of the consumer group (the kit runs the consumer until shutdown).
pub async fn handle(store: Store, event: RawEvent) -> anyhow::Result<()> {
    if event.topic == USER_DELETED {
        let p: UserDeleted = event.payload()?;
        // Anonymising is idempotent, so a redelivered event needs no bookkeeping.
        if let Some(user) = object_id(&p.user_id) {
            let n = store.purchases.anonymise_user(user).await?;
            tracing::info!(user.id = %p.user_id, purchases = n, "anonymised a deleted user's purchases");
        }
    }
    Ok(())
}
