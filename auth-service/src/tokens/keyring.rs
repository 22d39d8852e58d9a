//! The signing keys in memory: the newest signs, all live ones are published as the JWKS. Reloaded from
//! the database periodically so a rotation made by another replica or the CLI is picked up.

use std::sync::{Arc, RwLock};

use anyhow::Context;
use chrono::{Duration, Utc};
use jsonwebtoken::EncodingKey;
use shared::jwks::JwkSet;

use crate::store::{SigningKeyRecord, SigningKeyStore};

struct Loaded {
    kid: String,
    encoding: EncodingKey,
    jwks: JwkSet,
}

/// Live signing keys; cheap to clone. Empty until the first load (MongoDB may be down at start-up): then
/// nothing can be signed and the published key set is empty.
#[derive(Clone, Default)]
pub struct KeyRing {
    inner: Arc<RwLock<Option<Loaded>>>,
}

/// Creates a fresh Ed25519 key; the `kid` is derived from the public key.
pub fn generate_signing_key() -> anyhow::Result<SigningKeyRecord> {
    let key = shared::signing::generate()?;
    Ok(SigningKeyRecord {
        kid: key.kid,
        pkcs8_b64: key.pkcs8_b64,
        public_x: key.public_x,
        created_at: Utc::now(),
        retire_after: None,
    })
}

/// Adds a new signing key and schedules the others to be unpublished once their tokens have expired.
pub async fn rotate_signing_key(
    store: &SigningKeyStore,
    access_ttl: std::time::Duration,
) -> anyhow::Result<String> {
    let key = generate_signing_key()?;
    store
        .insert(&key)
        .await
        .context("storing the new signing key")?;
    let keep_for =
        Duration::from_std(access_ttl).unwrap_or(Duration::minutes(15)) + Duration::minutes(5);
    store
        .retire_all_but(&key.kid, Utc::now() + keep_for)
        .await
        .context("retiring old signing keys")?;
    Ok(key.kid)
}

fn jwks_of(keys: &[SigningKeyRecord]) -> anyhow::Result<JwkSet> {
    Ok(JwkSet {
        keys: keys
            .iter()
            .map(|k| shared::signing::published(&k.kid, &k.public_x))
            .collect(),
    })
}

fn load(keys: &[SigningKeyRecord]) -> anyhow::Result<Loaded> {
    let signer = keys.first().context("no signing key")?;
    Ok(Loaded {
        kid: signer.kid.clone(),
        encoding: shared::signing::encoding_key(&signer.pkcs8_b64)?,
        jwks: jwks_of(keys)?,
    })
}

impl KeyRing {
    /// A ring with no key yet; [`KeyRing::load_or_create`] fills it.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Whether a signing key is loaded.
    pub fn is_loaded(&self) -> bool {
        self.inner.read().is_ok_and(|guard| guard.is_some())
    }

    /// Loads the live keys, creating the first one if the database has none; returns the key set.
    pub async fn load_or_create(&self, store: &SigningKeyStore) -> anyhow::Result<JwkSet> {
        let keys = store
            .list_live(Utc::now())
            .await
            .context("reading signing keys")?;
        if keys.is_empty() {
            let key = generate_signing_key()?;
            store
                .insert(&key)
                .await
                .context("storing the first signing key")?;
            tracing::info!(key.id = %key.kid, "created the first signing key");
        }
        // Another replica may have raced us; both read back the same newest key.
        self.reload(store).await?.map_or_else(|| self.jwks(), Ok)
    }

    /// Re-reads the live keys; returns the new JWKS when it changed.
    pub async fn reload(&self, store: &SigningKeyStore) -> anyhow::Result<Option<JwkSet>> {
        let keys = store
            .list_live(Utc::now())
            .await
            .context("reading signing keys")?;
        if keys.is_empty() {
            return Ok(None);
        }
        let loaded = load(&keys)?;
        let mut guard = self
            .inner
            .write()
            .map_err(|_| anyhow::anyhow!("key ring lock poisoned"))?;
        let changed = guard.as_ref().is_none_or(|current| {
            current.kid != loaded.kid || jwk_count(&current.jwks) != jwk_count(&loaded.jwks)
        });
        let jwks = loaded.jwks.clone();
        *guard = Some(loaded);
        Ok(changed.then_some(jwks))
    }

    /// The `kid` and key that sign new tokens.
    pub fn signer(&self) -> anyhow::Result<(String, EncodingKey)> {
        let guard = self
            .inner
            .read()
            .map_err(|_| anyhow::anyhow!("key ring lock poisoned"))?;
        let loaded = guard.as_ref().context("no signing key loaded yet")?;
        Ok((loaded.kid.clone(), loaded.encoding.clone()))
    }

    /// The published key set (empty before the first load).
    pub fn jwks(&self) -> anyhow::Result<JwkSet> {
        let guard = self
            .inner
            .read()
            .map_err(|_| anyhow::anyhow!("key ring lock poisoned"))?;
        match guard.as_ref() {
            Some(loaded) => Ok(loaded.jwks.clone()),
            None => jwks_of(&[]),
        }
    }
}

fn jwk_count(set: &JwkSet) -> usize {
    serde_json::to_value(set)
        .ok()
        .and_then(|v| v["keys"].as_array().map(Vec::len))
        .unwrap_or(0)
}
