//! Typed settings for auth-service, read from the environment once at start-up.

use std::path::PathBuf;
use std::time::Duration;

use shared::config::{ConfigError, MongoSettings, ServiceSettings, Source, Vars};

mod sso;
pub use sso::{SsoProvider, SsoSettings};

/// How the `SameSite` attribute of our cookies is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

impl std::str::FromStr for SameSite {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "strict" => Ok(Self::Strict),
            "lax" => Ok(Self::Lax),
            "none" => Ok(Self::None),
            other => Err(format!("`{other}` is not one of Strict, Lax, None")),
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" | "implicit" => Ok(Self::Tls),
            other => Err(format!("`{other}` is not one of none, starttls, tls")),
        }
    }
}

/// SMTP delivery settings for password-reset mail.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: SmtpTls,
    pub from: String,
}

/// The first admin, created at start-up when both variables are set.
#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: String,
    pub name: String,
}

/// Everything auth-service needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`, `HOST`, `PORT` (default 4001), `LOG_JSON`, `REDIS_URL`, `REDIS_PREFIX`,
    /// `INTERNAL_API_TOKEN`.
    pub service: ServiceSettings,
    /// `MONGO_URI` (required) and `MONGO_DB` (default `lms_auth`).
    pub mongo: MongoSettings,
    /// Allowed frontend origins; the first one builds reset links.
    pub client_urls: Vec<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_ttl: Duration,
    pub api_key_token_ttl: Duration,
    pub refresh_idle_ttl: Duration,
    pub refresh_absolute_ttl: Duration,
    pub refresh_grace: Duration,
    pub reset_token_ttl: Duration,
    pub bcrypt_cost: u32,
    pub cookie_secure: bool,
    pub cookie_same_site: SameSite,
    pub json_limit_bytes: usize,
    pub avatar_max_bytes: u64,
    pub media_dir: PathBuf,
    pub smtp: SmtpSettings,
    pub admin: Option<AdminBootstrap>,
    /// `SSO_PROVIDERS` and the rest of single sign-on (`config::sso`).
    pub sso: SsoSettings,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&shared::config::Env)
    }

    /// Reads any variable source (tests pass a map).
    pub fn from_source(source: &dyn Source) -> Result<Self, ConfigError> {
        let v = Vars::new(source);
        let service = ServiceSettings::from_vars(&v, 4001)?;
        let env = service.app_env;
        let secs = |name: &str, default: u64| v.or(name, default).map(Duration::from_secs);
        let cookie_secure = v.flag("COOKIE_SECURE", true)?;
        if env.is_production() && !cookie_secure {
            return Err(ConfigError::Insecure {
                name: "COOKIE_SECURE".into(),
                reason: "cookies must be Secure in production".into(),
            });
        }
        let bcrypt_cost: u32 = v.or("BCRYPT_COST", 12)?;
        if !(4..=31).contains(&bcrypt_cost) || (env.is_production() && bcrypt_cost < 10) {
            return Err(ConfigError::Invalid {
                name: "BCRYPT_COST".into(),
                reason: "must be 4..=31 (at least 10 in production)".into(),
            });
        }
        let admin = match (v.raw("ADMIN_EMAIL")?, v.raw("ADMIN_PASSWORD")?) {
            (Some(email), Some(password)) => Some(AdminBootstrap {
                email,
                password,
                name: v.or("ADMIN_NAME", "Administrator".to_owned())?,
            }),
            (None, None) => None,
            (Some(_), None) => return Err(ConfigError::Missing("ADMIN_PASSWORD".into())),
            (None, Some(_)) => return Err(ConfigError::Missing("ADMIN_EMAIL".into())),
        };
        Ok(Self {
            mongo: MongoSettings::from_vars(&v, "lms_auth")?,
            service,
            client_urls: v.list("CLIENT_URL", "http://localhost:5173")?,
            jwt_issuer: v.or("JWT_ISSUER", "lms-auth".to_owned())?,
            jwt_audience: v.or("JWT_AUDIENCE", "lms-api".to_owned())?,
            access_ttl: secs("ACCESS_TOKEN_TTL_SECS", 15 * 60)?,
            api_key_token_ttl: secs("API_KEY_TOKEN_TTL_SECS", 5 * 60)?,
            refresh_idle_ttl: secs("REFRESH_IDLE_TTL_SECS", 7 * 24 * 3600)?,
            refresh_absolute_ttl: secs("REFRESH_ABSOLUTE_TTL_SECS", 30 * 24 * 3600)?,
            refresh_grace: secs("REFRESH_GRACE_SECS", 10)?,
            reset_token_ttl: secs("RESET_TOKEN_TTL_SECS", 10 * 60)?,
            bcrypt_cost,
            cookie_secure,
            cookie_same_site: v.or("COOKIE_SAMESITE", SameSite::Strict)?,
            json_limit_bytes: v.or("JSON_LIMIT_BYTES", 10 * 1024)?,
            avatar_max_bytes: v.or("AVATAR_MAX_BYTES", 5 * 1024 * 1024)?,
            media_dir: v.or("MEDIA_DIR", PathBuf::from("media"))?,
            smtp: SmtpSettings {
                host: v.or("SMTP_HOST", "127.0.0.1".to_owned())?,
                port: v.or("SMTP_PORT", 25)?,
                username: v.raw("SMTP_USERNAME")?,
                password: v.raw("SMTP_PASSWORD")?,
                tls: v.or(
                    "SMTP_TLS",
                    if env.is_production() {
                        SmtpTls::StartTls
                    } else {
                        SmtpTls::None
                    },
                )?,
                from: v.or("MAIL_FROM", "LMS <no-reply@lms.local>".to_owned())?,
            },
            admin,
            sso: SsoSettings::from_vars(&v, env.is_production())?,
        })
    }

    /// The frontend origin used in e-mailed links.
    pub fn client_url(&self) -> &str {
        self.client_urls
            .first()
            .map_or("http://localhost:5173", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn base() -> HashMap<String, String> {
        HashMap::from([("MONGO_URI".to_owned(), "mongodb://127.0.0.1:1".to_owned())])
    }

    #[test]
    fn defaults_follow_the_spec() {
        let s = Settings::from_source(&base()).unwrap();
        assert_eq!(s.service.port, 4001);
        assert_eq!(s.mongo.db, "lms_auth");
        assert_eq!(s.access_ttl, Duration::from_secs(900));
        assert_eq!(s.refresh_grace, Duration::from_secs(10));
        assert_eq!(s.bcrypt_cost, 12);
        assert!(s.cookie_secure);
        assert_eq!(s.client_url(), "http://localhost:5173");
    }

    #[test]
    fn production_refuses_insecure_settings() {
        let mut vars = base();
        vars.insert("APP_ENV".into(), "production".into());
        let err = Settings::from_source(&vars).unwrap_err();
        assert!(err.to_string().contains("INTERNAL_API_TOKEN"), "{err}");
        vars.insert("INTERNAL_API_TOKEN".into(), "x".repeat(40));
        vars.insert("COOKIE_SECURE".into(), "false".into());
        let err = Settings::from_source(&vars).unwrap_err();
        assert!(err.to_string().contains("COOKIE_SECURE"), "{err}");
    }

    #[test]
    fn a_missing_mongo_uri_is_named() {
        let err = Settings::from_source(&HashMap::<String, String>::new()).unwrap_err();
        assert!(err.to_string().contains("MONGO_URI"));
    }
}
