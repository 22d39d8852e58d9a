//! The hosted page each session's `url` points at: GET shows it, the form POST pays or cancels.

use stripe_checkout::checkout_session::RetrieveCheckoutSession;
use stripe_checkout::{CheckoutSessionPaymentStatus, CheckoutSessionStatus};
use stripe_sim::Delivery;

use crate::helpers::{create_session, event_types, http, post_action, spawn_sim, stripe_client};

#[tokio::test]
async fn the_page_shows_the_course_title_amount_and_a_form() {
    let sim = spawn_sim().await;
    let session = create_session(&sim, "Rust <for> Pythonistas", 1999).await;
    let response = http().get(session.url.unwrap()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Rust &lt;for&gt; Pythonistas"),
        "the title is shown, escaped: {page}"
    );
    assert!(page.contains("$19.99 USD"), "{page}");
    for action in ["pay", "pay_async", "fail_async", "cancel"] {
        assert!(
            page.contains(&format!("value=\"{action}\"")),
            "form offers {action}"
        );
    }
}

#[tokio::test]
async fn posting_pay_completes_the_session_and_answers_303_to_the_success_url_with_the_id() {
    let sim = spawn_sim().await;
    sim.set_delivery(Delivery::Manual);
    let session = create_session(&sim, "Rust", 1999).await;
    let url = session.url.clone().unwrap();
    let response = post_action(&url, "pay").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!(
            "http://localhost:5173/payment/success?session_id={}",
            session.id
        )
        .as_str()
    );

    let paid = RetrieveCheckoutSession::new(session.id.clone())
        .send(&stripe_client(&sim))
        .await
        .unwrap();
    assert_eq!(paid.status, Some(CheckoutSessionStatus::Complete));
    assert_eq!(paid.payment_status, CheckoutSessionPaymentStatus::Paid);
    assert!(
        paid.payment_intent
            .unwrap()
            .id()
            .as_str()
            .starts_with("pi_")
    );
    assert_eq!(event_types(&sim), ["checkout.session.completed"]);
    assert_eq!(sim.events()[0]["data"]["object"]["payment_status"], "paid");

    // The page of a completed session offers nothing more, and a second post changes nothing.
    let again = post_action(&url, "pay").await;
    assert_eq!(again.status(), 409);
    assert_eq!(sim.events().len(), 1);
    let page = http().get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("no longer active") && !page.contains("value=\"pay\""));
}

#[tokio::test]
async fn posting_cancel_answers_303_to_the_cancel_url_and_leaves_the_session_open() {
    let sim = spawn_sim().await;
    let session = create_session(&sim, "Rust", 1999).await;
    let response = post_action(&session.url.unwrap(), "cancel").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "http://localhost:5173/courses/c1?cancelled=1"
    );
    assert_eq!(sim.session(session.id.as_str()).unwrap()["status"], "open");
    assert!(sim.events().is_empty());
}

#[tokio::test]
async fn delayed_payments_complete_unpaid_then_succeed_or_fail() {
    let sim = spawn_sim().await;
    sim.set_delivery(Delivery::Manual);
    let ok = create_session(&sim, "Rust", 1999).await;
    let response = post_action(&ok.url.unwrap(), "pay_async").await;
    assert_eq!(
        response.status(),
        303,
        "the customer goes to the success page while the payment is pending"
    );
    let events = sim.events();
    assert_eq!(
        event_types(&sim),
        [
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded"
        ]
    );
    assert_eq!(events[0]["data"]["object"]["payment_status"], "unpaid");
    assert_eq!(events[1]["data"]["object"]["payment_status"], "paid");
    assert_eq!(
        sim.session(ok.id.as_str()).unwrap()["payment_status"],
        "paid"
    );

    let bad = create_session(&sim, "Rust", 1999).await;
    let response = post_action(&bad.url.unwrap(), "fail_async").await;
    assert_eq!(response.status(), 303);
    let types = event_types(&sim);
    assert_eq!(
        &types[2..],
        [
            "checkout.session.completed",
            "checkout.session.async_payment_failed"
        ]
    );
    let session = sim.session(bad.id.as_str()).unwrap();
    assert_eq!(
        (
            session["status"].as_str(),
            session["payment_status"].as_str()
        ),
        (Some("complete"), Some("unpaid"))
    );
}

#[tokio::test]
async fn an_expired_session_cannot_be_paid_and_an_unknown_page_is_404() {
    let sim = spawn_sim().await;
    let session = create_session(&sim, "Rust", 1999).await;
    sim.expire(session.id.as_str()).await.unwrap();
    let response = post_action(&session.url.unwrap(), "pay").await;
    assert_eq!(response.status(), 409);
    assert_eq!(event_types(&sim), ["checkout.session.expired"]);

    let missing = http()
        .get(format!("{}c/pay/cs_test_nope", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let bad_action = create_session(&sim, "Rust", 50).await;
    let response = post_action(&bad_action.url.unwrap(), "steal").await;
    assert_eq!(response.status(), 400);
}
