//! The secret key: missing or wrong → 401 in Stripe's error shape.

use serde_json::Value;

use crate::helpers::{course_session, http, spawn_sim};

#[tokio::test]
async fn a_wrong_secret_key_gets_401_in_stripes_error_shape() {
    let sim = spawn_sim().await;
    let response = http()
        .get(format!("{}v1/checkout/sessions/cs_test_x", sim.base_url()))
        .bearer_auth("sk_test_wrong_key_9876")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid API Key provided: "),
        "{message}"
    );
    assert!(
        message.ends_with("9876") && !message.contains("wrong"),
        "the key is masked: {message}"
    );
}

#[tokio::test]
async fn a_request_without_a_key_gets_401_naming_the_authorization_header() {
    let sim = spawn_sim().await;
    let response = http()
        .post(format!("{}v1/refunds", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization")
    );
    assert_eq!(sim.sessions_created(), 0);
}

#[tokio::test]
async fn async_stripe_sees_a_wrong_key_as_a_typed_401_error() {
    let sim = spawn_sim().await;
    let client = stripe::ClientBuilder::new("sk_test_not_the_key")
        .url(sim.base_url())
        .build()
        .unwrap();
    let err = course_session("Rust", 1999)
        .send(&client)
        .await
        .unwrap_err();
    match err {
        stripe::StripeError::Stripe(api, status) => {
            assert_eq!(status, 401);
            assert_eq!(api.type_, stripe::ApiErrorsType::InvalidRequestError);
        }
        other => panic!("expected a Stripe API error, got {other:?}"),
    }
    assert_eq!(
        sim.sessions_created(),
        0,
        "nothing is created with a wrong key"
    );
}

#[tokio::test]
async fn the_key_is_also_accepted_as_the_basic_auth_user_name_as_stripe_does() {
    let sim = spawn_sim().await;
    let url = format!("{}v1/events", sim.base_url());
    let ok = http()
        .get(&url)
        .basic_auth(crate::helpers::SECRET_KEY, Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = http()
        .get(&url)
        .basic_auth("sk_test_other", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
}
