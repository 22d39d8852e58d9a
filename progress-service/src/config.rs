//! Typed settings for progress-service, read once from the environment at start-up.

use std::time::Duration;

use shared::config::{
    ApiSettings, ConfigError, Env, MongoSettings, ServiceSettings, Source, Upstream, Vars,
};

use crate::domain::CompletionThreshold;

/// Everything progress-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4003), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_progress`).
    pub mongo: MongoSettings,
    /// `COURSE_SERVICE_URL` (default `http://127.0.0.1:4002`) and `COURSE_SERVICE_TIMEOUT_MS` (default
    /// 2000): lectures of a course and enrolment checks.
    pub course_service: Upstream,
    /// `COURSE_CACHE_SECS` (default 30): how long a course's lecture list is reused (events clear it sooner).
    pub course_cache_ttl: Duration,
    /// `ENROLMENT_CACHE_SECS` (default 30): how long an enrolment check is reused (events clear it sooner).
    pub enrolment_cache_ttl: Duration,
    /// `COMPLETION_THRESHOLD` (default 0.9): share of a lecture's seconds that completes it.
    pub completion_threshold: CompletionThreshold,
    /// `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE` (as auth-service signs) and `JSON_LIMIT_BYTES`.
    pub api: ApiSettings,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let v = Vars::new(source);
        Ok(Self {
            api: ApiSettings::from_vars(&v)?,
            course_service: Upstream::course_service(&v)?,
            service: ServiceSettings::from_vars(&v, 4003)?,
            mongo: MongoSettings::from_vars(&v, "lms_progress")?,
            course_cache_ttl: v.secs("COURSE_CACHE_SECS", 30)?,
            enrolment_cache_ttl: v.secs("ENROLMENT_CACHE_SECS", 30)?,
            completion_threshold: v.or("COMPLETION_THRESHOLD", CompletionThreshold::default())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_mongo<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        [&[("MONGO_URI", "mongodb://x")], pairs].concat()
    }

    #[test]
    fn defaults_are_this_services_port_database_and_neighbours() {
        let settings = Settings::from_source(&with_mongo(&[])).unwrap();
        assert_eq!(settings.service.port, 4003);
        assert_eq!(settings.mongo.db, "lms_progress");
        assert_eq!(settings.course_service.url, "http://127.0.0.1:4002");
        assert_eq!(
            settings.api.jwks_url,
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
