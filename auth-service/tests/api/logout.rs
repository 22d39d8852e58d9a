//! Sign-out and sign-out everywhere: Redis revocation with the right TTL, the announcement, cookies.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use shared::revocation::{Revocation, not_before_key, revoked_jti_key};

use crate::helpers::{PASSWORD, new_client, set_cookie, spawn_app};

fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn signout_revokes_the_jti_in_redis_for_the_rest_of_its_life_and_announces_it() {
    let app = spawn_app().await;
    let (_, token, _) = app.new_user("student").await;
    let jti = claims(&token)["jti"].as_str().unwrap().to_owned();

    let mut pubsub = crate::helpers::subscribe_revocations(&app).await;

    let res = app
        .post_bearer("/api/v1/user/signout", &token, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert!(set_cookie(&res, "token").unwrap().contains("Max-Age=0"));
    let ttl: i64 = app
        .redis_cmd(redis::cmd("TTL").arg(revoked_jti_key(&app.prefix, &jti)))
        .await;
    assert!(
        (890..=900).contains(&ttl),
        "TTL {ttl} should be the token's remaining life"
    );

    let announced = crate::helpers::next_revocation(&mut pubsub).await;
    assert!(matches!(announced, Revocation::Token { jti: ref j, .. } if *j == jti));

    let res = app.get_bearer("/api/v1/auth/me", &token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "JWT token error"
    );
}

#[tokio::test]
async fn signout_ends_the_refresh_session_and_works_without_a_token() {
    let app = spawn_app().await;
    let (address, _, _) = app.new_user("student").await;
    let browser = new_client();
    let body: Value = app
        .sign_in(&browser, &address, PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let res = browser
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let refresh = app.refresh(&body["refreshToken"]).await;
    assert_eq!(refresh.status(), 401);
    let anonymous = app
        .client
        .post(app.url("/api/v1/user/signout"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 200);
}

#[tokio::test]
async fn logout_all_refuses_every_earlier_token_and_session() {
    let app = spawn_app().await;
    let (address, first, signup) = app.new_user("student").await;
    let second: Value = app.sign_in_body(&address, PASSWORD).await;
    let second_token = second["token"].as_str().unwrap();
    let res = app
        .post_bearer("/api/v1/auth/logout-all", second_token, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &first).await.status(),
        401
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", second_token)
            .await
            .status(),
        401
    );
    let refresh = app.refresh(&signup["refreshToken"]).await;
    assert_eq!(refresh.status(), 401);
    let user_id = signup["user"]["_id"].as_str().unwrap();
    let nbf: Option<i64> = app
        .redis_cmd(redis::cmd("GET").arg(not_before_key(&app.prefix, user_id)))
        .await;
    assert!(nbf.is_some(), "the gateway reads the not-before from Redis");
    // Signing in again right away works: new tokens are not caught by the not-before.
    let again: Value = app.sign_in_body(&address, PASSWORD).await;
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", again["token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn logout_all_needs_a_login() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .post(app.url("/api/v1/auth/logout-all"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn signout_is_503_not_a_silent_success_when_revocations_cannot_be_written() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead_redis = format!("redis://127.0.0.1:{closed}");
    let app =
        crate::helpers::spawn_app_with(crate::helpers::spawn_vars(&[("REDIS_URL", &dead_redis)]))
            .await;
    let (_, token, _) = app.new_user("student").await;
    let res = app
        .post_bearer("/api/v1/user/signout", &token, json!({}))
        .await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "SERVICE_UNAVAILABLE"
    );
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", &token).await.status(),
        503
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<Value>().await.unwrap()["checks"]["redis"],
        "error"
    );
}
