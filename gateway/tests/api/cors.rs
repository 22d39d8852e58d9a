//! CORS as `api.md` §1: preflights from the frontend's origin are granted and cached, others get no grant,
//! error answers carry the grant too, and cookie-authenticated writes from a foreign origin are refused.

use serde_json::json;

use crate::helpers::{ORIGIN, browser, spawn};

async fn preflight(stack: &crate::helpers::Stack, origin: &str) -> reqwest::Response {
    stack
        .gateway
        .client
        .request(reqwest::Method::OPTIONS, stack.url("/api/v1/user/signin"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_preflight_from_the_frontend_is_granted_with_credentials_and_cached() {
    let stack = spawn().await;
    let res = preflight(&stack, ORIGIN).await;
    assert_eq!(res.status(), 204);
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(h["access-control-allow-credentials"], "true");
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = h["access-control-allow-headers"].to_str().unwrap();
    for name in [
        "Content-Type",
        "Authorization",
        "X-Requested-With",
        "X-API-Key",
        "Accept",
        "Origin",
    ] {
        assert!(headers.contains(name), "{headers}");
    }
    assert_eq!(h["access-control-max-age"], "600");
}

#[tokio::test]
async fn a_preflight_from_another_origin_gets_no_grant() {
    let stack = spawn().await;
    let res = preflight(&stack, "https://evil.example").await;
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert!(
        res.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

#[tokio::test]
async fn errors_carry_the_grant_so_the_frontend_can_read_them() {
    let stack = spawn().await;
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/auth/me"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");
    let expose = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(
        expose.contains("Retry-After") && expose.contains("RateLimit"),
        "{expose}"
    );
}

#[tokio::test]
async fn a_cookie_authenticated_write_from_a_foreign_origin_is_refused() {
    let stack = spawn().await;
    let jar = browser();
    stack.sign_up(&jar, "student").await;
    let res = jar
        .post(stack.url("/api/v1/progress/x/complete"))
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "FORBIDDEN");
    // The same write from the frontend's origin goes through.
    let res = jar
        .post(stack.url("/api/v1/progress/x/complete"))
        .header("origin", ORIGIN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
