//! Applies what Stripe says to a purchase: the pure transition (`domain`), the conditional update
//! (`store`), then the fulfilment event. The webhook and the reconciliation task share this one path,
//! so a sale recovered by reconciliation is fulfilled exactly like one announced by a webhook.

use tokio::sync::Notify;

use crate::domain::{Observation, PurchaseStatus, Transition, transition};
use crate::events;
use crate::store::{Purchase, Store, TransitionOutcome};

/// How often a transition is recomputed when a concurrent delivery moved the purchase first.
const ATTEMPTS: usize = 5;

/// Moves `purchase` as `observation` says, at most once, and emits the event the move implies.
pub async fn observe(
    store: &Store,
    notify: &Notify,
    mut purchase: Purchase,
    observation: &Observation,
) -> anyhow::Result<()> {
    for _ in 0..ATTEMPTS {
        let t = transition(purchase.status, purchase.refund_amount, observation);
        if t == Transition::None {
            return Ok(());
        }
        match store.purchases.apply(&purchase.id, &t).await? {
            TransitionOutcome::Applied(before) => return after(store, notify, &before, &t).await,
            TransitionOutcome::Duplicate => {
                let pi = match &t {
                    Transition::Complete { payment_intent, .. } => payment_intent.as_deref(),
                    _ => None,
                };
                tracing::error!(
                    purchase.id = %purchase.id,
                    course.id = %purchase.course_id,
                    "a second payment for a course the student already owns: refund it"
                );
                store
                    .purchases
                    .mark_duplicate_payment(&purchase.id, pi)
                    .await?;
                return Ok(());
            }
            TransitionOutcome::Raced => {
                // Someone else moved it first: recompute from what it is now.
                match store.purchases.find_by_id(&purchase.id).await? {
                    Some(now) => purchase = now,
                    None => return Ok(()),
                }
            }
        }
    }
    anyhow::bail!(
        "purchase {} kept changing under {ATTEMPTS} attempts",
        purchase.id
    )
}

/// The effects of an applied transition, from the purchase as it was just before.
async fn after(
    store: &Store,
    notify: &Notify,
    before: &Purchase,
    t: &Transition,
) -> anyhow::Result<()> {
    match t {
        Transition::Complete { .. } => {
            tracing::info!(purchase.id = %before.id, from = %before.status, "purchase completed");
            events::emit_completed(store, notify, before).await?;
            store.purchases.mark_published(&before.id).await?;
            Ok(())
        }
        Transition::Refund { change, .. } if change.full => {
            tracing::info!(purchase.id = %before.id, from = %before.status, "purchase refunded");
            // Only a purchase that enrolled the student has an enrolment to end.
            if before.status == PurchaseStatus::Completed {
                events::emit_refunded(store, notify, before).await?;
                store.purchases.mark_published(&before.id).await?;
            }
            Ok(())
        }
        other => {
            tracing::info!(purchase.id = %before.id, from = %before.status, transition = ?other, "purchase updated");
            Ok(())
        }
    }
}
