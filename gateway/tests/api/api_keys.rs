//! API keys at the gateway: accepted in `X-API-Key` and as `Bearer pk_...`, forwarded as a short-lived
//! access token, rate limited per key, and refused within a second of being revoked.

use std::time::Duration;

use serde_json::{Value, json};
use test_support::{eventually, send_json};

use crate::helpers::spawn;

#[tokio::test]
async fn an_api_key_works_in_both_headers_and_stops_within_a_second_of_revocation() {
    let stack = spawn().await;
    let token = stack.token("instructor").await;
    let res = stack
        .post_bearer("/api/v1/auth/api-keys", &token, json!({ "name": "ci" }))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let key = created["apiKey"]["key"].as_str().unwrap().to_owned();
    let id = created["apiKey"]["id"].as_str().unwrap().to_owned();

    let by_header = stack
        .gateway
        .client
        .get(stack.url("/api/v1/progress"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 200);
    let seen: Value = by_header.json().await.unwrap();
    let forwarded = seen["headers"]["authorization"].as_str().unwrap();
    assert!(
        forwarded.starts_with("Bearer ey"),
        "the key itself was forwarded: {forwarded}"
    );
    assert!(seen["headers"].get("x-api-key").is_none(), "{seen}");
    assert_eq!(
        stack.get_bearer("/api/v1/auth/me", &key).await.status(),
        200
    );

    let res = stack
        .gateway
        .client
        .delete(stack.url(&format!("/api/v1/auth/api-keys/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(
        Duration::from_millis(1000),
        "the revoked key refused with 401",
        async || (stack.get_bearer("/api/v1/progress", &key).await.status() == 401).then_some(()),
    )
    .await;
}

#[tokio::test]
async fn an_unknown_api_key_is_refused_with_the_seed_message() {
    let stack = spawn().await;
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/progress"))
        .header("x-api-key", "pk_00000000000000000000000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "JWT token error");
}

#[tokio::test]
async fn a_deactivated_owners_key_is_refused_with_403() {
    let admin_email = crate::helpers::email();
    let stack = crate::helpers::spawn_with(
        crate::helpers::Options::default()
            .auth("ADMIN_EMAIL", admin_email.clone())
            .auth("ADMIN_PASSWORD", crate::helpers::PASSWORD),
    )
    .await;
    let owner = stack.sign_up(&reqwest::Client::new(), "student").await;
    let token = owner["token"].as_str().unwrap();
    let created: Value = stack
        .post_bearer("/api/v1/auth/api-keys", token, json!({ "name": "ci" }))
        .await
        .json()
        .await
        .unwrap();
    let key = created["apiKey"]["key"].as_str().unwrap().to_owned();
    assert_eq!(
        stack.get_bearer("/api/v1/progress", &key).await.status(),
        200
    );

    let signin: Value = send_json(
        stack
            .gateway
            .client
            .post(stack.url("/api/v1/user/signin"))
            .json(&json!({ "email": admin_email, "password": crate::helpers::PASSWORD })),
    )
    .await;
    let admin = signin["token"].as_str().unwrap();
    let user_id = owner["user"]["_id"].as_str().unwrap();
    let res = stack
        .gateway
        .client
        .patch(stack.url(&format!("/api/v1/auth/users/{user_id}")))
        .bearer_auth(admin)
        .json(&json!({ "isActive": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(
        Duration::from_millis(1000),
        "the deactivated owner's key refused with 403",
        async || (stack.get_bearer("/api/v1/progress", &key).await.status() == 403).then_some(()),
    )
    .await;
    let body: Value = stack
        .get_bearer("/api/v1/progress", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["message"], "Account is inactive");
    assert_eq!(body["error"], "ACCOUNT_INACTIVE");
}
