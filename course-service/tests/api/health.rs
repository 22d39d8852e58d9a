//! `/healthz`, `/readyz`, the 404 fallback, and the 500 envelope that leaks nothing.

use serde_json::Value;
use test_support::{
    MONGO, REDIS, assert_allow, assert_health_contract, assert_healthcheck_command,
};

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_probes_and_the_404_fallback_keep_the_contract_checking_mongo_and_redis() {
    assert_health_contract(spawn_app_with, &[MONGO, REDIS]).await;
}

/// The `Allow` table covers the documented routes and the ones the document leaves out (internal routes,
/// media files, the collected document).
#[tokio::test]
async fn an_undeclared_method_is_405_with_the_routes_allow_and_options_lists_them() {
    let app = spawn_app_with(&[]).await;
    let id = "0123456789abcdef01234567";
    let course = format!("/api/v1/courses/{id}");
    let enrolment = format!("/internal/courses/{id}/enrolments/{id}");
    let cases = [
        ("/api/v1/courses", "GET, HEAD, POST, OPTIONS"),
        (course.as_str(), "GET, HEAD, PATCH, DELETE, OPTIONS"),
        ("/api/v1/media/videos/a.mp4", "GET, HEAD, OPTIONS"),
        (enrolment.as_str(), "GET, HEAD, OPTIONS"),
        ("/openapi.json", "GET, HEAD, OPTIONS"),
    ];
    assert_allow(&app, &cases).await;
}

#[tokio::test]
async fn a_wrong_method_is_a_405_envelope() {
    let app = spawn_app().await;
    let res = app.delete("/api/v1/courses/published", None).await;
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn an_unexpected_failure_is_a_500_envelope_that_leaks_nothing() {
    let app = spawn_app().await;
    let owner = app.user("instructor").await;
    let (course, _) = app.published_course(&owner, "Sabotaged").await;
    // Sabotage: a stored level the service cannot read.
    let oid = mongodb::bson::oid::ObjectId::parse_str(course["_id"].as_str().unwrap()).unwrap();
    app.db
        .collection::<mongodb::bson::Document>("courses")
        .update_one(
            mongodb::bson::doc! { "_id": oid },
            mongodb::bson::doc! { "$set": { "level": "wizard-sabotage" } },
        )
        .await
        .unwrap();
    let res = app.get("/api/v1/courses/published", None).await;
    assert_eq!(res.status(), 500);
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"], "INTERNAL_ERROR");
    assert_eq!(body["status"], "error");
    assert_eq!(body["message"], "Internal server error");
    assert!(
        !text.contains("wizard") && !text.contains("level") && !text.contains("bson"),
        "{text}"
    );
    assert!(body["requestId"].is_string());
}

#[tokio::test]
async fn the_healthcheck_command_passes_only_when_the_service_is_ready() {
    let ready = spawn_app_with(&[]).await;
    let unready = spawn_app_with(&[(REDIS.var, &REDIS.unreachable_url())]).await;
    assert_healthcheck_command(
        env!("CARGO_BIN_EXE_course-service"),
        ready.port(),
        unready.port(),
    )
    .await;
}
