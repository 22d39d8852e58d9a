//! The gateway's shared state: settings, the pooled HTTP client, the token verifier, the revocation copy,
//! the API key cache and the rate limiter. Built once, registered as `web::Data`.

use std::time::Instant;

use redis::aio::ConnectionManager;
use shared::jwks::Verifier;

use crate::config::Settings;
use crate::docs::DocsCache;
use crate::identity::{ApiKeyCache, AuthClient, Authenticator};
use crate::rate_limit::RateLimiter;
use crate::revocation::Revocations;
use crate::routing::Upstream;

pub struct AppState {
    pub settings: Settings,
    /// One pooled client for every upstream call, shared by all workers.
    pub http: reqwest::Client,
    pub verifier: Verifier,
    pub revocations: Revocations,
    pub api_keys: ApiKeyCache,
    pub auth: AuthClient,
    pub limiter: RateLimiter,
    pub redis: ConnectionManager,
    pub docs: DocsCache,
    pub started: Instant,
    /// The upstream base URLs, parsed once: parsing a URL (host, IDNA) per request shows on the profile.
    pub upstream_bases: UpstreamBases,
}

/// Parsed base URL of each service.
pub struct UpstreamBases {
    pub auth: reqwest::Url,
    pub course: reqwest::Url,
    pub progress: reqwest::Url,
    pub payment: reqwest::Url,
}

impl UpstreamBases {
    /// Parses the configured URLs (already checked to be http(s) by the settings).
    pub fn parse(u: &crate::config::Upstreams) -> anyhow::Result<Self> {
        Ok(Self {
            auth: u.auth.parse()?,
            course: u.course.parse()?,
            progress: u.progress.parse()?,
            payment: u.payment.parse()?,
        })
    }
}

impl AppState {
    /// The identification phase's view of the state.
    pub fn authenticator(&self) -> Authenticator<'_> {
        Authenticator {
            verifier: &self.verifier,
            revocations: &self.revocations,
            api_keys: &self.api_keys,
            auth: &self.auth,
            fail_open: self.settings.revocation_fail_open,
        }
    }

    /// `path_and_query` on a service: the parsed base with its path and query replaced.
    pub fn upstream_target(
        &self,
        upstream: Upstream,
        path: &str,
        query: Option<&str>,
    ) -> reqwest::Url {
        let b = &self.upstream_bases;
        let mut url = match upstream {
            Upstream::Auth => b.auth.clone(),
            Upstream::Course => b.course.clone(),
            Upstream::Progress => b.progress.clone(),
            Upstream::Payment => b.payment.clone(),
        };
        url.set_path(path);
        url.set_query(query);
        url
    }

    /// The base URL of a service.
    pub fn upstream_url(&self, upstream: Upstream) -> &str {
        let u = &self.settings.upstreams;
        match upstream {
            Upstream::Auth => &u.auth,
            Upstream::Course => &u.course,
            Upstream::Progress => &u.progress,
            Upstream::Payment => &u.payment,
        }
    }
}
