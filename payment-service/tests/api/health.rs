//! `/healthz`, `/readyz` and the 404 fallback, held to the contract every service shares.

use test_support::{MONGO, REDIS, assert_health_contract, assert_healthcheck_command};

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
        env!("CARGO_BIN_EXE_payment-service"),
        ready.port(),
        unready.port(),
    )
    .await;
}
