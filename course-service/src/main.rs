//! course-service binary: reads its settings, starts telemetry, and serves until SIGINT or SIGTERM.

use anyhow::Context;
use course_service::config::Settings;
use course_service::startup;

const SERVICE_NAME: &str = "course-service";

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // `course-service healthcheck`: the container health check, before any setting is read.
    shared::healthcheck::run_if_requested(4002);
    // Settings come first so a bad variable stops the process with a message naming it.
    let settings = Settings::from_env().context("invalid configuration")?;
    let _telemetry = shared::telemetry::init(SERVICE_NAME, settings.service.json_logs);

    let app = startup::build(&settings)
        .await
        .context("failed to start course-service")?;
    tracing::info!(port = app.port(), "{SERVICE_NAME} listening");
    app.run_until_stopped().await.context("server error")?;
    tracing::info!("{SERVICE_NAME} stopped");
    Ok(())
}
