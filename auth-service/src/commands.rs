//! The binary's commands: `serve` (default), `rotate-keys`, `create-admin`.

use anyhow::Context;

use crate::bootstrap::prepare;
use crate::config::Settings;
use crate::startup::{Application, kit};
use crate::state::AppState;
use crate::store::Store;
use crate::tokens::rotate_signing_key;

/// Runs the HTTP service until SIGINT/SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "auth-service listening");
    app.run_until_stopped().await.context("server failed")
}

/// Adds a new signing key; running replicas pick it up within 15 s, and old keys stay published until
/// the tokens they signed have expired.
pub async fn rotate_keys(settings: Settings) -> anyhow::Result<()> {
    let store = Store::new(kit(&settings).await?.db());
    let kid = rotate_signing_key(&store.signing_keys, settings.access_ttl).await?;
    println!("new signing key: {kid}");
    Ok(())
}

/// Creates the admin named by `ADMIN_EMAIL`/`ADMIN_PASSWORD`/`ADMIN_NAME`: the start-up work, once, with
/// nothing served.
pub async fn create_admin(settings: Settings) -> anyhow::Result<()> {
    anyhow::ensure!(
        settings.admin.is_some(),
        "set ADMIN_EMAIL and ADMIN_PASSWORD"
    );
    let kit = kit(&settings).await?;
    let state = AppState::new(&kit, settings).await?;
    prepare(&state).await?;
    println!("admin account is in place");
    Ok(())
}
