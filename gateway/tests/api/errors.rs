//! Errors by where they came from: a client that breaks off its upload is the client's failure (no 5xx,
//! no error log, no upstream error), and auth-service refusing the gateway's own service token is our
//! misconfiguration (500 with an error log), not a bad gateway. nextest runs each test in its own
//! process, so each test here owns the global log subscriber and the access log's writer.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::helpers::{Options, spawn, spawn_with};

/// Collects what a log writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the access lines and every event at error level.
fn capture_logs() -> (Captured, Captured) {
    let access = Captured::default();
    shared::access_log::capture(true, access.clone());
    let errors = Captured::default();
    let writer = errors.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("error,access=info"))
        .with_writer(move || writer.clone())
        .try_init()
        .expect("this test needs the process's global log subscriber (run it with nextest)");
    (access, errors)
}

#[tokio::test]
async fn a_client_that_breaks_off_an_upload_is_not_a_bad_gateway() {
    let (access, errors) = capture_logs();
    let stack = spawn().await;
    let token = stack.token("student").await;

    // Declares a megabyte, sends 16 KB of it, waits until the gateway is streaming it on, and hangs up.
    let address = stack.gateway.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/progress/upload HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         X-Request-Id: upload-abort-1\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: 1000000\r\n\r\n--b\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&[b'x'; 16 * 1024]).await.unwrap();
    socket.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(socket);

    let line = test_support::eventually(
        Duration::from_secs(5),
        "the aborted upload's access line",
        async || {
            access
                .text()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|l| l["fields"]["request_id"] == "upload-abort-1")
        },
    )
    .await;
    let status = line["fields"]["status"].as_u64().unwrap();
    assert_eq!(status, 400, "{line}");

    let metrics = crate::metrics::scrape(&stack).await;
    assert!(
        metrics.contains(
            r#"http_requests_total{method="POST",route="/api/v1/progress/*",status="4xx"}"#
        ),
        "{metrics}"
    );
    assert!(
        !metrics.contains(r#"route="/api/v1/progress/*",status="5xx""#),
        "{metrics}"
    );
    assert!(
        !metrics.contains(r#"gateway_upstream_errors_total{upstream="progress""#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"gateway_upstream_duration_seconds_count{upstream="progress",outcome="client_aborted"}"#),
        "{metrics}"
    );
    let logged = errors.text();
    assert!(!logged.contains("ERROR"), "an error was logged: {logged}");
}

#[tokio::test]
async fn auth_service_refusing_the_service_token_is_a_500_with_an_error_log() {
    let (_access, errors) = capture_logs();
    // The gateway's service token is not the one auth-service expects: our misconfiguration.
    let stack =
        spawn_with(Options::default().gateway("INTERNAL_API_TOKEN", "not-the-service-token")).await;
    let res = stack
        .gateway
        .client
        .get(stack.url("/api/v1/progress"))
        .header("x-api-key", "pk_00000000000000000000000000000002")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "INTERNAL_ERROR");
    assert_eq!(body["message"], "Internal server error");
    let logged = test_support::eventually(Duration::from_secs(2), "the error log", async || {
        let text = errors.text();
        text.contains("service token").then_some(text)
    })
    .await;
    assert!(logged.contains("ERROR"), "{logged}");
    assert!(
        !logged.contains("pk_00000000000000000000000000000002"),
        "the key reached the log: {logged}"
    );
}
