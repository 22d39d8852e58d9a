//! The gateway's shared state: settings, the services' endpoints, the HTTP client for the gateway's own
//! calls, the token verifier, the revocation copy, the API key cache and the rate limiter. Built once,
//! registered as `web::Data`.

use std::time::Instant;

use anyhow::Context as _;
use shared::jwks::Verifier;
use shared::redis_handle::RedisHandle;

use crate::config::Settings;
use crate::docs::DocsCache;
use crate::identity::{ApiKeyCache, AuthClient, Authenticator};
use crate::proxy::pool::{Endpoint, PoolSettings};
use crate::rate_limit::{PerIpLimiter, RateLimiter};
use crate::revocation::Revocations;
use crate::routing::Upstream;

pub struct AppState {
    pub settings: Settings,
    /// The client for the gateway's own calls (auth-service, health, docs); proxied requests go over the
    /// per-worker connections of `endpoints`.
    pub http: reqwest::Client,
    pub verifier: Verifier,
    pub revocations: Revocations,
    pub api_keys: ApiKeyCache,
    pub auth: AuthClient,
    pub limiter: RateLimiter,
    /// The in-process per-IP budget checked before any credential work (`IP_RATE_LIMIT_MAX`).
    pub per_ip: PerIpLimiter,
    pub redis: RedisHandle,
    pub docs: DocsCache,
    pub started: Instant,
    /// Where proxied requests go, parsed once.
    pub endpoints: Endpoints,
}

/// Each service's endpoint.
pub struct Endpoints {
    pub auth: Endpoint,
    pub course: Endpoint,
    pub progress: Endpoint,
    pub payment: Endpoint,
    pub certificate: Endpoint,
}

impl Endpoints {
    /// Parses the configured URLs; a service URL must be `http://`.
    pub fn parse(u: &crate::config::Upstreams, pool: PoolSettings) -> anyhow::Result<Self> {
        let parse = |name: &str, url: &str| {
            Endpoint::parse(url, pool).with_context(|| format!("{name} is not usable"))
        };
        Ok(Self {
            auth: parse("AUTH_SERVICE_URL", &u.auth)?,
            course: parse("COURSE_SERVICE_URL", &u.course)?,
            progress: parse("PROGRESS_SERVICE_URL", &u.progress)?,
            payment: parse("PAYMENT_SERVICE_URL", &u.payment)?,
            certificate: parse("CERTIFICATE_SERVICE_URL", &u.certificate)?,
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

    /// Where requests for a service go.
    pub fn endpoint(&self, upstream: Upstream) -> &Endpoint {
        let e = &self.endpoints;
        match upstream {
            Upstream::Auth => &e.auth,
            Upstream::Course => &e.course,
            Upstream::Progress => &e.progress,
            Upstream::Payment => &e.payment,
            Upstream::Certificate => &e.certificate,
        }
    }

    /// The base URL of a service.
    pub fn upstream_url(&self, upstream: Upstream) -> &str {
        let u = &self.settings.upstreams;
        match upstream {
            Upstream::Auth => &u.auth,
            Upstream::Course => &u.course,
            Upstream::Progress => &u.progress,
            Upstream::Payment => &u.payment,
            Upstream::Certificate => &u.certificate,
        }
    }
}
