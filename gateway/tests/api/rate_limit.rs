//! Rate limits: the seed's 100 requests per 15 minutes per client, the stricter credential limit, the
//! headers of a 429, preflights that do not count, and an `X-Forwarded-For` that cannot buy a new bucket.

use serde_json::{Value, json};

use crate::helpers::{ORIGIN, Options, spawn_with};

fn seed_limits() -> Options {
    Options::default()
        .gateway("RATE_LIMIT_MAX", "100")
        .gateway("RATE_LIMIT_WINDOW_SECS", "900")
}

async fn get(stack: &crate::helpers::Stack, xff: Option<&str>) -> reqwest::Response {
    let mut req = stack
        .gateway
        .client
        .get(stack.url("/api/v1/courses/published"));
    if let Some(xff) = xff {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn the_101st_request_gets_429_with_every_header_and_preflights_do_not_count() {
    let stack = spawn_with(seed_limits()).await;
    for i in 1..=100 {
        if i % 10 == 0 {
            // Preflights are answered before the limiter and never use up the budget.
            let res = stack
                .gateway
                .client
                .request(
                    reqwest::Method::OPTIONS,
                    stack.url("/api/v1/courses/published"),
                )
                .header("origin", ORIGIN)
                .header("access-control-request-method", "GET")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 204);
        }
        let res = get(&stack, None).await;
        assert_eq!(res.status(), 200, "request {i}");
        if i == 1 {
            let h = res.headers();
            assert_eq!(h["ratelimit-policy"], "100;w=900");
            assert_eq!(h["x-ratelimit-limit"], "100");
            assert_eq!(h["x-ratelimit-remaining"], "99");
        }
    }
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/courses/published"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let h = res.headers().clone();
    let retry_after: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=9).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(h["ratelimit-policy"], "100;w=900");
    assert!(
        h["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("limit=100, remaining=0, reset=")
    );
    assert_eq!(h["x-ratelimit-limit"], "100");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    let reset: i64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert!(reset > chrono::Utc::now().timestamp());
    assert_eq!(
        h["access-control-allow-origin"], ORIGIN,
        "429s carry CORS too"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "RATE_LIMITED");
    assert_eq!(body["status"], "fail");
    // Health and the webhook are exempt.
    assert_eq!(stack.gateway.get("/api/v1/healthcheck").await.status(), 200);
    let hook = stack
        .gateway
        .client
        .post(stack.url("/api/v1/payments/webhook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 200);
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_reset_the_limit() {
    // Without trusted proxies the header is ignored; behind one, only the address our proxy appended
    // (the right-most) counts, so varying what the client wrote to its left changes nothing.
    for trusted in [None, Some("127.0.0.1/32")] {
        let mut options = seed_limits()
            .gateway("RATE_LIMIT_MAX", "5")
            .gateway("RATE_LIMIT_WINDOW_SECS", "900");
        if let Some(cidr) = trusted {
            options = options.gateway("TRUSTED_PROXIES", cidr);
        }
        let stack = spawn_with(options).await;
        for i in 0..5 {
            let xff = format!("10.9.{i}.1, 203.0.113.7");
            assert_eq!(get(&stack, Some(&xff)).await.status(), 200);
        }
        let res = get(&stack, Some("1.1.1.1, 203.0.113.7")).await;
        assert_eq!(res.status(), 429, "trusted proxies: {trusted:?}");
        let res = get(&stack, Some("203.0.113.7")).await;
        assert_eq!(res.status(), 429, "trusted proxies: {trusted:?}");
    }
}

#[tokio::test]
async fn signed_in_clients_have_their_own_budget_and_credential_routes_a_stricter_one() {
    let stack = spawn_with(
        Options::default()
            .gateway("RATE_LIMIT_MAX", "1000")
            .gateway("AUTH_RATE_LIMIT_MAX", "3"),
    )
    .await;
    for _ in 0..3 {
        let res = stack
            .gateway
            .client
            .post(stack.url("/api/v1/user/signin"))
            .json(&json!({ "email": "nobody@example.com", "password": "wrong-passw0rd" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/user/signin"))
        .json(&json!({ "email": "nobody@example.com", "password": "wrong-passw0rd" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["ratelimit-policy"], "3;w=900");
    // Other routes still have budget.
    assert_eq!(get(&stack, None).await.status(), 200);
}

#[tokio::test]
async fn the_limit_holds_across_replicas_sharing_redis() {
    let stack = spawn_with(seed_limits().gateway("RATE_LIMIT_MAX", "4")).await;
    let replica = stack.replica(&[("RATE_LIMIT_MAX", "4")]).await;
    for i in 0..4 {
        let target = if i % 2 == 0 { &stack.gateway } else { &replica };
        assert_eq!(target.get("/api/v1/courses/published").await.status(), 200);
    }
    assert_eq!(replica.get("/api/v1/courses/published").await.status(), 429);
    assert_eq!(
        stack
            .gateway
            .get("/api/v1/courses/published")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn leased_budget_never_lets_two_replicas_exceed_the_shared_limit() {
    // With a limit of 100 each Redis call leases 10 requests to the replica that made it; whatever the
    // interleaving, the two replicas together allow exactly 100 in the window.
    let stack = spawn_with(seed_limits()).await;
    let replica = stack.replica(&[("RATE_LIMIT_MAX", "100")]).await;
    let mut allowed = 0;
    for i in 0..130 {
        let target = if i % 3 == 0 { &replica } else { &stack.gateway };
        if target.get("/api/v1/courses/published").await.status() == 200 {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 100);
}
