//! Typed settings for course-service, read once from the environment at start-up.

use shared::config::{ConfigError, Env, MongoSettings, ServiceSettings, Source, Vars};

/// Everything course-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4002), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_course`).
    pub mongo: MongoSettings,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let vars = Vars::new(source);
        Ok(Self {
            service: ServiceSettings::from_vars(&vars, 4002)?,
            mongo: MongoSettings::from_vars(&vars, "lms_course")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_are_this_services_port_and_database() {
        let vars = HashMap::from([(
            "MONGO_URI".to_owned(),
            "mongodb://127.0.0.1:27017".to_owned(),
        )]);
        let settings = Settings::from_source(&vars).unwrap();
        assert_eq!(settings.service.port, 4002);
        assert_eq!(settings.mongo.db, "lms_course");
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&HashMap::<String, String>::new()).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MONGO_URI".into()));
    }
}
