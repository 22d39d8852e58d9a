//! Change, forgot and reset password: mail delivery, single use, revocation, and no leaks of the token.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, email, logs, new_client, reset_token_from, spawn_app, wait_for_mail,
    without_request_id,
};

#[tokio::test]
async fn change_password_requires_the_current_one_and_revokes_other_sessions() {
    let app = spawn_app().await;
    let (address, other_session, _) = app.new_user("student").await;
    let mine: Value = app.sign_in_body(&address, PASSWORD).await;
    let token = mine["token"].as_str().unwrap();
    let change = |current: &str, new: &str| {
        app.client
            .patch(app.url("/api/v1/user/change-password"))
            .bearer_auth(token)
            .json(&json!({ "currentPassword": current, "newPassword": new }))
            .send()
    };
    assert_eq!(
        change("wrong-passw0rd", "n3w-password")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(change(PASSWORD, "short1").await.unwrap().status(), 400);
    let res = change(PASSWORD, "n3w-password").await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let fresh = body["token"]
        .as_str()
        .expect("the caller gets a fresh token");
    assert_eq!(app.get_bearer("/api/v1/auth/me", fresh).await.status(), 200);
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &other_session)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", token).await.status(),
        401,
        "the old token predates the change"
    );
    assert_eq!(
        app.sign_in(&new_client(), &address, PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.sign_in(&new_client(), &address, "n3w-password")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_emails() {
    let app = spawn_app().await;
    let (address, _, _) = app.new_user("student").await;
    let known = app
        .post(
            &app.client,
            "/api/v1/user/forgot-password",
            json!({ "email": address }),
        )
        .await;
    let unknown = app
        .post(
            &app.client,
            "/api/v1/user/forgot-password",
            json!({ "email": email() }),
        )
        .await;
    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), 200);
    assert_eq!(
        without_request_id(known.json().await.unwrap()),
        without_request_id(unknown.json().await.unwrap())
    );
    let bad = app
        .post(
            &app.client,
            "/api/v1/user/forgot-password",
            json!({ "email": "nope" }),
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn the_reset_link_arrives_by_mail_works_once_and_revokes_every_session() {
    let app = spawn_app().await;
    let (address, old_token, signup) = app.new_user("student").await;
    let res = app
        .post(
            &app.client,
            "/api/v1/user/forgot-password",
            json!({ "email": address }),
        )
        .await;
    let response_text = res.text().await.unwrap();
    let mail = wait_for_mail(&address).await;
    assert!(mail.contains("http://localhost:5173/reset-password/"));
    let token = reset_token_from(&mail);
    assert_eq!(token.len(), 43, "256-bit token, base64url");
    assert!(!response_text.contains(&token));

    let reset = |password: &'static str| {
        let url = app.url(&format!("/api/v1/user/reset-password/{token}"));
        app.client
            .post(url)
            .json(&json!({ "password": password }))
            .send()
    };
    assert_eq!(
        reset("weak").await.unwrap().status(),
        400,
        "a weak password does not burn the link"
    );
    let res = reset("brand-n3w-pass").await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(!body.contains(&token));
    let again = reset("another-n3w-pass").await.unwrap();
    assert_eq!(again.status(), 400);
    assert_eq!(
        again.json::<Value>().await.unwrap()["message"],
        "Invalid or expired reset token"
    );

    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &old_token).await.status(),
        401
    );
    let refresh = app.refresh(&signup["refreshToken"]).await;
    assert_eq!(refresh.status(), 401);
    assert_eq!(
        app.sign_in(&new_client(), &address, "brand-n3w-pass")
            .await
            .status(),
        200
    );
    let logs = logs();
    let leak = logs.lines().find(|line| line.contains(&token));
    assert!(
        leak.is_none(),
        "the reset token must never be logged: {leak:?}"
    );
}

#[tokio::test]
async fn an_unknown_reset_token_is_400() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/user/reset-password/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let res = app
        .client
        .post(url)
        .json(&json!({ "password": "valid-passw0rd" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn an_expired_reset_token_is_400() {
    let app = crate::helpers::spawn_app_with(crate::helpers::spawn_vars(&[(
        "RESET_TOKEN_TTL_SECS",
        "1",
    )]))
    .await;
    let (address, _, _) = app.new_user("student").await;
    app.post(
        &app.client,
        "/api/v1/user/forgot-password",
        json!({ "email": address }),
    )
    .await;
    let token = reset_token_from(&wait_for_mail(&address).await);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let url = app.url(&format!("/api/v1/user/reset-password/{token}"));
    let res = app
        .client
        .post(url)
        .json(&json!({ "password": "valid-passw0rd" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
