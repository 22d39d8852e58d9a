//! What crosses the gateway: forged identity headers never reach a service, `/internal` is never proxied,
//! dot segments cannot climb out of a route group, and the client's address comes from trusted data.

use serde_json::Value;
use test_support::send_json;

use crate::helpers::{Options, spawn, spawn_with};

#[tokio::test]
async fn forged_identity_and_internal_headers_never_reach_a_service() {
    let stack = spawn().await;
    let token = stack.token("student").await;
    let seen: Value = send_json(
        stack
            .gateway
            .client
            .get(stack.url("/api/v1/progress?x=1"))
            .bearer_auth(&token)
            .header("x-user-id", "507f1f77bcf86cd799439011")
            .header("x-user-role", "admin")
            .header("x-internal-token", "guess")
            .header("x-forwarded-user", "admin")
            .header("x-forwarded-for", "6.6.6.6")
            .header("forwarded", "for=6.6.6.6"),
    )
    .await;
    let headers = seen["headers"].as_object().unwrap();
    for forged in [
        "x-user-id",
        "x-user-role",
        "x-internal-token",
        "x-forwarded-user",
        "forwarded",
    ] {
        assert!(
            !headers.contains_key(forged),
            "{forged} reached the service: {seen}"
        );
    }
    assert_eq!(
        headers["x-forwarded-for"], "127.0.0.1",
        "the untrusted client chose its address"
    );
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert!(headers.contains_key("x-request-id"));
    assert_eq!(
        seen["path"], "/api/v1/progress?x=1",
        "paths and queries pass unchanged"
    );
}

#[tokio::test]
async fn internal_routes_and_dot_segments_are_404_at_the_gateway() {
    let stack = spawn().await;
    for path in [
        "/internal/users/batch",
        "/api/v1/internal/users/1",
        "/api/v1/nothing-here",
    ] {
        let res = stack.gateway.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "NOT_FOUND", "{path}");
    }
    // HTTP clients resolve dot segments before sending; an attacker's raw request does not.
    for path in [
        "/api/v1/courses/../../internal/users/1",
        "/api/v1/courses/%2e%2e/%2E%2E/internal/users/1",
        "/api/v1/media/./../../internal/users/1",
    ] {
        let head = raw_get(&stack.gateway.address, path).await;
        assert!(head.starts_with("HTTP/1.1 404"), "{path}: {head}");
    }
}

/// Sends `GET path` exactly as written and returns the status line.
async fn raw_get(address: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
    let stack = spawn_with(Options::default().gateway("TRUSTED_PROXIES", "127.0.0.1/32")).await;
    let token = stack.token("student").await;
    let seen: Value = send_json(
        stack
            .gateway
            .client
            .get(stack.url("/api/v1/progress"))
            .bearer_auth(&token)
            .header("x-forwarded-for", "6.6.6.6, 198.51.100.7"),
    )
    .await;
    assert_eq!(seen["headers"]["x-forwarded-for"], "198.51.100.7");
}

#[tokio::test]
async fn service_cors_headers_are_replaced_by_the_gateways() {
    let stack = spawn().await;
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/courses/published"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The reporting upstream answers `Access-Control-Allow-Origin: *`; the gateway never lets that out.
    assert!(res.headers().get("access-control-allow-origin").is_none());
}
