//! Test harness: starts the gateway on port 0 against the Redis that `scripts/test` provides.

use gateway::config::Settings;
use gateway::startup;
use test_support::{TestClient, base_vars, run_id, with_overrides};

/// Starts the gateway with a fresh Redis key prefix, replacing the given variables.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let vars = with_overrides(base_vars(&run_id(), false), overrides);
    let settings = Settings::from_source(&vars).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await)
}
