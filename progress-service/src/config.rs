//! Typed settings for progress-service, read once from the environment at start-up.

use shared::config::{AppEnv, ConfigError, Env, Source, Vars, require_secret};

/// Value of `INTERNAL_API_TOKEN` outside production when none is set; production refuses it.
pub const DEV_INTERNAL_API_TOKEN: &str = "dev-internal-token";

/// Everything progress-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`: development (default), test or production.
    pub app_env: AppEnv,
    /// `HOST`: address to bind.
    pub host: String,
    /// `PORT`: port to bind; 0 picks a free one (tests).
    pub port: u16,
    /// `LOG_JSON`: JSON logs instead of pretty ones (default: on in production).
    pub json_logs: bool,
    /// `MONGO_URI`: the MongoDB connection string (required).
    pub mongo_uri: String,
    /// `MONGO_DB`: this service's database.
    pub mongo_db: String,
    /// `REDIS_URL`: Redis for events and short caches.
    pub redis_url: String,
    /// `REDIS_PREFIX`: prefix for every Redis key this service writes.
    pub redis_prefix: String,
    /// `INTERNAL_API_TOKEN`: service token for `/internal/...` routes.
    pub internal_api_token: String,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let vars = Vars::new(source);
        let app_env = vars.or("APP_ENV", AppEnv::Development)?;
        Ok(Self {
            app_env,
            host: vars.or("HOST", "0.0.0.0".to_owned())?,
            port: vars.or("PORT", 4003)?,
            json_logs: vars.flag("LOG_JSON", app_env.is_production())?,
            mongo_uri: vars.required("MONGO_URI")?,
            mongo_db: vars.or("MONGO_DB", "lms_progress".to_owned())?,
            redis_url: vars.or("REDIS_URL", "redis://127.0.0.1:6379".to_owned())?,
            redis_prefix: vars.or("REDIS_PREFIX", "lms:".to_owned())?,
            internal_api_token: require_secret(
                app_env,
                "INTERNAL_API_TOKEN",
                vars.raw("INTERNAL_API_TOKEN").as_deref(),
                DEV_INTERNAL_API_TOKEN,
            )?,
        })
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
    fn defaults_apply_when_only_mongo_uri_is_set() {
        let settings =
            Settings::from_source(&source(&[("MONGO_URI", "mongodb://127.0.0.1:27017")])).unwrap();
        assert_eq!(settings.port, 4003);
        assert_eq!(settings.host, "0.0.0.0");
        assert_eq!(settings.mongo_db, "lms_progress");
        assert_eq!(settings.redis_url, "redis://127.0.0.1:6379");
        assert!(!settings.json_logs);
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&source(&[])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MONGO_URI".into()));
    }

    #[test]
    fn a_malformed_port_is_named() {
        let err = Settings::from_source(&source(&[("MONGO_URI", "mongodb://x"), ("PORT", "http")]))
            .unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
    }

    #[test]
    fn production_refuses_the_development_internal_token() {
        let err = Settings::from_source(&source(&[
            ("MONGO_URI", "mongodb://x"),
            ("APP_ENV", "production"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("INTERNAL_API_TOKEN"), "{err}");
    }
}
