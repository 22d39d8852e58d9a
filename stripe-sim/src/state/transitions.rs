//! Every change of state: creating, paying, expiring sessions, refunding, and the events they emit.

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::{Inner, Outcome, Payment, RequestInfo, StoredEvent};
use crate::coupon;
use crate::error::ApiError;
use crate::ids::{new_id, now};
use crate::payment::{self, RefundParams};
use crate::session::{self, Discount, NewSession};

/// The customer's address when neither `customer_email` nor the page gave one.
pub const DEFAULT_EMAIL: &str = "customer@example.com";

/// The store while its lock is held: every transition lives here.
pub struct StoreTx<'a> {
    pub(super) inner: &'a mut Inner,
    pub(super) events_tx: &'a UnboundedSender<String>,
}

impl StoreTx<'_> {
    /// Creates an open session; `page_base` is the simulator's public origin with a trailing slash.
    /// Creates an open session; `page_base` is the simulator's public origin with a trailing slash.
    /// A coupon in `discounts` must exist, still be valid and (amount off) be in the session's currency.
    pub fn create_session(
        &mut self,
        params: NewSession,
        page_base: &str,
    ) -> Result<Value, ApiError> {
        let discount = match params.coupon() {
            Some(coupon) => Some(self.discount_for(coupon, &params)?),
            None => None,
        };
        params.check_amount_due(discount.as_ref())?;
        let id = new_id("cs_test");
        let url = format!("{page_base}c/pay/{id}");
        let object = params.into_object(&id, &url, now(), discount.as_ref());
        self.inner.sessions.insert(id.clone(), object.clone());
        self.inner.session_order.push(id);
        self.inner.sessions_created += 1;
        Ok(session::public(&object))
    }

    fn discount_for(&self, id: &str, params: &NewSession) -> Result<Discount, ApiError> {
        const PARAM: &str = "discounts[0][coupon]";
        let stored = self
            .inner
            .coupons
            .get(id)
            .ok_or_else(|| ApiError::no_such("coupon", id, Some(PARAM)))?;
        if !coupon::still_valid(stored, now()) {
            return Err(ApiError::coded(
                "coupon_expired",
                Some(PARAM),
                format!("Coupon expired: {id}"),
            ));
        }
        if let Some(currency) = stored["currency"].as_str()
            && currency != params.currency()
        {
            return Err(ApiError::invalid(
                PARAM,
                format!(
                    "The coupon's currency ({currency}) must match the Checkout Session's currency ({}).",
                    params.currency()
                ),
            ));
        }
        Ok(Discount {
            coupon: id.to_owned(),
            amount: coupon::discount(coupon::off(stored), params.subtotal()),
        })
    }

    /// Stores a new coupon and emits `coupon.created`; an id already taken is Stripe's
    /// `resource_already_exists`.
    pub fn create_coupon(
        &mut self,
        object: Value,
        request: &RequestInfo,
    ) -> Result<Value, ApiError> {
        let id = object["id"].as_str().unwrap_or_default().to_owned();
        if self.inner.coupons.contains_key(&id) {
            return Err(ApiError::coded(
                "resource_already_exists",
                Some("id"),
                "Coupon already exists.",
            ));
        }
        self.inner.coupons.insert(id.clone(), object.clone());
        self.inner.coupon_order.push(id);
        self.emit("coupon.created", object.clone(), request);
        Ok(object)
    }

    /// One coupon, with `valid` as of now.
    pub fn coupon(&self, id: &str) -> Result<Value, ApiError> {
        self.inner
            .coupons
            .get(id)
            .map(with_validity)
            .ok_or_else(|| ApiError::no_such("coupon", id, None))
    }

    /// Every coupon, newest first, each with its id (for `list::page`).
    pub fn coupons(&self) -> Vec<(String, Value)> {
        self.inner
            .coupon_order
            .iter()
            .rev()
            .filter_map(|id| Some((id.clone(), with_validity(self.inner.coupons.get(id)?))))
            .collect()
    }

    /// The public session object.
    pub fn session(&self, id: &str) -> Result<Value, ApiError> {
        self.inner
            .sessions
            .get(id)
            .map(session::public)
            .ok_or_else(|| ApiError::no_such("checkout.session", id, None))
    }

    /// Every session, newest first, each with its id (for `list::page`).
    pub fn sessions(&self) -> Vec<(String, Value)> {
        self.inner
            .session_order
            .iter()
            .rev()
            .filter_map(|id| Some((id.clone(), session::public(self.inner.sessions.get(id)?))))
            .collect()
    }

    /// Expires an open session and emits `checkout.session.expired`.
    pub fn expire_session(&mut self, id: &str, request: &RequestInfo) -> Result<Value, ApiError> {
        let session = self.open_session(id, "expired")?;
        session["status"] = json!("expired");
        // Stripe's `url` is null once the session is no longer open.
        session["url"] = Value::Null;
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
    /// `email` is what the page collected; a session created with `customer_email` keeps that one, and
    /// without either the customer is `DEFAULT_EMAIL`. A session a coupon made free completes with
    /// `no_payment_required`, no payment intent and no charge, whatever `outcome` says.
    pub fn complete_session(
        &mut self,
        id: &str,
        outcome: Outcome,
        email: Option<&str>,
    ) -> Result<Value, ApiError> {
        let session = self.open_session(id, "completed")?;
        let email = session["customer_email"]
            .as_str()
            .or(email)
            .unwrap_or(DEFAULT_EMAIL)
            .to_owned();
        session["status"] = json!("complete");
        session["url"] = Value::Null;
        session["customer_details"] = json!({
            "address": null, "business_name": null, "email": email, "individual_name": null,
            "name": "Sim Customer", "phone": null, "tax_exempt": "none", "tax_ids": []
        });
        let amount = session["amount_total"].as_i64().unwrap_or(0);
        let currency = session["currency"].as_str().unwrap_or("usd").to_owned();
        let coupon_id = session
            .pointer("/discounts/0/coupon")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let request = RequestInfo::default();
        if amount == 0 {
            session["payment_status"] = json!("no_payment_required");
            let completed = session::public(session);
            self.redeem(coupon_id.as_deref());
            self.emit("checkout.session.completed", completed.clone(), &request);
            return Ok(completed);
        }
        let pi = new_id("pi");
        session["payment_intent"] = json!(pi);
        let paid_at_once = outcome == Outcome::Paid;
        session["payment_status"] = json!(if paid_at_once { "paid" } else { "unpaid" });
        let completed = session::public(session);
        self.redeem(coupon_id.as_deref());
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

    /// Refunds (part of) the charge of a payment intent and emits `charge.refunded` and `refund.created`
    /// (or, when `fail_next_refund` armed it, `refund.created`, `refund.updated` and `refund.failed`).
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
        let params = RefundParams {
            amount,
            reason,
            metadata,
        };
        let refund_id = new_id("re");
        if let Some(failure) = self.inner.failing_refunds.remove(payment_intent) {
            // The refund is accepted (pending), then fails: the charge keeps its money, so no
            // `charge.refunded`. The answer is the refund as created, as Stripe's would be.
            let pending = payment::refund(&refund_id, charge, &params, "pending", now());
            let mut failed = pending.clone();
            failed["status"] = json!("failed");
            failed["failure_reason"] = json!(failure);
            self.emit("refund.created", pending.clone(), request);
            self.emit("refund.updated", failed.clone(), request);
            self.emit("refund.failed", failed, request);
            return Ok(pending);
        }
        charge["amount_refunded"] = json!(already + amount);
        charge["refunded"] = json!(already + amount == total);
        let refund = payment::refund(&refund_id, charge, &params, "succeeded", now());
        let snapshot = charge.clone();
        self.emit("charge.refunded", snapshot, request);
        self.emit("refund.created", refund.clone(), request);
        Ok(refund)
    }

    /// Makes the next refund of `payment_intent` fail with `failure_reason` (a test control; Stripe's
    /// test cards do the same with a card number, which the simulator does not have).
    pub fn fail_next_refund(
        &mut self,
        payment_intent: &str,
        failure_reason: &str,
    ) -> Result<(), ApiError> {
        if !self.inner.payments.contains_key(payment_intent) {
            return Err(ApiError::no_such("payment_intent", payment_intent, None));
        }
        self.inner
            .failing_refunds
            .insert(payment_intent.to_owned(), failure_reason.to_owned());
        Ok(())
    }

    /// A completed session redeems its coupon once (Stripe counts redemptions at completion).
    fn redeem(&mut self, coupon: Option<&str>) {
        if let Some(stored) = coupon.and_then(|c| self.inner.coupons.get_mut(c)) {
            let times = stored["times_redeemed"].as_i64().unwrap_or(0);
            stored["times_redeemed"] = json!(times + 1);
        }
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
        // Stripe sends events pretty-printed (two-space indent); the signature covers these bytes.
        let payload = serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string());
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

/// A stored coupon with `valid` computed now (it turns false once redeemed up or past `redeem_by`).
fn with_validity(stored: &Value) -> Value {
    let mut out = stored.clone();
    out["valid"] = json!(coupon::still_valid(stored, now()));
    out
}
