//! The client's cookies reach a service byte for byte, minus the credential cookies: a `token` smuggled
//! inside another cookie's percent-encoded value or a quoted value, or sent twice, never arrives as a
//! cookie of its own.

use serde_json::Value;

use crate::helpers::{Stack, spawn};

/// A token revoked at sign-out.
async fn revoked_token(stack: &Stack) -> String {
    let token = stack.token("student").await;
    let res = stack
        .post_bearer("/api/v1/user/signout", &token, serde_json::json!({}))
        .await;
    assert_eq!(res.status(), 200);
    token
}

/// What the reporting upstream saw of `cookie` on a public course route.
async fn seen_with_cookie(stack: &Stack, cookie: &str) -> (reqwest::header::HeaderMap, Value) {
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/courses/published"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{cookie}");
    let headers = res.headers().clone();
    (headers, res.json().await.unwrap())
}

fn cookie_names(seen: &Value) -> Vec<String> {
    seen["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_token_smuggled_in_a_percent_encoded_value_stays_inside_that_value() {
    let stack = spawn().await;
    let revoked = revoked_token(&stack).await;
    let cookie = format!("theme=x%3B%20token%3D{revoked}; lang=en");
    let (_, seen) = seen_with_cookie(&stack, &cookie).await;
    assert_eq!(
        seen["headers"]["cookie"],
        cookie.as_str(),
        "not byte for byte"
    );
    assert_eq!(cookie_names(&seen), ["theme", "lang"], "{seen}");
    assert_eq!(seen["cookies"][0][1], format!("x; token={revoked}"));
    assert!(seen["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn a_token_inside_a_quoted_value_never_reaches_a_service() {
    let stack = spawn().await;
    let revoked = revoked_token(&stack).await;
    let (_, seen) =
        seen_with_cookie(&stack, &format!("theme=\"x; token={revoked}\"; lang=en")).await;
    assert_eq!(seen["headers"]["cookie"], "theme=\"x; lang=en");
    assert!(!cookie_names(&seen).contains(&"token".to_owned()), "{seen}");
    assert!(
        !seen.to_string().contains(&revoked),
        "the token reached the service"
    );
}

#[tokio::test]
async fn duplicate_and_disguised_token_cookies_never_reach_a_service() {
    let stack = spawn().await;
    let revoked = revoked_token(&stack).await;
    let valid = stack.token("student").await;
    for cookie in [
        format!("token={revoked}; token={valid}; lang=en"),
        format!("token={valid}; token={revoked}; lang=en"),
        format!("%74oken={revoked}; lang=en"),
        format!("TOKEN={revoked}; lang=en"),
        "refresh_token=r1; refresh%5Ftoken=r2; lang=en".to_owned(),
    ] {
        let (_, seen) = seen_with_cookie(&stack, &cookie).await;
        assert_eq!(seen["headers"]["cookie"], "lang=en", "{cookie}");
        assert!(!seen.to_string().contains(&revoked), "{cookie}");
    }
    // Two token cookies: the first one is the one judged (as browsers send the most specific first).
    let (_, seen) = seen_with_cookie(&stack, &format!("token={valid}; token={revoked}")).await;
    assert_eq!(
        seen["headers"]["authorization"],
        format!("Bearer {valid}").as_str()
    );
    let (headers, seen) =
        seen_with_cookie(&stack, &format!("token={revoked}; token={valid}")).await;
    assert!(seen["headers"].get("authorization").is_none());
    assert!(
        headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("token=;")),
        "the revoked cookie was not cleared"
    );
}
