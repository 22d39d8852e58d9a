//! `/healthz`, `/readyz`, the platform report `/api/v1/healthcheck`, and the security headers every answer
//! carries.

use test_support::{REDIS, assert_health_contract, assert_healthcheck_command, closed_port};

use crate::helpers::{Options, spawn, spawn_gateway_only, spawn_with};

#[tokio::test]
async fn health_probes_and_the_404_fallback_keep_the_contract_checking_redis() {
    assert_health_contract(spawn_gateway_only, &[REDIS]).await;
}

#[tokio::test]
async fn the_healthcheck_reports_every_service_and_never_an_address() {
    // auth-service is up; the reporting upstream has no /readyz worth the name (it answers 200 without
    // a mongo check), so the databases are judged by auth-service alone here.
    let stack = spawn().await;
    let res = stack.gateway.get("/api/v1/healthcheck").await;
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "OK");
    assert!(body["timeStamp"].as_str().unwrap().ends_with('Z'));
    let services = &body["services"];
    assert_eq!(services["databases"]["status"], "healthy");
    assert_eq!(services["databases"]["details"]["isConnected"], true);
    assert_eq!(services["redis"]["status"], "healthy");
    assert_eq!(services["server"]["status"], "healthy");
    assert!(services["server"]["uptime"].as_f64().unwrap() >= 0.0);
    assert!(services["server"]["memoryUsage"]["rss"].as_u64().unwrap() > 0);
    for name in ["auth", "course", "progress", "payment", "certificate"] {
        assert_eq!(services[name]["status"], "healthy", "{name}");
        assert!(services[name]["latencyMs"].is_u64(), "{name}");
    }
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
}

#[tokio::test]
async fn the_healthcheck_is_503_degraded_when_a_service_is_down() {
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let stack = spawn_with(Options::default().gateway("PAYMENT_SERVICE_URL", dead)).await;
    let started = std::time::Instant::now();
    let res = stack.gateway.get("/api/v1/healthcheck").await;
    assert_eq!(res.status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "DEGRADED");
    assert_eq!(body["services"]["payment"]["status"], "unhealthy");
    assert_eq!(body["services"]["auth"]["status"], "healthy");
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_a_request_id() {
    let stack = spawn().await;
    for path in [
        "/api/v1/healthcheck",
        "/api/v1/courses/published",
        "/api/v1/nowhere",
    ] {
        let res = stack.gateway.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["cross-origin-resource-policy"], "same-site", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert!(h.contains_key("x-request-id"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "plain HTTP gets no HSTS"
        );
    }
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/healthcheck"))
        .header("x-request-id", "client-chosen-id-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "client-chosen-id-1");
}

#[tokio::test]
async fn the_healthcheck_command_passes_only_when_the_gateway_is_ready() {
    let ready = spawn_gateway_only(&[]).await;
    let unready = spawn_gateway_only(&[(REDIS.var, &REDIS.unreachable_url())]).await;
    assert_healthcheck_command(env!("CARGO_BIN_EXE_gateway"), ready.port(), unready.port()).await;
}
