//! Events in and out. Out: `course.completed`, written to the outbox by the one request that set a
//! record's `completedAt`, published by the shared relay (`shared::outbox`). In (group
//! `progress-service`, idempotent by event id): `user.deleted` removes the user's progress,
//! `purchase.completed` / `purchase.refunded` keep the local enrolment list (for `GET /progress` and
//! statistics) and set the cached enrolment check, `course.updated` / `lecture.deleted` clear the cached
//! lecture list, and `course.deleted` removes the course's progress.

use anyhow::Context;
use chrono::{DateTime, Utc};
use mongodb::bson::oid::ObjectId;
use shared::events::{
    COURSE_COMPLETED, COURSE_DELETED, COURSE_UPDATED, ConsumerConfig, CourseCompleted,
    CourseDeleted, CourseUpdated, EventEnvelope, LECTURE_DELETED, LectureDeleted,
    PURCHASE_COMPLETED, PURCHASE_REFUNDED, PurchaseCompleted, PurchaseRefunded, RawEvent,
    USER_DELETED, UserDeleted,
};
use tokio::sync::Notify;

use crate::courses::CourseDirectory;
use crate::store::{Store, object_id};

/// The consumer group of progress-service.
pub const CONSUMER_GROUP: &str = "progress-service";

/// Writes `course.completed` to the outbox and wakes the relay. Called only by the request whose
/// compare-and-set gave the record its `completedAt`, so the event exists once per user and course.
pub async fn emit_course_completed(
    store: &Store,
    notify: &Notify,
    user: ObjectId,
    course: ObjectId,
    completed_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let envelope = EventEnvelope::new(
        COURSE_COMPLETED,
        CourseCompleted {
            user_id: user.to_hex(),
            course_id: course.to_hex(),
            completed_at,
        },
    );
    let json = serde_json::to_string(&envelope).context("serializing an event")?;
    store
        .outbox
        .insert(&envelope.id, COURSE_COMPLETED, &json)
        .await
        .context("writing course.completed to the outbox")?;
    notify.notify_one();
    tracing::info!(user.id = %user, course.id = %course, "course completed");
    Ok(())
}

/// The consumer-group settings of progress-service.
pub fn consumer_config(prefix: &str) -> ConsumerConfig {
    ConsumerConfig::new(
        prefix,
        CONSUMER_GROUP,
        [
            USER_DELETED,
            PURCHASE_COMPLETED,
            PURCHASE_REFUNDED,
            COURSE_UPDATED,
            COURSE_DELETED,
            LECTURE_DELETED,
        ],
    )
}

/// Handles one event of the consumer group (the kit runs the consumer until shutdown).
pub async fn handle(store: Store, courses: CourseDirectory, event: RawEvent) -> anyhow::Result<()> {
    // Forgetting cached entries is harmless to repeat, so it runs even for a replayed event.
    match event.topic.as_str() {
        COURSE_UPDATED => {
            let p: CourseUpdated = event.payload()?;
            courses.forget_course(&p.course_id);
        }
        LECTURE_DELETED => {
            let p: LectureDeleted = event.payload()?;
            courses.forget_course(&p.course_id);
        }
        COURSE_DELETED => {
            let p: CourseDeleted = event.payload()?;
            courses.forget_course(&p.course_id);
            courses.forget_enrolments_of_course(&p.course_id);
        }
        USER_DELETED => {
            let p: UserDeleted = event.payload()?;
            courses.forget_user(&p.user_id);
        }
        _ => {}
    }
    // A replayed event (redelivery, or an old `purchase.completed` after its refund) changes no data.
    if store.processed.was_processed(event.event_id()).await? {
        return Ok(());
    }
    apply(&store, &courses, &event).await?;
    store.processed.mark_processed(event.event_id()).await?;
    Ok(())
}

/// The changes an event asks for, applied once per event id. A purchase event also sets the cached
/// enrolment check: a redelivered old event must not, hence here and not with the invalidations above.
async fn apply(store: &Store, courses: &CourseDirectory, event: &RawEvent) -> anyhow::Result<()> {
    match event.topic.as_str() {
        PURCHASE_COMPLETED => {
            let p: PurchaseCompleted = event.payload()?;
            courses.remember_enrolment(&p.course_id, &p.user_id, true);
            if let Some((user, course)) = ids(&p.user_id, &p.course_id) {
                store
                    .enrolments
                    .enrol(course, user, &p.purchase_id, event.occurred_at())
                    .await?;
            }
        }
        PURCHASE_REFUNDED => {
            let p: PurchaseRefunded = event.payload()?;
            courses.remember_enrolment(&p.course_id, &p.user_id, false);
            if let Some((user, course)) = ids(&p.user_id, &p.course_id) {
                store.enrolments.unenrol(course, user).await?;
            }
        }
        USER_DELETED => {
            let p: UserDeleted = event.payload()?;
            if let Some(user) = object_id(&p.user_id) {
                let removed = store.progress.delete_by_user(user).await?;
                store.enrolments.delete_for_user(user).await?;
                tracing::info!(user.id = %user, records = removed, "deleted the progress of a deleted user");
            }
        }
        COURSE_DELETED => {
            let p: CourseDeleted = event.payload()?;
            if let Some(course) = object_id(&p.course_id) {
                store.progress.delete_by_course(course).await?;
                store.enrolments.delete_for_course(course).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn ids(user: &str, course: &str) -> Option<(ObjectId, ObjectId)> {
    let parsed = (object_id(user), object_id(course));
    if parsed.0.is_none() || parsed.1.is_none() {
        tracing::warn!(user.id = %user, course.id = %course, "event with malformed ids ignored");
    }
    Some((parsed.0?, parsed.1?))
}
