//! `/healthz`, `/readyz` and the 404 fallback, held to the contract every service shares.

use test_support::{
    MONGO, REDIS, assert_allow, assert_health_contract, assert_healthcheck_command,
};

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn health_probes_and_the_404_fallback_keep_the_contract_checking_mongo_and_redis() {
    assert_health_contract(spawn_app_with, &[MONGO, REDIS]).await;
}

#[tokio::test]
async fn the_healthcheck_command_passes_only_when_the_service_is_ready() {
    let ready = spawn_app_with(&[]).await;
    let unready = spawn_app_with(&[(REDIS.var, &REDIS.unreachable_url())]).await;
    assert_healthcheck_command(
        env!("CARGO_BIN_EXE_progress-service"),
        ready.port(),
        unready.port(),
    )
    .await;
}

/// A method no route has is 405 with the route's real methods in `Allow`, and `OPTIONS` lists them, from
/// the OpenAPI document (`shared::http::AllowTable`), before any login is asked for.
#[tokio::test]
async fn an_undeclared_method_is_405_with_the_routes_allow_and_options_lists_them() {
    let app = spawn_app_with(&[]).await;
    let id = "0123456789abcdef01234567";
    let cases = [
        ("/api/v1/progress", "GET, HEAD, OPTIONS"),
        (
            &*format!("/api/v1/progress/{id}/lectures/{id}"),
            "PATCH, OPTIONS",
        ),
        (&*format!("/api/v1/progress/{id}/complete"), "POST, OPTIONS"),
        ("/api/v1/progress/openapi.json", "GET, HEAD, OPTIONS"),
        ("/openapi.json", "GET, HEAD, OPTIONS"),
    ];
    assert_allow(&app, &cases).await;
}
