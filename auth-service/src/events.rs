//! Events in: the consumer that keeps `enrolledCourses` in step with `purchase.completed` /
//! `purchase.refunded`. (`user.deleted` goes out through the shared outbox relay, `shared::outbox`.)

use shared::events::{
    ConsumerConfig, PURCHASE_COMPLETED, PURCHASE_REFUNDED, PurchaseCompleted, PurchaseRefunded,
    RawEvent,
};

use crate::store::Store;

/// Updates the buyer's `enrolledCourses` on a purchase event; idempotent, so redelivery is safe (the kit
/// runs the consumer until shutdown).
pub async fn handle(store: Store, event: RawEvent) -> anyhow::Result<()> {
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
