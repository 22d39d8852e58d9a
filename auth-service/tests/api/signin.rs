//! Sign-in: the seed's messages, identical failures, inactive accounts, cookie and bearer use.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, email, new_client, spawn_app, without_request_id};

#[tokio::test]
async fn signin_welcomes_the_user_and_sets_cookies_that_authenticate() {
    let app = spawn_app().await;
    let (address, _, _) = app.new_user("student").await;
    let browser = new_client();
    let res = app.sign_in(&browser, &address, PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Welcome back Test User");
    assert!(body["refreshToken"].is_string());
    let me = browser
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["email"], address);
    let profile = app
        .get_bearer("/api/v1/user/profile", body["token"].as_str().unwrap())
        .await;
    assert_eq!(profile.status(), 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_give_identical_401_bodies() {
    let app = spawn_app().await;
    let (address, _, _) = app.new_user("student").await;
    let wrong = app.sign_in(&new_client(), &address, "wrong-passw0rd").await;
    assert_eq!(wrong.status(), 401);
    let unknown = app.sign_in(&new_client(), &email(), "wrong-passw0rd").await;
    assert_eq!(unknown.status(), 401);
    let wrong = without_request_id(wrong.json().await.unwrap());
    let unknown = without_request_id(unknown.json().await.unwrap());
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["message"], "Invalid email or password");
}

#[tokio::test]
async fn login_alias_works_and_missing_fields_are_400() {
    let app = spawn_app().await;
    let (address, _, _) = app.new_user("student").await;
    let res = app
        .post(
            &new_client(),
            "/api/v1/auth/login",
            json!({ "email": address, "password": PASSWORD }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &new_client(),
            "/api/v1/auth/login",
            json!({ "email": address }),
        )
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn an_inactive_account_gets_403_only_with_the_right_password() {
    let app = spawn_app().await;
    let (address, _, body) = app.new_user("student").await;
    let id = body["user"]["_id"].as_str().unwrap();
    app.state
        .store
        .users
        .update_admin_fields(id, None, Some(false))
        .await
        .unwrap();
    let res = app.sign_in(&new_client(), &address, PASSWORD).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Account is inactive");
    // Callers (the gateway) tell it from other refusals by the code.
    assert_eq!(body["error"], "ACCOUNT_INACTIVE");
    let res = app.sign_in(&new_client(), &address, "wrong-passw0rd").await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn no_credentials_and_bad_tokens_get_the_seed_messages() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/user/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "You are not logged in"
    );
    let res = app.get_bearer("/api/v1/auth/me", "not.a.jwt").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "JWT token error"
    );
}
