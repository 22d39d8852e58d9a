//! The signing keys of an OpenID provider (`jwks_uri` of its discovery document), for verifying the ID
//! tokens it issues: RS256 and ES256 only, fetched on first use, refetched (throttled, one fetch shared by
//! concurrent callers) when a token names a `kid` not seen yet, kept when a fetch fails. The access-token
//! [`Verifier`](super::Verifier) never sees these keys: it stays pinned to our own EdDSA.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::{JwkSet, MAX_TOKEN_LEN, TokenError};

type KeyMap = HashMap<String, (Algorithm, DecodingKey)>;

/// What an ID token must satisfy besides its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderValidation {
    /// The provider's issuer, exactly as its discovery document names it.
    pub issuer: String,
    /// Our client id: `aud` must contain it.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `iat`.
    pub leeway_secs: u64,
}

/// One provider's keys. Cheap to clone: clones share the cache.
#[derive(Clone)]
pub struct ProviderKeys {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    client: reqwest::Client,
    min_refetch_interval: Duration,
    keys: RwLock<Arc<KeyMap>>,
    /// Serialises fetches and remembers the last attempt.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

impl ProviderKeys {
    /// Keys to be fetched from `jwks_uri` with `client` (its timeout applies); nothing is fetched yet.
    pub fn new(jwks_uri: impl Into<String>, client: reqwest::Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                url: jwks_uri.into(),
                client,
                min_refetch_interval: Duration::from_secs(30),
                keys: RwLock::new(Arc::default()),
                last_fetch: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// Ids of the keys currently cached.
    pub fn key_ids(&self) -> Vec<String> {
        self.inner.snapshot().keys().cloned().collect()
    }

    /// Verifies an ID token's signature (RS256 or ES256, the algorithm of the key it names), `iss`, `aud`,
    /// `exp` and `iat`, and returns its claims. `nonce` and `azp` are the caller's: they depend on the flow.
    pub async fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        expected: &ProviderValidation,
    ) -> Result<T, TokenError> {
        let (alg, kid) = check_header(token)?;
        let key = match self.find(alg, kid.as_deref()) {
            Some(found) => found,
            None => {
                self.inner.refetch().await;
                self.find(alg, kid.as_deref()).ok_or_else(|| {
                    if self.inner.snapshot().is_empty() {
                        TokenError::KeysUnavailable
                    } else {
                        TokenError::UnknownKey
                    }
                })?
            }
        };
        let mut validation = Validation::new(alg);
        validation.leeway = expected.leeway_secs;
        validation.set_issuer(&[&expected.issuer]);
        validation.set_audience(&[&expected.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<T>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| TokenError::of_decoding(&e))
    }

    /// The key the header names, if its algorithm is the header's. Without a `kid` the one key of that
    /// algorithm is used, and only when there is exactly one.
    fn find(&self, alg: Algorithm, kid: Option<&str>) -> Option<DecodingKey> {
        let keys = self.inner.snapshot();
        match kid {
            Some(kid) => keys
                .get(kid)
                .filter(|(a, _)| *a == alg)
                .map(|(_, k)| k.clone()),
            None => {
                let mut of_alg = keys.values().filter(|(a, _)| *a == alg);
                match (of_alg.next(), of_alg.next()) {
                    (Some((_, key)), None) => Some(key.clone()),
                    _ => None,
                }
            }
        }
    }
}

impl std::fmt::Debug for ProviderKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderKeys")
            .field("jwks_uri", &self.inner.url)
            .field("key_ids", &self.key_ids())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn snapshot(&self) -> Arc<KeyMap> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Fetches the key set unless a fetch was attempted less than `min_refetch_interval` ago (the first
    /// fetch always runs), so tokens naming made-up `kid`s cannot make us hammer the provider.
    async fn refetch(&self) {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.min_refetch_interval) {
            return;
        }
        *last = Some(Instant::now());
        let fetched = async {
            self.client
                .get(&self.url)
                .send()
                .await?
                .error_for_status()?
                .json::<JwkSet>()
                .await
        }
        .await;
        match fetched {
            Ok(set) => {
                let map: KeyMap = set
                    .keys
                    .iter()
                    .filter(|jwk| !jwk.kid.is_empty() || set.keys.len() == 1)
                    .filter_map(|jwk| jwk.provider_key().map(|k| (jwk.kid.clone(), k)))
                    .collect();
                if map.is_empty() {
                    tracing::warn!(jwks.url = %self.url, "the provider's JWKS had no usable RS256 or ES256 key; keeping the cached keys");
                } else {
                    tracing::debug!(jwks.url = %self.url, keys = map.len(), "provider JWKS fetched");
                    *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(map);
                }
            }
            Err(e) => {
                tracing::warn!(jwks.url = %self.url, error = %e, "provider JWKS fetch failed; keeping the cached keys");
            }
        }
    }
}

/// Reads the header before anything is trusted: only RS256 and ES256 (so `none`, HS256 keyed with a
/// public key and our own EdDSA are refused outright), no critical extensions.
fn check_header(token: &str) -> Result<(Algorithm, Option<String>), TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenError::Malformed)?;
    let header: RawHeader = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    if header.crit.is_some() {
        return Err(TokenError::Malformed);
    }
    let alg = match header.alg.as_deref() {
        Some("RS256") => Algorithm::RS256,
        Some("ES256") => Algorithm::ES256,
        _ => return Err(TokenError::WrongAlgorithm),
    };
    Ok((alg, header.kid.filter(|k| !k.is_empty())))
}
