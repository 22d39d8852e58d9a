//! Typed settings for course-service, read once from the environment at start-up.

use std::path::PathBuf;
use std::time::Duration;

use shared::config::{ConfigError, Env, MongoSettings, ServiceSettings, Source, Vars};

/// Everything course-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4002), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_course`).
    pub mongo: MongoSettings,
    /// `AUTH_SERVICE_URL` (default `http://127.0.0.1:4001`): instructor and student names for listings.
    pub auth_service_url: String,
    /// `JWKS_URL` (default `{AUTH_SERVICE_URL}/api/v1/auth/.well-known/jwks.json`).
    pub jwks_url: String,
    /// `JWT_ISSUER` (default `lms-auth`) and `JWT_AUDIENCE` (default `lms-api`), as auth-service signs.
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// `MEDIA_DIR` (default `media`): thumbnails and videos on local disk.
    pub media_dir: PathBuf,
    /// `MEDIA_BASE_URL` (default empty: URLs are paths like `/api/v1/media/...` on the gateway's origin).
    pub media_base_url: String,
    /// `THUMBNAIL_MAX_BYTES` (default 5 MB).
    pub thumbnail_max_bytes: u64,
    /// `VIDEO_MAX_BYTES` (default 1 GB).
    pub video_max_bytes: u64,
    /// `JSON_LIMIT_BYTES` (default 10 KB).
    pub json_limit_bytes: usize,
    /// `USER_CACHE_SECS` (default 60): how long instructor names and avatars are cached for listings.
    pub user_cache_ttl: Duration,
    /// `AUTH_SERVICE_TIMEOUT_MS` (default 2000): timeout of one internal call to auth-service.
    pub auth_service_timeout: Duration,
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
        let jwks_default = format!("{auth_service_url}/api/v1/auth/.well-known/jwks.json");
        Ok(Self {
            service: ServiceSettings::from_vars(&v, 4002)?,
            mongo: MongoSettings::from_vars(&v, "lms_course")?,
            jwks_url: v.or("JWKS_URL", jwks_default)?,
            auth_service_url,
            jwt_issuer: v.or("JWT_ISSUER", "lms-auth".to_owned())?,
            jwt_audience: v.or("JWT_AUDIENCE", "lms-api".to_owned())?,
            media_dir: v.or("MEDIA_DIR", PathBuf::from("media"))?,
            media_base_url: v
                .raw("MEDIA_BASE_URL")
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            thumbnail_max_bytes: v.or("THUMBNAIL_MAX_BYTES", 5 * 1024 * 1024)?,
            video_max_bytes: v.or("VIDEO_MAX_BYTES", 1024 * 1024 * 1024)?,
            json_limit_bytes: v.or("JSON_LIMIT_BYTES", 10 * 1024)?,
            user_cache_ttl: Duration::from_secs(v.or("USER_CACHE_SECS", 60)?),
            auth_service_timeout: Duration::from_millis(v.or("AUTH_SERVICE_TIMEOUT_MS", 2000)?),
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
        assert_eq!(
            settings.jwks_url,
            "http://127.0.0.1:4001/api/v1/auth/.well-known/jwks.json"
        );
        assert_eq!(settings.thumbnail_max_bytes, 5 * 1024 * 1024);
        assert_eq!(settings.video_max_bytes, 1024 * 1024 * 1024);
    }

    #[test]
    fn the_jwks_url_follows_the_auth_service_url() {
        let vars = HashMap::from([
            ("MONGO_URI".to_owned(), "mongodb://x".to_owned()),
            (
                "AUTH_SERVICE_URL".to_owned(),
                "http://auth:4001/".to_owned(),
            ),
        ]);
        let settings = Settings::from_source(&vars).unwrap();
        assert_eq!(
            settings.jwks_url,
            "http://auth:4001/api/v1/auth/.well-known/jwks.json"
        );
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&HashMap::<String, String>::new()).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MONGO_URI".into()));
    }

    #[test]
    fn a_malformed_size_is_named() {
        let vars = HashMap::from([
            ("MONGO_URI".to_owned(), "mongodb://x".to_owned()),
            ("VIDEO_MAX_BYTES".to_owned(), "lots".to_owned()),
        ]);
        let err = Settings::from_source(&vars).unwrap_err();
        assert!(err.to_string().contains("VIDEO_MAX_BYTES"), "{err}");
    }
}
