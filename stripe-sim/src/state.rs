//! The simulator's memory: sessions, payments, refunds, events and idempotent replays, behind one lock.
//!
//! Every transition happens under the lock, so an idempotent create and the events a transition emits are
//! atomic. New event ids go to the delivery worker through a channel; the lock is never held across await.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedSender;

use crate::error::ApiError;
use crate::ids::{new_id, now};
use crate::payment::{self, RefundParams};
use crate::session::{self, NewSession};

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
    payments: HashMap<String, Payment>,
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

/// The store while its lock is held: every transition lives here.
pub struct StoreTx<'a> {
    inner: &'a mut Inner,
    events_tx: &'a UnboundedSender<String>,
}

impl StoreTx<'_> {
    /// Creates an open session; `page_base` is the simulator's public origin with a trailing slash.
    pub fn create_session(&mut self, params: NewSession, page_base: &str) -> Value {
        let id = new_id("cs_test");
        let url = format!("{page_base}c/pay/{id}");
        let object = params.into_object(&id, &url, now());
        self.inner.sessions.insert(id, object.clone());
        self.inner.sessions_created += 1;
        session::public(&object)
    }

    /// The public session object.
    pub fn session(&self, id: &str) -> Result<Value, ApiError> {
        self.inner
            .sessions
            .get(id)
            .map(session::public)
            .ok_or_else(|| ApiError::no_such("checkout.session", id, None))
    }

    /// Expires an open session and emits `checkout.session.expired`.
    pub fn expire_session(&mut self, id: &str, request: &RequestInfo) -> Result<Value, ApiError> {
        let session = self.open_session(id, "expired")?;
        session["status"] = json!("expired");
        let public = session::public(session);
        self.emit("checkout.session.expired", public.clone(), request);
        Ok(public)
    }

    /// Completes an open session as the customer's payment would, emitting the events of `outcome`.
    pub fn complete_session(&mut self, id: &str, outcome: Outcome) -> Result<Value, ApiError> {
        let session = self.open_session(id, "completed")?;
        let pi = new_id("pi");
        session["status"] = json!("complete");
        session["payment_intent"] = json!(pi);
        session["customer_details"] = json!({
            "address": null, "email": session["customer_email"].clone(), "name": "Sim Customer",
            "phone": null, "tax_exempt": "none", "tax_ids": []
        });
        let amount = session["amount_total"].as_i64().unwrap_or(0);
        let currency = session["currency"].as_str().unwrap_or("usd").to_owned();
        let paid_at_once = outcome == Outcome::Paid;
        session["payment_status"] = json!(if paid_at_once { "paid" } else { "unpaid" });
        let completed = session::public(session);
        let request = RequestInfo::default();
        self.emit("checkout.session.completed", completed.clone(), &request);
        match outcome {
            Outcome::Paid => self.record_charge(&pi, amount, &currency),
            Outcome::AsyncSucceeded => {
                self.record_charge(&pi, amount, &currency);
                let later = self.set_session_field(id, "payment_status", json!("paid"));
                self.emit("checkout.session.async_payment_succeeded", later, &request);
            }
            Outcome::AsyncFailed => {
                let later = self.set_session_field(id, "payment_status", json!("unpaid"));
                self.emit("checkout.session.async_payment_failed", later, &request);
            }
        }
        self.session(id).or(Ok(completed))
    }

    /// Refunds (part of) the charge of a payment intent and emits `charge.refunded`.
    pub fn refund(
        &mut self,
        payment_intent: &str,
        amount: Option<i64>,
        reason: Option<String>,
        metadata: Map<String, Value>,
        request: &RequestInfo,
    ) -> Result<Value, ApiError> {
        let payment = self.inner.payments.get_mut(payment_intent).ok_or_else(|| {
            ApiError::no_such("payment_intent", payment_intent, Some("payment_intent"))
        })?;
        let charge = &mut payment.charge;
        let total = charge["amount"].as_i64().unwrap_or(0);
        let already = charge["amount_refunded"].as_i64().unwrap_or(0);
        let remaining = total - already;
        if remaining <= 0 {
            return Err(ApiError::coded(
                "charge_already_refunded",
                None,
                format!(
                    "Charge {} has already been refunded.",
                    charge["id"].as_str().unwrap_or_default()
                ),
            ));
        }
        let amount = amount.unwrap_or(remaining);
        if amount <= 0 {
            return Err(ApiError::invalid("amount", "Invalid positive integer"));
        }
        if amount > remaining {
            return Err(ApiError::coded(
                "amount_too_large",
                Some("amount"),
                format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})"
                ),
            ));
        }
        charge["amount_refunded"] = json!(already + amount);
        charge["refunded"] = json!(already + amount == total);
        let params = RefundParams {
            amount,
            reason,
            metadata,
        };
        let refund = payment::refund(&new_id("re"), charge, &params, now());
        let snapshot = charge.clone();
        self.emit("charge.refunded", snapshot, request);
        Ok(refund)
    }

    /// The stored answer for `GET /v1/events`: newest first, filtered and paginated as Stripe does.
    pub fn list_events(&self, filter: &EventFilter) -> Value {
        let mut matching = self.inner.events.iter().rev().filter(|e| filter.matches(e));
        if let Some(after) = &filter.starting_after {
            matching.by_ref().find(|e| &e.id == after);
        }
        let page: Vec<Value> = matching
            .by_ref()
            .take(filter.limit + 1)
            .filter_map(|e| serde_json::from_str(&e.payload).ok())
            .collect();
        let has_more = page.len() > filter.limit;
        let data: Vec<Value> = page.into_iter().take(filter.limit).collect();
        json!({ "object": "list", "data": data, "has_more": has_more, "url": "/v1/events" })
    }

    fn open_session(&mut self, id: &str, verb: &str) -> Result<&mut Value, ApiError> {
        let session = self
            .inner
            .sessions
            .get_mut(id)
            .ok_or_else(|| ApiError::no_such("checkout.session", id, None))?;
        if session["status"] != "open" {
            return Err(ApiError::state(format!(
                "Only Checkout Sessions with a status in [\"open\"] can be {verb}. This session has status `{}`.",
                session["status"].as_str().unwrap_or_default()
            )));
        }
        Ok(session)
    }

    fn set_session_field(&mut self, id: &str, field: &str, value: Value) -> Value {
        match self.inner.sessions.get_mut(id) {
            Some(session) => {
                session[field] = value;
                session::public(session)
            }
            None => Value::Null,
        }
    }

    fn record_charge(&mut self, pi: &str, amount: i64, currency: &str) {
        let charge = payment::charge(&new_id("ch"), pi, amount, currency, now());
        self.inner
            .payments
            .insert(pi.to_owned(), Payment { charge });
    }

    fn emit(&mut self, kind: &str, object: Value, request: &RequestInfo) {
        let id = new_id("evt");
        let req = request
            .id
            .as_deref()
            .map(|r| (r, request.idempotency_key.as_deref()));
        let value = payment::event(&id, kind, object, now(), req);
        let payload = value.to_string();
        self.inner
            .event_index
            .insert(id.clone(), self.inner.events.len());
        self.inner.events.push(StoredEvent {
            id: id.clone(),
            kind: kind.to_owned(),
            payload,
            attempts: Vec::new(),
        });
        // The worker may be gone when the simulator is stopping; the event stays listed.
        let _ = self.events_tx.send(id);
    }
}

/// `GET /v1/events` parameters.
#[derive(Debug, Clone)]
pub struct EventFilter {
    /// 1..=100, default 10.
    pub limit: usize,
    /// Cursor: the last id of the previous page.
    pub starting_after: Option<String>,
    /// `type` (may end in `*`) and `types[]`.
    pub types: Vec<String>,
    /// `created[gte]` / `created[gt]` / `created[lte]` / `created[lt]` folded into an inclusive range.
    pub created: (i64, i64),
}

impl EventFilter {
    fn matches(&self, e: &StoredEvent) -> bool {
        let type_ok = self.types.is_empty()
            || self.types.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => e.kind.starts_with(prefix),
                None => *t == e.kind,
            });
        let created = serde_json::from_str::<Value>(&e.payload)
            .ok()
            .and_then(|v| v["created"].as_i64())
            .unwrap_or(0);
        type_ok && (self.created.0..=self.created.1).contains(&created)
    }
}
