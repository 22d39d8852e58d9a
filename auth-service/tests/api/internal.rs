//! Internal routes for other services, guarded by the service token.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn internal_user_lookup_needs_the_service_token() {
    let app = spawn_app().await;
    let (_, _, body) = app.new_user("instructor").await;
    let id = body["user"]["_id"].as_str().unwrap();
    let url = app.url(&format!("/internal/users/{id}"));
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        app.client
            .get(&url)
            .header("x-internal-token", "guess")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let res = app
        .client
        .get(&url)
        .header("x-internal-token", &app.internal_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["user"]["role"], "instructor");
    assert!(!user.to_string().contains("password"));
    let missing = app
        .client
        .get(app.url("/internal/users/64b7f0c2a1b2c3d4e5f60718"))
        .header("x-internal-token", &app.internal_token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let batch = app
        .client
        .post(app.url("/internal/users/batch"))
        .header("x-internal-token", &app.internal_token)
        .json(&json!({ "ids": [id, "bogus"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        batch.json::<Value>().await.unwrap()["users"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn resolving_an_api_key_mints_a_token_that_stands_for_the_key() {
    let app = spawn_app().await;
    let (_, token, body) = app.new_user("student").await;
    let key: Value = app
        .post_bearer("/api/v1/auth/api-keys", &token, json!({ "name": "gw" }))
        .await
        .json()
        .await
        .unwrap();
    let key = key["apiKey"]["key"].as_str().unwrap();
    let url = app.url("/internal/api-keys/resolve");
    assert_eq!(
        app.client
            .post(&url)
            .json(&json!({ "key": key }))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = app
        .client
        .post(&url)
        .header("x-internal-token", &app.internal_token)
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let resolved: Value = res.json().await.unwrap();
    assert_eq!(resolved["userId"], body["user"]["_id"]);
    assert_eq!(resolved["role"], "student");
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", resolved["token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    let bad = app
        .client
        .post(&url)
        .header("x-internal-token", &app.internal_token)
        .json(&json!({ "key": "pk_nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
}
