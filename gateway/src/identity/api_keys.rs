//! API keys: resolved through auth-service into a short-lived access token, and cached by the key's
//! SHA-256 for a short while. The cache is used only while the revocation subscription is live, and a
//! revocation announcement drops the key at once, so a revoked key stops working within a second.
//!
//! Any `X-API-Key` value, garbage included, would otherwise cost a call to auth-service, so the calls are
//! bounded twice: a key auth-service called unknown is refused without asking again for a while (negative
//! cache, bounded in size), and each client IP may cause only so many lookups per window (in process).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use shared::internal_auth::sha256_hex;

use super::auth_client::KeyLookup;
use super::{Authenticator, Principal};
use crate::config::Quota;
use crate::error::GatewayError;
use crate::rate_limit::PerIpLimiter;
use crate::revocation::Revocations;

/// At most this many unknown keys are remembered; beyond, a new one is not (the per-IP budget still holds).
const NEGATIVE_CAPACITY: usize = 10_000;

/// A cached token is not used during its last seconds, so it never expires on its way to the service.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

struct Entry {
    token: String,
    fetched: Instant,
    expires: Instant,
}

/// How long keys are remembered, and the bound on lookups.
pub struct KeyCacheSettings {
    /// A resolved key (`API_KEY_CACHE_SECS`).
    pub ttl: Duration,
    /// A key auth-service called unknown (`API_KEY_NEGATIVE_CACHE_SECS`; zero: not remembered).
    pub negative_ttl: Duration,
    /// Lookups per client IP (`API_KEY_LOOKUP_MAX` per `API_KEY_LOOKUP_WINDOW_SECS`).
    pub lookups: Quota,
}

/// Resolved and unknown API keys by hash, and the per-IP lookup budget. Cheap to clone.
#[derive(Clone)]
pub struct ApiKeyCache {
    entries: Arc<RwLock<HashMap<String, Entry>>>,
    /// Unknown keys' hashes and when they were found unknown.
    unknown: Arc<RwLock<HashMap<String, Instant>>>,
    lookups: Arc<PerIpLimiter>,
    ttl: Duration,
    negative_ttl: Duration,
}

impl ApiKeyCache {
    /// A cache keeping each key for its time, cleared by revocations announced on `revocations`.
    pub fn new(settings: &KeyCacheSettings, revocations: &Revocations) -> Self {
        let cache = Self {
            entries: Arc::default(),
            unknown: Arc::default(),
            lookups: Arc::new(PerIpLimiter::new(settings.lookups)),
            ttl: settings.ttl,
            negative_ttl: settings.negative_ttl,
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

    /// The principal an API key stands for; `ip` is the caller's, whose lookup budget a miss draws from.
    pub(super) async fn principal(
        &self,
        key: &str,
        ip: IpAddr,
        auth: &Authenticator<'_>,
    ) -> Result<Principal, GatewayError> {
        let hash = sha256_hex(key);
        let cached = auth
            .revocations
            .is_live()
            .then(|| self.cached(&hash))
            .flatten();
        if let Some(token) = cached {
            crate::metrics::api_key_lookup("hit");
            match auth.verify(token).await {
                Ok(principal) => return Ok(principal),
                // Revoked since (the owner logged out everywhere, say): ask auth-service again.
                Err(GatewayError::BadCredentials(_)) => self.forget(&hash),
                Err(other) => return Err(other),
            }
        }
        if self.known_unknown(&hash) {
            crate::metrics::api_key_lookup("unknown");
            return Err(GatewayError::BadCredentials("invalid_api_key"));
        }
        crate::metrics::api_key_lookup("miss");
        let budget = self.lookups.check(ip);
        crate::metrics::rate_limit("api_key_lookups", budget.allowed);
        if !budget.allowed {
            return Err(GatewayError::RateLimited(budget));
        }
        let resolved = match auth.auth.resolve_key(key).await? {
            KeyLookup::Found(resolved) => resolved,
            KeyLookup::Invalid => {
                self.remember_unknown(hash);
                return Err(GatewayError::BadCredentials("invalid_api_key"));
            }
            KeyLookup::Inactive => return Err(GatewayError::AccountInactive),
        };
        let principal = auth.verify(resolved.token.clone()).await?;
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

    /// Whether auth-service called this key unknown a moment ago.
    fn known_unknown(&self, hash: &str) -> bool {
        let unknown = self.unknown.read().unwrap_or_else(PoisonError::into_inner);
        unknown
            .get(hash)
            .is_some_and(|found| found.elapsed() < self.negative_ttl)
    }

    fn remember_unknown(&self, hash: String) {
        if self.negative_ttl.is_zero() {
            return;
        }
        let mut unknown = self.unknown.write().unwrap_or_else(PoisonError::into_inner);
        if unknown.len() >= NEGATIVE_CAPACITY {
            let ttl = self.negative_ttl;
            unknown.retain(|_, found| found.elapsed() < ttl);
        }
        if unknown.len() < NEGATIVE_CAPACITY {
            unknown.insert(hash, Instant::now());
        }
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
        let negative_ttl = self.negative_ttl;
        self.unknown
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, found| found.elapsed() < negative_ttl);
        self.lookups.prune();
    }
}
