//! The start-up work on MongoDB (indexes, the signing key, the first admin account from
//! `ADMIN_EMAIL`/`ADMIN_PASSWORD`), run by the kit at start-up or once by the `create-admin` command.

use anyhow::Context;
use shared::claims::Role;

use crate::config::AdminBootstrap;
use crate::routes::create_admin_account;
use crate::state::AppState;

/// The start-up work that needs MongoDB, once: indexes, the signing key (created when there is none) and
/// the configured admin. Idempotent; the kit marks the state prepared when it is done.
pub async fn prepare(state: &AppState) -> anyhow::Result<()> {
    state.store.ensure_indexes().await?;
    let keys = &state.tokens.keys;
    let jwks = keys.load_or_create(&state.store.signing_keys).await?;
    state.tokens.verifier.replace_keys(jwks);
    if let Some(admin) = &state.settings.admin {
        ensure_admin(state, admin).await?;
    }
    Ok(())
}

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
