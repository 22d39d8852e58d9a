//! stripe-sim binary: reads `STRIPE_*` settings, serves the simulator until SIGINT or SIGTERM.

use anyhow::Context;
use stripe_sim::{SimConfig, StripeSim};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = SimConfig::from_env().context("invalid configuration")?;
    let webhook = config.webhook_url.clone();
    let sim = StripeSim::start(config)
        .await
        .context("failed to start stripe-sim")?;
    // Only the origin and endpoint are logged: keys and secrets never are.
    tracing::info!(api = %sim.base_url(), webhook = webhook.as_deref().unwrap_or("none"), "stripe-sim listening");
    shutdown_signal().await;
    sim.stop();
    tracing::info!("stripe-sim stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
