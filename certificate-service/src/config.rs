//! Typed settings for certificate-service, read once from the environment at start-up.

use shared::config::{
    ApiSettings, ConfigError, Env, MongoSettings, ServiceSettings, Source, Upstream, Vars,
};

/// Everything certificate-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4005), `LOG_JSON`, Redis, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_certificate`).
    pub mongo: MongoSettings,
    /// `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE` (as auth-service signs) and `JSON_LIMIT_BYTES`.
    pub api: ApiSettings,
    /// `AUTH_SERVICE_URL` / `_TIMEOUT_MS`: the learner's and the instructor's names.
    pub auth_service: Upstream,
    /// `COURSE_SERVICE_URL` / `_TIMEOUT_MS`: the course's title, description and instructor.
    pub course_service: Upstream,
    /// `PUBLIC_URL` (default `http://localhost:4000`; https required in production): the platform's public
    /// origin, through the gateway. Every id in a credential is a URL under it.
    pub public_url: String,
    /// `ISSUER_NAME` (default `LMS`): the issuer profile's name, shown on certificates.
    pub issuer_name: String,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let v = Vars::new(source);
        let service = ServiceSettings::from_vars(&v, 4005)?;
        let public_url: String = v.or("PUBLIC_URL", "http://localhost:4000".to_owned())?;
        let public_url = public_url.trim_end_matches('/').to_owned();
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: "PUBLIC_URL".into(),
                reason: "must be an http(s) origin such as https://lms.example.com".into(),
            });
        }
        // A certificate names its issuer by URL for as long as it exists: production needs the real one.
        if service.app_env.is_production() && !public_url.starts_with("https://") {
            return Err(ConfigError::Insecure {
                name: "PUBLIC_URL".into(),
                reason: "credentials are identified by https URLs of the platform".into(),
            });
        }
        Ok(Self {
            mongo: MongoSettings::from_vars(&v, "lms_certificate")?,
            api: ApiSettings::from_vars(&v)?,
            auth_service: Upstream::auth_service(&v)?,
            course_service: Upstream::course_service(&v)?,
            issuer_name: v.or("ISSUER_NAME", "LMS".to_owned())?,
            public_url,
            service,
        })
    }

    /// A public URL of the platform: `path` starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut vars: HashMap<String, String> =
            HashMap::from([("MONGO_URI".into(), "mongodb://x".into())]);
        for (k, v) in pairs {
            vars.insert((*k).into(), (*v).into());
        }
        Settings::from_source(&vars)
    }

    #[test]
    fn the_public_url_loses_its_trailing_slash_and_production_needs_https() {
        let s = settings(&[("PUBLIC_URL", "https://lms.example.com/")]).map(|s| s.public_url);
        assert_eq!(s.ok().as_deref(), Some("https://lms.example.com"));
        let err = settings(&[
            ("APP_ENV", "production"),
            (
                "INTERNAL_API_TOKEN",
                "a-long-enough-internal-token-for-production-use",
            ),
            ("PUBLIC_URL", "http://lms.example.com"),
        ]);
        assert!(matches!(err, Err(ConfigError::Insecure { ref name, .. }) if name == "PUBLIC_URL"));
        assert!(matches!(
            settings(&[("PUBLIC_URL", "lms.example.com")]),
            Err(ConfigError::Invalid { .. })
        ));
    }
}
