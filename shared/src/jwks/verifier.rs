//! The key cache behind [`Verifier`]: static keys, or a remote JWKS fetched at start, refreshed in the
//! background and refetched (throttled, one fetch shared by concurrent callers) on an unknown `kid`.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::time::Instant;

use super::verified::VerifiedTokens;
use super::{JwkSet, JwksOptions, TokenError, VerifierConfig, check_header};
use crate::claims::AccessClaims;

type KeyMap = HashMap<String, DecodingKey>;

/// Verifies access tokens. Cheap to clone: clones share the key cache and the refresh task.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    validation: Validation,
    /// Tokens that passed recently (signature and claims), so a repeat costs a lookup.
    verified: VerifiedTokens,
    keys: RwLock<Arc<KeyMap>>,
    remote: Option<Remote>,
}

struct Remote {
    url: String,
    client: reqwest::Client,
    min_refetch_interval: Duration,
    /// Serialises fetches (concurrent unknown-kid requests share one) and remembers the last attempt.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

impl Verifier {
    /// A verifier over a fixed key set (auth-service verifies with its own keys).
    pub fn from_keys(keys: JwkSet, config: VerifierConfig) -> Self {
        Self {
            inner: Arc::new(Inner::new(&keys, &config, None)),
        }
    }

    /// A verifier that fetches `url` now (failing soft: it starts empty and logs), refreshes it every
    /// `refresh_interval`, and refetches on an unknown `kid`. Must be called inside a tokio runtime.
    pub async fn from_jwks_url(
        url: impl Into<String>,
        config: VerifierConfig,
        options: JwksOptions,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(options.http_timeout)
            .build()?;
        let remote = Remote {
            url: url.into(),
            client,
            min_refetch_interval: options.min_refetch_interval,
            last_fetch: tokio::sync::Mutex::new(None),
        };
        let inner = Arc::new(Inner::new(&JwkSet::default(), &config, Some(remote)));
        inner.refetch(false).await;
        spawn_refresh(Arc::downgrade(&inner), options.refresh_interval);
        Ok(Self { inner })
    }

    /// Replaces the cached keys (auth-service after loading or rotating keys). Returns how many are usable.
    pub fn replace_keys(&self, keys: JwkSet) -> usize {
        self.inner.replace(&keys)
    }

    /// Ids of the keys currently trusted.
    pub fn key_ids(&self) -> Vec<String> {
        self.inner.snapshot().keys().cloned().collect()
    }

    /// Verifies a token, refetching the JWKS (throttled) when it names an unknown key.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        if let Some(claims) = self.inner.verified.get(token) {
            return Ok(claims);
        }
        let kid = check_header(token)?;
        if let Some(key) = self.inner.snapshot().get(&kid) {
            return self.inner.decode(token, key);
        }
        if self.inner.remote.is_some() {
            self.inner.refetch(true).await;
        }
        self.verify_cached(token)
    }

    /// Verifies a token against the cached keys only (never waits on the network).
    pub fn verify_cached(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let kid = check_header(token)?;
        let keys = self.inner.snapshot();
        match keys.get(&kid) {
            Some(key) => self.inner.decode(token, key),
            None if keys.is_empty() => Err(TokenError::KeysUnavailable),
            None => Err(TokenError::UnknownKey),
        }
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("key_ids", &self.key_ids())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn new(keys: &JwkSet, config: &VerifierConfig, remote: Option<Remote>) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = config.leeway_secs;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self {
            validation,
            verified: VerifiedTokens::default(),
            keys: RwLock::new(Arc::new(usable_keys(keys))),
            remote,
        }
    }

    fn snapshot(&self) -> Arc<KeyMap> {
        // A poisoned lock still holds a consistent map (writers only swap an Arc).
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn replace(&self, keys: &JwkSet) -> usize {
        self.swap(usable_keys(keys))
    }

    fn swap(&self, map: KeyMap) -> usize {
        let count = map.len();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(map);
        count
    }

    fn decode(&self, token: &str, key: &DecodingKey) -> Result<AccessClaims, TokenError> {
        jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation)
            .map(|data| {
                self.verified.insert(token, &data.claims);
                data.claims
            })
            .map_err(|e| TokenError::of_decoding(&e))
    }

    /// Fetches the JWKS and swaps it in. With `throttled`, skips the fetch when one was attempted less
    /// than `min_refetch_interval` ago — including one that finished while this call waited for the lock.
    async fn refetch(&self, throttled: bool) {
        let Some(remote) = &self.remote else { return };
        let mut last = remote.last_fetch.lock().await;
        // With no key at all (auth-service was not up yet when we started), every token is refused, so
        // waiting out the normal throttle would lock everyone out for that long: retry within a second.
        let min_interval = if self.snapshot().is_empty() {
            EMPTY_RETRY_INTERVAL.min(remote.min_refetch_interval)
        } else {
            remote.min_refetch_interval
        };
        if throttled && last.is_some_and(|at| at.elapsed() < min_interval) {
            return;
        }
        *last = Some(Instant::now());
        match fetch(remote).await.map(|set| usable_keys(&set)) {
            Ok(map) if map.is_empty() => {
                // An empty set is more likely a broken deployment than a revocation of every key.
                tracing::warn!(jwks.url = %remote.url, "JWKS had no usable Ed25519 keys; keeping the cached keys");
            }
            Ok(map) => {
                let count = self.swap(map);
                tracing::debug!(jwks.url = %remote.url, keys = count, "JWKS refreshed");
            }
            Err(e) => {
                tracing::warn!(jwks.url = %remote.url, error = %e, "JWKS fetch failed; keeping the cached keys");
            }
        }
    }
}

async fn fetch(remote: &Remote) -> Result<JwkSet, reqwest::Error> {
    remote
        .client
        .get(&remote.url)
        .send()
        .await?
        .error_for_status()?
        .json::<JwkSet>()
        .await
}

/// How soon an empty key cache is fetched again (start-up before auth-service is ready).
const EMPTY_RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// Refreshes in the background until every `Verifier` clone is dropped: every `every`, or every second
/// while no key has been loaded yet.
fn spawn_refresh(inner: Weak<Inner>, every: Duration) {
    // A zero period would spin.
    let every = every.max(Duration::from_secs(1));
    tokio::spawn(async move {
        loop {
            let empty = match inner.upgrade() {
                Some(inner) => inner.snapshot().is_empty(),
                None => break,
            };
            tokio::time::sleep(if empty { EMPTY_RETRY_INTERVAL } else { every }).await;
            let Some(inner) = inner.upgrade() else { break };
            inner.refetch(false).await;
        }
    });
}

fn usable_keys(set: &JwkSet) -> KeyMap {
    set.keys
        .iter()
        .filter_map(|jwk| match jwk.decoding_key() {
            Some(key) => Some((jwk.kid.clone(), key)),
            None => {
                tracing::warn!(jwk.kid = %jwk.kid, jwk.kty = %jwk.kty, "ignoring a JWK that is not an Ed25519 signing key");
                None
            }
        })
        .collect()
}
