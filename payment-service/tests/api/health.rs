//! `/healthz`, `/readyz` and the 404 fallback.

use crate::helpers::{closed_port, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_200_with_status_ok() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_answers_200_when_mongo_and_redis_answer() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["mongo"], "ok");
    assert_eq!(body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn readyz_answers_503_naming_redis_when_redis_is_unreachable() {
    let redis_url = format!("redis://127.0.0.1:{}", closed_port());
    let app = spawn_app_with(&[("REDIS_URL", &redis_url)]).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["mongo"], "ok");
    assert_ne!(body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn readyz_answers_503_naming_mongo_when_mongo_is_unreachable() {
    let mongo_uri = format!("mongodb://127.0.0.1:{}", closed_port());
    let app = spawn_app_with(&[("MONGO_URI", &mongo_uri)]).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_ne!(body["checks"]["mongo"], "ok");
    assert_eq!(body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn unknown_routes_answer_404_in_the_error_envelope() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/no-such-route").await;
    assert_eq!(res.status(), 404);
    assert!(res.headers().contains_key("x-request-id"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert_eq!(body["error"], "NOT_FOUND");
}
