//! The first admin account, from `ADMIN_EMAIL`/`ADMIN_PASSWORD` at start-up or the `create-admin` command.

use anyhow::Context;
use shared::claims::Role;

use crate::config::AdminBootstrap;
use crate::routes::create_admin_account;
use crate::state::AppState;

/// Creates the configured admin unless an account with that e-mail exists.
pub async fn ensure_admin(state: &AppState, admin: &AdminBootstrap) -> anyhow::Result<()> {
    let existing = state
        .store
        .users
        .find_by_email(&admin.email.trim().to_lowercase())
        .await?;
    match existing {
        Some(user) if user.role == Role::Admin => Ok(()),
        Some(user) => {
            tracing::warn!(user.id = %user.id, "ADMIN_EMAIL belongs to a non-admin account; leaving it unchanged");
            Ok(())
        }
        None => {
            let user = create_admin_account(state, &admin.name, &admin.email, &admin.password)
                .await
                .context("creating the admin from ADMIN_EMAIL/ADMIN_PASSWORD")?;
            tracing::info!(user.id = %user.id, "created the first admin");
            Ok(())
        }
    }
}
