//! The operator's view: Prometheus families on the admin listener after real traffic (never on the public
//! port), and one access-log line per request with no credential in it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::helpers::{Stack, spawn};

/// Scrapes the gateway's admin `/metrics`.
pub(crate) async fn scrape(stack: &Stack) -> String {
    let admin = stack
        .gateway
        .admin_address
        .as_ref()
        .expect("the gateway has an admin listener");
    let res = reqwest::get(format!("{admin}/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    res.text().await.unwrap()
}

/// The value `{family}{labels}` has in `text`, with the labels written as Prometheus renders them.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// A refresh cookie from a sign-up answer.
fn refresh_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("refresh_token="))
        .and_then(|c| c.split(';').next())
        .expect("sign-up sets the refresh cookie")
        .to_owned()
}

#[tokio::test]
async fn metrics_are_served_on_the_admin_port_with_bounded_labels_after_real_traffic() {
    let stack = spawn().await;
    // Anonymous: a protected route refused before any upstream, and a public proxied one.
    let res = stack.gateway.get("/api/v1/progress").await;
    assert_eq!(res.status(), 401);
    // A user: sign-up (credential limit, upstream auth), then a silent refresh with only the refresh cookie.
    let signup = stack
        .gateway
        .client
        .post(stack.url("/api/v1/user/signup"))
        .json(
            &json!({ "name": "Metric User", "email": crate::helpers::email(),
            "password": crate::helpers::PASSWORD, "role": "instructor" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    let refresh = refresh_cookie(&signup);
    let token = signup.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/user/profile"))
        .header("cookie", format!("refresh_token={refresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "silent refresh");
    // An API key, used twice: a cache miss, then a hit.
    let created: Value = stack
        .post_bearer(
            "/api/v1/auth/api-keys",
            &token,
            json!({ "name": "metrics" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let key = created["apiKey"]["key"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let res = stack
            .gateway
            .client
            .get(stack.url("/api/v1/progress"))
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    let text = scrape(&stack).await;
    for series in [
        r#"http_requests_total{method="GET",route="/api/v1/progress/*",status="4xx"}"#,
        r#"http_requests_total{method="POST",route="/api/v1/user/*",status="2xx"}"#,
        r#"http_requests_total{method="GET",route="/api/v1/progress/*",status="2xx"}"#,
        r#"http_request_duration_seconds_count{method="GET",route="/api/v1/user/*",status="2xx"}"#,
        r#"gateway_upstream_duration_seconds_count{upstream="auth",outcome="ok"}"#,
        r#"gateway_upstream_duration_seconds_count{upstream="progress",outcome="ok"}"#,
        r#"gateway_rate_limit_decisions_total{bucket="global",decision="allowed"}"#,
        r#"gateway_rate_limit_decisions_total{bucket="credentials",decision="allowed"}"#,
        r#"gateway_silent_refreshes_total{result="refreshed"}"#,
        r#"gateway_api_key_cache_total{result="miss"}"#,
        r#"gateway_api_key_cache_total{result="hit"}"#,
        "gateway_revocation_copy_age_seconds",
        "http_requests_in_flight",
    ] {
        assert!(
            sample(&text, series).is_some_and(|v| v >= 0.0),
            "{series} missing from:\n{text}"
        );
    }
    assert!(
        text.contains("gateway_revocation_checks_total{source="),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"gateway_revocation_copy_age_seconds"#),
        Some(0.0),
        "the copy is live: {text}"
    );
    // Label values are bounded: no key, token or user id ever becomes a label.
    assert!(!text.contains(&key) && !text.contains(&token));
    // Route labels are patterns: no segment is an id (services in this process share the registry).
    for line in text.lines().filter(|l| l.contains("route=\"")) {
        let route = line
            .split("route=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            route
                .split('/')
                .all(|seg| !(seg.len() == 24 && seg.bytes().all(|b| b.is_ascii_hexdigit()))),
            "an id in the route label {route}"
        );
    }
}

#[tokio::test]
async fn metrics_are_not_reachable_through_the_public_port() {
    let stack = spawn().await;
    for path in ["/metrics", "/api/v1/metrics"] {
        let res = stack.gateway.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
    }
}

/// Collects what the log writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_request_leaves_one_json_access_line_without_credentials() {
    // nextest runs each test in its own process, so this test owns the global subscriber (which enables
    // the `access` target, as RUST_LOG does) and the access log's writer.
    let captured = Captured::default();
    shared::access_log::capture(true, captured.clone());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("access=info"))
        .with_writer(std::io::sink)
        .try_init()
        .expect("this test needs the process's global log subscriber (run it with nextest)");
    let stack = spawn().await;
    let token = stack.token("student").await;
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/progress"))
        .bearer_auth(&token)
        .header("x-request-id", "access-line-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The writer thread takes the line a moment after the answer left.
    let text = test_support::eventually(
        std::time::Duration::from_secs(5),
        "the access line",
        async || {
            let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
            text.contains("access-line-1").then_some(text)
        },
    )
    .await;
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &Value| l["fields"]["request_id"] == "access-line-1")
        .collect();
    assert_eq!(lines.len(), 1, "one line per request: {text}");
    let fields = &lines[0]["fields"];
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["route"], "/api/v1/progress/*");
    assert_eq!(fields["status"], 200);
    assert_eq!(fields["upstream"], "progress");
    assert!(fields["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(fields["bytes"].as_u64().unwrap() > 0);
    assert_eq!(lines[0]["target"], "access");
    assert!(!text.contains(&token), "a token reached the log");
}
