//! Stripe events built the way Stripe renders them (the fields payment-service reads, in Stripe's shapes),
//! signed with the test webhook secret, and a pending purchase to aim them at.

use chrono::Utc;
use mongodb::bson::oid::ObjectId;
use payment_service::store::{NewPurchase, Purchase};
use serde_json::{Value, json};
use test_support::{User, run_id};

use crate::helpers::{TestApp, WEBHOOK_SECRET};

/// A whole event around `object`.
pub fn event(kind: &str, object: Value) -> (String, Vec<u8>) {
    let id = format!("evt_{}", &run_id()[..24]);
    let body = json!({
        "id": id, "object": "event", "api_version": "2026-09-30.endive",
        "created": Utc::now().timestamp(), "livemode": false, "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind, "data": { "object": object },
    });
    (id, serde_json::to_vec(&body).unwrap())
}

/// A Checkout Session of `purchase` in `status` / `payment_status`.
pub fn session(purchase: &Purchase, status: &str, payment_status: &str) -> Value {
    json!({
        "id": purchase.payment_id, "object": "checkout.session", "mode": "payment",
        "status": status, "payment_status": payment_status,
        "amount_total": purchase.amount, "currency": "usd",
        "client_reference_id": purchase.id,
        "payment_intent": format!("pi_{}", purchase.id),
        "metadata": {
            "purchaseId": purchase.id, "courseId": purchase.course_id,
            "userId": purchase.user_id,
        },
        "expires_at": purchase.session_expires_at.timestamp(), "url": null,
    })
}

/// The charge of `purchase` with `refunded_cents` refunded so far.
pub fn charge(purchase: &Purchase, refunded_cents: i64) -> Value {
    json!({
        "id": format!("ch_{}", purchase.id), "object": "charge", "amount": purchase.amount,
        "amount_captured": purchase.amount, "amount_refunded": refunded_cents,
        "refunded": refunded_cents >= purchase.amount, "currency": "usd", "paid": true,
        "payment_intent": format!("pi_{}", purchase.id), "metadata": {}, "status": "succeeded",
    })
}

/// The `Stripe-Signature` header for `body` signed `age_secs` ago.
pub fn signature(body: &[u8], age_secs: i64) -> String {
    payment_service::stripe::sign(body, WEBHOOK_SECRET, Utc::now().timestamp() - age_secs)
}

impl TestApp {
    /// A pending purchase of `course_id` by `student` with a recorded session id, as checkout leaves it.
    pub async fn pending_purchase(&self, student: &User, course_id: &str, cents: i64) -> Purchase {
        let new = NewPurchase {
            user: ObjectId::parse_str(&student.id).unwrap(),
            course: ObjectId::parse_str(course_id).unwrap(),
            course_title: "A course".into(),
            amount: cents,
            currency: "usd".into(),
            session_expires_at: Utc::now() + chrono::Duration::minutes(30),
        };
        let p = self
            .store
            .purchases
            .insert_pending(&new)
            .await
            .unwrap()
            .unwrap();
        let session_id = format!("cs_test_{}", p.id);
        self.store
            .purchases
            .set_session(&p.id, &session_id, Some("https://checkout.example/pay"))
            .await
            .unwrap();
        self.purchase(&p.id).await
    }

    pub async fn purchase(&self, id: &str) -> Purchase {
        self.store.purchases.find_by_id(id).await.unwrap().unwrap()
    }

    /// Signs and delivers an event; returns the status.
    pub async fn deliver(&self, body: &[u8]) -> u16 {
        self.webhook(body, Some(&signature(body, 0)))
            .await
            .status()
            .as_u16()
    }
}
