//! Webhook events read leniently: only the fields the purchase life cycle needs, so an event rendered with
//! another API version than the crate's, or a type we do not handle, never fails the delivery.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::client::SessionFacts;
use crate::domain::Observation;

/// A verified webhook event: its id (processed once) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    pub id: String,
    pub kind: EventKind,
    /// The event's type as a bounded label: the types we handle by name, everything else `other`.
    pub type_label: &'static str,
}

/// The event types payment-service acts on; everything else is acknowledged and ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A `checkout.session.*` event: the session and what it means for its purchase.
    Session {
        session: SessionFacts,
        observation: Observation,
    },
    /// `charge.refunded`.
    ChargeRefunded(ChargeFacts),
    /// Any other type (the name is kept for the log).
    Ignored(String),
}

/// What a refunded charge tells us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeFacts {
    pub id: String,
    pub payment_intent: Option<String>,
    /// Our purchase id, when the charge carries the metadata we set on its payment intent.
    pub purchase_id: Option<String>,
    pub amount: i64,
    /// Cumulative, over every refund of the charge.
    pub amount_refunded: i64,
    pub refunded: bool,
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: Value,
}

#[derive(Deserialize)]
struct RawSession {
    id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    payment_intent: Option<Value>,
    #[serde(default)]
    metadata: Option<HashMap<String, String>>,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    amount_total: Option<i64>,
}

#[derive(Deserialize)]
struct RawCharge {
    id: String,
    #[serde(default)]
    payment_intent: Option<Value>,
    #[serde(default)]
    metadata: Option<HashMap<String, String>>,
    amount: i64,
    amount_refunded: i64,
    #[serde(default)]
    refunded: bool,
}

/// Reads a verified payload. An error means the body is not a Stripe event at all (or a handled type
/// lacks the fields we need): the handler answers 400.
/// The event types payment-service acts on.
const HANDLED: [&str; 5] = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
];

pub fn parse_event(payload: &[u8]) -> Result<WebhookEvent, serde_json::Error> {
    let raw: RawEvent = serde_json::from_slice(payload)?;
    let kind = match raw.kind.as_str() {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired" => {
            let session = session_facts(serde_json::from_value(raw.data.object)?);
            let observation = match raw.kind.as_str() {
                "checkout.session.completed" => session.observation(),
                "checkout.session.async_payment_succeeded" => Observation::Paid {
                    payment_intent: session.payment_intent.clone(),
                },
                "checkout.session.async_payment_failed" => Observation::PaymentFailed,
                _ => Observation::Expired,
            };
            EventKind::Session {
                session,
                observation,
            }
        }
        "charge.refunded" => {
            let charge: RawCharge = serde_json::from_value(raw.data.object)?;
            EventKind::ChargeRefunded(ChargeFacts {
                id: charge.id,
                payment_intent: charge.payment_intent.as_ref().and_then(id_of),
                purchase_id: charge.metadata.and_then(|mut m| m.remove("purchaseId")),
                amount: charge.amount,
                amount_refunded: charge.amount_refunded,
                refunded: charge.refunded,
            })
        }
        other => EventKind::Ignored(other.to_owned()),
    };
    let type_label = HANDLED
        .into_iter()
        .find(|t| *t == raw.kind)
        .unwrap_or("other");
    Ok(WebhookEvent {
        id: raw.id,
        kind,
        type_label,
    })
}

fn session_facts(raw: RawSession) -> SessionFacts {
    SessionFacts {
        id: raw.id,
        url: raw.url,
        status: raw.status.unwrap_or_default(),
        payment_status: raw.payment_status.unwrap_or_default(),
        payment_intent: raw.payment_intent.as_ref().and_then(id_of),
        metadata: raw.metadata.unwrap_or_default(),
        expires_at: raw.expires_at.unwrap_or_default(),
        amount_total: raw.amount_total,
    }
}

/// An expandable field: the id string, or the expanded object's `id`.
fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "evt_1", "object": "event", "type": kind, "api_version": "2020-01-01",
            "created": 1, "livemode": false, "pending_webhooks": 1, "data": { "object": object }
        }))
        .unwrap()
    }

    fn session_object(payment_status: &str) -> Value {
        json!({
            "id": "cs_test_1", "object": "checkout.session", "status": "complete",
            "payment_status": payment_status, "payment_intent": "pi_1",
            "metadata": { "purchaseId": "p1", "courseId": "c1", "userId": "u1" },
            "expires_at": 1_800_000_000, "amount_total": 4999, "url": null
        })
    }

    #[test]
    fn a_paid_completion_is_a_payment_and_an_unpaid_one_waits() {
        let e = parse_event(&event("checkout.session.completed", session_object("paid"))).unwrap();
        let EventKind::Session {
            session,
            observation,
        } = e.kind
        else {
            panic!("not a session event");
        };
        assert_eq!(session.metadata["purchaseId"], "p1");
        assert_eq!(
            observation,
            Observation::Paid {
                payment_intent: Some("pi_1".into())
            }
        );
        let e = parse_event(&event(
            "checkout.session.completed",
            session_object("unpaid"),
        ))
        .unwrap();
        assert!(matches!(
            e.kind,
            EventKind::Session {
                observation: Observation::AwaitingPayment { .. },
                ..
            }
        ));
    }

    #[test]
    fn async_results_expiry_and_refunds_are_read() {
        let kinds = [
            ("checkout.session.async_payment_succeeded", "Paid"),
            ("checkout.session.async_payment_failed", "PaymentFailed"),
            ("checkout.session.expired", "Expired"),
        ];
        for (kind, expected) in kinds {
            let e = parse_event(&event(kind, session_object("unpaid"))).unwrap();
            let EventKind::Session { observation, .. } = e.kind else {
                panic!("{kind}");
            };
            assert!(format!("{observation:?}").starts_with(expected), "{kind}");
        }
        let charge = json!({
            "id": "ch_1", "object": "charge", "amount": 4999, "amount_refunded": 1000,
            "refunded": false, "payment_intent": { "id": "pi_1", "object": "payment_intent" },
            "metadata": {}
        });
        let e = parse_event(&event("charge.refunded", charge)).unwrap();
        assert_eq!(
            e.kind,
            EventKind::ChargeRefunded(ChargeFacts {
                id: "ch_1".into(),
                payment_intent: Some("pi_1".into()),
                purchase_id: None,
                amount: 4999,
                amount_refunded: 1000,
                refunded: false,
            })
        );
    }

    #[test]
    fn unknown_types_are_ignored_and_non_events_refused() {
        let e = parse_event(&event("customer.created", json!({ "id": "cus_1" }))).unwrap();
        assert_eq!(e.kind, EventKind::Ignored("customer.created".into()));
        assert!(parse_event(b"not json").is_err());
        assert!(parse_event(br#"{"id":"evt_1"}"#).is_err());
    }
}
