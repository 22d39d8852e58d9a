//! Silent refresh: a cookie client whose access token has expired stays signed in, because the gateway
//! rotates its refresh session once, forwards the request with the new token and hands back both cookies.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Options, browser, spawn_with};

const TTL_SECS: &str = "2";
// Token times are whole seconds and a token is valid through its `exp` second, so a 2 s token can still be
// valid 2.9 s after it was issued; waiting 3.1 s means it has surely expired.

fn short_tokens() -> Options {
    Options::default().auth("ACCESS_TOKEN_TTL_SECS", TTL_SECS)
}

fn set_cookie_names(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split('=').next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_cookie_client_stays_signed_in_past_the_access_token_lifetime() {
    let stack = spawn_with(short_tokens()).await;
    let jar = browser();
    let body = stack.sign_up(&jar, "student").await;
    let first_token = body["token"].as_str().unwrap().to_owned();
    for round in 0..2 {
        tokio::time::sleep(Duration::from_millis(3100)).await;
        let res = jar.get(stack.url("/api/v1/progress")).send().await.unwrap();
        assert_eq!(res.status(), 200, "round {round}: the session ended");
        let names = set_cookie_names(&res);
        assert!(
            names.contains(&"token".to_owned()),
            "round {round}: {names:?}"
        );
        assert!(
            names.contains(&"refresh_token".to_owned()),
            "round {round}: {names:?}"
        );
        let seen: Value = res.json().await.unwrap();
        let forwarded = seen["headers"]["authorization"].as_str().unwrap();
        assert_ne!(
            forwarded,
            format!("Bearer {first_token}"),
            "the expired token was forwarded"
        );
    }
    // The refreshed cookie now authenticates on its own, without another rotation.
    let res = jar.get(stack.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(set_cookie_names(&res).is_empty());
}

#[tokio::test]
async fn five_concurrent_requests_with_one_expired_session_all_succeed() {
    let stack = spawn_with(short_tokens()).await;
    let jar = browser();
    stack.sign_up(&jar, "student").await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let requests = (0..5).map(|_| jar.get(stack.url("/api/v1/progress")).send());
    let answers = futures_util::future::join_all(requests).await;
    for res in answers {
        assert_eq!(res.unwrap().status(), 200);
    }
    // The session survived the burst: the next request still works.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        jar.get(stack.url("/api/v1/progress"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn an_expired_token_cookie_is_replaced_when_a_refresh_cookie_is_present() {
    let stack = spawn_with(short_tokens()).await;
    let jar = browser();
    let body = stack.sign_up(&jar, "student").await;
    let old = body["token"].as_str().unwrap().to_owned();
    let refresh = body["refreshToken"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    // A client that keeps sending the expired cookie (no expiry handling of its own).
    let client = reqwest::Client::new();
    let cookie = format!("token={old}; refresh_token={refresh}");
    let res = client
        .get(stack.url("/api/v1/progress"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(set_cookie_names(&res).contains(&"token".to_owned()));
}

#[tokio::test]
async fn without_a_valid_refresh_cookie_an_expired_session_gets_401() {
    let stack = spawn_with(short_tokens()).await;
    let jar = browser();
    let body = stack.sign_up(&jar, "student").await;
    let old = body["token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let res = reqwest::Client::new()
        .get(stack.url("/api/v1/progress"))
        .header("cookie", format!("token={old}; refresh_token=forged"))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 401, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["details"]["reason"], "expired");
}
