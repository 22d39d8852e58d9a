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
        env!("CARGO_BIN_EXE_certificate-service"),
        ready.port(),
        unready.port(),
    )
    .await;
}

#[tokio::test]
async fn an_undeclared_method_is_405_with_the_routes_allow_and_options_lists_them() {
    let app = spawn_app_with(&[]).await;
    let id = "0123456789abcdef01234567";
    let cases = [
        ("/api/v1/certificates", "GET, HEAD, OPTIONS"),
        (&*format!("/api/v1/certificates/{id}"), "GET, HEAD, OPTIONS"),
        (
            &*format!("/api/v1/certificates/{id}/verify"),
            "GET, HEAD, OPTIONS",
        ),
        (
            &*format!("/api/v1/certificates/{id}/revoke"),
            "POST, OPTIONS",
        ),
        (
            &*format!("/api/v1/certificates/{id}/reissue"),
            "POST, OPTIONS",
        ),
        ("/api/v1/certificates/issuer", "GET, HEAD, OPTIONS"),
        (
            "/api/v1/certificates/issuer/jwks.json",
            "GET, HEAD, OPTIONS",
        ),
        ("/api/v1/certificates/status/0", "GET, HEAD, OPTIONS"),
        ("/api/v1/certificates/openapi.json", "GET, HEAD, OPTIONS"),
        (&*format!("/certificates/{id}"), "GET, HEAD, OPTIONS"),
    ];
    assert_allow(&app, &cases).await;
}
