//! Account deletion: re-authentication, revocation, clean-up and the `user.deleted` event.

use std::time::Duration;

use serde_json::{Value, json};
use shared::events::stream_key;
use test_support::eventually;

use crate::helpers::{PASSWORD, spawn_app};

async fn delete_account(
    app: &crate::helpers::TestApp,
    token: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .delete(app.url("/api/v1/user/account"))
        .bearer_auth(token)
        .json(&json!({ "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_the_account_needs_the_password() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    assert_eq!(
        delete_account(&app, &token, "wrong-passw0rd")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &token).await.status(),
        200
    );
    let res = app
        .client
        .delete(app.url("/api/v1/user/account"))
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "anonymous callers cannot delete anything"
    );
}

#[tokio::test]
async fn deleting_the_account_removes_it_revokes_tokens_and_publishes_user_deleted() {
    let app = spawn_app().await;
    let (address, token, body) = app.new_user("instructor").await;
    let user_id = body["user"]["_id"].as_str().unwrap().to_owned();
    let res = delete_account(&app, &token, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(
        crate::helpers::set_cookie(&res, "token")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &token).await.status(),
        401
    );
    assert_eq!(
        app.sign_in(&app.client, &address, PASSWORD).await.status(),
        401
    );
    assert!(
        app.state
            .store
            .users
            .find_by_id(&user_id)
            .await
            .unwrap()
            .is_none()
    );
    // The account is gone, so the gateway can only refuse its tokens through the Redis "not before".
    let nbf: Option<i64> = app
        .redis_cmd(redis::cmd("GET").arg(shared::revocation::not_before_key(&app.prefix, &user_id)))
        .await;
    assert!(
        nbf.is_some_and(|nbf| nbf > chrono::Utc::now().timestamp() - 5),
        "not-before set in Redis"
    );

    let stream = stream_key(&app.prefix, "user.deleted");
    eventually(
        Duration::from_secs(5),
        &format!("user.deleted published for {user_id}"),
        async || {
            let entries: redis::Value = app
                .redis_cmd(redis::cmd("XRANGE").arg(&stream).arg("-").arg("+"))
                .await;
            format!("{entries:?}").contains(&user_id).then_some(())
        },
    )
    .await;
    // The relay deletes the outbox entry just after publishing it, so the entry may outlive the stream
    // write by a moment.
    eventually(
        Duration::from_secs(5),
        "the relay removing the published entry",
        async || {
            app.state
                .store
                .outbox
                .pending(10)
                .await
                .unwrap()
                .is_empty()
                .then_some(())
        },
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["success"], true);
}
