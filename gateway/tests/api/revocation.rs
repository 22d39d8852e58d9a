//! Revocation at the gateway: a logged-out token stops within a second, logout-all stops every earlier
//! token, and a gateway that cannot reach Redis answers 503 on authenticated routes while public ones work.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use test_support::{closed_port, send_json};

use crate::helpers::{Options, PASSWORD, browser, email, spawn, spawn_with, within_ms};

#[tokio::test]
async fn a_logged_out_token_is_refused_within_a_second() {
    let stack = spawn().await;
    let token = stack.token("student").await;
    assert_eq!(
        stack.get_bearer("/api/v1/progress", &token).await.status(),
        200
    );
    let res = stack
        .post_bearer("/api/v1/user/signout", &token, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let refused = within_ms(1000, async || {
        stack.get_bearer("/api/v1/progress", &token).await.status() == 401
    })
    .await;
    assert!(refused, "the old token still worked a second after logout");
    let body: serde_json::Value = stack
        .get_bearer("/api/v1/progress", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["message"], "JWT token error");
    assert_eq!(body["details"]["reason"], "revoked");
}

#[tokio::test]
async fn logout_all_refuses_every_earlier_token() {
    let stack = spawn().await;
    let address = email();
    let signup = stack
        .gateway
        .client
        .post(stack.url("/api/v1/user/signup"))
        .json(&json!({ "name": "Multi Device", "email": address, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let body: serde_json::Value = send_json(
            stack
                .gateway
                .client
                .post(stack.url("/api/v1/user/signin"))
                .json(&json!({ "email": address, "password": PASSWORD })),
        )
        .await;
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    for t in &tokens {
        assert_eq!(stack.get_bearer("/api/v1/progress", t).await.status(), 200);
    }
    let res = stack
        .post_bearer("/api/v1/auth/logout-all", &tokens[0], json!({}))
        .await;
    assert_eq!(res.status(), 200);
    for t in &tokens {
        let refused = within_ms(1000, async || {
            stack.get_bearer("/api/v1/progress", t).await.status() == 401
        })
        .await;
        assert!(refused, "a token from before logout-all still works");
    }
}

/// A Redis server of the test's own, so that stopping it disturbs nobody else.
struct OwnRedis {
    child: Child,
    url: String,
}

impl OwnRedis {
    async fn start() -> Self {
        let port = closed_port();
        // The child is owned by the returned guard, whose Drop kills and reaps it.
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/test installs it)");
        let redis = Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return redis;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("redis-server did not start on port {port}");
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn with_redis_stopped_authenticated_routes_are_503_and_public_ones_still_work() {
    let mut redis = OwnRedis::start().await;
    let stack = spawn_with(
        Options::default()
            .gateway("REDIS_URL", redis.url.clone())
            .auth("REDIS_URL", redis.url.clone()),
    )
    .await;
    let jar = browser();
    stack.sign_up(&jar, "student").await;
    assert_eq!(
        jar.get(stack.url("/api/v1/progress"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    redis.stop();
    let unavailable = within_ms(3000, async || {
        jar.get(stack.url("/api/v1/progress"))
            .send()
            .await
            .unwrap()
            .status()
            == 503
    })
    .await;
    assert!(
        unavailable,
        "an authenticated request was not refused with 503"
    );
    let body: serde_json::Value = send_json(jar.get(stack.url("/api/v1/progress"))).await;
    assert_eq!(body["error"], "SERVICE_UNAVAILABLE");
    let public = stack.gateway.get("/api/v1/courses/published").await;
    assert_eq!(
        public.status(),
        200,
        "a public route stopped working with Redis"
    );
}

#[tokio::test]
async fn fail_open_mode_accepts_tokens_while_redis_is_unreachable() {
    let mut redis = OwnRedis::start().await;
    let stack = spawn_with(
        Options::default()
            .gateway("REDIS_URL", redis.url.clone())
            .gateway("REVOCATION_FAIL_OPEN", "true")
            .auth("REDIS_URL", redis.url.clone()),
    )
    .await;
    let token = stack.token("student").await;
    redis.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        stack.get_bearer("/api/v1/progress", &token).await.status(),
        200
    );
}
