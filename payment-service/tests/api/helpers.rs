//! Test harness: starts payment-service on port 0 against the MongoDB and Redis that `scripts/test` provides.

use payment_service::config::Settings;
use payment_service::startup;
use test_support::{TestClient, base_vars, run_id, with_overrides};

/// Starts the service with a fresh database name and Redis key prefix, replacing the given variables.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let vars = with_overrides(base_vars(&run_id(), true), overrides);
    let settings = Settings::from_source(&vars).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await)
}
