//! The issuer keys in memory: the newest signs certificates and status lists, every key is published as
//! the issuer's JWKS (`GET /api/v1/certificates/issuer/jwks.json`). They are not auth-service's login keys:
//! those rotate every few weeks and are unpublished soon after, while a certificate must verify for years.
//! Reloaded from the database every 30 s (and at once on an unknown `kid`), so a key added by
//! `certificate-service rotate-keys` or another replica is picked up.

use std::sync::{Arc, RwLock};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;
use shared::jwks::JwkSet;

use crate::store::{IssuerKeyRecord, IssuerKeyStore};

/// The JOSE `typ` of a credential secured as a JWT (W3C VC-JOSE-COSE, section 3.1.1).
pub const VC_JWT_TYP: &str = "vc+jwt";
/// The JOSE `cty`: the payload is a credential (VC-JOSE-COSE).
pub const VC_CTY: &str = "vc";

struct Loaded {
    kid: String,
    encoding: EncodingKey,
    jwks: JwkSet,
}

/// The issuer's keys; cheap to clone. Empty until the first load (MongoDB may be down at start-up).
#[derive(Clone, Default)]
pub struct IssuerKeys {
    inner: Arc<RwLock<Option<Loaded>>>,
}

/// A fresh Ed25519 key; its `kid` is derived from the public key, prefixed so it never reads as a login key's.
pub fn generate_key() -> anyhow::Result<IssuerKeyRecord> {
    let key = shared::signing::generate()?;
    Ok(IssuerKeyRecord {
        kid: format!("cert-{}", key.kid),
        pkcs8_b64: key.pkcs8_b64,
        public_x: key.public_x,
        created_at: Utc::now(),
    })
}

fn load(keys: &[IssuerKeyRecord]) -> anyhow::Result<Loaded> {
    let signer = keys.first().context("no issuer key")?;
    Ok(Loaded {
        kid: signer.kid.clone(),
        encoding: shared::signing::encoding_key(&signer.pkcs8_b64)?,
        jwks: JwkSet {
            keys: keys
                .iter()
                .map(|k| shared::signing::published(&k.kid, &k.public_x))
                .collect(),
        },
    })
}

impl IssuerKeys {
    /// Whether a key is loaded (`/readyz` waits for it through the start-up work).
    pub fn is_loaded(&self) -> bool {
        self.inner.read().is_ok_and(|guard| guard.is_some())
    }

    /// Loads the keys, creating the first one if the database has none.
    pub async fn load_or_create(&self, store: &IssuerKeyStore) -> anyhow::Result<()> {
        if store
            .list()
            .await
            .context("reading issuer keys")?
            .is_empty()
        {
            let key = generate_key()?;
            store
                .insert(&key)
                .await
                .context("storing the first issuer key")?;
            tracing::info!(key.id = %key.kid, "created the first issuer key");
        }
        // Two replicas starting at once may both have created one: the newest signs for both.
        self.reload(store).await
    }

    /// Re-reads every key.
    pub async fn reload(&self, store: &IssuerKeyStore) -> anyhow::Result<()> {
        let keys = store.list().await.context("reading issuer keys")?;
        if keys.is_empty() {
            return Ok(());
        }
        let loaded = load(&keys)?;
        let mut guard = self
            .inner
            .write()
            .map_err(|_| anyhow::anyhow!("issuer key lock poisoned"))?;
        *guard = Some(loaded);
        Ok(())
    }

    /// The published key set (empty before the first load).
    pub fn jwks(&self) -> JwkSet {
        self.inner
            .read()
            .ok()
            .and_then(|g| g.as_ref().map(|l| l.jwks.clone()))
            .unwrap_or_default()
    }

    /// The verification key of `kid`, if it is one of ours.
    pub fn decoding_key(&self, kid: &str) -> Option<DecodingKey> {
        let jwks = self.jwks();
        let jwk = jwks.keys.iter().find(|k| k.kid == kid)?;
        let raw = URL_SAFE_NO_PAD.decode(&jwk.x).ok()?;
        // For Ed25519 jsonwebtoken takes the raw 32-byte public key in its "DER" slot.
        Some(DecodingKey::from_ed_der(&raw))
    }

    /// Signs `payload` as a VC-JOSE JWT (`alg: EdDSA`, `typ: vc+jwt`, `cty: vc`, `kid`); returns the JWT
    /// and the `kid` that signed it.
    pub fn sign<T: Serialize>(&self, payload: &T) -> anyhow::Result<(String, String)> {
        let guard = self
            .inner
            .read()
            .map_err(|_| anyhow::anyhow!("issuer key lock poisoned"))?;
        let loaded = guard.as_ref().context("no issuer key loaded yet")?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(VC_JWT_TYP.to_owned());
        header.cty = Some(VC_CTY.to_owned());
        header.kid = Some(loaded.kid.clone());
        let jwt = jsonwebtoken::encode(&header, payload, &loaded.encoding)
            .context("signing a credential")?;
        Ok((jwt, loaded.kid.clone()))
    }
}

/// Adds a key that signs from now on; the others stay published.
pub async fn rotate(store: &IssuerKeyStore) -> anyhow::Result<String> {
    let key = generate_key()?;
    store
        .insert(&key)
        .await
        .context("storing the new issuer key")?;
    Ok(key.kid)
}
