//! Sign-up, sign-in and `me` through the gateway, with a cookie jar and with a bearer token; routes that
//! need a login refuse anonymous and forged callers with the seed's messages.

use serde_json::{Value, json};
use test_support::send_json;

use crate::helpers::{PASSWORD, browser, email, spawn};

#[tokio::test]
async fn a_cookie_client_signs_up_signs_in_and_reads_its_profile() {
    let stack = spawn().await;
    let jar = browser();
    let address = email();
    let res = jar
        .post(stack.url("/api/v1/user/signup"))
        .json(&json!({ "name": "Ada", "email": address, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("token=") && c.contains("HttpOnly"))
    );
    assert!(cookies.iter().any(|c| c.starts_with("refresh_token=")));

    let me: Value = send_json(jar.get(stack.url("/api/v1/auth/me"))).await;
    assert_eq!(me["user"]["email"], address.as_str());

    let fresh = browser();
    let res = fresh
        .post(stack.url("/api/v1/user/signin"))
        .json(&json!({ "email": address, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = fresh
        .get(stack.url("/api/v1/user/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_bearer_client_signs_in_and_reads_its_profile() {
    let stack = spawn().await;
    let body = stack.sign_up(&reqwest::Client::new(), "student").await;
    let token = body["token"].as_str().unwrap();
    let res = stack.get_bearer("/api/v1/auth/me", token).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["user"]["_id"], body["user"]["_id"]);
}

#[tokio::test]
async fn protected_routes_refuse_missing_tampered_and_foreign_tokens() {
    let stack = spawn().await;
    let res = stack.gateway.get("/api/v1/auth/me").await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "You are not logged in");
    assert_eq!(body["error"], "UNAUTHORIZED");

    let token = stack.token("student").await;
    let tampered = test_support::tampered(&token);
    for (bad, reason) in [
        (tampered.as_str(), "bad_signature"),
        ("not-a-jwt", "malformed"),
        (
            "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.",
            "wrong_algorithm",
        ),
    ] {
        // The progress group goes to the reporting upstream: a refused token must never get there.
        let res = stack.get_bearer("/api/v1/progress", bad).await;
        assert_eq!(res.status(), 401, "{reason}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["message"], "JWT token error", "{reason}");
        assert!(body.get("method").is_none(), "reached the upstream: {body}");
    }
}

#[tokio::test]
async fn the_verified_token_is_forwarded_as_a_bearer_even_when_it_came_in_a_cookie() {
    let stack = spawn().await;
    let jar = browser();
    let body = stack.sign_up(&jar, "student").await;
    let seen: Value = send_json(jar.get(stack.url("/api/v1/progress"))).await;
    let token = body["token"].as_str().unwrap();
    assert_eq!(seen["headers"]["authorization"], format!("Bearer {token}"));
    let cookie = seen["headers"]["cookie"].as_str().unwrap_or_default();
    assert!(
        !cookie.contains("token="),
        "credential cookies stay at the gateway: {cookie}"
    );
}
