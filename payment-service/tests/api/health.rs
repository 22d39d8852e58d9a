//! `/healthz`, `/readyz` and the 404 fallback, held to the contract every service shares.

use payment_service::config::Settings;
use payment_service::startup;
use test_support::{
    MONGO, REDIS, TestClient, TestDatabase, assert_allow, assert_health_contract,
    assert_healthcheck_command, base_vars, run_id, with_overrides,
};

#[expect(clippy::expect_used, reason = "test set-up fails loudly")]
async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    let vars = with_overrides(base_vars(&run, true), overrides);
    let settings = Settings::from_source(&vars).expect("test settings");
    TestClient::serve(startup::build(&settings).await)
        .guarded(TestDatabase::named(format!("test_{run}")))
}

#[tokio::test]
async fn health_probes_and_the_404_fallback_keep_the_contract_checking_mongo_and_redis() {
    assert_health_contract(spawn_app_with, &[MONGO, REDIS]).await;
}

#[tokio::test]
async fn the_healthcheck_command_passes_only_when_the_service_is_ready() {
    let ready = spawn_app_with(&[]).await;
    let unready = spawn_app_with(&[(REDIS.var, &REDIS.unreachable_url())]).await;
    assert_healthcheck_command(
        env!("CARGO_BIN_EXE_payment-service"),
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
        (
            &*format!("/api/v1/payments/courses/{id}/purchase-status"),
            "GET, HEAD, OPTIONS",
        ),
        ("/api/v1/payments/create-checkout-session", "POST, OPTIONS"),
        ("/api/v1/payments/webhook", "POST, OPTIONS"),
        (
            &*format!("/api/v1/payments/purchases/{id}/refund"),
            "POST, OPTIONS",
        ),
        ("/api/v1/payments/openapi.json", "GET, HEAD, OPTIONS"),
        ("/openapi.json", "GET, HEAD, OPTIONS"),
    ];
    assert_allow(&app, &cases).await;
}
