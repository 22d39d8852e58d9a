//! HTTP semantics through the gateway, for its own routes and the services' alike: a 405 names the
//! route's real methods in `Allow`, `HEAD` works wherever `GET` does, and `OPTIONS` without `Origin`
//! answers 204 with `Allow`.

use reqwest::Method;

use crate::helpers::{Options, Stack, spawn_with};

async fn call(stack: &Stack, method: Method, path: &str) -> reqwest::Response {
    stack
        .gateway
        .client
        .request(method, stack.url(path))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn allow_head_and_options_hold_at_the_gateway_and_at_the_services() {
    let stack = spawn_with(Options::default().with_course_service()).await;
    let cases = [
        // (path, its Allow, a method it does not have)
        ("/api/v1/healthcheck", "GET, HEAD, OPTIONS", Method::DELETE),
        ("/api/v1/openapi.json", "GET, HEAD, OPTIONS", Method::POST),
        (
            "/api/v1/auth/.well-known/jwks.json",
            "GET, HEAD, OPTIONS",
            Method::PUT,
        ),
        (
            "/api/v1/user/profile",
            "GET, HEAD, PATCH, OPTIONS",
            Method::PUT,
        ),
        ("/api/v1/user/signin", "POST, OPTIONS", Method::GET),
        (
            "/api/v1/courses/published",
            "GET, HEAD, OPTIONS",
            Method::POST,
        ),
        (
            "/api/v1/courses/0123456789abcdef01234567",
            "GET, HEAD, PATCH, DELETE, OPTIONS",
            Method::PUT,
        ),
    ];
    let token = stack.token("student").await;
    for (path, allow, missing) in cases {
        let res = call(&stack, Method::OPTIONS, path).await;
        assert_eq!(res.status(), 204, "OPTIONS {path}");
        assert_eq!(res.headers()["allow"], allow, "OPTIONS {path}");

        let res = stack
            .gateway
            .client
            .request(missing.clone(), stack.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{missing} {path}");
        assert_eq!(res.headers()["allow"], allow, "{missing} {path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "METHOD_NOT_ALLOWED", "{missing} {path}");
    }
    for path in [
        "/api/v1/healthcheck",
        "/api/v1/openapi.json",
        "/docs/",
        "/api/v1/auth/.well-known/jwks.json",
        "/api/v1/courses/published",
    ] {
        let get = call(&stack, Method::GET, path).await;
        assert_eq!(get.status(), 200, "GET {path}");
        let head = call(&stack, Method::HEAD, path).await;
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} had a body"
        );
    }
}
