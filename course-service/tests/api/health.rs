//! `/healthz`, `/readyz` and the 404 fallback, held to the contract every service shares.

use test_support::{MONGO, REDIS, assert_health_contract};

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn health_probes_and_the_404_fallback_keep_the_contract_checking_mongo_and_redis() {
    assert_health_contract(spawn_app_with, &[MONGO, REDIS]).await;
}
