//! Events in and out: `emit` writes `course.updated` / `course.deleted` / `lecture.deleted` to the outbox,
//! the shared relay (`shared::outbox`) publishes them, and the consumer keeps enrolments in step with `purchase.completed`,
//! `purchase.refunded` and `user.deleted` (idempotent by event id, so redelivery is safe), with the
//! reviews that depend on them (a refunded student's review stops counting; a deleted user's go).

use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use shared::events::{
    COURSE_UPDATED, ConsumerConfig, CourseUpdated, EventEnvelope, PURCHASE_COMPLETED,
    PURCHASE_REFUNDED, PurchaseCompleted, PurchaseRefunded, RawEvent, USER_DELETED, UserDeleted,
};
use tokio::sync::Notify;

use crate::reviews;
use crate::store::{Course, Store, object_id};

/// The consumer group of course-service.
pub const CONSUMER_GROUP: &str = "course-service";

/// Writes an event to the outbox and wakes the relay. Called right after the change it describes; a
/// crash between the two loses the event (no transactions), which the docs record.
pub async fn emit<T: Serialize>(
    store: &Store,
    notify: &Notify,
    topic: &str,
    payload: T,
) -> anyhow::Result<()> {
    let envelope = EventEnvelope::new(topic, payload);
    let json = serde_json::to_string(&envelope).context("serializing an event")?;
    store
        .outbox
        .insert(&envelope.id, topic, &json)
        .await
        .context("writing an event to the outbox")?;
    notify.notify_one();
    Ok(())
}

/// `course.updated` for a course as it is now.
pub async fn emit_course_updated(
    store: &Store,
    notify: &Notify,
    course: &Course,
) -> anyhow::Result<()> {
    let payload = CourseUpdated {
        course_id: course.id.clone(),
        lecture_ids: course.lecture_ids.clone(),
        is_published: course.is_published,
    };
    emit(store, notify, COURSE_UPDATED, payload).await
}

/// The consumer-group settings of course-service.
pub fn consumer_config(prefix: &str) -> ConsumerConfig {
    ConsumerConfig::new(
        prefix,
        CONSUMER_GROUP,
        vec![
            PURCHASE_COMPLETED.to_owned(),
            PURCHASE_REFUNDED.to_owned(),
            USER_DELETED.to_owned(),
        ],
    )
}

/// Handles one purchase or account event (the kit runs the consumer until shutdown).
pub async fn handle(store: Store, notify: Arc<Notify>, event: RawEvent) -> anyhow::Result<()> {
    let (store, notify) = (&store, &*notify);
    // A replayed event (redelivery, or an old `purchase.completed` after its refund) changes nothing.
    if store.processed.was_processed(event.event_id()).await? {
        return Ok(());
    }
    match event.topic.as_str() {
        PURCHASE_COMPLETED => {
            let p: PurchaseCompleted = event.payload()?;
            let (Some(course), Some(user)) = (object_id(&p.course_id), object_id(&p.user_id))
            else {
                tracing::warn!(course.id = %p.course_id, user.id = %p.user_id, "purchase with malformed ids ignored");
                return mark(store, &event).await;
            };
            if store.courses.find_by_id(course).await?.is_none() {
                tracing::warn!(course.id = %p.course_id, "purchase of an unknown course ignored");
                return mark(store, &event).await;
            }
            if store
                .enrolments
                .enrol(course, user, &p.purchase_id, event.occurred_at())
                .await?
            {
                store.courses.add_enrolled(course, 1).await?;
                // Bought again after a refund: the review is a verified purchase again.
                reviews::purchase_changed(store, course, user, false).await?;
            }
        }
        PURCHASE_REFUNDED => {
            let p: PurchaseRefunded = event.payload()?;
            if let (Some(course), Some(user)) = (object_id(&p.course_id), object_id(&p.user_id)) {
                if store.enrolments.unenrol(course, user).await? {
                    store.courses.add_enrolled(course, -1).await?;
                }
                // No longer a verified purchase: out of the public list and the rating.
                reviews::purchase_changed(store, course, user, true).await?;
            }
        }
        USER_DELETED => {
            let p: UserDeleted = event.payload()?;
            if let Some(user) = object_id(&p.user_id) {
                reviews::user_deleted(store, user).await?;
                for (course, _) in store.enrolments.courses_of(user).await? {
                    if store.enrolments.unenrol(course, user).await? {
                        store.courses.add_enrolled(course, -1).await?;
                    }
                }
                // An instructor's courses stay (students bought them) but leave the catalogue.
                for course in store.courses.unpublish_by_instructor(user).await? {
                    emit_course_updated(store, notify, &course).await?;
                }
            }
        }
        other => tracing::debug!(event.topic = %other, "ignoring an event"),
    }
    mark(store, &event).await
}

async fn mark(store: &Store, event: &RawEvent) -> anyhow::Result<()> {
    store.processed.mark_processed(event.event_id()).await?;
    Ok(())
}
