//! Every change of state: creating, paying, expiring sessions, refunding, and the events they emit.

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::{EventFilter, Inner, Outcome, Payment, RequestInfo, StoredEvent};
use crate::error::ApiError;
use crate::ids::{new_id, now};
use crate::payment::{self, RefundParams};
use crate::session::{self, NewSession};

/// The store while its lock is held: every transition lives here.
pub struct StoreTx<'a> {
    pub(super) inner: &'a mut Inner,
    pub(super) events_tx: &'a UnboundedSender<String>,
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

    /// Moves an open session's expiry time (a test control: creation only allows 30 min to 24 h ahead).
    pub fn set_expires_at(&mut self, id: &str, at: i64) -> Result<(), ApiError> {
        let session = self.open_session(id, "changed")?;
        session["expires_at"] = json!(at);
        Ok(())
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

    /// Records an event of `kind` around `object` (announced to the delivery worker); returns its id.
    pub fn emit(&mut self, kind: &str, object: Value, request: &RequestInfo) -> String {
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
        let _ = self.events_tx.send(id.clone());
        id
    }
}
