//! Typed settings for progress-service, read once from the environment at start-up.

use std::time::Duration;

use shared::config::{ConfigError, Env, MongoSettings, ServiceSettings, Source, Vars};

use crate::domain::CompletionThreshold;

/// Everything progress-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4003), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_progress`).
    pub mongo: MongoSettings,
    /// `COURSE_SERVICE_URL` (default `http://127.0.0.1:4002`): lectures of a course and enrolment checks.
    pub course_service_url: String,
    /// `COURSE_SERVICE_TIMEOUT_MS` (default 2000): timeout of one internal call to course-service.
    pub course_service_timeout: Duration,
    /// `COURSE_CACHE_SECS` (default 30): how long a course's lecture list is reused (events clear it sooner).
    pub course_cache_ttl: Duration,
    /// `ENROLMENT_CACHE_SECS` (default 30): how long an enrolment check is reused (events clear it sooner).
    pub enrolment_cache_ttl: Duration,
    /// `COMPLETION_THRESHOLD` (default 0.9): share of a lecture's seconds that completes it.
    pub completion_threshold: CompletionThreshold,
    /// `JWKS_URL` (default `{AUTH_SERVICE_URL}/api/v1/auth/.well-known/jwks.json`).
    pub jwks_url: String,
    /// `JWT_ISSUER` (default `lms-auth`) and `JWT_AUDIENCE` (default `lms-api`), as auth-service signs.
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// `JSON_LIMIT_BYTES` (default 10 KB).
    pub json_limit_bytes: usize,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let v = Vars::new(source);
        let auth_service_url: String =
            v.or("AUTH_SERVICE_URL", "http://127.0.0.1:4001".to_owned())?;
        let auth_service_url = auth_service_url.trim_end_matches('/').to_owned();
        let course_service_url: String =
            v.or("COURSE_SERVICE_URL", "http://127.0.0.1:4002".to_owned())?;
        Ok(Self {
            service: ServiceSettings::from_vars(&v, 4003)?,
            mongo: MongoSettings::from_vars(&v, "lms_progress")?,
            course_service_url: course_service_url.trim_end_matches('/').to_owned(),
            course_service_timeout: Duration::from_millis(v.or("COURSE_SERVICE_TIMEOUT_MS", 2000)?),
            course_cache_ttl: Duration::from_secs(v.or("COURSE_CACHE_SECS", 30)?),
            enrolment_cache_ttl: Duration::from_secs(v.or("ENROLMENT_CACHE_SECS", 30)?),
            completion_threshold: v.or("COMPLETION_THRESHOLD", CompletionThreshold::default())?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_mongo(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut vars = HashMap::from([("MONGO_URI".to_owned(), "mongodb://x".to_owned())]);
        vars.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        vars
    }

    #[test]
    fn defaults_are_this_services_port_database_and_neighbours() {
        let settings = Settings::from_source(&with_mongo(&[])).unwrap();
        assert_eq!(settings.service.port, 4003);
        assert_eq!(settings.mongo.db, "lms_progress");
        assert_eq!(settings.course_service_url, "http://127.0.0.1:4002");
        assert_eq!(
            settings.jwks_url,
            "http://127.0.0.1:4001/api/v1/auth/.well-known/jwks.json"
        );
        assert!((settings.completion_threshold.fraction() - 0.9).abs() < 1e-9);
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&HashMap::<String, String>::new()).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MONGO_URI".into()));
    }

    #[test]
    fn a_threshold_outside_zero_to_one_is_named() {
        for bad in ["0", "1.5", "-0.2", "NaN", "ninety"] {
            let err =
                Settings::from_source(&with_mongo(&[("COMPLETION_THRESHOLD", bad)])).unwrap_err();
            assert!(
                err.to_string().contains("COMPLETION_THRESHOLD"),
                "{bad}: {err}"
            );
        }
        let ok = Settings::from_source(&with_mongo(&[("COMPLETION_THRESHOLD", "1")])).unwrap();
        assert!((ok.completion_threshold.fraction() - 1.0).abs() < 1e-9);
    }
}
