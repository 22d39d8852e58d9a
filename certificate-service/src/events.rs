//! Events in (group `certificate-service`, idempotent by event id): `course.completed` issues the
//! student's certificate for the course (generation 0, so even a replay past the id ledger issues nothing
//! new), `purchase.refunded` revokes it, `user.deleted` revokes every certificate of the account and
//! erases its name. The service publishes nothing.

use shared::events::{
    COURSE_COMPLETED, ConsumerConfig, CourseCompleted, PURCHASE_REFUNDED, PurchaseRefunded,
    RawEvent, USER_DELETED, UserDeleted,
};

use crate::domain::{ACCOUNT_DELETED, REFUNDED};
use crate::issuing::{Issued, issue};
use crate::state::AppState;
use crate::store::object_id;

/// The consumer group of certificate-service.
pub const CONSUMER_GROUP: &str = "certificate-service";

/// The consumer-group settings of certificate-service.
pub fn consumer_config(prefix: &str) -> ConsumerConfig {
    ConsumerConfig::new(
        prefix,
        CONSUMER_GROUP,
        [COURSE_COMPLETED, PURCHASE_REFUNDED, USER_DELETED],
    )
}

/// Handles one event of the consumer group (the kit runs the consumer until shutdown). An error leaves
/// the entry pending, so it is delivered again (auth- or course-service down at issuance, say).
pub async fn handle(state: AppState, event: RawEvent) -> anyhow::Result<()> {
    if state
        .store
        .processed
        .was_processed(event.event_id())
        .await?
    {
        return Ok(());
    }
    apply(&state, &event).await?;
    state
        .store
        .processed
        .mark_processed(event.event_id())
        .await?;
    Ok(())
}

async fn apply(state: &AppState, event: &RawEvent) -> anyhow::Result<()> {
    let certificates = &state.store.certificates;
    match event.topic.as_str() {
        COURSE_COMPLETED => {
            let p: CourseCompleted = event.payload()?;
            let (Some(user), Some(course)) = (object_id(&p.user_id), object_id(&p.course_id))
            else {
                return Ok(());
            };
            if let Issued::Gone = issue(state, user, course, 0, p.completed_at).await? {
                tracing::info!(user.id = %user, course.id = %course, "no certificate: the account or the course is gone");
            }
        }
        PURCHASE_REFUNDED => {
            let p: PurchaseRefunded = event.payload()?;
            if let (Some(user), Some(course)) = (object_id(&p.user_id), object_id(&p.course_id)) {
                let n = certificates
                    .revoke_for_course(user, course, REFUNDED)
                    .await?;
                if n > 0 {
                    tracing::info!(user.id = %user, course.id = %course, revoked = n, "a refund revoked certificates");
                }
            }
        }
        USER_DELETED => {
            let p: UserDeleted = event.payload()?;
            if let Some(user) = object_id(&p.user_id) {
                let n = certificates
                    .revoke_and_erase_user(user, ACCOUNT_DELETED)
                    .await?;
                tracing::info!(user.id = %user, revoked = n, "revoked a deleted account's certificates");
            }
        }
        _ => {}
    }
    Ok(())
}
