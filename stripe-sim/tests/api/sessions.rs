//! Checkout Sessions through async-stripe: create, retrieve, expire, idempotency and refused parameters.

use serde_json::Value;
use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_checkout::checkout_session::{ExpireCheckoutSession, RetrieveCheckoutSession};
use stripe_checkout::{CheckoutSessionPaymentStatus, CheckoutSessionStatus};

use crate::helpers::{
    SECRET_KEY, course_session, create_session, event_types, http, spawn_sim, stripe_client,
};

#[tokio::test]
async fn a_created_session_parses_as_async_stripes_checkout_session_with_the_callers_fields() {
    let sim = spawn_sim().await;
    let session = create_session(&sim, "Rust for Pythonistas", 1999).await;

    assert!(session.id.as_str().starts_with("cs_test_"));
    assert_eq!(session.status, Some(CheckoutSessionStatus::Open));
    assert_eq!(session.payment_status, CheckoutSessionPaymentStatus::Unpaid);
    assert_eq!(session.amount_total, Some(1999));
    assert_eq!(
        session.currency.map(|c| c.to_string()),
        Some("usd".to_owned())
    );
    assert_eq!(session.client_reference_id.as_deref(), Some("user-1"));
    let metadata = session.metadata.unwrap();
    assert_eq!(metadata["courseId"], "course-1");
    assert_eq!(metadata["purchaseId"], "purchase-1");
    assert_eq!(
        session.success_url.as_deref(),
        Some("http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}"),
        "the placeholder is kept in the object, as Stripe does"
    );
    assert_eq!(
        session.url.unwrap(),
        format!("{}c/pay/{}", sim.base_url(), session.id)
    );
    assert!(
        session.payment_intent.is_none(),
        "no payment intent before payment"
    );
    assert!(session.expires_at > session.created);
    assert_eq!(sim.sessions_created(), 1);
    assert!(sim.events().is_empty(), "creating a session sends no event");
}

#[tokio::test]
async fn retrieve_returns_the_same_session_and_an_unknown_id_is_a_404_resource_missing() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    let created = create_session(&sim, "Rust", 500).await;
    let fetched = RetrieveCheckoutSession::new(created.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(fetched.id, created.id);
    assert_eq!(fetched.amount_total, Some(500));
    assert_eq!(
        serde_json::to_value(sim.session(created.id.as_str()).unwrap()).unwrap()["id"],
        created.id.as_str()
    );

    let response = http()
        .get(format!(
            "{}v1/checkout/sessions/cs_test_missing",
            sim.base_url()
        ))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "resource_missing");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn expire_closes_an_open_session_once_and_emits_checkout_session_expired() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    let created = create_session(&sim, "Rust", 500).await;
    let expired = ExpireCheckoutSession::new(created.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(expired.status, Some(CheckoutSessionStatus::Expired));
    assert_eq!(event_types(&sim), ["checkout.session.expired"]);

    let again = ExpireCheckoutSession::new(created.id.clone())
        .send(&client)
        .await
        .unwrap_err();
    match again {
        stripe::StripeError::Stripe(api, status) => {
            assert_eq!(status, 400);
            assert!(api.message.unwrap().contains("status in [\"open\"]"));
        }
        other => panic!("expected a Stripe API error, got {other:?}"),
    }
    assert_eq!(sim.events().len(), 1, "a refused expire emits nothing");
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_session_without_creating_another() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    let key = || RequestStrategy::Idempotent(IdempotencyKey::new("purchase-1-checkout").unwrap());
    let first = course_session("Rust", 1999)
        .customize()
        .request_strategy(key())
        .send(&client)
        .await
        .unwrap();
    let second = course_session("Rust", 1999)
        .customize()
        .request_strategy(key())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(sim.sessions_created(), 1);

    let other = course_session("Rust", 2999)
        .customize()
        .request_strategy(key())
        .send(&client)
        .await
        .unwrap_err();
    match other {
        stripe::StripeError::Stripe(api, status) => {
            assert_eq!(status, 400);
            assert_eq!(api.type_, stripe::ApiErrorsType::IdempotencyError);
        }
        other => panic!("expected an idempotency error, got {other:?}"),
    }
    assert_eq!(
        sim.sessions_created(),
        1,
        "a key reused with other parameters creates nothing"
    );

    let without_key = course_session("Rust", 1999).send(&client).await.unwrap();
    assert_ne!(without_key.id, first.id);
    assert_eq!(sim.sessions_created(), 2);
}

#[tokio::test]
async fn a_replayed_answer_says_so_in_the_idempotent_replayed_header() {
    let sim = spawn_sim().await;
    let body = "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=100\
&line_items[0][price_data][product_data][name]=Rust&line_items[0][quantity]=1";
    let send = || {
        http()
            .post(format!("{}v1/checkout/sessions", sim.base_url()))
            .bearer_auth(SECRET_KEY)
            .header("idempotency-key", "k-1")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let first = send().await.unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
}

#[tokio::test]
async fn refused_parameters_name_the_parameter_in_stripes_error_shape() {
    let sim = spawn_sim().await;
    let cases = [
        ("line_items[0][price_data][currency]=usd", "mode"),
        ("mode=subscription", "mode"),
        ("mode=payment", "line_items"),
        (
            "mode=payment&line_items[0][price]=price_123&line_items[0][quantity]=1",
            "line_items[0][price]",
        ),
        (
            "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=ten\
&line_items[0][price_data][product_data][name]=R&line_items[0][quantity]=1",
            "line_items[0][price_data][unit_amount]",
        ),
        (
            "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=10\
&line_items[0][price_data][product_data][name]=R&line_items[0][quantity]=1&expires_at=1",
            "expires_at",
        ),
    ];
    for (body, param) in cases {
        let response = http()
            .post(format!("{}v1/checkout/sessions", sim.base_url()))
            .bearer_auth(SECRET_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["type"], "invalid_request_error", "{body}");
        assert_eq!(error["error"]["param"], param, "{body}");
    }
    assert_eq!(sim.sessions_created(), 0);
}

#[tokio::test]
async fn an_unknown_api_route_is_a_stripe_shaped_404() {
    let sim = spawn_sim().await;
    let response = http()
        .get(format!("{}v1/customers", sim.base_url()))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn a_session_past_its_expiry_time_expires_by_itself_with_an_event() {
    let sim = spawn_sim().await;
    let session = create_session(&sim, "Rust", 500).await;
    let past = session.created - 1;
    sim.set_expires_at(session.id.as_str(), past).unwrap();
    for _ in 0..40 {
        if sim.session(session.id.as_str()).unwrap()["status"] == "expired" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        sim.session(session.id.as_str()).unwrap()["status"],
        "expired"
    );
    assert_eq!(event_types(&sim), ["checkout.session.expired"]);
}

#[tokio::test]
async fn pages_are_linked_under_the_public_url_and_the_handle_is_shareable() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let sim = stripe_sim::StripeSim::start(stripe_sim::SimConfig {
        secret_key: SECRET_KEY.to_owned(),
        public_url: Some("https://pay.example.test/".to_owned()),
        ..stripe_sim::SimConfig::default()
    })
    .await
    .unwrap();
    shareable(&sim);
    let session = create_session(&sim, "Rust", 500).await;
    assert_eq!(
        session.url.unwrap(),
        format!("https://pay.example.test/c/pay/{}", session.id)
    );
    let health = http()
        .get(format!("{}healthz", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn concurrent_creates_with_one_idempotency_key_make_one_session() {
    let sim = spawn_sim().await;
    let client = stripe_client(&sim);
    // Eight at once: as many as a retrying caller plausibly sends; the simulator itself has no limit.
    let creates = (0..8).map(|_| {
        let client = client.clone();
        async move {
            let key =
                RequestStrategy::Idempotent(IdempotencyKey::new("purchase-9-checkout").unwrap());
            course_session("Rust", 700)
                .customize()
                .request_strategy(key)
                .send(&client)
                .await
                .unwrap()
        }
    });
    let sessions = futures_util::future::join_all(creates).await;
    assert!(sessions.iter().all(|s| s.id == sessions[0].id));
    assert_eq!(sim.sessions_created(), 1);
}
