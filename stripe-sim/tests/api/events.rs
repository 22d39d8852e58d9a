//! Events: every type the simulator sends parses fully typed with async-stripe's webhook verification,
//! signatures match Stripe's scheme, and `GET /v1/events` lists them newest first.

use serde_json::Value;
use stripe_core::refund::CreateRefund;
use stripe_sim::Delivery;
use stripe_webhook::{EventObject, Webhook, WebhookError};

use crate::helpers::{
    SECRET_KEY, WEBHOOK_SECRET, create_coupon, create_session, event_types, http, spawn_sim,
    stripe_client,
};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Drives one session through each path so the simulator emits every event type it knows.
async fn every_event_type(sim: &stripe_sim::StripeSim) {
    sim.set_delivery(Delivery::Manual);
    let paid = create_session(sim, "Paid", 1000).await;
    sim.pay(paid.id.as_str()).await.unwrap();
    let later = create_session(sim, "Later", 1000).await;
    sim.pay_async(later.id.as_str(), true).await.unwrap();
    let failed = create_session(sim, "Failed", 1000).await;
    sim.pay_async(failed.id.as_str(), false).await.unwrap();
    let expired = create_session(sim, "Expired", 1000).await;
    sim.expire(expired.id.as_str()).await.unwrap();
    let pi = sim.session(paid.id.as_str()).unwrap()["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned();
    CreateRefund::new()
        .payment_intent(pi.clone())
        .amount(400)
        .send(&stripe_client(sim))
        .await
        .unwrap();
    sim.fail_next_refund(&pi, "expired_or_canceled_card")
        .unwrap();
    CreateRefund::new()
        .payment_intent(pi)
        .amount(100)
        .send(&stripe_client(sim))
        .await
        .unwrap();
    create_coupon(sim, "percent_off=25&id=QUARTER").await;
}

#[tokio::test]
async fn every_event_parses_typed_with_construct_event_at_the_crates_api_version() {
    let sim = spawn_sim().await;
    every_event_type(&sim).await;
    assert_eq!(
        event_types(&sim),
        [
            "checkout.session.completed",
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded",
            "checkout.session.completed",
            "checkout.session.async_payment_failed",
            "checkout.session.expired",
            "charge.refunded",
            "refund.created",
            "refund.created",
            "refund.updated",
            "refund.failed",
            "coupon.created",
        ]
    );
    for raw in sim.events() {
        let id = raw["id"].as_str().unwrap();
        let payload = sim.event_payload(id).unwrap();
        let header = sim.sign(&payload, now());
        let event = Webhook::construct_event(&payload, &header, WEBHOOK_SECRET)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", raw["type"]));
        assert_eq!(event.id.as_str(), id);
        assert_eq!(event.type_.as_str(), raw["type"].as_str().unwrap());
        let version = event.api_version.expect("events carry an api_version");
        assert_eq!(
            version,
            stripe_shared::version::VERSION,
            "the version async-stripe is generated for"
        );
        assert_eq!(version.as_str(), stripe_sim::payment::API_VERSION);
        match (raw["type"].as_str().unwrap(), event.data.object) {
            ("checkout.session.completed", EventObject::CheckoutSessionCompleted(s)) => {
                assert!(s.payment_intent.is_some());
                assert_eq!(s.metadata.unwrap()["courseId"], "course-1");
            }
            (
                "checkout.session.async_payment_succeeded",
                EventObject::CheckoutSessionAsyncPaymentSucceeded(s),
            ) => {
                assert_eq!(s.payment_status.as_str(), "paid");
            }
            (
                "checkout.session.async_payment_failed",
                EventObject::CheckoutSessionAsyncPaymentFailed(s),
            ) => {
                assert_eq!(s.payment_status.as_str(), "unpaid");
            }
            ("checkout.session.expired", EventObject::CheckoutSessionExpired(s)) => {
                assert_eq!(s.status.unwrap().as_str(), "expired");
            }
            ("charge.refunded", EventObject::ChargeRefunded(c)) => {
                assert_eq!(
                    (c.amount, c.amount_refunded, c.refunded),
                    (1000, 400, false)
                );
                assert!(c.payment_intent.is_some());
            }
            ("refund.created", EventObject::RefundCreated(r)) => {
                assert!(["succeeded", "pending"].contains(&r.status.as_deref().unwrap()));
            }
            ("refund.updated", EventObject::RefundUpdated(r))
            | ("refund.failed", EventObject::RefundFailed(r)) => {
                assert_eq!(r.status.as_deref(), Some("failed"));
                assert_eq!(
                    r.failure_reason.as_deref(),
                    Some("expired_or_canceled_card")
                );
            }
            ("coupon.created", EventObject::CouponCreated(c)) => {
                assert_eq!((c.id.as_str(), c.percent_off), ("QUARTER", Some(25.0)));
            }
            (kind, _) => panic!("{kind} parsed into the wrong variant"),
        }
    }
}

#[tokio::test]
async fn the_signature_is_stripes_scheme_and_rejects_tampering_and_staleness() {
    let sim = spawn_sim().await;
    every_event_type(&sim).await;
    let id = sim.events()[0]["id"].as_str().unwrap().to_owned();
    let payload = sim.event_payload(&id).unwrap();
    let t = now();
    assert_eq!(
        sim.sign(&payload, t),
        Webhook::generate_test_header(&payload, WEBHOOK_SECRET, Some(t))
    );

    let tampered = payload.replace("\"paid\"", "\"unpaid\"");
    assert!(matches!(
        Webhook::construct_event(&tampered, &sim.sign(&payload, t), WEBHOOK_SECRET),
        Err(WebhookError::BadSignature)
    ));
    assert!(matches!(
        Webhook::construct_event(&payload, &sim.sign(&payload, t - 301), WEBHOOK_SECRET),
        Err(WebhookError::BadTimestamp(_))
    ));
    assert!(matches!(
        Webhook::construct_event(&payload, &sim.sign(&payload, t), "whsec_other"),
        Err(WebhookError::BadSignature)
    ));
}

#[tokio::test]
async fn list_events_returns_a_stripe_list_newest_first_with_filters_and_paging() {
    let sim = spawn_sim().await;
    every_event_type(&sim).await;
    let list = |query: &str| {
        let url = format!("{}v1/events?{query}", sim.base_url());
        async move {
            http()
                .get(url)
                .bearer_auth(SECRET_KEY)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let all = list("limit=100").await;
    assert_eq!(all["object"], "list");
    assert_eq!(all["has_more"], false);
    let ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut created_order: Vec<String> = sim
        .events()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    created_order.reverse();
    assert_eq!(ids, created_order);

    let completed = list("type=checkout.session.completed").await;
    assert_eq!(completed["data"].as_array().unwrap().len(), 3);
    let wildcard = list("type=checkout.session.*&limit=2").await;
    assert_eq!(wildcard["data"].as_array().unwrap().len(), 2);
    assert_eq!(wildcard["has_more"], true);
    let id_of = |kind: &str| {
        all["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let types_of = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    let filter = "types[]=charge.refunded&types[]=checkout.session.expired";
    let two = list(&format!(
        "{filter}&starting_after={}",
        id_of("charge.refunded")
    ))
    .await;
    assert_eq!(
        types_of(&two),
        ["checkout.session.expired"],
        "the refund (newer) is before the cursor"
    );
    assert_eq!(two["has_more"], false);
    // Back the other way: the page before the expiry, then nothing newer is left.
    let back = list(&format!(
        "{filter}&ending_before={}",
        id_of("checkout.session.expired")
    ))
    .await;
    assert_eq!(types_of(&back), ["charge.refunded"]);
    assert_eq!(back["has_more"], false);
    // A cursor the filter leaves out still marks a position (the coupon event is the newest).
    let from_top = list(&format!("{filter}&starting_after={}", ids[0])).await;
    assert_eq!(
        types_of(&from_top),
        ["charge.refunded", "checkout.session.expired"]
    );

    for (query, param) in [
        (
            format!("starting_after={0}&ending_before={0}", ids[0]),
            None,
        ),
        ("starting_after=evt_nope".to_owned(), Some("starting_after")),
        ("limit=5&colour=red".to_owned(), Some("colour")),
    ] {
        let response = http()
            .get(format!("{}v1/events?{query}", sim.base_url()))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["param"].as_str(), param, "{query}");
    }

    let bad = http()
        .get(format!("{}v1/events?limit=0", sim.base_url()))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_hand_made_event_is_signed_and_parsed_like_the_others() {
    let sim = spawn_sim().await;
    sim.set_delivery(Delivery::Manual);
    let session = create_session(&sim, "Rust", 1000).await;
    sim.pay(session.id.as_str()).await.unwrap();
    // Stripe never sends `expired` after `completed`; a test of out-of-order handling can.
    let mut snapshot = sim.session(session.id.as_str()).unwrap();
    snapshot["status"] = "expired".into();
    let id = sim.emit_event("checkout.session.expired", snapshot);
    assert_eq!(
        event_types(&sim),
        ["checkout.session.completed", "checkout.session.expired"]
    );
    let payload = sim.event_payload(&id).unwrap();
    let event =
        Webhook::construct_event(&payload, &sim.sign(&payload, now()), WEBHOOK_SECRET).unwrap();
    assert!(matches!(
        event.data.object,
        EventObject::CheckoutSessionExpired(_)
    ));
    assert_eq!(
        sim.session(session.id.as_str()).unwrap()["status"],
        "complete",
        "the session itself is unchanged"
    );
}
