//! Charges, Refunds and Events as Stripe renders them (API version of the pinned async-stripe).

use serde_json::{Map, Value, json};

/// The Stripe API version every event carries: the one async-stripe 1.0.0-rc.10 is generated for, so
/// `Webhook::construct_event` parses events without a version warning.
pub const API_VERSION: &str = "2026-09-30.endive";

/// A succeeded, captured card charge for a paid Checkout Session.
pub fn charge(id: &str, payment_intent: &str, amount: i64, currency: &str, now: i64) -> Value {
    json!({
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": null,
        "billing_details": { "address": null, "email": null, "name": null, "phone": null, "tax_id": null },
        "calculated_statement_descriptor": "LMS",
        "captured": true,
        "created": now,
        "currency": currency,
        "customer": null,
        "description": null,
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "fraud_details": {},
        "livemode": false,
        "metadata": {},
        "on_behalf_of": null,
        "outcome": {
            "network_status": "approved_by_network",
            "reason": null,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized"
        },
        "paid": true,
        "payment_intent": payment_intent,
        "payment_method": null,
        "receipt_email": null,
        "receipt_number": null,
        "receipt_url": null,
        "refunded": false,
        "review": null,
        "shipping": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "succeeded",
        "transfer_data": null,
        "transfer_group": null
    })
}

/// What a refund request decoded to.
pub struct RefundParams {
    /// Amount to refund in the minor unit.
    pub amount: i64,
    /// `duplicate`, `fraudulent` or `requested_by_customer`, if given.
    pub reason: Option<String>,
    /// Caller metadata.
    pub metadata: Map<String, Value>,
}

/// A refund of `charge` in `status` (`succeeded`, or `pending` for one that is going to fail).
pub fn refund(id: &str, charge: &Value, params: &RefundParams, status: &str, now: i64) -> Value {
    json!({
        "id": id,
        "object": "refund",
        "amount": params.amount,
        "balance_transaction": null,
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "destination_details": null,
        "failure_reason": null,
        "metadata": params.metadata,
        "payment_intent": charge["payment_intent"],
        "reason": params.reason,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": status,
        "transfer_reversal": null
    })
}

/// An event envelope around a snapshot of `object`.
pub fn event(
    id: &str,
    kind: &str,
    object: Value,
    now: i64,
    request: Option<(&str, Option<&str>)>,
) -> Value {
    let request = match request {
        Some((req_id, key)) => json!({ "id": req_id, "idempotency_key": key }),
        None => json!({ "id": null, "idempotency_key": null }),
    };
    json!({
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": request,
        "type": kind
    })
}
