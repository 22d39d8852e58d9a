//! One-off commands of the binary (`certificate-service rotate-keys`).

use anyhow::Context;

use crate::config::Settings;
use crate::store::IssuerKeyStore;

/// Adds a new issuer key to the database; running replicas start signing with it within 30 s, and every
/// older key stays in the published JWKS so certificates it signed keep verifying.
pub async fn rotate_keys(settings: &Settings) -> anyhow::Result<String> {
    let db = shared::stores::mongo_database(
        &settings.mongo.uri,
        &settings.mongo.db,
        "certificate-service",
    )
    .await
    .context("connecting to MongoDB")?;
    crate::keys::rotate(&IssuerKeyStore::new(&db)).await
}
