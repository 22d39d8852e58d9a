//! API keys: resolved through auth-service into a short-lived access token, and cached by the key's
//! SHA-256 for a short while. The cache is used only while the revocation subscription is live, and a
//! revocation announcement drops the key at once, so a revoked key stops working within a second.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use shared::internal_auth::sha256_hex;

use super::auth_client::KeyLookup;
use super::{Authenticator, Principal};
use crate::error::GatewayError;
use crate::revocation::Revocations;

/// A cached token is not used during its last seconds, so it never expires on its way to the service.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

struct Entry {
    token: String,
    fetched: Instant,
    expires: Instant,
}

/// Resolved API keys by hash. Cheap to clone.
#[derive(Clone)]
pub struct ApiKeyCache {
    entries: Arc<RwLock<HashMap<String, Entry>>>,
    ttl: Duration,
}

impl ApiKeyCache {
    /// A cache keeping each key for `ttl`, cleared by revocations announced on `revocations`.
    pub fn new(ttl: Duration, revocations: &Revocations) -> Self {
        let cache = Self {
            entries: Arc::default(),
            ttl,
        };
        let entries = Arc::downgrade(&cache.entries);
        revocations.on_key_revoked(Box::new(move |key_hash| {
            if let Some(entries) = entries.upgrade() {
                entries
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(key_hash);
            }
        }));
        cache
    }

    /// The principal an API key stands for.
    pub(super) async fn principal(
        &self,
        key: &str,
        auth: &Authenticator<'_>,
    ) -> Result<Principal, GatewayError> {
        let hash = sha256_hex(key);
        if auth.revocations.is_live()
            && let Some(token) = self.cached(&hash)
        {
            match auth.verify(&token).await {
                Ok(principal) => return Ok(principal),
                // Revoked since (the owner logged out everywhere, say): ask auth-service again.
                Err(GatewayError::BadCredentials(_)) => self.forget(&hash),
                Err(other) => return Err(other),
            }
        }
        let resolved = match auth.auth.resolve_key(key).await {
            Ok(KeyLookup::Found(resolved)) => resolved,
            Ok(KeyLookup::Invalid) => return Err(GatewayError::BadCredentials("invalid_api_key")),
            Ok(KeyLookup::Inactive) => return Err(GatewayError::AccountInactive),
            Err(source) => {
                return Err(GatewayError::UpstreamUnreachable {
                    service: "auth",
                    source,
                });
            }
        };
        let principal = auth.verify(&resolved.token).await?;
        tracing::debug!(api_key.id = %resolved.key_id, "API key resolved");
        let now = Instant::now();
        let lifetime = Duration::from_secs(u64::try_from(resolved.expires_in).unwrap_or(0));
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                hash,
                Entry {
                    token: resolved.token,
                    fetched: now,
                    expires: now + lifetime,
                },
            );
        Ok(principal)
    }

    fn cached(&self, hash: &str) -> Option<String> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(hash)?;
        let now = Instant::now();
        (now < entry.fetched + self.ttl && now + EXPIRY_MARGIN < entry.expires)
            .then(|| entry.token.clone())
    }

    fn forget(&self, hash: &str) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(hash);
    }

    /// Drops expired entries (called periodically).
    pub fn prune(&self) {
        let now = Instant::now();
        let ttl = self.ttl;
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, e| now < e.fetched + ttl && now < e.expires);
    }
}
