//! The settings every service behind the gateway reads alike: how to verify access tokens (auth-service's
//! JWKS, issuer and audience), how large a JSON body may be, and where a neighbour service answers. One
//! reader, so the variable names, defaults and error messages cannot drift apart between services.

use std::time::Duration;

use super::{ConfigError, Vars};

/// `AUTH_SERVICE_URL`'s default: auth-service on the developer's machine.
const DEFAULT_AUTH_SERVICE_URL: &str = "http://127.0.0.1:4001";

/// Access-token verification and the JSON body limit.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// `JWKS_URL` (default `{AUTH_SERVICE_URL}/api/v1/auth/.well-known/jwks.json`, `AUTH_SERVICE_URL`
    /// defaulting to `http://127.0.0.1:4001`).
    pub jwks_url: String,
    /// `JWT_ISSUER` (default `lms-auth`), as auth-service signs.
    pub jwt_issuer: String,
    /// `JWT_AUDIENCE` (default `lms-api`), as auth-service signs.
    pub jwt_audience: String,
    /// `JSON_LIMIT_BYTES` (default 10 KB).
    pub json_limit_bytes: usize,
}

impl ApiSettings {
    pub fn from_vars(v: &Vars<'_>) -> Result<Self, ConfigError> {
        let auth_service_url = url(v, "AUTH_SERVICE_URL", DEFAULT_AUTH_SERVICE_URL)?;
        Ok(Self {
            jwks_url: v.or(
                "JWKS_URL",
                format!("{auth_service_url}/api/v1/auth/.well-known/jwks.json"),
            )?,
            jwt_issuer: v.or("JWT_ISSUER", "lms-auth".to_owned())?,
            jwt_audience: v.or("JWT_AUDIENCE", "lms-api".to_owned())?,
            json_limit_bytes: v.or("JSON_LIMIT_BYTES", 10 * 1024)?,
        })
    }
}

/// A neighbour service reached over internal HTTP: `<NAME>_URL` and `<NAME>_TIMEOUT_MS`.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// `<NAME>_URL`, without a trailing `/`.
    pub url: String,
    /// `<NAME>_TIMEOUT_MS` (default 2000): one call.
    pub timeout: Duration,
}

impl Upstream {
    /// `name` is the variables' prefix, e.g. `COURSE_SERVICE`.
    pub fn from_vars(v: &Vars<'_>, name: &str, default_url: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            url: url(v, &format!("{name}_URL"), default_url)?,
            timeout: v.millis(&format!("{name}_TIMEOUT_MS"), 2000)?,
        })
    }

    /// auth-service (`AUTH_SERVICE_URL`, default `http://127.0.0.1:4001`).
    pub fn auth_service(v: &Vars<'_>) -> Result<Self, ConfigError> {
        Self::from_vars(v, "AUTH_SERVICE", DEFAULT_AUTH_SERVICE_URL)
    }

    /// course-service (`COURSE_SERVICE_URL`, default `http://127.0.0.1:4002`).
    pub fn course_service(v: &Vars<'_>) -> Result<Self, ConfigError> {
        Self::from_vars(v, "COURSE_SERVICE", "http://127.0.0.1:4002")
    }
}

/// A base URL; a trailing `/` is dropped so paths can be appended.
fn url(v: &Vars<'_>, name: &str, default: &str) -> Result<String, ConfigError> {
    let url: String = v.or(name, default.to_owned())?;
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jwks_url_follows_the_auth_service_url_unless_set() {
        let none: Vec<(&str, &str)> = Vec::new();
        let api = ApiSettings::from_vars(&Vars::new(&none)).unwrap();
        assert_eq!(
            api.jwks_url,
            "http://127.0.0.1:4001/api/v1/auth/.well-known/jwks.json"
        );
        assert_eq!(
            (api.jwt_issuer.as_str(), api.jwt_audience.as_str()),
            ("lms-auth", "lms-api")
        );
        assert_eq!(api.json_limit_bytes, 10 * 1024);
        let moved = vec![("AUTH_SERVICE_URL", "http://auth:4001/")];
        let api = ApiSettings::from_vars(&Vars::new(&moved)).unwrap();
        assert_eq!(
            api.jwks_url,
            "http://auth:4001/api/v1/auth/.well-known/jwks.json"
        );
        let fixed = vec![("JWKS_URL", "http://keys/jwks.json")];
        let api = ApiSettings::from_vars(&Vars::new(&fixed)).unwrap();
        assert_eq!(api.jwks_url, "http://keys/jwks.json");
    }

    #[test]
    fn an_upstream_reads_its_url_and_timeout_and_names_a_bad_one() {
        let none: Vec<(&str, &str)> = Vec::new();
        let course = Upstream::course_service(&Vars::new(&none)).unwrap();
        assert_eq!(course.url, "http://127.0.0.1:4002");
        assert_eq!(course.timeout, Duration::from_millis(2000));
        let bad = vec![("COURSE_SERVICE_TIMEOUT_MS", "soon")];
        let err = Upstream::course_service(&Vars::new(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("COURSE_SERVICE_TIMEOUT_MS"),
            "{err}"
        );
    }
}
