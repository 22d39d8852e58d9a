//! certificate-service binary: reads its settings, starts telemetry, and serves until SIGINT or SIGTERM.
//! `certificate-service rotate-keys` adds a new issuer key (the old ones stay published).

use anyhow::Context;
use certificate_service::config::Settings;
use certificate_service::{commands, startup};

const SERVICE_NAME: &str = "certificate-service";

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // `certificate-service healthcheck`: the container health check, before any setting is read.
    shared::healthcheck::run_if_requested(4005);
    // Settings come first so a bad variable stops the process with a message naming it.
    let settings = Settings::from_env().context("invalid configuration")?;
    let _telemetry = shared::telemetry::init(SERVICE_NAME, settings.service.json_logs);
    if std::env::args().nth(1).as_deref() == Some("rotate-keys") {
        let kid = commands::rotate_keys(&settings).await?;
        tracing::info!(key.id = %kid, "added a new issuer key; it signs from now on");
        return Ok(());
    }

    let app = startup::build(&settings)
        .await
        .context("failed to start certificate-service")?;
    tracing::info!(port = app.port(), "{SERVICE_NAME} listening");
    app.run_until_stopped().await.context("server error")?;
    tracing::info!("{SERVICE_NAME} stopped");
    Ok(())
}
