//! Events in and out: the outbox relay publishing `user.deleted`, and the consumer that keeps
//! `enrolledCourses` in step with `purchase.completed` / `purchase.refunded`.

use std::sync::Arc;
use std::time::Duration;

use shared::events::{
    Consumer, ConsumerConfig, PURCHASE_COMPLETED, PURCHASE_REFUNDED, Publisher, PurchaseCompleted,
    PurchaseRefunded, RawEvent,
};
use tokio::sync::{Notify, watch};

use crate::store::Store;

/// Publishes outbox entries until shutdown: on notification, and every second as a safety net.
pub async fn run_outbox_relay(
    store: Store,
    publisher: Publisher,
    notify: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match store.outbox.pending(100).await {
            Ok(entries) => {
                for entry in entries {
                    let envelope: serde_json::Value = match serde_json::from_str(&entry.envelope) {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::error!(event.id = %entry.id, error = %e, "dropping a malformed outbox entry");
                            let _ = store.outbox.delete(&entry.id).await;
                            continue;
                        }
                    };
                    match publisher.publish_value(&entry.topic, &envelope).await {
                        Ok(_) => {
                            if let Err(e) = store.outbox.delete(&entry.id).await {
                                tracing::warn!(event.id = %entry.id, error = %e, "published event stays in the outbox");
                            }
                        }
                        Err(e) => {
                            tracing::warn!(event.id = %entry.id, error = %e, "publishing an outbox event failed; will retry");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed; will retry"),
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Consumes purchase events and updates the buyer's `enrolledCourses`; idempotent, so redelivery is safe.
pub async fn run_enrolment_consumer(
    store: Store,
    consumer: Consumer,
    shutdown: watch::Receiver<bool>,
) {
    consumer
        .run(
            move |event: RawEvent| {
                let store = store.clone();
                async move { handle(&store, event).await }
            },
            shutdown,
        )
        .await;
}

async fn handle(store: &Store, event: RawEvent) -> anyhow::Result<()> {
    match event.topic.as_str() {
        PURCHASE_COMPLETED => {
            let p: PurchaseCompleted = event.payload()?;
            store
                .users
                .add_enrolment(&p.user_id, &p.course_id, event.occurred_at())
                .await?;
        }
        PURCHASE_REFUNDED => {
            let p: PurchaseRefunded = event.payload()?;
            store
                .users
                .remove_enrolment(&p.user_id, &p.course_id)
                .await?;
        }
        other => tracing::debug!(event.topic = %other, "ignoring an event"),
    }
    Ok(())
}

/// The consumer-group settings of auth-service.
pub fn consumer_config(prefix: &str) -> ConsumerConfig {
    ConsumerConfig::new(
        prefix,
        "auth-service",
        vec![PURCHASE_COMPLETED.to_owned(), PURCHASE_REFUNDED.to_owned()],
    )
}
