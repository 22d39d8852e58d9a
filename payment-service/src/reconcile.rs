//! Reconciliation: a background task that re-fetches the Checkout Session of every purchase still pending
//! after `RECONCILE_AFTER_SECS` and applies what Stripe says through the same path as the webhook, so a
//! lost webhook never loses a sale. A session still open past its expiry (plus a grace period) is expired
//! at Stripe first, so it can no longer be paid, and its purchase marked expired; a purchase whose session
//! was never created (the create call failed) is marked expired. A completion or refund whose event never
//! reached the outbox (the process stopped between the two writes) gets it written.

use chrono::Utc;
use tokio::sync::watch;

use shared::events::{PURCHASE_COMPLETED, PURCHASE_REFUNDED};

use crate::domain::Observation;
use crate::lifecycle::observe;
use crate::state::AppState;
use crate::store::Purchase;
use crate::stripe::StripeCallError;

/// How long after its `expires_at` an open session is left to Stripe before we expire it ourselves.
const EXPIRY_GRACE_SECS: i64 = 300;
/// Purchases looked at per round.
const BATCH: i64 = 200;
/// A completion whose event is still unwritten after this long was interrupted (not just in progress).
const UNPUBLISHED_AFTER_SECS: i64 = 60;

/// What one round did (logged; tests read it).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub checked: usize,
    pub failed: usize,
}

/// Runs a round every `RECONCILE_INTERVAL_SECS` until shutdown.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let interval = state.settings.reconcile_interval;
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
        match round(&state).await {
            Ok(r) if r.checked > 0 => {
                tracing::info!(
                    checked = r.checked,
                    failed = r.failed,
                    "reconciliation round"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format_args!("{e:#}"), "reconciliation round failed"),
        }
    }
}

/// One pass over the stale pending purchases.
pub async fn round(state: &AppState) -> anyhow::Result<Round> {
    let after = chrono::Duration::from_std(state.settings.reconcile_after).unwrap_or_default();
    let stale = state
        .store
        .purchases
        .stale_pending(Utc::now() - after, BATCH)
        .await?;
    let mut r = Round::default();
    republish(state, &mut r).await?;
    for purchase in stale {
        r.checked += 1;
        let id = purchase.id.clone();
        if let Err(e) = reconcile(state, purchase).await {
            r.failed += 1;
            tracing::warn!(purchase.id = %id, error = %format_args!("{e:#}"), "reconciling a purchase failed");
        }
    }
    Ok(r)
}

/// Writes the `purchase.completed` / `purchase.refunded` of changes interrupted before their event reached
/// the outbox (event ids are derived from the purchase, so one that did get out is dropped by consumers).
async fn republish(state: &AppState, r: &mut Round) -> anyhow::Result<()> {
    let before = Utc::now() - chrono::Duration::seconds(UNPUBLISHED_AFTER_SECS);
    let store = &state.store;
    for purchase in store.purchases.unpublished_before(before, BATCH).await? {
        r.checked += 1;
        let topic = purchase.unpublished.clone().unwrap_or_default();
        tracing::warn!(purchase.id = %purchase.id, event.topic = %topic, "writing the event of an interrupted change");
        match topic.as_str() {
            PURCHASE_COMPLETED => {
                crate::events::emit_completed(store, &state.outbox_notify, &purchase).await?
            }
            PURCHASE_REFUNDED => {
                crate::events::emit_refunded(store, &state.outbox_notify, &purchase).await?
            }
            _ => {}
        }
        store.purchases.mark_published(&purchase.id).await?;
    }
    Ok(())
}

async fn reconcile(state: &AppState, purchase: Purchase) -> anyhow::Result<()> {
    let store = &state.store;
    let notify = &state.outbox_notify;
    let Some(session_id) = purchase.payment_id.clone() else {
        // The session was never recorded; with no session there is nothing anyone can pay.
        return store_expire(state, purchase).await;
    };
    let session = match state.stripe.retrieve_session(&session_id).await {
        Ok(s) => s,
        Err(StripeCallError::Refused { status: 404, .. }) => {
            return store_expire(state, purchase).await;
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(observation) = session.current_observation() {
        return observe(store, notify, purchase, &observation).await;
    }
    // Still open. Past its expiry (and a grace period) we close it at Stripe so nobody can pay it later.
    if session.expires_at + EXPIRY_GRACE_SECS < Utc::now().timestamp() {
        let session = state.stripe.expire_session(&session_id).await?;
        if let Some(observation) = session.current_observation() {
            return observe(store, notify, purchase, &observation).await;
        }
    }
    Ok(())
}

async fn store_expire(state: &AppState, purchase: Purchase) -> anyhow::Result<()> {
    // The same transition a `checkout.session.expired` event makes.
    observe(
        &state.store,
        &state.outbox_notify,
        purchase,
        &Observation::Expired,
    )
    .await
}
