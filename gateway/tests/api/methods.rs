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

#[tokio::test]
async fn a_method_a_route_does_not_have_is_405_before_any_credentials_are_asked_for() {
    let stack = spawn_with(Options::default().with_course_service()).await;
    let cases = [
        // A public route: before, an anonymous PUT was refused as "not logged in".
        (
            "/api/v1/user/reset-password/some-token",
            Method::PUT,
            "POST, OPTIONS",
        ),
        (
            "/api/v1/courses/published",
            Method::DELETE,
            "GET, HEAD, OPTIONS",
        ),
        // A protected one: the wrong method is the first thing wrong with the request.
        (
            "/api/v1/user/profile",
            Method::POST,
            "GET, HEAD, PATCH, OPTIONS",
        ),
    ];
    for (path, method, allow) in cases {
        for bearer in [None, Some("not-a-token")] {
            let mut req = stack
                .gateway
                .client
                .request(method.clone(), stack.url(path));
            if let Some(token) = bearer {
                req = req.bearer_auth(token);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 405, "{method} {path} with {bearer:?}");
            assert_eq!(res.headers()["allow"], allow, "{method} {path}");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["error"], "METHOD_NOT_ALLOWED", "{method} {path}");
        }
    }
    // The declared method without credentials is still refused as before.
    let res = call(&stack, Method::GET, "/api/v1/user/profile").await;
    assert_eq!(res.status(), 401);
}
