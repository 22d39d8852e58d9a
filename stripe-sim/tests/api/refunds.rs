//! Refunds through async-stripe: partial, rest, too much, unknown payment intent, idempotency.

use serde_json::Value;
use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_core::refund::CreateRefund;

use crate::helpers::{create_session, event_types, spawn_sim, stripe_client};

async fn paid_payment_intent(sim: &stripe_sim::StripeSim, cents: i64) -> String {
    let session = create_session(sim, "Rust", cents).await;
    sim.pay(session.id.as_str()).await.unwrap();
    sim.session(session.id.as_str()).unwrap()["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn api_error(err: stripe::StripeError) -> (stripe::ApiErrors, u16) {
    match err {
        stripe::StripeError::Stripe(api, status) => (*api, status),
        other => panic!("expected a Stripe API error, got {other:?}"),
    }
}

#[tokio::test]
async fn partial_then_full_refunds_send_charge_refunded_with_the_running_total() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    let pi = paid_payment_intent(&sim, 2000).await;

    let part = CreateRefund::new()
        .payment_intent(pi.clone())
        .amount(500)
        .send(&client)
        .await
        .unwrap();
    assert!(part.id.as_str().starts_with("re_"));
    assert_eq!(part.amount, 500);
    assert_eq!(part.payment_intent.unwrap().id().as_str(), pi);
    let rest = CreateRefund::new()
        .payment_intent(pi.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(rest.amount, 1500, "no amount refunds what remains");

    assert_eq!(
        event_types(&sim),
        [
            "checkout.session.completed",
            "charge.refunded",
            "refund.created",
            "charge.refunded",
            "refund.created"
        ]
    );
    let events = sim.events();
    let first: &Value = &events[1]["data"]["object"];
    assert_eq!(
        (
            first["amount_refunded"].as_i64(),
            first["refunded"].as_bool()
        ),
        (Some(500), Some(false))
    );
    assert_eq!(first["payment_intent"], pi.as_str());
    let second: &Value = &events[3]["data"]["object"];
    assert_eq!(
        (
            second["amount_refunded"].as_i64(),
            second["refunded"].as_bool()
        ),
        (Some(2000), Some(true))
    );

    let (error, status) = api_error(
        CreateRefund::new()
            .payment_intent(pi)
            .send(&client)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400);
    assert_eq!(error.code.unwrap().as_str(), "charge_already_refunded");
}

#[tokio::test]
async fn refunding_more_than_remains_or_an_unknown_payment_intent_is_refused() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    let pi = paid_payment_intent(&sim, 1000).await;
    let (error, status) = api_error(
        CreateRefund::new()
            .payment_intent(pi)
            .amount(1001)
            .send(&client)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400);
    assert_eq!(error.param.as_deref(), Some("amount"));

    let (error, status) = api_error(
        CreateRefund::new()
            .payment_intent("pi_unknown")
            .send(&client)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400);
    assert_eq!(error.code.unwrap().as_str(), "resource_missing");
    assert_eq!(
        event_types(&sim),
        ["checkout.session.completed"],
        "refused refunds emit nothing"
    );
}

#[tokio::test]
async fn a_refund_retried_with_its_idempotency_key_refunds_once() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    let pi = paid_payment_intent(&sim, 1000).await;
    let key = || RequestStrategy::Idempotent(IdempotencyKey::new("refund-purchase-1-1").unwrap());
    let refund = || CreateRefund::new().payment_intent(pi.clone()).amount(300);
    let first = refund()
        .customize()
        .request_strategy(key())
        .send(&client)
        .await
        .unwrap();
    let second = refund()
        .customize()
        .request_strategy(key())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(
        event_types(&sim),
        [
            "checkout.session.completed",
            "charge.refunded",
            "refund.created"
        ]
    );
}
