//! Typed settings for the gateway, read once from the environment at start-up.

use shared::config::{ConfigError, Env, ServiceSettings, Source, Vars};

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
}

/// Everything the gateway reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4000), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `CLIENT_URL`: the frontend origin(s) allowed by CORS.
    pub client_url: String,
    /// `JWKS_URL`: where the access-token keys are published (default: auth-service's JWKS).
    pub jwks_url: String,
    /// `*_SERVICE_URL`: where each route group is proxied.
    pub upstreams: Upstreams,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let vars = Vars::new(source);
        let auth = url(&vars, "AUTH_SERVICE_URL", "http://127.0.0.1:4001")?;
        Ok(Self {
            service: ServiceSettings::from_vars(&vars, 4000)?,
            client_url: url(&vars, "CLIENT_URL", "http://localhost:5173")?,
            jwks_url: url(
                &vars,
                "JWKS_URL",
                &format!("{auth}/api/v1/auth/.well-known/jwks.json"),
            )?,
            upstreams: Upstreams {
                auth,
                course: url(&vars, "COURSE_SERVICE_URL", "http://127.0.0.1:4002")?,
                progress: url(&vars, "PROGRESS_SERVICE_URL", "http://127.0.0.1:4003")?,
                payment: url(&vars, "PAYMENT_SERVICE_URL", "http://127.0.0.1:4004")?,
            },
        })
    }
}

/// An `http(s)://` base URL without a trailing slash.
fn url(vars: &Vars<'_>, name: &str, default: &str) -> Result<String, ConfigError> {
    let value = vars.raw(name).unwrap_or_else(|| default.to_owned());
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn source(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let settings = Settings::from_source(&source(&[])).unwrap();
        assert_eq!(settings.service.port, 4000);
        assert_eq!(settings.upstreams.auth, "http://127.0.0.1:4001");
        assert_eq!(settings.upstreams.payment, "http://127.0.0.1:4004");
        assert_eq!(
            settings.jwks_url,
            "http://127.0.0.1:4001/api/v1/auth/.well-known/jwks.json"
        );
        assert_eq!(settings.client_url, "http://localhost:5173");
    }

    #[test]
    fn the_jwks_url_follows_the_auth_service_url_and_trailing_slashes_are_dropped() {
        let settings =
            Settings::from_source(&source(&[("AUTH_SERVICE_URL", "http://auth:4001/")])).unwrap();
        assert_eq!(settings.upstreams.auth, "http://auth:4001");
        assert_eq!(
            settings.jwks_url,
            "http://auth:4001/api/v1/auth/.well-known/jwks.json"
        );
    }

    #[test]
    fn a_malformed_upstream_url_is_named() {
        let err =
            Settings::from_source(&source(&[("COURSE_SERVICE_URL", "course:4002")])).unwrap_err();
        assert!(err.to_string().contains("COURSE_SERVICE_URL"), "{err}");
    }

    #[test]
    fn a_malformed_port_is_named() {
        let err = Settings::from_source(&source(&[("PORT", "70000")])).unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
    }
}
