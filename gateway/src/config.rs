//! Typed settings for the gateway, read once from the environment at start-up.

use std::time::Duration;

use shared::config::{ConfigError, Env, ServiceSettings, Source, Vars};

use crate::client_ip::Cidr;

/// Base URLs of the services the gateway routes to.
#[derive(Debug, Clone)]
pub struct Upstreams {
    /// `AUTH_SERVICE_URL`
    pub auth: String,
    /// `COURSE_SERVICE_URL`
    pub course: String,
    /// `PROGRESS_SERVICE_URL`
    pub progress: String,
    /// `PAYMENT_SERVICE_URL`
    pub payment: String,
    /// `CERTIFICATE_SERVICE_URL`
    pub certificate: String,
}

/// One rate limit: `max` requests per `window`, refilled smoothly (GCRA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max: u32,
    pub window: Duration,
}

/// The limits the gateway applies.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// `RATE_LIMIT_MAX` per `RATE_LIMIT_WINDOW_SECS` on every `/api/*` route (seed: 100 per 15 min).
    pub global: Quota,
    /// `AUTH_RATE_LIMIT_MAX` per `AUTH_RATE_LIMIT_WINDOW_SECS` on the credential routes (sign-in, sign-up,
    /// forgot/reset password, refresh), per client IP, on top of the global limit.
    pub credentials: Quota,
    /// `RATE_LIMIT_REDIS`: share the limits across replicas through Redis (default on).
    pub use_redis: bool,
    /// `IP_RATE_LIMIT_MAX` per `IP_RATE_LIMIT_WINDOW_SECS`: every limited request per client IP, checked in
    /// process before any credential is looked at (default ten times the global budget, same window).
    pub per_ip: Quota,
    /// `API_KEY_LOOKUP_MAX` per `API_KEY_LOOKUP_WINDOW_SECS`: calls to auth-service to resolve an API key
    /// the gateway does not know, per client IP, in process (default a quarter of the global budget, at
    /// least 1, same window).
    pub api_key_lookups: Quota,
}

/// How long the gateway waits on a service.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// `UPSTREAM_CONNECT_TIMEOUT_MS` (default 2000).
    pub connect: Duration,
    /// `UPSTREAM_TIMEOUT_SECS`: until the response headers arrive (default 30).
    pub request: Duration,
    /// `UPLOAD_TIMEOUT_SECS`: the same for multipart uploads, which send large bodies first (default 600).
    pub upload: Duration,
    /// `INTERNAL_CALL_TIMEOUT_MS`: the whole of each of the gateway's own calls (refresh, API keys, JWKS,
    /// the services' documents), body included (default 5000).
    pub internal: Duration,
}

/// Body size limits enforced before a request reaches a service.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// `JSON_BODY_LIMIT_BYTES` (default 10 KB, as the seed).
    pub json: usize,
    /// `MULTIPART_BODY_LIMIT_BYTES`: a whole upload request (default 1 GiB + 10 MiB for the other fields).
    pub multipart: u64,
    /// `WEBHOOK_BODY_LIMIT_BYTES` (default 1 MB).
    pub webhook: usize,
}

/// Everything the gateway reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4000), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `CLIENT_URL`: the frontend origins allowed by CORS (comma-separated).
    pub allowed_origins: Vec<String>,
    /// `CORS_MAX_AGE_SECS`: how long browsers may cache a preflight answer (default 600).
    pub cors_max_age: Duration,
    /// `TRUSTED_PROXIES`: CIDRs of the proxies whose `X-Forwarded-For` entries are believed.
    pub trusted_proxies: Vec<Cidr>,
    /// `JWKS_URL`: where the access-token keys are published (default: auth-service's JWKS).
    pub jwks_url: String,
    /// `JWT_ISSUER` / `JWT_AUDIENCE`: what every access token must say (defaults match auth-service).
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// `JWT_LEEWAY_SECS`: clock skew tolerated on `exp` (default 5).
    pub jwt_leeway_secs: u64,
    /// `REVOCATION_FAIL_OPEN`: accept tokens when Redis cannot be asked (default off: 503 instead).
    pub revocation_fail_open: bool,
    /// `API_KEY_CACHE_SECS`: how long a resolved API key is reused (default 60; a revocation clears it).
    pub api_key_cache: Duration,
    /// `API_KEY_NEGATIVE_CACHE_SECS`: how long a key auth-service called unknown is refused without asking
    /// again (default 60; 0 turns it off).
    pub api_key_negative_cache: Duration,
    /// `*_SERVICE_URL`: where each route group is proxied.
    pub upstreams: Upstreams,
    pub rate_limits: RateLimits,
    pub timeouts: Timeouts,
    pub body_limits: BodyLimits,
    /// `HTTP_WORKERS`: request-handling threads (default: one per CPU core).
    pub workers: Option<usize>,
    /// `ADMIN_PORT` (default 4010): the admin listener on `HOST` serving `/metrics`, never proxied.
    pub admin_port: u16,
    /// `HEALTH_CHECK_TIMEOUT_MS`: the bound on each check of `/api/v1/healthcheck` (default 1500).
    pub health_timeout: Duration,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let vars = Vars::new(source);
        let v = &vars;
        let auth = url(v, "AUTH_SERVICE_URL", "http://127.0.0.1:4001")?;
        let origins = v.list("CLIENT_URL", "http://localhost:5173")?;
        let allowed_origins = origins
            .iter()
            .map(|o| origin(o))
            .collect::<Result<Vec<_>, _>>()?;
        let trusted_proxies = v
            .list("TRUSTED_PROXIES", "")?
            .iter()
            .map(|c| {
                c.parse().map_err(|reason| ConfigError::Invalid {
                    name: "TRUSTED_PROXIES".into(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The per-IP budgets default to multiples of the global one, so a deployment (or a benchmark) that
        // raises the global budget does not meet a stricter limit it never configured.
        let global = quota(v, "RATE_LIMIT_MAX", 100, "RATE_LIMIT_WINDOW_SECS", 900)?;
        Ok(Self {
            service: ServiceSettings::from_vars(v, 4000)?,
            allowed_origins,
            cors_max_age: secs(v, "CORS_MAX_AGE_SECS", 600)?,
            trusted_proxies,
            jwks_url: url(
                v,
                "JWKS_URL",
                &format!("{auth}/api/v1/auth/.well-known/jwks.json"),
            )?,
            jwt_issuer: v.or("JWT_ISSUER", "lms-auth".to_owned())?,
            jwt_audience: v.or("JWT_AUDIENCE", "lms-api".to_owned())?,
            jwt_leeway_secs: v.or("JWT_LEEWAY_SECS", 5)?,
            revocation_fail_open: v.flag("REVOCATION_FAIL_OPEN", false)?,
            api_key_cache: secs(v, "API_KEY_CACHE_SECS", 60)?,
            api_key_negative_cache: secs(v, "API_KEY_NEGATIVE_CACHE_SECS", 60)?,
            upstreams: Upstreams {
                auth,
                course: url(v, "COURSE_SERVICE_URL", "http://127.0.0.1:4002")?,
                progress: url(v, "PROGRESS_SERVICE_URL", "http://127.0.0.1:4003")?,
                payment: url(v, "PAYMENT_SERVICE_URL", "http://127.0.0.1:4004")?,
                certificate: url(v, "CERTIFICATE_SERVICE_URL", "http://127.0.0.1:4005")?,
            },
            rate_limits: RateLimits {
                global,
                credentials: quota(
                    v,
                    "AUTH_RATE_LIMIT_MAX",
                    10,
                    "AUTH_RATE_LIMIT_WINDOW_SECS",
                    900,
                )?,
                use_redis: v.flag("RATE_LIMIT_REDIS", true)?,
                per_ip: quota(
                    v,
                    "IP_RATE_LIMIT_MAX",
                    global.max.saturating_mul(10),
                    "IP_RATE_LIMIT_WINDOW_SECS",
                    global.window.as_secs(),
                )?,
                api_key_lookups: quota(
                    v,
                    "API_KEY_LOOKUP_MAX",
                    (global.max / 4).max(1),
                    "API_KEY_LOOKUP_WINDOW_SECS",
                    global.window.as_secs(),
                )?,
            },
            timeouts: Timeouts {
                connect: Duration::from_millis(v.or("UPSTREAM_CONNECT_TIMEOUT_MS", 2000)?),
                request: secs(v, "UPSTREAM_TIMEOUT_SECS", 30)?,
                upload: secs(v, "UPLOAD_TIMEOUT_SECS", 600)?,
                internal: Duration::from_millis(v.or("INTERNAL_CALL_TIMEOUT_MS", 5000)?),
            },
            body_limits: BodyLimits {
                json: v.or("JSON_BODY_LIMIT_BYTES", 10 * 1024)?,
                multipart: v.or("MULTIPART_BODY_LIMIT_BYTES", (1 << 30) + (10 << 20))?,
                webhook: v.or("WEBHOOK_BODY_LIMIT_BYTES", 1024 * 1024)?,
            },
            workers: v.optional("HTTP_WORKERS")?.filter(|n: &usize| *n > 0),
            admin_port: v.or("ADMIN_PORT", 4010)?,
            health_timeout: Duration::from_millis(v.or("HEALTH_CHECK_TIMEOUT_MS", 1500)?),
        })
    }
}

fn secs(v: &Vars<'_>, name: &str, default: u64) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(v.or(name, default)?))
}

fn quota(
    v: &Vars<'_>,
    max_name: &str,
    max: u32,
    window_name: &str,
    window: u64,
) -> Result<Quota, ConfigError> {
    let quota = Quota {
        max: v.or(max_name, max)?,
        window: secs(v, window_name, window)?,
    };
    let positive = |name: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                name: name.to_owned(),
                reason: "must be at least 1".into(),
            })
        }
    };
    positive(max_name, quota.max > 0)?;
    positive(window_name, !quota.window.is_zero())?;
    Ok(quota)
}

/// An `http(s)://` base URL without a trailing slash.
fn url(vars: &Vars<'_>, name: &str, default: &str) -> Result<String, ConfigError> {
    let value = vars.raw(name)?.unwrap_or_else(|| default.to_owned());
    let value = value.trim().trim_end_matches('/').to_owned();
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(value),
        _ => Err(ConfigError::Invalid {
            name: name.to_owned(),
            reason: format!("`{value}` is not an http(s) URL"),
        }),
    }
}

/// A CORS origin as browsers send it: scheme, host and port, nothing else.
fn origin(value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') => Ok(trimmed.to_owned()),
        _ => Err(ConfigError::Invalid {
            name: "CLIENT_URL".to_owned(),
            reason: format!("`{value}` is not an origin such as https://app.example.com"),
        }),
    }
}

#[cfg(test)]
mod tests;
