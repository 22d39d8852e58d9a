//! Health (the shared contract, with MongoDB or Redis down at start-up), unknown routes, wrong methods, body limits, problem+json, and the 500 path.

use serde_json::{Value, json};

use test_support::{
    MONGO, REDIS, TcpProxy, assert_allow, assert_health_contract, assert_live,
    assert_recovers_when_back, email, required_env,
};

use crate::helpers::{spawn_app, spawn_app_with, spawn_for_health, spawn_vars};

#[tokio::test]
async fn health_probes_and_the_404_fallback_keep_the_contract_checking_mongodb_and_redis() {
    // Includes a start with MongoDB unreachable: the service binds, answers /healthz, reports mongodb
    // on /readyz, and builds its indexes, signing key and admin once MongoDB is back.
    assert_health_contract(spawn_for_health, &[MONGO, REDIS]).await;
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap()["checks"],
        json!({ "mongodb": "ok", "redis": "ok" })
    );
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_in_the_envelope() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["success"].clone(), body["error"].clone()),
        (json!(false), json!("NOT_FOUND"))
    );
    let res = app
        .client
        .get(app.url("/api/v1/user/signup"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "METHOD_NOT_ALLOWED"
    );
}

/// The `Allow` table covers the documented routes and the ones the document leaves out (internal routes,
/// the collected document).
#[tokio::test]
async fn an_undeclared_method_is_405_with_the_routes_allow_and_options_lists_them() {
    let app = spawn_app().await;
    let cases = [
        ("/api/v1/user/signup", "POST, OPTIONS"),
        ("/api/v1/auth/api-keys", "GET, HEAD, POST, OPTIONS"),
        ("/internal/users/batch", "POST, OPTIONS"),
        ("/internal/api-keys/resolve", "POST, OPTIONS"),
        ("/openapi.json", "GET, HEAD, OPTIONS"),
    ];
    assert_allow(&app, &cases).await;
}

#[tokio::test]
async fn json_bodies_over_10_kb_are_413() {
    let app = spawn_app().await;
    let body = json!({ "name": "x".repeat(11 * 1024), "email": "a@b.co", "password": "passw0rd" });
    let res = app.post(&app.client, "/api/v1/user/signup", body).await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "PAYLOAD_TOO_LARGE"
    );
}

#[tokio::test]
async fn problem_json_is_served_when_asked_for() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("accept", "application/problem+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert_eq!(body["detail"], "You are not logged in");
}

#[tokio::test]
async fn an_unexpected_failure_is_a_500_envelope_that_leaks_nothing() {
    let app = spawn_app().await;
    let (_, token, body) = app.new_user("student").await;
    // Sabotage: a stored role the service cannot read.
    let oid =
        mongodb::bson::oid::ObjectId::parse_str(body["user"]["_id"].as_str().unwrap()).unwrap();
    app.state
        .store
        .db
        .collection::<mongodb::bson::Document>("users")
        .update_one(
            mongodb::bson::doc! { "_id": oid },
            mongodb::bson::doc! { "$set": { "role": "wizard-sabotage" } },
        )
        .await
        .unwrap();
    let res = app.get_bearer("/api/v1/auth/me", &token).await;
    assert_eq!(res.status(), 500);
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"], "INTERNAL_ERROR");
    assert_eq!(body["status"], "error");
    assert_eq!(body["message"], "Internal server error");
    assert!(!text.contains("wizard") && !text.contains("role") && !text.contains("bson"));
    assert!(body["requestId"].is_string());
}

#[tokio::test]
async fn the_healthcheck_command_passes_only_when_the_service_is_ready() {
    let ready = spawn_app().await;
    let redis = test_support::REDIS;
    let unready = spawn_app_with(spawn_vars(&[(redis.var, &redis.unreachable_url())])).await;
    test_support::assert_healthcheck_command(
        env!("CARGO_BIN_EXE_auth-service"),
        test_support::port_of(&ready.address),
        test_support::port_of(&unready.address),
    )
    .await;
}

#[tokio::test]
async fn while_its_start_up_work_waits_for_mongodb_every_route_but_the_probes_is_503() {
    let proxy = TcpProxy::in_front_of(&required_env("MONGO_URI"), false).await;
    let app = spawn_for_health(&[("MONGO_URI", &MONGO.url_via(&proxy))]).await;
    assert_live(&app).await;
    let sign_up = async || {
        app.client
            .post(app.url("/api/v1/user/signup"))
            .json(&json!({ "name": "Early Bird", "email": email(), "password": "passw0rd-long" }))
            .send()
            .await
            .unwrap()
    };
    let res = sign_up().await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "SERVICE_UNAVAILABLE", "{body}");
    assert!(body["requestId"].is_string(), "{body}");

    proxy.open();
    assert_recovers_when_back(&app, MONGO, &[MONGO, REDIS]).await;
    assert_eq!(sign_up().await.status(), 201);
}
