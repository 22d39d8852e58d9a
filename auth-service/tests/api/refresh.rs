//! Refresh sessions: rotation, the grace window, reuse detection and expiry.

use serde_json::Value;

use crate::helpers::{PASSWORD, new_client, spawn_app, spawn_app_with, spawn_vars};

#[tokio::test]
async fn refresh_rotates_the_token_on_every_use() {
    let app = spawn_app().await;
    let (_, _, body) = app.new_user("student").await;
    let first = body["refreshToken"].as_str().unwrap().to_owned();
    let res = app.refresh(&first).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let second = body["refreshToken"].as_str().unwrap();
    assert_ne!(second, first);
    assert_eq!(body["expiresIn"], 900);
    assert_eq!(
        app.get_bearer("/api/v1/auth/me", body["token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    let third = app.refresh(second).await;
    assert_eq!(third.status(), 200);
}

#[tokio::test]
async fn a_replay_inside_the_grace_window_returns_the_same_successor() {
    let app = spawn_app().await;
    let (_, _, body) = app.new_user("student").await;
    let first = body["refreshToken"].as_str().unwrap().to_owned();
    let a: Value = app.refresh(&first).await.json().await.unwrap();
    let b = app.refresh(&first).await;
    assert_eq!(
        b.status(),
        200,
        "two tabs refreshing at once must both succeed"
    );
    let b: Value = b.json().await.unwrap();
    assert_eq!(a["refreshToken"], b["refreshToken"]);
    // The successor still works afterwards: the session was not revoked.
    assert_eq!(
        app.refresh(a["refreshToken"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn concurrent_refreshes_all_succeed_with_one_successor() {
    let app = spawn_app().await;
    let (_, _, body) = app.new_user("student").await;
    let first = body["refreshToken"].as_str().unwrap().to_owned();
    let results = futures_util::future::join_all((0..5).map(|_| app.refresh(&first))).await;
    let mut successors = Vec::new();
    for res in results {
        assert_eq!(res.status(), 200);
        successors.push(
            res.json::<Value>().await.unwrap()["refreshToken"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    successors.dedup();
    assert_eq!(successors.len(), 1);
}

#[tokio::test]
async fn reuse_after_the_grace_window_revokes_the_whole_family() {
    let app = spawn_app_with(spawn_vars(&[("REFRESH_GRACE_SECS", "1")])).await;
    let (_, _, body) = app.new_user("student").await;
    let first = body["refreshToken"].as_str().unwrap().to_owned();
    let second: Value = app.refresh(&first).await.json().await.unwrap();
    let second = second["refreshToken"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let stolen = app.refresh(&first).await;
    assert_eq!(stolen.status(), 401);
    // The legitimate holder's current token is dead too: the family is gone.
    assert_eq!(app.refresh(&second).await.status(), 401);
}

#[tokio::test]
async fn the_refresh_cookie_alone_refreshes_and_replaces_both_cookies() {
    let app = spawn_app().await;
    let (address, _, _) = app.new_user("student").await;
    let browser = new_client();
    assert_eq!(
        app.sign_in(&browser, &address, PASSWORD).await.status(),
        200
    );
    let res = browser
        .post(app.url("/api/v1/auth/refresh-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(crate::helpers::set_cookie(&res, "token").is_some());
    assert!(crate::helpers::set_cookie(&res, "refresh_token").is_some());
    assert_eq!(
        browser
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn unknown_missing_or_expired_refresh_tokens_are_401() {
    let app = spawn_app_with(spawn_vars(&[("REFRESH_IDLE_TTL_SECS", "1")])).await;
    assert_eq!(app.refresh("definitely-not-a-token").await.status(), 401);
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (_, _, body) = app.new_user("student").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        app.refresh(body["refreshToken"].as_str().unwrap())
            .await
            .status(),
        401
    );
}
