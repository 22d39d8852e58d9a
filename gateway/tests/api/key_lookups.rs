//! What credentials cost before they are judged: every client IP has an in-process budget checked before
//! any credential work, and API keys the gateway does not know are looked up at auth-service only within
//! the caller's lookup budget, an unknown key once per negative-cache period. The calls auth-service saw
//! are counted from its own request metrics (it runs in this process and shares the registry).

use serde_json::Value;

use crate::helpers::{Options, Stack, spawn_with};

/// How many key lookups auth-service has answered.
async fn lookups_at_auth_service(stack: &Stack) -> f64 {
    let text = crate::metrics::scrape(stack).await;
    text.lines()
        .filter(|l| {
            l.starts_with("http_requests_total{") && l.contains("/internal/api-keys/resolve")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn with_key(stack: &Stack, key: &str) -> reqwest::Response {
    stack
        .gateway
        .client
        .get(stack.url("/api/v1/progress"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn garbage_api_keys_from_one_ip_get_429_after_the_lookup_budget_without_reaching_auth_service()
 {
    let stack = spawn_with(Options::default().gateway("API_KEY_LOOKUP_MAX", "3")).await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        // Both shapes: a key-looking value and plain garbage.
        let key = if i % 2 == 0 {
            format!("pk_garbage{i:030}")
        } else {
            format!("garbage-{i}")
        };
        let res = with_key(&stack, &key).await;
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"), "{res:?}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "RATE_LIMITED");
            statuses.push(429);
        } else {
            statuses.push(res.status().as_u16());
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429, 429, 429]);
    assert_eq!(lookups_at_auth_service(&stack).await, 3.0);
}

#[tokio::test]
async fn the_same_unknown_key_twice_costs_one_lookup() {
    let stack = spawn_with(Options::default()).await;
    for _ in 0..2 {
        let res = with_key(&stack, "pk_00000000000000000000000000000001").await;
        assert_eq!(res.status(), 401);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["message"], "JWT token error");
        assert_eq!(body["details"]["reason"], "invalid_api_key");
    }
    assert_eq!(lookups_at_auth_service(&stack).await, 1.0);
}

#[tokio::test]
async fn a_client_ip_over_its_budget_is_refused_before_its_credentials_are_looked_at() {
    let stack = spawn_with(Options::default().gateway("IP_RATE_LIMIT_MAX", "3")).await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let res = with_key(&stack, &format!("pk_flood{i:030}")).await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    assert_eq!(lookups_at_auth_service(&stack).await, 3.0);
    // The Stripe webhook is exempt: Stripe retries and signs every call.
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/payments/webhook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 429);
}
