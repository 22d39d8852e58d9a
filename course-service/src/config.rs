//! Typed settings for course-service, read once from the environment at start-up.

use std::path::PathBuf;
use std::time::Duration;

use shared::config::{
    ApiSettings, ConfigError, Env, MongoSettings, ServiceSettings, Source, Upstream, Vars,
};

/// Where uploaded media lives (`MEDIA_BACKEND`).
#[derive(Debug, Clone)]
pub enum MediaBackend {
    /// `local` (default): files under `MEDIA_DIR`.
    Local,
    /// `s3`: an S3-compatible bucket; needs a build with the cargo feature `s3`.
    S3(S3Settings),
}

/// `S3_BUCKET`, `S3_ENDPOINT`, `S3_REGION`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`.
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    /// Only for S3-compatible servers (MinIO, moto): requests then go path-style to this URL.
    pub endpoint: Option<String>,
    /// Default `us-east-1`.
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    // Hand-written so the secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl MediaBackend {
    fn from_vars(v: &Vars<'_>) -> Result<Self, ConfigError> {
        let choice: String = v.or("MEDIA_BACKEND", "local".to_owned())?;
        match choice.trim().to_ascii_lowercase().as_str() {
            "local" => Ok(Self::Local),
            "s3" if !cfg!(feature = "s3") => Err(ConfigError::Invalid {
                name: "MEDIA_BACKEND".to_owned(),
                reason: "`s3` needs course-service built with the cargo feature `s3`".to_owned(),
            }),
            // `Vars` treats blank values as unset (see `shared::config::Env`), so `required` also refuses
            // empty credentials, in production and everywhere else.
            "s3" => Ok(Self::S3(S3Settings {
                bucket: v.required("S3_BUCKET")?,
                endpoint: v
                    .raw("S3_ENDPOINT")?
                    .map(|e| e.trim().trim_end_matches('/').to_owned())
                    .filter(|e| !e.is_empty()),
                region: v.or("S3_REGION", "us-east-1".to_owned())?,
                access_key_id: v.required("S3_ACCESS_KEY_ID")?,
                secret_access_key: v.required("S3_SECRET_ACCESS_KEY")?,
            })),
            other => Err(ConfigError::Invalid {
                name: "MEDIA_BACKEND".to_owned(),
                reason: format!("`{other}` is not one of local, s3"),
            }),
        }
    }
}

/// How a permitted media request is answered (`MEDIA_DELIVERY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaDelivery {
    /// `proxy` (default): course-service streams the bytes itself.
    Proxy,
    /// `redirect`: `307` to a presigned `GET` URL of the object; needs `MEDIA_BACKEND=s3`.
    Redirect,
}

/// The longest `MEDIA_URL_TTL_SECS` accepted: a presigned URL is a bearer credential.
pub const MAX_MEDIA_URL_TTL_SECS: u64 = 3600;

impl MediaDelivery {
    fn from_vars(v: &Vars<'_>, backend: &MediaBackend) -> Result<Self, ConfigError> {
        let choice: String = v.or("MEDIA_DELIVERY", "proxy".to_owned())?;
        let invalid = |reason: String| ConfigError::Invalid {
            name: "MEDIA_DELIVERY".to_owned(),
            reason,
        };
        match (choice.trim().to_ascii_lowercase().as_str(), backend) {
            ("proxy", _) => Ok(Self::Proxy),
            ("redirect", MediaBackend::S3(_)) => Ok(Self::Redirect),
            ("redirect", MediaBackend::Local) => Err(invalid(
                "`redirect` needs MEDIA_BACKEND=s3 (a local disk cannot presign URLs)".to_owned(),
            )),
            (other, _) => Err(invalid(format!("`{other}` is not one of proxy, redirect"))),
        }
    }
}

/// `MEDIA_URL_TTL_SECS`, 1..=`MAX_MEDIA_URL_TTL_SECS` (default 300).
fn media_url_ttl(v: &Vars<'_>) -> Result<Duration, ConfigError> {
    let secs: u64 = v.or("MEDIA_URL_TTL_SECS", 300)?;
    if !(1..=MAX_MEDIA_URL_TTL_SECS).contains(&secs) {
        return Err(ConfigError::Invalid {
            name: "MEDIA_URL_TTL_SECS".to_owned(),
            reason: format!("{secs} is not between 1 and {MAX_MEDIA_URL_TTL_SECS} seconds"),
        });
    }
    Ok(Duration::from_secs(secs))
}

/// Everything course-service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOST`, `PORT` (default 4002), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`, `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_course`).
    pub mongo: MongoSettings,
    /// `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE` (as auth-service signs) and `JSON_LIMIT_BYTES`.
    pub api: ApiSettings,
    /// `AUTH_SERVICE_URL` (default `http://127.0.0.1:4001`) and `AUTH_SERVICE_TIMEOUT_MS` (default 2000):
    /// instructor and student names for listings.
    pub auth_service: Upstream,
    /// `MEDIA_BACKEND` (default `local`) and, for `s3`, the bucket settings.
    pub media_backend: MediaBackend,
    /// `MEDIA_DELIVERY` (default `proxy`; `redirect` only with the S3 backend).
    pub media_delivery: MediaDelivery,
    /// `MEDIA_URL_TTL_SECS` (default 300, at most 3600): the life of a redirect's presigned URL, further
    /// capped per request by what the caller's access token has left.
    pub media_url_ttl: Duration,
    /// `MEDIA_DIR` (default `media`): thumbnails and videos on local disk, and with any backend the
    /// temporary files uploads stream to (`MEDIA_DIR/.tmp`).
    pub media_dir: PathBuf,
    /// `MEDIA_BASE_URL` (default empty: URLs are paths like `/api/v1/media/...` on the gateway's origin).
    pub media_base_url: String,
    /// `THUMBNAIL_MAX_BYTES` (default 5 MB).
    pub thumbnail_max_bytes: u64,
    /// `VIDEO_MAX_BYTES` (default 1 GB).
    pub video_max_bytes: u64,
    /// `USER_CACHE_SECS` (default 60): how long instructor names and avatars are cached for listings.
    pub user_cache_ttl: Duration,
    /// `REVIEW_WRITE_MAX` per `REVIEW_WRITE_WINDOW_SECS` (default 20 per hour): review writes (create,
    /// edit, delete, reply) per user, counted in Redis so every replica shares the budget.
    pub review_writes: WriteQuota,
}

/// At most `max` writes per `window` (a fixed window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteQuota {
    pub max: u32,
    pub window: Duration,
}

fn write_quota(v: &Vars<'_>) -> Result<WriteQuota, ConfigError> {
    let quota = WriteQuota {
        max: v.or("REVIEW_WRITE_MAX", 20)?,
        window: v.secs("REVIEW_WRITE_WINDOW_SECS", 3600)?,
    };
    if quota.max == 0 || quota.window.is_zero() {
        return Err(ConfigError::Invalid {
            name: "REVIEW_WRITE_MAX".to_owned(),
            reason: "the limit and its window (REVIEW_WRITE_WINDOW_SECS) must both be positive"
                .to_owned(),
        });
    }
    Ok(quota)
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let v = Vars::new(source);
        let media_backend = MediaBackend::from_vars(&v)?;
        Ok(Self {
            service: ServiceSettings::from_vars(&v, 4002)?,
            mongo: MongoSettings::from_vars(&v, "lms_course")?,
            api: ApiSettings::from_vars(&v)?,
            auth_service: Upstream::auth_service(&v)?,
            media_delivery: MediaDelivery::from_vars(&v, &media_backend)?,
            media_url_ttl: media_url_ttl(&v)?,
            media_backend,
            media_dir: v.or("MEDIA_DIR", PathBuf::from("media"))?,
            media_base_url: v
                .raw("MEDIA_BASE_URL")?
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            thumbnail_max_bytes: v.or("THUMBNAIL_MAX_BYTES", 5 * 1024 * 1024)?,
            video_max_bytes: v.or("VIDEO_MAX_BYTES", 1024 * 1024 * 1024)?,
            user_cache_ttl: v.secs("USER_CACHE_SECS", 60)?,
            review_writes: write_quota(&v)?,
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
            settings.api.jwks_url,
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
            settings.api.jwks_url,
            "http://auth:4001/api/v1/auth/.well-known/jwks.json"
        );
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&HashMap::<String, String>::new()).unwrap_err();
        assert_eq!(err, ConfigError::Missing("MONGO_URI".into()));
    }

    fn with_mongo<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        [&[("MONGO_URI", "mongodb://x")], pairs].concat()
    }

    #[test]
    fn the_media_backend_defaults_to_local_disk() {
        let settings = Settings::from_source(&with_mongo(&[])).unwrap();
        assert!(matches!(settings.media_backend, MediaBackend::Local));
        let err = Settings::from_source(&with_mongo(&[("MEDIA_BACKEND", "ftp")])).unwrap_err();
        assert!(err.to_string().contains("MEDIA_BACKEND"), "{err}");
    }

    #[cfg(not(feature = "s3"))]
    #[test]
    fn s3_without_the_feature_is_a_config_error() {
        let err = Settings::from_source(&with_mongo(&[("MEDIA_BACKEND", "s3")])).unwrap_err();
        assert!(err.to_string().contains("feature `s3`"), "{err}");
    }

    #[cfg(feature = "s3")]
    #[test]
    fn s3_needs_a_bucket_and_credentials() {
        let full = [
            ("MEDIA_BACKEND", "s3"),
            ("S3_BUCKET", "media"),
            ("S3_ACCESS_KEY_ID", "key"),
            ("S3_SECRET_ACCESS_KEY", "secret"),
        ];
        for missing in ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] {
            let vars: Vec<_> = full
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let err = Settings::from_source(&with_mongo(&vars)).unwrap_err();
            assert_eq!(err, ConfigError::Missing(missing.into()));
        }
        let settings = Settings::from_source(&with_mongo(&full)).unwrap();
        let MediaBackend::S3(s3) = settings.media_backend else {
            panic!("expected the s3 backend");
        };
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(s3.endpoint, None);
        assert!(!format!("{s3:?}").contains("secret"));
    }

    #[test]
    fn media_is_proxied_by_default_and_redirect_on_local_disk_is_refused_naming_the_variable() {
        let settings = Settings::from_source(&with_mongo(&[])).unwrap();
        assert_eq!(settings.media_delivery, MediaDelivery::Proxy);
        assert_eq!(settings.media_url_ttl, Duration::from_secs(300));
        let err =
            Settings::from_source(&with_mongo(&[("MEDIA_DELIVERY", "redirect")])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { name, reason }
                if name == "MEDIA_DELIVERY" && reason.contains("MEDIA_BACKEND=s3")),
            "{err}"
        );
        let err = Settings::from_source(&with_mongo(&[("MEDIA_DELIVERY", "cdn")])).unwrap_err();
        assert!(err.to_string().contains("MEDIA_DELIVERY"), "{err}");
    }

    #[test]
    fn a_media_url_ttl_out_of_bounds_is_named() {
        for bad in ["0", "3601", "soon"] {
            let err =
                Settings::from_source(&with_mongo(&[("MEDIA_URL_TTL_SECS", bad)])).unwrap_err();
            assert!(
                err.to_string().contains("MEDIA_URL_TTL_SECS"),
                "{bad}: {err}"
            );
        }
        let settings =
            Settings::from_source(&with_mongo(&[("MEDIA_URL_TTL_SECS", "3600")])).unwrap();
        assert_eq!(settings.media_url_ttl, Duration::from_secs(3600));
    }

    #[cfg(feature = "s3")]
    #[test]
    fn redirect_is_accepted_with_the_s3_backend() {
        let vars = [
            ("MEDIA_BACKEND", "s3"),
            ("S3_BUCKET", "media"),
            ("S3_ACCESS_KEY_ID", "key"),
            ("S3_SECRET_ACCESS_KEY", "secret"),
            ("MEDIA_DELIVERY", "redirect"),
        ];
        let settings = Settings::from_source(&with_mongo(&vars)).unwrap();
        assert_eq!(settings.media_delivery, MediaDelivery::Redirect);
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
