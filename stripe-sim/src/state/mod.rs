//! The simulator's memory: sessions, coupons, payments, refunds, events and idempotent replays, behind one lock.
//!
//! Every transition happens under the lock, so an idempotent create and the events a transition emits are
//! atomic. New event ids go to the delivery worker through a channel; the lock is never held across await.

mod filter;
mod transitions;

pub use filter::EventFilter;
pub use transitions::StoreTx;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use crate::error::ApiError;

/// One generated event: the exact bytes that are signed and sent, and the delivery attempts so far.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// `evt_…`.
    pub id: String,
    /// `checkout.session.completed`, ...
    pub kind: String,
    /// The JSON body, serialised once so every delivery sends the same bytes.
    pub payload: String,
    /// HTTP status of each attempt; `None` when the endpoint could not be reached.
    pub attempts: Vec<Option<u16>>,
}

/// How a completed payment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Card paid at once: `checkout.session.completed` with `payment_status: paid`.
    Paid,
    /// Delayed method: `completed` (unpaid), then `async_payment_succeeded`.
    AsyncSucceeded,
    /// Delayed method: `completed` (unpaid), then `async_payment_failed`.
    AsyncFailed,
}

struct Payment {
    charge: Value,
}

struct Replay {
    fingerprint: String,
    status: u16,
    body: Value,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Value>,
    /// Session ids in creation order (for the newest-first list).
    session_order: Vec<String>,
    coupons: HashMap<String, Value>,
    /// Coupon ids in creation order (for the newest-first list).
    coupon_order: Vec<String>,
    payments: HashMap<String, Payment>,
    /// Payment intent → failure reason of its next refund (`fail_next_refund`).
    failing_refunds: HashMap<String, String>,
    events: Vec<StoredEvent>,
    event_index: HashMap<String, usize>,
    replays: HashMap<String, Replay>,
    sessions_created: usize,
}

/// The request that caused a change, echoed in the event's `request` field.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// `req_…` of an API call; `None` for the dashboard-like actions (the page, test controls).
    pub id: Option<String>,
    /// The caller's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
}

/// Shared state of one simulator.
pub struct Store {
    inner: Mutex<Inner>,
    events_tx: UnboundedSender<String>,
}

/// An idempotent answer: a fresh result or the stored one (`Idempotent-Replayed: true`).
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
    /// Whether this is a replay of an earlier request with the same key.
    pub replayed: bool,
}

impl Store {
    /// An empty store that announces each new event id on `events_tx`.
    pub fn new(events_tx: UnboundedSender<String>) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            events_tx,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `op` once per idempotency key: a second request with the same key and parameters gets the stored
    /// answer, one with other parameters or on another endpoint gets Stripe's `idempotency_error`.
    /// Only successes are stored (a refused request can be corrected and retried with the same key).
    pub fn idempotent(
        &self,
        key: Option<&str>,
        fingerprint: String,
        op: impl FnOnce(&mut StoreTx<'_>) -> Result<Value, ApiError>,
    ) -> Result<Answer, ApiError> {
        let mut inner = self.lock();
        if let Some(key) = key
            && let Some(replay) = inner.replays.get(key)
        {
            if replay.fingerprint != fingerprint {
                return Err(ApiError::idempotency(format!(
                    "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                )));
            }
            return Ok(Answer {
                status: replay.status,
                body: replay.body.clone(),
                replayed: true,
            });
        }
        let mut tx = StoreTx {
            inner: &mut inner,
            events_tx: &self.events_tx,
        };
        let body = op(&mut tx)?;
        if let Some(key) = key {
            inner.replays.insert(
                key.to_owned(),
                Replay {
                    fingerprint,
                    status: 200,
                    body: body.clone(),
                },
            );
        }
        Ok(Answer {
            status: 200,
            body,
            replayed: false,
        })
    }

    /// Runs `op` under the lock (a transition without an idempotency key).
    pub fn with<T>(&self, op: impl FnOnce(&mut StoreTx<'_>) -> T) -> T {
        let mut inner = self.lock();
        let mut tx = StoreTx {
            inner: &mut inner,
            events_tx: &self.events_tx,
        };
        op(&mut tx)
    }

    /// Creates that made a new session.
    pub fn sessions_created(&self) -> usize {
        self.lock().sessions_created
    }

    /// A session as stored (including the simulator's `_sim_` fields).
    pub fn session_raw(&self, id: &str) -> Option<Value> {
        self.lock().sessions.get(id).cloned()
    }

    /// Every event in creation order.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.lock().events.clone()
    }

    /// One event.
    pub fn event(&self, id: &str) -> Option<StoredEvent> {
        let inner = self.lock();
        inner
            .event_index
            .get(id)
            .and_then(|&i| inner.events.get(i))
            .cloned()
    }

    /// Every event, newest first, each with its id (for `list::page`).
    pub fn events_newest_first(&self) -> Vec<(String, Value)> {
        self.lock()
            .events
            .iter()
            .rev()
            .filter_map(|e| Some((e.id.clone(), serde_json::from_str(&e.payload).ok()?)))
            .collect()
    }

    /// Records one delivery attempt of an event.
    pub fn record_attempt(&self, id: &str, status: Option<u16>) {
        let mut inner = self.lock();
        if let Some(&i) = inner.event_index.get(id) {
            inner.events[i].attempts.push(status);
        }
    }

    /// Ids of open sessions whose `expires_at` has passed.
    pub fn overdue_sessions(&self, now: i64) -> Vec<String> {
        self.lock()
            .sessions
            .values()
            .filter(|s| {
                s["status"] == "open" && s["expires_at"].as_i64().is_some_and(|at| at <= now)
            })
            .filter_map(|s| s["id"].as_str().map(str::to_owned))
            .collect()
    }
}
