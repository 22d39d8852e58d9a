//! Each provider's discovery document (`<issuer>/.well-known/openid-configuration`), fetched on first use
//! and cached for `SSO_DISCOVERY_TTL_SECS`, with the provider's keys (`shared::jwks::ProviderKeys`). A
//! document that names another issuer than the configured one is refused (OpenID Connect Discovery §4.3):
//! that is what keeps one provider from speaking for another.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use shared::jwks::ProviderKeys;
use tokio::sync::RwLock;
use tokio::time::Instant;

use crate::config::SsoProvider;

/// The parts of a discovery document we use.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9207: when true, every authorization response must carry `iss`.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// A provider as discovered: its metadata and its keys.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub metadata: Metadata,
    pub keys: ProviderKeys,
}

/// Each provider's discovery and when it was fetched, by provider id.
type Entries = HashMap<String, (Instant, Arc<Discovered>)>;

/// The cache, shared by clones.
#[derive(Clone)]
pub struct DiscoveryCache {
    http: reqwest::Client,
    ttl: Duration,
    entries: Arc<RwLock<Entries>>,
}

impl DiscoveryCache {
    pub fn new(http: reqwest::Client, ttl: Duration) -> Self {
        Self {
            http,
            ttl,
            entries: Arc::default(),
        }
    }

    /// The provider's metadata and keys, from the cache while fresh.
    pub async fn get(&self, provider: &SsoProvider) -> anyhow::Result<Arc<Discovered>> {
        if let Some((at, found)) = self.entries.read().await.get(&provider.id)
            && at.elapsed() < self.ttl
        {
            return Ok(found.clone());
        }
        let mut entries = self.entries.write().await;
        // Another request may have fetched it while this one waited.
        if let Some((at, found)) = entries.get(&provider.id)
            && at.elapsed() < self.ttl
        {
            return Ok(found.clone());
        }
        let metadata = self.fetch(provider).await?;
        // Keep the cached keys while the key set's address stays the same.
        let keys = match entries.get(&provider.id) {
            Some((_, old)) if old.metadata.jwks_uri == metadata.jwks_uri => old.keys.clone(),
            _ => ProviderKeys::new(metadata.jwks_uri.clone(), self.http.clone()),
        };
        let found = Arc::new(Discovered { metadata, keys });
        entries.insert(provider.id.clone(), (Instant::now(), found.clone()));
        Ok(found)
    }

    async fn fetch(&self, provider: &SsoProvider) -> anyhow::Result<Metadata> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            provider.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching the discovery document of `{}`", provider.id))?
            .json()
            .await
            .with_context(|| format!("reading the discovery document of `{}`", provider.id))?;
        anyhow::ensure!(
            metadata.issuer == provider.issuer,
            "the discovery document of `{}` names issuer `{}`, not the configured `{}`",
            provider.id,
            metadata.issuer,
            provider.issuer
        );
        if let Some(methods) = &metadata.code_challenge_methods_supported {
            anyhow::ensure!(
                methods.iter().any(|m| m == "S256"),
                "provider `{}` does not support PKCE S256",
                provider.id
            );
        }
        Ok(metadata)
    }
}
