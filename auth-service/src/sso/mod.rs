//! Single sign-on with OpenID providers: discovery and keys (`discovery`), the flow state kept in Redis
//! (`flow`), the code exchange and ID-token checks (`oidc`), and what a finished flow means for accounts
//! (`accounts`). The routes are `routes::sso` and `routes::identities`; the rules are in `docs/auth.md`.

pub mod accounts;
pub mod discovery;
pub mod failure;
pub mod flow;
pub mod oidc;

use std::sync::Arc;

use shared::redis_handle::RedisHandle;

use crate::config::{SsoProvider, SsoSettings};

pub use failure::SsoFailure;

/// Everything single sign-on keeps between requests. Cheap to clone.
#[derive(Clone)]
pub struct Sso {
    pub settings: Arc<SsoSettings>,
    pub discovery: discovery::DiscoveryCache,
    pub flows: flow::FlowStore,
    http: reqwest::Client,
}

impl Sso {
    pub fn new(settings: &SsoSettings, redis: RedisHandle, prefix: &str) -> anyhow::Result<Self> {
        // No redirects: a provider's endpoints answer directly, and following one could leak the code.
        let http = reqwest::Client::builder()
            .timeout(settings.http_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            settings: Arc::new(settings.clone()),
            discovery: discovery::DiscoveryCache::new(http.clone(), settings.discovery_ttl),
            flows: flow::FlowStore::new(redis, prefix, settings.flow_ttl),
            http,
        })
    }

    /// The configured provider with this id.
    pub fn provider(&self, id: &str) -> Option<&SsoProvider> {
        self.settings.provider(id)
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }
}
