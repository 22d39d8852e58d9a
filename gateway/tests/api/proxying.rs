//! The proxy itself: body limits before any service is bothered, uploads streamed through, `Range`
//! passing both ways, and failures of a service classified as 502 (unreachable) or 504 (too slow).

use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::closed_port;

use crate::helpers::{Options, spawn, spawn_with};
use crate::upstream::{KEEP_ALIVE, file_bytes};

#[tokio::test]
async fn json_bodies_over_10_kb_are_413_before_reaching_a_service() {
    let stack = spawn().await;
    let token = stack.token("student").await;
    let body = serde_json::json!({ "text": "x".repeat(11 * 1024) });
    let res = stack
        .post_bearer("/api/v1/progress/x/complete", &token, body)
        .await;
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "PAYLOAD_TOO_LARGE");
    // Just under the limit passes, and the service sees every byte.
    let body = serde_json::json!({ "text": "x".repeat(9 * 1024) });
    let res = stack
        .post_bearer("/api/v1/progress/x/complete", &token, body.clone())
        .await;
    assert_eq!(res.status(), 200);
    let seen: Value = res.json().await.unwrap();
    assert_eq!(seen["bodyBytes"], body.to_string().len());
}

#[tokio::test]
async fn uploads_stream_through_and_stop_at_their_own_limit() {
    let stack =
        spawn_with(Options::default().gateway("MULTIPART_BODY_LIMIT_BYTES", (2 << 20).to_string()))
            .await;
    let token = stack.token("instructor").await;
    let upload = |size: usize| {
        let part = reqwest::multipart::Part::bytes(vec![7u8; size]).file_name("video.mp4");
        reqwest::multipart::Form::new()
            .text("title", "Intro")
            .part("video", part)
    };
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/courses"))
        .bearer_auth(&token)
        .multipart(upload(1 << 20))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen: Value = res.json().await.unwrap();
    assert!(seen["bodyBytes"].as_u64().unwrap() > 1 << 20, "{seen}");
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/courses"))
        .bearer_auth(&token)
        .multipart(upload(3 << 20))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn the_webhook_body_is_forwarded_byte_for_byte_without_a_login() {
    let stack = spawn().await;
    let raw = "{\"id\":\"evt_1\",  \"type\":\"charge.refunded\"}\n";
    let res = stack
        .gateway
        .client
        .post(stack.url("/api/v1/payments/webhook"))
        .header("stripe-signature", "t=1,v1=abc")
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen: Value = res.json().await.unwrap();
    assert_eq!(seen["bodyBytes"], raw.len());
    assert_eq!(seen["headers"]["stripe-signature"], "t=1,v1=abc");
}

#[tokio::test]
async fn range_requests_pass_through_as_206_with_exactly_those_bytes() {
    let stack = spawn().await;
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/media/file.bin"))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"], "bytes 100-199/1000");
    assert_eq!(res.headers()["content-length"], "100");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), &file_bytes()[100..200]);
    let whole = stack.gateway.get("/api/v1/media/file.bin").await;
    assert_eq!(whole.headers()["content-length"], "1000");
    assert_eq!(
        whole.bytes().await.unwrap().as_ref(),
        file_bytes().as_slice()
    );
}

#[tokio::test]
async fn a_stopped_service_is_502_quickly_and_a_slow_one_504_at_the_deadline() {
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let stack = spawn_with(
        Options::default()
            .gateway("PROGRESS_SERVICE_URL", dead)
            .gateway("UPSTREAM_TIMEOUT_SECS", "1"),
    )
    .await;
    let token = stack.token("student").await;
    let started = Instant::now();
    let res = stack.get_bearer("/api/v1/progress", &token).await;
    assert_eq!(res.status(), 502);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "BAD_GATEWAY");
    assert_eq!(body["status"], "error");
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");

    let started = Instant::now();
    let res = stack.gateway.get("/api/v1/courses/slow").await;
    assert_eq!(res.status(), 504);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "GATEWAY_TIMEOUT");
}

#[tokio::test]
async fn the_merged_openapi_document_and_the_docs_viewer_are_served() {
    let stack = spawn().await;
    let res = stack.gateway.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths.contains_key("/api/v1/healthcheck"),
        "the gateway's own operations"
    );
    assert!(
        paths.contains_key("/api/v1/user/signin"),
        "auth-service's operations"
    );
    assert!(!paths.keys().any(|p| p.starts_with("/internal")));
    let docs = stack.gateway.get("/docs/").await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(stack.url("/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
}

#[tokio::test]
async fn connections_are_kept_alive_and_one_the_service_closed_is_replaced_without_an_error() {
    let stack = spawn().await;
    let token = stack.token("student").await;
    let peer_port = async |path: &str| {
        let res = stack.get_bearer(path, &token).await;
        assert_eq!(res.status(), 200);
        let seen: Value = res.json().await.unwrap();
        seen["peerPort"].as_u64().unwrap()
    };
    let first = peer_port("/api/v1/progress/a").await;
    assert_eq!(
        peer_port("/api/v1/progress/b").await,
        first,
        "the second request did not reuse the first one's connection"
    );
    // The service closes the idle connection; the gateway notices and opens another, with no 502.
    tokio::time::sleep(KEEP_ALIVE + Duration::from_millis(500)).await;
    assert_ne!(peer_port("/api/v1/progress/c").await, first);
}

#[tokio::test]
async fn an_upload_without_a_declared_length_is_cut_at_its_limit() {
    let limit = 256 << 10;
    let stack =
        spawn_with(Options::default().gateway("MULTIPART_BODY_LIMIT_BYTES", limit.to_string()))
            .await;
    let token = stack.token("instructor").await;
    // A streamed body goes out chunked, so only counting the bytes as they pass can stop it.
    let send = async |size: usize| {
        let chunks = futures_util::stream::iter(
            (0..size / 8192).map(|_| Ok::<_, std::io::Error>(vec![7u8; 8192])),
        );
        stack
            .gateway
            .client
            .post(stack.url("/api/v1/courses"))
            .bearer_auth(&token)
            .header("content-type", "multipart/form-data; boundary=b")
            .body(reqwest::Body::wrap_stream(chunks))
            .send()
            .await
            .unwrap()
    };
    let res = send(limit / 2).await;
    assert_eq!(res.status(), 200);
    let seen: Value = res.json().await.unwrap();
    assert_eq!(seen["bodyBytes"], limit / 2);
    let res = send(limit * 2).await;
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_head_answer_has_no_body_and_leaves_the_connection_usable() {
    let stack = spawn().await;
    let token = stack.token("student").await;
    let res = stack
        .gateway
        .client
        .head(stack.url("/api/v1/progress/a"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let head_port = res.headers()["x-peer-port"].to_str().unwrap().to_owned();
    assert!(res.bytes().await.unwrap().is_empty());
    // The HEAD gave its connection back at once: the next exchange goes over the same one.
    let res = stack.get_bearer("/api/v1/progress/b", &token).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-peer-port"], head_port.as_str());
}
