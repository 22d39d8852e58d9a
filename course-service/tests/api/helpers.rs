//! Test harness: starts course-service on port 0 against the MongoDB and Redis that `scripts/test` provides.

use course_service::config::Settings;
use course_service::startup;
use test_support::{TestClient, base_vars, run_id, with_overrides};

/// Starts the service with a fresh database name, Redis key prefix and media directory, replacing the
/// given variables.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestClient {
    let run = run_id();
    let mut vars = base_vars(&run, true);
    let media_dir = std::env::temp_dir().join(format!("course-media-{run}"));
    vars.insert("MEDIA_DIR".into(), media_dir.display().to_string());
    let settings =
        Settings::from_source(&with_overrides(vars, overrides)).expect("test settings are invalid");
    TestClient::serve(startup::build(&settings).await)
}
