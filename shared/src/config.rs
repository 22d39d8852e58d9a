//! Typed configuration from environment variables. Every failure names the variable it is about, so a
//! misconfigured process stops with a message an operator can act on.

use std::str::FromStr;

/// A variable that is missing, malformed, or insecure for the current environment.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(String),
    #[error("environment variable {name} has an invalid value: {reason}")]
    Invalid { name: String, reason: String },
    #[error("environment variable {name} is not allowed in production: {reason}")]
    Insecure { name: String, reason: String },
}

/// Where variables come from: the process environment, or a fixed map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct Env;

impl Source for Env {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<S: std::hash::BuildHasher> Source for std::collections::HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        self.get(name).cloned().filter(|v| !v.trim().is_empty())
    }
}

/// Reads typed variables from a [`Source`].
pub struct Vars<'a> {
    source: &'a dyn Source,
}

impl<'a> Vars<'a> {
    pub fn new(source: &'a dyn Source) -> Self {
        Self { source }
    }

    /// The raw string, if set and not blank.
    pub fn raw(&self, name: &str) -> Option<String> {
        self.source.get(name)
    }

    /// A required variable.
    pub fn required<T: FromStr>(&self, name: &str) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self
            .raw(name)
            .ok_or_else(|| ConfigError::Missing(name.to_owned()))?;
        parse(name, &raw)
    }

    /// An optional variable.
    pub fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.raw(name).map(|raw| parse(name, &raw)).transpose()
    }

    /// A variable with a default.
    pub fn or<T: FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    /// A boolean: `true/false/1/0/yes/no/on/off`.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(name) {
            None => Ok(default),
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::Invalid {
                    name: name.to_owned(),
                    reason: format!("`{raw}` is not a boolean"),
                }),
            },
        }
    }

    /// A comma-separated list (blank entries dropped).
    pub fn list(&self, name: &str, default: &str) -> Vec<String> {
        self.raw(name)
            .unwrap_or_else(|| default.to_owned())
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn parse<T: FromStr>(name: &str, raw: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    raw.trim()
        .parse()
        .map_err(|e: T::Err| ConfigError::Invalid {
            name: name.to_owned(),
            reason: e.to_string(),
        })
}

/// The deployment environment (`APP_ENV`). Production refuses insecure settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

impl FromStr for AppEnv {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "development" | "dev" | "local" => Ok(Self::Development),
            "test" => Ok(Self::Test),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "`{other}` is not one of development, test, production"
            )),
        }
    }
}

/// In production, refuses a secret that is missing, short, or one of the documented development values.
pub fn require_secret(
    env: AppEnv,
    name: &str,
    value: Option<&str>,
    dev_default: &str,
) -> Result<String, ConfigError> {
    match (env.is_production(), value) {
        (true, None) => Err(ConfigError::Missing(name.to_owned())),
        (true, Some(v)) if v == dev_default || v.len() < 24 => Err(ConfigError::Insecure {
            name: name.to_owned(),
            reason: "use a random secret of at least 24 characters".to_owned(),
        }),
        (_, Some(v)) => Ok(v.to_owned()),
        (false, None) => Ok(dev_default.to_owned()),
    }
}

/// `INTERNAL_API_TOKEN` outside production when none is set; production refuses it.
pub const DEV_INTERNAL_API_TOKEN: &str = "dev-internal-token";

/// The variables every service reads: where to listen, how to log, Redis, and the service token.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// `APP_ENV`: development (default), test or production.
    pub app_env: AppEnv,
    /// `HOST` (default `0.0.0.0`).
    pub host: String,
    /// `PORT`; 0 picks a free one (tests).
    pub port: u16,
    /// `LOG_JSON`: JSON logs (default: on in production).
    pub json_logs: bool,
    /// `REDIS_URL` (default `redis://127.0.0.1:6379`).
    pub redis_url: String,
    /// `REDIS_PREFIX`: prefix of every Redis key (default `lms:`).
    pub redis_prefix: String,
    /// `INTERNAL_API_TOKEN`: the service token of `/internal/...` routes.
    pub internal_api_token: String,
}

impl ServiceSettings {
    pub fn from_vars(v: &Vars<'_>, default_port: u16) -> Result<Self, ConfigError> {
        let app_env: AppEnv = v.or("APP_ENV", AppEnv::Development)?;
        Ok(Self {
            app_env,
            host: v.or("HOST", "0.0.0.0".to_owned())?,
            port: v.or("PORT", default_port)?,
            json_logs: v.flag("LOG_JSON", app_env.is_production())?,
            redis_url: v.or("REDIS_URL", "redis://127.0.0.1:6379".to_owned())?,
            redis_prefix: v.or("REDIS_PREFIX", "lms:".to_owned())?,
            internal_api_token: require_secret(
                app_env,
                "INTERNAL_API_TOKEN",
                v.raw("INTERNAL_API_TOKEN").as_deref(),
                DEV_INTERNAL_API_TOKEN,
            )?,
        })
    }
}

/// `MONGO_URI` (required) and `MONGO_DB` (the service's own database).
#[derive(Debug, Clone)]
pub struct MongoSettings {
    pub uri: String,
    pub db: String,
}

impl MongoSettings {
    pub fn from_vars(v: &Vars<'_>, default_db: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            uri: v.required("MONGO_URI")?,
            db: v.or("MONGO_DB", default_db.to_owned())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn errors_name_the_variable() {
        let map = vars(&[("PORT", "eighty")]);
        let v = Vars::new(&map);
        let err = v.required::<u16>("PORT").unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
        let err = v.required::<u16>("MISSING_ONE").unwrap_err();
        assert_eq!(err, ConfigError::Missing("MISSING_ONE".into()));
    }

    #[test]
    fn defaults_apply_only_when_unset_or_blank() {
        let map = vars(&[("A", "7"), ("B", "  ")]);
        let v = Vars::new(&map);
        assert_eq!(v.or("A", 1u32).unwrap(), 7);
        assert_eq!(v.or("B", 1u32).unwrap(), 1);
        assert!(v.flag("C", true).unwrap());
        assert_eq!(v.list("D", "a, b,,c"), vec!["a", "b", "c"]);
    }

    #[test]
    fn service_settings_have_defaults_and_name_bad_variables() {
        let map = vars(&[("MONGO_URI", "mongodb://x")]);
        let s = ServiceSettings::from_vars(&Vars::new(&map), 4009).unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.json_logs),
            ("0.0.0.0", 4009, false)
        );
        assert_eq!(s.internal_api_token, DEV_INTERNAL_API_TOKEN);
        assert_eq!(
            MongoSettings::from_vars(&Vars::new(&map), "lms_x")
                .unwrap()
                .db,
            "lms_x"
        );
        let map = vars(&[("PORT", "http")]);
        assert!(
            ServiceSettings::from_vars(&Vars::new(&map), 1)
                .unwrap_err()
                .to_string()
                .contains("PORT")
        );
        let none = vars(&[]);
        assert_eq!(
            MongoSettings::from_vars(&Vars::new(&none), "d").unwrap_err(),
            ConfigError::Missing("MONGO_URI".into())
        );
        let prod = vars(&[("APP_ENV", "production")]);
        let err = ServiceSettings::from_vars(&Vars::new(&prod), 1).unwrap_err();
        assert!(err.to_string().contains("INTERNAL_API_TOKEN"), "{err}");
        assert!(ServiceSettings::from_vars(&Vars::new(&prod), 1).is_err());
    }

    #[test]
    fn production_refuses_default_and_short_secrets() {
        assert!(require_secret(AppEnv::Production, "S", None, "dev").is_err());
        assert!(require_secret(AppEnv::Production, "S", Some("dev"), "dev").is_err());
        assert!(require_secret(AppEnv::Production, "S", Some("short"), "dev").is_err());
        assert_eq!(
            require_secret(AppEnv::Development, "S", None, "dev").unwrap(),
            "dev"
        );
        let strong = "a-very-long-random-secret-value-123";
        assert_eq!(
            require_secret(AppEnv::Production, "S", Some(strong), "dev").unwrap(),
            strong
        );
    }
}
