//! Revocation at the gateway: a logged-out token stops within a second, at every replica, logout-all stops
//! every earlier token, and a gateway that cannot reach Redis answers 503 on authenticated routes while public ones work.

use std::time::Duration;

use serde_json::json;
use test_support::{REDIS, TcpProxy, TestClient, eventually, required_env, send_json};

use crate::helpers::{Options, PASSWORD, Stack, browser, email, spawn, spawn_with};

#[tokio::test]
async fn a_logged_out_token_is_refused_within_a_second() {
    let stack = spawn().await;
    signed_out_token_is_refused_within_a_second_by(&stack, &stack.gateway).await;
}

#[tokio::test]
async fn a_token_logged_out_through_one_replica_is_refused_by_another_within_a_second() {
    // Replicas share nothing but Redis: the revocation reaches the other one through it.
    let stack = spawn().await;
    let replica = stack.replica(&[]).await;
    signed_out_token_is_refused_within_a_second_by(&stack, &replica).await;
}

/// A student's token works at `checker`, is signed out through the stack's gateway, and within a second
/// `checker` refuses it as revoked.
async fn signed_out_token_is_refused_within_a_second_by(stack: &Stack, checker: &TestClient) {
    let token = stack.token("student").await;
    assert_eq!(
        checker
            .get_bearer("/api/v1/progress", &token)
            .await
            .status(),
        200
    );
    let res = stack
        .post_bearer("/api/v1/user/signout", &token, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    eventually(
        Duration::from_millis(1000),
        "the logged-out token refused with 401",
        async || {
            (checker
                .get_bearer("/api/v1/progress", &token)
                .await
                .status()
                == 401)
                .then_some(())
        },
    )
    .await;
    let body: serde_json::Value = checker
        .get_bearer("/api/v1/progress", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["message"], "JWT token error");
    assert_eq!(body["details"]["reason"], "revoked");
}

#[tokio::test]
async fn logout_all_refuses_every_earlier_token() {
    let stack = spawn().await;
    let address = email();
    let signup = stack
        .gateway
        .client
        .post(stack.url("/api/v1/user/signup"))
        .json(&json!({ "name": "Multi Device", "email": address, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let body: serde_json::Value = send_json(
            stack
                .gateway
                .client
                .post(stack.url("/api/v1/user/signin"))
                .json(&json!({ "email": address, "password": PASSWORD })),
        )
        .await;
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    for t in &tokens {
        assert_eq!(stack.get_bearer("/api/v1/progress", t).await.status(), 200);
    }
    let res = stack
        .post_bearer("/api/v1/auth/logout-all", &tokens[0], json!({}))
        .await;
    assert_eq!(res.status(), 200);
    for t in &tokens {
        eventually(
            Duration::from_millis(1000),
            "a token from before logout-all refused with 401",
            async || (stack.get_bearer("/api/v1/progress", t).await.status() == 401).then_some(()),
        )
        .await;
    }
}

/// The stack with auth-service and the gateway reaching Redis through `redis`, a proxy the test closes to
/// take Redis away from them (and from nobody else).
async fn spawn_behind(redis: &TcpProxy) -> Stack {
    let url = REDIS.url_via(redis);
    spawn_with(
        Options::default()
            .gateway("REDIS_URL", url.clone())
            .auth("REDIS_URL", url),
    )
    .await
}

#[tokio::test]
async fn with_redis_stopped_authenticated_routes_are_503_and_public_ones_still_work() {
    let redis = TcpProxy::in_front_of(&required_env("REDIS_URL"), true).await;
    let stack = spawn_behind(&redis).await;
    let jar = browser();
    stack.sign_up(&jar, "student").await;
    assert_eq!(
        jar.get(stack.url("/api/v1/progress"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    redis.close();
    eventually(
        Duration::from_millis(3000),
        "an authenticated request refused with 503",
        async || {
            (jar.get(stack.url("/api/v1/progress"))
                .send()
                .await
                .unwrap()
                .status()
                == 503)
                .then_some(())
        },
    )
    .await;
    let body: serde_json::Value = send_json(jar.get(stack.url("/api/v1/progress"))).await;
    assert_eq!(body["error"], "SERVICE_UNAVAILABLE");
    let public = stack.gateway.get("/api/v1/courses/published").await;
    assert_eq!(
        public.status(),
        200,
        "a public route stopped working with Redis"
    );
}

#[tokio::test]
async fn fail_open_mode_accepts_tokens_while_redis_is_unreachable() {
    let redis = TcpProxy::in_front_of(&required_env("REDIS_URL"), true).await;
    // The stack's gateway fails closed; a replica of it behind the same proxy fails open.
    let stack = spawn_behind(&redis).await;
    let fail_open = stack.replica(&[("REVOCATION_FAIL_OPEN", "true")]).await;
    let token = stack.token("student").await;
    let progress = |gateway: &test_support::TestClient| {
        gateway
            .client
            .get(gateway.url("/api/v1/progress"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(progress(&fail_open).await.unwrap().status(), 200);
    redis.close();
    // Proof that the revocation copies are no longer trusted: the same request to the gateway that fails
    // closed is refused. Both lost their subscription when the proxy closed.
    eventually(
        Duration::from_secs(3),
        "the fail-closed gateway refusing with 503",
        async || (progress(&stack.gateway).await.unwrap().status() == 503).then_some(()),
    )
    .await;
    assert_eq!(progress(&fail_open).await.unwrap().status(), 200);
    assert_eq!(progress(&stack.gateway).await.unwrap().status(), 503);
}
